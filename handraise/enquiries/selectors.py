"""Reads for the hand-raise: the Inbox, one enquiry with its context, quarantine."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404

from handraise.contacts.models import Contact, ContactEmail
from handraise.core.models import OutgoingEmail
from handraise.enquiries import spool
from handraise.enquiries.models import Enquiry, InboundEmail, Submission
from handraise.marketing.models import Touchpoint
from handraise.marketing.selectors import touchpoints_of
from handraise.sales.models import Activity, Deal

CONTEXT_TOUCHPOINTS = 25


def inbox(*, search: str = "", channel: str = "") -> QuerySet[Enquiry]:
    """Enquiries waiting for a first response, soonest due first."""
    waiting = Enquiry.objects.filter(status=Enquiry.Status.OPEN).select_related(
        "contact", "contact__organisation"
    )
    if channel:
        waiting = waiting.filter(channel=channel)
    if search.strip():
        term = search.strip()
        waiting = waiting.filter(
            Q(from_name__icontains=term)
            | Q(from_email__icontains=term)
            | Q(from_company__icontains=term)
            | Q(message__icontains=term)
            | Q(contact__name__icontains=term)
        )
    return waiting.order_by(F("response_due_at").asc(nulls_last=True), "received_at")


def enquiry_for_user(user, pk: int) -> Enquiry:
    """One enquiry, if this user may see it (every active user of the business may)."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("sign in to see enquiries")
    return get_object_or_404(
        Enquiry.objects.select_related("contact", "contact__organisation", "form"), pk=pk
    )


@dataclass(frozen=True)
class EnquiryContext:
    """What the business already knows about the person behind an enquiry."""

    touchpoints_before: list[Touchpoint]
    earlier_enquiries: list[Enquiry]
    deals: list[Deal]
    activities: list[Activity]
    emails: list[str]
    phones: list[str]
    email: InboundEmail | None = None  # the email it arrived as, for the email channel


def enquiry_context(enquiry: Enquiry) -> EnquiryContext:
    touchpoints = (
        touchpoints_of(contact_id=enquiry.contact_id, visitor_ids=[enquiry.visitor_id])
        .filter(occurred_at__lte=enquiry.received_at)
        .order_by("-occurred_at")[:CONTEXT_TOUCHPOINTS]
    )
    contact = enquiry.contact
    return EnquiryContext(
        touchpoints_before=list(touchpoints),
        earlier_enquiries=list(
            Enquiry.objects.filter(contact_id=enquiry.contact_id)
            .exclude(pk=enquiry.pk)
            .order_by("-received_at")[:10]
        ),
        deals=list(
            Deal.objects.filter(contact_id=enquiry.contact_id)
            .select_related("stage")
            .order_by("-created_at")[:10]
        ),
        activities=list(
            Activity.objects.filter(enquiry=enquiry).select_related("user").order_by("occurred_at")
        ),
        emails=list(contact.emails.values_list("email", flat=True)),
        phones=list(contact.phones.values_list("number", flat=True)),
        email=enquiry.inbound_emails.order_by("received_at").first()
        if enquiry.channel == Enquiry.Channel.EMAIL
        else None,
    )


def quarantine() -> QuerySet[Submission]:
    return Submission.objects.filter(status=Submission.Status.QUARANTINED).order_by("-received_at")


def quarantined_emails() -> QuerySet[InboundEmail]:
    return (
        InboundEmail.objects.filter(
            status__in=[InboundEmail.Status.QUARANTINED, InboundEmail.Status.SPAM]
        )
        .defer("raw")
        .order_by("-received_at")
    )


# Emails we send to the business's own people: a reply to one is not a prospect's.
OWNER_EMAIL_KINDS = ("notification", "reminder", "overdue")


@dataclass(frozen=True)
class ReplyTarget:
    """What an inbound email answers: a contact, and the deal or enquiry it belongs to."""

    contact: Contact
    deal: Deal | None
    enquiry: Enquiry | None
    matched_on: str  # "In-Reply-To" or "From"


