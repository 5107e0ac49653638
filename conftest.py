"""Fixtures every suite shares: the three users every test suite knows.

The owner runs the business (staff, may change settings), the teammate works
deals and enquiries, and the outsider is anybody without an account, who must
see nothing but the public intake.
"""

import pytest
from django.test import Client


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
