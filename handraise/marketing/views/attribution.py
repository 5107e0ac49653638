"""The attribution page: which assets, channels and campaigns came before the period's
enquiries and won revenue, the five models side by side, so one screen answers "which
three assets brought the most revenue, by each model?".

Every signed-in user of the business sees it (owners and teammates alike); the login
middleware keeps everyone else out. Unknown or hostile choices fall back to the
defaults with a message, never an error page.
"""

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from handraise.core import clock
from handraise.insights.report import period_attribution
from handraise.marketing.attribution import MODELS, side_by_side

PERIODS = (30, 90, 365)
DEFAULT_PERIOD = 90
WINDOWS = (7, 30, 60, 90, 180, 365)
ASSETS_PER_PAGE = 25
CHART_WIDTH = 55  # per cent of the chart's width for the largest bar; its label follows


class AttributionChoices(forms.Form):
    period = forms.TypedChoiceField(
        label="Period",
        choices=[(days, f"Last {days} days") for days in PERIODS],
        coerce=int,
        required=False,
        empty_value=None,
    )
    window = forms.TypedChoiceField(
        label="Touchpoints up to",
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The configured window is always a choice, whatever HANDRAISE_ sets it to.
        windows = sorted({*WINDOWS, settings.ATTRIBUTION_WINDOW_DAYS})
        self.fields["window"].choices = [
            (days, f"{days} days before the hand-raise") for days in windows
        ]


@require_safe
def attribution_page(request: HttpRequest) -> HttpResponse:
    period, window = DEFAULT_PERIOD, settings.ATTRIBUTION_WINDOW_DAYS
    asked = AttributionChoices(request.GET)
    understood = asked.is_valid()
    if understood:
        period = asked.cleaned_data["period"] or period
        window = asked.cleaned_data["window"] or window
    # The form shows what the page shows: the choices made, or the defaults.
    choices = AttributionChoices(initial={"period": period, "window": window})
    result = period_attribution(period_days=period, window_days=window)
    assets = side_by_side(result, "assets")
    top = [row for row in assets if row.best_place]
    all_assets = Paginator(assets, ASSETS_PER_PAGE).get_page(request.GET.get("page"))
    zone = clock.business_zone()
    context = {
        "choices": choices,
        "choice_errors": not understood,
        "period": period,
        "window": window,
        "result": result,
        "start": result.start.astimezone(zone),
        "end": result.end.astimezone(zone),
        "models": MODELS,
        "top_assets": top,
        "all_assets": all_assets,
        "channels": side_by_side(result, "channels"),
        "campaigns": side_by_side(result, "campaigns"),
        "unattributed": result.models[0].unattributed if result.models else (),
        "chart": _chart(result),
        "is_empty": not result.won_deals and not result.enquiries,
    }
    return render(request, "marketing/attribution/page.html", context)


def _chart(result) -> list[dict]:
    """The top three assets of each model as bars: a group per model, each bar's
    length in per cent of the chart's width (SVG attributes, not styles: the CSP
    forbids inline styles), the longest at CHART_WIDTH, its label just after it."""
    largest = max(
        (asset.revenue for model in result.models for asset in model.top_assets), default=0
    )
    if not largest:
        return []
    groups, y = [], 0
    for model in result.models:
        heading_y, y = y + 16, y + 24
        bars = []
        for place, asset in enumerate(model.top_assets, start=1):
            width = max(round(CHART_WIDTH * asset.revenue / largest), 1)
            bars.append(
                {
                    "place": place,
                    "asset": asset,
                    "width": width,
                    "label_x": width + 1,
                    "y": y,
                    "text_y": y + 13,
                }
            )
            y += 22
        groups.append({"model": model, "bars": bars, "y": heading_y})
        y += 10
    return [{"groups": groups, "height": y}]
