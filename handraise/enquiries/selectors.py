"""Reads for the hand-raise: the Inbox, one enquiry with its context, quarantine."""

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.shortcuts import get_object_or_404

from handraise.core.models import OutgoingEmail
from handraise.enquiries import spool
from handraise.enquiries.models import Enquiry, Submission
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
        raise PermissionError("sign in to see enquiries")
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
    )


def quarantine() -> QuerySet[Submission]:
    return Submission.objects.filter(status=Submission.Status.QUARANTINED).order_by("-received_at")


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
        retrying=Count("pk", filter=Q(status=OutgoingEmail.Status.PENDING, attempts__gt=0)),
        failed=Count("pk", filter=Q(status=OutgoingEmail.Status.FAILED)),
    )
    return EngineTrouble(
        spooled=len(spool.pending()),
        unprocessable=Submission.objects.filter(status=Submission.Status.FAILED).count(),
        emails_retrying=emails["retrying"],
        emails_failed=emails["failed"],
    )
