"""Reads for one person's data: what is theirs, and the export of it.

``person_records`` decides, once, which rows and files are the person's; the
erasure's confirmation page counts them, the export reads them and the erasure
erases exactly them, so what the owner is told is what happens. Each kind is
found in one query whatever the person's history, and the export reads each
table once (the query count is pinned by a test).

What is theirs: the contact and their emails and phones; their enquiries, with
the raw submissions and raw emails behind them, and any submission or email from
one of their addresses that never became an enquiry (quarantined, failed, still
spooled on disk); their deals with proposals and cadence steps; every activity
and signal on them or their deals; the touchpoints linked to them and those
their browsers (the visitor ids of their enquiries and touchpoints) left without
a contact; the emails sent to them, and those the team was sent about their
enquiries. A visitor id's touchpoints linked to *another* contact are that
person's (a shared browser) and are left out.
"""

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404

from handraise.accounts.access import is_owner
from handraise.contacts.models import Contact, ContactEmail, ContactPhone, MergeSuggestion
from handraise.contacts.normalisation import normalise_email
from handraise.core.clock import business_time, business_zone, now
from handraise.core.models import OutgoingEmail
from handraise.enquiries import spool
from handraise.enquiries.models import Enquiry, InboundEmail, Submission
from handraise.insights.models import Signal
from handraise.marketing.models import Touchpoint
from handraise.sales.models import Activity, CadenceStepRun, Deal, Proposal

EXPORT_FORMAT = "handraise-person-export/1"


class NoSuchPerson(Exception):
    """No (unerased) contact has this email address."""


def person_for_owner(user, pk: int) -> Contact:
    """The contact, for an owner only (exporting or erasing a person is the owners');
    an erased person is nobody any more (404)."""
    if not is_owner(user):
        raise PermissionDenied("Only the business's owners may export or erase a person's data.")
    return get_object_or_404(
        Contact.objects.select_related("organisation"), pk=pk, erased_at__isnull=True
    )


def contact_by_email(raw: str) -> Contact:
    """The contact with this email, normalised as intake normalises it."""
    try:
        email = normalise_email(raw)
    except ValidationError:
        raise NoSuchPerson(f"{raw!r} is not an email address.") from None
    known = ContactEmail.objects.select_related("contact").filter(email=email).first()
    if known is None or known.contact.erased_at is not None:
        raise NoSuchPerson(f"No contact has the email address {email}.")
    return known.contact


@dataclass(frozen=True)
class PersonRecords:
    contact: Contact
    emails: tuple[str, ...]
    phone_ids: list[int]
    merge_suggestion_ids: list[int]
    enquiry_ids: list[int]
    submission_ids: list[int]
    inbound_email_ids: list[int]
    spool_files: list[Path]
    deal_ids: list[int]
    activity_ids: list[int]
    cadence_run_ids: list[int]
    proposal_ids: list[int]
    signal_ids: list[int]
    touchpoint_ids: list[int]
    visitor_ids: list[str]
    outgoing_email_ids: list[int]
    spooled: list[dict] = field(default_factory=list)  # the spool files' records, in order

    def counts(self) -> dict[str, int]:
        """How many of each kind: the keys the erasure's counts use too."""
        return {
            "emails": len(self.emails),
            "phones": len(self.phone_ids),
            "merge_suggestions": len(self.merge_suggestion_ids),
            "enquiries": len(self.enquiry_ids),
            "submissions": len(self.submission_ids),
            "inbound_emails": len(self.inbound_email_ids),
            "spooled_submissions": len(self.spool_files),
            "deals": len(self.deal_ids),
            "activities": len(self.activity_ids),
            "cadence_runs": len(self.cadence_run_ids),
            "proposals": len(self.proposal_ids),
            "signals": len(self.signal_ids),
            "touchpoints": len(self.touchpoint_ids),
            "outgoing_emails": len(self.outgoing_email_ids),
        }


