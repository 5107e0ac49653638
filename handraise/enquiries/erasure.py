"""Writes for a person's erasure: their hand-raises made anonymous, what they sent deleted.

The enquiry rows stay, with everything the person typed or their browser sent
blanked, because the health check and Home count enquiries, channels and
response times from them; the contact they point to is emptied by the contacts
app. The raw submissions, the raw emails and the spooled files are the person's
own words and nothing counts them, so they are deleted. What is the person's is
decided by ``handraise.privacy.selectors.person_records``; this module only erases.
"""

from collections.abc import Collection
from pathlib import Path

from django.db import transaction

from handraise.enquiries import spool
from handraise.enquiries.models import Enquiry, InboundEmail, Submission

# What an enquiry keeps: channel, status, form, the response clock, the fit score,
# and the campaign labels (utm source, medium, campaign), which are the business's
# own words. utm_content and utm_term can carry a mailing tool's subscriber id. The
# fit's reasons go: they describe the person (their sector, size, country, words).
ERASED_ENQUIRY_FIELDS = {
    "message": "",
    "from_name": "",
    "from_email": "",
    "from_phone": "",
    "from_company": "",
    "visitor_id": "",
    "referrer": "",
    "landing_page": "",
    "utm_content": "",
    "utm_term": "",
    "fit_reasons": "",
}


def erase_enquiries(
    *,
    enquiry_ids: Collection[int],
    submission_ids: Collection[int],
    inbound_email_ids: Collection[int],
    spool_files: Collection[Path],
) -> dict[str, int]:
    """Blank the enquiries, delete the submissions, emails and spooled files; the counts.

    The spooled files go last, inside the caller's transaction rather than after its
    commit: a crash between commit and an after-commit delete would leave the
    person's words on disk with nothing to show it, while a rollback after the
    delete only loses a submission of someone who asked to be forgotten, and the
    erasure, which failed loudly, is simply run again.
    """
    with transaction.atomic():
        enquiries = Enquiry.objects.filter(pk__in=enquiry_ids).update(**ERASED_ENQUIRY_FIELDS)
        submissions, _ = Submission.objects.filter(pk__in=submission_ids).delete()
        inbound, _ = InboundEmail.objects.filter(pk__in=inbound_email_ids).delete()
        spooled = spool.remove(spool_files)
    return {
        "enquiries": enquiries,
        "submissions": submissions,
        "inbound_emails": inbound,
        "spooled_submissions": spooled,
    }
