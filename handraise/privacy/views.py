"""One person's data, for owners: the export download and the erasure with its confirmation.

Both are the owners' alone (a teammate gets 403), as in HubSpot and Pipedrive:
handing over or destroying everything about a person is the business's decision.
The erasure changes nothing on GET; its page says what will go and asks for a
POST, which Django's CSRF check guards like every other form.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from handraise.core.clock import business_today
from handraise.privacy import selectors, services
from handraise.privacy.models import Erasure


@require_GET
def export_person(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.person_for_owner(request.user, pk)
    response = HttpResponse(
        selectors.person_export_json(contact), content_type="application/json; charset=utf-8"
    )
    # The file is named by id and date, not by the person: downloads folders get shared.
    name = f"handraise-person-{contact.pk}-{business_today(zone=request.business.zone)}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def erase_person(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.person_for_owner(request.user, pk)
    if request.method == "POST":
        try:
            erasure = services.erase_person(contact=contact, by=request.user, via=Erasure.Via.WEB)
        except services.AlreadyErased as error:
            messages.error(request, str(error))
            return redirect("contact-list")
        messages.success(
            request, f"Erased the person: {services.describe(erasure.counts)}. It cannot be undone."
        )
        return redirect("contact-list")
    counts = selectors.person_records(contact).counts()
    context = {"contact": contact, "summary": services.summary(counts)}
    return render(request, "privacy/erase_confirm.html", context)