def person_records(contact: Contact) -> PersonRecords:
    """Everything that is this person's (see the module's docstring), by id."""
    emails = list(ContactEmail.objects.filter(contact=contact).values_list("email", flat=True))
    enquiries = list(
        Enquiry.objects.filter(contact=contact).values_list("pk", "visitor_id", "from_email")
    )
    enquiry_ids = [pk for pk, _, _ in enquiries]
    # Also an address they typed that is not the contact's (any more: a merge, an edit).
    addresses = set(emails) | {_normalised(given) for _, _, given in enquiries if given}
    addresses.discard("")
    addresses = tuple(sorted(addresses))

    deal_ids = list(Deal.objects.filter(contact=contact).values_list("pk", flat=True))
    activities = list(
        Activity.objects.filter(Q(contact=contact) | Q(deal_id__in=deal_ids)).values_list(
            "pk", "outgoing_email_id"
        )
    )
    run_ids = list(
        CadenceStepRun.objects.filter(enrolment__deal_id__in=deal_ids).values_list("pk", flat=True)
    )
    linked = list(Touchpoint.objects.filter(contact=contact).values_list("pk", "visitor_id"))
    visitor_ids = sorted({v for _, v, _ in enquiries if v} | {v for _, v in linked if v})
    anonymous = Touchpoint.objects.filter(contact__isnull=True, visitor_id__in=visitor_ids)
    touchpoint_ids = sorted({pk for pk, _ in linked} | set(anonymous.values_list("pk", flat=True)))
    spooled = [(path, record) for path, record in spool.stored() if _sent_by(record, addresses)]

    return PersonRecords(
        contact=contact,
        emails=tuple(emails),
        phone_ids=list(ContactPhone.objects.filter(contact=contact).values_list("pk", flat=True)),
        merge_suggestion_ids=list(
            MergeSuggestion.objects.filter(Q(contact=contact) | Q(candidate=contact)).values_list(
                "pk", flat=True
            )
        ),
        enquiry_ids=enquiry_ids,
        submission_ids=_submission_ids(enquiry_ids, addresses),
        inbound_email_ids=list(
            InboundEmail.objects.filter(
                Q(contact=contact)
                | Q(enquiry_id__in=enquiry_ids)
                | _any_of("from_address", addresses)
            ).values_list("pk", flat=True)
        ),
        spool_files=[path for path, _ in spooled],
        spooled=[record for _, record in spooled],
        deal_ids=deal_ids,
        activity_ids=[pk for pk, _ in activities],
        cadence_run_ids=run_ids,
        proposal_ids=list(
            Proposal.objects.filter(deal_id__in=deal_ids).values_list("pk", flat=True)
        ),
        signal_ids=list(
            Signal.objects.filter(Q(contact=contact) | Q(deal_id__in=deal_ids)).values_list(
                "pk", flat=True
            )
        ),
        touchpoint_ids=touchpoint_ids,
        visitor_ids=visitor_ids,
        outgoing_email_ids=_outgoing_email_ids(
            addresses,
            enquiry_ids=enquiry_ids,
            email_ids=[email_id for _, email_id in activities if email_id],
            run_ids=run_ids,
        ),
    )


def _normalised(raw: str) -> str:
    try:
        return normalise_email(raw)
    except ValidationError:
        return ""


def _any_of(field_name: str, addresses: tuple[str, ...]) -> Q:
    """Any of these addresses in a field that keeps an address as it was given."""
    wanted = Q(pk__in=[])
    for address in addresses:
        wanted |= Q(**{f"{field_name}__iexact": address})
    return wanted


def _sent_by(record: dict, addresses: tuple[str, ...]) -> bool:
    payload = record.get("payload")
    email = payload.get("email") if isinstance(payload, dict) else None
    return isinstance(email, str) and _normalised(email) in addresses


def _submission_ids(enquiry_ids: list[int], addresses: tuple[str, ...]) -> list[int]:
    """Submissions behind their enquiries, and those from their addresses that never
    became one (quarantined, failed, waiting). A payload keeps the address as typed
    ("  Ann@X.com"), so candidates are found by substring and confirmed normalised."""
    linked = set(Submission.objects.filter(enquiry_id__in=enquiry_ids).values_list("pk", flat=True))
    candidates = Q(pk__in=[])
    for address in addresses:
        candidates |= Q(payload__email__icontains=address)
    unlinked = Submission.objects.filter(candidates, enquiry__isnull=True).values_list(
        "pk", "payload"
    )
    return sorted(
        linked | {pk for pk, payload in unlinked if _sent_by({"payload": payload}, addresses)}
    )


def _outgoing_email_ids(
    addresses: tuple[str, ...], *, enquiry_ids: list[int], email_ids: list[int], run_ids: list[int]
) -> list[int]:
    """Emails to them, and those about them: the owners' notifications and alarms about
    their enquiries (keyed ``notify:enquiry:<id>:<user>`` and so on) name and quote them."""
    about = Q(to__in=addresses) | Q(pk__in=email_ids)
    about |= Q(key__in=[f"cadence:run:{pk}" for pk in run_ids])
    about |= Q(key__in=[f"ack:enquiry:{pk}" for pk in enquiry_ids])
    for pk in enquiry_ids:
        for kind in ("notify", "reminder", "overdue"):
            about |= Q(key__startswith=f"{kind}:enquiry:{pk}:")
    return list(OutgoingEmail.objects.filter(about).order_by("pk").values_list("pk", flat=True))


# --- the export -------------------------------------------------------------------------


