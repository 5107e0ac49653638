"""Writes of enquiries' fit: scored at intake, and all rescored when the profile changes.

The rules are ``insights.fit`` (weights, "not stated", the threshold); this module
gathers each enquiry's facts (its organisation's industry and size, the country
its phones or domains give, its message) and stores the score and its reasons on
the enquiry. Intake (``submissions.process_submission``, ``answering.record_enquiry``)
asks ``fit_at_intake`` before it creates the enquiry, so the score is written with
it; ``rescore_enquiries`` runs in the task queue after the profile is saved
(``insights.tasks.rescore_fit``), in batches of one SELECT, one phone SELECT and
a few UPDATEs each (``UPDATE ... FROM (VALUES ...)``), so a big history never
holds one long transaction. Imported enquiries keep the score their file gave
until the profile next changes.
"""

import sqlite3
from collections import defaultdict

from django.db import connection, transaction

from handraise.contacts.models import Contact, ContactPhone
from handraise.enquiries.models import Enquiry
from handraise.insights.fit import Fit, FitFacts, ProfileTerms, active_terms, region_of, score_fit

RESCORE_BATCH = 1_000
# Rows per UPDATE: three parameters each, well inside SQLite's oldest limit of 999.
ROWS_PER_UPDATE = 300


def fit_at_intake(
    *, contact: Contact, message: str, from_phone: str = "", from_email: str = ""
) -> Fit:
    """The fit of a hand-raise arriving now, from what the contact resolved to."""
    organisation = contact.organisation
    phones = [
        from_phone,
        *contact.phones.order_by("-is_primary", "pk").values_list("number", flat=True),
    ]
    return score_fit(
        active_terms(),
        FitFacts(
            industry=organisation.industry if organisation else "",
            employees=organisation.employees if organisation else None,
            region=region_of(
                phones=phones,
                domains=[organisation.website, organisation.domain, from_email]
                if organisation
                else [from_email],
            ),
            text=message,
        ),
    )


def rescore_enquiries(*, batch_size: int = RESCORE_BATCH) -> int:
    """Score every enquiry against the profile in use; how many were rescored."""
    terms = active_terms()
    last_pk, done = 0, 0
    while True:
        batch = _facts_after(last_pk, batch_size)
        if not batch:
            return done
        _write_batch(terms, batch)
        last_pk, done = batch[-1][0], done + len(batch)


def _facts_after(last_pk: int, batch_size: int) -> list[tuple[int, FitFacts]]:
    rows = list(
        Enquiry.objects.filter(pk__gt=last_pk)
        .order_by("pk")
        .values_list(
            "pk",
            "contact_id",
            "message",
            "from_phone",
            "from_email",
            "contact__organisation__industry",
            "contact__organisation__employees",
            "contact__organisation__website",
            "contact__organisation__domain",
        )[:batch_size]
    )
    phones: dict[int, list[str]] = defaultdict(list)
    contact_ids = {row[1] for row in rows}
    for contact_id, number in (
        ContactPhone.objects.filter(contact_id__in=contact_ids)
        .order_by("contact_id", "-is_primary", "pk")
        .values_list("contact_id", "number")
    ):
        phones[contact_id].append(number)
    return [
        (
            pk,
            FitFacts(
                industry=industry or "",
                employees=employees,
                region=region_of(
                    phones=[from_phone, *phones[contact_id]],
                    domains=[website or "", domain or "", from_email],
                ),
                text=message,
            ),
        )
        for (
            pk,
            contact_id,
            message,
            from_phone,
            from_email,
            industry,
            employees,
            website,
            domain,
        ) in rows
    ]


def _write_batch(terms: ProfileTerms, batch: list[tuple[int, FitFacts]]) -> None:
    scored = []
    for pk, facts in batch:
        fit = score_fit(terms, facts)
        scored.append((pk, fit.score, fit.reasons_text))
    with transaction.atomic():
        if connection.vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 33):
            Enquiry.objects.bulk_update(
                [Enquiry(pk=pk, fit_score=score, fit_reasons=why) for pk, score, why in scored],
                ["fit_score", "fit_reasons"],
            )
            return
        for start in range(0, len(scored), ROWS_PER_UPDATE):
            _update_from_values(scored[start : start + ROWS_PER_UPDATE])


def _update_from_values(rows: list[tuple[int, int | None, str]]) -> None:
    """One UPDATE ... FROM (VALUES ...) for these rows.

    Not ``bulk_update``: its CASE WHEN of one branch per row is compared for every
    row, so a batch of 1,000 took 1.3 s on SQLite; this takes milliseconds.
    (VALUES names its columns column1, column2, ... on both databases.)
    """
    quote = connection.ops.quote_name
    table = quote(Enquiry._meta.db_table)
    values = ", ".join(["(%s, %s, %s)"] * len(rows))
    sql = (
        f"UPDATE {table} SET {quote('fit_score')} = CAST(v.column2 AS INTEGER), "  # noqa: S608
        f"{quote('fit_reasons')} = CAST(v.column3 AS TEXT) "
        f"FROM (VALUES {values}) AS v WHERE {table}.{quote('id')} = v.column1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])
