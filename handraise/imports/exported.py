"""The ids in an export, mapped to the rows an import made of them.

Our own export names rows by id ("contact id", "deal id", ...). Importing a row
of it remembers the new row under ``record_key("id", <its id>)`` in the kind of
``ImportedRecord`` named here, so a later file's reference finds the new row.
``ExportedIds`` reads each kind's map once, when first asked, and keeps what the
current file adds; an id it has never seen is asked of the database once more (a
file imported on its own, after its references were imported earlier).
"""

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from handraise.imports import contacts
from handraise.imports.batches import RowProblem
from handraise.imports.records import record_key
from handraise.imports.selectors import already_imported, imported_ids

# The ImportedRecord kind each exported id is remembered under.
CONTACT_IDS = contacts.CONTACT_IDS  # written by the contacts import for its id column
ASSETS = "assets"
ENQUIRIES = "enquiries"
DEALS = "deals"
ACTIVITIES = "activities"
SIGNALS = "signals"
TOUCHPOINTS = "touchpoints"


@dataclass
class ExportedIds:
    known: dict[str, dict[str, int]] = field(default_factory=dict)

    def find(self, kind: str, exported_id: str) -> int | None:
        """The row imported for ``exported_id`` of this kind, if one was."""
        if not exported_id:
            return None
        key = record_key("id", exported_id)
        if kind not in self.known:
            self.known[kind] = imported_ids(kind)
        found = self.known[kind].get(key)
        if found is None:
            found = already_imported(kind=kind, key=key)
            if found is not None:
                self.known[kind][key] = found
        return found

    def add(self, kind: str, exported_id: str, object_id: int) -> None:
        """Note a row this file made (a kind not read yet will read it from the database)."""
        if exported_id and kind in self.known:
            self.known[kind][record_key("id", exported_id)] = object_id


@dataclass
class Context:
    """What every row of one file is read against."""

    zone: ZoneInfo
    region: str
    file_name: str
    ids: ExportedIds = field(default_factory=ExportedIds)


def exported_contact(context: Context, exported_id: str) -> int | None:
    """The contact imported for the file's "contact id"; ``RowProblem`` if none was.

    Blank: None, and the caller finds the person by what else the row says.
    """
    if not exported_id:
        return None
    found = context.ids.find(CONTACT_IDS, exported_id)
    if found is None:
        raise RowProblem(
            f"No imported contact has the id {exported_id!r}: import the contacts first."
        )
    return found


def exported(context: Context, kind: str, exported_id: str, what: str) -> int | None:
    """The row imported for the file's id of a ``kind``; ``RowProblem`` if none was."""
    if not exported_id:
        return None
    found = context.ids.find(kind, exported_id)
    if found is None:
        raise RowProblem(f"No imported {what} has the id {exported_id!r}: import the {kind} first.")
    return found
