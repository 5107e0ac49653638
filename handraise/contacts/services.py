"""Writes for contacts: resolving who a hand-raise comes from.

An enquiry is linked to an existing contact by normalised email, then by phone
(when the names agree or no email was given), else a new contact is created;
a similar-looking existing contact becomes a merge suggestion for a person to
decide, never a silent merge. ``erase_contact_details`` empties a contact who
asked to be forgotten (``handraise.privacy`` runs the whole erasure).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower

from handraise.contacts import matching
from handraise.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    MergeSuggestion,
    Organisation,
)


@dataclass(frozen=True)
class Resolution:
    contact: Contact
    matched_on: str  # "email", "phone", "name" or "id" (imports only), or "new"
    suggestion: MergeSuggestion | None = None


def resolve_contact(
    *, name: str, email: str = "", phone: str = "", organisation: str = ""
) -> Resolution:
    """Find or create the contact for this person. ``email``/``phone`` come normalised."""
    # No savepoint: a failure here fails the caller's whole transaction anyway, and
    # on PostgreSQL the SAVEPOINT/RELEASE pair is two of the round trips that count.
    with transaction.atomic(savepoint=False):
        _lock_identity(email or phone or matching.fold(name))
        if email:
            known = ContactEmail.objects.select_related("contact").filter(email=email).first()
            if known:
                _add_phone(known.contact, phone)
                return Resolution(contact=known.contact, matched_on="email")
        if phone:
            known = _contact_by_phone(phone, name=name, email_given=bool(email))
            if known:
                _add_email(known, email)
                return Resolution(contact=known, matched_on="phone")
        contact = Contact.objects.create(
            # An email can be longer than a name may be (254 against 200 characters).
            name=(name or email or phone)[: Contact._meta.get_field("name").max_length],
            organisation=_organisation(organisation),
            match_key=matching.match_key(name),
        )
        # A new contact has nothing yet: these are its first email and phone.
        if email:
            ContactEmail.objects.create(contact=contact, email=email, is_primary=True)
        if phone:
            ContactPhone.objects.create(contact=contact, number=phone, is_primary=True)
        return Resolution(
            contact=contact, matched_on="new", suggestion=_suggest_merge(contact, organisation)
        )


def _lock_identity(identity: str) -> None:
    # Two workers resolving the same new person at once must not both create them.
    # SQLite needs nothing: its IMMEDIATE transactions already run one writer at a time.
    if connection.vendor == "postgresql" and identity:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [identity])


def _contact_by_phone(phone: str, *, name: str, email_given: bool) -> Contact | None:
    known = ContactPhone.objects.select_related("contact").filter(number=phone).order_by("pk")
    for row in known[:20]:
        if not email_given:
            return row.contact
        # A shared office number is not enough when a new email says otherwise.
        if matching.best_match(name=name, organisation="", candidates=[(0, row.contact.name, "")]):
            return row.contact
    return None


def _organisation(name: str) -> Organisation | None:
    name = name.strip()
    if not name:
        return None
    existing = Organisation.objects.annotate(lower=Lower("name")).filter(lower=name.lower())
    return existing.order_by("pk").first() or Organisation.objects.create(name=name)


def _add_email(contact: Contact, email: str) -> None:
    if email and not ContactEmail.objects.filter(email=email).exists():
        is_first = not contact.emails.exists()
        ContactEmail.objects.create(contact=contact, email=email, is_primary=is_first)


def _add_phone(contact: Contact, phone: str) -> None:
    if phone and not contact.phones.filter(number=phone).exists():
        is_first = not contact.phones.exists()
        ContactPhone.objects.create(contact=contact, number=phone, is_primary=is_first)


def _suggest_merge(contact: Contact, organisation: str) -> MergeSuggestion | None:
    if not contact.match_key:
        return None
    rows = list(
        Contact.objects.filter(match_key=contact.match_key)
        .exclude(pk=contact.pk)
        .order_by("-pk")
        .values_list("pk", "name", "organisation_id")[: matching.MAX_CANDIDATES]
    )
    # Names first; organisations are fetched only for the few names close enough to
    # matter. Joining them onto the whole bucket cost more than the rest of matching.
    close = matching.close_names(contact.name, [name for _, name, _ in rows])
    if not close:
        return None
    rows = [rows[index] for index in close]
    names = {}
    if organisation:
        org_ids = {org_id for _, _, org_id in rows if org_id}
        names = dict(Organisation.objects.filter(pk__in=org_ids).values_list("pk", "name"))
    match = matching.best_match(
        name=contact.name,
        organisation=organisation,
        candidates=[(pk, name, names.get(org_id, "")) for pk, name, org_id in rows],
    )
    if match is None:
        return None
    return MergeSuggestion.objects.create(
        contact=contact, candidate_id=match.contact_id, score=match.score, reason=match.reason
    )


# What an erased contact is called wherever their enquiries and deals are still listed.
ERASED_NAME = "Erased person"


def erase_contact_details(*, contact: Contact, at: datetime) -> dict[str, int]:
    """Empty the contact: the row stays as the anonymous placeholder its enquiries,
    deals, activities and touchpoints point to; their emails, phones and merge
    suggestions are deleted. An organisation nobody else belongs to goes too (a sole
    trader's business is often their own name); a shared one stays.
    """
    with transaction.atomic():
        emails, _ = ContactEmail.objects.filter(contact=contact).delete()
        phones, _ = ContactPhone.objects.filter(contact=contact).delete()
        suggestions, _ = MergeSuggestion.objects.filter(
            Q(contact=contact) | Q(candidate=contact)
        ).delete()
        organisation_id = contact.organisation_id
        Contact.objects.filter(pk=contact.pk).update(
            name=ERASED_NAME, organisation=None, job_title="", notes="", match_key="", erased_at=at
        )
        organisations = 0
        if organisation_id is not None:
            organisations, _ = (
                Organisation.objects.filter(pk=organisation_id)
                .exclude(contacts__isnull=False)
                .delete()
            )
    contact.refresh_from_db()
    return {
        "contacts": 1,
        "emails": emails,
        "phones": phones,
        "merge_suggestions": suggestions,
        "organisations": organisations,
    }
