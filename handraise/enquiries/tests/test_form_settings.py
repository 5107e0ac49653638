"""Form settings: the copy-paste snippet, and owners changing what the form asks."""

import html
import re

import pytest
from django.test import Client

from handraise.enquiries.models import Form

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def snippet_of(response) -> str:
    match = re.search(
        r'<textarea id="snippet"[^>]*>(.*?)</textarea>', response.content.decode(), re.S
    )
    return html.unescape(match.group(1))


def test_snippet_is_a_plain_html_form_posting_to_handraise(teammate_client, settings):
    snippet = snippet_of(teammate_client.get("/settings/forms/contact/"))
    assert f'action="{settings.BASE_URL}/f/contact/"' in snippet
    assert 'name="email" type="email"' in snippet and 'name="hr_website"' in snippet
    assert "<script" not in snippet  # the snippet works without JavaScript


def test_the_pasted_snippet_submits_an_enquiry(teammate_client):
    """What a visitor's browser would send from the snippet reaches intake."""
    snippet = snippet_of(teammate_client.get("/settings/forms/contact/"))
    names = set(re.findall(r'name="([a-z_]+)"', snippet))
    assert names == {"name", "email", "phone", "company", "message", "hr_website"}
    values = {"name": "Ann", "email": "ann@example.com", "message": "Hi", "hr_website": ""}
    response = Client().post("/f/contact/", {n: values.get(n, "") for n in names})
    assert response.status_code == 303


def test_owner_hides_a_field_and_the_snippet_follows(owner_client):
    data = {
        "name": "Contact form",
        "thank_you_message": "Thanks!",
        "thank_you_url": "",
        "allowed_origins": "https://www.lee.example/",
        "is_active": "on",
        "field_name": "required",
        "field_email": "required",
        "field_phone": "hidden",
        "field_company": "optional",
        "field_message": "required",
    }
    response = owner_client.post("/settings/forms/contact/", data)
    assert response.status_code == 302
    form = Form.objects.get(slug="contact")
    assert form.fields["phone"] == "hidden"
    assert form.allowed_origins == "https://www.lee.example"
    assert 'name="phone"' not in snippet_of(owner_client.get("/settings/forms/contact/"))


def test_a_form_nobody_could_answer_is_refused(owner_client):
    data = {
        "name": "Contact form",
        "thank_you_message": "Thanks!",
        "is_active": "on",
        "field_name": "required",
        "field_email": "optional",
        "field_phone": "optional",
        "field_company": "optional",
        "field_message": "required",
    }
    response = owner_client.post("/settings/forms/contact/", data)
    assert response.status_code == 422
    assert "must require an email or a phone" in response.content.decode()


def test_teammate_sees_the_snippet_but_cannot_change_the_form(teammate_client):
    page = teammate_client.get("/settings/forms/contact/").content.decode()
    assert "Only an owner can change this form." in page
    response = teammate_client.post("/settings/forms/contact/", {"name": "Hijacked"})
    assert response.status_code == 403
    assert Form.objects.get(slug="contact").name == "Contact form"


def test_form_list_shows_each_form_with_its_address(teammate_client):
    page = teammate_client.get("/settings/forms/").content.decode()
    assert "Contact form" in page and "/f/contact/" in page
