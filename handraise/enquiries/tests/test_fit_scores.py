"""Every enquiry gets its fit at intake, shown with its reasons in the Inbox and on the enquiry."""

from decimal import Decimal

import pytest

from handraise.contacts.models import Contact, Organisation
from handraise.enquiries import answering, submissions
from handraise.enquiries.fit_scores import rescore_enquiries
from handraise.enquiries.models import Enquiry
from handraise.insights.models import IdealClientProfile
from handraise.privacy.services import erase_person
from handraise.testing.factories import make_enquiry

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


@pytest.fixture
def profile() -> IdealClientProfile:
    return IdealClientProfile.objects.create(
        name="Operations businesses",
        industries=["Manufacturing"],
        min_employees=20,
        max_employees=200,
        regions=["GB"],
        min_deal_value=Decimal(8000),
        keywords=["lead time"],
    )


def test_a_form_post_gets_its_fit_when_the_worker_makes_the_enquiry(client, profile):
    Organisation.objects.create(name="Acme Engineering", industry="Manufacturing", employees=81)
    client.post(
        "/f/contact/",
        {
            "name": "Ann Lee",
            "email": "ann@acme.example",
            "phone": "+44 20 7946 0000",
            "company": "Acme Engineering",
            "message": "Our lead time has doubled; we have £10,000 set aside.",
        },
    )
    submissions.process_received_submissions()
    enquiry = Enquiry.objects.get()
    assert enquiry.contact.organisation.industry == "Manufacturing"
    assert enquiry.fit_score == 100
    assert enquiry.fit_reasons == (
        "manufacturing: a target sector; 81 people: inside 20–200; GB: a target region; "
        "budget 10,000: at least 8,000; mentions “lead time”"
    )


def test_an_enquiry_logged_by_hand_gets_its_fit(owner, profile):
    enquiry = answering.record_enquiry(
        channel=Enquiry.Channel.PHONE,
        user=owner,
        name="Ben Hall",
        phone="+1 212 555 0100",
        message="Need a website",
    )
    # sector 17.5 + size 15 (not stated) + region 0 (US) + budget 5 + keywords 0, of 100
    assert enquiry.fit_score == 38
    assert "US: outside GB" in enquiry.fit_reasons
    assert Contact.objects.get().enquiries.get() == enquiry


def test_with_no_profile_an_enquiry_has_no_score(client):
    client.post("/f/contact/", {"name": "Ann", "email": "ann@x.example", "message": "Hi"})
    submissions.process_received_submissions()
    enquiry = Enquiry.objects.get()
    assert enquiry.fit_score is None
    assert enquiry.fit_reasons == "no ideal client profile to score against"


def test_the_inbox_shows_a_badge_in_words_and_the_reasons_escaped(teammate_client, profile):
    make_enquiry("Ann Lee", fit_score=72, fit_reasons="<b>bold</b>: a target sector")
    make_enquiry("Ben Hall", fit_score=20, fit_reasons="retail: not a target sector")
    make_enquiry("Cy Dee", fit_score=None)
    page = teammate_client.get("/inbox/").content.decode()
    assert "72 · fits" in page and "20 · weak fit" in page and "no score" in page
    assert "&lt;b&gt;bold&lt;/b&gt;: a target sector" in page
    assert "<b>bold</b>" not in page


def test_the_enquiry_page_lists_each_reason_escaped(teammate_client, profile):
    enquiry = make_enquiry(
        "Ann Lee",
        fit_score=72,
        fit_reasons="<script>alert(1)</script>: a target sector; size not stated",
    )
    page = teammate_client.get(f"/inbox/{enquiry.pk}/").content.decode()
    assert "72 · fits" in page
    assert "<li>&lt;script&gt;alert(1)&lt;/script&gt;: a target sector</li>" in page
    assert "<li>size not stated</li>" in page


def test_the_inbox_query_count_does_not_grow_with_scored_enquiries(
    teammate_client, profile, django_assert_max_num_queries
):
    for i in range(30):
        make_enquiry(f"Person {i}", email=f"p{i}@example.com", fit_score=i, fit_reasons="x")
    with django_assert_max_num_queries(12):
        response = teammate_client.get("/inbox/")
    assert response.content.decode().count("weak fit") == 30


def test_rescoring_works_in_batches_and_reads_phones_and_domains(profile):
    organisation = Organisation.objects.create(
        name="Acme", industry="Food manufacturing", employees=40, website="https://acme.co.uk"
    )
    enquiries = [make_enquiry(f"Person {i}", email=f"p{i}@example.com") for i in range(5)]
    for enquiry in enquiries:
        enquiry.contact.organisation = organisation
        enquiry.contact.save()
    assert rescore_enquiries(batch_size=2) == 5
    scores = set(Enquiry.objects.values_list("fit_score", "fit_reasons"))
    assert scores == {
        (
            85,  # 35 + 30 + 15 + 5 (budget not stated) + 0
            "food manufacturing: a target sector; 40 people: inside 20–200; GB: a target region; "
            "budget not stated; mentions none of the profile's keywords",
        )
    }


def test_rescoring_against_an_emptied_profile_leaves_no_score(profile):
    make_enquiry("Ann Lee", fit_score=80, fit_reasons="manufacturing: a target sector")
    IdealClientProfile.objects.update(
        industries=[], min_employees=None, max_employees=None, regions=[], min_deal_value=None,
        keywords=[],
    )  # fmt: skip
    assert rescore_enquiries() == 1
    assert Enquiry.objects.values_list("fit_score", "fit_reasons").get() == (
        None,
        "no ideal client profile to score against",
    )


def test_erasing_a_person_removes_the_reasons_that_describe_them(owner, profile):
    from_before = make_enquiry(
        "Ann Lee", fit_score=90, fit_reasons="manufacturing: a target sector"
    )
    erase_person(contact=from_before.contact, by=owner)
    from_before.refresh_from_db()
    assert (from_before.fit_score, from_before.fit_reasons) == (90, "")
