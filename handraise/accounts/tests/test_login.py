"""Signing in and out through the login page, as a person with a browser would."""

import pytest
from django.urls import reverse

from handraise.accounts.models import BusinessSettings

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_login_page_shows_a_labelled_form(outsider_client):
    response = outsider_client.get(reverse("login"))

    assert response.status_code == 200
    assert b'<label for="id_username">' in response.content
    assert b'<label for="id_password">' in response.content


def test_good_credentials_land_on_home_showing_the_business_name(outsider_client, teammate):
    BusinessSettings.objects.filter(pk=1).update(name="Fernhill Studio")

    response = outsider_client.post(
        reverse("login"),
        {"username": "teammate", "password": "teammate-pass-123"},
        follow=True,
    )

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert b"Fernhill Studio" in response.content
    assert outsider_client.session["_auth_user_id"] == str(teammate.pk)


def test_bad_credentials_show_an_error_and_start_no_session(outsider_client, teammate):
    response = outsider_client.post(
        reverse("login"), {"username": "teammate", "password": "wrong-password"}
    )

    assert response.status_code == 200
    assert b'role="alert"' in response.content
    assert b"Please enter a correct username and password" in response.content
    assert "_auth_user_id" not in outsider_client.session


def test_login_returns_to_the_page_that_asked_for_it(outsider_client, teammate):
    response = outsider_client.post(
        reverse("login"),
        {"username": "teammate", "password": "teammate-pass-123", "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"


def test_login_refuses_to_return_to_another_site(outsider_client, teammate):
    response = outsider_client.post(
        reverse("login"),
        {"username": "teammate", "password": "teammate-pass-123", "next": "https://evil.test/"},
    )

    assert response["Location"] == reverse("home")


def test_signed_in_user_opening_login_goes_home(teammate_client):
    response = teammate_client.get(reverse("login"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_logout_by_post_ends_the_session_and_shows_login(teammate_client):
    response = teammate_client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in teammate_client.session
    assert teammate_client.get(reverse("home")).status_code == 302


def test_logout_by_get_is_refused_and_keeps_the_session(teammate_client, teammate):
    response = teammate_client.get(reverse("logout"))

    assert response.status_code == 405
    assert teammate_client.session["_auth_user_id"] == str(teammate.pk)


def test_every_signed_in_page_offers_a_logout_button_with_csrf(teammate_client):
    response = teammate_client.get(reverse("home"))

    assert f'action="{reverse("logout")}"'.encode() in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content
