"""Touchpoints in the admin: the biggest table, so a page must stay cheap."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from handraise.contacts.models import Contact
from handraise.marketing.models import Asset, Touchpoint

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# A fixed budget with room for shared plumbing; a query per row (30 rows) blows it.
CHANGELIST_QUERY_BUDGET = 12


def make_touchpoints(count: int) -> None:
    now = timezone.now()
    for n in range(count):
        Touchpoint.objects.create(
            visitor_id=f"v{n}",
            contact=Contact.objects.create(name=f"Person {n}"),
            asset=Asset.objects.create(kind=Asset.Kind.ARTICLE, title=f"Article {n}"),
            occurred_at=now - timedelta(minutes=n),
        )


def test_touchpoint_changelist_makes_a_fixed_number_of_queries(
    owner_client, django_assert_max_num_queries
):
    make_touchpoints(30)

    with django_assert_max_num_queries(CHANGELIST_QUERY_BUDGET):
        response = owner_client.get(reverse("admin:marketing_touchpoint_changelist"))

    assert response.status_code == 200
    assert b"Article 29" in response.content


def test_filtered_touchpoint_changelist_does_not_count_the_whole_table(owner_client):
    make_touchpoints(3)

    with CaptureQueriesContext(connection) as queries:
        owner_client.get(reverse("admin:marketing_touchpoint_changelist"), {"channel": "direct"})

    counts = [
        q["sql"] for q in queries if "COUNT(" in q["sql"] and "marketing_touchpoint" in q["sql"]
    ]
    assert len(counts) == 1
    assert "WHERE" in counts[0]
