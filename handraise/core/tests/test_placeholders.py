"""Placeholders in text users write: refused when unknown, filled plainly, one first name.

The acknowledgement, the saved replies and the cadence steps all fill their
placeholders with ``handraise.core.placeholders``; these tests hold each of them to it.
"""

import html
import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.urls import reverse

from handraise.accounts.models import BusinessSettings
from handraise.core.clock import now
from handraise.core.models import OutgoingEmail
from handraise.core.placeholders import (
    DEAL,
    ENQUIRY,
    PlaceholderValidator,
    fill,
    recipient_values,
)
from handraise.demo.words import CADENCE_STEPS
from handraise.enquiries.acknowledgement import acknowledge_enquiry
from handraise.enquiries.models import Enquiry, ReplyTemplate
from handraise.sales import cadences
from handraise.sales.models import Cadence, CadenceStep, CadenceStepRun
from handraise.testing import factories
from handraise.testing.factories import make_deal

# Text a user could write that a Django template would evaluate.
HOSTILE = ["{{ business.owner.password }}", "{% load static %}", "{{ name|safe }}"]
# A name as stored -> the first name every text addressed to that person uses.
FIRST_NAMES = [("", "there"), ("Ada", "Ada"), ("Ada Lovelace", "Ada"), ("  Ada Lovelace", "Ada")]


def refusal(context: str, value: str) -> str:
    with pytest.raises(ValidationError) as refused:
        PlaceholderValidator(context)(value)
    return refused.value.messages[0]


# --- the module -------------------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize(("name", "first_name"), FIRST_NAMES)
def test_the_first_name_is_the_first_word_or_there(name, first_name):
    assert recipient_values(name)["first_name"] == first_name
    assert recipient_values(name)["name"] == name.strip()


@pytest.mark.unit
def test_the_recipient_is_the_first_name_given_that_is_not_blank():
    assert recipient_values("  ", "Ann Lee") == {"name": "Ann Lee", "first_name": "Ann"}


@pytest.mark.unit
@pytest.mark.parametrize("hostile", HOSTILE)
def test_template_code_is_refused_naming_it_and_the_placeholders_allowed(hostile):
    message = refusal(ENQUIRY, f"Hello {{{{ first_name }}}}, {hostile}")
    assert hostile in message
    assert "{{ reply_promise }}" in message and "{{ message }}" in message
    assert "{{ deal }}" not in message  # a deal's placeholder: an enquiry has no deal


@pytest.mark.unit
def test_each_text_offers_only_the_placeholders_its_context_can_fill():
    assert "Unknown placeholder {{ deal }}" in refusal(ENQUIRY, "About {{ deal }}")
    assert "Unknown placeholder {{ reply_promise }}" in refusal(DEAL, "{{ reply_promise }}")
    PlaceholderValidator(DEAL)("Hi {{ contact.first_name }}, re {{ deal.title }}")  # aliases


@pytest.mark.unit
def test_defaults_and_demo_texts_use_plain_placeholders_only():
    business = BusinessSettings()
    PlaceholderValidator(ENQUIRY)(business.acknowledgement_subject)
    PlaceholderValidator(ENQUIRY)(business.acknowledgement_body)
    for _, _, _, subject, body in CADENCE_STEPS:
        PlaceholderValidator(DEAL)(subject)
        PlaceholderValidator(DEAL)(body)


@pytest.mark.unit
def test_filling_leaves_anything_but_a_known_placeholder_as_written():
    text = "Hi {{ name }} {{ business.owner.password }} {% load static %} {{ name|safe }}"
    filled = fill(text, {"name": "Ann"})
    assert filled == "Hi Ann {{ business.owner.password }} {% load static %} {{ name|safe }}"


@pytest.mark.unit
@pytest.mark.parametrize("text", ["{{" + " " * 100_000, "{% " * 50_000, "{{ " * 50_000])
def test_long_runs_of_braces_are_refused_at_save_and_left_as_written_when_sent(text):
    # The old pattern backtracked on these (minutes for 5,000 spaces); the one now used
    # has a single negated class and no nested repetition, so it reads them in one pass.
    with pytest.raises(ValidationError):
        PlaceholderValidator(ENQUIRY)(text + "{{ x }}")
    assert fill(text, {"name": "Ann"}) == text


