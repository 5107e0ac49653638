"""The pipeline: the board, the deal list, a deal's page, Today, and the forms they post.

Views parse the request, call a service or selector and render. An htmx request
(the board's move dialog, the filters) gets the partial template, whose name
starts with an underscore; every action also works as a plain form without
JavaScript. Times are read and shown in the business's time zone: the
middleware loads the business's settings as ``request.business`` and activates
its zone, and "today" here is the clock's ``business_date`` in that zone.
"""

from datetime import date, datetime
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from handraise.accounts.access import owner_required
from handraise.contacts.selectors import contact_for_user
from handraise.core.clock import business_date, business_time, now
from handraise.core.htmx import is_htmx
from handraise.core.placeholders import DEAL, offered
from handraise.insights import exports
from handraise.sales import cadences, calendar, origins, selectors, services
from handraise.sales.documents import download_name
from handraise.sales.forms import (
    ActivityForm,
    CadenceForm,
    CadenceStepFormSet,
    CloseForm,
    DealFilterForm,
    DraftForm,
    MoveForm,
    NewDealForm,
    NextStepForm,
    OriginForm,
    ProposalForm,
    kept_steps,
    owner_choices,
)
from handraise.sales.models import Cadence, Deal, Stage

PAGE_SIZE = 50


def _moment_and_today(request: HttpRequest) -> tuple[datetime, date]:
    """Now, and today at the business (its zone is on the request: no query)."""
    moment = now()
    return moment, business_date(moment, zone=request.business.zone)


def _form_time(request: HttpRequest, moment: datetime) -> datetime:
    """``moment`` on the business's clock to the minute, as a form's time field starts."""
    return business_time(moment, zone=request.business.zone).replace(second=0, microsecond=0)


# --- the board and the list -------------------------------------------------------------


@require_GET
def board(request: HttpRequest) -> HttpResponse:
    owner = request.GET.get("owner", "")[:20]
    moment, today = _moment_and_today(request)
    context = {
        "board": selectors.pipeline_board(
            moment=moment, today=today, owner=owner, user=request.user
        ),
        "owner": owner,
        "owners": owner_choices(),
        "now": moment,
        "today": today,
    }
    template = "sales/_board.html" if is_htmx(request) else "sales/pipeline.html"
    return render(request, template, context)


