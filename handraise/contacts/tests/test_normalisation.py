import pytest
from django.core.exceptions import ValidationError

from handraise.contacts.normalisation import normalise_email, normalise_phone

pytestmark = pytest.mark.unit


def test_email_is_trimmed_and_lower_cased():
    assert normalise_email("  Ann.Lee@Example.COM ") == "ann.lee@example.com"


@pytest.mark.parametrize("raw", ["", "ann", "ann@", "@example.com", "ann@@example.com", "a b@x.io"])
def test_email_that_is_not_an_email_is_refused(raw):
    with pytest.raises(ValidationError):
        normalise_email(raw)


def test_national_phone_number_is_read_in_the_business_region():
    assert normalise_phone("020 7946 0123", region="GB") == "+442079460123"


def test_international_phone_number_ignores_the_region():
    assert normalise_phone("+1 (212) 555-0100", region="GB") == "+12125550100"


@pytest.mark.parametrize("raw", ["", "hello", "12", "+44 12"])
def test_phone_that_is_not_a_phone_is_refused(raw):
    with pytest.raises(ValidationError):
        normalise_phone(raw, region="GB")
