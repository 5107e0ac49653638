"""A week of simulated time: the proposal cadence runs by itself, and stops when it should.

The demo's business (London, Monday to Friday 9:00-17:30, English public holidays)
sends a proposal on Wednesday 20 May 2026. The week that follows has a weekend and
the Spring Bank Holiday (Monday 25 May) in it. The clock is frozen and moved on an
hour at a time; at each moment the worker runs as it does in production (its
periodic jobs, then the queue), and the cadence job runs a second time, as a
second worker would. Every email goes to a real SMTP server on loopback.
"""

import io
import threading
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from handraise.accounts.models import BusinessSettings
from handraise.contacts.models import ContactEmail
from handraise.core.clock import BusinessCalendar
from handraise.core.models import OutgoingEmail
from handraise.demo import BUSINESS_NAME, build_demo
from handraise.sales import cadences, services
from handraise.sales.models import (
    Activity,
    Cadence,
    CadenceEnrolment,
    CadenceStep,
    CadenceStepRun,
    Deal,
)
from handraise.sales.tests.reading import text
from handraise.testing.factories import make_contact, make_deal, reason, stage

# Transactional: the worker closes and reopens connections as in production.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LONDON = ZoneInfo("Europe/London")
PROPOSAL_SENT = datetime(2026, 5, 20, 11, 0, tzinfo=LONDON)  # a Wednesday
ADDRESS = "ann.lee@example.com"


class SimulatedClock:
    """Django's clock (and so Handraise's) reads this moment until it is moved on."""

    def __init__(self, monkeypatch, start: datetime) -> None:
        self.moment = start
        monkeypatch.setattr(timezone, "now", lambda: self.moment.astimezone(ZoneInfo("UTC")))

    def local_day(self) -> date:
        return self.moment.astimezone(LONDON).date()


@pytest.fixture
def clock(monkeypatch) -> SimulatedClock:
    return SimulatedClock(monkeypatch, PROPOSAL_SENT - timedelta(hours=1))


@pytest.fixture
def business(db):
    settings = BusinessSettings.load()
    settings.name = BUSINESS_NAME
    settings.holiday_country, settings.holiday_subdivision = "GB", "ENG"
    settings.save()
    return settings


def proposal_cadence(*, send_without_approval: bool = True) -> Cadence:
    cadence = Cadence.objects.create(
        name="Proposal follow-up",
        enrol_on_stage=stage("Proposal"),
        send_without_approval=send_without_approval,
    )
    for position, (days, kind, subject, body) in enumerate(
        [
            (
                2,
                "email",
                "Any questions on the proposal, {{ first_name }}?",
                "Hi {{ first_name }},\n\nDid the proposal for {{ deal }} reach you?\n\n"
                "{{ owner }}, {{ business }}",
            ),
            (5, "call", "Call {{ name }} about the proposal", "Scope, timing, the fixed fee."),
            (10, "email", "Shall I keep the proposal open?", "Hi {{ first_name }}, shall I?"),
        ]
    ):
        CadenceStep.objects.create(
            cadence=cadence,
            position=position,
            business_days_after=days,
            kind=kind,
            subject=subject,
            body=body,
        )
    return cadence


class Week:
    """The deal, the worker and the mail server, driven through simulated time."""

    def __init__(self, clock: SimulatedClock, mail_server, owner) -> None:
        self.clock, self.mail_server, self.owner = clock, mail_server, owner
        contact = make_contact("Ann Lee", organisation="Lee & Co")
        ContactEmail.objects.create(contact=contact, email=ADDRESS, is_primary=True)
        self.contact = contact
        self.deal = make_deal("Month-end review", contact=contact, owner=owner)
        self.arrived: list[tuple[date, object]] = []  # (local day it arrived, message)

    def send_proposal(self) -> None:
        self.clock.moment = PROPOSAL_SENT
        services.move_deal(
            deal=self.deal,
            to_stage=stage("Proposal"),
            user=self.owner,
            next_step="Chase the proposal",
            next_step_due=date(2026, 5, 27),
            expected_stage_id=stage("Conversation").pk,
        )

    def run_until(self, end: datetime) -> None:
        """Every waking hour until ``end``: the worker, then the cadence job again."""
        while self.clock.moment < end:
            self.clock.moment += timedelta(hours=1)
            if not 7 <= self.clock.moment.astimezone(LONDON).hour <= 20:
                continue
            call_command("worker", "--batch", verbosity=0)
            if cadences.run_due_steps():  # a second worker at the same moment
                pytest.fail("A step ran twice.")
            if OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT).exists():
                call_command("worker", "--batch", verbosity=0)
            seen = len(self.arrived)
            for message in self.mail_server.to(ADDRESS)[seen:]:
                self.arrived.append((self.clock.local_day(), message))

    def days(self) -> list[date]:
        return [day for day, _ in self.arrived]


def at(day: int, hour: int = 18, month: int = 5) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=LONDON)


@pytest.fixture
def week(clock, mail_server, owner, business) -> Week:
    return Week(clock, mail_server, owner)


