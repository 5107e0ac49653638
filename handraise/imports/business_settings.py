"""Importing settings.json: the business's settings, hours, outcome reasons and profiles.

The file is the one ``handraise export`` writes (``insights.exports.settings_document``).
Each part is restored by its own app's service and checked as the settings pages
check it: the business's settings and opening hours replace the install's own
(``accounts``), outcome reasons and ideal client profiles are matched by their
label and name and brought up to the file's values (``sales``, ``insights``). A
part the file leaves out is left as it is. The file is small and read whole,
after its size is checked; a part that is refused is rejected with its reason
and the others still go in.
"""

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from handraise.accounts.services import record_imported_settings
from handraise.imports.batches import Outcome, Rejected
from handraise.insights.services import record_imported_profile
from handraise.sales.services import record_imported_outcome_reason

MAX_BYTES = 1 << 20  # settings are a few kilobytes; anything near this is not ours
PROFILE_FIELDS = ("description", "industries", "min_employees", "max_employees", "regions")
PROFILE_FIELDS += ("keywords", "is_active")


class UnreadableSettings(Exception):
    """The file is not a settings.json ``handraise export`` wrote; the message says why."""


def read_settings(path: Path) -> dict:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise UnreadableSettings(f"{path} is too big to be a settings file.")
        document = json.loads(path.read_text("utf-8-sig"))
    except OSError as error:
        raise UnreadableSettings(f"{path} cannot be opened: {error.strerror or error}.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableSettings(f"{path} is not JSON ({error}).") from None
    if not isinstance(document, dict):
        raise UnreadableSettings(f"{path} should hold an object, as `handraise export` writes.")
    return document


def import_settings(document: dict, *, dry_run: bool = False) -> Outcome:
    """Each part of the document through its service; a refused part is one rejected "row"."""
    outcome = Outcome()
    parts = [
        ("business", lambda: _business(document)),
        *(
            (f"outcome reason {i + 1}", lambda reason=reason: _reason(reason))
            for i, reason in enumerate(document.get("outcome_reasons") or [])
        ),
        *(
            (f"ideal client profile {i + 1}", lambda profile=profile: _profile(profile))
            for i, profile in enumerate(document.get("ideal_client_profiles") or [])
        ),
    ]
    with transaction.atomic():
        for line, (name, write) in enumerate(parts, start=1):
            try:
                with transaction.atomic():
                    outcome.counts.update(write())
            except (ValidationError, DatabaseError, KeyError, TypeError, ValueError) as error:
                reason = " ".join(getattr(error, "messages", [str(error)]))
                outcome.rejected.append(Rejected(line, f"{name}: {reason}", []))
        if dry_run:
            transaction.set_rollback(True)
    return outcome


def _business(document: dict) -> list[str]:
    if "business" not in document and "business_hours" not in document:
        return []
    record_imported_settings(
        business=document.get("business") or {}, hours=document.get("business_hours")
    )
    return ["settings"]


def _reason(reason: dict) -> list[str]:
    _, made = record_imported_outcome_reason(
        outcome=reason["outcome"], label=reason["label"], position=int(reason.get("position", 0))
    )
    return ["reason new" if made else "reason updated"]


def _profile(profile: dict) -> list[str]:
    fields = {name: profile[name] for name in PROFILE_FIELDS if name in profile}
    if "min_deal_value" in profile:
        value = profile["min_deal_value"]
        try:
            fields["min_deal_value"] = None if value in (None, "") else Decimal(str(value))
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount.") from None
    _, made = record_imported_profile(name=profile["name"], **fields)
    return ["profile new" if made else "profile updated"]
