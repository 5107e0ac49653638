"""The Inbox: enquiries waiting for a first response, and the actions that answer them.

Views parse the request, call a service or selector and render; an htmx
request gets the partial template (names starting with an underscore).
"""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from handraise.accounts.access import is_owner
from handraise.core.clock import business_now, now
from handraise.core.htmx import is_htmx
from handraise.core.placeholders import fill, recipient_values
from handraise.enquiries import answering, email_ingest, selectors, submissions
from handraise.enquiries.acknowledgement import placeholder_values
from handraise.enquiries.form_settings import save_form_settings
from handraise.enquiries.forms import (
    LABELS,
    CallForm,
    ConvertForm,
    FormSettingsForm,
    ManualEnquiryForm,
    MeetingForm,
    ReplyForm,
)
from handraise.enquiries.intake import forget_cached_forms
from handraise.enquiries.models import Enquiry, Form, InboundEmail, ReplyTemplate, Submission
from handraise.marketing import sources

PAGE_SIZE = 50


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:200]
    channel = request.GET.get("channel", "")
    if channel not in Enquiry.Channel.values:
        channel = ""
    waiting = selectors.inbox(search=search, channel=channel)
    page = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "search": search,
        "channel": channel,
        "channels": Enquiry.Channel.choices,
        "now": now(),
        "quarantined": selectors.quarantine().count() + selectors.quarantined_emails().count(),
        "undo": _undoable(request),
        "trouble": selectors.engine_trouble(),
    }
    partial = is_htmx(request)
    template = "enquiries/_inbox_list.html" if partial else "enquiries/inbox.html"
    return render(request, template, context)


@require_GET
def enquiry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    enquiry = selectors.enquiry_for_user(request.user, pk)
    return _detail(request, enquiry)


def _detail(request, enquiry: Enquiry, status: int = 200, **forms) -> HttpResponse:
    business = request.business
    local_now = business_now(zone=business.zone).replace(second=0, microsecond=0)
    recipient = recipient_values(enquiry.from_name, enquiry.contact.name)
    name = recipient["name"]
    context = {
        "enquiry": enquiry,
        "context": selectors.enquiry_context(enquiry),
        "original_source": sources.original_source(contact_id=enquiry.contact_id),
        "latest_source": sources.latest_sources([enquiry]).get(enquiry.pk),
        "now": now(),
        "reply_form": forms.get("reply_form")
        or ReplyForm(
            initial={
                "token": uuid.uuid4(),
                "subject": f"Re: your enquiry to {business.name}",
                "body": f"Hello {recipient['first_name']},\n\n",
            }
        ),
        "call_form": forms.get("call_form") or CallForm(auto_id="call_%s"),
        "meeting_form": forms.get("meeting_form")
        or MeetingForm(initial={"when": local_now}, auto_id="meeting_%s"),
        "convert_form": forms.get("convert_form")
        or ConvertForm(
            initial={
                "title": f"{enquiry.from_company or name}: {enquiry.message[:60]}".strip(": "),
                "next_step": "Follow up on our conversation",
                "next_step_due": local_now.date(),
            }
        ),
        "templates": ReplyTemplate.objects.all(),
    }
    return render(request, "enquiries/enquiry.html", context, status=status)


