"""The signed-in home page, and the ideal client profile's settings page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from handraise.accounts.access import is_owner
from handraise.enquiries.selectors import engine_trouble
from handraise.insights import selectors
from handraise.insights.fit import FIT_THRESHOLD, NOT_STATED_SHARE, WEIGHTS, active_profile
from handraise.insights.forms import IdealClientProfileForm
from handraise.insights.services import save_ideal_client_profile

PROFILE_FIELDS = (
    "name",
    "description",
    "industries",
    "min_employees",
    "max_employees",
    "min_deal_value",
    "regions",
    "keywords",
)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    context = {"figures": selectors.home_figures(), "trouble": engine_trouble()}
    return render(request, "insights/home.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def ideal_client_profile(request: HttpRequest) -> HttpResponse:
    """Everyone signed in reads the profile; owners change it (and every fit with it)."""
    editable = is_owner(request.user)
    if request.method == "POST" and not editable:
        raise PermissionDenied("Only the business's owners may change the ideal client profile.")
    profile = active_profile()
    initial = {name: getattr(profile, name) for name in PROFILE_FIELDS} if profile else {}
    form = IdealClientProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save_ideal_client_profile(**{name: form.cleaned_data[name] for name in PROFILE_FIELDS})
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Profile saved. Every enquiry's fit is being recomputed in the background."
            )
            return redirect("ideal-client")
    context = {
        "form": form,
        "profile": profile,
        "editable": editable,
        "weights": WEIGHTS,
        "threshold": FIT_THRESHOLD,
        "not_stated_percent": int(NOT_STATED_SHARE * 100),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "insights/ideal_client.html", context, status=status)
