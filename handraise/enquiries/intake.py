"""The public intake edge: ``/f/<slug>/`` for HTML form posts and JSON.

Only parsing and answering live here: the body is size-checked, parsed and
validated, spam is judged, then ``submissions.receive_submission`` makes it
durable. Every failure gets a clear status: 413 too big, 400 malformed, 415
wrong type, 422 field errors (HTML forms re-render with messages) and a JSON
``Idempotency-Key`` reused for a different message, 503 only when not even the
spool could keep the submission. Every value is cleaned (``core.text``) before
it is validated, stored or shown.

A GET shows the hosted form page. It carries the ``utm_*`` tags of its own
address and its ``Referer`` in hidden fields (``_landing``), so a visitor who
came from a newsletter's link and sends the plain form, with no script, still
brings the campaign to the enquiry.
"""

import json
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import Error as DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from handraise.accounts.models import BusinessSettings
from handraise.core.client_address import client_address
from handraise.core.clock import now
from handraise.core.text import clean_text
from handraise.enquiries import submissions
from handraise.enquiries.forms import EXTRA_FIELDS, IntakeForm
from handraise.enquiries.models import FORM_FIELDS, Form
from handraise.enquiries.spam import spam_reason

KNOWN_FIELDS = (*FORM_FIELDS, *EXTRA_FIELDS)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BadRequest(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


@login_not_required
@csrf_exempt  # posted from the business's own website, which has no Handraise CSRF token
@require_http_methods(["GET", "POST", "OPTIONS"])
def intake(request: HttpRequest, slug: str) -> HttpResponse:
    form, business = _form_and_business(slug)
    wants_json = request.content_type == "application/json"
    if form is None:
        return _error(wants_json, 404, "There is no form here.")
    if request.method == "OPTIONS":
        return _with_cors(HttpResponse(status=204), request, form, preflight=True)
    if request.method == "GET":
        blank = IntakeForm(
            form=form, phone_region=business.default_phone_region, initial=_landing(request)
        )
        return _page(request, form, business, blank)
    if _cross_origin_refused(request, form, wants_json):
        return _error(True, 403, "This origin may not post to this form.")

    try:
        payload = _read(request, wants_json)
    except BadRequest as error:
        return _with_cors(_error(wants_json, error.status, str(error)), request, form)

    bound = IntakeForm(data=payload, form=form, phone_region=business.default_phone_region)
    if not bound.is_valid():
        if wants_json:
            errors = {field: list(messages) for field, messages in bound.errors.items()}
            return _with_cors(JsonResponse({"errors": errors}, status=422), request, form)
        return _page(request, form, business, bound, status=422)

    data = bound.cleaned_data
    reason = spam_reason(
        message=data.get("message", ""),
        honeypot=data.get("hr_website", ""),
        started_ms=data.get("hr_started", ""),
        received_at=now(),
    )
    if not reason and is_ratelimited(
        request, group="intake", key="ip", rate=settings.INTAKE_RATE_LIMIT, increment=True
    ):
        reason = f"more than {settings.INTAKE_RATE_LIMIT} submissions from one address"
    key = request.headers.get("Idempotency-Key", "") or data.get("hr_submission_id", "")
    try:
        result = submissions.receive_submission(
            form=form,
            payload={k: v for k, v in payload.items() if k in KNOWN_FIELDS},
            idempotency_key=key,
            # A script can send again under a new key; a person who edited the form and
            # sent it again must not be refused (their new message is kept).
            refuse_key_reuse=wants_json,
            remote_addr=client_address(request),
            user_agent=request.headers.get("User-Agent", ""),
            origin=request.headers.get("Origin", "") or request.headers.get("Referer", ""),
            quarantine_reason=reason,
        )
    except submissions.IdempotencyConflict as conflict:
        return _with_cors(_error(True, 422, str(conflict)), request, form)
    except submissions.IntakeUnavailable:
        response = _error(wants_json, 503, "We could not save your message; please try again.")
        response["Retry-After"] = "30"
        return response
    # Spam gets the same answer as everyone: a bot learns nothing from it.
    if wants_json:
        body = {"id": str(result.public_id), "status": "received"}
        return _with_cors(JsonResponse(body, status=201), request, form)
    response = HttpResponseRedirect(
        form.thank_you_url or reverse("intake-thanks", args=[form.slug])
    )
    response.status_code = 303  # "see other": the browser GETs the thank-you page
    return response


@login_not_required
@require_http_methods(["GET"])
def thanks(request: HttpRequest, slug: str) -> HttpResponse:
    form, business = _form_and_business(slug)
    if form is None:
        return _error(False, 404, "There is no form here.")
    return render(request, "enquiries/public_thanks.html", {"form": form, "business": business})


# Each web process keeps the forms and business settings it read for a few seconds:
# reading them on every post would cost intake a quarter of its time. A change made
# in the settings pages reaches every process within CONFIG_TTL seconds. While the
# database is down, the last good copy is used however old, so intake still
# validates and spools what it receives.
CONFIG_TTL = 5.0
_KNOWN: dict[str, tuple[float, Form | None, BusinessSettings]] = {}


def forget_cached_forms() -> None:
    """Read forms and settings afresh on the next post (after they were changed)."""
    _KNOWN.clear()


def _form_and_business(slug: str) -> tuple[Form | None, BusinessSettings]:
    known = _KNOWN.get(slug)
    if known and time.monotonic() - known[0] < CONFIG_TTL:
        return known[1], known[2]
    try:
        form = Form.objects.filter(slug=slug, is_active=True).first()
        business = BusinessSettings.load()
    except DatabaseError:
        if known:
            return known[1], known[2]
        # Never seen this slug and cannot ask: take it with the default fields rather
        # than lose a message; a slug that does not exist is set aside at replay.
        return Form(slug=slug, name=slug), BusinessSettings()
    _KNOWN[slug] = (time.monotonic(), form, business)
    return form, business


LANDING_TAGS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def _landing(request: HttpRequest) -> dict[str, str]:
    """What the hosted form page was opened with, for its hidden fields: the UTM tags of
    its address (a newsletter's link) and the page that linked to it, so a plain post
    without the site's script still records the campaign. Cut to each field's limit;
    the widget escapes them. A referrer on Handraise itself says nothing and is left out.
    """
    values = {}
    for name in LANDING_TAGS:
        value = _clean(name, request.GET.get(name, "")).strip()[: EXTRA_FIELDS[name]]
        if value:
            values[name] = value
    referrer = _clean("hr_referrer", request.headers.get("Referer", "")).strip()
    if referrer and not _is_own_page(referrer):
        values["hr_referrer"] = referrer[: EXTRA_FIELDS["hr_referrer"]]
    return values


def _is_own_page(address: str) -> bool:
    try:
        parts = urlsplit(address)
        base = urlsplit(settings.BASE_URL)
        return (parts.scheme, parts.netloc.lower()) == (base.scheme, base.netloc.lower())
    except ValueError:  # an address that cannot be read is nobody's page
        return False


def _read(request: HttpRequest, wants_json: bool) -> dict[str, str]:
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit():
        raise BadRequest(400, "The Content-Length header is not a number.")
    if int(length) > settings.INTAKE_MAX_BYTES:
        raise BadRequest(413, f"The submission is larger than {settings.INTAKE_MAX_BYTES} bytes.")
    try:
        if wants_json:
            return _read_json(request.body)
        if request.content_type not in FORM_TYPES:
            raise BadRequest(415, "Send the form as a form post or as application/json.")
        posted = {key: request.POST.get(key, "") for key in request.POST if key in KNOWN_FIELDS}
        return {key: _clean(key, value) for key, value in posted.items()}
    except RequestDataTooBig:
        raise BadRequest(413, "The submission is too large.") from None
    except (MultiPartParserError, SuspiciousOperation, UnicodeDecodeError) as error:
        raise BadRequest(
            400, f"The form post could not be read ({type(error).__name__})."
        ) from None


def _read_json(body: bytes) -> dict[str, str]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        raise BadRequest(400, "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadRequest(400, "The JSON body must be an object of field names and values.")
    payload = {}
    for key, value in data.items():
        if key not in KNOWN_FIELDS or value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise BadRequest(400, f"The field {key!r} must be text.")
        payload[key] = _clean(key, value)
    return payload


def _clean(key: str, value: object) -> str:
    # JSON may carry lone surrogates and any post control characters: neither may reach
    # the database, a page or a header (a stored "\ud800" made the Quarantine page 500).
    return clean_text(value, multiline=key == "message")


def _allowed_origins(form: Form) -> set[str]:
    return {line.strip().rstrip("/") for line in form.allowed_origins.splitlines() if line.strip()}


def _cross_origin_refused(request: HttpRequest, form: Form, wants_json: bool) -> bool:
    origin = request.headers.get("Origin", "")
    if not wants_json or not origin or origin == settings.BASE_URL:
        return False
    return origin.rstrip("/") not in _allowed_origins(form)


def _with_cors(response: HttpResponse, request, form: Form, preflight: bool = False):
    origin = request.headers.get("Origin", "").rstrip("/")
    if origin and origin in _allowed_origins(form):
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"
        if preflight:
            response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response["Access-Control-Allow-Headers"] = "Content-Type, Idempotency-Key"
            response["Access-Control-Max-Age"] = "86400"
    return response


def _error(wants_json: bool, status: int, message: str) -> HttpResponse:
    if wants_json:
        return JsonResponse({"error": message}, status=status)
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _page(request, form: Form, business, intake_form: IntakeForm, status: int = 200):
    context = {"form": form, "business": business, "intake_form": intake_form}
    return render(request, "enquiries/public_form.html", context, status=status)
