"""Business settings in the admin: one row, edited in place, never added twice or deleted."""

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.urls import reverse

from handraise.accounts.models import BusinessSettings

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_business_settings_cannot_be_added_while_one_exists(owner_client):
    response = owner_client.get(reverse("admin:accounts_businesssettings_add"))

    assert response.status_code == 403
    assert BusinessSettings.objects.count() == 1


def test_business_settings_cannot_be_deleted(owner_client):
    response = owner_client.post(
        reverse("admin:accounts_businesssettings_delete", args=[1]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert BusinessSettings.objects.filter(pk=1).exists()


def test_business_settings_can_be_added_when_missing(rf, owner):
    # Signed-in requests recreate the row, so this is checked on the admin directly.
    BusinessSettings.objects.all().delete()
    request = rf.get("/")
    request.user = owner

    assert admin.site._registry[BusinessSettings].has_add_permission(request)


def form_data(settings: BusinessSettings, **changes) -> dict:
    """The change form as the admin would post it back, with some fields changed."""
    data = {k: v for k, v in model_to_dict(settings).items() if v is not None}
    return {**data, **changes}


def test_owner_renames_the_business(owner_client):
    response = owner_client.post(
        reverse("admin:accounts_businesssettings_change", args=[1]),
        form_data(BusinessSettings.load(), name="Fernhill Studio", response_target_minutes=90),
    )

    assert response.status_code == 302
    settings = BusinessSettings.load()
    assert (settings.name, settings.response_target_minutes) == ("Fernhill Studio", 90)


def test_invalid_time_zone_is_refused_with_a_message(owner_client):
    response = owner_client.post(
        reverse("admin:accounts_businesssettings_change", args=[1]),
        form_data(BusinessSettings.load(), time_zone="Mars/Olympus"),
    )

    assert response.status_code == 200
    assert b"is not a time zone" in response.content
    assert BusinessSettings.load().time_zone != "Mars/Olympus"
