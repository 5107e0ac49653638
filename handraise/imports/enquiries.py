"""Importing enquiries: the hand-raises of our own export or of a form tool's submissions.

An enquiry is history: ``enquiries.services.record_imported_enquiry`` stores it
with the times it had and sends, queues and sounds nothing. Its person is the
contact imported for the row's "contact id" (``import DIR`` reads contacts
first), else the one the name, email and phone given resolve to, as a contact
import would. What they typed is kept as typed. Each enquiry is remembered under
the file's id (or its channel, who and when), so importing again adds nothing,
and a later file's "enquiry id" (a deal's, an activity's) finds it.
"""

from handraise.accounts.services import historical_user
from handraise.contacts.imported import record_imported_contact
from handraise.enquiries.models import Enquiry, Form
from handraise.enquiries.services import record_imported_enquiry
from handraise.imports.batches import RowProblem
from handraise.imports.contacts import remember_new_contact, resolution_counts
from handraise.imports.exported import ENQUIRIES, Context, exported_contact
from handraise.imports.fields import Fields, one_of, over_limit
from handraise.imports.mapping import Mapping
from handraise.imports.reading import Row
from handraise.imports.records import record_key, remember
from handraise.imports.selectors import already_imported

KIND = ENQUIRIES
TEXT_FIELDS = (
    "from_name",
    "from_email",
    "from_phone",
    "from_company",
    "referrer",
    "landing_page",
    "visitor_id",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_content",
    "utm_term",
)
LIMITS = {name: Enquiry._meta.get_field(name).max_length for name in TEXT_FIELDS}
TIMES = {
    "response_due_at": "Response due",
    "acknowledged_at": "Acknowledged",
    "reminded_at": "Reminded",
    "escalated_at": "Escalated",
    "first_response_at": "First response",
    "created_at": "Created",
}


def check_row(row: Row, header: list[str], mapping: Mapping, context: Context) -> dict:
    """One row as what ``record`` needs, or ``RowProblem`` with the reason."""
    read = Fields(row, header, mapping)
    moment = lambda name, label: read.moment(  # noqa: E731
        name, label=label, order=None, zone=context.zone
    )
    received = moment("received_at", "Received")
    if received is None:
        raise RowProblem("This enquiry has no date it was received.")
    fields = {name: read.first(name) for name in TEXT_FIELDS}
    over_limit(fields, LIMITS)
    fields |= {name: moment(name, label) for name, label in TIMES.items()}
    first_response = fields["first_response_at"]
    if first_response and first_response < received:
        raise RowProblem("The first response came before the enquiry; check the two dates.")
    fit = read.whole("fit_score")
    if fit is not None and fit > 100:
        raise RowProblem("A fit score is from 0 to 100.")
    channel = one_of(read.first("channel") or "form", Enquiry.Channel, "channel")
    given_status = read.first("status")
    status = (
        one_of(given_status, Enquiry.Status, "status")
        if given_status
        else (Enquiry.Status.RESPONDED if first_response else Enquiry.Status.OPEN)
    )
    contact_id = read.first("contact_id")
    person = None if contact_id else _person(read, context.region)
    identity = read.first("external_id")
    who = fields["from_email"] or fields["from_phone"] or fields["from_name"]
    return {
        "key": record_key(
            *(("id", identity) if identity else ("row", channel, who, received.isoformat()))
        ),
        "exported_id": identity,
        "contact_id": contact_id,
        "person": person,
        "form_slug": read.first("form"),
        "first_response_by": read.first("first_response_by"),
        "channel": channel,
        "status": status,
        "received_at": received,
        "message": read.first("message"),
        "fit_score": fit,
        **{name: value for name, value in fields.items() if value is not None},
    }


def _person(read: Fields, region: str) -> dict:
    """Who the enquiry is from, by what they gave; a typed number that is no number
    is kept as typed on the enquiry, and not used to find them."""
    emails = read.emails("from_email")
    try:
        phones = read.phones(region, "from_phone")
    except RowProblem:
        phones = []
    name = read.first("from_name") or (emails[0] if emails else phones[0] if phones else "")
    if not name:
        raise RowProblem("This enquiry says neither who it is from nor their contact id.")
    return {
        "name": name[:200],
        "emails": emails,
        "phones": phones,
        "organisation": read.first("from_company")[:200],
    }


def record(item: dict, context: Context) -> list[str]:
    """Write one checked row; what happened, for the summary's counts."""
    fields = dict(item)  # a batch may be replayed row by row: leave the item whole
    key, exported_id = fields.pop("key"), fields.pop("exported_id")
    if already_imported(kind=KIND, key=key) is not None:
        return ["already here"]
    counts = []
    contact_pk, person = exported_contact(context, fields.pop("contact_id")), fields.pop("person")
    if person is not None:
        resolution = record_imported_contact(**person)
        remember_new_contact(resolution, file_name=context.file_name)
        contact_pk, counts = resolution.contact.pk, resolution_counts(resolution)
    slug = fields.pop("form_slug")
    form = Form.objects.filter(slug=slug).first() if slug else None
    if slug and form is None:
        raise RowProblem(f"No form has the slug {slug!r}: import the forms first.")
    enquiry = record_imported_enquiry(
        contact_id=contact_pk,
        form=form,
        first_response_by=historical_user(fields.pop("first_response_by")),
        **fields,
    )
    remember(kind=KIND, key=key, object_id=enquiry.pk, file_name=context.file_name)
    context.ids.add(KIND, exported_id, enquiry.pk)
    return ["new", *(f"contact {what}" for what in counts)]
