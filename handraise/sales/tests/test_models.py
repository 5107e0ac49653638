"""Deal invariants the database enforces whoever writes the row."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from handraise.contacts.models import Contact
from handraise.core.clock import now
from handraise.sales.models import Deal, Stage

pytestmark = [pytest.mark.unit, pytest.mark.django_db]


def build_deal(**fields) -> Deal:
    """An unsaved deal, so each test can save it or validate it and see what is refused."""
    moment = now()
    values = {
        "title": "Process review",
        "contact": Contact.objects.create(name="Ann Lee"),
        "stage": Stage.objects.get(name="Conversation"),
        "origin": Deal.Origin.MARKETING,
        "value": Decimal("4500"),
        "created_at": moment,
        "stage_entered_at": moment,
    }
    values.update(fields)
    return Deal(**values)


def test_default_pipeline_stages_exist_in_order():
    names = list(Stage.objects.values_list("name", flat=True))
    assert names == ["Enquiry", "Conversation", "Proposal", "Negotiation", "Won", "Lost"]
    assert Stage.objects.get(name="Won").is_won and Stage.objects.get(name="Lost").is_lost


def test_model_validation_refuses_a_negative_deal_value():
    with pytest.raises(ValidationError) as error:
        build_deal(value=Decimal("-1")).full_clean()
    assert "value" in error.value.message_dict


def test_database_refuses_a_negative_deal_value():
    with pytest.raises(IntegrityError):
        build_deal(value=Decimal("-1")).save()


def test_model_validation_refuses_a_deal_without_a_contact():
    with pytest.raises(ValidationError) as error:
        build_deal(contact=None).full_clean()
    assert "contact" in error.value.message_dict


def test_database_refuses_a_deal_without_a_contact():
    deal = build_deal()
    deal.contact_id = None
    with pytest.raises(IntegrityError), transaction.atomic():
        deal.save()


def test_a_contact_with_deals_cannot_be_deleted_by_accident():
    deal = build_deal()
    deal.save()

    with pytest.raises(ProtectedError):
        deal.contact.delete()
