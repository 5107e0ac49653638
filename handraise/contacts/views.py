"""People: the contact list with search, and a contact's page with their timeline.

Views parse the request, call a selector and render; an htmx request (the
search box, the timeline's paging) gets the partial template.
"""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from handraise.accounts.access import is_owner
from handraise.contacts import selectors
from handraise.core.htmx import is_htmx
from handraise.marketing.sources import contact_sources
from handraise.sales.selectors import timeline

PAGE_SIZE = 50
SEARCH_MAX = 200


@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "")[:SEARCH_MAX]
    contacts = selectors.contact_list(search=search)
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "search": search.strip()}
    template = "contacts/_contact_list.html" if is_htmx(request) else "contacts/contact_list.html"
    return render(request, template, context)


@require_GET
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_for_user(request.user, pk)
    story = timeline(contact=contact, before=request.GET.get("before", ""))
    if is_htmx(request):  # the timeline's "Earlier" and "Back to the latest" links
        return render(request, "sales/_timeline.html", {"timeline": story, "show_deal": True})
    details = selectors.contact_details(contact)
    context = {
        "details": details,
        "sources": contact_sources(contact_id=contact.pk, enquiries=details.enquiries),
        "timeline": story,
        # Exporting and erasing a person's data are the owners' (handraise.privacy).
        "is_owner": is_owner(request.user),
    }
    return render(request, "contacts/contact.html", context)
