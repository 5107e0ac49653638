"""Fixtures every suite shares: the three users every test suite knows.

The owner runs the business (staff, may change settings), the teammate works
deals and enquiries, and the outsider is anybody without an account, who must
see nothing but the public intake.
"""

import asyncio
import email
import email.policy
import logging
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.test import Client


def pytest_configure(config):
    # Deliberately slow password hashing protects real passwords; in tests it only
    # costs time (a user per test). Child processes started by tests keep the real one.
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test mail server notes every connection at INFO, some after pytest has
    # closed the stream logging writes to ("--- Logging error ---" noise in CI).
    logging.getLogger("mail.log").setLevel(logging.WARNING)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """One test's rate-limit counters and cached forms must not leak into the next."""
    from django.core.cache import caches

    from handraise.enquiries.intake import forget_cached_forms
    from handraise.marketing.site_selectors import forget_site

    for cache in caches.all(initialized_only=True):
        cache.clear()
    forget_cached_forms()  # tests change forms and settings directly in the database
    forget_site()


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(
        username="owner",
        email="owner@example.com",
        password="owner-pass-123",
        is_staff=True,
        is_superuser=True,
        first_name="Olive",
    )


@pytest.fixture
def teammate(django_user_model):
    return django_user_model.objects.create_user(
        username="teammate",
        email="teammate@example.com",
        password="teammate-pass-123",
        first_name="Tom",
    )


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def teammate_client(teammate) -> Client:
    client = Client()
    client.force_login(teammate)
    return client


@pytest.fixture
def outsider_client() -> Client:
    return Client()


class MailServer:
    """A real SMTP server on loopback that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.reply_delay = 0.0
        self._lock = threading.Lock()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        if self.reply_delay:
            await asyncio.sleep(self.reply_delay)
        return "250 Message accepted for delivery"

    def delay_replies(self, *, seconds: float) -> None:
        """Keep each message but answer late, as a slow server does."""
        self.reply_delay = seconds

    def start(self) -> None:
        # A stopped controller's event loop is closed; a restart needs a new one.
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list:
        with self._lock:
            return [m for m in self.messages if address in [a.addr_spec for a in m["To"].addresses]]

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"


@pytest.fixture
def mail_server(settings):
    """A running SMTP server, and Django pointed at it."""
    server = MailServer()
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield server
    server.stop()
