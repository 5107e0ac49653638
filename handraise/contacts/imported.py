"""Writes for people from imported files: resolved a batch at a time.

Each person is matched as a hand-raise is (``services.resolve_contact``): by the
contact an earlier import made of the same id in the file, if any, then by any
of their emails (the one stored first wins), then by their first phone (when
the names agree or the row has no email), then, when the row has neither, by
the very same name at the same organisation; else they are new, and a
similar-looking contact becomes a merge suggestion, never a silent merge. So a
file imported twice, or an import killed half-way and run again, creates no
one twice. Their other emails and phones are added; a blank job title or note
is filled, never an existing one overwritten; an earlier ``created_at``
becomes theirs, so history keeps its dates.

The rules are the ones a row at a time would follow, in file order, but a batch
of people costs a fixed number of queries instead of a dozen per person: what
the batch could match is read in one query per kind of identity, the decisions
are made in memory (a person added earlier in the batch is found by a later
row, as the database would have found them), and what is new is written with
one ``bulk_create`` per table. At 100,000 rows, per-row lookups were most of
the time an import took.
"""

import itertools
from collections import OrderedDict, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import F, Q, Window
from django.db.models.functions import Lower, RowNumber

from handraise.contacts import matching
from handraise.contacts.models import (
    Contact,
    ContactEmail,
    ContactPhone,
    MergeSuggestion,
    Organisation,
)
from handraise.contacts.services import Resolution
from handraise.core.bulk import db_value, insert_rows
from handraise.core.clock import now

# As ``services._contact_by_phone``: a shared number is looked at for this many people.
PHONE_HOLDERS = 20


@dataclass(frozen=True)
class ImportedPerson:
    """One row's person. Emails and phones come normalised, repeats removed."""

    name: str
    emails: Sequence[str] = ()
    phones: Sequence[str] = ()
    organisation: str = ""
    job_title: str = ""
    notes: str = ""
    created_at: datetime | None = None
    # The contact an earlier import made of this row's id in its file, if any: that
    # is who they are, whatever else the row says.
    known: int | None = None
    # Each row is a different person (Handraise's own export): found again by their
    # id or an email only, never merged with another row by phone or name.
    distinct: bool = False


def record_imported_contact(**person) -> Resolution:
    """One person from a file (a deal's or an activity's contact): a batch of one."""
    return record_imported_contacts([ImportedPerson(**person)])[0]


def record_imported_contacts(
    people: Sequence[ImportedPerson], lookalikes: "Lookalikes | None" = None
) -> list[Resolution]:
    """Find or add each person, in order; one resolution per person. An import passes
    the same ``lookalikes`` with every batch (see ``Lookalikes``)."""
    if not people:
        return []
    with transaction.atomic(savepoint=False):
        _lock_identities(people)
        batch = _Batch.read(people, lookalikes or Lookalikes())
        decisions = [batch.decide(person) for person in people]
        return batch.write(people, decisions)


@dataclass(eq=False)
class _Person:
    """A contact as the batch sees it: one already stored, or one this batch adds."""

    contact: Contact
    is_new: bool
    name_key: str = ""  # matching.fold(name), for suggestions
    has_email: bool = False
    has_phone: bool = False
    new_emails: list[str] = field(default_factory=list)
    new_phones: list[str] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False)
class _Decision:
    person: _Person
    matched_on: str


