"""`handraise export DIR`, then `handraise import DIR` into an empty install, rebuilds the business.

The demo business is exported, the database emptied back to what a fresh install
holds (the rows its migrations seed), the folder imported, and the business
exported again: every file must be the same apart from the ids, which are
renumbered by each row's place in its file (references through the file they
point into), so every time, text and number is compared exactly.
"""

import csv
import importlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from handraise.core.models import OutgoingEmail
from handraise.demo import build_demo
from handraise.enquiries.models import Enquiry
from handraise.imports.tests.importing import run
from handraise.insights.models import Signal
from handraise.marketing.models import Touchpoint
from handraise.sales.models import Activity, CadenceEnrolment, Deal

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# In the past, so nothing the demo planned is still to come when the import runs.
DEMO_NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
# What an empty install holds: the rows these migrations seed.
SEEDS = [
    (importlib.import_module(f"handraise.{module}"), function)
    for module, function in [
        ("accounts.migrations.0002_default_business", "create_defaults"),
        ("sales.migrations.0002_default_stages", "create_defaults"),
        ("enquiries.migrations.0002_contact_form", "create_contact_form"),
        ("insights.migrations.0002_quick_tags", "create_default_tags"),
    ]
]
# Each id column, and the file whose "id" it refers to.
REFERENCES = {
    "id": None,
    "contact id": "contacts",
    "deal id": "deals",
    "enquiry id": "enquiries",
    "activity id": "activities",
    "asset id": "assets",
}


def empty_install() -> None:
    if connection.vendor == "postgresql":
        # The test's transaction holds the demo's deferred foreign-key checks, and
        # PostgreSQL will not TRUNCATE a table with checks pending: run them now.
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    for module, function in SEEDS:
        getattr(module, function)(apps, None)


def export(directory: Path) -> Path:
    call_command("export", str(directory), stdout=io.StringIO())
    return directory


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def renumbered(directory: Path) -> dict[str, list[dict[str, str]]]:
    """Every CSV file's rows, each id replaced by its row's place in the file it names."""
    tables = {path.stem: read(path) for path in sorted(directory.glob("*.csv"))}
    places = {
        name: {row["id"]: str(place) for place, row in enumerate(rows)}
        for name, rows in tables.items()
        if rows and "id" in rows[0]
    }
    for name, rows in tables.items():
        for row in rows:
            for column, target in REFERENCES.items():
                if row.get(column):
                    row[column] = places[target or name].get(row[column], "missing!")
    return tables


def first_difference(before: list[dict], after: list[dict]) -> str:
    if len(before) != len(after):
        return f"{len(before)} rows before, {len(after)} after"
    for line, (was, now) in enumerate(zip(before, after, strict=True), start=2):
        if was != now:
            changed = {k: (was[k], now.get(k)) for k in was if was[k] != now.get(k)}
            return f"line {line}: {changed}"
    return ""


def test_export_then_import_into_an_empty_install_rebuilds_the_same_business(tmp_path):
    build_demo(scale=1, seed=1, now=DEMO_NOW)
    first = export(tmp_path / "first")
    empty_install()

    code, out = run(str(first))

    assert code == 0, out
    second = export(tmp_path / "second")
    before, after = renumbered(first), renumbered(second)
    assert sorted(before) == sorted(after)
    assert len(after["touchpoints"]) == 10_000 and len(after["contacts"]) > 400
    differences = {
        name: first_difference(before[name], after[name])
        for name in before
        if first_difference(before[name], after[name])
    }
    assert differences == {}
    settings = [json.loads((folder / "settings.json").read_text()) for folder in (first, second)]
    assert settings[0] == settings[1]
    # One summary line per file, and history stays history: nothing sent, enrolled or queued.
    assert len([line for line in out.splitlines() if ": imported " in line]) == 15
    assert OutgoingEmail.objects.count() == 0
    assert CadenceEnrolment.objects.count() == 0


def test_importing_the_same_folder_again_adds_nothing(tmp_path):
    build_demo(scale=1, seed=2, now=DEMO_NOW)
    folder = export(tmp_path / "export")
    empty_install()
    run(str(folder))
    models = (Enquiry, Deal, Activity, Signal, Touchpoint)
    counts = [model.objects.count() for model in models]

    code, out = run(str(folder))

    assert code == 0, out
    assert [model.objects.count() for model in models] == counts
    assert "imported 0 touchpoints (10,000 already here, 0 rejected)" in out
