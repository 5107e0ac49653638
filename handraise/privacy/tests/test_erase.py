"""Erasing one person: nothing of theirs anywhere, everybody else's untouched, the figures kept."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from handraise.contacts.models import Contact, MergeSuggestion
from handraise.core import outbox
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.enquiries.models import Enquiry, InboundEmail, Submission
from handraise.imports.models import ImportJob
from handraise.insights.selectors import home_figures
from handraise.marketing.models import Touchpoint
from handraise.privacy import services
from handraise.privacy.models import Erasure
from handraise.privacy.tests.people import (
    ANN_EMAIL,
    ANN_TRACES,
    ANN_VISITOR,
    BOB_TRACES,
    make_world,
)
from handraise.sales.models import Activity, Deal, Proposal

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, models.BinaryField)


def every_stored_value():
    """(model, field, value as text) for every text-like value of every row Handraise keeps,
    Django's admin history and the task queue included."""
    for model in apps.get_models():
        if model._meta.app_label in ("sessions", "contenttypes", "auth"):
            continue  # users, permissions and sessions: the business's own people
        fields = [f for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not fields:
            continue
        names = [f.attname for f in fields]
        for row in model.objects.values_list(*names):
            for name, value in zip(names, row, strict=True):
                if isinstance(value, bytes | memoryview):
                    value = bytes(value).decode("utf-8", "replace")
                elif not isinstance(value, str):
                    value = json.dumps(value)
                yield model, name, value


def traces_in_database(traces) -> list[str]:
    return [
        f"{model._meta.label}.{name}: {trace!r}"
        for model, name, value in every_stored_value()
        for trace in traces
        if trace.lower() in value.lower()
    ]


def traces_on_disk(folder: Path, traces) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace").lower()
            found += [f"{path.name}: {t!r}" for t in traces if t.lower() in text]
    return found


def test_after_erasure_no_row_anywhere_holds_her_name_email_phone_or_words(owner):
    world = make_world(owner)
    assert traces_in_database(ANN_TRACES)  # the check can find her before

    services.erase_person(contact=world.ann, by=owner)

    assert traces_in_database(ANN_TRACES) == []


def test_her_browsers_visitor_id_is_gone_from_her_touchpoints_and_the_anonymous_ones(owner):
    world = make_world(owner)
    read_before = Touchpoint.objects.filter(asset__isnull=False).count()

    services.erase_person(contact=world.ann, by=owner)

    assert set(
        Touchpoint.objects.filter(visitor_id=ANN_VISITOR).values_list("contact", flat=True)
    ) == {world.bob.pk}  # only the page Bob read on the browser they shared
    assert not Enquiry.objects.filter(visitor_id=ANN_VISITOR).exists()
    # What she read still counts towards the article's reach, without her.
    assert Touchpoint.objects.filter(asset__isnull=False).count() == read_before


def test_everybody_elses_data_is_untouched(owner):
    world = make_world(owner)
    before = sorted(traces_in_database(BOB_TRACES))

    services.erase_person(contact=world.ann, by=owner)

    assert sorted(traces_in_database(BOB_TRACES)) == before
    assert Touchpoint.objects.get(url__contains="BOB-SHARED").visitor_id  # his, shared browser
    assert world.bob_spool_file.exists()


def test_her_spooled_submission_files_are_gone_and_nothing_on_disk_names_her(owner, data_dir):
    world = make_world(owner)
    document = Path(Proposal.objects.get(deal__contact=world.ann).document.path)
    assert traces_on_disk(data_dir, ANN_TRACES)  # the check can find her before

    services.erase_person(contact=world.ann, by=owner)

    assert not world.ann_spool_file.exists()
    assert not document.exists()  # the proposal sent to her
    assert traces_on_disk(data_dir, ANN_TRACES) == []


def test_her_raw_submissions_emails_and_outbox_copies_are_deleted(owner):
    world = make_world(owner)

    services.erase_person(contact=world.ann, by=owner)

    assert not Submission.objects.filter(enquiry__contact=world.ann).exists()
    assert not InboundEmail.objects.filter(from_address__icontains="acme").exists()
    assert not OutgoingEmail.objects.filter(to=ANN_EMAIL).exists()
    # The owners' notice of her enquiry quoted her: it goes too.
    assert not OutgoingEmail.objects.filter(
        key__startswith=f"notify:enquiry:{world.ann_enquiry.pk}:"
    )
    assert not MergeSuggestion.objects.exists()


def test_home_figures_are_the_same_after_erasure(owner):
    world = make_world(owner)
    before = home_figures()

    services.erase_person(contact=world.ann, by=owner)

    after = home_figures()
    assert after == before
    assert after.deals_won_last_365_days == 2
    assert [money.amount for money in after.won_last_365_days] == [Decimal("15000")]
    assert after.enquiries_last_30_days == before.enquiries_last_30_days >= 2
    assert Enquiry.objects.filter(contact=world.ann).exists()  # kept, anonymous


def test_her_rows_that_stay_point_to_an_empty_placeholder_listed_nowhere(owner, owner_client):
    world = make_world(owner)

    services.erase_person(contact=world.ann, by=owner)

    ann = Contact.objects.get(pk=world.ann.pk)
    assert ann.name == "Erased person" and ann.erased_at is not None
    assert not ann.emails.exists() and not ann.phones.exists() and ann.organisation is None
    assert Deal.objects.filter(contact=ann).count() == 2
    assert set(Activity.objects.filter(contact=ann).values_list("body", flat=True)) == {""}
    contacts_page = owner_client.get("/contacts/").content.decode()
    assert "Erased person" not in contacts_page and "Bob Stone" in contacts_page


def test_the_erasure_is_recorded_with_who_when_and_counts_but_nothing_of_her(owner):
    world = make_world(owner)

    erasure = services.erase_person(contact=world.ann, by=owner)

    record = Erasure.objects.get()
    assert record == erasure and record.erased_by == owner and record.actor == "owner"
    assert record.via == Erasure.Via.WEB and record.erased_at is not None
    assert record.counts["enquiries"] == Enquiry.objects.filter(contact=world.ann).count() >= 1
    assert record.counts["deals"] == 2 and record.counts["emails"] == 1
    assert record.counts["spooled_submissions"] == 1 and record.counts["inbound_emails"] == 1
    assert record.counts["submissions"] == 2 and record.counts["admin_history"] == 1
    assert record.counts["proposals"] == 1
    written = json.dumps([record.actor, record.counts, str(record)]).lower()
    assert not [trace for trace in ANN_TRACES if trace.lower() in written]
    assert str(world.ann.pk) not in json.dumps(list(record.counts))


def test_an_email_still_waiting_to_go_to_her_is_never_sent(owner, mail_server):
    world = make_world(owner)
    waiting = OutgoingEmail.objects.filter(to=ANN_EMAIL, status=OutgoingEmail.Status.PENDING)
    email_ids = list(waiting.values_list("pk", flat=True))
    assert email_ids  # the acknowledgement and reply, queued and not yet sent

    services.erase_person(contact=world.ann, by=owner)
    statuses = [outbox.send_email(email_id=pk) for pk in email_ids]

    assert statuses == ["erased"] * len(email_ids)
    assert mail_server.to(ANN_EMAIL) == []


def test_a_person_erased_already_cannot_be_erased_again(owner):
    world = make_world(owner)
    services.erase_person(contact=world.ann, by=owner)

    with pytest.raises(services.AlreadyErased):
        services.erase_person(contact=world.ann, by=owner)
    assert Erasure.objects.count() == 1


def test_her_rows_in_a_web_imports_rejects_are_gone_and_the_others_stay(owner, data_dir):
    world = make_world(owner)
    (data_dir / "imports").mkdir(exist_ok=True)
    rejects = data_dir / "imports" / "people.rejects.csv"
    rejects.write_text(
        "line,reason,Name,E-mail,Mobile\n"
        "2,no name,,ANN@ACME.EXAMPLE,\n"
        "3,bad date,Ann L.,,+44 (0)20 7946 0123\n"
        "4,bad date,Bob Stone,bob@other.example,\n",
        encoding="utf-8",
    )
    ImportJob.objects.create(
        kind="contacts",
        file_name="people.csv",
        rejects_path="imports/people.rejects.csv",
        created_at=now(),
    )

    erasure = services.erase_person(contact=world.ann, by=owner)

    assert rejects.read_text(encoding="utf-8").splitlines() == [
        "line,reason,Name,E-mail,Mobile",
        "4,bad date,Bob Stone,bob@other.example,",
    ]
    assert erasure.counts["import_rejects"] == 2
    assert "2 rows of imports' rejects" in services.describe(erasure.counts)
