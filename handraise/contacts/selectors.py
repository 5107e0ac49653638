"""Reads for people: the searchable contact list and one contact with what is theirs.

The contact's enquiries and deals are read through the reverse relations, so
this app keeps importing no other app (the apps above it import contacts). The
contact page's timeline is the sales app's (``sales.selectors.timeline``).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404

from handraise.contacts.models import Contact, ContactEmail

# A contact page lists at most this many of the person's enquiries and deals, newest first.
CONTACT_PAGE_LIMIT = 20


def contact_list(*, search: str = "") -> QuerySet[Contact]:
    """Contacts by name, with their organisation and emails; ``search`` matches the
    name, any of their emails or the organisation's name. Erased people's
    placeholders are nobody to look up, so they are not listed."""
    contacts = (
        Contact.objects.filter(erased_at__isnull=True)
        .select_related("organisation")
        .prefetch_related(
            Prefetch("emails", queryset=ContactEmail.objects.order_by("-is_primary", "pk"))
        )
    )
    term = search.strip()
    if term:
        # EXISTS rather than a join: a person with three emails is one row, not three.
        email_matches = ContactEmail.objects.filter(
            contact_id=OuterRef("pk"), email__icontains=term
        )
        contacts = contacts.filter(
            Q(name__icontains=term) | Q(organisation__name__icontains=term) | Exists(email_matches)
        )
    # Lower(name) is indexed, so a page of a million contacts is read in index order.
    return contacts.order_by(Lower("name"), "pk")


def contact_for_user(user, pk: int) -> Contact:
    """One contact, if this user may see it (every active user of the business may)."""
    if not (user.is_authenticated and user.is_active):
        raise PermissionDenied("sign in to see contacts")
    return get_object_or_404(Contact.objects.select_related("organisation"), pk=pk)


@dataclass(frozen=True)
class ContactDetails:
    contact: Contact
    emails: list
    phones: list
    enquiries: list  # newest first, at most CONTACT_PAGE_LIMIT
    deals: list  # newest first, at most CONTACT_PAGE_LIMIT, with their stage


def contact_details(contact: Contact) -> ContactDetails:
    return ContactDetails(
        contact=contact,
        emails=list(contact.emails.all()),
        phones=list(contact.phones.all()),
        enquiries=list(contact.enquiries.order_by("-received_at", "-pk")[:CONTACT_PAGE_LIMIT]),
        deals=list(
            contact.deals.select_related("stage").order_by("-created_at", "-pk")[
                :CONTACT_PAGE_LIMIT
            ]
        ),
    )
