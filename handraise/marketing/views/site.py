"""The first-party site script: ``GET /t.js``, its events ``POST /t/``, and the page
where an owner installs it (``/marketing/site/``).

``GET /t.js`` answers the script (gzipped when the browser accepts it), cached for
an hour. ``POST /t/`` answers, cheapest check first, so a flood costs little:

- 413 for a body over ``site_events.BODY_MAX`` bytes, by its Content-Length,
  before a byte of it is read;
- 403 for an ``Origin`` that is not one of the business's website addresses nor
  an allowed origin of one of its forms (no ``Origin`` at all included);
- 429 for a client past ``TRACK_RATE_LIMIT`` events (counted by its address,
  which is never stored);
- 400 for a body that is not exactly what the script sends, or a page that is not
  on the site that sent it;
- 204 otherwise. A known robot's event and a replayed one (its id already
  stored) get the same 204 and are not counted;
- 405 for another method.

An event answered 204 is committed before the answer leaves (with the events other
threads are answering at that moment, ``site_services``), so a server killed a
moment later has it. If the database is down the
event is answered 503 and dropped: the visitor's page is never held up by it.
"""

import gzip
import hashlib
import logging
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import Error as DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from handraise.accounts import services as account_services
from handraise.core.origins import origin_set
from handraise.marketing import site_selectors, site_services
from handraise.marketing.asset_selectors import check_asset_access
from handraise.marketing.bots import is_bot
from handraise.marketing.site_events import BODY_MAX, BadEvent, parse_event

logger = logging.getLogger(__name__)

SCRIPT = (Path(__file__).resolve().parent.parent / "static" / "marketing" / "t.js").read_bytes()
SCRIPT_GZIPPED = gzip.compress(SCRIPT, compresslevel=9, mtime=0)
SCRIPT_ETAG = '"' + hashlib.sha256(SCRIPT).hexdigest()[:16] + '"'
SCRIPT_MAX_AGE = 3600


@login_not_required
@require_http_methods(["GET", "HEAD"])
def site_script(request: HttpRequest) -> HttpResponse:
    if request.headers.get("If-None-Match") == SCRIPT_ETAG:
        response = HttpResponse(status=304)
    elif "gzip" in request.headers.get("Accept-Encoding", ""):
        response = HttpResponse(SCRIPT_GZIPPED, content_type="text/javascript; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(SCRIPT, content_type="text/javascript; charset=utf-8")
    response["ETag"] = SCRIPT_ETAG
    response["Vary"] = "Accept-Encoding"
    response["Cache-Control"] = f"public, max-age={SCRIPT_MAX_AGE}"
    # Other sites load it: say so, whatever cross-origin policy a proxy adds.
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@login_not_required
@csrf_exempt  # sent by the business's own site, which has no Handraise CSRF token
@require_http_methods(["POST"])
def site_event(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _answer(400, "The Content-Length is not a number.")
    if length > BODY_MAX:
        return _answer(413, f"An event is at most {BODY_MAX} bytes.")
    try:
        site = site_selectors.site()
    except DatabaseError as error:
        logger.warning("Site event refused, no settings: %s", error)
        return _answer(503, "The event could not be stored.")
    origin = request.headers.get("Origin", "")
    if origin not in site.origins:
        return _answer(403, "This site is not registered with Handraise.")
    if is_ratelimited(
        request, group="site-event", key="ip", rate=settings.TRACK_RATE_LIMIT, increment=True
    ):
        return _answer(429, "Too many events from one address; try again in a minute.")
    body = request.read(BODY_MAX + 1)  # a chunked body has no Content-Length to trust
    if len(body) > BODY_MAX:
        return _answer(413, f"An event is at most {BODY_MAX} bytes.")
    try:
        event = parse_event(body)
    except BadEvent as error:
        return _answer(400, str(error))
    if event.page_origin != origin:
        return _answer(400, "The page is not on the site that sent it.")
    if is_bot(request.headers.get("User-Agent", "")):
        return _answer(204)
    private = request.headers.get("Sec-GPC") == "1" or request.headers.get("DNT") == "1"
    try:
        site_services.record_site_visit(event=event, site=site, private=private)
    except DatabaseError as error:
        logger.warning("Site event not recorded: %s", error)
        return _answer(503, "The event could not be stored.")
    return _answer(204)


def _answer(status: int, message: str = "") -> HttpResponse:
    # Plain text: the script never reads it, a person debugging their site does.
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def site_settings(request: HttpRequest) -> HttpResponse:
    check_asset_access(request.user)
    business = request.business
    errors: list[str] = []
    addresses = business.website_addresses
    if request.method == "POST":
        addresses = request.POST.get("website_addresses", "")
        try:
            account_services.update_website_addresses(addresses=addresses)
        except ValidationError as error:
            errors = error.message_dict["website_addresses"]
        else:
            site_selectors.forget_site()
            messages.success(request, "Website addresses saved.")
            return redirect("marketing-site")
    # The address the business's site will load it from, as for every snippet.
    script_url = settings.BASE_URL + reverse("site-script")
    return render(
        request,
        "marketing/site/settings.html",
        {
            "addresses": addresses,
            "errors": errors,
            "snippet": f'<script src="{script_url}" defer></script>',
            "activity": site_selectors.site_activity(days=7),
            "form_origins": sorted(site_selectors.site().origins - _origins(business)),
        },
        status=422 if errors else 200,
    )


def _origins(business) -> set[str]:
    return origin_set(business.website_addresses)
