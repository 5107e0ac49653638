"""Changing one's own password, and resetting a forgotten one by email."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from handraise.core.models import OutgoingEmail

NEW_PASSWORD = "a-much-longer-secret-42"


def run_worker() -> None:
    call_command("worker", "--batch", verbosity=0)


def reset_link(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"http://testserver(/password/reset/\S+)", body)[1]


@pytest.mark.integration
@pytest.mark.django_db
def test_every_signed_in_page_links_to_the_password_change(teammate_client):
    response = teammate_client.get(reverse("home"))
    assert f'href="{reverse("password_change")}"'.encode() in response.content


@pytest.mark.integration
@pytest.mark.django_db
def test_login_page_offers_the_reset(outsider_client):
    response = outsider_client.get(reverse("login"))
    assert f'href="{reverse("password_reset")}"'.encode() in response.content
    assert b"Forgot your password?" in response.content


@pytest.mark.integration
@pytest.mark.django_db
def test_teammate_changes_their_own_password_and_stays_signed_in(teammate_client, teammate):
    page = teammate_client.get(reverse("password_change"))
    assert page.status_code == 200
    assert b'<label for="id_old_password">' in page.content

    response = teammate_client.post(
        reverse("password_change"),
        {
            "old_password": "teammate-pass-123",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("password_change_done"), 302)]
    assert b"Password changed" in response.content
    teammate.refresh_from_db()
    assert teammate.check_password(NEW_PASSWORD)
    assert teammate_client.get(reverse("home")).status_code == 200


@pytest.mark.integration
@pytest.mark.django_db
def test_password_change_needs_the_old_password(teammate_client, teammate):
    response = teammate_client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert b'role="alert"' in response.content
    teammate.refresh_from_db()
    assert teammate.check_password("teammate-pass-123")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reset_email_arrives_with_a_link_that_works_once(teammate, mail_server, settings):
    settings.BASE_URL = "http://testserver"
    visitor = Client(REMOTE_ADDR="198.51.100.30")
    response = visitor.post(reverse("password_reset"), {"email": "Teammate@Example.com"})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")

    run_worker()
    [message] = mail_server.to("teammate@example.com")
    assert "Reset your Handraise password" in message["Subject"]
    assert OutgoingEmail.objects.get().kind == "password_reset"
    link = reset_link(message)

    form = visitor.get(link, follow=True)
    assert b'<label for="id_new_password1">' in form.content
    done = visitor.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain[-1][0] == reverse("password_reset_complete")
    teammate.refresh_from_db()
    assert teammate.check_password(NEW_PASSWORD)

    again = Client(REMOTE_ADDR="198.51.100.31").get(link, follow=True)
    assert b"This link does not work" in again.content
    assert b"id_new_password1" not in again.content
    signed_in = Client().post(reverse("login"), {"username": "teammate", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reset_link_uses_the_base_url(teammate, mail_server, settings):
    settings.BASE_URL = "https://crm.example.com"
    Client().post(reverse("password_reset"), {"email": "teammate@example.com"})
    run_worker()

    [message] = mail_server.to("teammate@example.com")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "https://crm.example.com/password/reset/" in body
    assert "testserver" not in body


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_unknown_address_gets_the_same_answer_and_no_email(teammate, mail_server):
    known = Client().post(reverse("password_reset"), {"email": "teammate@example.com"})
    unknown = Client().post(reverse("password_reset"), {"email": "nobody@example.com"})
    run_worker()

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    page_known = Client().get(known["Location"]).content
    page_unknown = Client().get(unknown["Location"]).content
    assert page_known == page_unknown
    assert mail_server.to("nobody@example.com") == []
    assert len(mail_server.messages) == 1


@pytest.mark.integration
@pytest.mark.django_db
def test_reset_requests_are_throttled_for_known_and_unknown_alike(teammate, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/1h"
    for email in ["teammate@example.com", "nobody@example.com"]:
        answers = [
            Client(REMOTE_ADDR=f"198.51.100.{i}")
            .post(reverse("password_reset"), {"email": email})
            .status_code
            for i in range(3)
        ]
        assert answers == [302, 302, 429]

    one_address = Client(REMOTE_ADDR="203.0.113.40")
    answers = [
        one_address.post(reverse("password_reset"), {"email": f"p{i}@example.com"}).status_code
        for i in range(3)
    ]
    assert answers == [302, 302, 429]
