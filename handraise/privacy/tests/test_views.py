"""The contact page's export and erase, through HTTP: owners only, and erasing only by POST."""

import pytest
from django.test import Client

from handraise.contacts.models import Contact
from handraise.privacy.models import Erasure
from handraise.privacy.tests.people import make_world
from handraise.sales.tests.reading import text

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def erased(contact: Contact) -> bool:
    return Contact.objects.get(pk=contact.pk).erased_at is not None


def test_an_owner_sees_export_and_erase_on_the_contact_page(owner, owner_client):
    world = make_world(owner)

    page = owner_client.get(f"/contacts/{world.ann.pk}/").content.decode()

    assert f'href="/contacts/{world.ann.pk}/export/"' in page
    assert f'href="/contacts/{world.ann.pk}/erase/"' in page


def test_a_teammate_sees_neither_and_is_refused_both(owner, teammate_client):
    world = make_world(owner)

    page = teammate_client.get(f"/contacts/{world.ann.pk}/").content.decode()
    assert "/export/" not in page and "/erase/" not in page
    assert teammate_client.get(f"/contacts/{world.ann.pk}/erase/").status_code == 403
    assert teammate_client.post(f"/contacts/{world.ann.pk}/erase/").status_code == 403
    assert not erased(world.ann)


def test_the_confirmation_says_what_goes_and_that_it_cannot_be_undone(owner, owner_client):
    world = make_world(owner)

    response = owner_client.get(f"/contacts/{world.ann.pk}/erase/")

    page = text(response)
    assert response.status_code == 200 and "cannot be undone" in page
    assert "2 deals: kept without anything about the person" in page
    assert "1 raw email: deleted" in page and "1 spooled submission file: deleted" in page
    assert not erased(world.ann)  # looking is not erasing


def test_erasing_takes_a_post_with_the_csrf_token(owner):
    world = make_world(owner)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)

    assert browser.post(f"/contacts/{world.ann.pk}/erase/").status_code == 403
    assert not erased(world.ann)

    confirmation = browser.get(f"/contacts/{world.ann.pk}/erase/")
    token = confirmation.cookies["csrftoken"].value
    response = browser.post(f"/contacts/{world.ann.pk}/erase/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert erased(world.ann)


def test_after_erasing_the_contact_list_says_what_was_erased(owner, owner_client):
    world = make_world(owner)

    response = owner_client.post(f"/contacts/{world.ann.pk}/erase/", follow=True)

    page = text(response)
    assert "Erased the person: deleted 1 email address" in page and "cannot be undone" in page
    assert "Ann Lee" not in page
    erasure = Erasure.objects.get()
    assert erasure.erased_by == owner and erasure.via == Erasure.Via.WEB


def test_an_erased_person_can_be_neither_exported_nor_erased_again(owner, owner_client):
    world = make_world(owner)
    owner_client.post(f"/contacts/{world.ann.pk}/erase/")

    assert owner_client.get(f"/contacts/{world.ann.pk}/export/").status_code == 404
    assert owner_client.post(f"/contacts/{world.ann.pk}/erase/").status_code == 404
    page = owner_client.get(f"/contacts/{world.ann.pk}/").content.decode()
    assert "details were erased" in page and "/erase/" not in page