@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    enquiry = selectors.enquiry_for_user(request.user, pk)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        return _detail(request, enquiry, status=422, reply_form=form)
    try:
        answering.reply_by_email(
            enquiry=enquiry,
            user=request.user,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
            token=str(form.cleaned_data["token"]),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _detail(request, enquiry, status=422, reply_form=form)
    messages.success(
        request, f"Reply to {enquiry.from_name or enquiry.contact.name} is on its way."
    )
    return redirect("enquiry", pk=enquiry.pk)


@require_GET
def reply_template(request: HttpRequest, pk: int) -> HttpResponse:
    """The reply form's subject and body filled from a saved reply (htmx swaps them in)."""
    enquiry = selectors.enquiry_for_user(request.user, pk)
    template = get_object_or_404(ReplyTemplate, pk=request.GET.get("template") or 0)
    values = placeholder_values(enquiry=enquiry, business=request.business)
    form = ReplyForm(
        initial={
            "token": request.GET.get("token") or uuid.uuid4(),
            "template": template.pk,
            "subject": fill(template.subject, values),
            "body": fill(template.body, values),
        }
    )
    return render(request, "enquiries/_reply_fields.html", {"reply_form": form, "enquiry": enquiry})


@require_POST
def log_call(request: HttpRequest, pk: int) -> HttpResponse:
    enquiry = selectors.enquiry_for_user(request.user, pk)
    form = CallForm(request.POST, auto_id="call_%s")
    if not form.is_valid():
        return _detail(request, enquiry, status=422, call_form=form)
    try:
        answering.log_call(
            enquiry=enquiry, user=request.user, notes=form.cleaned_data["notes"], **form.signals()
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _detail(request, enquiry, status=422, call_form=form)
    messages.success(request, "Call logged; the response clock has stopped.")
    return redirect("enquiry", pk=enquiry.pk)


@require_POST
def log_meeting(request: HttpRequest, pk: int) -> HttpResponse:
    enquiry = selectors.enquiry_for_user(request.user, pk)
    form = MeetingForm(request.POST, auto_id="meeting_%s")
    if not form.is_valid():
        return _detail(request, enquiry, status=422, meeting_form=form)
    held = form.cleaned_data["held"]
    try:
        answering.log_meeting(
            enquiry=enquiry,
            user=request.user,
            at=form.cleaned_data["when"],
            held=held,
            notes=form.cleaned_data["notes"],
            **form.signals(),
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _detail(request, enquiry, status=422, meeting_form=form)
    messages.success(request, "Meeting logged." if held else "Meeting booked.")
    return redirect("enquiry", pk=enquiry.pk)


@require_POST
def convert(request: HttpRequest, pk: int) -> HttpResponse:
    enquiry = selectors.enquiry_for_user(request.user, pk)
    form = ConvertForm(request.POST)
    if not form.is_valid():
        return _detail(request, enquiry, status=422, convert_form=form)
    try:
        deal = answering.convert_to_deal(enquiry=enquiry, user=request.user, **form.cleaned_data)
    except answering.EnquiryClosed as error:
        messages.error(request, str(error))
        return redirect("enquiry", pk=enquiry.pk)
    messages.success(request, f"Deal “{deal.title}” opened in the pipeline.")
    return redirect("enquiry", pk=enquiry.pk)


@require_POST
def dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    enquiry = selectors.enquiry_for_user(request.user, pk)
    as_spam = request.POST.get("as") == "spam"
    try:
        answering.dismiss_enquiry(enquiry=enquiry, user=request.user, as_spam=as_spam)
    except answering.EnquiryClosed as error:
        messages.error(request, str(error))
        return redirect("enquiry", pk=enquiry.pk)
    request.session["undo_enquiry"] = enquiry.pk
    messages.success(request, f"Marked as {'spam' if as_spam else 'not a lead'}.")
    return redirect("inbox")


@require_POST
def reopen(request: HttpRequest, pk: int) -> HttpResponse:
    enquiry = selectors.enquiry_for_user(request.user, pk)
    answering.reopen_enquiry(enquiry=enquiry)
    request.session.pop("undo_enquiry", None)
    messages.success(request, "Back in the Inbox.")
    return redirect("enquiry", pk=enquiry.pk)


def new_enquiry(request: HttpRequest) -> HttpResponse:
    form = ManualEnquiryForm(
        request.POST or None, phone_region=request.business.default_phone_region
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        enquiry = answering.record_enquiry(
            channel=data["channel"],
            user=request.user,
            name=data["name"],
            email=data["email"],
            phone=data["phone"],
            company=data["company"],
            message=data["message"],
            received_at=data["received_at"],
            answered=data["answered"],
        )
        messages.success(request, "Enquiry recorded.")
        return redirect("enquiry", pk=enquiry.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "enquiries/new_enquiry.html", {"form": form}, status=status)


@require_GET
def quarantine(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.quarantine(), PAGE_SIZE).get_page(request.GET.get("page"))
    emails = Paginator(selectors.quarantined_emails(), PAGE_SIZE).get_page(
        request.GET.get("emails_page")
    )
    failed = selectors.failed_submissions()[:20]
    context = {"page": page, "emails": emails, "failed": failed}
    return render(request, "enquiries/quarantine.html", context)


@require_POST
def restore_email(request: HttpRequest, pk: int) -> HttpResponse:
    inbound = get_object_or_404(InboundEmail, pk=pk)
    result = email_ingest.restore_inbound_email(inbound=inbound)
    if result.inbound.enquiry_id:
        messages.success(request, "Restored: it is in the Inbox now.")
        return redirect("enquiry", pk=result.inbound.enquiry_id)
    messages.success(request, f"Handled: {result}")
    return redirect(reverse("quarantine"))


@require_GET
def email_original(request: HttpRequest, pk: int) -> HttpResponse:
    """The email exactly as received, to open in a mail program (never shown as a page)."""
    inbound = get_object_or_404(InboundEmail, pk=pk)
    response = HttpResponse(bytes(inbound.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="email-{inbound.pk}.eml"'
    return response


@require_POST
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(Submission, pk=pk)
    submissions.restore_submission(submission=submission)
    messages.success(request, "Restored: it will be in the Inbox in a moment.")
    return redirect(reverse("quarantine"))


def _undoable(request) -> Enquiry | None:
    pk = request.session.get("undo_enquiry")
    if not pk:
        return None
    return Enquiry.objects.filter(
        pk=pk, status__in=[Enquiry.Status.NOT_A_LEAD, Enquiry.Status.SPAM]
    ).first()


@require_GET
def form_list(request: HttpRequest) -> HttpResponse:
    forms = Form.objects.annotate(enquiry_count=Count("enquiries")).order_by("name")
    return render(request, "enquiries/form_list.html", {"forms": forms})


def form_settings(request: HttpRequest, slug: str) -> HttpResponse:
    form_object = get_object_or_404(Form, slug=slug)
    editable = is_owner(request.user)
    if request.method == "POST" and not editable:
        raise PermissionDenied("Only the business's owners may change forms.")
    settings_form = FormSettingsForm(request.POST or None, instance=form_object)
    if request.method == "POST" and settings_form.is_valid():
        save_form_settings(
            form=settings_form.save(commit=False), notify=settings_form.cleaned_data["notify"]
        )
        forget_cached_forms()
        messages.success(request, "Form saved. Paste the snippet again if you changed fields.")
        return redirect("form-settings", slug=form_object.slug)
    snippet = render_to_string(
        "enquiries/_snippet.html",
        {
            "intake_url": settings.BASE_URL + reverse("intake", args=[form_object.slug]),
            "modes": form_object.fields,
            "labels": LABELS,
            "thanks": form_object.thank_you_message,
        },
    )
    context = {
        "form_object": form_object,
        "settings_form": settings_form,
        "editable": editable,
        "snippet": snippet,  # force-escaped in the page: it holds a </textarea> of its own
        "script_url": settings.BASE_URL + static("enquiries/handraise-form.js"),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "enquiries/form_settings.html", context, status=status)