def test_the_proposal_cadence_runs_on_business_days_and_sends_each_email_once(week):
    proposal_cadence()
    week.send_proposal()
    enrolment = CadenceEnrolment.objects.get(deal=week.deal)
    assert enrolment.status == CadenceEnrolment.Status.ACTIVE

    week.run_until(at(27))  # Wednesday evening: weekend and bank holiday behind us
    # Day 2 is Friday; Monday 25 is a bank holiday, so day 5 is Thursday 28.
    assert week.days() == [date(2026, 5, 22)]
    first = week.arrived[0][1]
    assert first["Subject"] == "Any questions on the proposal, Ann?"
    assert first["Reply-To"] == "owner@example.com"
    body = first.get_content()
    assert "Hi Ann," in body and "Month-end review" in body
    assert f"Olive, {BUSINESS_NAME}" in body
    assert not Activity.objects.filter(deal=week.deal, kind=Activity.Kind.CALL).exists()

    week.run_until(at(28, 12))  # Thursday noon: the call is on Today
    call = Activity.objects.get(deal=week.deal, kind=Activity.Kind.CALL)
    assert call.user == week.owner and call.completed_at is None
    assert call.due_at.astimezone(LONDON) == at(28, 11)

    week.run_until(at(5, 18, month=6))  # day 10 is Thursday 4 June
    assert week.days() == [date(2026, 5, 22), date(2026, 6, 4)]
    assert week.arrived[1][1]["Subject"] == "Shall I keep the proposal open?"
    enrolment.refresh_from_db()
    assert enrolment.status == CadenceEnrolment.Status.COMPLETED
    assert CadenceStepRun.objects.filter(enrolment=enrolment).count() == 3
    emails = Activity.objects.filter(deal=week.deal, kind=Activity.Kind.EMAIL)
    assert emails.count() == 2 and all(e.outgoing_email_id for e in emails)
    week.deal.refresh_from_db()
    assert week.deal.last_activity_at.astimezone(LONDON) == at(4, 11, month=6)


def test_the_call_step_is_a_task_on_today_on_its_day(week, client):
    proposal_cadence()
    week.send_proposal()
    client.force_login(week.owner)
    week.run_until(at(27))
    assert "Call Ann Lee about the proposal" not in text(client.get("/today/"))
    week.run_until(at(28, 12))
    page = text(client.get("/today/"))
    assert "Call Ann Lee about the proposal" in page and "Month-end review" in page


def test_a_reply_stops_the_rest_of_the_cadence(week, tmp_path):
    proposal_cadence()
    week.send_proposal()
    week.run_until(at(26, 9))  # the day-2 email went out on Friday
    assert len(week.arrived) == 1

    # Ann answers the email she got, from her mail program, quoting it; the message
    # reaches Handraise the way a mailbox delivers it: `handraise ingest-email FILE`.
    sent = week.arrived[0][1]
    reply = EmailMessage()
    reply["From"] = f"Ann Lee <{ADDRESS}>"
    reply["To"] = sent["Reply-To"]
    reply["Subject"] = f"Re: {sent['Subject']}"
    reply["Message-ID"] = "<reply-1@ann.example.com>"
    reply["In-Reply-To"] = sent["Message-ID"]
    reply["References"] = sent["Message-ID"]
    quoted = "\n".join(f"> {line}" for line in sent.get_content().splitlines())
    reply.set_content(
        f"Yes, it arrived. Can we talk on Thursday?\n\nOn Fri, Olive wrote:\n{quoted}\n"
    )
    path = tmp_path / "reply.eml"
    path.write_bytes(bytes(reply))
    call_command("ingest_email", str(path), stdout=io.StringIO())

    enrolment = CadenceEnrolment.objects.get(deal=week.deal)
    assert enrolment.status == CadenceEnrolment.Status.STOPPED
    answer = Activity.objects.get(deal=week.deal, direction=Activity.Direction.INBOUND)
    assert answer.body.strip() == "Yes, it arrived. Can we talk on Thursday?"
    week.run_until(at(5, 18, month=6))
    assert week.days() == [date(2026, 5, 22)]
    assert not Activity.objects.filter(deal=week.deal, kind=Activity.Kind.CALL).exists()


def test_moving_the_deal_on_stops_the_cadence(week):
    proposal_cadence()
    week.send_proposal()
    week.run_until(at(26, 9))
    services.move_deal(
        deal=week.deal,
        to_stage=stage("Negotiation"),
        user=week.owner,
        next_step="Agree the start date",
        next_step_due=date(2026, 5, 29),
        expected_stage_id=stage("Proposal").pk,
    )
    week.run_until(at(5, 18, month=6))
    assert week.days() == [date(2026, 5, 22)]
    enrolment = CadenceEnrolment.objects.get(deal=week.deal)
    assert enrolment.stop_reason == "The deal moved to Negotiation."


