"""The hosted form page keeps its campaign: opened from a newsletter's link
(``/f/<slug>/?utm_source=...``) and sent as a plain form post, with no script,
the enquiry still records the UTM tags and the page that linked to it."""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from handraise.enquiries.forms import EXTRA_FIELDS
from handraise.enquiries.models import Enquiry, Submission
from handraise.enquiries.submissions import process_received_submissions

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

GOOD = {"name": "Ann Lee", "email": "ann@example.com", "message": "Can you help?"}
NEWSLETTER = (
    "/f/contact/?utm_source=newsletter&utm_medium=email&utm_campaign=spring-2026"
    "&utm_content=header&utm_term=month-end"
)
# The repository's copy of ../shared/data/blns.json (CI runs on a lone clone).
BLNS = Path(settings.BASE_DIR).parent / "tests" / "data" / "blns.json"


class HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("type") == "hidden":
            self.values[attrs["name"]] = attrs.get("value") or ""


def hidden_inputs(page: str) -> dict[str, str]:
    parser = HiddenInputs()
    parser.feed(page)
    return parser.values


@pytest.fixture
def prospect() -> Client:
    return Client(REMOTE_ADDR="203.0.113.7")


def open_and_send(prospect: Client, address: str, **headers) -> Enquiry:
    page = prospect.get(address, headers=headers)
    assert page.status_code == 200
    hidden = hidden_inputs(page.content.decode())
    response = prospect.post("/f/contact/", hidden | GOOD)
    assert response.status_code == 303
    process_received_submissions()
    return Enquiry.objects.get()


def test_a_plain_post_from_a_newsletter_link_records_the_campaign_and_referrer(prospect):
    enquiry = open_and_send(prospect, NEWSLETTER, referer="https://mail.example/inbox/42")
    assert (
        enquiry.utm_source,
        enquiry.utm_medium,
        enquiry.utm_campaign,
        enquiry.utm_content,
        enquiry.utm_term,
    ) == ("newsletter", "email", "spring-2026", "header", "month-end")
    assert enquiry.referrer == "https://mail.example/inbox/42"


def test_a_page_opened_without_tags_records_none(prospect):
    enquiry = open_and_send(prospect, "/f/contact/")
    assert (enquiry.utm_source, enquiry.utm_campaign, enquiry.referrer) == ("", "", "")


def test_a_referrer_on_handraise_itself_is_left_out(prospect):
    enquiry = open_and_send(prospect, NEWSLETTER, referer=f"{settings.BASE_URL}/settings/forms/")
    assert enquiry.referrer == ""
    assert enquiry.utm_campaign == "spring-2026"


def test_the_values_are_escaped_and_cut_to_their_limits(prospect):
    hostile = '"><script>alert(1)</script>'
    page = prospect.get(
        "/f/contact/",
        {"utm_source": hostile, "utm_campaign": "c" * 5000},
        headers={"referer": "https://blog.example/" + "r" * 5000},
    ).content.decode()
    assert "<script>alert(1)</script>" not in page
    hidden = hidden_inputs(page)
    assert hidden["utm_source"] == hostile
    assert hidden["utm_campaign"] == "c" * EXTRA_FIELDS["utm_campaign"]
    assert len(hidden["hr_referrer"]) == EXTRA_FIELDS["hr_referrer"]
    response = prospect.post("/f/contact/", hidden | GOOD)
    assert response.status_code == 303  # the cut values pass the form's own limits


def test_a_form_sent_back_with_errors_keeps_the_campaign(prospect):
    hidden = hidden_inputs(prospect.get(NEWSLETTER).content.decode())
    refused = prospect.post("/f/contact/", hidden | {"name": "Ann", "email": "not an address"})
    assert refused.status_code == 422
    again = hidden_inputs(refused.content.decode())
    assert again["utm_campaign"] == "spring-2026"
    prospect.post("/f/contact/", again | GOOD)
    process_received_submissions()
    assert Enquiry.objects.get().utm_campaign == "spring-2026"


def test_the_big_list_of_naughty_strings_through_the_query_parameters(prospect, settings):
    settings.INTAKE_RATE_LIMIT = "10000/m"  # one address sends them all
    strings = [text for text in json.loads(BLNS.read_text(encoding="utf-8")) if text]
    names = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"]
    for index, text in enumerate(strings):
        page = prospect.get(
            "/f/contact/", {names[index % 5]: text}, headers={"referer": text[:2000]}
        )
        assert page.status_code == 200, text
        hidden = hidden_inputs(page.content.decode())
        response = prospect.post("/f/contact/", hidden | GOOD)
        assert response.status_code == 303, text
    process_received_submissions(limit=len(strings))
    assert Submission.objects.filter(status=Submission.Status.PROCESSED).count() == len(strings)
    assert Enquiry.objects.exclude(utm_source="").exists()
