"""The Django admin as a whole: every model is there, opens for the owner, and only for staff."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.urls import reverse

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
REGISTERED_IDS = [model._meta.label for model, _ in REGISTERED]
PROJECT_APPS = ["core", "accounts", "contacts", "marketing", "enquiries", "sales", "insights"]
PROJECT_REGISTERED = [(m, a) for m, a in REGISTERED if m._meta.app_label in PROJECT_APPS]
PROJECT_IDS = [model._meta.label for model, _ in PROJECT_REGISTERED]


def admin_url(model, view: str) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}")


@pytest.mark.unit
@pytest.mark.parametrize("app_label", PROJECT_APPS)
def test_every_project_model_is_registered(app_label):
    missing = [
        model._meta.label
        for model in apps.get_app_config(app_label).get_models()
        if model not in admin.site._registry
    ]
    assert missing == []


@pytest.mark.unit
@pytest.mark.parametrize(("model", "model_admin"), PROJECT_REGISTERED, ids=PROJECT_IDS)
def test_admin_form_shows_every_editable_field(rf, admin_user, model, model_admin):
    request = rf.get("/")
    request.user = admin_user
    shown = set(flatten_fieldsets(model_admin.get_fieldsets(request)))
    editable = {f.name for f in model._meta.get_fields() if f.concrete and f.editable}

    assert editable - shown - {model._meta.pk.name} == set()


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=REGISTERED_IDS)
def test_owner_opens_the_changelist(owner_client, model, model_admin):
    response = owner_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=REGISTERED_IDS)
def test_owner_opens_the_add_page_unless_adding_is_refused(
    owner_client, owner, rf, model, model_admin
):
    request = rf.get("/")
    request.user = owner

    response = owner_client.get(admin_url(model, "add"))

    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.integration
@pytest.mark.django_db
def test_owner_opens_the_admin_index_listing_every_project_app(owner_client):
    response = owner_client.get(reverse("admin:index"))

    assert response.status_code == 200
    for app_label in PROJECT_APPS:
        assert reverse("admin:app_list", args=[app_label]).encode() in response.content


@pytest.mark.integration
@pytest.mark.django_db
def test_teammate_is_sent_to_the_admin_login(teammate_client):
    response = teammate_client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.integration
@pytest.mark.django_db
def test_teammate_cannot_open_a_changelist(teammate_client):
    response = teammate_client.get(reverse("admin:enquiries_enquiry_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
