"""Enquiries: the hand-raises and their response clock.

Plans each enquiry (leads, repeat enquirers, spam and messages that are not a lead):
what the person typed, the visits that led to it, its fit score, its first response and
the acknowledgement, reminders and escalations that would already have happened,
recorded as done: nothing is queued, notified or sent. The ideal client profile that
the fit score approximates is created here too.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import phonenumbers

from handraise.contacts import matching
from handraise.contacts.models import Contact
from handraise.demo.build import ENQUIRIES_PER_SCALE, Build
from handraise.demo.marketing import Journeys, new_visitor_id
from handraise.demo.people import People, Person, unique_email
from handraise.demo.words import (
    ASKS,
    ICP_INDUSTRIES,
    ICP_KEYWORDS,
    MOBILE_PREFIX,
    NOT_A_LEAD,
    OPENERS,
    PARTNERS,
    PROBLEMS,
    SITE,
    SPAM,
)
from handraise.enquiries.models import Enquiry
from handraise.enquiries.response_clock import REMIND_BEFORE
from handraise.insights.fit import Fit, FitFacts, ProfileTerms, region_of, score_fit
from handraise.insights.models import IdealClientProfile
from handraise.sales.models import Activity, Deal

_ENQUIRY_CHANNELS = (
    (Enquiry.Channel.FORM, 52),
    (Enquiry.Channel.EMAIL, 18),
    (Enquiry.Channel.PHONE, 11),
    (Enquiry.Channel.MEETING, 8),
    (Enquiry.Channel.REFERRAL, 7),
    (Enquiry.Channel.OTHER, 4),
)
# share of answered leads, business minutes until the first response (None: never)
_RESPONSE_TIMES = (
    (24, (3, 45)),
    (36, (45, 240)),
    (22, (240, 960)),
    (12, (960, 3600)),
    (6, None),
)


DEMO_PROFILE_NAME = "Owner-managed operations businesses"
DEMO_PROFILE = ProfileTerms(
    industries=ICP_INDUSTRIES,
    min_employees=20,
    max_employees=250,
    regions=("GB",),
    min_deal_value=Decimal(8000),
    keywords=ICP_KEYWORDS,
)


@dataclass
class EnquiryPlan:
    enquiry: Enquiry
    person: Person
    is_lead: bool
    response_kind: str = ""  # the Activity kind of the first response
    response_minutes: float | None = None


def plan_enquiries(b: Build, people: People, journeys: Journeys) -> list[EnquiryPlan]:
    rng = b.rng("enquiries")
    channels = [c for c, _ in _ENQUIRY_CHANNELS]
    channel_weights = [w for _, w in _ENQUIRY_CHANNELS]
    moments = sorted(b.enquiry_moments.draw(rng) for _ in range(ENQUIRIES_PER_SCALE * b.scale))
    queue = iter(people.queue)
    plans: list[EnquiryPlan] = []
    leads: list[Person] = []
    spam_count = 0
    for received_at in moments:
        channel = rng.choices(channels, channel_weights)[0]
        if channel == Enquiry.Channel.FORM and rng.random() < 0.07:
            spam_count += 1
            plans.append(_spam_enquiry(b, rng, people, received_at, spam_count))
            continue
        not_a_lead = channel in ("form", "email", "phone") and rng.random() < 0.045
        if leads and not not_a_lead and rng.random() < 0.07:
            person, repeat = rng.choice(leads), True
        else:
            person, repeat = next(queue), False
        if person.first_seen is None:
            person.first_seen = received_at
        if channel == Enquiry.Channel.PHONE and not person.phones:
            person.phones.append((people.phone_book.number(MOBILE_PREFIX), "mobile"))
        plan = _lead_enquiry(b, rng, journeys, person, channel, received_at, repeat, not_a_lead)
        if plan.is_lead:
            leads.append(person)
        plans.append(plan)
    return plans


def _lead_enquiry(
    b: Build,
    rng: random.Random,
    journeys: Journeys,
    person: Person,
    channel: str,
    received_at: datetime,
    repeat: bool,
    not_a_lead: bool,
) -> EnquiryPlan:
    message = _not_a_lead_message(rng) if not_a_lead else _message(rng, person, channel, repeat)
    enquiry = Enquiry(
        channel=channel,
        form=b.form if channel == Enquiry.Channel.FORM else None,
        contact=person.contact,
        received_at=received_at,
        message=message,
        **_typed_details(rng, person, channel),
    )
    if enquiry.from_email:
        enquiry.acknowledged_at = received_at + timedelta(seconds=rng.randint(2, 25))
    enquiry.response_due_at = b.calendar.add_business_minutes(
        received_at, b.response_target_minutes
    )
    if channel in (Enquiry.Channel.FORM, Enquiry.Channel.MEETING):
        _attribute_to_visits(rng, journeys, person, enquiry)
    plan = EnquiryPlan(enquiry, person, is_lead=not not_a_lead)
    fit = _fit(person, message)
    enquiry.fit_score, enquiry.fit_reasons = fit.score, fit.reasons_text
    if not_a_lead:
        enquiry.status = Enquiry.Status.NOT_A_LEAD
        return plan
    minutes = rng.choices(_RESPONSE_TIMES, [w for w, _ in _RESPONSE_TIMES])[0][1]
    if minutes is not None:
        response_minutes = rng.randint(*minutes)
        answered_at = b.calendar.add_business_minutes(received_at, response_minutes)
        if answered_at < b.now:
            enquiry.first_response_at = answered_at
            enquiry.status = Enquiry.Status.RESPONDED
            plan.response_minutes = response_minutes
            plan.response_kind = _response_kind(rng, channel)
    _stamp_past_alarms(b, enquiry)
    return plan


def _stamp_past_alarms(b: Build, enquiry: Enquiry) -> None:
    """The worker reminded and escalated as the year went by; record that it did, so a
    fresh demo does not sound a whole year of alarms at once."""
    due, answered = enquiry.response_due_at, enquiry.first_response_at
    remind_at = max(due - REMIND_BEFORE, enquiry.received_at)
    if remind_at < b.now and (answered is None or answered > remind_at):
        enquiry.reminded_at = remind_at
    if due < b.now and (answered is None or answered > due):
        enquiry.escalated_at = due


def _spam_enquiry(
    b: Build, rng: random.Random, people: People, received_at: datetime, n: int
) -> EnquiryPlan:
    local = rng.choice(("growth.team", "seo.experts", "leads.desk", "webdesign.offers"))
    domain = rng.choice(("example.net", "example.org"))
    email = unique_email(local, domain, people.used_emails)
    name = rng.choice(("Digital Growth Team", "Mark SEO", "Web Solutions", "Data Desk"))
    contact = Contact(name=name, match_key=matching.match_key(name))
    person = Person(contact, name, "", None, [email], [], first_seen=received_at)
    people.persons.append(person)
    enquiry = Enquiry(
        channel=Enquiry.Channel.FORM,
        status=Enquiry.Status.SPAM,
        form=b.form,
        contact=person.contact,
        received_at=received_at,
        message=rng.choice(SPAM),
        from_name=name,
        from_email=email.upper() if n % 3 == 0 else email,
        visitor_id=new_visitor_id(rng),
        landing_page=f"{SITE}/contact/",
    )
    return EnquiryPlan(enquiry, person, is_lead=False)


def _message(rng: random.Random, person: Person, channel: str, repeat: bool) -> str:
    parts = []
    if repeat:
        parts.append("Following up on our conversation earlier in the year.")
    elif person.org:
        org = person.org
        parts.append(
            rng.choice(OPENERS).format(
                employees=org.organisation.employees,
                noun=org.noun,
                town=org.town,
                company=org.organisation.name,
            )
        )
    parts.append(rng.choice(PROBLEMS))
    parts.append(rng.choice(ASKS))
    text = " ".join(parts)
    if channel == Enquiry.Channel.PHONE:
        return f"Phoned the office. {text} Asked for a call back."
    if channel == Enquiry.Channel.MEETING:
        return f"Booked a 30-minute intro call on the website. Notes: {text}"
    if channel == Enquiry.Channel.REFERRAL:
        partner = rng.choice(PARTNERS)[0]
        return f"Introduced by {partner}. {text}"
    if channel == Enquiry.Channel.OTHER:
        return f"Message on LinkedIn: {text}"
    return text


def _not_a_lead_message(rng: random.Random) -> str:
    return rng.choice(NOT_A_LEAD)


def _typed_details(rng: random.Random, person: Person, channel: str) -> dict[str, str]:
    """What the person gave, as they typed it: capitals, spacing and national numbers."""
    name = person.name
    if rng.random() < 0.08:
        name = name.lower()
    email = person.emails[-1] if len(person.emails) > 1 and rng.random() < 0.5 else person.emails[0]
    if rng.random() < 0.15:
        local, domain = email.split("@")
        email = ".".join(part.capitalize() for part in local.split(".")) + "@" + domain
    phone = ""
    if person.phones and (channel == Enquiry.Channel.PHONE or rng.random() < 0.4):
        number = phonenumbers.parse(rng.choice(person.phones)[0])
        style = rng.choice(
            (phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        )
        phone = phonenumbers.format_number(number, style)
        if rng.random() < 0.3:
            phone = phone.replace(" ", "")
    company = person.company.removesuffix(" Ltd") if rng.random() < 0.3 else person.company
    if channel == Enquiry.Channel.PHONE and rng.random() < 0.6:
        email = ""  # the caller left a number, not an address
    return {"from_name": name, "from_email": email, "from_phone": phone, "from_company": company}


def _attribute_to_visits(
    rng: random.Random, journeys: Journeys, person: Person, enquiry: Enquiry
) -> None:
    """Give the person the visits that led here and carry the last session's source."""
    if not person.visitor_id:
        person.visitor_id = new_visitor_id(rng)
    touches, visit = journeys.before_enquiry(rng, enquiry.received_at)
    enquiry.visitor_id = person.visitor_id
    if not visit:  # the visits started before the year we generate
        enquiry.landing_page = journeys.contact_page.asset.url
        return
    person.touches += touches
    landing = visit[0]
    # Where the form was sent from (as the form script and the site script record it):
    # the contact page every journey ends on.
    enquiry.landing_page = journeys.contact_page.asset.url
    enquiry.referrer = landing.referrer
    (
        enquiry.utm_source,
        enquiry.utm_medium,
        enquiry.utm_campaign,
        enquiry.utm_content,
        enquiry.utm_term,
    ) = landing.utm


