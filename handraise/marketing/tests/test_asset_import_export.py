"""Assets' topics and archive dates through `handraise export` and `handraise import`."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from handraise.imports.tests.importing import run, write
from handraise.marketing.models import Asset

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def exported_assets(directory) -> list[dict]:
    call_command("export", str(directory), stdout=io.StringIO())
    with (directory / "assets.csv").open(encoding="utf-8-sig", newline="") as stream:
        return list(csv.DictReader(stream))


def test_topics_and_the_archive_date_go_out_and_come_back(tmp_path):
    Asset.objects.create(
        kind="article",
        title="Lead times",
        topics=["lead times", "Überstunden", 'say "no"'],
        archived_at=datetime(2026, 5, 1, 10, tzinfo=UTC),
    )
    rows = exported_assets(tmp_path / "first")
    assert rows[0]["topics"] == '["lead times", "Überstunden", "say \\"no\\""]'
    assert rows[0]["archived"] == "2026-05-01T11:00:00+01:00"  # London, summer time
    Asset.objects.all().delete()

    code, out = run("assets", str(tmp_path / "first" / "assets.csv"))

    assert code == 0, out
    asset = Asset.objects.get()
    assert asset.topics == ["lead times", "Überstunden", 'say "no"']
    assert asset.archived_at == datetime(2026, 5, 1, 10, tzinfo=UTC)


def test_a_cms_tags_column_becomes_topics(tmp_path):
    posts = 'Title,Tags\nMonth-end in a day,"month-end, finance ,Finance,"\n'
    code, out = run("assets", str(write(tmp_path, posts, "posts.csv")))
    assert code == 0, out
    assert Asset.objects.get().topics == ["month-end", "finance"]


@pytest.mark.parametrize(
    "tags",
    ['"[""not json"""', '"[1, 2]"', "x" * 51],
)
def test_topics_the_asset_would_refuse_reject_the_row_with_a_reason(tmp_path, tags):
    posts = f"Title,Tags\nMonth-end in a day,{tags}\n"
    code, out = run("assets", str(write(tmp_path, posts, "posts.csv")))
    assert code == 1 and "rejected" in out
    assert not Asset.objects.exists()
