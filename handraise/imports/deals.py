"""Importing deals: who they were with, where they stood, what they were worth, how they ended.

Each row's person is found or added by the contacts service, as a contact
import would; the deal is then recorded by ``sales.services.record_imported_deal``
with the dates the file gives, and never enrolled in a cadence or announced.
Stages are matched by our names and by HubSpot's and Pipedrive's default
pipelines; a "won"/"lost" status wins over the stage. A deal is remembered under
the file's own record id (or its title, contact and created date), so importing
the file again adds nothing. A file of our own export names the deal's contact
and enquiry by id: those imported before are used (``import DIR`` reads contacts
and enquiries first), else the person is found by the name and email the file
gives, so a deals file also stands alone. The deal's owner is the user of that name, or an
account made for them that cannot sign in until an owner invites them.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from handraise.accounts.services import historical_user
from handraise.contacts.imported import record_imported_contact
from handraise.contacts.models import Contact
from handraise.core.clock import business_date, now
from handraise.core.money import CURRENCY_SYMBOLS
from handraise.imports.batches import RowProblem
from handraise.imports.contacts import remember_new_contact, resolution_counts
from handraise.imports.exported import CONTACT_IDS, DEALS, ENQUIRIES, ExportedIds, exported
from handraise.imports.fields import Fields, over_limit
from handraise.imports.mapping import Mapping, header_key
from handraise.imports.reading import Row
from handraise.imports.records import record_key, remember
from handraise.imports.selectors import already_imported
from handraise.sales.models import Deal, OutcomeReason, Stage
from handraise.sales.services import record_imported_deal

KIND = DEALS
LIMITS = {"title": Deal._meta.get_field("title").max_length, "name": 200, "organisation": 200}
# Other tools' default pipelines (ids and labels) -> our default stages.
STAGE_ALIASES = {
    header_key(theirs): ours
    for theirs, ours in [
        ("appointmentscheduled", "Conversation"),
        ("Appointment scheduled", "Conversation"),
        ("qualifiedtobuy", "Conversation"),
        ("Qualified to buy", "Conversation"),
        ("presentationscheduled", "Proposal"),
        ("Presentation scheduled", "Proposal"),
        ("decisionmakerboughtin", "Negotiation"),
        ("Decision maker bought-in", "Negotiation"),
        ("contractsent", "Negotiation"),
        ("Contract sent", "Negotiation"),
        ("closedwon", "Won"),
        ("Closed won", "Won"),
        ("closedlost", "Lost"),
        ("Closed lost", "Lost"),
        ("Lead in", "Enquiry"),
        ("Contact made", "Conversation"),
        ("Demo scheduled", "Conversation"),
        ("Needs defined", "Conversation"),
        ("Qualified", "Conversation"),
        ("Proposal made", "Proposal"),
        ("Negotiations started", "Negotiation"),
    ]
}
ORIGINS = {
    header_key(word): origin
    for origin, words in {
        Deal.Origin.MARKETING: ("marketing", "inbound", "organic search", "website", "content"),
        Deal.Origin.OUTBOUND: ("outbound", "owner outbound", "cold", "prospecting"),
        Deal.Origin.REFERRAL: ("referral", "referred", "partner", "word of mouth"),
        Deal.Origin.REPEAT: ("repeat", "repeat client", "existing client", "upsell"),
    }.items()
    for word in words
}
SYMBOL_CURRENCIES = {symbol: code for code, symbol in CURRENCY_SYMBOLS.items()}


@dataclass(frozen=True)
class Pipeline:
    """What every row is checked against, read once per import."""

    stages: dict[str, Stage]  # header_key(name) -> stage
    reasons: dict[tuple[str, str], OutcomeReason]  # (outcome, header_key(label)) -> reason
    currency: str
    region: str
    zone: ZoneInfo
    origin: str
    file_name: str
    ids: ExportedIds = field(default_factory=ExportedIds)

    @classmethod
    def load(
        cls,
        *,
        currency: str,
        region: str,
        zone: ZoneInfo,
        origin: str,
        file_name: str,
        ids: ExportedIds | None = None,
    ):
        return cls(
            ids=ids or ExportedIds(),
            stages={header_key(stage.name): stage for stage in Stage.objects.all()},
            reasons={
                (reason.outcome, header_key(reason.label)): reason
                for reason in OutcomeReason.objects.all()
            },
            currency=currency,
            region=region,
            zone=zone,
            origin=origin,
            file_name=file_name,
        )


def record(item: dict, pipeline: Pipeline) -> list[str]:
    """Write one checked row; what happened, for the summary's counts."""
    fields = dict(item)  # a batch may be replayed row by row: leave the item whole
    key = fields.pop("key")
    if already_imported(kind=KIND, key=key) is not None:
        return ["deal already here"]
    person, exported_id = fields.pop("person"), fields.pop("exported_id")
    contact = exported_contact(pipeline.ids, fields.pop("contact_id"))
    counts = []
    if contact is None:
        resolution = record_imported_contact(**person)
        remember_new_contact(resolution, file_name=pipeline.file_name)
        contact, counts = resolution.contact, resolution_counts(resolution)
    enquiry_id = exported(pipeline, ENQUIRIES, fields.pop("enquiry_id"), "enquiry")
    deal = record_imported_deal(
        contact=contact,
        enquiry_id=enquiry_id,
        owner=historical_user(fields.pop("owner")),
        **fields,
    )
    remember(kind=KIND, key=key, object_id=deal.pk, file_name=pipeline.file_name)
    pipeline.ids.add(KIND, exported_id, deal.pk)
    return ["deal new", *(f"contact {what}" for what in counts)]