class _Batch:
    """What the database holds for one batch's identities, then what the batch adds."""

    def __init__(self, lookalikes: "Lookalikes") -> None:
        self.lookalikes = lookalikes
        # email -> (order stored, holder); a batch's own come after every stored one.
        self.emails: dict[str, tuple[int, _Person | int]] = {}
        self.phones: dict[str, list[tuple[_Person | int, str]]] = defaultdict(list)
        self.named: dict[tuple[str, str, str], _Person | int] = {}
        self.organisations: dict[str, Organisation] = {}
        self.stored: dict[int, _Person] = {}
        self.names: dict[int, str] = {}  # stored contact -> name, from the reads below
        self.existing: set[int] = set()  # the ``known`` contacts still here
        self.new: list[_Person] = []
        self.order = itertools.count(1 << 62)

    @classmethod
    def read(cls, people: Sequence[ImportedPerson], lookalikes: "Lookalikes") -> "_Batch":
        batch = cls(lookalikes)
        emails = {email for person in people for email in person.emails}
        phones = {phone for person in people for phone in person.phones}
        if emails:
            rows = ContactEmail.objects.filter(email__any_of=emails).values_list(
                "email", "pk", "contact_id", "contact__name"
            )
            for email, pk, contact_id, name in rows:
                batch.emails[email] = (pk, contact_id)
                batch.names[contact_id] = name
        if phones:
            rows = (
                ContactPhone.objects.filter(number__any_of=phones)
                .order_by("pk")
                .values_list("number", "contact_id", "contact__name")
            )
            for number, contact_id, name in rows:
                batch.phones[number].append((contact_id, name))
                batch.names[contact_id] = name
        name_only = [p for p in people if not (p.emails or p.phones) and matching.match_key(p.name)]
        if name_only:
            rows = (
                Contact.objects.filter(
                    match_key__any_of={matching.match_key(p.name) for p in name_only},
                    name__any_of={p.name for p in name_only},
                )
                .order_by("-pk")  # the earliest is written last, so it wins
                .values_list("pk", "name", "organisation__name")
            )
            for pk, name, organisation in rows:
                batch.named[_name_key(name, organisation or "")] = pk
                batch.names[pk] = name
        known = {p.known for p in people if p.known is not None}
        if known:  # unless merged or erased since
            # An erased person's placeholder is nobody: their row is not them again.
            still_here = Contact.objects.filter(pk__any_of=known, erased_at__isnull=True)
            found = dict(still_here.values_list("pk", "name"))
            batch.names.update(found)
            batch.existing = set(found)
        names = {p.organisation.strip() for p in people if p.organisation.strip()}
        if names:
            # SQLite's lower() folds ASCII only: the names as given find the rest.
            rows = (
                Organisation.objects.annotate(lower=Lower("name"))
                .filter(Q(lower__any_of={name.lower() for name in names}) | Q(name__any_of=names))
                .order_by("-pk")  # the earliest is written last, so it wins
            )
            batch.organisations = {row.name.lower(): row for row in rows}
        return batch

    def decide(self, person: ImportedPerson) -> _Decision:
        decision = self._match(person)
        holder = decision.person
        for email in person.emails:
            if email not in self.emails:
                self.emails[email] = (next(self.order), holder)
                holder.new_emails.append(email)
        for phone in person.phones:
            holders = self.phones[phone]
            if not any(self._same(known, holder) for known, _ in holders):
                holders.append((holder, holder.contact.name))
                holder.new_phones.append(phone)
        return decision

    def _match(self, person: ImportedPerson) -> _Decision:
        if person.known in self.existing:
            return _Decision(self._person(person.known), "id")
        if person.emails:
            known = min(
                (self.emails[email] for email in person.emails if email in self.emails),
                key=lambda order_and_holder: order_and_holder[0],
                default=None,
            )
            if known:
                return _Decision(self._person(known[1]), "email")
        if person.distinct:
            return _Decision(self._add(person), "new")
        if person.phones:
            for holder, name in self.phones.get(person.phones[0], [])[:PHONE_HOLDERS]:
                # A shared office number is not enough when a new email says otherwise.
                if not person.emails or matching.best_match(
                    name=person.name, organisation="", candidates=[(0, name, "")]
                ):
                    return _Decision(self._person(holder), "phone")
        if not (person.emails or person.phones):
            same = self.named.get(_name_key(person.name, person.organisation))
            if same is not None:
                return _Decision(self._person(same), "name")
        return _Decision(self._add(person), "new")

    def _add(self, person: ImportedPerson) -> _Person:
        contact = Contact(
            name=person.name[: Contact._meta.get_field("name").max_length],
            organisation=self._organisation(person.organisation),
            match_key=matching.match_key(person.name),
            job_title=person.job_title,
            notes=person.notes,
            created_at=person.created_at or now(),
        )
        added = _Person(contact=contact, is_new=True, name_key=matching.fold(contact.name))
        self.new.append(added)
        if contact.match_key:
            self.named.setdefault(_name_key(contact.name, person.organisation), added)
        return added

    def _organisation(self, name: str) -> Organisation | None:
        name = name.strip()
        if not name:
            return None
        key = name.lower()
        if key not in self.organisations:  # most rows name one already read or added
            self.organisations[key] = Organisation(name=name)
        return self.organisations[key]

    def _person(self, holder: "_Person | int") -> _Person:
        if isinstance(holder, _Person):
            return holder
        if holder not in self.stored:
            # Named already, so a later row of the batch can match them by phone.
            stub = Contact(pk=holder, name=self.names.get(holder, ""))
            self.stored[holder] = _Person(contact=stub, is_new=False)
        return self.stored[holder]

    @staticmethod
    def _same(known: "_Person | int", holder: _Person) -> bool:
        if isinstance(known, _Person):
            return known is holder
        return not holder.is_new and holder.contact.pk == known

    def write(
        self, people: Sequence[ImportedPerson], decisions: list[_Decision]
    ) -> list[Resolution]:
        self._load_stored()
        for person, decision in zip(people, decisions, strict=True):
            self._fill(decision.person, person)
        buckets = self._candidates()  # read before this batch's people are stored
        Organisation.objects.bulk_create(
            [
                organisation
                for organisation in self.organisations.values()
                if organisation.pk is None
            ]
        )
        self._insert_new_contacts()
        self._write_emails_and_phones()
        changed = sorted((p for p in self.stored.values() if p.changed), key=_changed_fields)
        for fields, group in itertools.groupby(changed, key=_changed_fields):
            Contact.objects.bulk_update([p.contact for p in group], list(fields))
        suggestions = self._suggest(buckets)
        return [
            Resolution(
                contact=decision.person.contact,
                matched_on=decision.matched_on,
                suggestion=suggestions.get(id(decision.person))
                if decision.matched_on == "new"
                else None,
            )
            for decision in decisions
        ]

    def _load_stored(self) -> None:
        """Stored contacts the batch matched, whole, with whether they have an email or phone."""
        ids = list(self.stored)
        if not ids:
            return
        for contact in Contact.objects.select_related("organisation").filter(pk__any_of=ids):
            self.stored[contact.pk].contact = contact
        with_email = set(
            ContactEmail.objects.filter(contact_id__any_of=ids).values_list("contact_id", flat=True)
        )
        with_phone = set(
            ContactPhone.objects.filter(contact_id__any_of=ids).values_list("contact_id", flat=True)
        )
        for pk, person in self.stored.items():
            person.has_email, person.has_phone = pk in with_email, pk in with_phone

    def _fill(self, holder: _Person, person: ImportedPerson) -> None:
        """A later row about the same person fills what is blank, as a second import would."""
        contact = holder.contact
        if person.job_title and not contact.job_title:
            contact.job_title = person.job_title
            holder.changed.add("job_title")
        if person.notes and not contact.notes:
            contact.notes = person.notes
            holder.changed.add("notes")
        if person.created_at and person.created_at < contact.created_at:
            contact.created_at = person.created_at
            holder.changed.add("created_at")

    def _insert_new_contacts(self) -> None:
        # A contact a row: see core.bulk for why not bulk_create.
        moment = db_value(now())
        ids = insert_rows(
            Contact,
            ["name", "organisation", "job_title", "notes", "match_key", "created_at", "updated_at"],
            [
                (
                    c.name,
                    c.organisation.pk if c.organisation else None,
                    c.job_title,
                    c.notes,
                    c.match_key,
                    db_value(c.created_at),
                    moment,
                )
                for c in (added.contact for added in self.new)
            ],
            return_ids=True,
        )
        for added, pk in zip(self.new, ids, strict=True):
            added.contact.pk = pk
            added.contact._state.adding = False
        self.added_pks = set(ids)

    def _write_emails_and_phones(self) -> None:
        emails, phones = [], []
        for holder in [*self.stored.values(), *self.new]:
            pk = holder.contact.pk
            emails += [
                (pk, email, not i and not holder.has_email)
                for i, email in enumerate(holder.new_emails)
            ]
            phones += [
                (pk, phone, "", not i and not holder.has_phone)
                for i, phone in enumerate(holder.new_phones)
            ]
        # Tens of thousands of narrow rows a file, whose ids nobody needs: see core.bulk.
        insert_rows(ContactEmail, ["contact", "email", "is_primary"], emails)
        insert_rows(ContactPhone, ["contact", "number", "label", "is_primary"], phones)

    def _candidates(self) -> dict[str, list["_Lookalike"]]:
        """The stored contacts each new person may be: their blocking keys' buckets."""
        return self.lookalikes.buckets_for(
            {added.contact.match_key for added in self.new if added.contact.match_key}
        )

    def _suggest(self, buckets: dict[str, list["_Lookalike"]]) -> dict[int, MergeSuggestion]:
        """Each new person's merge suggestion, if a contact stored before them looks alike."""
        close: dict[int, list[_Lookalike]] = {}
        for added in self.new:  # in file order: each sees the ones added before it
            contact = added.contact
            if not contact.match_key:
                continue
            bucket = buckets[contact.match_key]
            positions = matching.close_folded(added.name_key, [c.folded for c in bucket])
            if positions:
                close[id(added)] = [bucket[i] for i in positions]
            organisation = contact.organisation.name if contact.organisation else ""
            bucket.insert(0, _Lookalike(contact.pk, contact.name, added.name_key, organisation))
            del bucket[matching.MAX_CANDIDATES :]
        # A contact remembered from an earlier batch may have been merged away or
        # erased since.
        still_here = set(
            Contact.objects.filter(
                pk__any_of={c.pk for rows in close.values() for c in rows}, erased_at__isnull=True
            ).values_list("pk", flat=True)
        )
        suggestions = {}
        for added in self.new:
            if id(added) not in close:
                continue
            organisation = added.contact.organisation.name if added.contact.organisation else ""
            match = matching.best_match(
                name=added.contact.name,
                organisation=organisation,
                candidates=[
                    (c.pk, c.name, c.organisation if organisation else "")
                    for c in close[id(added)]
                    if c.pk in still_here or c.pk in self.added_pks
                ],
            )
            if match:
                suggestions[id(added)] = MergeSuggestion(
                    contact=added.contact,
                    candidate_id=match.contact_id,
                    score=match.score,
                    reason=match.reason,
                )
        moment = db_value(now())
        ids = insert_rows(
            MergeSuggestion,
            ["contact", "candidate", "score", "reason", "status", "created_at"],
            [
                (m.contact.pk, m.candidate_id, m.score, m.reason, m.status, moment)
                for m in suggestions.values()
            ],
            return_ids=True,
        )
        for suggestion, pk in zip(suggestions.values(), ids, strict=True):
            suggestion.pk = pk
            suggestion._state.adding = False
        return suggestions


