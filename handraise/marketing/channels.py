"""Which channel a visit came through, from its UTM tags and its referrer: one set of
rules for tracked links (``/r/<code>``) and the site script (``/t/``).

The rules, first match wins:

1. ``utm_medium`` says it outright (it is the tag the sender chose on purpose):
   paid (``cpc``, ``ppc``, ``paid…``, ``display``, ``cpm``, ``retargeting``) → paid;
   ``email``, ``newsletter`` → email; ``event``, ``talk``, ``qr``, ``print``,
   ``conference``, ``webinar``, ``flyer`` … → event; ``social`` → social;
   ``referral``, ``partner``, ``affiliate`` → referral; ``organic``, ``seo`` →
   organic search.
2. Otherwise ``utm_source`` names a place: a social network (``facebook``,
   ``linkedin``, ``instagram``, ``x``, ``twitter``, ``mastodon``, ``bluesky`` …) →
   social; a mailing tool or ``newsletter``/``email`` → email; ``qr``, ``print``,
   ``event``, ``talk`` → event; a search engine (``google``, ``bing`` …) → organic
   search (an unpaid tag from a search engine is rare, but it is not a referral).
3. Otherwise the referrer's host: a search engine → organic search; a social
   network → social; a webmail (``mail.google.com``, ``outlook.live.com`` …) →
   email; any other host → referral.
4. Otherwise: a UTM tag the rules do not know → other; nothing at all → direct.

Tags are compared lower-cased, spaces and underscores read as hyphens, so
``Paid_Social`` and ``paid social`` are both ``paid-social``.

What it does not do: decide that a referrer is the business's own site (a visitor
moving from one of its pages to the next). The site tracker knows the business's
addresses and passes an empty ``referrer_host`` for its own pages; this module
knows no settings and reads no database.
"""

from urllib.parse import urlsplit

from handraise.marketing.models import Channel

PAID_MEDIUMS = frozenset(
    {"cpc", "ppc", "cpm", "cpv", "cpa", "display", "banner", "retargeting", "ad", "ads"}
)
EMAIL_MEDIUMS = frozenset({"email", "e-mail", "mail", "newsletter", "mailing"})
EVENT_MEDIUMS = frozenset(
    {
        "event",
        "events",
        "talk",
        "qr",
        "qr-code",
        "qrcode",
        "print",
        "offline",
        "conference",
        "webinar",
        "meetup",
        "flyer",
        "poster",
        "booth",
        "business-card",
    }
)
SOCIAL_MEDIUMS = frozenset({"social", "social-media", "socialmedia", "social-network", "sm"})
REFERRAL_MEDIUMS = frozenset({"referral", "partner", "affiliate"})
ORGANIC_MEDIUMS = frozenset({"organic", "seo"})

SOCIAL_SOURCES = frozenset(
    {
        "facebook",
        "fb",
        "linkedin",
        "instagram",
        "ig",
        "x",
        "twitter",
        "threads",
        "mastodon",
        "bluesky",
        "bsky",
        "youtube",
        "tiktok",
        "pinterest",
        "reddit",
        "xing",
        "whatsapp",
    }
)
EMAIL_SOURCES = frozenset(
    {
        "email",
        "e-mail",
        "newsletter",
        "mailchimp",
        "substack",
        "buttondown",
        "convertkit",
        "kit",
        "mailerlite",
        "brevo",
        "sendinblue",
        "beehiiv",
        "campaign-monitor",
    }
)
EVENT_SOURCES = frozenset({"qr", "qr-code", "qrcode", "print", "flyer", "poster", "event", "talk"})
SEARCH_SOURCES = frozenset(
    {"google", "bing", "duckduckgo", "yahoo", "ecosia", "qwant", "baidu", "yandex"}
)

