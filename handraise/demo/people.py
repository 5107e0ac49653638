"""Organisations and contacts: who the business knows, and who will raise a hand.

Plans organisations and their people, with addresses and drama-range phone numbers, and
splits them into those who will enquire (in order) and the owner's own network; then
writes them with the history's dates. Rows go in with ``bulk_create``, not through the
contacts services, so no identity resolution runs.
"""

import random
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import F

from handraise.contacts import matching
from handraise.contacts.models import Contact, ContactEmail, ContactPhone, Organisation
from handraise.demo.build import BATCH, CONTACTS_PER_SCALE, ENQUIRIES_PER_SCALE, Build
from handraise.demo.marketing import Touch, slug_of
from handraise.demo.words import (
    FIRST_NAMES,
    INDUSTRIES,
    JOB_TITLES,
    MOBILE_PREFIX,
    ORG_WORDS,
    SURNAMES,
    TOWNS,
)


@dataclass
class _Org:
    organisation: Organisation
    industry: str
    noun: str
    town: str
    switchboard: str


@dataclass
class Person:
    contact: Contact
    first: str
    last: str
    org: _Org | None
    emails: list[str]
    phones: list[tuple[str, str]]  # E.164, label
    first_seen: datetime | None = None
    visitor_id: str = ""
    touches: list[Touch] = field(default_factory=list)
    is_past_client: bool = False

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def company(self) -> str:
        return self.org.organisation.name if self.org else ""


@dataclass
class People:
    orgs: list[_Org]
    persons: list[Person]
    queue: list[Person]  # who is next to raise a hand, in order
    network: list[Person]  # the owner's own contacts: outbound deals, past clients
    used_emails: set[str]
    phone_book: "_PhoneBook"


