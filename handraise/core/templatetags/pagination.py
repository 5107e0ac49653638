"""``{% pagination page %}``: Previous / Page n of m / Next under every paginated list."""

from django import template
from django.core.paginator import Page

register = template.Library()


@register.inclusion_tag("core/_pagination.html", takes_context=True)
def pagination(context, page: Page, param: str = "page", label: str = "Pages") -> dict:
    """Links to the neighbouring pages that keep the rest of the query (search, filters)."""
    query = context["request"].GET

    def url(number: int) -> str:
        changed = query.copy()
        changed[param] = str(number)
        return "?" + changed.urlencode()

    return {
        "page": page,
        "label": label,
        "previous": url(page.previous_page_number()) if page.has_previous() else "",
        "next": url(page.next_page_number()) if page.has_next() else "",
    }
