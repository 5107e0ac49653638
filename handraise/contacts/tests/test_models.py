"""What the database must never hold, refused by model validation and by the database."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from handraise.contacts.models import Contact, ContactEmail, ContactPhone

pytestmark = [pytest.mark.unit, pytest.mark.django_db]


@pytest.fixture
def contact():
    return Contact.objects.create(name="Ann Lee")


def test_model_validation_refuses_an_email_that_is_not_an_email(contact):
    with pytest.raises(ValidationError) as error:
        ContactEmail(contact=contact, email="not-an-email").full_clean()
    assert "email" in error.value.message_dict


def test_model_validation_refuses_an_email_that_is_not_lower_case(contact):
    with pytest.raises(ValidationError):
        ContactEmail(contact=contact, email="Ann@Example.com").full_clean()


def test_database_refuses_an_email_without_at_sign_even_when_validation_is_skipped(contact):
    with pytest.raises(IntegrityError):
        ContactEmail.objects.create(contact=contact, email="not-an-email")


def test_database_refuses_an_upper_case_email(contact):
    with pytest.raises(IntegrityError):
        ContactEmail.objects.create(contact=contact, email="Ann@example.com")


def test_an_email_belongs_to_one_contact_only(contact):
    ContactEmail.objects.create(contact=contact, email="ann@example.com")
    other = Contact.objects.create(name="Someone Else")
    with pytest.raises(IntegrityError):
        ContactEmail.objects.create(contact=other, email="ann@example.com")


def test_a_contact_can_have_several_emails_and_phones(contact):
    ContactEmail.objects.create(contact=contact, email="ann@example.com", is_primary=True)
    ContactEmail.objects.create(contact=contact, email="ann.lee@example.org")
    ContactPhone.objects.create(contact=contact, number="+442079460123")
    ContactPhone.objects.create(contact=contact, number="+447700900123", label="mobile")
    assert contact.emails.count() == 2 and contact.phones.count() == 2
    assert contact.primary_email == "ann@example.com"


def test_model_validation_refuses_a_phone_not_in_e164(contact):
    with pytest.raises(ValidationError):
        ContactPhone(contact=contact, number="020 7946 0123").full_clean()


def test_database_refuses_a_phone_without_country_code(contact):
    with pytest.raises(IntegrityError):
        ContactPhone.objects.create(contact=contact, number="02079460123")
