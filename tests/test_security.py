"""The security pass: CSRF on every state-changing form, headers, login throttling,
and secrets that never reach the logs."""

import logging

import pytest
from django.test import Client

from tests.test_login_required import PROTECTED

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def csrf_checking_owner(owner) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client


@pytest.mark.parametrize("endpoint", PROTECTED, ids=lambda e: e.url)
def test_every_post_without_a_csrf_token_is_refused(csrf_checking_owner, endpoint):
    response = csrf_checking_owner.post(endpoint.url, {"name": "x"})
    # 403: CSRF refused. 405: the page takes no POST at all. Nothing else may happen.
    assert response.status_code in (403, 405), (endpoint.url, response.status_code)


def test_pages_carry_the_security_headers(owner_client):
    response = owner_client.get("/inbox/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_public_form_page_carries_the_policy_too(outsider_client):
    assert "script-src 'self'" in outsider_client.get("/f/contact/")["Content-Security-Policy"]


def test_session_and_csrf_cookies_are_http_only_or_secure_as_configured(settings):
    assert settings.SESSION_COOKIE_HTTPONLY is True
    assert settings.DEBUG is False


def test_repeated_wrong_passwords_are_throttled_even_with_the_right_one(owner, settings):
    settings.LOGIN_RATE_LIMIT = "3/5m"
    client = Client(REMOTE_ADDR="203.0.113.50")
    for _ in range(3):
        response = client.post("/login/", {"username": "owner", "password": "wrong"})
        assert response.status_code == 200
    blocked = client.post("/login/", {"username": "owner", "password": "owner-pass-123"})
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.content.decode()
    assert "_auth_user_id" not in client.session


def test_one_account_is_throttled_across_addresses(owner, settings):
    settings.LOGIN_RATE_LIMIT = "3/5m"
    for i in range(3):
        Client(REMOTE_ADDR=f"203.0.113.{i}").post(
            "/login/", {"username": "owner", "password": "wrong"}
        )
    response = Client(REMOTE_ADDR="203.0.113.99").post(
        "/login/", {"username": "OWNER", "password": "owner-pass-123"}
    )
    assert response.status_code == 429


def test_passwords_and_the_secret_key_never_reach_the_logs(owner, caplog, settings, mail_server):
    from handraise.core import outbox

    caplog.set_level(logging.DEBUG)
    Client().post("/login/", {"username": "owner", "password": "hunter2-secret-guess"})
    mail_server.stop()
    email = outbox.queue_email(key="k", kind="t", to="a@example.com", subject="s", body="b")
    outbox.send_email(email_id=email.pk)
    logged = caplog.text
    assert "hunter2-secret-guess" not in logged
    assert settings.SECRET_KEY not in logged
    assert "Email" in logged  # the failure itself is logged, without secrets