class _PhoneBook:
    """Hands out drama numbers from each range in a shuffled order, starting over when a
    range runs out (at large scales some contacts share a number, as switchboards do)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pools: dict[str, list[str]] = {}

    def number(self, prefix: str) -> str:
        pool = self.pools.get(prefix)
        if not pool:
            pool = self.pools[prefix] = [f"{prefix}{n:03d}" for n in range(1000)]
            self.rng.shuffle(pool)
        return pool.pop()


def _email_local(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def unique_email(local: str, domain: str, used: set[str]) -> str:
    candidate, n = f"{local}@{domain}", 2
    while candidate in used:
        candidate, n = f"{local}{n}@{domain}", n + 1
    used.add(candidate)
    return candidate


def plan_people(b: Build) -> People:
    rng = b.rng("people")
    target = CONTACTS_PER_SCALE * b.scale
    orgs: list[_Org] = []
    persons: list[Person] = []
    used_slugs: set[str] = set()
    people = People(orgs, persons, [], [], set(), _PhoneBook(rng))
    while len(persons) < target * 0.86:
        org = _new_org(rng, used_slugs, people.phone_book)
        orgs.append(org)
        for _ in range(rng.choices((1, 2, 3, 4, 5, 6), (40, 25, 15, 10, 6, 4))[0]):
            persons.append(_new_person(rng, org, people))
    while len(persons) < target:
        persons.append(_new_person(rng, None, people))

    order = list(persons)
    rng.shuffle(order)
    enquirers = round(ENQUIRIES_PER_SCALE * b.scale * 1.05)
    people.queue, people.network = order[:enquirers], order[enquirers:]
    for person in people.network:
        if rng.random() < 0.55:  # imported from the owner's address book when they started
            person.first_seen = b.start + timedelta(minutes=rng.randint(60, 3 * 24 * 60))
        else:  # met along the way: events, LinkedIn, introductions
            person.first_seen = b.visit_moments.draw(rng)
        if person.org and rng.random() < 0.08:
            person.is_past_client = True
            person.contact.notes = "Past client: operations review before we used Handraise."
        elif rng.random() < 0.2:
            person.contact.notes = rng.choice(
                (
                    "Met at the Midlands Manufacturing Forum.",
                    "Connected on LinkedIn after the month-end talk.",
                    "Introduced by Carter & Webb.",
                    "Old colleague; knows lots of operations directors.",
                )
            )
    return people


def _new_org(rng: random.Random, used_slugs: set[str], phone_book: _PhoneBook) -> _Org:
    weights = [i[-1] for i in INDUSTRIES]
    industry, noun, endings, (low, high), _ = rng.choices(INDUSTRIES, weights)[0]
    town, prefix, _ = rng.choices(TOWNS, [t[-1] for t in TOWNS])[0]
    word, ending = rng.choice(ORG_WORDS), rng.choice(endings)
    for candidate in (f"{word} {ending}", f"{word} {town} {ending}", f"{town} {word} {ending}"):
        if slug_of(candidate) not in used_slugs:
            base = candidate
            break
    else:
        n = 2
        while slug_of(f"{word} {ending} {n}") in used_slugs:
            n += 1
        base = f"{word} {ending} {n}"
    slug = slug_of(base)
    used_slugs.add(slug)
    domain = f"{slug}.example"
    organisation = Organisation(
        name=base + (" Ltd" if rng.random() < 0.6 else ""),
        domain=domain,
        website=f"https://www.{domain}/",
        industry=industry,
        employees=round(low + (high - low) * rng.random() ** 2),
    )
    return _Org(organisation, industry, noun, town, phone_book.number(prefix))


def _new_person(rng: random.Random, org: _Org | None, people: People) -> Person:
    first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    local = f"{_email_local(first)}.{_email_local(last)}"
    if org:
        emails = [unique_email(local, org.organisation.domain, people.used_emails)]
    else:
        domain = rng.choice(("example.com", "example.org", "example.net"))
        emails = [unique_email(local, domain, people.used_emails)]
    if rng.random() < 0.12:  # a personal address too
        personal = f"{_email_local(first)}{_email_local(last)[0]}"
        domain = rng.choice(("example.com", "example.net"))
        emails.append(unique_email(personal, domain, people.used_emails))
    phones: list[tuple[str, str]] = []
    roll = rng.random()
    if org and roll < 0.42:
        town_prefix = next(t[1] for t in TOWNS if t[0] == org.town)
        direct = rng.random() < 0.6
        number = people.phone_book.number(town_prefix) if direct else org.switchboard
        phones.append((number, "office"))
    if roll < 0.22 or 0.42 <= roll < 0.62:
        phones.append((people.phone_book.number(MOBILE_PREFIX), "mobile"))
    contact = Contact(
        name=f"{first} {last}",
        match_key=matching.match_key(f"{first} {last}"),
        organisation=org.organisation if org else None,
        job_title=rng.choice(JOB_TITLES) if org else "Independent consultant",
    )
    return Person(contact, first, last, org, emails, phones)


def write_people(b: Build, people: People) -> None:
    Organisation.objects.bulk_create([o.organisation for o in people.orgs], batch_size=BATCH)
    Contact.objects.bulk_create([p.contact for p in people.persons], batch_size=BATCH)
    ContactEmail.objects.bulk_create(
        (
            ContactEmail(contact=p.contact, email=email, is_primary=i == 0)
            for p in people.persons
            for i, email in enumerate(p.emails)
        ),
        batch_size=BATCH,
    )
    ContactPhone.objects.bulk_create(
        (
            ContactPhone(contact=p.contact, number=number, label=label, is_primary=i == 0)
            for p in people.persons
            for i, (number, label) in enumerate(p.phones)
        ),
        batch_size=BATCH,
    )
    # bulk_create stamps auto_now_add fields with today; the history needs its own dates.
    for person in people.persons:
        person.contact.created_at = person.first_seen or b.start
    contacts = [p.contact for p in people.persons]
    Contact.objects.bulk_update(contacts, ["created_at"], batch_size=BATCH)
    # Every contact in the database is ours (build_demo refuses any other).
    Contact.objects.update(updated_at=F("created_at"))
    # An organisation appears with its first contact. (Computed here, not in SQL: the
    # tables were filled in this transaction, so PostgreSQL has no statistics for them
    # and plans a correlated subquery as a scan per organisation.)
    for org in people.orgs:
        org.organisation.created_at = b.now
    for person in people.persons:
        if person.org:
            org = person.org.organisation
            org.created_at = min(org.created_at, person.contact.created_at)
    organisations = [org.organisation for org in people.orgs]
    Organisation.objects.bulk_update(organisations, ["created_at"], batch_size=BATCH)
