"""Importing activities: the calls, emails, meetings and notes of another tool's history.

Each row's person is found or added by the contacts service; its deal is the one
an earlier ``import deals`` brought in under the same record id, or the person's
deal of that title. The activity is recorded by ``sales.activities.record_activity``,
the one writer of activities, so the deal's last-activity time rises as it would
have. Nothing is sent and no cadence hears of it. Each activity is remembered
under the file's id (or its kind, person, time and subject), so importing the
file again adds nothing.
"""

from handraise.accounts.services import historical_user
from handraise.contacts.imported import record_imported_contact
from handraise.imports.batches import RowProblem
from handraise.imports.contacts import remember_new_contact, resolution_counts
from handraise.imports.deals import KIND as DEALS
from handraise.imports.deals import Pipeline, person_fields
from handraise.imports.fields import Fields, over_limit
from handraise.imports.mapping import Mapping, header_key
from handraise.imports.reading import Row
from handraise.imports.records import record_key, remember
from handraise.imports.selectors import already_imported
from handraise.sales.activities import record_activity
from handraise.sales.models import Activity, Deal

KIND = "activities"
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
    resolution = record_imported_contact(**fields.pop("person"))
    remember_new_contact(resolution, file_name=pipeline.file_name)
    contact = resolution.contact
    deal = _deal_of(contact, fields.pop("deal_id"), fields.pop("deal_title"))
    activity = record_activity(
        contact_id=contact.pk, deal=deal, user=historical_user(fields.pop("user")), **fields
    )
    remember(kind=KIND, key=key, object_id=activity.pk, file_name=pipeline.file_name)
    return ["activity new", *(f"contact {what}" for what in resolution_counts(resolution))]


def _deal_of(contact, deal_id: str, title: str) -> Deal | None:
    if deal_id:
        pk = already_imported(kind=DEALS, key=record_key("id", deal_id))
        if pk is None:
            raise RowProblem(f"No imported deal has the id {deal_id!r}: import the deals first.")
        return Deal.objects.get(pk=pk)
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
    person = person_fields(read, pipeline.region)
    subject, body = read.first("subject"), "\n\n".join(read.all("body"))
    over_limit({"subject": subject, **person}, LIMITS)
    if not (subject or body):
        raise RowProblem("This activity has neither a subject nor a note.")
    identity = read.first("external_id")
    who = ",".join(person["emails"]) or ",".join(person["phones"]) or person["name"]
    return {
        "key": record_key(
            *(("id", identity) if identity else ("row", kind, who, occurred.isoformat(), subject))
        ),
        "person": person,
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
