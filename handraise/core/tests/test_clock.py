"""Business-hours deadlines and business days: weekends, public holidays, lunch breaks and DST."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from handraise.core.clock import BusinessCalendar

pytestmark = pytest.mark.unit

LONDON = ZoneInfo("Europe/London")
NINE_TO_FIVE_THIRTY = {day: ((time(9), time(17, 30)),) for day in range(5)}


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def calendar(**kwargs) -> BusinessCalendar:
    options = {
        "zone": LONDON,
        "windows": NINE_TO_FIVE_THIRTY,
        "holiday_country": "GB",
        "holiday_subdivision": "ENG",
    }
    options.update(kwargs)
    return BusinessCalendar(**options)


def test_deadline_within_the_same_business_day():
    due = calendar().add_business_minutes(london(2026, 11, 25, 10, 0), 60)
    assert due == london(2026, 11, 25, 11, 0)


def test_friday_afternoon_enquiry_is_due_on_monday_morning():
    due = calendar().add_business_minutes(london(2026, 11, 27, 17, 0), 60)
    assert due == london(2026, 11, 30, 9, 30)


def test_saturday_enquiry_clock_starts_on_monday_opening():
    due = calendar().add_business_minutes(london(2026, 11, 28, 12, 0), 60)
    assert due == london(2026, 11, 30, 10, 0)


def test_christmas_and_boxing_day_are_skipped():
    # Thursday 24 Dec 2026 16:30: one hour left that day, then 25th (Fri) is Christmas,
    # the weekend, and Monday 28th is the Boxing Day substitute holiday.
    due = calendar().add_business_minutes(london(2026, 12, 24, 16, 30), 120)
    assert due == london(2026, 12, 29, 10, 0)


def test_without_a_holiday_country_christmas_is_a_working_day():
    due = calendar(holiday_country="").add_business_minutes(london(2026, 12, 24, 17, 0), 60)
    assert due == london(2026, 12, 25, 9, 30)


def test_lunch_break_is_not_business_time():
    windows = {day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)}
    due = calendar(windows=windows).add_business_minutes(london(2026, 11, 25, 11, 30), 60)
    assert due == london(2026, 11, 25, 13, 30)


def test_dst_change_keeps_local_opening_time():
    # Clocks go back on Sunday 25 Oct 2026: Friday 17:00 BST + 60 min is Monday 09:30 GMT.
    due = calendar().add_business_minutes(london(2026, 10, 23, 17, 0), 60)
    assert due == london(2026, 10, 26, 9, 30)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 9, 30, tzinfo=UTC)


def test_window_across_a_dst_change_counts_real_minutes():
    # A 24-hour business in New York on the night the clocks go back (1 Nov 2026):
    # 00:30 EDT + 120 real minutes is 01:30 EST (the second 1:30).
    all_day = {day: ((time(0), time(23, 59, 59)),) for day in range(7)}
    cal = BusinessCalendar(zone=ZoneInfo("America/New_York"), windows=all_day)
    start = datetime(2026, 11, 1, 0, 30, tzinfo=ZoneInfo("America/New_York"))
    due = cal.add_business_minutes(start, 120)
    assert due - start.astimezone(UTC) == datetime(2026, 1, 1, 2) - datetime(2026, 1, 1)


def test_no_opening_hours_falls_back_to_plain_minutes():
    cal = calendar(windows={})
    assert cal.add_business_minutes(london(2026, 11, 28, 12, 0), 30) == london(2026, 11, 28, 12, 30)


def test_business_minutes_between_skips_the_weekend():
    minutes = calendar().business_minutes_between(
        london(2026, 11, 27, 17, 0), london(2026, 11, 30, 9, 30)
    )
    assert minutes == 60


def test_business_minutes_between_is_zero_when_end_precedes_start():
    cal = calendar()
    assert cal.business_minutes_between(london(2026, 11, 25, 12), london(2026, 11, 25, 11)) == 0


@pytest.mark.django_db
def test_for_business_reads_the_default_hours_from_the_database():
    cal = BusinessCalendar.for_business()
    assert cal.zone == LONDON
    assert sorted(cal.windows) == [0, 1, 2, 3, 4]
    assert cal.windows[0] == ((time(9), time(17, 30)),)


# --- business days (cadence steps) --------------------------------------------------------


def test_a_business_day_later_keeps_the_time_of_day():
    assert calendar().add_business_days(london(2026, 11, 25, 11), 1) == london(2026, 11, 26, 11)


def test_business_days_skip_the_weekend():
    friday = london(2026, 11, 27, 11)
    assert calendar().add_business_days(friday, 1) == london(2026, 11, 30, 11)
    assert calendar().add_business_days(friday, 5) == london(2026, 12, 4, 11)


def test_business_days_skip_public_holidays():
    # Christmas (Fri 25 Dec 2026), the weekend, then the Boxing Day substitute (Mon 28th).
    christmas_eve = london(2026, 12, 24, 11)
    assert calendar().add_business_days(christmas_eve, 1) == london(2026, 12, 29, 11)
    without_holidays = calendar(holiday_country="").add_business_days(christmas_eve, 1)
    assert without_holidays == london(2026, 12, 25, 11)


def test_business_days_across_the_clocks_going_back_keep_local_time():
    # Friday 23 Oct 2026 11:00 BST is 10:00 UTC; the clocks go back on Sunday 25th, so
    # Monday's 11:00 is GMT, 11:00 UTC: the local time holds, the UTC offset moves.
    due = calendar().add_business_days(london(2026, 10, 23, 11), 1)
    assert due == london(2026, 10, 26, 11)
    assert due.astimezone(UTC) == datetime(2026, 10, 26, 11, tzinfo=UTC)


def test_a_business_day_that_is_the_day_the_clocks_go_forward():
    every_day = {day: ((time(9), time(17, 30)),) for day in range(7)}
    # Saturday 28 Mar 2026 11:00 GMT; Sunday 29th starts in GMT and ends in BST.
    due = calendar(windows=every_day).add_business_days(london(2026, 3, 28, 11), 1)
    assert due == london(2026, 3, 29, 11)
    assert due.astimezone(UTC) == datetime(2026, 3, 29, 10, tzinfo=UTC)


def test_after_closing_a_business_day_later_is_that_days_first_opening():
    assert calendar().add_business_days(london(2026, 11, 25, 19), 1) == london(2026, 11, 26, 9)


def test_before_opening_a_business_day_later_is_that_days_opening():
    assert calendar().add_business_days(london(2026, 11, 25, 7), 1) == london(2026, 11, 26, 9)


def test_in_the_lunch_break_a_business_day_later_is_the_afternoon_opening():
    windows = {day: ((time(9), time(12)), (time(13), time(17))) for day in range(5)}
    due = calendar(windows=windows).add_business_days(london(2026, 11, 25, 12, 15), 1)
    assert due == london(2026, 11, 26, 13)


def test_day_zero_is_the_start_itself_even_at_night():
    night = london(2026, 11, 28, 23, 45)  # a Saturday
    assert calendar().add_business_days(night, 0) == night


def test_without_opening_hours_business_days_are_plain_days():
    saturday = london(2026, 10, 24, 11)
    due = calendar(windows={}).add_business_days(saturday, 3)
    assert due == saturday + timedelta(days=3)


def test_business_days_land_in_the_business_zone():
    start = datetime(2026, 11, 25, 11, tzinfo=UTC)
    assert calendar().add_business_days(start, 1).tzinfo == LONDON
