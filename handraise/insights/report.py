"""The report: the machine form (``handraise report --json``, described by
docs/report.schema.json) and the terminal summary of the same figures.

So far the report carries the attribution of the period (``attribution``); the health
check adds its own keys beside it. The period is the ``period_days`` up to now; times
are shown in the business's time zone, money in its currency, as decimal strings
in the machine form so no float ever rounds a penny. This module reads and formats;
it computes no figure itself (``marketing.attribution`` does).
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings

from handraise.accounts.models import BusinessSettings
from handraise.core import clock
from handraise.core.money import format_money
from handraise.marketing.attribution import Attribution, attribution

MAX_PERIOD_DAYS = 3650


def period_attribution(*, period_days: int, window_days: int | None = None) -> Attribution:
    """Attribution of the ``period_days`` up to now, in the business's currency."""
    end = clock.now()
    return attribution(
        start=end - timedelta(days=period_days),
        end=end,
        window_days=window_days or settings.ATTRIBUTION_WINDOW_DAYS,
        currency=BusinessSettings.load().currency,
    )


def report_document(*, period_days: int) -> dict:
    """The report as JSON-ready data: ``{"attribution": {...}}`` so far."""
    return {"attribution": attribution_document(period_attribution(period_days=period_days))}


def attribution_document(result: Attribution) -> dict:
    zone = clock.business_zone()
    return {
        "window_days": result.window_days,
        "period": {
            "start": result.start.astimezone(zone).isoformat(),
            "end": result.end.astimezone(zone).isoformat(),
        },
        "currency": result.currency,
        "models": {
            model.key: {
                "assets": [
                    {
                        "title": asset.title,
                        "kind": asset.kind,
                        **_credit(asset),
                    }
                    for asset in model.assets
                ],
                "channels": [{"channel": row.channel, **_credit(row)} for row in model.channels],
                "campaigns": [
                    {"campaign": row.campaign, **_credit(row)} for row in model.campaigns
                ],
                "unattributed": [
                    {"origin": row.origin, "won_deals": row.won_deals, "revenue": str(row.revenue)}
                    for row in model.unattributed
                ],
            }
            for model in result.models
        },
    }


def _credit(row) -> dict:
    # Shares of an enquiry or a deal, in hundredths: a JSON number (2 decimal places).
    return {
        "enquiries": _number(row.enquiries),
        "won_deals": _number(row.won_deals),
        "revenue": str(row.revenue),
    }


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def attribution_summary(result: Attribution) -> str:
    """What the terminal shows: the period, the totals, and per model the three assets
    and the three channels that brought the most revenue."""
    zone = clock.business_zone()

    def money(amount: Decimal) -> str:
        return format_money(amount, result.currency)

    def day(moment) -> str:
        local = moment.astimezone(zone)
        return f"{local.day} {local:%b %Y}"

    days = (result.end - result.start).days
    lines = [
        f"Attribution, {day(result.start)} to {day(result.end)} ({days} days); touchpoints up to "
        f"{result.window_days} days before each hand-raise count.",
        f"Won: {money(result.won_revenue)} from {result.won_deals:,} deal"
        f"{'' if result.won_deals == 1 else 's'}; {money(result.attributed_revenue)} of it "
        f"behind touchpoints ({result.won_deals_with_touchpoints:,} deals).",
        f"Enquiries: {result.enquiries:,} received, {result.enquiries_with_touchpoints:,} "
        "with touchpoints before them.",
    ]
    unattributed = result.models[0].unattributed if result.models else ()
    if unattributed:
        lines.append(
            "Without touchpoints, by origin: "
            + "; ".join(
                f"{row.label} {money(row.revenue)} ({row.won_deals:,})" for row in unattributed
            )
            + "."
        )
    if result.other_currency_deals:
        lines.append(
            f"Left out: {result.other_currency_deals:,} deals won in another currency "
            f"than {result.currency}."
        )
    lines += ["", "Top assets by revenue:"]
    for model in result.models:
        top = model.top_assets
        shown = (
            "; ".join(
                f"{place}. {asset.title} ({asset.kind_label}) {money(asset.revenue)}"
                for place, asset in enumerate(top, start=1)
            )
            or "none"
        )
        lines.append(f"  {model.label + ':':<16}{shown}")
    lines += ["", "Top channels by revenue:"]
    for model in result.models:
        top = [row for row in model.channels if row.revenue > 0][:3]
        shown = (
            "; ".join(
                f"{place}. {row.label} {money(row.revenue)}"
                for place, row in enumerate(top, start=1)
            )
            or "none"
        )
        lines.append(f"  {model.label + ':':<16}{shown}")
    return "\n".join(lines)
