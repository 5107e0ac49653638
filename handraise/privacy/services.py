"""Erasing one person completely (GDPR Article 17), in one transaction.

``erase_person`` finds what is the person's (``selectors.person_records``) and
has each app erase its own tables through its own service; the contact's page
and ``handraise forget`` both call it. One ``Erasure`` row records who erased,
when and how many of each kind, and nothing of the person.

What stays, and why. Home and the health check count enquiries (by channel, by
response time against the target), deals (open pipeline, won revenue, win rate),
activities (follow-up), signals (themes) and touchpoints (reach, attribution).
Deleting the person's rows would change last year's figures the day they asked,
so those rows stay, anonymous: every field the person wrote, typed or sent
(message, name, email, phone, company, notes, activity text, deal title and next
step, signal words, proposal notes and documents, visitor id, referrer, page
query strings) is blanked, and their contact row stays as an emptied placeholder
("Erased person", no emails, phones, organisation or notes) that those rows still
point to. One placeholder per person rather than one shared by everyone erased,
so a won deal is still attributed to the touchpoints that preceded it and not to
every erased person's. The placeholder is listed nowhere and never matched.
What nothing counts is deleted outright: their emails and phones, merge
suggestions, raw submissions, raw inbound emails, spooled submission files,
emails sent to or about them, the rows naming them in web imports' rejects, and
the admin's change history of their rows.

Not here: the source mailbox or CSV file they came from, backups, and text about
them in another person's records; the owner must see to those.
"""

import getpass
import logging

from django.db import transaction

from handraise.accounts.services import erase_admin_history
from handraise.contacts.models import Contact, ContactEmail, ContactPhone
from handraise.contacts.services import erase_contact_details
from handraise.core.clock import now
from handraise.core.outbox import erase_emails
from handraise.enquiries.erasure import erase_enquiries
from handraise.enquiries.models import Enquiry
from handraise.imports.rejects import erase_from_rejects
from handraise.insights.services import erase_signals
from handraise.marketing.services import erase_touchpoints
from handraise.privacy.models import Erasure
from handraise.privacy.selectors import person_records
from handraise.sales.models import Activity, Deal
from handraise.sales.services import erase_sales_records

logger = logging.getLogger(__name__)

# Kinds whose rows stay, anonymous, so the figures add up; every other kind is deleted.
KEPT_ANONYMOUS = ("enquiries", "deals", "activities", "cadence_runs", "proposals", "signals")
KEPT_ANONYMOUS += ("touchpoints",)

# How each count reads in a sentence: (one, many).
NOUNS = {
    "emails": ("email address", "email addresses"),
    "phones": ("phone number", "phone numbers"),
    "merge_suggestions": ("merge suggestion", "merge suggestions"),
    "organisations": ("organisation", "organisations"),
    "enquiries": ("enquiry", "enquiries"),
    "submissions": ("raw submission", "raw submissions"),
    "inbound_emails": ("raw email", "raw emails"),
    "spooled_submissions": ("spooled submission file", "spooled submission files"),
    "deals": ("deal", "deals"),
    "activities": ("activity", "activities"),
    "cadence_runs": ("cadence step", "cadence steps"),
    "proposals": ("proposal", "proposals"),
    "signals": ("signal", "signals"),
    "touchpoints": ("touchpoint", "touchpoints"),
    "outgoing_emails": ("email sent to or about them", "emails sent to or about them"),
    "admin_history": ("admin history entry", "admin history entries"),
    "import_rejects": ("row of an import's rejects", "rows of imports' rejects"),
}


class AlreadyErased(Exception):
    """This contact is an erased person's placeholder already."""


def erase_person(*, contact: Contact, by=None, via: str = Erasure.Via.WEB) -> Erasure:
    """Erase everything that is this person's (see the module's docstring).

    ``by`` is the owner who asked, from the web app; from the command line it is
    None and the record names the operating-system user instead.
    """
    moment = now()
    with transaction.atomic():
        # Locked, so two erasures of one person (a double click) cannot both run.
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        if contact.erased_at is not None:
            raise AlreadyErased("This person was erased already.")
        records = person_records(contact)
        counts: dict[str, int] = {}
        # Sales before the outbox: the activities' links to its emails go first.
        counts |= erase_sales_records(
            contact=contact,
            deal_ids=records.deal_ids,
            activity_ids=records.activity_ids,
            moment=moment,
        )
        counts |= erase_emails(email_ids=records.outgoing_email_ids)
        counts |= erase_signals(signal_ids=records.signal_ids)
        counts |= erase_touchpoints(touchpoint_ids=records.touchpoint_ids)
        counts |= erase_admin_history(
            rows={
                Contact: [contact.pk],
                ContactEmail: _ids(ContactEmail, contact),
                ContactPhone: records.phone_ids,
                Enquiry: records.enquiry_ids,
                Deal: records.deal_ids,
                Activity: records.activity_ids,
            }
        )
        counts |= erase_from_rejects(
            emails=records.emails,
            phones=ContactPhone.objects.filter(pk__in=records.phone_ids).values_list(
                "number", flat=True
            ),
        )
        counts |= erase_contact_details(contact=contact, at=moment)
        # Files on disk (proposal documents above, spooled submissions here) are deleted
        # inside the transaction, not after it: ``enquiries.erasure`` says why.
        counts |= erase_enquiries(
            enquiry_ids=records.enquiry_ids,
            submission_ids=records.submission_ids,
            inbound_email_ids=records.inbound_email_ids,
            spool_files=records.spool_files,
        )
        erasure = Erasure.objects.create(
            erased_at=moment,
            erased_by=by if getattr(by, "is_authenticated", False) else None,
            actor=_actor(by),
            via=via,
            counts=counts,
        )
    # The log says that an erasure happened, never whose.
    logger.info("Erasure %s by %s: %s", erasure.pk, erasure.actor, describe(counts))
    return erasure


def _ids(model, contact: Contact) -> list[int]:
    return list(model.objects.filter(contact=contact).values_list("pk", flat=True))


def _actor(by) -> str:
    if getattr(by, "is_authenticated", False):
        return by.get_username()
    try:
        return f"command line ({getpass.getuser()})"
    except (KeyError, OSError):  # no name for this uid (a container)
        return "command line"


def describe(counts: dict[str, int]) -> str:
    """The counts as one sentence: what was deleted, then what stays anonymous."""
    deleted = [text for text, kept in summary(counts) if not kept]
    kept = [text for text, kept in summary(counts) if kept]
    sentence = f"deleted {_join(deleted)}" if deleted else "deleted nothing"
    if kept:
        sentence += f"; made anonymous (kept so the figures add up) {_join(kept)}"
    return sentence


def summary(counts: dict[str, int]) -> list[tuple[str, bool]]:
    """("3 enquiries", kept anonymous?) for each kind there is any of, in a fixed order."""
    return [
        (f"{counts[kind]} {one if counts[kind] == 1 else many}", kind in KEPT_ANONYMOUS)
        for kind, (one, many) in NOUNS.items()
        if counts.get(kind)
    ]


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