def person_export(contact: Contact) -> dict:
    """Everything Handraise holds about the person, as one JSON-ready document.

    JSON rather than a zip of CSV files: one file that any text editor opens and
    a program can read back (Article 20's "structured, commonly used and
    machine-readable"), with each enquiry's raw submission and each raw email
    nested where they belong instead of spread over files joined by ids. Times are
    ISO 8601 on the business's clock, with their offset.
    """
    zone = business_zone()
    records = person_records(contact)
    contact = Contact.objects.select_related("organisation").get(pk=contact.pk)
    at = _times(zone)
    signals = _signals(records, at)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": at(now()),
        "time_zone": str(zone),
        "contact": _contact(contact, at),
        "enquiries": _enquiries(records, at),
        "submissions_not_in_an_enquiry": [
            _submission(row, at)
            for row in Submission.objects.filter(
                pk__in=records.submission_ids, enquiry__isnull=True
            ).order_by("received_at", "pk")
        ],
        "spooled_submissions": records.spooled,
        "inbound_emails": [
            _inbound_email(row, at)
            for row in InboundEmail.objects.filter(pk__in=records.inbound_email_ids).order_by(
                "received_at", "pk"
            )
        ],
        "deals": _deals(records, at),
        "activities": _activities(records, at, signals),
        "signals_outside_a_conversation": signals.get(None, []),
        "touchpoints": [
            _touchpoint(row, at)
            for row in Touchpoint.objects.filter(pk__in=records.touchpoint_ids)
            .select_related("asset")
            .order_by("occurred_at", "pk")
        ],
        "visitor_ids": records.visitor_ids,
        "emails_to_or_about_them": [
            _outgoing_email(row, at)
            for row in OutgoingEmail.objects.filter(pk__in=records.outgoing_email_ids).order_by(
                "created_at", "pk"
            )
        ],
    }


def person_export_json(contact: Contact) -> bytes:
    """The export as the file the owner hands over: UTF-8 JSON, indented for reading."""
    document = person_export(contact)
    # Readable names ("Zoë") rather than \\u escapes; a stray surrogate cannot stop it.
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace")


def _times(zone: ZoneInfo):
    def at(moment):
        return business_time(moment, zone=zone).isoformat() if moment else None

    return at


def _contact(contact: Contact, at) -> dict:
    organisation = contact.organisation
    return {
        "id": contact.pk,
        "name": contact.name,
        "job_title": contact.job_title,
        "notes": contact.notes,
        "organisation": None
        if organisation is None
        else {
            "name": organisation.name,
            "domain": organisation.domain,
            "website": organisation.website,
            "industry": organisation.industry,
            "employees": organisation.employees,
        },
        "emails": [
            {"email": row.email, "primary": row.is_primary}
            for row in ContactEmail.objects.filter(contact=contact).order_by("-is_primary", "pk")
        ],
        "phones": [
            {"number": row.number, "label": row.label, "primary": row.is_primary}
            for row in ContactPhone.objects.filter(contact=contact).order_by("-is_primary", "pk")
        ],
        "created_at": at(contact.created_at),
        "updated_at": at(contact.updated_at),
    }


def _enquiries(records: PersonRecords, at) -> list[dict]:
    rows = (
        Enquiry.objects.filter(pk__in=records.enquiry_ids)
        .select_related("form", "submission", "first_response_by")
        .order_by("received_at", "pk")
    )
    return [
        {
            "id": row.pk,
            "channel": row.get_channel_display(),
            "status": row.get_status_display(),
            "form": row.form.name if row.form else None,
            "received_at": at(row.received_at),
            "message": row.message,
            "name_given": row.from_name,
            "email_given": row.from_email,
            "phone_given": row.from_phone,
            "company_given": row.from_company,
            "visitor_id": row.visitor_id,
            "referrer": row.referrer,
            "landing_page": row.landing_page,
            "utm": _utm(row),
            "response_due_at": at(row.response_due_at),
            "acknowledged_at": at(row.acknowledged_at),
            "first_response_at": at(row.first_response_at),
            "fit_score": row.fit_score,
            "fit_reasons": row.fit_reasons,
            "submission": _submission(row.submission, at) if _has_submission(row) else None,
        }
        for row in rows
    ]


def _has_submission(enquiry: Enquiry) -> bool:
    try:
        return enquiry.submission is not None
    except Submission.DoesNotExist:
        return False


def _submission(row: Submission, at) -> dict:
    return {
        "received_at": at(row.received_at),
        "status": row.get_status_display(),
        "fields_as_posted": row.payload,
        "remote_address": row.remote_addr,
        "user_agent": row.user_agent,
        "origin": row.origin,
        "quarantine_reason": row.quarantine_reason,
    }


