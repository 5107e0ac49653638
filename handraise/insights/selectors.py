"""Reads for the home page and, later, the health check.

Every figure is aggregated in SQL, a handful of queries whatever the size of the
data; nothing here loops over rows. Windows are "the last N days up to now",
with now from ``handraise.core.clock``. Spam is not an enquiry and is left out of
every enquiry figure. Amounts are never added across currencies.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from handraise.core import clock
from handraise.core.money import Money
from handraise.enquiries.models import Enquiry
from handraise.marketing.models import Touchpoint
from handraise.sales.models import Deal


@dataclass(frozen=True)
class ChannelCount:
    channel: str
    label: str
    count: int
    percent: int


@dataclass(frozen=True)
class HomeFigures:
    enquiries_last_30_days: int
    enquiries_previous_30_days: int
    waiting_for_first_response: int
    overdue: int
    # First responses to enquiries received in the last 90 days.
    median_first_response: timedelta | None
    answered_within_target: int
    answered_judged: int  # answered, or still waiting past the target: the outcome is known
    open_deals: int
    open_pipeline: tuple[Money, ...]
    won_last_365_days: tuple[Money, ...]
    deals_won_last_365_days: int
    deals_lost_last_365_days: int
    touchpoints_last_30_days: int
    source_mix: tuple[ChannelCount, ...]  # enquiries by channel, last 90 days, largest first
    has_any_enquiry_or_deal: bool

    @property
    def is_empty(self) -> bool:
        """Nothing has ever arrived: the page shows what to do next instead of zeros."""
        return not self.has_any_enquiry_or_deal and not self.touchpoints_last_30_days

    @property
    def win_rate_percent(self) -> int | None:
        closed = self.deals_won_last_365_days + self.deals_lost_last_365_days
        if not closed:
            return None
        return round(100 * self.deals_won_last_365_days / closed)

    @property
    def answered_within_target_percent(self) -> int | None:
        if not self.answered_judged:
            return None
        return round(100 * self.answered_within_target / self.answered_judged)

    @property
    def median_first_response_text(self) -> str:
        if self.median_first_response is None:
            return ""
        return describe_duration(self.median_first_response)


def describe_duration(duration: timedelta) -> str:
    """A response time as a person would say it: '45 min', '3 h 5 min', '2 days 4 h'."""
    minutes = round(duration.total_seconds() / 60)
    if minutes < 1:
        return "under a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        day_word = "day" if days == 1 else "days"
        return f"{days} {day_word} {hours} h" if hours else f"{days} {day_word}"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def home_figures() -> HomeFigures:
    now = clock.now()
    days_ago = {days: now - timedelta(days=days) for days in (30, 60, 90, 365)}
    last_30 = Q(received_at__gt=days_ago[30], received_at__lte=now)
    previous_30 = Q(received_at__gt=days_ago[60], received_at__lte=days_ago[30])
    last_90 = Q(received_at__gt=days_ago[90], received_at__lte=now)
    answered = Q(first_response_at__isnull=False)
    waiting = Q(status=Enquiry.Status.OPEN)
    # Judged: answered, or still waiting past the target. One closed as not a lead
    # without a reply needed none, so it counts neither way.
    overdue = waiting & Q(response_due_at__lt=now)
    judged = last_90 & Q(response_due_at__isnull=False) & (answered | overdue)
    in_time = last_90 & answered & Q(first_response_at__lte=F("response_due_at"))

    enquiries = Enquiry.objects.exclude(status=Enquiry.Status.SPAM)
    channel_counts = {
        f"channel_{channel}": Count("pk", filter=last_90 & Q(channel=channel))
        for channel in Enquiry.Channel.values
    }
    counts = enquiries.aggregate(
        total=Count("pk"),
        last_30=Count("pk", filter=last_30),
        previous_30=Count("pk", filter=previous_30),
        waiting=Count("pk", filter=waiting),
        overdue=Count("pk", filter=overdue),
        answered_90=Count("pk", filter=last_90 & answered),
        judged=Count("pk", filter=judged),
        in_time=Count("pk", filter=in_time),
        **channel_counts,
    )

    deal_window = Q(closed_at__gt=days_ago[365], closed_at__lte=now)
    is_open = Q(stage__is_won=False, stage__is_lost=False)
    is_won = Q(stage__is_won=True) & deal_window
    deals = Deal.objects.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=is_open),
        won=Count("pk", filter=is_won),
        lost=Count("pk", filter=Q(stage__is_lost=True) & deal_window),
    )
    money_by_currency = (
        Deal.objects.filter(is_open | is_won)
        .values("currency")
        .annotate(open=Sum("value", filter=is_open), won=Sum("value", filter=is_won))
        .order_by("currency")
    )
    open_pipeline, won = [], []
    for row in money_by_currency:  # one row per currency, not per deal
        if row["open"]:
            open_pipeline.append(Money(row["currency"], row["open"]))
        if row["won"]:
            won.append(Money(row["currency"], row["won"]))

    touchpoints = Touchpoint.objects.filter(
        occurred_at__gt=days_ago[30], occurred_at__lte=now
    ).count()

    return HomeFigures(
        enquiries_last_30_days=counts["last_30"],
        enquiries_previous_30_days=counts["previous_30"],
        waiting_for_first_response=counts["waiting"],
        overdue=counts["overdue"],
        median_first_response=_median_first_response(
            enquiries.filter(last_90 & answered), counts["answered_90"]
        ),
        answered_within_target=counts["in_time"],
        answered_judged=counts["judged"],
        open_deals=deals["open"],
        open_pipeline=_largest_first(open_pipeline),
        won_last_365_days=_largest_first(won),
        deals_won_last_365_days=deals["won"],
        deals_lost_last_365_days=deals["lost"],
        touchpoints_last_30_days=touchpoints,
        source_mix=_source_mix(counts),
        has_any_enquiry_or_deal=bool(counts["total"] or deals["total"]),
    )


def _median_first_response(answered, count: int) -> timedelta | None:
    """The middle response time (mean of the middle two for an even count), in one query.

    SQLite has no percentile function, so the database sorts the response times and
    returns only the one or two rows in the middle.
    """
    if not count:
        return None
    response_time = ExpressionWrapper(
        F("first_response_at") - F("received_at"), output_field=DurationField()
    )
    middle = list(
        answered.annotate(response_time=response_time)
        .order_by("response_time", "pk")
        .values_list("response_time", flat=True)[(count - 1) // 2 : count // 2 + 1]
    )
    return sum(middle, timedelta()) / len(middle)


def _source_mix(counts: dict) -> tuple[ChannelCount, ...]:
    total = sum(counts[f"channel_{channel}"] for channel in Enquiry.Channel.values)
    mix = [
        ChannelCount(
            channel=channel,
            label=label,
            count=counts[f"channel_{channel}"],
            percent=round(100 * counts[f"channel_{channel}"] / total) if total else 0,
        )
        for channel, label in Enquiry.Channel.choices
        if counts[f"channel_{channel}"]
    ]
    return tuple(sorted(mix, key=lambda item: -item.count))


def _largest_first(amounts: list[Money]) -> tuple[Money, ...]:
    return tuple(sorted(amounts, key=lambda money: -money.amount))