def exported_contact(ids: ExportedIds, exported_id: str) -> Contact | None:
    """The contact imported for the file's "contact id", if one was (else the caller
    finds the person by name and email, as for any other tool's file)."""
    pk = ids.find(CONTACT_IDS, exported_id)
    return Contact.objects.get(pk=pk) if pk is not None else None


def check_row(
    row: Row, header: list[str], mapping: Mapping, pipeline: Pipeline, date_order: str | None
) -> dict:
    """One row as what ``record`` needs, or ``RowProblem`` with the reason."""
    read = Fields(row, header, mapping)
    moment = lambda name, label: read.moment(  # noqa: E731
        name, label=label, order=date_order, zone=pipeline.zone
    )
    title = read.first("title")
    person = person_fields(read, pipeline.region)
    if not title:
        raise RowProblem("This deal has no title.")
    over_limit({"title": title, **person}, LIMITS)
    stage = _stage(read, pipeline)
    created = moment("created_at", "Created date")
    closed = (
        moment("won_at", "Won date")
        or moment("lost_at", "Lost date")
        or moment("closed_at", "Closed date")
    )
    expected = moment("close_date", "Close date")
    if stage.is_won or stage.is_lost:
        closed = closed or expected
        if closed is None:
            raise RowProblem(f"A {stage.name.lower()} deal needs the date it closed.")
        expected = None
    else:
        closed = None
    created = created or closed or now()
    if closed and closed < created:
        raise RowProblem("This deal closed before it was created; check the two dates.")
    reason, note = _outcome(read.first("lost_reason"), stage, pipeline)
    note = read.first("outcome_note") or note if closed else ""
    next_step, next_step_due = read.first("next_step"), moment("next_step_due", "Next step due")
    if expected and not (next_step or next_step_due):
        next_step, next_step_due = "Expected to close", expected
    fields = {
        "title": title,
        "stage": stage,
        "origin": _origin(read.first("origin"), pipeline.origin),
        "value": _value(read.first("value")),
        "currency": _currency(read.first("currency"), read.first("value"), pipeline.currency),
        "owner": read.first("owner"),
        "created_at": created,
        "closed_at": closed,
        "outcome_reason": reason,
        "outcome_note": note,
        "next_step": next_step if not closed else "",
        "next_step_due": (
            business_date(next_step_due, zone=pipeline.zone)
            if next_step_due and not closed
            else None
        ),
        "stage_entered_at": moment("stage_entered_at", "In stage since"),
        "last_activity_at": moment("last_activity_at", "Last activity"),
        "contact_id": read.first("contact_id"),
        "enquiry_id": read.first("enquiry_id"),
    }
    identity = read.first("external_id")
    fields["exported_id"] = identity
    who = ",".join(person["emails"]) or ",".join(person["phones"]) or person["name"]
    fields["key"] = record_key(
        *(("id", identity) if identity else ("row", title, who, created.isoformat()))
    )
    fields["person"] = person
    return fields


