"""Access-checked selectors refuse with Django's PermissionDenied, which Django answers
with a 403, never with Python's PermissionError, which escapes a view as a 500.

Through the site an anonymous visitor is sent to sign in before any selector runs, and
an inactive user's session no longer signs them in, so the refusal is checked here, at
the selectors themselves.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from handraise.contacts import selectors as contact_selectors
from handraise.enquiries import selectors as enquiry_selectors
from handraise.sales import selectors as sales_selectors

pytestmark = [pytest.mark.unit, pytest.mark.django_db]

SELECTORS = [
    lambda user: sales_selectors.deal_for_user(user, 1),
    lambda user: sales_selectors.proposal_for_user(user, deal_pk=1, pk=1),
    lambda user: sales_selectors.enrolment_for_user(user, 1),
    lambda user: sales_selectors.cadence_run_for_user(user, 1),
    lambda user: contact_selectors.contact_for_user(user, 1),
    lambda user: enquiry_selectors.enquiry_for_user(user, 1),
]


@pytest.mark.parametrize("select", SELECTORS)
def test_an_anonymous_visitor_is_refused_with_permission_denied(select):
    with pytest.raises(PermissionDenied):
        select(AnonymousUser())


@pytest.mark.parametrize("select", SELECTORS)
def test_an_inactive_user_is_refused_with_permission_denied(select, teammate):
    teammate.is_active = False
    with pytest.raises(PermissionDenied):
        select(teammate)


def test_deal_page_refuses_an_anonymous_visitor_with_permission_denied():
    with pytest.raises(PermissionDenied):
        sales_selectors.deal_page(AnonymousUser(), 1, moment=None, today=None)