def reply_target(*, message_ids: list[str], sender: str) -> ReplyTarget | None:
    """The conversation an inbound email continues, if it continues one.

    First by the Message-IDs it answers (one of the emails we sent), then by the
    sender's address when that person has an open deal or an enquiry awaiting
    a response. ``None``: it starts something new.
    """
    if message_ids:
        sent = (
            OutgoingEmail.objects.filter(message_id__in=message_ids)
            .exclude(kind__in=OWNER_EMAIL_KINDS)
            .select_related("activity__contact", "activity__deal", "activity__enquiry")
            .order_by("-created_at")
        )
        for email in sent[:10]:
            target = _target_of_sent(email)
            if target:
                return target
    known = ContactEmail.objects.filter(email=sender).select_related("contact").first()
    if known is None:
        return None
    deal = _open_deal(known.contact_id)
    enquiry = (
        Enquiry.objects.filter(contact_id=known.contact_id, status=Enquiry.Status.OPEN)
        .order_by("-received_at")
        .first()
    )
    if deal is None and enquiry is None:
        return None
    return ReplyTarget(contact=known.contact, deal=deal, enquiry=enquiry, matched_on="From")


def _target_of_sent(email: OutgoingEmail) -> ReplyTarget | None:
    activity = getattr(email, "activity", None)
    enquiry = activity.enquiry if activity else None
    acknowledged = email.key.removeprefix("ack:enquiry:")
    if enquiry is None and acknowledged != email.key and acknowledged.isdigit():
        enquiry = Enquiry.objects.filter(pk=int(acknowledged)).select_related("contact").first()
    contact = activity.contact if activity else enquiry.contact if enquiry else None
    if contact is None:
        # Sent by a path that recorded no activity (a cadence step, say): by its recipient.
        known = (
            ContactEmail.objects.filter(email=email.to.strip().lower())
            .select_related("contact")
            .first()
        )
        contact = known.contact if known else None
    if contact is None:
        return None
    deal = activity.deal if activity and activity.deal_id else None
    if deal is None and enquiry is not None:
        deal = Deal.objects.filter(enquiry=enquiry).first()
    if deal is None:
        deal = _open_deal(contact.pk)
    return ReplyTarget(contact=contact, deal=deal, enquiry=enquiry, matched_on="In-Reply-To")


def _open_deal(contact_id: int) -> Deal | None:
    return (
        Deal.objects.filter(contact_id=contact_id, stage__is_won=False, stage__is_lost=False)
        .order_by(F("last_activity_at").desc(nulls_last=True), "-created_at")
        .first()
    )


def failed_submissions() -> QuerySet[Submission]:
    return Submission.objects.filter(status=Submission.Status.FAILED).order_by("-received_at")


@dataclass(frozen=True)
class EngineTrouble:
    """What is stuck or failing behind the scenes, for the owner to see."""

    spooled: int  # submissions waiting on disk for the database
    unprocessable: int  # submissions that could not become enquiries
    emails_retrying: int  # emails that failed at least once and will be tried again
    emails_failed: int  # emails given up on

    def __bool__(self) -> bool:
        return any((self.spooled, self.unprocessable, self.emails_retrying, self.emails_failed))


def engine_trouble() -> EngineTrouble:
    emails = OutgoingEmail.objects.aggregate(
        # An attempt counts when it starts, so one being retried right now (sending,
        # second attempt or later) has failed before too: leaving it out made the
        # number flicker between 59 and 60 while the mail server was down.
        retrying=Count(
            "pk",
            filter=Q(status=OutgoingEmail.Status.PENDING, attempts__gt=0)
            | Q(status=OutgoingEmail.Status.SENDING, attempts__gt=1),
        ),
        failed=Count("pk", filter=Q(status=OutgoingEmail.Status.FAILED)),
    )
    return EngineTrouble(
        spooled=len(spool.pending()),
        unprocessable=Submission.objects.filter(status=Submission.Status.FAILED).count(),
        emails_retrying=emails["retrying"],
        emails_failed=emails["failed"],
    )
