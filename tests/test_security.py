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
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "3/5m"
    for i in range(3):
        Client(REMOTE_ADDR=f"203.0.113.{i}").post(
            "/login/", {"username": "owner", "password": "wrong"}
        )
    response = Client(REMOTE_ADDR="203.0.113.99").post(
        "/login/", {"username": "OWNER", "password": "owner-pass-123"}
    )
    assert response.status_code == 429


def sign_in(client: Client, path: str, username: str, password: str):
    return client.post(path, {"username": username, "password": password})


def test_a_guesser_at_one_address_cannot_lock_out_a_teammate_at_another(teammate, settings):
    settings.LOGIN_RATE_LIMIT = "3/5m"
    guesser = Client(REMOTE_ADDR="203.0.113.66")
    answers = [sign_in(guesser, "/login/", "teammate", f"guess-{i}").status_code for i in range(20)]
    assert answers == [200] * 3 + [429] * 17
    assert sign_in(guesser, "/login/", "teammate", "teammate-pass-123").status_code == 429

    # The teammate, in a browser that never signed in before, at another address.
    colleague = Client(REMOTE_ADDR="198.51.100.7")
    response = sign_in(colleague, "/login/", "teammate", "teammate-pass-123")
    assert response.status_code == 302
    assert colleague.session["_auth_user_id"] == str(teammate.pk)


def test_one_address_is_throttled_across_accounts(owner, teammate, settings):
    settings.LOGIN_ADDRESS_RATE_LIMIT = "5/5m"
    sprayer = Client(REMOTE_ADDR="203.0.113.67")
    for name in ["a", "b", "c", "d", "e"]:
        assert sign_in(sprayer, "/login/", name, "Password1").status_code == 200
    assert sign_in(sprayer, "/login/", "owner", "owner-pass-123").status_code == 429
    assert "_auth_user_id" not in sprayer.session


def test_a_browser_that_signed_in_before_still_signs_in_when_the_account_is_attacked(
    teammate, settings
):
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "3/5m"
    own_browser = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(own_browser, "/login/", "teammate", "teammate-pass-123").status_code == 302
    own_browser.post("/logout/")
    for i in range(10):  # a botnet: every guess from another address
        sign_in(Client(REMOTE_ADDR=f"203.0.113.{i}"), "/login/", "teammate", "guess")

    new_browser = Client(REMOTE_ADDR="198.51.100.8")
    assert sign_in(new_browser, "/login/", "teammate", "teammate-pass-123").status_code == 429
    assert sign_in(own_browser, "/login/", "teammate", "teammate-pass-123").status_code == 302
    assert own_browser.session["_auth_user_id"] == str(teammate.pk)


def test_a_device_cookie_counts_for_its_own_account_only(owner, teammate, settings):
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "3/5m"
    browser = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(browser, "/login/", "teammate", "teammate-pass-123").status_code == 302
    browser.post("/logout/")
    for i in range(3):
        sign_in(Client(REMOTE_ADDR=f"203.0.113.{i}"), "/login/", "owner", "guess")

    assert sign_in(browser, "/login/", "owner", "owner-pass-123").status_code == 429


def test_a_forged_device_cookie_exempts_nobody(teammate, settings):
    settings.LOGIN_ACCOUNT_RATE_LIMIT = "3/5m"
    for i in range(3):
        sign_in(Client(REMOTE_ADDR=f"203.0.113.{i}"), "/login/", "teammate", "guess")
    forger = Client(REMOTE_ADDR="203.0.113.99")
    forger.cookies["handraise_device"] = "teammate:abc"

    assert sign_in(forger, "/login/", "teammate", "teammate-pass-123").status_code == 429


def test_a_browser_that_signed_in_before_is_still_throttled_itself(teammate, settings):
    settings.LOGIN_RATE_LIMIT = "3/5m"
    browser = Client(REMOTE_ADDR="198.51.100.7")
    assert sign_in(browser, "/login/", "teammate", "teammate-pass-123").status_code == 302
    browser.post("/logout/")
    for _ in range(3):
        assert sign_in(browser, "/login/", "teammate", "wrong").status_code == 200

    assert sign_in(browser, "/login/", "teammate", "teammate-pass-123").status_code == 429


def test_admin_login_is_throttled_like_the_login_page(owner):
    client = Client(REMOTE_ADDR="203.0.113.50")
    for i in range(100):
        assert sign_in(client, "/admin/login/", "owner", f"wrong-{i}").status_code in (200, 429)

    response = sign_in(client, "/admin/login/", "owner", "owner-pass-123")
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert sign_in(client, "/login/", "owner", "owner-pass-123").status_code == 429


def test_wrong_passwords_at_the_login_page_count_at_the_admins_too(owner, settings):
    settings.LOGIN_RATE_LIMIT = "3/5m"
    client = Client(REMOTE_ADDR="203.0.113.51")
    for _ in range(3):
        sign_in(client, "/login/", "owner", "wrong")

    assert sign_in(client, "/admin/login/", "owner", "owner-pass-123").status_code == 429
    assert "_auth_user_id" not in client.session


def test_admin_login_still_signs_the_owner_in(owner):
    client = Client(REMOTE_ADDR="203.0.113.52")
    response = sign_in(client, "/admin/login/", "owner", "owner-pass-123")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)


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