def person_fields(read: Fields, region: str) -> dict:
    emails, phones = read.emails("contact_email"), read.phones(region, "contact_phone")
    name = read.first("contact_name") or read.first("organisation")
    if not (name or emails or phones):
        raise RowProblem("This deal names no contact (a name, email or phone) or organisation.")
    return {
        "name": name or (emails[0] if emails else phones[0]),
        "emails": emails,
        "phones": phones,
        "organisation": read.first("organisation"),
    }


def _stage(read: Fields, pipeline: Pipeline) -> Stage:
    status = header_key(read.first("status"))
    if status in ("won", "lost"):
        return pipeline.stages[status]
    given = read.first("stage")
    if not given:
        return min(
            (s for s in pipeline.stages.values() if not (s.is_won or s.is_lost)),
            key=lambda stage: stage.position,
        )
    key = header_key(given)
    stage = pipeline.stages.get(key) or pipeline.stages.get(header_key(STAGE_ALIASES.get(key, "")))
    if stage is None:
        ours = ", ".join(s.name for s in sorted(pipeline.stages.values(), key=lambda s: s.position))
        raise RowProblem(f"{given!r} is not one of our stages ({ours}); rename it in the file.")
    return stage


def _outcome(given: str, stage: Stage, pipeline: Pipeline) -> tuple[OutcomeReason | None, str]:
    if not (stage.is_won or stage.is_lost) or not given:
        return None, ""
    outcome = "won" if stage.is_won else "lost"
    reason = pipeline.reasons.get((outcome, header_key(given)))
    return (reason, "") if reason else (None, given)


def _origin(given: str, default: str) -> str:
    return ORIGINS.get(header_key(given), default) if given else default


def _value(given: str) -> Decimal:
    """'£12,500.00', '12.500,00', '12500' -> Decimal; blank is 0."""
    text = "".join(ch for ch in given if ch.isdigit() or ch in ",.-")
    if not text:
        if given.strip():
            raise RowProblem(f"{given!r} is not an amount.")
        return Decimal(0)
    if "," in text and "." in text:
        thousands = "," if text.rfind(".") > text.rfind(",") else "."
        text = text.replace(thousands, "")
    if "," in text:
        whole, _, cents = text.rpartition(",")
        text = (
            f"{whole.replace(',', '')}.{cents}" if len(cents) in (1, 2) else text.replace(",", "")
        )
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise RowProblem(f"{given!r} is not an amount.") from None
    if value < 0 or value >= Decimal("1e10"):
        raise RowProblem(f"{given!r} is not an amount a deal can be worth.")
    return value.quantize(Decimal("0.01"))


def _currency(given: str, value: str, default: str) -> str:
    code = given.strip().upper()
    if len(code) == 3 and code.isalpha():
        return code
    if code:
        raise RowProblem(f"{given!r} is not a three-letter currency code such as GBP.")
    for symbol, found in sorted(SYMBOL_CURRENCIES.items(), key=lambda item: -len(item[0])):
        if symbol in value:
            return found
    return default
