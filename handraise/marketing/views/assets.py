"""The Marketing overview and the asset pages: list, new, edit, archive and its undo.

Every signed-in user of the business (owners and teammates) may use them; an
outsider is sent to the login page by the middleware and sees nothing. Views
parse the request, call a selector or a service (``marketing.assets``) and
render; the list answers an htmx request (its filters) with the partial alone.
Dates are shown and read in the business's time zone (``request.business``).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from handraise.core.clock import now
from handraise.core.htmx import is_htmx
from handraise.marketing import asset_selectors, assets, overview
from handraise.marketing.asset_forms import AssetFilterForm, AssetForm, PeriodForm, initial_for
from handraise.marketing.models import Asset

PAGE_SIZE = 25
OVERVIEW_PAGE_SIZE = 25
UNDO_KEY = "undo_asset_archive"
# The other pages of the marketing area, each built in its own part; a name that does
# not resolve yet (its part is not merged) is left out rather than breaking the page.
MARKETING_PAGES = [
    ("Assets", "marketing-assets"),
    ("Attribution", "marketing-attribution"),
    ("Tracked links", "marketing-links"),
    ("Site script", "marketing-site"),
    ("Fit of enquiries", "marketing-fit"),
]
CHART_WIDTH, CHART_HEIGHT = 720, 160


def marketing_pages() -> list[tuple[str, str]]:
    """(label, url) of the marketing pages that exist in this install."""
    found = []
    for label, name in MARKETING_PAGES:
        try:
            found.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return found


# --- the overview -----------------------------------------------------------------------


@require_GET
def marketing_overview(request: HttpRequest) -> HttpResponse:
    moment, zone = now(), request.business.zone
    period = PeriodForm(request.GET)
    cadence = overview.publishing_cadence(moment=moment, zone=zone)
    performance = overview.asset_performance(
        moment=moment,
        days=period.chosen_days,
        currency=request.business.currency,
        sort=period.chosen_sort,
    )
    page = Paginator(performance.assets, OVERVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    pages = marketing_pages()
    context = {
        # What is shown is what was used: a period not offered shows the default chosen.
        "period": PeriodForm(initial={"days": period.chosen_days, "sort": period.chosen_sort}),
        "days": period.chosen_days,
        "sort": period.chosen_sort,
        "periods": overview.PERIODS,
        "cadence": cadence,
        "bars": gap_bars(cadence),
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT},
        "performance": performance,
        "page": page,
        "pages": pages,
        "attribution_url": dict(pages).get("Attribution", ""),
    }
    return render(request, "marketing/assets/overview.html", context)


def gap_bars(cadence: overview.Cadence) -> list[dict]:
    """The chart's bars: one per gap, placed by its date on the year, as tall as its days."""
    if not cadence.gaps:
        return []
    tallest = max(max(gap.days for gap in cadence.gaps), 1)
    span = max((cadence.today - cadence.year_start).days, 1)
    width = max(CHART_WIDTH / span, 2)
    bars = []
    for gap in cadence.gaps:
        height = max(round(gap.days / tallest * (CHART_HEIGHT - 10), 1), 1)
        x = (gap.published_on - cadence.year_start).days / span * (CHART_WIDTH - width)
        bars.append(
            {
                "x": round(x, 1),
                "y": round(CHART_HEIGHT - height, 1),
                "width": round(width, 1),
                "height": height,
                "gap": gap,
            }
        )
    return bars


# --- the list ---------------------------------------------------------------------------


@require_GET
def asset_list(request: HttpRequest) -> HttpResponse:
    filters = AssetFilterForm(request.GET)
    archived = filters.value_of("archived") == "yes"
    found = asset_selectors.asset_list(
        user=request.user,
        search=filters.value_of("q"),
        kind=filters.value_of("kind"),
        sort=filters.chosen_sort,
        archived=archived,
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "filtered": bool(filters.value_of("q") or filters.value_of("kind")),
        "archived": archived,
        "sort": filters.chosen_sort,
        "undo": _undoable(request),
    }
    template = "marketing/assets/_asset_list.html" if is_htmx(request) else None
    return render(request, template or "marketing/assets/asset_list.html", context)


def _undoable(request: HttpRequest) -> Asset | None:
    pk = request.session.get(UNDO_KEY)
    if not pk:
        return None
    return Asset.objects.filter(pk=pk, archived_at__isnull=False).only("pk", "title").first()


# --- new and edit -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def asset_new(request: HttpRequest) -> HttpResponse:
    return _asset_form(request, None)


@require_http_methods(["GET", "POST"])
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _asset_form(request, asset_selectors.asset_for_user(request.user, pk))


def _asset_form(request: HttpRequest, asset: Asset | None) -> HttpResponse:
    zone = request.business.zone
    if request.method != "POST":
        form = AssetForm(initial=initial_for(asset, zone=zone) if asset else None)
        return _render_form(request, asset, form)
    asset_selectors.check_asset_access(request.user)
    form = AssetForm(request.POST)
    if not form.is_valid():
        return _render_form(request, asset, form, status=422)
    fields = {
        "kind": form.cleaned_data["kind"],
        "title": form.cleaned_data["title"],
        "url": form.cleaned_data["url"],
        "summary": form.cleaned_data["summary"],
        "topics": form.cleaned_data["topics"],
        "published_on": form.cleaned_data["published_on"],
        "themes": form.cleaned_data["themes"],
        "zone": zone,
    }
    try:
        if asset is None:
            saved = assets.create_asset(**fields)
        else:
            saved = assets.update_asset(asset=asset, **fields)
    except ValidationError as error:
        _add_errors(form, error)
        return _render_form(request, asset, form, status=422)
    messages.success(request, f"Saved “{saved.title}”.")
    for other in asset_selectors.assets_with_url(saved.url, besides=saved.pk):
        messages.warning(
            request,
            f"“{other.title}” has the same URL: visits to it will be counted for one of "
            "them only. Change one of the two addresses, or archive the one you no longer use.",
        )
    return redirect("marketing-assets")


def _render_form(request, asset: Asset | None, form: AssetForm, status: int = 200):
    context = {"asset": asset, "form": form}
    return render(request, "marketing/assets/asset_form.html", context, status=status)


def _add_errors(form: Form, error: ValidationError) -> None:
    """The service's field errors on the form's fields; anything else above the form."""
    names = {"published_at": "published_on"}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = names.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- archive and undo -------------------------------------------------------------------


@require_POST
def asset_archive(request: HttpRequest, pk: int) -> HttpResponse:
    asset = assets.archive_asset(asset=asset_selectors.asset_for_user(request.user, pk))
    request.session[UNDO_KEY] = asset.pk
    messages.success(request, f"Archived “{asset.title}”: its touchpoints and history stay.")
    return redirect("marketing-assets")


@require_POST
def asset_restore(request: HttpRequest, pk: int) -> HttpResponse:
    asset = assets.restore_asset(asset=asset_selectors.asset_for_user(request.user, pk))
    request.session.pop(UNDO_KEY, None)
    messages.success(request, f"“{asset.title}” is back on the asset list.")
    return redirect("marketing-assets")