class _Lookalike(NamedTuple):
    pk: int
    name: str
    folded: str  # matching.fold(name), folded once
    organisation: str


class Lookalikes:
    """The newest contacts of each blocking key, the ones a new person is compared with.

    One import keeps this across its batches, so a bucket such as Smith's is read
    from the database once, then kept up to date with the people each batch adds
    (reading the buckets again for every batch grew with the contacts imported and
    was a third of a 100,000-row import). The buckets of the ``KEYS`` keys used
    last are kept, at most ``matching.MAX_CANDIDATES`` contacts each, so memory
    stays bounded however long the file. Someone who raises a hand while the
    import runs is not in a bucket read before: the import cannot suggest them,
    though their own hand-raise was compared with everyone imported before it.
    """

    KEYS = 5000

    def __init__(self) -> None:
        self.buckets: OrderedDict[str, list[_Lookalike]] = OrderedDict()

    def buckets_for(self, keys: set[str]) -> dict[str, list[_Lookalike]]:
        missing = keys - self.buckets.keys()
        if missing:
            newest_first = (
                Contact.objects.filter(match_key__any_of=missing)
                .annotate(
                    rank=Window(RowNumber(), partition_by=F("match_key"), order_by=F("pk").desc())
                )
                .filter(rank__lte=matching.MAX_CANDIDATES)
                .order_by("match_key", "-pk")
                .values_list("match_key", "pk", "name", "organisation__name")
            )
            for key in missing:
                self.buckets[key] = []
            for key, pk, name, organisation in newest_first:
                self.buckets[key].append(
                    _Lookalike(pk, name, matching.fold(name), organisation or "")
                )
        for key in keys:
            self.buckets.move_to_end(key)
        while len(self.buckets) > max(self.KEYS, len(keys)):
            self.buckets.popitem(last=False)
        return self.buckets


def _changed_fields(person: _Person) -> tuple[str, ...]:
    return tuple(sorted(person.changed))


def _name_key(name: str, organisation: str) -> tuple[str, str, str]:
    """Same name, same organisation: ``services._contact_named``'s test, held in memory."""
    return (matching.match_key(name), name, organisation.strip().casefold())


def _lock_identities(people: Sequence[ImportedPerson]) -> None:
    # The advisory locks ``services.resolve_contact`` takes, all of a batch's at once and
    # in one order, so a hand-raise from one of these people waits for the batch (and
    # two imports cannot deadlock). SQLite runs one writer at a time already.
    if connection.vendor != "postgresql":
        return
    identities = set()
    for person in people:
        identities |= {*person.emails, *person.phones}
        if not (person.emails or person.phones):
            identities.add(matching.fold(person.name))
    identities.discard("")
    if identities:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(h) FROM "
                "(SELECT DISTINCT hashtext(i) AS h FROM unnest(%s::text[]) AS i) AS ids "
                "ORDER BY h",
                [sorted(identities)],
            )
