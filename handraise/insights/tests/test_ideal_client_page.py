"""The ideal client profile's page: owners edit it, teammates read it, every fit follows it."""

import json
from pathlib import Path

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from handraise.contacts.models import Organisation
from handraise.enquiries.fit_scores import rescore_enquiries
from handraise.enquiries.models import Enquiry
from handraise.insights.models import IdealClientProfile
from handraise.testing.factories import make_enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

BLNS = Path(__file__).resolve().parents[3] / "tests" / "data" / "blns.json"
URL = "/settings/ideal-client/"

PROFILE = {
    "name": "Operations businesses",
    "description": "Owner-managed firms",
    "industries": "Manufacturing\nLogistics",
    "min_employees": "20",
    "max_employees": "200",
    "regions": "gb, IE",
    "min_deal_value": "8000",
    "keywords": "lead time\nbacklog",
}


def test_the_url_is_the_named_one():
    assert reverse("ideal-client") == URL


def test_an_owner_saves_the_profile_with_its_lists(owner_client):
    response = owner_client.post(URL, PROFILE)
    assert response.status_code == 302
    profile = IdealClientProfile.objects.get()
    assert profile.industries == ["Manufacturing", "Logistics"]
    assert profile.regions == ["GB", "IE"]
    assert profile.keywords == ["lead time", "backlog"]
    assert (profile.min_employees, profile.max_employees) == (20, 200)


def test_saving_queues_one_rescore_of_every_enquiry(
    owner_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(URL, PROFILE)
    assert DBTaskResult.objects.filter(task_path__endswith="rescore_fit").count() == 1


def test_a_profile_change_rescores_every_enquiry(owner_client):
    organisation = Organisation.objects.create(name="Acme", industry="Manufacturing", employees=81)
    fitting = make_enquiry("Ann Lee", message="Our lead time is slipping")
    fitting.contact.organisation = organisation
    fitting.contact.save()
    other = make_enquiry("Ben Hall", message="A logo, please")
    owner_client.post(URL, PROFILE)
    assert rescore_enquiries(batch_size=1) == 2  # what the queued task runs, a row per batch
    fitting.refresh_from_db()
    other.refresh_from_db()
    # sector 35 + size 30 + region 7.5 (not stated) + budget 5 (not stated) + keywords 10
    assert fitting.fit_score == 88
    assert fitting.fit_reasons.startswith("manufacturing: a target sector; 81 people: inside")
    assert other.fit_score == 45  # 17.5 + 15 + 7.5 + 5 + 0
    owner_client.post(URL, {**PROFILE, "industries": "Retail"})
    rescore_enquiries()
    fitting.refresh_from_db()
    assert fitting.fit_score == 53
    assert "manufacturing: not a target sector" in fitting.fit_reasons


def test_the_queued_task_runs_the_rescore(
    owner_client, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    enquiry = make_enquiry(message="backlog")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(URL, {"name": "Words only", "keywords": "backlog"})
    enquiry.refresh_from_db()
    assert (enquiry.fit_score, enquiry.fit_reasons) == (100, "mentions “backlog”")


def test_sizes_the_wrong_way_round_are_refused_and_the_typing_kept(owner_client):
    response = owner_client.post(URL, {**PROFILE, "min_employees": "300"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "The largest size must be at least the smallest." in page
    assert "Operations businesses" in page
    assert not IdealClientProfile.objects.exists()


def test_a_bad_country_code_is_named(owner_client):
    response = owner_client.post(URL, {**PROFILE, "regions": "GB, England"})
    assert response.status_code == 422
    assert "not recognised: ENGLAND" in response.content.decode()


def test_a_teammate_reads_the_profile_but_cannot_change_it(teammate_client, owner_client):
    owner_client.post(URL, PROFILE)
    page = teammate_client.get(URL)
    assert page.status_code == 200
    assert "Only an owner can change the profile." in page.content.decode()
    assert "Manufacturing, Logistics" in page.content.decode()
    refused = teammate_client.post(URL, {**PROFILE, "name": "Changed"})
    assert refused.status_code == 403
    assert IdealClientProfile.objects.get().name == "Operations businesses"


def test_an_outsider_sees_nothing(outsider_client):
    response = outsider_client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert outsider_client.post(URL, PROFILE).status_code == 302
    assert not IdealClientProfile.objects.exists()


def test_hostile_strings_through_every_field_never_crash_and_show_escaped(owner_client):
    strings = json.loads(BLNS.read_text("utf-8"))
    make_enquiry(message="backlog")
    for value in strings:
        fields = {
            "name": value or "x",
            "description": value,
            "industries": value,
            "keywords": value,
            "regions": value,
            "min_employees": value,
            "max_employees": value,
            "min_deal_value": value,
        }
        response = owner_client.post(URL, fields)
        assert response.status_code in (302, 422), value
        if response.status_code == 422:
            assert "<script>alert" not in response.content.decode()
    # The text fields in a form that is otherwise valid: kept, or refused with a reason.
    for value in strings:
        text_fields = {"name": value or "x", "description": value, "industries": value}
        response = owner_client.post(URL, {**PROFILE, **text_fields, "keywords": value})
        assert response.status_code in (302, 422), value
        if response.status_code == 302 and "<" in value:
            page = owner_client.get(URL)
            assert page.status_code == 200
            assert "<script>alert(" not in page.content.decode()
    rescore_enquiries()
    assert Enquiry.objects.get().fit_reasons
