"""Tracked links: the link builder (signed in) and the public redirect ``GET /r/<code>``.

The builder lists the links with their clicks and makes new ones; a link's page
shows its tagged address, its short address and its QR code (inline, and as SVG
and PNG downloads), and corrects or archives it.

``/r/<code>`` answers:

- 302 to the link's registered target with its UTM tags: the only place it ever
  redirects to (nothing in the request can change it, so it is no open redirect);
- 404 for an unknown code (or one that cannot be a code), 410 for an archived link;
- 405 for methods other than GET and HEAD.

A GET from a browser records one touchpoint; a HEAD, a known robot, or a client
past ``LINK_RATE_LIMIT`` clicks is redirected the same way and not recorded. If
the touchpoint cannot be written (the database is down) the visitor is still
redirected: losing a click is better than losing the visitor.
"""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import Error as DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from handraise.core.htmx import is_htmx
from handraise.marketing import link_selectors, link_services, qr
from handraise.marketing.bots import is_bot
from handraise.marketing.link_forms import COMMON_MEDIUMS, COMMON_SOURCES, ShortLinkForm
from handraise.marketing.models import ShortLink
from handraise.marketing.tagging import tagged_url

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
SEARCH_MAX = 200


def short_url(link: ShortLink) -> str:
    """The link's public short address, from HANDRAISE_BASE_URL."""
    return settings.BASE_URL + reverse("link-redirect", args=[link.code])


# --- the builder ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def link_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:SEARCH_MAX]
    archived = request.GET.get("archived") == "1"
    status = 200
    if request.method == "POST":
        form = ShortLinkForm(request.POST)
        if form.is_valid():
            try:
                link = link_services.create_short_link(**form.cleaned_data, created_by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"The link {short_url(link)} is ready.")
                return redirect("marketing-link", link.pk)
        status = 422
    else:
        form = ShortLinkForm()
    links = link_selectors.short_link_list(search=search, archived=archived)
    page = Paginator(links, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "search": search.strip(), "archived": archived}
    if is_htmx(request) and request.method == "GET":
        return render(request, "marketing/links/_link_list.html", context)
    context |= {"form": form, "mediums": COMMON_MEDIUMS, "sources": COMMON_SOURCES}
    return render(request, "marketing/links/links.html", context, status=status)


@require_http_methods(["GET", "POST"])
def link_detail(request: HttpRequest, pk: int) -> HttpResponse:
    link = link_selectors.short_link_for_user(request.user, pk)
    status = 200
    if request.method == "POST":
        form = ShortLinkForm(request.POST)
        if form.is_valid():
            try:
                link_services.update_short_link(link=link, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "The link is saved; its short address stays the same.")
                return redirect("marketing-link", link.pk)
        status = 422
        link.refresh_from_db()  # the page shows what is stored, not the refused values
    else:
        form = ShortLinkForm(
            initial={
                "target_url": link.target_url,
                "label": link.label,
                "asset": link.asset_id,
                **link.utm,
            }
        )
    address = short_url(link)
    context = {
        "link": link,
        "form": form,
        "tagged_url": tagged_url(link.target_url, link.utm),
        "short_url": address,
        # segno's own markup: numbers and paths, and the title it escapes.
        "qr_svg": mark_safe(qr.inline_svg(address, title=f"QR code for {address}")),  # noqa: S308
        "clicks": link_selectors.short_link_clicks(link=link),
        "mediums": COMMON_MEDIUMS,
        "sources": COMMON_SOURCES,
    }
    return render(request, "marketing/links/link.html", context, status=status)


@require_POST
def link_archive(request: HttpRequest, pk: int) -> HttpResponse:
    link = link_selectors.short_link_for_user(request.user, pk)
    link_services.archive_short_link(link=link)
    messages.success(request, f"Archived: {short_url(link)} now answers “gone”.")
    return redirect("marketing-link", link.pk)


def _download(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def link_qr_svg(request: HttpRequest, pk: int) -> HttpResponse:
    link = link_selectors.short_link_for_user(request.user, pk)
    return _download(qr.svg_document(short_url(link)), "image/svg+xml", f"qr-{link.code}.svg")


@require_GET
def link_qr_png(request: HttpRequest, pk: int) -> HttpResponse:
    link = link_selectors.short_link_for_user(request.user, pk)
    return _download(qr.png_image(short_url(link)), "image/png", f"qr-{link.code}.png")


# --- the public redirect --------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "HEAD"])
def follow_link(request: HttpRequest, code: str) -> HttpResponse:
    link = link_selectors.short_link_by_code(code)
    if link is None:
        raise Http404("There is no link here.")
    if link.archived:
        return render(request, "marketing/links/gone.html", status=410)
    if _counts_as_click(request):
        try:
            link_services.record_link_click(link=link, referrer=request.headers.get("Referer", ""))
        except DatabaseError as error:
            logger.warning("Click on /r/%s not recorded: %s", link.code, error)
    response = HttpResponseRedirect(tagged_url(link.target_url, link.utm))
    # A cached redirect is a click nobody counts.
    response["Cache-Control"] = "no-store"
    # Handraise's own pages send no referrer elsewhere (SECURE_REFERRER_POLICY), and a
    # redirect's policy governs the request it leads to. Here the referrer the
    # browser holds is the page with the link (a newsletter, a post), never a
    # Handraise address: let the target see its origin, as it would without us.
    response["Referrer-Policy"] = "strict-origin-when-cross-origin"
    return response


def _counts_as_click(request: HttpRequest) -> bool:
    if request.method != "GET" or is_bot(request.headers.get("User-Agent", "")):
        return False
    return not is_ratelimited(
        request, group="link-click", key="ip", rate=settings.LINK_RATE_LIMIT, increment=True
    )
