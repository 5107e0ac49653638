"""The channel rules shared by tracked links and the site script."""

import pytest

from handraise.marketing.channels import channel_for, referrer_host_of
from handraise.marketing.models import Channel

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("medium", "source", "host", "expected"),
    [
        ("email", "newsletter", "", Channel.EMAIL),
        ("Newsletter", "", "", Channel.EMAIL),
        ("", "newsletter", "", Channel.EMAIL),
        ("", "mailchimp", "", Channel.EMAIL),
        ("social", "", "", Channel.SOCIAL),
        ("", "LinkedIn", "", Channel.SOCIAL),
        ("", "x", "", Channel.SOCIAL),
        ("", "facebook", "", Channel.SOCIAL),
        ("cpc", "google", "www.google.com", Channel.PAID),
        ("Paid_Social", "facebook", "", Channel.PAID),
        ("paid social", "linkedin", "", Channel.PAID),
        ("ppc", "", "", Channel.PAID),
        ("qr", "conference-2026", "", Channel.EVENT),
        ("print", "", "", Channel.EVENT),
        ("talk", "meetup", "", Channel.EVENT),
        ("", "qr", "", Channel.EVENT),
        ("referral", "partner-blog", "", Channel.REFERRAL),
        ("organic", "google", "", Channel.ORGANIC_SEARCH),
        # the medium is the sender's deliberate choice: it wins over the referrer
        ("email", "", "www.google.com", Channel.EMAIL),
        ("", "", "www.google.com", Channel.ORGANIC_SEARCH),
        ("", "", "www.google.co.uk", Channel.ORGANIC_SEARCH),
        ("", "", "duckduckgo.com", Channel.ORGANIC_SEARCH),
        ("", "", "www.bing.com:443", Channel.ORGANIC_SEARCH),
        ("", "", "search.brave.com", Channel.ORGANIC_SEARCH),
        ("", "", "docs.google.com", Channel.REFERRAL),
        ("", "", "mail.google.com", Channel.EMAIL),
        ("", "", "l.facebook.com", Channel.SOCIAL),
        ("", "", "t.co", Channel.SOCIAL),
        ("", "", "www.linkedin.com", Channel.SOCIAL),
        ("", "", "partner.example", Channel.REFERRAL),
        ("", "", "google.partner.example", Channel.ORGANIC_SEARCH),
        ("", "", "notgoogle.com", Channel.REFERRAL),
        # a tag nobody knows, with nothing else to go on
        ("banana", "", "", Channel.OTHER),
        ("", "someplace", "", Channel.OTHER),
        ("banana", "", "blog.example", Channel.REFERRAL),
        ("", "", "", Channel.DIRECT),
        ("  ", " ", " ", Channel.DIRECT),
    ],
)
def test_channel_for_follows_the_documented_rules(medium, source, host, expected):
    assert channel_for(utm_medium=medium, utm_source=source, referrer_host=host) == expected


@pytest.mark.parametrize(
    ("referrer", "host"),
    [
        ("https://www.Google.com/search?q=x", "www.google.com"),
        ("http://blog.example:8080/post", "blog.example"),
        ("", ""),
        ("not a url", ""),
        ("http://[::1/", ""),
        ("https://[::1]:8000/", "::1"),
    ],
)
def test_referrer_host_of_reads_the_host_or_nothing(referrer, host):
    assert referrer_host_of(referrer) == host


def test_every_answer_is_a_channel_value():
    values = {choice.value for choice in Channel}
    for medium in ("email", "cpc", "x", "", "qr", "¡™£¢∞§¶•ªº"):
        for host in ("", "www.google.com", "a.example", "t.co"):
            assert channel_for(utm_medium=medium, utm_source=medium, referrer_host=host) in values
