"""Running one import of one file: what the command line and the web page both call.

``plan_import`` opens the file and maps its columns (or says in one sentence
why it cannot); ``run_import`` sends its rows through the kind's checks and
writers; ``summary`` says what happened in one line; ``write_rejects`` sets the
rejected rows aside with their line and reason. Each kind of file is one entry
in ``KINDS``: its column aliases, the fields of which a file needs at least one,
and the function that runs its rows. ``settings.json`` is the one file that is
not a table (``business_settings``). ``import_directory`` reads what
``handraise export DIR`` wrote, file by file in ``DIRECTORY_ORDER``.
"""

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import defusedcsv.csv as safe_csv

from handraise.accounts.models import BusinessSettings
from handraise.imports import activities, assets, deals, enquiries, setup, signals
from handraise.imports.batches import Outcome, run_rows
from handraise.imports.business_settings import UnreadableSettings, import_settings, read_settings
from handraise.imports.contacts import import_contacts
from handraise.imports.exported import Context, ExportedIds
from handraise.imports.mapping import (
    ACTIVITY_ALIASES,
    ASSET_ALIASES,
    CADENCE_ALIASES,
    CONTACT_ALIASES,
    DEAL_ALIASES,
    ENQUIRY_ALIASES,
    FORM_ALIASES,
    ORGANISATION_ALIASES,
    QUICK_TAG_ALIASES,
    REPLY_TEMPLATE_ALIASES,
    SIGNAL_ALIASES,
    STAGE_ALIASES,
    THEME_ALIASES,
    TOUCHPOINT_ALIASES,
    Mapping,
    MappingError,
    map_columns,
    parse_overrides,
)
from handraise.imports.reading import Table, UnreadableFile, open_table
from handraise.imports.touchpoints import import_touchpoints
from handraise.sales.models import Deal

# Every kind DESIGN.md names, and the business's setup that `export DIR` writes beside them.
ALL_KINDS = ("contacts", "assets", "touchpoints", "enquiries", "deals", "activities", "signals")
ALL_KINDS += ("settings", "stages", "themes", "quick-tags", "cadences", "forms")
ALL_KINDS += ("reply-templates", "organisations")
SETTINGS = "settings"
# Contacts files longer than this have their rows checked in a second process (see
# ``batches``); below it, starting one would cost more than it saves.
CHECK_ELSEWHERE_FROM = 5_000
# What `handraise export DIR` writes, in the order a rebuild reads it: each file only
# refers to what the files before it brought in.
DIRECTORY_ORDER = (
    (SETTINGS, "settings.json"),
    ("stages", "stages.csv"),
    ("themes", "themes.csv"),
    ("quick-tags", "quick-tags.csv"),
    ("cadences", "cadences.csv"),
    ("forms", "forms.csv"),
    ("reply-templates", "reply-templates.csv"),
    ("organisations", "organisations.csv"),
    ("contacts", "contacts.csv"),
    ("assets", "assets.csv"),
    ("enquiries", "enquiries.csv"),
    ("deals", "deals.csv"),
    ("activities", "activities.csv"),
    ("signals", "signals.csv"),
    ("touchpoints", "touchpoints.csv"),
)


class ImportProblem(Exception):
    """The file as a whole cannot be imported; the message says why in one sentence."""


@dataclass(frozen=True)
class Options:
    date_order: str | None = None
    dry_run: bool = False
    origin: str = Deal.Origin.OUTBOUND  # where deals came from when the file does not say
    # Exported ids -> the rows made of them; one for all the files of a directory.
    ids: ExportedIds = field(default_factory=ExportedIds)
    # The files are Handraise's own export (``import DIR``): each contact row is a
    # different person, never merged with another row by phone or name.
    from_export: bool = False


@dataclass(frozen=True)
class Plan:
    """A file opened and its columns mapped: ready to run."""

    kind: str
    table: Table | None  # None for settings.json, which is not a table
    mapping: Mapping | None
    path: Path
    document: dict | None = None  # settings.json, read

    @property
    def file_name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Kind:
    aliases: dict[str, str]
    needed: frozenset[str]  # a file needs a column for at least one of these
    needed_words: str
    run: Callable[[Plan, Options, Callable[[], None]], Outcome]
    summary: Callable[[Outcome], str]  # "3 contacts (1 new, ...)"


