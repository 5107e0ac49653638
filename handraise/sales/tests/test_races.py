"""Two people moving one card at the same moment, on a real database with real threads.

Each thread has its own connection and transaction, as two web requests do; the
stages the migrations made are restored for it (serialized_rollback), since a
transactional test starts from an emptied database.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from handraise.sales import services
from handraise.sales.models import Activity, Deal
from handraise.testing.factories import make_deal, stage, today

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_two_people_moving_one_card_at_the_same_moment_leave_one_move(owner, teammate):
    deal = make_deal(stage_name="Proposal")
    seen = deal.stage_id
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def drag(user, to):
        try:
            start.wait()
            services.move_deal(
                deal=Deal.objects.get(pk=deal.pk),
                to_stage=stage(to),
                user=user,
                next_step=f"{user.first_name}'s next step",
                next_step_due=today() + timedelta(days=1),
                expected_stage_id=seen,
            )
            outcomes.append("moved")
        except services.DealMovedElsewhere:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=drag, args=(owner, "Negotiation")),
        threading.Thread(target=drag, args=(teammate, "Conversation")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["moved", "refused"]
    assert Activity.objects.filter(deal=deal).count() == 1
    assert Deal.objects.get(pk=deal.pk).stage.name in ("Negotiation", "Conversation")
