"""Writes for organisations brought back from an export: their details and when they appeared.

Identity resolution (``services``) makes an organisation from the name a person
gives; an import of our own export's organisations file comes first, so the
contacts that follow find theirs by name with its domain, website, industry and
size, which the ideal client profile's fit reads. Nothing here merges or renames.
"""

from datetime import datetime

from django.db.models.functions import Lower

from handraise.contacts.models import Organisation


def record_imported_organisation(
    *,
    name: str,
    domain: str = "",
    website: str = "",
    industry: str = "",
    employees: int | None = None,
    created_at: datetime | None = None,
) -> tuple[Organisation, bool]:
    """The organisation of this name (any case), as the file has it; (organisation, made)."""
    name = name.strip()
    same = Organisation.objects.annotate(lower=Lower("name")).filter(lower=name.lower())
    organisation = same.order_by("pk").first()
    made = organisation is None
    organisation = organisation or Organisation(name=name)
    organisation.domain, organisation.website = domain, website
    organisation.industry, organisation.employees = industry, employees
    organisation.full_clean()
    organisation.save()
    if created_at and (made or created_at < organisation.created_at):
        # created_at is stamped on the first save (auto_now_add); history has its own.
        Organisation.objects.filter(pk=organisation.pk).update(created_at=created_at)
        organisation.created_at = created_at
    return organisation, made