# A search engine is known by its name as a label of the host (www.google.co.uk,
# search.yahoo.com), because the big ones run one domain per country; the small ones
# by their exact host.
SEARCH_ENGINE_LABELS = frozenset(
    {
        "google",
        "bing",
        "duckduckgo",
        "yahoo",
        "ecosia",
        "qwant",
        "baidu",
        "yandex",
        "startpage",
        "naver",
        "seznam",
        "kagi",
    }
)
SEARCH_ENGINE_HOSTS = frozenset({"search.brave.com", "ask.com", "search.aol.com"})
# Hosts under a search engine's name that are not searches: webmail reads as email,
# the rest (documents, groups, sites) as referrals.
WEBMAIL_HOSTS = frozenset(
    {
        "mail.google.com",
        "mail.yahoo.com",
        "outlook.live.com",
        "outlook.office.com",
        "outlook.office365.com",
        "mail.proton.me",
        "app.fastmail.com",
        "mail.aol.com",
        "webmail.gandi.net",
    }
)
NOT_SEARCH_SUBDOMAINS = frozenset(
    {"docs", "drive", "sites", "groups", "calendar", "meet", "maps", "translate", "news"}
)
SOCIAL_HOSTS = frozenset(
    {
        "facebook.com",
        "fb.com",
        "fb.me",
        "instagram.com",
        "linkedin.com",
        "lnkd.in",
        "t.co",
        "twitter.com",
        "x.com",
        "threads.net",
        "mastodon.social",
        "bsky.app",
        "youtube.com",
        "youtu.be",
        "tiktok.com",
        "pinterest.com",
        "reddit.com",
        "xing.com",
        "whatsapp.com",
    }
)


def _tag(value: str) -> str:
    return "-".join(value.strip().lower().replace("_", " ").split())


def _host(value: str) -> str:
    host = value.strip().lower().rstrip(".")
    if host.startswith("["):  # an IPv6 literal keeps its colons
        return host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _under(host: str, domains: frozenset[str]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def _is_search_engine(host: str) -> bool:
    if _under(host, SEARCH_ENGINE_HOSTS):
        return True
    labels = host.split(".")
    # The name must be a label before the top-level domain, and the host not one of
    # the engine's other services (docs.google.com is a shared document).
    for index, label in enumerate(labels[:-1]):
        if label in SEARCH_ENGINE_LABELS:
            return not any(part in NOT_SEARCH_SUBDOMAINS for part in labels[:index])
    return False


def referrer_host_of(referrer: str) -> str:
    """The host of a referrer address, lower-case and without a port; "" if there is none."""
    try:
        return _host(urlsplit(referrer.strip()).hostname or "")
    except ValueError:  # an invalid IPv6 literal or port
        return ""


def channel_for(*, utm_medium: str, utm_source: str, referrer_host: str) -> str:
    """The ``Channel`` value of a visit, by the rules in this module's docstring."""
    medium = _tag(utm_medium)
    source = _tag(utm_source)
    host = _host(referrer_host)

    if medium:
        if medium in PAID_MEDIUMS or medium.startswith("paid"):
            return Channel.PAID
        if medium in EMAIL_MEDIUMS:
            return Channel.EMAIL
        if medium in EVENT_MEDIUMS:
            return Channel.EVENT
        if medium in SOCIAL_MEDIUMS:
            return Channel.SOCIAL
        if medium in REFERRAL_MEDIUMS:
            return Channel.REFERRAL
        if medium in ORGANIC_MEDIUMS:
            return Channel.ORGANIC_SEARCH

    if source:
        if source in SOCIAL_SOURCES:
            return Channel.SOCIAL
        if source in EMAIL_SOURCES:
            return Channel.EMAIL
        if source in EVENT_SOURCES:
            return Channel.EVENT
        if source in SEARCH_SOURCES:
            return Channel.ORGANIC_SEARCH

    if host:
        if _under(host, WEBMAIL_HOSTS):
            return Channel.EMAIL
        if _is_search_engine(host):
            return Channel.ORGANIC_SEARCH
        if _under(host, SOCIAL_HOSTS):
            return Channel.SOCIAL
        return Channel.REFERRAL

    if medium or source:
        return Channel.OTHER
    return Channel.DIRECT