def _fit(person: Person, message: str) -> Fit:
    """The enquiry's fit by the app's own rules, against the demo's profile."""
    organisation = person.org.organisation if person.org else None
    return score_fit(
        DEMO_PROFILE,
        FitFacts(
            industry=organisation.industry if organisation else "",
            employees=organisation.employees if organisation else None,
            region=region_of(
                phones=[number for number, _label in person.phones],
                domains=[organisation.domain] if organisation else [],
            ),
            text=message,
        ),
    )


def create_ideal_client_profile() -> None:
    if IdealClientProfile.objects.exists():
        return
    IdealClientProfile.objects.create(
        name=DEMO_PROFILE_NAME,
        description=(
            "UK manufacturers, food producers, distributors and logistics firms of 20 to 250 "
            "people, where the owner or operations director feels the strain of growth: "
            "lead times slipping, overtime rising, everything routed through them."
        ),
        industries=list(DEMO_PROFILE.industries),
        min_employees=DEMO_PROFILE.min_employees,
        max_employees=DEMO_PROFILE.max_employees,
        min_deal_value=DEMO_PROFILE.min_deal_value,
        regions=list(DEMO_PROFILE.regions),
        keywords=list(DEMO_PROFILE.keywords),
    )


def _response_kind(rng: random.Random, channel: str) -> str:
    if channel == Enquiry.Channel.PHONE:
        return Activity.Kind.CALL
    if channel == Enquiry.Channel.MEETING and rng.random() < 0.5:
        return Activity.Kind.MEETING
    return rng.choices((Activity.Kind.EMAIL, Activity.Kind.CALL), (75, 25))[0]


def first_responses_without_deal(b: Build, plans: list[EnquiryPlan]) -> list[Activity]:
    """Answered enquiries that never became a deal still show who answered, how and when."""
    return [
        first_response(plan)
        for plan in plans
        if plan.response_kind and plan.enquiry.status == Enquiry.Status.RESPONDED
    ]


def first_response(plan: EnquiryPlan, deal: Deal | None = None) -> Activity:
    subjects = {
        Activity.Kind.EMAIL: "Re: your enquiry",
        Activity.Kind.CALL: "Called back about the enquiry",
        Activity.Kind.MEETING: "Intro call",
    }
    return Activity(
        kind=plan.response_kind,
        direction=Activity.Direction.OUTBOUND,
        contact=plan.person.contact,
        deal=deal,
        enquiry=plan.enquiry,
        subject=subjects[plan.response_kind],
        body=f"Thanks for getting in touch, {plan.person.first}.",
        occurred_at=plan.enquiry.first_response_at,
    )
