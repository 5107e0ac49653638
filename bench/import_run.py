"""The inside of benchmark 6: time ``handraise import contacts`` beside a bare bulk insert.

Run by ``bench/imports.py`` as ``python -m bench.import_run`` in a child process
pointed at a scratch database. It migrates, writes the file (``import_file.py``),
then times the reference: the same rows read with the csv module and written with
``bulk_create`` into the same four tables (organisations, contacts, emails,
phones), with no checks, normalisation or matching, inside a transaction that
is rolled back. Then it times the import itself, the command as a user runs it,
into the empty database. It writes what it measured as JSON to ``--output``.
"""

import argparse
import csv
import json
import os
import resource
import time
from io import StringIO
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--output", required=True)
    arguments = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handraise.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench.import_file import write_contacts_file

    call_command("migrate", interactive=False, verbosity=0)
    path = Path(arguments.file)
    repeats = write_contacts_file(path, arguments.rows, arguments.seed)
    print(f"wrote {arguments.rows:,} rows ({repeats:,} repeats) to {path.name}", flush=True)

    reference = _bare_insert(path)
    print(f"reference: bare bulk insert in {reference:.1f} s", flush=True)
    _clear_rolled_back_rows()
    memory_before = _peak_rss()
    started = time.perf_counter()
    out = StringIO()
    try:
        call_command("import", "contacts", str(path), stdout=out, stderr=StringIO())
        exit_code = 0
    except SystemExit as exit:  # rows were rejected: the summary says how many
        exit_code = exit.code
    seconds = time.perf_counter() - started
    print(f"import: {seconds:.1f} s; {out.getvalue().strip().splitlines()[-1]}", flush=True)

    from handraise.contacts.models import Contact, ContactEmail, MergeSuggestion

    Path(arguments.output).write_text(
        json.dumps(
            {
                "rows": arguments.rows,
                "repeats": repeats,
                "file_megabytes": path.stat().st_size / 1e6,
                "reference_seconds": reference,
                "import_seconds": seconds,
                "exit_code": exit_code,
                "summary": out.getvalue().strip().splitlines()[-1],
                "contacts": Contact.objects.count(),
                "emails": ContactEmail.objects.count(),
                "suggestions": MergeSuggestion.objects.count(),
                "peak_rss_before_mb": memory_before,
                "peak_rss_after_mb": _peak_rss(),
            }
        )
    )


def _bare_insert(path: Path) -> float:
    """The same rows into the same tables with nothing but ``bulk_create``, rolled back."""
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        with path.open(encoding="utf-8", newline="") as rows:
            reader = csv.reader(rows)
            next(reader)
            organisations: dict = {}  # name -> the Organisation written for it
            batch = []
            for row in reader:
                batch.append(row)
                if len(batch) == 500:
                    _insert(batch, organisations)
                    batch = []
            _insert(batch, organisations)
        transaction.set_rollback(True)
    return time.perf_counter() - started


def _clear_rolled_back_rows() -> None:
    """On PostgreSQL the reference's rolled-back rows stay behind as dead tuples under
    the very emails the import then looks up, each lookup visiting them, until
    autovacuum comes by: vacuum them now, so the import is timed on tables as an
    install has them. (SQLite's rollback leaves nothing behind.)"""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def _insert(rows: list[list[str]], organisations: dict) -> None:
    from handraise.contacts.models import Contact, ContactEmail, ContactPhone, Organisation

    new = {row[5] for row in rows if row[5] and row[5] not in organisations}
    created = Organisation.objects.bulk_create([Organisation(name=name) for name in new])
    organisations.update({organisation.name: organisation for organisation in created})
    contacts = Contact.objects.bulk_create(
        [Contact(name=f"{row[1]} {row[2]}", organisation=organisations.get(row[5])) for row in rows]
    )
    seen: set[str] = set()
    emails = []
    for contact, row in zip(contacts, rows, strict=True):
        # The file's repeats would break the unique index: a bare insert skips them.
        if row[3].lower() not in seen:
            seen.add(row[3].lower())
            emails.append(ContactEmail(contact=contact, email=row[3].lower(), is_primary=True))
    ContactEmail.objects.bulk_create(emails, ignore_conflicts=True)
    ContactPhone.objects.bulk_create(
        [
            ContactPhone(contact=contact, number="+44" + row[4].replace(" ", "")[1:])
            for contact, row in zip(contacts, rows, strict=True)
            if row[4]
        ]
    )


def _peak_rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
