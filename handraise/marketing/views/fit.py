"""The fit screen: which channels, sources, campaigns and assets bring enquiries that fit.

Signed-in users only (owners and teammates alike; the login middleware turns
everyone else away). One selector call, a handful of queries whatever the period.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from handraise.marketing.fit_sources import DEFAULT_PERIOD, PERIODS, FitGroup, fit_sources

# The bar chart's geometry (SVG user units): a label column, then the bars.
LABEL_WIDTH, BAR_WIDTH, ROW_HEIGHT = 170, 330, 26


@require_safe
def fit(request: HttpRequest) -> HttpResponse:
    try:
        days = int(request.GET.get("days", DEFAULT_PERIOD))
    except ValueError:
        days = DEFAULT_PERIOD
    if days not in PERIODS:
        days = DEFAULT_PERIOD
    report = fit_sources(days=days)
    context = {
        "report": report,
        "periods": PERIODS,
        "channel_chart": _chart(report.channels),
        "source_chart": _chart(report.sources),
    }
    return render(request, "marketing/fit/fit.html", context)


def _chart(groups: list[FitGroup]) -> dict:
    """Bars for the chart: each group's enquiries, and the part of them that fit."""
    most = max((group.enquiries for group in groups), default=0) or 1
    rows = [
        {
            "group": group,
            "y": index * ROW_HEIGHT,
            "text_y": index * ROW_HEIGHT + ROW_HEIGHT * 0.65,
            "all_width": round(BAR_WIDTH * group.enquiries / most, 1),
            "fit_width": round(BAR_WIDTH * group.fitting / most, 1),
            "count_x": LABEL_WIDTH + round(BAR_WIDTH * group.enquiries / most, 1) + 6,
        }
        for index, group in enumerate(groups)
    ]
    return {
        "rows": rows,
        "height": ROW_HEIGHT * len(rows),
        "width": LABEL_WIDTH + BAR_WIDTH + 90,
        "bar_x": LABEL_WIDTH,
        "bar_height": ROW_HEIGHT - 8,
    }
