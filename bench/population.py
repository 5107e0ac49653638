"""A million made-up contacts in a scratch database, for the identity benchmark.

Contacts get realistic names (see ``people.py``; ``match_key`` is computed with
``handraise.contacts.matching.match_key``, as the services do), one email each
and a second for one in ten, a mobile for three in ten, and an organisation for
six in ten, organisations being of very unequal size (a few have thousands of
contacts). One in twenty contacts of an organisation also has its shared office
number.

The rows are written straight into Handraise's tables (COPY on PostgreSQL,
``executemany`` on SQLite) in batches: the ORM's ``bulk_create`` took three
times as long to insert the same rows (100,000 contacts and their emails: 9.5 s
against 3.3 s on SQLite), which would add a minute or more per database to every
run. The database's own constraints (unique lower-case emails, phones in E.164
form) still check every row. Afterwards PostgreSQL gets ``VACUUM ANALYZE`` (what autovacuum would
have done on a database that grew over months); SQLite gets nothing, because
Handraise never runs ``ANALYZE`` on it. This module runs inside Django.
"""

import datetime
import functools
from collections import Counter
from dataclasses import dataclass, field

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model

from bench.people import COMPANY_KINDS, COMPANY_WORDS, DOMAINS, People, fold_ascii
from handraise.contacts.matching import match_key
from handraise.contacts.models import Contact, ContactEmail, ContactPhone, Organisation

BATCH = 20_000
SAMPLE_SIZE = 20_000  # known emails and phones kept for lookups


@dataclass
class Population:
    contacts: int = 0
    emails: int = 0
    phones: int = 0
    organisations: int = 0
    bucket_sizes: Counter = field(default_factory=Counter)  # match_key -> contacts
    known_emails: list[tuple[str, str]] = field(default_factory=list)  # (name, email)
    known_phones: list[tuple[str, str]] = field(default_factory=list)  # (name, phone)
    organisation_names: list[str] = field(default_factory=list)


def populate(count: int, people: People, progress) -> Population:
    """Write ``count`` contacts (ids 1..count) and what belongs to them; return samples."""
    rng = people.random
    population = Population()
    organisations = max(1, count // 5)
    moment = datetime.datetime.now(datetime.UTC)
    org_names = _write_organisations(organisations, people, moment)
    population.organisations = organisations
    population.organisation_names = rng.sample(org_names, k=min(2000, len(org_names)))
    email_id = phone_id = 0
    sample_every = max(1, count // SAMPLE_SIZE)

    for first_id in range(1, count + 1, BATCH):
        ids = range(first_id, min(first_id + BATCH, count + 1))
        firsts, lasts = people.first_names(len(ids)), people.surnames(len(ids))
        contacts, emails, phones = [], [], []
        for contact_id, first, last in zip(ids, firsts, lasts, strict=True):
            name = f"{first} {last}"
            if rng.random() < 0.05:
                name = f"{first} {rng.choice('ABCDEFGHJKLMNPRSTW')}. {last}"
            key = _match_key_of_surname(last)
            if contact_id == first_id:  # the shortcut must give what the services compute
                assert key == match_key(name), (key, name)
            population.bucket_sizes[key] += 1
            org_id = None
            if rng.random() < 0.6:
                # Most organisations have a few contacts; one in ten contacts goes to an
                # organisation drawn log-uniformly, so the biggest few have thousands.
                if rng.random() < 0.1:
                    org_id = int(organisations ** rng.random())
                else:
                    org_id = rng.randint(1, organisations)
            created = _adapt(moment - datetime.timedelta(minutes=rng.randrange(5 * 365 * 1440)))
            contacts.append((contact_id, name, org_id, "", "", key, created, created))

            local = f"{_ascii(first)}.{_ascii(last)}.{contact_id}"
            domain = f"org{org_id}.example" if org_id else rng.choice(DOMAINS)
            email = f"{local}@{domain}"
            email_id += 1
            emails.append((email_id, contact_id, email, True))
            if rng.random() < 0.1:
                email_id += 1
                second = f"{_ascii(first)[:1]}{_ascii(last)}{contact_id}@{rng.choice(DOMAINS)}"
                emails.append((email_id, contact_id, second, False))
            if rng.random() < 0.3:
                phone_id += 1
                mobile = f"+4477{contact_id:08d}"
                phones.append((phone_id, contact_id, mobile, "mobile", True))
                if contact_id % sample_every == 0:
                    population.known_phones.append((name, mobile))
            if org_id and rng.random() < 0.05:
                phone_id += 1
                phones.append((phone_id, contact_id, f"+4420{org_id:08d}", "office", False))
            if contact_id % sample_every == 0:
                population.known_emails.append((name, email))
        with transaction.atomic():
            _write(Contact, ["id", "name", "organisation", "job_title", "notes", "match_key",
                             "created_at", "updated_at"], contacts)  # fmt: skip
            _write(ContactEmail, ["id", "contact", "email", "is_primary"], emails)
            _write(ContactPhone, ["id", "contact", "number", "label", "is_primary"], phones)
        population.contacts += len(contacts)
        population.emails += len(emails)
        population.phones += len(phones)
        if population.contacts % 200_000 < BATCH or population.contacts == count:
            progress(f"{population.contacts:,} contacts written")

    _after_bulk_load()
    return population


# Names repeat a lot (that is the point of realistic frequencies), so these are cached.
_ascii = functools.cache(fold_ascii)


@functools.cache
def _match_key_of_surname(surname: str) -> str:
    # match_key looks only at the last word of a name: the surname's key is the name's.
    return match_key(surname)


def _write_organisations(count: int, people: People, moment: datetime.datetime) -> list[str]:
    rng = people.random
    names, rows = [], []
    created = _adapt(moment)
    for org_id, surname in enumerate(people.surnames(count), start=1):
        if rng.random() < 0.4:
            name = f"{surname} {rng.choice(COMPANY_KINDS)}"
        else:
            words = rng.sample(COMPANY_WORDS, k=2)
            name = f"{words[0]} {surname} {words[1]} {rng.choice(COMPANY_KINDS)}"
        names.append(name)
        rows.append((org_id, name, f"org{org_id}.example", "", "", None, created))
    for start in range(0, len(rows), BATCH):
        with transaction.atomic():
            _write(Organisation, ["id", "name", "domain", "website", "industry", "employees",
                                  "created_at"], rows[start : start + BATCH])  # fmt: skip
    return names


def _adapt(moment: datetime.datetime):
    return connection.ops.adapt_datetimefield_value(moment)


def _write(model: type[Model], fields: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in fields
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - our names
            cursor.executemany(sql, rows)


def _after_bulk_load() -> None:
    models = [Organisation, Contact, ContactEmail, ContactPhone]
    with connection.cursor() as cursor:
        # Rows came with their ids; the next contact a service creates must not collide.
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            for model in models:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