def test_winning_the_deal_stops_the_cadence(week):
    proposal_cadence()
    week.send_proposal()
    week.run_until(at(21))  # before the first email
    services.close_deal(
        deal=week.deal,
        to_stage=stage("Won"),
        user=week.owner,
        value=week.deal.value,
        reason=reason("won", "Right expertise"),
        note="Signed.",
        expected_stage_id=stage("Proposal").pk,
    )
    week.run_until(at(5, 18, month=6))
    assert week.arrived == []
    assert Deal.objects.get(pk=week.deal.pk).closed_at is not None
    assert CadenceEnrolment.objects.get(deal=week.deal).stop_reason == "The deal was won."


def test_drafts_send_nothing_until_approved_then_exactly_one_email(week, client):
    proposal_cadence(send_without_approval=False)
    week.send_proposal()
    week.run_until(at(27))
    assert week.arrived == []
    draft = CadenceStepRun.objects.get(status=CadenceStepRun.Status.DRAFT)
    assert draft.subject == "Any questions on the proposal, Ann?"

    client.force_login(week.owner)
    assert "Any questions on the proposal, Ann?" in text(client.get("/today/"))
    edited = {"subject": "The proposal, Ann", "body": "Hi Ann, any questions? Olive"}
    for _ in range(2):  # a double submit
        response = client.post(f"/cadences/drafts/{draft.pk}/approve/", edited)
        assert response.status_code == 302
    week.run_until(at(27, 20))

    assert week.days() == [date(2026, 5, 27)]
    assert week.arrived[0][1]["Subject"] == "The proposal, Ann"
    assert week.arrived[0][1].get_content().strip() == "Hi Ann, any questions? Olive"


def test_two_workers_running_the_job_at_once_run_each_step_once(week, owner):
    cadence = proposal_cadence()
    deals = [week.deal]
    for n in range(7):
        contact = make_contact(f"Person {n}")
        ContactEmail.objects.create(contact=contact, email=f"p{n}@example.com")
        deals.append(make_deal(f"Deal {n}", contact=contact, owner=owner))
    week.clock.moment = PROPOSAL_SENT
    for deal in deals:
        cadences.enrol(deal=deal, cadence=cadence)
    moment = at(22, 12)  # the day-2 emails are due
    start, ran = threading.Barrier(2), []

    def worker() -> None:
        try:
            start.wait()
            ran.append(cadences.run_due_steps(moment=moment))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(ran) == len(deals)
    assert CadenceStepRun.objects.count() == len(deals)
    assert OutgoingEmail.objects.count() == len(deals)
    week.run_until(at(22, 14))
    assert len(week.mail_server.messages) == len(deals)


def test_the_demo_pipeline_runs_for_a_week_and_a_reply_stops_its_emails(
    clock, mail_server, business
):
    monday = datetime(2026, 6, 15, 8, 0, tzinfo=LONDON)
    build_demo(seed=3, now=monday.astimezone(ZoneInfo("UTC")))
    Cadence.objects.update(send_without_approval=True)  # the demo's owner trusts it now
    clock.moment = monday
    arrived: list[tuple[date, object]] = []

    def run_until(end: datetime) -> None:
        while clock.moment < end:
            clock.moment += timedelta(hours=1)
            if not 7 <= clock.moment.astimezone(LONDON).hour <= 20:
                continue
            call_command("worker", "--batch", verbosity=0)
            assert cadences.run_due_steps() == 0, "a step ran twice"
            call_command("worker", "--batch", verbosity=0)
            arrived.extend((clock.local_day(), m) for m in mail_server.messages[len(arrived) :])

    run_until(datetime(2026, 6, 19, 18, 0, tzinfo=LONDON))  # Monday to Friday
    assert arrived, "the demo's cadences sent nothing all week"
    calendar = BusinessCalendar.for_business()
    assert all(calendar.is_business_day(day) for day, _ in arrived)
    for _, message in arrived:
        addressee = ContactEmail.objects.get(email=message["To"].addresses[0].addr_spec)
        assert message.get_content().startswith(f"Hi {addressee.contact.name.split()[0]},")

    # A prospect whose cadence has a step due next week replies over the weekend.
    end = datetime(2026, 6, 24, 18, 0, tzinfo=LONDON)
    waiting = (
        CadenceEnrolment.objects.filter(status="active", next_run_at__lt=end)
        .select_related("deal__contact")
        .first()
    )
    assert waiting is not None, "no demo cadence has a step due next week"
    contact = waiting.deal.contact
    address = contact.primary_email
    clock.moment = datetime(2026, 6, 20, 10, 0, tzinfo=LONDON)
    assert cadences.stop_for_contact(contact=contact, moment=clock.moment, reason="Replied.") >= 1
    before = len(mail_server.to(address))
    run_until(end)

    assert len(mail_server.to(address)) == before
    sent = CadenceStepRun.objects.filter(status=CadenceStepRun.Status.SENT)
    assert len(mail_server.messages) == len(arrived) == sent.count()
    assert OutgoingEmail.objects.count() == sent.count()
