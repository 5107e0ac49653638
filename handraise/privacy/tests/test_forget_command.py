"""``handraise forget EMAIL`` as an operator runs it: the person found as intake finds them."""

import io
import json
import sys

import pytest

from handraise import cli
from handraise.contacts.models import Contact
from handraise.privacy.models import Erasure
from handraise.privacy.tests.people import ANN_EMAIL, make_world

# The real console entry point, which closes the database connection when it ends.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def forget(monkeypatch, *args: str, answer: str = "") -> int:
    """Run ``handraise forget ...`` in this process, typing ``answer`` at the prompt."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(answer))
    try:
        cli.main(["forget", *args])
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else 1
    return 0


def erased(contact: Contact) -> bool:
    return Contact.objects.get(pk=contact.pk).erased_at is not None


def test_an_unknown_email_exits_non_zero_saying_so(monkeypatch, capsys, owner):
    make_world(owner)

    status = forget(monkeypatch, "nobody@example.com", "--yes")

    assert status != 0
    assert "No contact has the email address nobody@example.com" in capsys.readouterr().err
    assert not Erasure.objects.exists()


def test_an_email_that_is_no_address_exits_non_zero_saying_so(monkeypatch, capsys, owner):
    status = forget(monkeypatch, "not an address", "--yes")

    assert status != 0 and "is not an email address" in capsys.readouterr().err


def test_with_yes_it_erases_and_says_what_in_one_line(monkeypatch, capsys, owner):
    world = make_world(owner)

    status = forget(monkeypatch, ANN_EMAIL, "--yes")

    out = capsys.readouterr().out.strip().splitlines()
    assert status == 0 and erased(world.ann)
    assert len(out) == 1 and out[0].startswith("Erased one person: deleted 1 email address")
    assert "made anonymous (kept so the figures add up)" in out[0]
    assert Erasure.objects.get().via == Erasure.Via.COMMAND


def test_the_email_is_normalised_as_intake_normalises_it(monkeypatch, owner):
    world = make_world(owner)

    assert forget(monkeypatch, "  ANN@Acme.Example ", "--yes") == 0
    assert erased(world.ann)


def test_it_asks_first_and_erases_nothing_unless_told_yes(monkeypatch, capsys, owner):
    world = make_world(owner)

    status = forget(monkeypatch, ANN_EMAIL, answer="n\n")

    captured = capsys.readouterr()
    assert status != 0 and not erased(world.ann)
    assert "It cannot be undone" in captured.out and "nothing was erased" in captured.err


def test_answering_yes_at_the_prompt_erases(monkeypatch, owner):
    world = make_world(owner)

    assert forget(monkeypatch, ANN_EMAIL, answer="yes\n") == 0
    assert erased(world.ann)


def test_export_writes_her_data_before_erasing_it(monkeypatch, owner, tmp_path):
    world = make_world(owner)
    target = tmp_path / "ann.json"

    assert forget(monkeypatch, ANN_EMAIL, "--yes", "--export", str(target)) == 0

    document = json.loads(target.read_text())
    assert document["contact"]["emails"][0]["email"] == ANN_EMAIL
    assert target.stat().st_mode & 0o077 == 0  # for the owner's eyes only
    assert erased(world.ann)