def plan_import(kind: str, path: Path, overrides: list[str] = ()) -> Plan:
    if kind == SETTINGS:
        try:
            return Plan(
                kind=kind, table=None, mapping=None, path=path, document=read_settings(path)
            )
        except UnreadableSettings as error:
            raise ImportProblem(str(error)) from None
    if kind not in KINDS:
        built = ", ".join(KINDS)
        raise ImportProblem(
            f"Importing {kind} is not built yet; {built} are "
            "(`handraise import contacts FILE.csv`)."
        )
    spec = KINDS[kind]
    try:
        table = open_table(path)
        mapping = map_columns(table.header, spec.aliases, parse_overrides(list(overrides)))
    except (UnreadableFile, MappingError) as error:
        raise ImportProblem(str(error)) from None
    if not spec.needed & set(mapping.columns):
        raise ImportProblem(
            f"{path}: no column holds {spec.needed_words} (the columns are "
            f'{", ".join(table.header)}); name one with --map "Their column=field".'
        )
    return Plan(kind=kind, table=table, mapping=mapping, path=path)


def run_import(
    plan: Plan, options: Options | None = None, on_row: Callable[[], None] = lambda: None
) -> Outcome:
    options = options or Options()
    if plan.kind == SETTINGS:
        return import_settings(plan.document, dry_run=options.dry_run)
    return KINDS[plan.kind].run(plan, options, on_row)


def summary(plan: Plan, outcome: Outcome, *, dry_run: bool) -> str:
    verb = "would import" if dry_run else "imported"
    described = _settings_summary(outcome) if plan.kind == SETTINGS else None
    return f"{plan.path}: {verb} {described or KINDS[plan.kind].summary(outcome)}."


def rejects_beside(path: Path) -> Path:
    return path.with_suffix(".rejects.csv")


def write_rejects(out: TextIO, header: list[str], outcome: Outcome) -> None:
    """The rejected rows as CSV: line, reason, then the row as it was given."""
    writer = safe_csv.writer(out)
    writer.writerow(["line", "reason", *header])
    for rejected in outcome.rejected:
        writer.writerow([rejected.line, rejected.reason, *rejected.values])


@dataclass(frozen=True)
class FileImported:
    plan: Plan
    outcome: Outcome


def import_directory(
    directory: Path,
    options: Options | None = None,
    on_file: Callable[[Plan], None] = lambda plan: None,
    on_row: Callable[[], None] = lambda: None,
) -> Iterator[FileImported]:
    """Every file ``handraise export`` writes that is in ``directory``, in dependency
    order, each as its own import; one ``FileImported`` as each is done.

    The ids of the export are mapped to the new rows as the files go (one
    ``ExportedIds`` for them all). A file that is missing is skipped: without
    settings.json the install keeps its own settings. ``ImportProblem`` stops the
    run at a file that cannot be read at all.
    """
    options = dataclasses.replace(options or Options(), from_export=True)
    for kind, name in DIRECTORY_ORDER:
        path = directory / name
        if not path.is_file():
            continue
        plan = plan_import(kind, path)
        on_file(plan)
        yield FileImported(plan, run_import(plan, options, on_row))


def _run_contacts(plan: Plan, options: Options, on_row: Callable[[], None]) -> Outcome:
    business = BusinessSettings.load()
    return import_contacts(
        plan.table.rows(),
        region=business.default_phone_region,
        zone=business.zone,
        file_name=plan.file_name,
        header=plan.table.header,
        mapping=plan.mapping,
        date_order=options.date_order,
        dry_run=options.dry_run,
        distinct=options.from_export,
        on_row=on_row,
        # A second process costs a second to start: worth it for a long file only.
        check_elsewhere=plan.table.lines > CHECK_ELSEWHERE_FROM,
    )


