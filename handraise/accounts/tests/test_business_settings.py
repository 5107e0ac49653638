import pytest
from django.core.exceptions import ValidationError

from handraise.accounts.models import BusinessHours, BusinessSettings

pytestmark = [pytest.mark.unit, pytest.mark.django_db]


def test_a_new_installation_has_settings_and_weekday_hours():
    business = BusinessSettings.load()
    assert business.time_zone == "Europe/London"
    assert business.response_target_minutes == 60
    assert sorted(BusinessHours.objects.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Mars/Olympus"),
        ("default_phone_region", "XX"),
        ("holiday_country", "ZZ"),
        ("holiday_subdivision", "NOPE"),
        ("response_target_minutes", 0),
        ("currency", "pounds"),
    ],
)
def test_settings_that_cannot_work_are_refused(field, value):
    business = BusinessSettings.load()
    setattr(business, field, value)
    with pytest.raises(ValidationError) as error:
        business.full_clean()
    assert field in error.value.message_dict


def test_closing_before_opening_is_refused():
    with pytest.raises(ValidationError):
        BusinessHours(weekday=5, opens="17:00", closes="09:00").full_clean()
