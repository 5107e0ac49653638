"""Importing activities: the calls, emails, meetings and notes of another tool's history.

Each row's person is the contact imported for its "contact id" (our own export),
else found or added by the contacts service; its deal is the one an earlier
``import deals`` brought in under the same record id, or the person's deal of
that title, and its enquiry the one imported for its "enquiry id". The activity
is recorded by ``sales.activities.record_activity``, the one writer of
activities, so the deal's last-activity time rises as it would have. Nothing
is sent and no cadence hears of it. Each activity is remembered under the
file's id (or its kind, person, time and subject), so importing the file again
adds nothing.
"""

from handraise.accounts.services import historical_user
from handraise.contacts.imported import record_imported_contact
from handraise.contacts.models import Contact
from handraise.enquiries.models import Enquiry
from handraise.imports.batches import RowProblem
from handraise.imports.contacts import remember_new_contact, resolution_counts
from handraise.imports.deals import Pipeline, person_fields
from handraise.imports.exported import ACTIVITIES, DEALS, ENQUIRIES, exported, exported_contact
from handraise.imports.fields import Fields, over_limit
from handraise.imports.mapping import Mapping, header_key
from handraise.imports.reading import Row
from handraise.imports.records import record_key, remember
from handraise.imports.selectors import already_imported
from handraise.sales.activities import record_activity
from handraise.sales.models import Activity, Deal

KIND = ACTIVITIES
LIMITS = {"subject": Activity._meta.get_field("subject").max_length, "name": 200}
KINDS = {
    header_key(word): kind
    for kind, words in {
        Activity.Kind.CALL: ("call", "phone call", "phone", "logged call"),
        Activity.Kind.EMAIL: ("email", "e-mail", "incoming email", "outgoing email", "mail"),
        Activity.Kind.MEETING: ("meeting", "demo", "lunch", "video call", "visit"),
        Activity.Kind.NOTE: ("note", "comment"),
        Activity.Kind.TASK: ("task", "to-do", "todo", "deadline"),
        Activity.Kind.FOLLOW_UP: ("follow-up", "follow up", "followup"),
        Activity.Kind.PROPOSAL: ("proposal", "proposal sent", "quote"),
    }.items()
    for word in words
}
DIRECTIONS = {
    header_key(word): direction
    for direction, words in {
        Activity.Direction.INBOUND: ("inbound", "incoming", "in", "received", "from them"),
        Activity.Direction.OUTBOUND: ("outbound", "outgoing", "out", "sent", "from us"),
    }.items()
    for word in words
}


def record(item: dict, pipeline: Pipeline) -> list[str]:
    """Write one checked row; what happened, for the summary's counts."""
    fields = dict(item)  # a batch may be replayed row by row: leave the item whole
    key = fields.pop("key")
    if already_imported(kind=KIND, key=key) is not None:
        return ["activity already here"]
    exported_id, person = fields.pop("exported_id"), fields.pop("person")
    counts = []
    if person is None:
        contact = Contact(pk=exported_contact(pipeline, fields.pop("contact_id")))
    else:
        fields.pop("contact_id")
        resolution = record_imported_contact(**person)
        remember_new_contact(resolution, file_name=pipeline.file_name)
        contact, counts = resolution.contact, resolution_counts(resolution)
    deal = _deal_of(pipeline, contact, fields.pop("deal_id"), fields.pop("deal_title"))
    enquiry_id = exported(pipeline, ENQUIRIES, fields.pop("enquiry_id"), "enquiry")
    activity = record_activity(
        contact_id=contact.pk,
        deal=deal,
        enquiry=Enquiry(pk=enquiry_id) if enquiry_id else None,  # the link is all it needs
        user=historical_user(fields.pop("user")),
        **fields,
    )
    remember(kind=KIND, key=key, object_id=activity.pk, file_name=pipeline.file_name)
    pipeline.ids.add(KIND, exported_id, activity.pk)
    return ["activity new", *(f"contact {what}" for what in counts)]


def _deal_of(pipeline: Pipeline, contact: Contact, deal_id: str, title: str) -> Deal | None:
    if deal_id:
        # The link is all record_activity needs: it raises the deal's last-activity
        # time with a conditional UPDATE, so no read of the deal is needed either.
        return Deal(pk=exported(pipeline, DEALS, deal_id, "deal"))
    if title:
        deal = Deal.objects.filter(contact=contact, title=title).order_by("-created_at").first()
        if deal is None:
            raise RowProblem(f"{contact.name} has no deal called {title!r}.")
        return deal
    return None


def check_row(
    row: Row, header: list[str], mapping: Mapping, pipeline: Pipeline, date_order: str | None
) -> dict:
    """One row as what ``record`` needs, or ``RowProblem`` with the reason."""
    read = Fields(row, header, mapping)
    kind = _kind(read.first("kind"))
    occurred = read.moment("occurred_at", label="Date", order=date_order, zone=pipeline.zone)
    if occurred is None:
        raise RowProblem("This activity has no date.")
    contact_id = read.first("contact_id")
    person = None if contact_id else person_fields(read, pipeline.region)
    subject, body = read.first("subject"), "\n\n".join(read.all("body"))
    over_limit({"subject": subject, **(person or {})}, LIMITS)
    if not (subject or body):
        raise RowProblem("This activity has neither a subject nor a note.")
    identity = read.first("external_id")
    who = (
        ",".join(person["emails"]) or ",".join(person["phones"]) or person["name"]
        if person
        else contact_id
    )
    moment = lambda name, label: read.moment(  # noqa: E731
        name, label=label, order=date_order, zone=pipeline.zone
    )
    return {
        "key": record_key(
            *(("id", identity) if identity else ("row", kind, who, occurred.isoformat(), subject))
        ),
        "exported_id": identity,
        "person": person,
        "contact_id": contact_id,
        "enquiry_id": read.first("enquiry_id"),
        "due_at": moment("due_at", "Due"),
        "completed_at": moment("completed_at", "Completed"),
        "deal_id": read.first("deal_id"),
        "deal_title": read.first("deal_title"),
        "user": read.first("user"),
        "kind": kind,
        "direction": DIRECTIONS.get(header_key(read.first("direction")), ""),
        "subject": subject,
        "body": body,
        "occurred_at": occurred,
    }


def _kind(given: str) -> str:
    if not given:
        return Activity.Kind.NOTE
    kind = KINDS.get(header_key(given))
    if kind is None:
        known = ", ".join(label.lower() for label in Activity.Kind.labels if label != "Proposal")
        raise RowProblem(f"{given!r} is not a kind of activity we know ({known}).")
    return kind
