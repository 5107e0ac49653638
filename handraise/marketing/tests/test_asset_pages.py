"""The asset pages through HTTP: who may see them, the list's search, filter, sort and
pages, adding and editing with their errors, archiving with its undo, hostile text."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.utils.html import escape

from handraise.accounts.models import BusinessSettings
from handraise.insights.models import Theme
from handraise.marketing.models import Asset
from handraise.marketing.views.assets import PAGE_SIZE
from handraise.sales.tests.reading import text

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BLNS = Path(__file__).resolve().parents[3] / "tests" / "data" / "blns.json"
# Session, user, business settings, count, the page's assets, their themes.
ASSET_LIST_QUERY_BUDGET = 7


def make_asset(title="Fix the process first", **fields) -> Asset:
    values = {
        "kind": Asset.Kind.ARTICLE,
        "title": title,
        "url": f"https://example.com/{abs(hash(title))}/",
        "published_at": datetime(2026, 3, 2, 9, tzinfo=UTC),
    }
    values.update(fields)
    return Asset.objects.create(**values)


def form_data(**changes) -> dict:
    data = {
        "kind": "article",
        "title": "Five signs your lead times are a process problem",
        "url": "https://example.com/insights/lead-times/",
        "topics": "lead times, overtime",
        "published_on": "2026-03-02",
        "summary": "For owners.",
    }
    data.update(changes)
    return data


# --- who may see them -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/marketing/", "/marketing/assets/", "/marketing/assets/new/", "ASSET"]
)
def test_owners_and_teammates_see_the_marketing_pages(owner_client, teammate_client, path):
    asset = make_asset()
    path = f"/marketing/assets/{asset.pk}/" if path == "ASSET" else path
    for client in (owner_client, teammate_client):
        assert client.get(path).status_code == 200


@pytest.mark.parametrize(
    "path", ["/marketing/", "/marketing/assets/", "/marketing/assets/new/", "ASSET"]
)
def test_an_outsider_is_sent_to_sign_in_and_sees_nothing(outsider_client, path):
    asset = make_asset("Secret plans")
    path = f"/marketing/assets/{asset.pk}/" if path == "ASSET" else path
    response = outsider_client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "Secret plans" not in response.content.decode()


def test_an_outsider_can_neither_add_nor_archive(outsider_client):
    asset = make_asset()
    outsider_client.post("/marketing/assets/new/", form_data(title="Sneaky"))
    outsider_client.post(f"/marketing/assets/{asset.pk}/archive/")
    assert not Asset.objects.filter(title="Sneaky").exists()
    assert Asset.objects.get(pk=asset.pk).archived_at is None


def test_every_marketing_page_marks_marketing_in_the_navigation(teammate_client):
    asset = make_asset()
    for path in ["/marketing/", "/marketing/assets/", f"/marketing/assets/{asset.pk}/"]:
        page = teammate_client.get(path).content.decode()
        assert '<a href="/marketing/" aria-current="page">Marketing</a>' in page
    assert 'aria-current="page">Marketing' not in teammate_client.get("/inbox/").content.decode()


# --- the list ---------------------------------------------------------------------------


def test_the_list_shows_kind_published_date_topics_and_themes(teammate_client):
    asset = make_asset(topics=["lead times", "overtime"])
    Theme.objects.create(name="Price and return").answered_by.add(asset)
    page = text(teammate_client.get("/marketing/assets/"))
    assert "Fix the process first" in page and "Article" in page and "2 Mar 2026" in page
    assert "lead times, overtime" in page and "Price and return" in page


@pytest.mark.parametrize("search", ["process", "PROCESS", "overtime", "example.com/x"])
def test_search_finds_by_title_topic_or_url(teammate_client, search):
    make_asset(topics=["overtime"], url="https://example.com/x/")
    make_asset("Unrelated talk", kind=Asset.Kind.TALK, url="https://other.example/")
    page = text(teammate_client.get("/marketing/assets/", {"q": search}))
    assert "Fix the process first" in page and "Unrelated talk" not in page


def test_the_kind_filter_keeps_one_kind(teammate_client):
    make_asset()
    make_asset("Regional distributor halves picking errors", kind=Asset.Kind.CASE_STUDY)
    page = text(teammate_client.get("/marketing/assets/", {"kind": "case_study"}))
    assert "Regional distributor" in page and "Fix the process first" not in page


def test_an_unknown_kind_or_sort_is_ignored_and_said(teammate_client):
    make_asset()
    response = teammate_client.get("/marketing/assets/", {"kind": "nonsense", "sort": "<b>"})
    assert response.status_code == 200
    page = text(response)
    assert "Fix the process first" in page and "were not understood" in page


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("title", ["Alpha", "Bravo", "Charlie"]),
        ("-title", ["Charlie", "Bravo", "Alpha"]),
        ("-published", ["Bravo", "Charlie", "Alpha"]),
        ("published", ["Alpha", "Charlie", "Bravo"]),
    ],
)
def test_the_list_sorts_by_title_or_published_date(teammate_client, sort, expected):
    make_asset("Alpha", published_at=datetime(2026, 1, 1, tzinfo=UTC))
    make_asset("Bravo", published_at=datetime(2026, 3, 1, tzinfo=UTC))
    make_asset("Charlie", published_at=datetime(2026, 2, 1, tzinfo=UTC))
    page = text(teammate_client.get("/marketing/assets/", {"sort": sort}))
    assert sorted(expected, key=page.index) == expected


def test_the_list_is_paged_and_each_page_costs_the_same(
    teammate_client, django_assert_max_num_queries
):
    theme = Theme.objects.create(name="Proof")
    assets = Asset.objects.bulk_create(
        Asset(
            kind="article",
            title=f"Asset {n:03}",
            url=f"https://example.com/{n}/",
            published_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for n in range(PAGE_SIZE + 3)
    )
    theme.answered_by.add(*assets)
    with django_assert_max_num_queries(ASSET_LIST_QUERY_BUDGET):
        first = text(teammate_client.get("/marketing/assets/", {"sort": "title"}))
    assert "Asset 000" in first and f"Asset {PAGE_SIZE:03}" not in first
    assert f"{PAGE_SIZE + 3} assets." in first and "Page 1 of 2" in first
    with django_assert_max_num_queries(ASSET_LIST_QUERY_BUDGET):
        second = text(teammate_client.get("/marketing/assets/", {"sort": "title", "page": 2}))
    assert f"Asset {PAGE_SIZE + 2:03}" in second and "Asset 000" not in second


def test_the_list_answers_htmx_with_the_list_alone(teammate_client):
    make_asset()
    response = teammate_client.get(
        "/marketing/assets/", {"q": "fix"}, headers={"HX-Request": "true"}
    )
    assert "<html" not in response.content.decode() and "Fix the process first" in text(response)


def test_an_empty_list_says_what_to_do(teammate_client):
    page = text(teammate_client.get("/marketing/assets/"))
    assert "No assets yet" in page and "add the first one" in page


# --- adding and editing -----------------------------------------------------------------


def test_adding_an_asset_saves_every_field(teammate_client, settings):
    theme = Theme.objects.create(name="Lead times")
    response = teammate_client.post("/marketing/assets/new/", form_data(themes=[theme.pk]))
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert asset.title == "Five signs your lead times are a process problem"
    assert asset.topics == ["lead times", "overtime"]
    assert list(asset.themes.all()) == [theme]
    # The start of that day at the business (London: UTC in March).
    assert asset.published_at == datetime(2026, 3, 2, 0, tzinfo=UTC)


def test_the_published_date_is_read_in_the_business_time_zone(teammate_client):
    business = BusinessSettings.load()
    business.time_zone = "America/Los_Angeles"
    business.save()
    teammate_client.post("/marketing/assets/new/", form_data(published_on="2026-07-04"))
    assert Asset.objects.get().published_at == datetime(2026, 7, 4, 7, tzinfo=UTC)


def test_editing_keeps_the_time_of_an_unchanged_published_date(teammate_client):
    asset = make_asset(published_at=datetime(2026, 3, 2, 14, 30, tzinfo=UTC))
    response = teammate_client.post(
        f"/marketing/assets/{asset.pk}/", form_data(title="Renamed", published_on="2026-03-02")
    )
    assert response.status_code == 302
    asset.refresh_from_db()
    assert asset.title == "Renamed"
    assert asset.published_at == datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def test_the_edit_form_shows_what_the_asset_holds(teammate_client):
    asset = make_asset(topics=["lead times", "overtime"], summary="For owners.")
    page = teammate_client.get(f"/marketing/assets/{asset.pk}/").content.decode()
    assert 'value="lead times, overtime"' in page and 'value="2026-03-02"' in page
    assert "For owners." in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "   "}, "title", "This field is required."),
        ({"kind": "podcast"}, "kind", "Select a valid choice."),
        ({"url": "not a url at all"}, "url", "Enter a valid URL."),
        ({"published_on": "2026-02-30"}, "published_on", "Enter a valid date."),
        ({"topics": "x" * 51}, "topics", "Keep each topic to 50 characters"),
        ({"topics": ", ".join(f"t{n}" for n in range(21))}, "topics", "at most 20 topics"),
        ({"title": "x" * 301}, "title", "at most 300 characters"),
    ],
)
def test_a_bad_field_is_shown_next_to_it_and_nothing_typed_is_lost(
    teammate_client, changes, field, message
):
    response = teammate_client.post("/marketing/assets/new/", form_data(**changes))
    assert response.status_code == 422
    assert not Asset.objects.exists()
    page = response.content.decode()
    assert message in text(response) and "Nothing was saved" in page
    assert escape("For owners.") in page  # the other fields keep what was typed
    assert f'id="id_{field}"' in page


def test_a_url_another_asset_has_saves_with_a_warning(teammate_client):
    make_asset("The original", url="https://example.com/insights/lead-times/")
    response = teammate_client.post("/marketing/assets/new/", form_data(), follow=True)
    page = text(response)
    assert Asset.objects.count() == 2
    assert "Warning:" in page and "“The original” has the same URL" in page


def test_saving_the_same_asset_again_gives_no_url_warning(teammate_client):
    asset = make_asset(url="https://example.com/insights/lead-times/")
    response = teammate_client.post(f"/marketing/assets/{asset.pk}/", form_data(), follow=True)
    assert "Warning:" not in text(response)


def test_an_unknown_asset_is_not_found(teammate_client):
    assert teammate_client.get("/marketing/assets/999999/").status_code == 404


# --- archiving --------------------------------------------------------------------------


def test_archiving_takes_it_off_the_list_and_undo_brings_it_back(teammate_client):
    asset = make_asset()
    response = teammate_client.post(f"/marketing/assets/{asset.pk}/archive/", follow=True)
    page = text(response)
    assert "Archived “Fix the process first”" in page and "Undo" in page
    assert "No assets yet" in page or "Fix the process first was archived" not in page
    assert Asset.objects.get().archived_at is not None
    assert "Fix the process first" in text(
        teammate_client.get("/marketing/assets/", {"archived": "yes"})
    )

    teammate_client.post(f"/marketing/assets/{asset.pk}/restore/")

    assert Asset.objects.get().archived_at is None
    page = text(teammate_client.get("/marketing/assets/"))
    assert "Fix the process first" in page and "Undo" not in page


def test_archiving_is_a_post_only(teammate_client):
    asset = make_asset()
    assert teammate_client.get(f"/marketing/assets/{asset.pk}/archive/").status_code == 405
    assert Asset.objects.get().archived_at is None


# --- hostile text -----------------------------------------------------------------------


def test_naughty_strings_through_every_field_never_break_a_page(teammate_client):
    strings = [s for s in json.loads(BLNS.read_text("utf-8")) if s.strip()]
    for string in strings:
        response = teammate_client.post(
            "/marketing/assets/new/",
            {
                "kind": "article",
                "title": string,
                "url": string,
                "topics": string,
                "published_on": string,
                "summary": string,
            },
        )
        assert response.status_code == 422, string  # the URL or the date is refused
        assert escape(string.strip()) in response.content.decode() or "\x00" in string
        # Valid URL and date: the text fields alone decide.
        response = teammate_client.post(
            "/marketing/assets/new/",
            form_data(title=string, topics=string, summary=string, q=string),
        )
        assert response.status_code in (302, 422), string
    saved = Asset.objects.count()
    assert saved > len(strings) / 2
    for page_number in range(1, saved // PAGE_SIZE + 2):
        response = teammate_client.get("/marketing/assets/", {"page": page_number})
        assert response.status_code == 200
        assert "<script>alert" not in response.content.decode()
    for string in strings:
        response = teammate_client.get("/marketing/assets/", {"q": string})
        assert response.status_code == 200, string
    assert teammate_client.get("/marketing/").status_code == 200
