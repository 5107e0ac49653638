"""The one place Handraise reads the time and does business-hours arithmetic.

Everything that needs "now" calls ``now()`` so time zones, the response clock
and tests that freeze time all agree. What the business's own wall clock says
comes from here too: ``business_now()`` and ``business_today()`` are this moment
and today in the business's time zone, ``business_time(moment)`` and
``business_date(moment)`` the same for any moment. Each reads the zone from the
business's settings, or takes ``zone=`` from a caller that already holds it (a
request's ``request.business``, a ``BusinessCalendar``) to save the query.

``BusinessCalendar`` turns "60 business minutes after this enquiry arrived" or
"three business days after enrolment" into a moment, from the business's time
zone, opening hours and public holidays (the ``holidays`` package). Minutes are
counted in UTC so a window that spans a daylight-saving change counts the
minutes that really pass; days are counted on the local calendar, so a moment
some business days later keeps its local time of day across the change. This
module knows nothing of enquiries, deals or cadences.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

from handraise.accounts.models import BusinessHours, BusinessSettings

# A business with hours configured has a working window (and a working day) within
# this many days, even across the longest holiday season; past it we stop looking.
_SEARCH_DAYS = 400


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return timezone.now()


def business_zone() -> ZoneInfo:
    """The business's time zone, from its settings (one small query)."""
    return BusinessSettings.load().zone


def business_time(moment: datetime, *, zone: ZoneInfo | None = None) -> datetime:
    """``moment`` as the business's wall clock shows it (aware, in its zone)."""
    return moment.astimezone(zone or business_zone())


def business_date(moment: datetime, *, zone: ZoneInfo | None = None) -> date:
    """The business's date at ``moment``: 17:30 in Los Angeles is still that day
    there, although it is already the next day in UTC."""
    return business_time(moment, zone=zone).date()


def business_now(*, zone: ZoneInfo | None = None) -> datetime:
    """This moment on the business's wall clock (aware, in its zone)."""
    return business_time(now(), zone=zone)


def business_today(*, zone: ZoneInfo | None = None) -> date:
    """Today at the business: the date its next steps are due and overdue against."""
    return business_date(now(), zone=zone)


@dataclass(frozen=True)
class BusinessCalendar:
    zone: ZoneInfo
    # weekday (Monday = 0) -> opening windows in local time, sorted
    windows: dict[int, tuple[tuple[time, time], ...]]
    holiday_country: str = ""
    holiday_subdivision: str = ""

    @classmethod
    def for_business(cls) -> "BusinessCalendar":
        """The calendar of this installation's business (two small queries)."""
        business = BusinessSettings.load()
        windows: dict[int, list[tuple[time, time]]] = {}
        for row in BusinessHours.objects.order_by("weekday", "opens"):
            windows.setdefault(row.weekday, []).append((row.opens, row.closes))
        return cls(
            zone=business.zone,
            windows={day: tuple(spans) for day, spans in windows.items()},
            holiday_country=business.holiday_country,
            holiday_subdivision=business.holiday_subdivision,
        )

    def is_holiday(self, day: date) -> bool:
        if not self.holiday_country:
            return False
        return day in _holidays(self.holiday_country, self.holiday_subdivision)

    def is_business_day(self, day: date) -> bool:
        return bool(self.windows.get(day.weekday())) and not self.is_holiday(day)

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """The moment ``days`` business days after ``start`` (aware).

        Day 0 is ``start`` itself. Later days are counted on the business's local
        calendar, skipping closed weekdays and public holidays; the moment, in the
        business's zone, is at ``start``'s local time of day if the business is open
        then, or else at that day's next opening (its first, when the time is after
        closing), so it never falls at night. Without opening hours, business days
        are plain days.
        """
        if days == 0:
            return start
        if not self.windows:
            return start + timedelta(days=days)
        local = start.astimezone(self.zone)
        day, counted = local.date(), 0
        for _ in range(_SEARCH_DAYS + days):
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
                if counted == days:
                    break
        wanted = local.time().replace(tzinfo=None)
        return datetime.combine(day, self._open_time(day, wanted), tzinfo=self.zone)

    def _open_time(self, day: date, wanted: time) -> time:
        """``wanted`` if the business is open then on ``day``, else that day's next opening."""
        windows = self.windows.get(day.weekday(), ())
        for opens, closes in windows:
            if opens <= wanted < closes:
                return wanted
        for opens, _ in windows:
            if wanted < opens:
                return opens
        return windows[0][0] if windows else wanted

    def _open_spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Opening windows (UTC) that end after ``start``, in order."""
        day = start.astimezone(self.zone).date()
        for _ in range(_SEARCH_DAYS):
            if self.is_business_day(day):
                for opens, closes in self.windows[day.weekday()]:
                    span_start = datetime.combine(day, opens, tzinfo=self.zone).astimezone(UTC)
                    span_end = datetime.combine(day, closes, tzinfo=self.zone).astimezone(UTC)
                    if span_end > start:
                        yield max(span_start, start), span_end
            day += timedelta(days=1)

    def add_business_minutes(self, start: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` of business time after ``start`` (aware, UTC)."""
        start = start.astimezone(UTC)
        remaining = timedelta(minutes=minutes)
        for span_start, span_end in self._open_spans(start):
            available = span_end - span_start
            if remaining <= available:
                return span_start + remaining
            remaining -= available
        # No opening hours configured: the clock runs on plain time.
        return start + remaining

    def business_minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes elapsed from ``start`` to ``end`` (0 if end is not later)."""
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= start:
            return 0.0
        if not self.windows:
            return (end - start).total_seconds() / 60
        total = timedelta()
        for span_start, span_end in self._open_spans(start):
            if span_start >= end:
                break
            total += min(span_end, end) - span_start
        return total.total_seconds() / 60


def _holidays(country: str, subdivision: str) -> holidays.HolidayBase:
    key = (country, subdivision)
    if key not in _HOLIDAY_CACHE:
        _HOLIDAY_CACHE[key] = holidays.country_holidays(country, subdiv=subdivision or None)
    return _HOLIDAY_CACHE[key]


# The holiday tables are pure data for a (country, subdivision); building one is
# slow enough to matter on every enquiry, so keep them for the process's life.
_HOLIDAY_CACHE: dict[tuple[str, str], holidays.HolidayBase] = {}
