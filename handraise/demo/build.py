"""What every table's generator shares during one demo build.

``Build`` holds the seed and scale, the year-long window before ``now``, the business's
calendar, stages and outcome reasons, a random stream per table, and the moments people
enquire or visit at. The volumes per unit of scale are here too. It writes nothing but
the business's name; the section modules plan the rows and ``run`` writes them.
"""

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from handraise.accounts.models import BusinessSettings
from handraise.core.clock import BusinessCalendar, business_date
from handraise.demo.words import BUSINESS_NAME, SITE
from handraise.enquiries.models import Form
from handraise.sales.models import OutcomeReason, Stage

# Volumes per unit of scale.
CONTACTS_PER_SCALE = 420
ENQUIRIES_PER_SCALE = 150
TOUCHPOINTS_PER_SCALE = 10_000
OUTBOUND_DEALS_PER_SCALE = 16
PAST_CLIENT_DEALS_PER_SCALE = 4

BATCH = 1000
_WINDOW = timedelta(days=365)


@dataclass
class Build:
    """What every table's generator shares: the seed, the window and the business's rules."""

    seed: int
    scale: int
    now: datetime
    start: datetime
    calendar: BusinessCalendar
    stages: dict[str, Stage]
    reasons: dict[tuple[str, str], OutcomeReason]
    form: Form | None
    response_target_minutes: int
    progress: Callable[[str], None]
    enquiry_moments: "_Moments" = field(init=False)
    visit_moments: "_Moments" = field(init=False)

    def __post_init__(self) -> None:
        self.enquiry_moments = _Moments(self, hours=_ENQUIRY_HOURS, weekend=0.25)
        self.visit_moments = _Moments(self, hours=_VISIT_HOURS, weekend=0.55)

    @classmethod
    def open(
        cls, *, seed: int, scale: int, now: datetime, progress: Callable[[str], None]
    ) -> "Build":
        business = BusinessSettings.load()
        business.name = BUSINESS_NAME
        business.website_addresses = SITE  # the site the demo's /t.js visits come from
        business.save(update_fields=["name", "website_addresses", "updated_at"])
        return cls(
            seed=seed,
            scale=scale,
            now=now,
            start=now - _WINDOW,
            calendar=BusinessCalendar.for_business(),
            stages={stage.name: stage for stage in Stage.objects.all()},
            reasons={(r.outcome, r.label): r for r in OutcomeReason.objects.all()},
            form=Form.objects.filter(slug="contact").first(),
            response_target_minutes=business.response_target_minutes,
            progress=progress,
        )

    @property
    def zone(self) -> ZoneInfo:
        return self.calendar.zone

    def rng(self, table: str) -> random.Random:
        """An independent random stream per table, so one table's tweaks leave others alone."""
        return random.Random(f"handraise-demo:{self.seed}:{table}")

    def working(self, rng: random.Random, at: datetime, low: int = 5, high: int = 90) -> datetime:
        """A moment a little after ``at`` when the business is open (the owner works then)."""
        return self.calendar.add_business_minutes(at, rng.randint(low, high))

    def business_days_after(self, at: datetime, days: int) -> datetime:
        """When a cadence step ``days`` after ``at`` runs: as the cadence engine times it."""
        return self.calendar.add_business_days(at, days).astimezone(UTC)

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone).astimezone(UTC)

    def today(self) -> date:
        return business_date(self.now, zone=self.zone)


# Relative weight of each local hour (0-23): visitors read in the evening too,
# enquiries mostly arrive in working hours.
_VISIT_HOURS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2, 4, 6, 6, 5.5)
_VISIT_HOURS += (5, 5.5, 5.5, 5, 4.5, 3.5, 3, 3.5, 4, 3.5, 2, 0.8)
_ENQUIRY_HOURS = (0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.4, 1.5, 4, 6, 6, 5)
_ENQUIRY_HOURS += (4, 5, 5.5, 5, 4, 2.5, 1.5, 1.5, 1.5, 1.2, 0.6, 0.3)


class _Moments:
    """Draws moments in the window: more later in the year (the business is growing its
    marketing), fewer at weekends, at the local hours people actually do things."""

    def __init__(self, b: Build, *, hours: Sequence[float], weekend: float) -> None:
        self.start, self.now, self.zone = b.start, b.now, b.zone
        first = business_date(b.start, zone=b.zone)
        self.days = [first + timedelta(days=i) for i in range((b.today() - first).days + 1)]
        last = max(len(self.days) - 1, 1)
        weights = (
            (0.6 + 0.8 * i / last) * (weekend if day.weekday() >= 5 else 1.0)
            for i, day in enumerate(self.days)
        )
        self.day_weights = list(accumulate(weights))
        self.hours = list(range(24))
        self.hour_weights = list(accumulate(hours))

    def draw(self, rng: random.Random) -> datetime:
        while True:
            day = rng.choices(self.days, cum_weights=self.day_weights)[0]
            hour = rng.choices(self.hours, cum_weights=self.hour_weights)[0]
            local = time(hour, rng.randrange(60), rng.randrange(60))
            moment = datetime.combine(day, local, tzinfo=self.zone).astimezone(UTC)
            if self.start <= moment < self.now:
                return moment