# --- refused at save --------------------------------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize("hostile", HOSTILE)
def test_an_acknowledgement_with_template_code_is_refused_in_the_admin(owner_client, hostile):
    business = BusinessSettings.load()
    data = model_to_dict(business, exclude=["id", "updated_at"])
    data["acknowledgement_body"] = f"Hello {{{{ first_name }}}},\n\n{hostile}\n"
    url = reverse("admin:accounts_businesssettings_change", args=[business.pk])

    response = owner_client.post(url, data)

    assert response.status_code == 200  # the form again, with the error
    assert html.escape(hostile) in response.content.decode()
    assert "Use one of" in response.content.decode()
    assert BusinessSettings.load().acknowledgement_body == business.acknowledgement_body


@pytest.mark.integration
@pytest.mark.django_db
def test_a_saved_reply_with_template_code_is_refused_in_the_admin(owner_client):
    url = reverse("admin:enquiries_replytemplate_add")
    data = {"name": "Prices", "subject": "Our prices", "body": "Hi {{ name|upper }}"}

    response = owner_client.post(url, data)

    assert response.status_code == 200
    assert "Unknown placeholder {{ name|upper }}" in html.unescape(response.content.decode())
    assert not ReplyTemplate.objects.exists()


# --- filled at send time ----------------------------------------------------------------


def make_enquiry(name: str) -> Enquiry:
    return factories.make_enquiry(
        name, email="ada@example.com", message="Can you help with our month-end close?"
    )


@pytest.mark.integration
@pytest.mark.django_db
def test_text_stored_before_validation_is_sent_with_template_code_unevaluated(owner):
    body = "Hello {{ first_name }}. " + " ".join(HOSTILE)
    BusinessSettings.objects.update(acknowledgement_body=body)  # as if saved long ago

    acknowledge_enquiry(enquiry=make_enquiry("Ada Lovelace"), business=BusinessSettings.load())

    sent = OutgoingEmail.objects.get(kind="acknowledgement")
    assert sent.body == "Hello Ada. " + " ".join(HOSTILE)
    assert owner.password not in sent.body


@pytest.mark.integration
@pytest.mark.django_db
def test_the_acknowledgement_promises_a_reply_within_the_response_target():
    BusinessSettings.objects.update(response_target_minutes=120)

    acknowledge_enquiry(enquiry=make_enquiry("Ada Lovelace"), business=BusinessSettings.load())

    sent = OutgoingEmail.objects.get(kind="acknowledgement")
    assert sent.subject == "Thanks for getting in touch, Ada"
    assert "one of us will reply personally within 2 working hours." in sent.body
    assert "You wrote:\nCan you help with our month-end close?" in sent.body


def field_value(page: str, name: str) -> str:
    """What the reply form's input or textarea ``name`` shows."""
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', page, re.DOTALL
    )
    return html.unescape(found[1]).strip()


def first_names_by_path(client, name: str) -> dict[str, str]:
    """The first name the acknowledgement, a saved reply and a cadence step each use."""
    enquiry = make_enquiry(name)
    acknowledge_enquiry(enquiry=enquiry, business=BusinessSettings.load())
    acknowledgement = OutgoingEmail.objects.get(kind="acknowledgement").subject

    saved = ReplyTemplate.objects.create(name="Hello", subject="Hi {{ first_name }}", body="-")
    url = reverse("enquiry-reply-template", args=[enquiry.pk])
    reply = field_value(client.get(url, {"template": saved.pk}).content.decode(), "subject")

    cadence = Cadence.objects.create(name="Follow-up")
    CadenceStep.objects.create(
        cadence=cadence,
        position=0,
        business_days_after=1,
        kind="email",
        subject="Hi {{ first_name }}",
    )
    cadences.enrol(deal=make_deal(contact=enquiry.contact), cadence=cadence)
    cadences.run_due_steps(moment=now() + timedelta(days=30))
    step = CadenceStepRun.objects.get().subject

    return {
        "acknowledgement": acknowledgement.removeprefix("Thanks for getting in touch, "),
        "saved reply": reply.removeprefix("Hi "),
        "cadence step": step.removeprefix("Hi "),
    }


@pytest.mark.integration
@pytest.mark.django_db
@pytest.mark.parametrize(("name", "first_name"), FIRST_NAMES)
def test_every_text_greets_the_same_contact_by_the_same_first_name(owner_client, name, first_name):
    assert first_names_by_path(owner_client, name) == {
        "acknowledgement": first_name,
        "saved reply": first_name,
        "cadence step": first_name,
    }
