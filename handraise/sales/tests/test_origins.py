"""A deal's origin comes from its history when it opens, with its reason; users may change it."""

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from handraise.core.clock import now
from handraise.enquiries import answering
from handraise.enquiries.models import Enquiry
from handraise.imports.tests.importing import run, write
from handraise.marketing.models import Asset, Channel, Touchpoint
from handraise.sales import origins, services
from handraise.sales.models import Deal
from handraise.testing.factories import make_closed_deal, make_contact, make_enquiry, today

pytestmark = [pytest.mark.django_db]

BLNS = Path(__file__).resolve().parents[3] / "tests" / "data" / "blns.json"


def convert(enquiry: Enquiry, user) -> Deal:
    return answering.convert_to_deal(
        enquiry=enquiry,
        user=user,
        title="Operations review",
        value=Decimal("5000"),
        next_step="Call them back",
        next_step_due=today() + timedelta(days=2),
    )


def touch(contact, *, days_before: float, enquiry: Enquiry, asset=None, **fields) -> Touchpoint:
    return Touchpoint.objects.create(
        contact=contact,
        asset=asset,
        occurred_at=enquiry.received_at - timedelta(days=days_before),
        **fields,
    )


def test_an_enquiry_with_utm_is_marketing_sourced(owner):
    enquiry = make_enquiry(utm_campaign="spring", utm_source="newsletter")
    deal = convert(enquiry, owner)
    assert deal.origin == Deal.Origin.MARKETING
    assert deal.origin_reason == (
        "Marketing-sourced: the enquiry carried UTM campaign “spring”, source “newsletter”."
    )


def test_touchpoints_inside_the_window_make_it_marketing_sourced(owner):
    enquiry = make_enquiry(channel=Enquiry.Channel.PHONE)
    article = Asset.objects.create(kind=Asset.Kind.ARTICLE, title="Lead times")
    touch(enquiry.contact, days_before=3, enquiry=enquiry, asset=article)
    touch(enquiry.contact, days_before=10, enquiry=enquiry, channel=Channel.SOCIAL)
    deal = convert(enquiry, owner)
    assert deal.origin == Deal.Origin.MARKETING
    assert (
        deal.origin_reason == "Marketing-sourced: 2 touchpoints in the 90 days before the enquiry."
    )


def test_a_touchpoint_outside_the_window_or_after_the_hand_raise_does_not_count(owner, settings):
    settings.ATTRIBUTION_WINDOW_DAYS = 30
    enquiry = make_enquiry(channel=Enquiry.Channel.PHONE)
    partner = Asset.objects.create(kind=Asset.Kind.REFERRAL_PARTNER, title="Acme Accountants")
    touch(enquiry.contact, days_before=31, enquiry=enquiry, asset=partner)
    touch(enquiry.contact, days_before=-1, enquiry=enquiry, asset=partner)
    deal = convert(enquiry, owner)
    assert deal.origin == Deal.Origin.MARKETING
    assert "no recorded marketing touch (source unknown)" in deal.origin_reason


def test_an_inbound_enquiry_with_no_marketing_trace_is_marketing_sourced_source_unknown(owner):
    deal = convert(make_enquiry(channel=Enquiry.Channel.PHONE), owner)
    assert deal.origin == Deal.Origin.MARKETING
    assert deal.origin_reason == (
        "Marketing-sourced: an inbound enquiry with no recorded marketing touch (source unknown)."
    )


def test_the_referral_channel_is_referral(owner):
    deal = convert(make_enquiry(channel=Enquiry.Channel.REFERRAL, utm_campaign="x"), owner)
    assert deal.origin == Deal.Origin.REFERRAL
    assert deal.origin_reason == "Referral: the enquiry came through the referral channel."


def test_a_referral_partner_touched_before_wins_over_utm(owner):
    enquiry = make_enquiry(utm_campaign="spring")
    partner = Asset.objects.create(kind=Asset.Kind.REFERRAL_PARTNER, title="Acme <Accountants>")
    touch(enquiry.contact, days_before=5, enquiry=enquiry, asset=partner)
    deal = convert(enquiry, owner)
    assert deal.origin == Deal.Origin.REFERRAL
    assert "“Acme <Accountants>”" in deal.origin_reason


def test_a_web_referral_touchpoint_channel_is_marketing_not_a_referral(owner):
    enquiry = make_enquiry()
    touch(enquiry.contact, days_before=1, enquiry=enquiry, channel=Channel.REFERRAL)
    assert convert(enquiry, owner).origin == Deal.Origin.MARKETING


def test_an_earlier_won_deal_makes_it_repeat_over_referral_and_marketing(owner):
    enquiry = make_enquiry(channel=Enquiry.Channel.REFERRAL, utm_campaign="spring")
    make_closed_deal("First project", won=True, contact=enquiry.contact, days_ago=30)
    deal = convert(enquiry, owner)
    assert deal.origin == Deal.Origin.REPEAT
    assert deal.origin_reason.startswith("Repeat client: an earlier deal was won (“First project”")


def test_an_earlier_lost_deal_does_not_make_it_repeat(owner):
    enquiry = make_enquiry(channel=Enquiry.Channel.REFERRAL)
    make_closed_deal("Lost one", won=False, contact=enquiry.contact, days_ago=30)
    assert convert(enquiry, owner).origin == Deal.Origin.REFERRAL


def test_a_deal_a_user_opens_with_no_enquiry_is_owner_outbound(owner):
    deal = services.open_deal(
        contact=make_contact("Cold Prospect"),
        user=owner,
        title="Outreach",
        value=Decimal(0),
        next_step="Send a note",
        next_step_due=today(),
    )
    assert deal.origin == Deal.Origin.OUTBOUND
    assert deal.origin_reason == "Owner outbound: opened by Olive with no enquiry behind it."