@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    stages = list(Stage.objects.all())
    filters = DealFilterForm(request.GET, stages=stages)
    moment, today = _moment_and_today(request)
    sort = filters.value_of("sort") or "due"
    deals = _filtered_deals(request, filters, stages, moment=moment, today=today, sort=sort)
    page = Paginator(deals.values_list("pk", flat=True), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.deal_rows(
        page.object_list, sort=sort, moment=moment, today=today, stages=stages
    )
    context = {
        "page": page,
        "filters": filters,
        "filtered": any(filters.value_of(name) for name in ("q", "owner", "origin", "attention"))
        or filters.value_of("stage") not in ("", "all"),
        "sort": sort,
        "now": moment,
        "today": today,
    }
    template = "sales/_deal_list.html" if is_htmx(request) else "sales/deal_list.html"
    return render(request, template, context)


def _filtered_deals(request, filters, stages, *, moment, today, sort: str = "due"):
    """The deal list's query from its filter form: the page and the CSV show the same deals."""
    return selectors.deal_list(
        moment=moment,
        today=today,
        user=request.user,
        search=filters.value_of("q"),
        stage=filters.value_of("stage"),
        owner=filters.value_of("owner"),
        origin=filters.value_of("origin"),
        attention=filters.value_of("attention"),
        sort=sort,
        stages=stages,
    )


@require_GET
def deal_list_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The deal list as filtered on screen, every page of it, as a CSV download."""
    stages = list(Stage.objects.all())
    filters = DealFilterForm(request.GET, stages=stages)
    moment, today = _moment_and_today(request)
    deals = _filtered_deals(request, filters, stages, moment=moment, today=today)
    response = StreamingHttpResponse(
        exports.csv_lines(exports.DEALS, deals), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="deals-{today:%Y-%m-%d}.csv"'
    return response


# --- one deal ---------------------------------------------------------------------------


@require_GET
def deal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    if is_htmx(request):  # the timeline's "Earlier" and "Back to the latest" links
        deal = selectors.deal_for_user(request.user, pk)
        timeline = selectors.timeline(
            contact=deal.contact, deal=deal, before=request.GET.get("before", "")
        )
        return render(request, "sales/_timeline.html", {"timeline": timeline})
    return _deal_page(request, pk)


def _deal_page(request: HttpRequest, pk: int, status: int = 200, **forms: Form) -> HttpResponse:
    """The deal page; a failed post passes its bound form to show it with its errors."""
    moment, today = _moment_and_today(request)
    page = selectors.deal_page(
        request.user, pk, moment=moment, today=today, before=request.GET.get("before", "")
    )
    deal = page.deal
    cadence_panel = _cadence_panel(deal, forms.get("draft_form"))
    next_step = {"next_step": deal.next_step, "next_step_due": deal.next_step_due}
    seen = {"expected_stage": deal.stage_id, "return_to": "deal"}
    context = {
        "page": page,
        "deal": deal,
        "now": moment,
        "today": today,
        **cadence_panel,
        "next_step_form": forms.get("next_step_form")
        or NextStepForm(initial=next_step, auto_id="step_%s"),
        "origin_form": forms.get("origin_form")
        or OriginForm(initial={"origin": deal.origin}, auto_id="origin_%s"),
        "activity_form": forms.get("activity_form")
        or ActivityForm(
            deal_is_open=not deal.stage.is_closed,
            initial={
                **next_step,
                "occurred_at": _form_time(request, moment),
            },
            auto_id="activity_%s",
        ),
    }
    if not deal.stage.is_closed:
        onward = [s for s in page.stages if not s.is_closed and s.position > deal.stage.position]
        context["move_form"] = forms.get("move_form") or MoveForm(
            initial={**seen, **next_step, "stage": onward[0].pk if onward else None},
            stages=page.stages,
            seen_stage_id=deal.stage_id,
            auto_id="move_%s",
        )
        for name, stage in (("won", page.won_stage), ("lost", page.lost_stage)):
            if stage is None:
                continue
            context[f"{name}_form"] = forms.get(f"{name}_form") or CloseForm(
                initial={**seen, "stage": stage.pk, "value": deal.value},
                stage=stage,
                reasons=page.reasons[name],
                auto_id=f"{name}_%s",
            )
    if not deal.stage.is_closed:
        context["proposal_form"] = forms.get("proposal_form") or _proposal_form(
            deal, sent_at=_form_time(request, moment)
        )
    return render(request, "sales/deal.html", context, status=status)


@require_http_methods(["GET", "POST"])
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a deal (GET shows the form the board's menu and drop open; POST moves)."""
    deal = selectors.deal_for_user(request.user, pk)
    stages = list(Stage.objects.all())
    data = request.POST if request.method == "POST" else request.GET
    target = _stage_from(data.get("stage"), stages)
    seen = _int(data.get("expected_stage")) or deal.stage_id
    if request.method == "GET":
        if seen != deal.stage_id:
            refusal = services.moved_elsewhere_message(deal)
            return _move_page(request, deal, target, None, status=409, refusal=refusal)
        if deal.stage.is_closed:
            return _move_page(request, deal, target, None, refusal=services.closed_message(deal))
        return _move_page(request, deal, target, _move_form(deal, target, stages, seen))

    form = _move_form(deal, target, stages, seen, data=request.POST)
    if not form.is_valid():
        return _move_failed(request, deal, target, form, status=422)
    try:
        if isinstance(form, CloseForm):
            result = services.close_deal(
                deal=deal,
                to_stage=target,
                user=request.user,
                value=form.cleaned_data["value"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                expected_stage_id=form.cleaned_data["expected_stage"],
            )
        else:
            result = services.move_deal(
                deal=deal,
                to_stage=form.cleaned_data["stage"],
                user=request.user,
                next_step=form.cleaned_data["next_step"],
                next_step_due=form.cleaned_data["next_step_due"],
                expected_stage_id=form.cleaned_data["expected_stage"],
            )
    except ValidationError as error:
        _add_errors(form, error)
        return _move_failed(request, deal, target, form, status=422)
    except services.DealMovedElsewhere as error:
        return _move_refused(request, deal, target, str(error), status=409)
    except services.InvalidMove as error:
        return _move_refused(request, deal, target, str(error), status=422)
    if result.moved:
        message = f"Moved “{deal.title}” from {result.from_stage.name} to {result.to_stage.name}."
    else:
        message = f"“{deal.title}” is already in {result.to_stage.name}; nothing changed."
    if is_htmx(request):
        return render(request, "sales/_move_done.html", {"message": message})
    messages.success(request, message)
    if form.cleaned_data.get("return_to") == "deal":
        return redirect("deal", pk=deal.pk)
    return redirect("pipeline")


def _move_form(
    deal: Deal, target: Stage | None, stages: list[Stage], seen: int, data=None
) -> MoveForm | CloseForm:
    if target is not None and target.is_closed:
        return CloseForm(
            data,
            stage=target,
            initial={"stage": target.pk, "expected_stage": seen, "value": deal.value},
        )
    initial = {
        "expected_stage": seen,
        "next_step": deal.next_step,
        "next_step_due": deal.next_step_due,
    }
    if target is not None:
        initial["stage"] = target.pk
    return MoveForm(data, initial=initial, stages=stages, seen_stage_id=seen)


def _move_page(request, deal, target, form, status=200, refusal="") -> HttpResponse:
    context = {
        "deal": deal,
        "target": target,
        "form": form,
        "closing": isinstance(form, CloseForm),
        "refusal": refusal,
        "in_dialog": is_htmx(request),
    }
    template = "sales/_move_form.html" if is_htmx(request) else "sales/move.html"
    return render(request, template, context, status=status)


def _move_failed(request, deal, target, form, status) -> HttpResponse:
    if form.data.get("return_to") == "deal" and not is_htmx(request):
        if isinstance(form, CloseForm):
            name = "won_form" if form.outcome == "won" else "lost_form"
            form.auto_id = f"{form.outcome}_%s"
        else:
            name = "move_form"
            form.auto_id = "move_%s"
        return _deal_page(request, deal.pk, status=status, **{name: form})
    return _move_page(request, deal, target, form, status=status)


def _move_refused(request, deal, target, refusal: str, status: int) -> HttpResponse:
    if request.POST.get("return_to") == "deal" and not is_htmx(request):
        messages.error(request, refusal)
        return _deal_page(request, deal.pk, status=status)
    return _move_page(request, deal, target, None, status=status, refusal=refusal)


@require_POST
def next_step(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_for_user(request.user, pk)
    form = NextStepForm(request.POST, auto_id="step_%s")
    if not form.is_valid():
        return _deal_page(request, pk, status=422, next_step_form=form)
    try:
        services.set_next_step(deal=deal, user=request.user, **form.cleaned_data)
    except ValidationError as error:
        _add_errors(form, error)
        return _deal_page(request, pk, status=422, next_step_form=form)
    except services.InvalidMove as error:
        messages.error(request, str(error))
        return _deal_page(request, pk, status=422)
    messages.success(request, "Next step saved.")
    return redirect("deal", pk=pk)


@require_http_methods(["GET", "HEAD", "POST"])
def new_deal(request: HttpRequest, contact_pk: int) -> HttpResponse:
    """Open a deal for a contact with no enquiry: its origin comes from their history."""
    contact = contact_for_user(request.user, contact_pk)
    if contact.erased_at:
        raise Http404("An erased person's placeholder takes no new deals.")
    form = NewDealForm(
        request.POST or None,
        initial={"title": f"{contact.name}: ", "next_step_due": business_date(now())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            deal = services.open_deal(contact=contact, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, f"Deal “{deal.title}” opened in the pipeline.")
            return redirect("deal", pk=deal.pk)
    status = 422 if request.method == "POST" else 200
    context = {"contact": contact, "form": form}
    return render(request, "sales/deal_new.html", context, status=status)


@require_POST
def set_origin(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_for_user(request.user, pk)
    form = OriginForm(request.POST, auto_id="origin_%s")
    if not form.is_valid():
        return _deal_page(request, pk, status=422, origin_form=form)
    origins.set_deal_origin(deal=deal, user=request.user, origin=form.cleaned_data["origin"])
    messages.success(request, "Origin saved.")
    return redirect("deal", pk=pk)


@require_POST
def log_activity(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_for_user(request.user, pk)
    form = ActivityForm(request.POST, deal_is_open=not deal.stage.is_closed, auto_id="activity_%s")
    if not form.is_valid():
        return _deal_page(request, pk, status=422, activity_form=form)
    data = form.cleaned_data
    try:
        activity = services.log_activity(
            deal=deal,
            user=request.user,
            kind=data["kind"],
            direction=data["direction"],
            subject=data["subject"],
            body=data["body"],
            occurred_at=data["occurred_at"],
            next_step=data.get("next_step", ""),
            next_step_due=data.get("next_step_due"),
            **form.signals(),
        )
    except ValidationError as error:
        _add_errors(form, error)
        return _deal_page(request, pk, status=422, activity_form=form)
    messages.success(request, f"{activity.get_kind_display()} logged.")
    return redirect("deal", pk=pk)


# --- Today ------------------------------------------------------------------------------


@require_GET
def today(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    moment, today = _moment_and_today(request)
    context = {
        "page": selectors.today_page(moment=moment, today=today, user=request.user, mine=mine),
        "mine": mine,
        "now": moment,
        "today": today,
    }
    return render(request, "sales/today.html", context)


# --- the calendar feed ------------------------------------------------------------------


@login_not_required  # calendar apps cannot sign in: the secret in the address is the key
@require_http_methods(["GET", "HEAD"])
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    feed = selectors.calendar_feed_by_secret(secret)
    if feed is None:
        # The site's ordinary 404, the same for every wrong or rotated secret.
        raise Http404("No calendar here.")
    body = calendar.feed_ics(user=feed.user)
    response = HttpResponse(
        body if request.method == "GET" else b"", content_type="text/calendar; charset=utf-8"
    )
    response["Content-Length"] = str(len(body))
    response["Content-Disposition"] = 'inline; filename="handraise.ics"'
    # Apps poll every 15 minutes; no shared cache may keep a copy of a secret address.
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """The user's own feed address (made the first time they come here) and how to use it."""
    feed = calendar.feed_for_user(user=request.user)
    template = "sales/_calendar_feed.html" if is_htmx(request) else "sales/calendar.html"
    return render(request, template, _calendar_context(feed))


@require_http_methods(["GET", "POST"])
def calendar_rotate(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm (subscribed calendars stop updating); POST rotates the secret."""
    if request.method == "GET":
        template = (
            "sales/_calendar_rotate.html" if is_htmx(request) else "sales/calendar_rotate.html"
        )
        return render(request, template)
    feed = calendar.rotate_feed_secret(user=request.user)
    message = (
        "The secret is rotated: the old address no longer works. Subscribe again with this one."
    )
    if is_htmx(request):
        return render(request, "sales/_calendar_feed.html", _calendar_context(feed, notice=message))
    messages.success(request, message)
    return redirect("calendar-settings")


def _calendar_context(feed, notice: str = "") -> dict:
    url = calendar.feed_url(feed)
    return {
        "feed": feed,
        "feed_url": url,
        "webcal_url": calendar.webcal_url(feed),
        # Google's servers and other devices cannot fetch from this machine's loopback.
        "loopback": urlsplit(url).hostname in ("localhost", "127.0.0.1", "::1"),
        "notice": notice,
        "days_before": selectors.CALENDAR_DAYS_BEFORE,
    }


# --- parsing ----------------------------------------------------------------------------


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def _stage_from(raw: str | None, stages: list[Stage]) -> Stage | None:
    wanted = _int(raw)
    return next((stage for stage in stages if stage.pk == wanted), None)


def _add_errors(form: Form, error: ValidationError) -> None:
    """A service's field errors on the form's fields; anything else above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- cadences ---------------------------------------------------------------------------


def _cadence_panel(deal: Deal, failed: DraftForm | None) -> dict:
    """The deal page's cadence panel; a draft that failed to send keeps what was typed."""
    panel = selectors.deal_cadences(deal)
    drafts = []
    for run in panel.drafts:
        if failed is not None and failed.run_id == run.pk:
            drafts.append((run, failed))
        else:
            initial = {"subject": run.subject, "body": run.body, "return_to": "deal"}
            drafts.append((run, DraftForm(initial=initial, auto_id=f"draft{run.pk}_%s")))
    return {"cadences": panel, "drafts": drafts}


def _cadence_done(request: HttpRequest, deal_id: int, message: str, *, error: bool = False):
    """After a cadence action: the row's new state for htmx, else back where it came from."""
    if is_htmx(request):
        return render(request, "sales/_cadence_done.html", {"message": message, "error": error})
    (messages.error if error else messages.success)(request, message)
    if request.POST.get("return_to") == "today":
        return redirect("today")
    return redirect(reverse("deal", args=[deal_id]) + "#cadences")


@require_POST
def cadence_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_for_user(request.user, pk)
    cadence = Cadence.objects.filter(pk=_int(request.POST.get("cadence")) or 0).first()
    if cadence is None:
        return _cadence_done(request, pk, "Choose a cadence to enrol the deal in.", error=True)
    try:
        enrolment = cadences.enrol(deal=deal, cadence=cadence, user=request.user)
    except cadences.CadenceError as error:
        return _cadence_done(request, pk, str(error), error=True)
    when = business_time(enrolment.next_run_at, zone=request.business.zone)
    due = f"{when:%a} {when.day} {when:%b, %H:%M}"
    return _cadence_done(request, pk, f"Enrolled in “{cadence.name}”: its first step is due {due}.")


@require_POST
def cadence_stop(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = selectors.enrolment_for_user(request.user, pk)
    if cadences.stop_enrolment(enrolment=enrolment, user=request.user):
        message = f"Stopped “{enrolment.cadence.name}”: no more of its steps will run."
    else:
        message = f"“{enrolment.cadence.name}” had already finished or stopped."
    return _cadence_done(request, enrolment.deal_id, message)


@require_POST
def draft_approve(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.cadence_run_for_user(request.user, pk)
    deal_id = run.enrolment.deal_id
    form = DraftForm(request.POST, auto_id=f"draft{run.pk}_%s")
    form.run_id = run.pk
    if form.is_valid():
        try:
            sent = cadences.approve_draft(
                run=run,
                user=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        except cadences.CadenceError as error:
            return _cadence_done(request, deal_id, str(error), error=True)
        else:
            return _cadence_done(request, deal_id, f"Sent “{sent.subject}”.")
    if is_htmx(request):
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _cadence_done(request, deal_id, f"Not sent: {problems}", error=True)
    return _deal_page(request, deal_id, status=422, draft_form=form)


@require_POST
def draft_skip(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.cadence_run_for_user(request.user, pk)
    try:
        skipped = cadences.skip_draft(run=run, user=request.user)
    except cadences.CadenceError as error:
        return _cadence_done(request, run.enrolment.deal_id, str(error), error=True)
    return _cadence_done(request, run.enrolment.deal_id, f"Skipped “{skipped.subject}”.")


@require_POST
def cadence_task_done(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.cadence_run_for_user(request.user, pk)
    try:
        activity = cadences.complete_task(run=run, user=request.user)
    except cadences.CadenceError as error:
        return _cadence_done(request, run.enrolment.deal_id, str(error), error=True)
    return _cadence_done(request, run.enrolment.deal_id, f"Done: {activity.subject}.")


# --- cadence settings (owners) ----------------------------------------------------------


@require_GET
@owner_required
def cadence_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "sales/cadence_list.html", {"cadences": selectors.cadence_settings_list()}
    )


@require_http_methods(["GET", "POST"])
@owner_required
def cadence_new(request: HttpRequest) -> HttpResponse:
    return _cadence_settings(request, Cadence())


@require_http_methods(["GET", "POST"])
@owner_required
def cadence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _cadence_settings(request, get_object_or_404(Cadence, pk=pk))


def _cadence_settings(request: HttpRequest, cadence: Cadence) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = CadenceForm(data, instance=cadence)
    steps = CadenceStepFormSet(data, instance=cadence, prefix="steps")
    if cadence.pk is None:
        steps.extra = 3  # room for a typical plan: day 2, day 5, day 10
    if data is not None and form.is_valid() and steps.is_valid():
        kept, removed = kept_steps(steps)
        saved = cadences.save_cadence(cadence=form.save(commit=False), steps=kept, removed=removed)
        count = f"{len(kept)} step" + ("" if len(kept) == 1 else "s")
        messages.success(request, f"Saved “{saved.name}” with {count}.")
        return redirect("cadence-list")
    context = {
        "cadence": cadence,
        "form": form,
        "steps": steps,
        "placeholders": offered(DEAL),
    }
    return render(
        request, "sales/cadence_form.html", context, status=422 if data is not None else 200
    )


# --- proposals --------------------------------------------------------------------------


def _proposal_form(deal: Deal, *, sent_at: datetime) -> ProposalForm:
    return ProposalForm(
        initial={
            "amount": deal.value or None,
            "currency": deal.currency,
            "sent_at": sent_at,
            "next_step": "Follow up on the proposal",
            "next_step_due": deal.next_step_due,
        },
        auto_id="proposal_%s",
    )


@require_POST
def send_proposal(request: HttpRequest, pk: int) -> HttpResponse:
    deal = selectors.deal_for_user(request.user, pk)
    form = ProposalForm(request.POST, request.FILES, auto_id="proposal_%s")
    if not form.is_valid():
        return _deal_page(request, pk, status=422, proposal_form=form)
    data = form.cleaned_data
    try:
        services.send_proposal(
            deal=deal,
            user=request.user,
            amount=data["amount"],
            currency=data["currency"],
            sent_at=data["sent_at"],
            link=data["link"],
            document=data["document"] or None,
            note=data["note"],
            next_step=data["next_step"],
            next_step_due=data["next_step_due"],
        )
    except ValidationError as error:
        _add_errors(form, error)
        return _deal_page(request, pk, status=422, proposal_form=form)
    except services.DealError as error:
        messages.error(request, str(error))
        return _deal_page(request, pk, status=422)
    messages.success(request, "Proposal recorded.")
    return redirect("deal", pk=pk)


@require_GET
def proposal_document(request: HttpRequest, pk: int, proposal_pk: int) -> FileResponse:
    """The proposal's document, as a download only: never shown inline, never sniffed."""
    proposal = selectors.proposal_for_user(request.user, deal_pk=pk, pk=proposal_pk)
    try:
        handle = proposal.document.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("That document is no longer on the server.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(proposal.document_name, proposal.document_type),
        content_type=proposal.document_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