def _run_pipeline_rows(rows) -> Callable[[Plan, Options, Callable[[], None]], Outcome]:
    """Deals and activities: each row checked against the pipeline, then recorded."""

    def run(plan: Plan, options: Options, on_row: Callable[[], None]) -> Outcome:
        business = BusinessSettings.load()
        pipeline = deals.Pipeline.load(
            currency=business.currency,
            region=business.default_phone_region,
            zone=business.zone,
            origin=options.origin,
            file_name=plan.file_name,
            ids=options.ids,
        )
        return run_rows(
            plan.table.rows(),
            check=lambda row: rows.check_row(
                row, plan.table.header, plan.mapping, pipeline, options.date_order
            ),
            write=lambda item: rows.record(item, pipeline),
            dry_run=options.dry_run,
            on_row=on_row,
        )

    return run


def _many(count: int, one: str, many: str | None = None) -> str:
    """'1 contact', '2,000 contacts'."""
    return f"{count:,} {one if count == 1 else many or one + 's'}"


def _contacts_summary(outcome: Outcome) -> str:
    counts = outcome.counts
    new = counts["new"]
    matched = counts["id"] + counts["email"] + counts["phone"] + counts["name"]
    return (
        f"{_many(new + matched, 'contact')} ({new:,} new, "
        f"{matched:,} already here, "
        f"{_many(counts['suggested'], 'possible duplicate')} to review, "
        f"{len(outcome.rejected):,} rejected)"
    )


def _deals_summary(outcome: Outcome) -> str:
    counts = outcome.counts
    return (
        f"{_many(counts['deal new'], 'deal')} "
        f"({counts['deal already here']:,} already here, "
        f"{_many(counts['contact new'], 'new contact')}, "
        f"{_many(counts['contact suggested'], 'possible duplicate contact')} to review, "
        f"{len(outcome.rejected):,} rejected)"
    )


def _activities_summary(outcome: Outcome) -> str:
    counts = outcome.counts
    return (
        f"{_many(counts['activity new'], 'activity', 'activities')} "
        f"({counts['activity already here']:,} already here, "
        f"{_many(counts['contact new'], 'new contact')}, {len(outcome.rejected):,} rejected)"
    )


def _context(plan: Plan, options: Options) -> Context:
    business = BusinessSettings.load()
    return Context(
        zone=business.zone,
        region=business.default_phone_region,
        file_name=plan.file_name,
        ids=options.ids,
    )


def _run_checked_rows(check, record) -> Callable[[Plan, Options, Callable[[], None]], Outcome]:
    """A kind whose rows are each checked, then recorded by its app's service."""

    def run(plan: Plan, options: Options, on_row: Callable[[], None]) -> Outcome:
        context = _context(plan, options)
        return run_rows(
            plan.table.rows(),
            check=lambda row: check(row, plan.table.header, plan.mapping, context),
            write=lambda item: record(item, context),
            dry_run=options.dry_run,
            on_row=on_row,
        )

    return run


def _run_touchpoints(plan: Plan, options: Options, on_row: Callable[[], None]) -> Outcome:
    return import_touchpoints(
        plan.table.rows(),
        header=plan.table.header,
        mapping=plan.mapping,
        context=_context(plan, options),
        dry_run=options.dry_run,
        on_row=on_row,
    )


def _setup_summary(one: str, many: str | None = None) -> Callable[[Outcome], str]:
    """'6 stages (0 new, 6 updated, 0 rejected)'."""

    def described(outcome: Outcome) -> str:
        counts = outcome.counts
        new, updated = counts["new"], counts["updated"]
        return (
            f"{_many(new + updated, one, many)} ({new:,} new, {updated:,} updated, "
            f"{len(outcome.rejected):,} rejected)"
        )

    return described


def _history_summary(one: str, many: str | None = None) -> Callable[[Outcome], str]:
    """'1,500 enquiries (0 already here, 2 new contacts, 0 rejected)'."""

    def described(outcome: Outcome) -> str:
        counts = outcome.counts
        contacts = (
            f", {_many(counts['contact new'], 'new contact')}" if counts["contact new"] else ""
        )
        return (
            f"{_many(counts['new'], one, many)} ({counts['already here']:,} already here"
            f"{contacts}, {len(outcome.rejected):,} rejected)"
        )

    return described


