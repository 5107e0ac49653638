"""Column mapping details the Import page relies on."""

import pytest

from handraise.imports.mapping import CONTACT_ALIASES, IGNORE, map_columns, parse_overrides

pytestmark = pytest.mark.unit


def test_a_column_mapped_to_ignore_is_left_out_whatever_its_aliases_say():
    header = ["Name", "Email", "Company"]

    mapping = map_columns(header, CONTACT_ALIASES, parse_overrides([f"Company={IGNORE}"]))

    assert mapping.describe(header) == [("Name", "name"), ("Email", "email")]
    assert mapping.ignored == ["Company"]
