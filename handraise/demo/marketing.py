"""Marketing assets, and the visits people make to them.

Creates the assets (pages, articles, case studies, posts, newsletters, talks, referral
partners and ads) and plans visitors' sessions across them, from the channels sessions
come from. It plans touches only: ``touchpoints`` writes them, once the contacts exist.
"""

import random
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from itertools import accumulate
from math import sqrt
from typing import NamedTuple

from handraise.demo.build import BATCH, Build
from handraise.demo.words import (
    AD_RUNS,
    ADS,
    ARTICLES,
    CASE_STUDIES,
    EXTRA_TITLES,
    EXTRA_TOPICS,
    KIND_TOPICS,
    NEWSLETTER_DAYS,
    PAGES,
    PARTNERS,
    SITE,
    SOCIAL_POSTS,
    SUMMARIES,
    TALKS,
    TOPIC_WORDS,
)
from handraise.marketing.models import Asset, Channel


class AssetPlan(NamedTuple):
    asset: Asset
    weight: float  # how popular it is
    until: datetime | None  # ads stop running
    utm: tuple[str, str, str, str, str]  # source, medium, campaign, content, term
    referrer: str


def slug_of(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def create_assets(b: Build) -> list[AssetPlan]:
    rng = b.rng("assets")
    plans: list[AssetPlan] = []

    def add(kind, title, url, day, weight, *, utm=_EMPTY_UTM, until=None, referrer="", topic=""):
        published = b.start + timedelta(days=day, hours=rng.randint(8, 16))
        asset = Asset(
            kind=kind,
            title=title,
            url=url,
            summary=SUMMARIES[kind],
            topics=topics_of(kind, title, topic),
            published_at=published,
        )
        plans.append(AssetPlan(asset, weight, until, utm, referrer))

    for title, path, day, weight in PAGES:
        add(Asset.Kind.PAGE, title, SITE + path, day, weight)
    for title, day in ARTICLES:
        add(Asset.Kind.ARTICLE, title, f"{SITE}/insights/{slug_of(title)}/", day, rng.uniform(1, 3))
    for title, day in CASE_STUDIES:
        url = f"{SITE}/case-studies/{slug_of(title)}/"
        add(Asset.Kind.CASE_STUDY, title, url, day, rng.uniform(1, 2.5))
    for title, day in SOCIAL_POSTS:
        url = f"https://www.linkedin.com/posts/northbank-process_{slug_of(title)}"
        utm = ("linkedin", "social", "company-page", "", "")
        add(Asset.Kind.SOCIAL_POST, title, url, day, 1.0, utm=utm)
    for day in NEWSLETTER_DAYS:
        month = (b.start + timedelta(days=day)).strftime("%Y-%m")
        title = "Flow Notes — " + (b.start + timedelta(days=day)).strftime("%B %Y")
        utm = ("newsletter", "email", f"flow-notes-{month}", "", "")
        add(Asset.Kind.NEWSLETTER, title, f"{SITE}/newsletter/{month}/", day, 1.0, utm=utm)
    for title, campaign, day in TALKS:
        utm = ("event", "qr", campaign, "", "")
        add(Asset.Kind.TALK, title, f"{SITE}/talks/{campaign}/", day, 1.0, utm=utm)
    for title, url, day in PARTNERS:
        utm = ("partner", "referral", slug_of(title), "", "")
        add(Asset.Kind.REFERRAL_PARTNER, title, url, day, 1.0, utm=utm, referrer=url)
    for (title, source, medium, campaign, day), runs in zip(ADS, AD_RUNS, strict=True):
        term = "operations consultant" if source == "google" else ""
        utm = (source, medium, campaign, rng.choice(("variant-a", "variant-b")), term)
        until = b.start + timedelta(days=day + runs)
        referrer = "https://www.google.com/" if source == "google" else "https://www.linkedin.com/"
        url = f"{SITE}/lp/{campaign}/"
        add(Asset.Kind.AD, title, url, day, 1.5, utm=utm, until=until, referrer=referrer)
    _add_extra_assets(b, rng, add)

    Asset.objects.bulk_create([plan.asset for plan in plans], batch_size=BATCH)
    for plan in plans:  # drafted a few days before publishing
        plan.asset.created_at = plan.asset.published_at - timedelta(days=rng.randint(1, 6))
    Asset.objects.bulk_update([p.asset for p in plans], ["created_at"], batch_size=BATCH)
    return plans


def topics_of(kind: str, title: str, topic: str = "") -> list[str]:
    """What an asset is about, from the words of its title (no random draw: the other
    tables' streams stay as they were)."""
    words = title.lower()
    found = [topic] if topic else []
    for needle, name in TOPIC_WORDS:
        if needle in words and name not in found:
            found.append(name)
    return found or list(KIND_TOPICS[kind])


_SECTIONS = {Asset.Kind.CASE_STUDY: "case-studies", Asset.Kind.ARTICLE: "insights"}


def _add_extra_assets(b: Build, rng: random.Random, add: Callable) -> None:
    """More content at higher scales, growing with the square root: a bigger business
    gets more visitors per piece, not a hundred times the writers."""
    extra = round(40 * (sqrt(b.scale) - 1))
    titles = [
        (kind, template.format(topic=topic), topic)
        for kind, template in EXTRA_TITLES
        for topic in EXTRA_TOPICS
    ]
    titles = [(kind, title[0].upper() + title[1:], topic) for kind, title, topic in titles]
    rng.shuffle(titles)
    for index in range(extra):
        kind, title, topic = titles[index % len(titles)]
        if index >= len(titles):
            title = f"{title} (part {index // len(titles) + 1})"
        if kind == Asset.Kind.SOCIAL_POST:
            url = f"https://www.linkedin.com/posts/northbank-process_{slug_of(title)}"
            utm = ("linkedin", "social", "company-page", "", "")
        else:
            url = f"{SITE}/{_SECTIONS[kind]}/{slug_of(title)}/"
            utm = _EMPTY_UTM
        add(kind, title, url, rng.randint(0, 360), rng.uniform(0.3, 1.2), utm=utm, topic=topic)


class _Shelf:
    """The assets of some kinds in publication order, for drawing the one a visitor saw.

    On a ``timely`` shelf (newsletters, posts, talks, ads) most visits go to the latest
    one: people click this month's newsletter, not last spring's."""

    def __init__(self, plans: Iterable[AssetPlan], *, timely: bool = False) -> None:
        self.timely = timely
        self.plans = sorted(plans, key=lambda p: (p.asset.published_at, p.asset.title))
        self.published = [p.asset.published_at for p in self.plans]
        self.cumulative = list(accumulate(p.weight for p in self.plans))

    def pick(self, rng: random.Random, at: datetime) -> AssetPlan | None:
        count = bisect_right(self.published, at)
        if not count:
            return None
        if self.timely and rng.random() < 0.7:
            index = count - 1
        else:
            index = bisect_right(self.cumulative, rng.random() * self.cumulative[count - 1])
        plan = self.plans[min(index, count - 1)]
        if plan.until and at > plan.until:
            return None
        return plan


class Touch(NamedTuple):
    occurred_at: datetime
    plan: AssetPlan
    channel: str
    referrer: str
    utm: tuple[str, str, str, str, str]


# Where sessions come from, and which kinds of asset they land on.
_SESSION_CHANNELS = (
    (Channel.ORGANIC_SEARCH, 34),
    (Channel.DIRECT, 20),
    (Channel.SOCIAL, 16),
    (Channel.EMAIL, 10),
    (Channel.REFERRAL, 7),
    (Channel.PAID, 7),
    (Channel.EVENT, 3),
    (Channel.OTHER, 3),
)
_LANDING_KINDS = {
    Channel.ORGANIC_SEARCH: (Asset.Kind.ARTICLE, Asset.Kind.CASE_STUDY, Asset.Kind.PAGE),
    Channel.DIRECT: (Asset.Kind.PAGE,),
    Channel.SOCIAL: (Asset.Kind.SOCIAL_POST,),
    Channel.EMAIL: (Asset.Kind.NEWSLETTER,),
    Channel.REFERRAL: (Asset.Kind.REFERRAL_PARTNER,),
    Channel.PAID: (Asset.Kind.AD,),
    Channel.EVENT: (Asset.Kind.TALK,),
    Channel.OTHER: (Asset.Kind.ARTICLE,),
}
_ON_SITE = (Asset.Kind.ARTICLE, Asset.Kind.CASE_STUDY, Asset.Kind.PAGE)
_TIMELY = {Asset.Kind.NEWSLETTER, Asset.Kind.SOCIAL_POST, Asset.Kind.TALK, Asset.Kind.AD}
_SEARCH_REFERRERS = ("https://www.google.com/",) * 8 + (
    "https://www.bing.com/",
    "https://duckduckgo.com/",
)
_EMPTY_UTM = ("", "", "", "", "")


class Journeys:
    """Visits to the site and its outposts, as sessions of a few touchpoints each."""

    def __init__(self, b: Build, assets: list[AssetPlan]) -> None:
        self.b = b
        self.channels = [channel for channel, _ in _SESSION_CHANNELS]
        self.channel_weights = list(accumulate(weight for _, weight in _SESSION_CHANNELS))
        self.landing = {
            channel: _Shelf(
                (p for p in assets if p.asset.kind in kinds),
                timely=set(kinds) <= _TIMELY,
            )
            for channel, kinds in _LANDING_KINDS.items()
        }
        self.on_site = _Shelf(p for p in assets if p.asset.kind in _ON_SITE)
        self.pages = _Shelf(p for p in assets if p.asset.kind == Asset.Kind.PAGE)
        self.contact_page = next(p for p in assets if p.asset.url == f"{SITE}/contact/")

    def session(self, rng: random.Random, at: datetime, channel: str | None = None) -> list[Touch]:
        channel = channel or rng.choices(self.channels, cum_weights=self.channel_weights)[0]
        landing = self.landing[channel].pick(rng, at)
        if landing is None:  # nothing of that kind out yet (or the ad stopped): search
            channel = Channel.ORGANIC_SEARCH
            landing = self.landing[channel].pick(rng, at) or self.pages.pick(rng, at)
        referrer = landing.referrer or self._referrer(rng, channel)
        utm = landing.utm
        if channel == Channel.SOCIAL and rng.random() < 0.4:
            utm = _EMPTY_UTM  # shared by hand, without the tracking link
        touches = [Touch(at, landing, channel, referrer, utm)]
        for _ in range(rng.choices((0, 1, 2, 3), (55, 25, 12, 8))[0]):
            at += timedelta(seconds=rng.randint(40, 420))
            page = self.on_site.pick(rng, at) or landing
            touches.append(Touch(at, page, channel, touches[-1].plan.asset.url, _EMPTY_UTM))
        return touches

    @staticmethod
    def _referrer(rng: random.Random, channel: str) -> str:
        if channel == Channel.ORGANIC_SEARCH:
            return rng.choice(_SEARCH_REFERRERS)
        if channel == Channel.SOCIAL:
            return "https://www.linkedin.com/"
        if channel == Channel.OTHER:
            return "https://forum.example.org/"
        return ""

    def before_enquiry(
        self, rng: random.Random, received_at: datetime
    ) -> tuple[list[Touch], list[Touch]]:
        """The visits that led to a hand-raise, ending on the contact page just before it,
        and the last of those visits (where the enquiry's attribution comes from)."""
        sessions = rng.choices((1, 2, 3, 4, 5), (25, 30, 22, 13, 10))[0]
        first = received_at - timedelta(minutes=rng.randint(120, 90 * 24 * 60))
        span = (received_at - timedelta(minutes=60) - first).total_seconds()
        starts = sorted(first + timedelta(seconds=rng.random() * span) for _ in range(sessions - 1))
        starts.append(received_at - timedelta(minutes=rng.randint(25, 45)))
        cutoff = received_at - timedelta(minutes=2)
        touches: list[Touch] = []
        last_visit: list[Touch] = []
        for start in starts:
            if start < self.b.start:
                continue
            visit = [t for t in self.session(rng, start) if t.occurred_at < cutoff]
            if visit:
                touches += visit
                last_visit = visit
        if not last_visit:
            return [], []
        at = received_at - timedelta(seconds=rng.randint(30, 110))
        referrer = touches[-1].plan.asset.url
        form_page = Touch(at, self.contact_page, last_visit[0].channel, referrer, _EMPTY_UTM)
        return [*touches, form_page], [*last_visit, form_page]

    def later_visits(
        self, rng: random.Random, after: datetime, sessions: int, channel: str | None = None
    ) -> list[Touch]:
        touches: list[Touch] = []
        at = after
        for _ in range(sessions):
            at += timedelta(minutes=rng.randint(6 * 60, 60 * 24 * 45))
            if at >= self.b.now:
                break
            touches += self.session(rng, at, channel)
        return [t for t in touches if t.occurred_at < self.b.now]


def new_visitor_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"