def _cadences_summary(outcome: Outcome) -> str:
    counts = outcome.counts
    made, updated = counts["cadence new"], counts["cadence updated"]
    return (
        f"{_many(counts['step'], 'cadence step')} of {_many(made + updated, 'cadence')} "
        f"({len(outcome.rejected):,} rejected)"
    )


def _settings_summary(outcome: Outcome) -> str:
    counts = outcome.counts
    reasons = counts["reason new"] + counts["reason updated"]
    profiles = counts["profile new"] + counts["profile updated"]
    business = "the business's settings and hours" if counts["settings"] else "no settings"
    return (
        f"{business}, {_many(reasons, 'outcome reason')}, "
        f"{_many(profiles, 'ideal client profile')} ({len(outcome.rejected):,} rejected)"
    )


KINDS: dict[str, Kind] = {
    "contacts": Kind(
        CONTACT_ALIASES,
        frozenset({"name", "first_name", "last_name", "email", "phone"}),
        "a name, email or phone",
        _run_contacts,
        _contacts_summary,
    ),
    "deals": Kind(
        DEAL_ALIASES,
        frozenset({"title"}),
        "a deal's title",
        _run_pipeline_rows(deals),
        _deals_summary,
    ),
    "activities": Kind(
        ACTIVITY_ALIASES,
        frozenset({"occurred_at"}),
        "an activity's date",
        _run_pipeline_rows(activities),
        _activities_summary,
    ),
    "stages": Kind(
        STAGE_ALIASES,
        frozenset({"name"}),
        "a stage's name",
        _run_checked_rows(setup.check_stage, setup.record_stage),
        _setup_summary("stage"),
    ),
    "themes": Kind(
        THEME_ALIASES,
        frozenset({"name"}),
        "a theme's name",
        _run_checked_rows(setup.check_theme, setup.record_theme),
        _setup_summary("theme"),
    ),
    "quick-tags": Kind(
        QUICK_TAG_ALIASES,
        frozenset({"label"}),
        "a quick tag's label",
        _run_checked_rows(setup.check_quick_tag, setup.record_quick_tag),
        _setup_summary("quick tag"),
    ),
    "cadences": Kind(
        CADENCE_ALIASES,
        frozenset({"name"}),
        "a cadence's name",
        _run_checked_rows(setup.check_cadence_step, setup.record_cadence_step),
        _cadences_summary,
    ),
    "forms": Kind(
        FORM_ALIASES,
        frozenset({"slug"}),
        "a form's slug",
        _run_checked_rows(setup.check_form, setup.record_form),
        _setup_summary("form"),
    ),
    "reply-templates": Kind(
        REPLY_TEMPLATE_ALIASES,
        frozenset({"name"}),
        "a saved reply's name",
        _run_checked_rows(setup.check_reply_template, setup.record_reply_template),
        _setup_summary("saved reply", "saved replies"),
    ),
    "organisations": Kind(
        ORGANISATION_ALIASES,
        frozenset({"name"}),
        "an organisation's name",
        _run_checked_rows(setup.check_organisation, setup.record_organisation),
        _setup_summary("organisation"),
    ),
    "assets": Kind(
        ASSET_ALIASES,
        frozenset({"title"}),
        "an asset's title",
        _run_checked_rows(assets.check_row, assets.record),
        _history_summary("asset"),
    ),
    "enquiries": Kind(
        ENQUIRY_ALIASES,
        frozenset({"received_at"}),
        "the date an enquiry was received",
        _run_checked_rows(enquiries.check_row, enquiries.record),
        _history_summary("enquiry", "enquiries"),
    ),
    "signals": Kind(
        SIGNAL_ALIASES,
        frozenset({"text"}),
        "a signal's text",
        _run_checked_rows(signals.check_row, signals.record),
        _history_summary("signal"),
    ),
    "touchpoints": Kind(
        TOUCHPOINT_ALIASES,
        frozenset({"occurred_at"}),
        "a touchpoint's time",
        _run_touchpoints,
        _history_summary("touchpoint"),
    ),
}