def _inbound_email(row: InboundEmail, at) -> dict:
    raw = bytes(row.raw)
    try:
        # Mail is 7-bit text almost always: shown as the text it is, readable.
        text, encoding = raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(raw).decode("ascii"), "base64"
    return {
        "received_at": at(row.received_at),
        "enquiry_id": row.enquiry_id,
        "from_address": row.from_address,
        "from_name": row.from_name,
        "subject": row.subject,
        "text": row.text,
        "attachment_names": row.attachments,
        "status": row.get_status_display(),
        "message_id": row.message_id,
        "raw_size_bytes": row.raw_size,
        "raw_encoding": encoding,
        "raw": text,
    }


def _deals(records: PersonRecords, at) -> list[dict]:
    proposals: dict[int, list[dict]] = {}
    for row in Proposal.objects.filter(pk__in=records.proposal_ids).order_by("sent_at", "pk"):
        proposals.setdefault(row.deal_id, []).append(
            {
                "sent_at": at(row.sent_at),
                "amount": str(row.amount),
                "currency": row.currency,
                "link": row.link,
                "document_name": row.document_name,
                "note": row.note,
            }
        )
    runs: dict[int, list[dict]] = {}
    for row in (
        CadenceStepRun.objects.filter(pk__in=records.cadence_run_ids)
        .select_related("enrolment__cadence")
        .order_by("ran_at", "pk")
    ):
        runs.setdefault(row.enrolment.deal_id, []).append(
            {
                "cadence": row.enrolment.cadence.name,
                "status": row.get_status_display(),
                "due_at": at(row.due_at),
                "ran_at": at(row.ran_at),
                "subject": row.subject,
                "body": row.body,
                "note": row.note,
            }
        )
    rows = (
        Deal.objects.filter(pk__in=records.deal_ids)
        .select_related("stage", "owner", "outcome_reason")
        .order_by("created_at", "pk")
    )
    return [
        {
            "id": row.pk,
            "title": row.title,
            "stage": row.stage.name,
            "origin": row.get_origin_display(),
            "value": str(row.value),
            "currency": row.currency,
            "owner": row.owner.get_username() if row.owner else None,
            "next_step": row.next_step,
            "next_step_due": row.next_step_due.isoformat() if row.next_step_due else None,
            "created_at": at(row.created_at),
            "closed_at": at(row.closed_at),
            "outcome_reason": row.outcome_reason.label if row.outcome_reason else None,
            "outcome_note": row.outcome_note,
            "enquiry_id": row.enquiry_id,
            "proposals": proposals.get(row.pk, []),
            "cadence_steps": runs.get(row.pk, []),
        }
        for row in rows
    ]


def _signals(records: PersonRecords, at) -> dict[int | None, list[dict]]:
    """Their signals by the activity they were captured in (None: on the deal or contact)."""
    theirs = set(records.activity_ids)
    signals: dict[int | None, list[dict]] = {}
    rows = (
        Signal.objects.filter(pk__in=records.signal_ids)
        .select_related("theme")
        .order_by("captured_at", "pk")
    )
    for row in rows:
        signals.setdefault(row.activity_id if row.activity_id in theirs else None, []).append(
            {
                "kind": row.get_kind_display(),
                "text": row.text,
                "theme": row.theme.name if row.theme else None,
                "captured_at": at(row.captured_at),
                "deal_id": row.deal_id,
            }
        )
    return signals


def _activities(records: PersonRecords, at, signals: dict) -> list[dict]:
    rows = (
        Activity.objects.filter(pk__in=records.activity_ids)
        .select_related("user")
        .order_by("occurred_at", "pk")
    )
    return [
        {
            "id": row.pk,
            "kind": row.get_kind_display(),
            "direction": row.get_direction_display(),
            "subject": row.subject,
            "body": row.body,
            "occurred_at": at(row.occurred_at),
            "due_at": at(row.due_at),
            "completed_at": at(row.completed_at),
            "by": row.user.get_username() if row.user else None,
            "deal_id": row.deal_id,
            "enquiry_id": row.enquiry_id,
            "signals": signals.get(row.pk, []),
        }
        for row in rows
    ]


def _utm(row) -> dict:
    fields = ("source", "medium", "campaign", "content", "term")
    return {name: getattr(row, f"utm_{name}") for name in fields if getattr(row, f"utm_{name}")}


def _touchpoint(row: Touchpoint, at) -> dict:
    asset = row.asset
    return {
        "occurred_at": at(row.occurred_at),
        "visitor_id": row.visitor_id,
        "channel": row.get_channel_display(),
        "url": row.url,
        "referrer": row.referrer,
        "utm": _utm(row),
        "asset": None
        if asset is None
        else {"title": asset.title, "kind": asset.get_kind_display()},
    }


def _outgoing_email(row: OutgoingEmail, at) -> dict:
    return {
        "kind": row.kind,
        "to": row.to,
        "subject": row.subject,
        "body": row.body,
        "status": row.get_status_display(),
        "created_at": at(row.created_at),
        "sent_at": at(row.sent_at),
    }