def test_a_client_who_won_before_is_repeat_even_with_no_enquiry(owner):
    contact = make_contact("Old Client")
    make_closed_deal("First", won=True, contact=contact, days_ago=100)
    deal = services.open_deal(
        contact=contact,
        user=owner,
        title="Phase two",
        value=Decimal(0),
        next_step="Send a note",
        next_step_due=today(),
    )
    assert deal.origin == Deal.Origin.REPEAT


def test_a_user_changes_the_origin_and_the_reason_says_who(teammate_client, teammate, owner):
    deal = convert(make_enquiry(), owner)
    response = teammate_client.post(reverse("deal-origin", args=[deal.pk]), {"origin": "referral"})
    assert response.status_code == 302
    deal.refresh_from_db()
    assert deal.origin == Deal.Origin.REFERRAL
    assert deal.origin_reason.startswith("Set by Tom on ")
    assert deal.origin_reason.endswith(": Referral.")
    page = teammate_client.get(reverse("deal", args=[deal.pk])).content.decode()
    assert "Origin: Referral" in page and "Set by Tom on" in page


def test_an_unknown_origin_is_refused_with_the_form_and_nothing_changes(teammate_client, owner):
    deal = convert(make_enquiry(), owner)
    response = teammate_client.post(
        reverse("deal-origin", args=[deal.pk]), {"origin": "<script>x</script>"}
    )
    assert response.status_code == 422
    assert "&lt;script&gt;" in response.content.decode()
    deal.refresh_from_db()
    assert deal.origin == Deal.Origin.MARKETING


def test_an_outsider_cannot_change_an_origin(outsider_client, owner):
    deal = convert(make_enquiry(), owner)
    response = outsider_client.post(reverse("deal-origin", args=[deal.pk]), {"origin": "repeat"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    deal.refresh_from_db()
    assert deal.origin == Deal.Origin.MARKETING


def test_the_deal_page_shows_the_reason_escaped(owner_client, owner):
    enquiry = make_enquiry()
    partner = Asset.objects.create(kind=Asset.Kind.REFERRAL_PARTNER, title="<b>Partner</b>")
    touch(enquiry.contact, days_before=1, enquiry=enquiry, asset=partner)
    deal = convert(enquiry, owner)
    page = owner_client.get(reverse("deal", args=[deal.pk])).content.decode()
    assert "&lt;b&gt;Partner&lt;/b&gt;" in page and "<b>Partner</b>" not in page


def test_an_import_keeps_the_origin_its_file_gave(tmp_path):
    contact = make_contact("Ann")
    make_closed_deal("Won before", won=True, contact=contact, days_ago=10)
    text = "Deal name,Contact,Source\nNew work,Ann,Referral\n"
    code, _out = run("deals", str(write(tmp_path, text, "deals.csv")))
    assert code == 0
    deal = Deal.objects.get(title="New work")
    assert deal.origin == Deal.Origin.REFERRAL  # not repeat, although the rules would say so
    assert deal.origin_reason == origins.IMPORTED_REASON


def test_setting_the_same_origin_twice_is_one_change(owner):
    deal = convert(make_enquiry(), owner)
    first = origins.set_deal_origin(deal=deal, user=owner, origin="repeat", at=now())
    again = origins.set_deal_origin(deal=deal, user=owner, origin="repeat")
    assert again.origin_reason == first.origin_reason


def test_a_teammate_opens_a_deal_from_the_contact_page_and_it_is_owner_outbound(
    teammate_client,
):
    contact = make_contact("Cold Prospect")
    page = teammate_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert reverse("deal-new", args=[contact.pk]) in page
    response = teammate_client.post(
        reverse("deal-new", args=[contact.pk]),
        {
            "title": "Outreach",
            "value": "1200",
            "next_step": "Send the case study",
            "next_step_due": today().isoformat(),
        },
    )
    deal = Deal.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/deals/{deal.pk}/"
    assert (deal.origin, deal.enquiry_id, deal.contact_id) == (
        Deal.Origin.OUTBOUND,
        None,
        contact.pk,
    )
    assert deal.origin_reason == "Owner outbound: opened by Tom with no enquiry behind it."


def test_a_new_deal_with_a_past_next_step_is_refused_and_nothing_is_made(teammate_client):
    contact = make_contact("Cold Prospect")
    response = teammate_client.post(
        reverse("deal-new", args=[contact.pk]),
        {
            "title": "<b>Outreach</b>",
            "value": "1200",
            "next_step": "Send it",
            "next_step_due": (today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "That date has passed" in page and "&lt;b&gt;Outreach&lt;/b&gt;" in page
    assert not Deal.objects.exists()


def test_an_outsider_cannot_open_a_deal(outsider_client):
    contact = make_contact("Cold Prospect")
    response = outsider_client.post(reverse("deal-new", args=[contact.pk]), {"title": "x"})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Deal.objects.exists()


def test_hostile_strings_through_the_new_deal_and_origin_forms_never_crash(teammate_client):
    strings = json.loads(BLNS.read_text("utf-8"))
    contact = make_contact("Cold Prospect")
    for value in strings:
        response = teammate_client.post(
            reverse("deal-new", args=[contact.pk]),
            {
                "title": value,
                "value": value if value[:1].isdigit() else "10",
                "next_step": value,
                "next_step_due": today().isoformat(),
            },
        )
        assert response.status_code in (302, 422), value
        if response.status_code == 422:
            assert "<script>alert(" not in response.content.decode()
    deal = Deal.objects.first()
    for value in strings:
        response = teammate_client.post(reverse("deal-origin", args=[deal.pk]), {"origin": value})
        assert response.status_code in (302, 422), value
    assert teammate_client.get(reverse("deal", args=[deal.pk])).status_code == 200
