from django import forms
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from bench.reference.models import BareSubmission
from handraise.sales.models import Deal


class BareForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    message = forms.CharField(max_length=10_000)


@login_not_required
@csrf_exempt  # like /f/<slug>/: posted from another site, with no CSRF token
@require_POST
def bare_submission(request: HttpRequest) -> HttpResponse:
    form = BareForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=422)
    BareSubmission.objects.create(**form.cleaned_data)
    # The same answer intake gives an HTML form post: 303 to a thank-you page.
    response = HttpResponseRedirect("/bench/bare/thanks/")
    response.status_code = 303
    return response


@login_not_required
@require_GET
def bare_redirect(request: HttpRequest) -> HttpResponse:
    """The reference for ``/r/<code>``: a public GET answered with a 302, nothing else."""
    return HttpResponseRedirect("https://www.example.com/?utm_source=bench")


@login_not_required
@require_GET
def bare_click(request: HttpRequest) -> HttpResponse:
    """The reference for ``/r/<code>`` doing the same database work: one lookup by
    primary key, one INSERT, then the 302."""
    BareSubmission.objects.filter(pk=1).first()
    BareSubmission.objects.create(name="click", email="click@example.com", message="")
    return HttpResponseRedirect("https://www.example.com/?utm_source=bench")


@login_not_required
@csrf_exempt
@require_POST
def bare_event(request: HttpRequest) -> HttpResponse:
    """The reference for ``POST /t/``: a public POST whose body is read and answered 204,
    nothing else (no parsing, no database)."""
    request.body  # noqa: B018 (read, as the endpoint must, and dropped)
    return HttpResponse(status=204)


@require_GET
def bare_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The reference for signed-in pages: one deal by primary key, in a small template.

    Like every Handraise page it needs a signed-in user (the same session, user and
    business-settings work in the middleware) and renders through the template engine
    with the same context processors; it does nothing else.
    """
    deal = get_object_or_404(Deal.objects.only("title", "value", "currency"), pk=pk)
    return render(request, "reference/page.html", {"deal": deal})
