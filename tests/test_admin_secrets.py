"""No admin page gives a secret away through its query string.

An owner (or anyone who takes over an owner's session) could otherwise read every
calendar secret or password hash a character at a time:
``/admin/sales/calendarfeed/?secret__startswith=a``, then ``ab``... The test walks
every registered admin, Django's own included, and every secret field within one
relation of its model.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from handraise.accounts.admin_site import (
    HandraiseAdminSite,
    SecretFieldGuard,
    is_secret_field,
    touches_secret,
)
from handraise.sales.calendar import feed_for_user
from handraise.sales.models import CalendarFeed

REGISTRY = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def secret_paths(model) -> list[str]:
    """Every secret field of the model and of the models one relation away."""
    paths = []
    for field in model._meta.get_fields():
        if is_secret_field(field):
            paths.append(field.name)
        elif field.is_relation and field.related_model is not None:
            paths += [
                f"{field.name}__{related.name}"
                for related in field.related_model._meta.get_fields()
                if is_secret_field(related)
            ]
    return paths


def changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


SECRET_LOOKUPS = [(model, path) for model, _ in REGISTRY for path in secret_paths(model)]


@pytest.mark.unit
def test_the_walk_finds_the_secrets_it_must():
    found = {(model._meta.label, path) for model, path in SECRET_LOOKUPS}
    assert {
        ("sales.CalendarFeed", "secret"),
        ("sales.CalendarFeed", "user__password"),
        ("auth.User", "password"),
        ("auth.User", "calendar_feed__secret"),
    } <= found, found


@pytest.mark.unit
@pytest.mark.parametrize("model", [m for m, _ in REGISTRY], ids=lambda m: m._meta.label)
def test_every_registered_admin_is_guarded(model):
    assert isinstance(admin.site._registry[model], SecretFieldGuard)


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "path"), SECRET_LOOKUPS, ids=[f"{m._meta.label}:{p}" for m, p in SECRET_LOOKUPS]
)
def test_no_query_string_lookup_reaches_a_secret(owner_client, teammate, model, path):
    feed_for_user(user=teammate)
    url = changelist(model)
    for lookup in [path, f"{path}__startswith", f"{path}__regex", f"{path}__isnull"]:
        response = owner_client.get(url, {lookup: "a"})
        assert response.status_code == 400, (url, lookup, response.status_code)


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTRY, ids=lambda x: getattr(x, "__name__", "")
)
def test_no_search_filter_or_ordering_names_a_secret(rf, owner, model, model_admin):
    request = rf.get("/")
    request.user = owner
    named = (
        [f.lstrip("^=@") for f in model_admin.get_search_fields(request)]
        + [
            f if isinstance(f, str) else f[0]
            for f in model_admin.get_list_filter(request)
            if isinstance(f, (str, tuple, list))
        ]
        + [o.lstrip("-") for o in model_admin.get_ordering(request) or () if isinstance(o, str)]
    )
    assert [p for p in named if touches_secret(model, p)] == []


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "model_admin"), REGISTRY, ids=lambda x: getattr(x, "__name__", "")
)
def test_normal_filters_search_and_ordering_still_work(owner_client, owner, model, model_admin):
    url = changelist(model)
    assert owner_client.get(url).status_code == 200
    assert owner_client.get(url, {"q": "x"}).status_code == 200
    assert owner_client.get(url, {"o": "-1"}).status_code == 200
    for entry in model_admin.list_filter:
        if isinstance(entry, str):
            response = owner_client.get(url, {f"{entry}__isnull": "False"})
            assert response.status_code == 200, (url, entry)


@pytest.mark.integration
@pytest.mark.django_db
def test_a_filter_on_an_ordinary_field_still_filters(owner_client, owner, teammate):
    response = owner_client.get(changelist(get_user_model()), {"is_staff__exact": "1"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [owner]


class LeakyCalendarFeedAdmin(admin.ModelAdmin):
    """An admin written carelessly, as a future one might be."""

    list_display = ["user", "secret"]
    search_fields = ["user__username", "secret", "=user__password"]
    list_filter = ["secret", ("user__password", admin.AllValuesFieldListFilter), "created_at"]
    ordering = ["secret", "-created_at"]


@pytest.mark.integration
@pytest.mark.django_db
def test_even_a_careless_admin_cannot_leak_a_secret(rf, owner, teammate):
    feed_for_user(user=teammate)
    feed_for_user(user=owner)
    site = HandraiseAdminSite(name="probe")
    site.register(CalendarFeed, LeakyCalendarFeedAdmin)
    model_admin = site._registry[CalendarFeed]
    request = rf.get("/", {"o": "2.-1"})  # by the secret column, then by user
    request.user = owner

    assert model_admin.get_search_fields(request) == ["user__username"]
    assert model_admin.get_list_filter(request) == ["created_at"]
    assert model_admin.get_ordering(request) == ["-created_at"]
    assert not model_admin.lookup_allowed("secret__startswith", "a", request)
    ordering = model_admin.get_changelist_instance(request).get_ordering(
        request, CalendarFeed.objects.all()
    )
    assert not any("secret" in str(order) for order in ordering), ordering
