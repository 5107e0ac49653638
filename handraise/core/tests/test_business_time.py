"""The business's wall clock: today and this moment in its time zone, not in UTC."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from handraise.accounts.models import BusinessSettings
from handraise.core.clock import (
    business_date,
    business_now,
    business_time,
    business_today,
    business_zone,
)

pytestmark = pytest.mark.unit

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
TOKYO = ZoneInfo("Asia/Tokyo")
# Half past midnight in UTC is still the previous afternoon in Los Angeles (PDT, UTC-7).
JUST_AFTER_MIDNIGHT_UTC = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)
# Half past eleven at night in UTC is already the next morning in Tokyo (UTC+9).
JUST_BEFORE_MIDNIGHT_UTC = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)


@pytest.fixture
def frozen(monkeypatch):
    """Freeze Django's clock (and so Handraise's) at a given moment."""

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


def set_business_zone(name: str) -> None:
    BusinessSettings.load()
    BusinessSettings.objects.filter(pk=1).update(time_zone=name)


def test_just_after_midnight_utc_is_still_yesterday_in_los_angeles():
    assert business_date(JUST_AFTER_MIDNIGHT_UTC, zone=LOS_ANGELES) == date(2026, 3, 9)


def test_just_before_midnight_utc_is_already_tomorrow_in_tokyo():
    assert business_date(JUST_BEFORE_MIDNIGHT_UTC, zone=TOKYO) == date(2026, 3, 11)


def test_business_time_is_the_same_moment_on_the_business_wall_clock():
    local = business_time(JUST_AFTER_MIDNIGHT_UTC, zone=LOS_ANGELES)
    assert local == JUST_AFTER_MIDNIGHT_UTC
    assert (local.day, local.hour, local.minute) == (9, 17, 30)
    assert local.tzinfo == LOS_ANGELES


@pytest.mark.django_db
def test_business_today_is_the_date_in_the_business_zone(frozen):
    set_business_zone("America/Los_Angeles")
    frozen(JUST_AFTER_MIDNIGHT_UTC)
    assert business_today() == date(2026, 3, 9)

    set_business_zone("Asia/Tokyo")
    frozen(JUST_BEFORE_MIDNIGHT_UTC)
    assert business_today() == date(2026, 3, 11)


@pytest.mark.django_db
def test_business_now_is_now_on_the_business_wall_clock(frozen):
    set_business_zone("Asia/Tokyo")
    frozen(JUST_BEFORE_MIDNIGHT_UTC)
    local = business_now()
    assert local == JUST_BEFORE_MIDNIGHT_UTC
    assert (local.date(), local.hour, local.minute) == (date(2026, 3, 11), 8, 30)
    assert local.tzinfo == TOKYO


@pytest.mark.django_db
def test_the_zone_comes_from_the_business_settings():
    set_business_zone("America/Los_Angeles")
    assert business_zone() == LOS_ANGELES


@pytest.mark.django_db
def test_a_caller_that_has_the_zone_saves_the_query(frozen, django_assert_num_queries):
    BusinessSettings.load()
    frozen(JUST_AFTER_MIDNIGHT_UTC)
    with django_assert_num_queries(0):
        assert business_today(zone=LOS_ANGELES) == date(2026, 3, 9)
        assert business_now(zone=LOS_ANGELES).tzinfo == LOS_ANGELES
    with django_assert_num_queries(1):
        assert business_today() == date(2026, 3, 10)  # the default zone, Europe/London
