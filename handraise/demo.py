"""Demo data: a year in the life of a small consultancy, so Handraise has something to show.

``build_demo`` fills an empty database with the twelve months before ``now`` of
Northbank Process Consulting, a UK operations consultancy: organisations and contacts,
marketing assets and the touchpoints visitors left on them, enquiries with their
response clock, deals in every stage with their activities, signals grouped into
themes, an ideal client profile and a proposal follow-up cadence. ``scale`` multiplies
the volumes (scale 1 is about 10,000 touchpoints, scale 100 about a million).

The same seed, scale and ``now`` give the same rows: every random choice comes from a
``random.Random`` seeded per table, never from the global generator, database ids or
the order of a set. Rows are planned in Python and written with ``bulk_create`` in one
transaction (touchpoints in chunks), so a failed run leaves nothing behind.

It deliberately does not go through the services: nothing is acknowledged, notified,
queued or sent, no users are created (deals have no owner), and it never deletes
anything; it refuses a database that already holds contacts or enquiries.
"""

import random
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate, islice
from math import sqrt
from typing import NamedTuple
from zoneinfo import ZoneInfo

import phonenumbers
from django.db import connection, transaction
from django.db.models import F

from handraise.accounts.models import BusinessSettings
from handraise.contacts import matching
from handraise.contacts.models import Contact, ContactEmail, ContactPhone, Organisation
from handraise.core import clock
from handraise.core.clock import BusinessCalendar
from handraise.enquiries.models import Enquiry, Form
from handraise.enquiries.response_clock import REMIND_BEFORE
from handraise.insights.models import IdealClientProfile, Signal, Theme
from handraise.marketing.models import Asset, Channel, Touchpoint
from handraise.sales.cadences import step_due_at
from handraise.sales.models import (
    Activity,
    Cadence,
    CadenceEnrolment,
    CadenceStep,
    Deal,
    OutcomeReason,
    Stage,
)

BUSINESS_NAME = "Northbank Process Consulting"
SITE = "https://www.northbankprocess.example"

# Volumes per unit of scale.
CONTACTS_PER_SCALE = 420
ENQUIRIES_PER_SCALE = 150
TOUCHPOINTS_PER_SCALE = 10_000
OUTBOUND_DEALS_PER_SCALE = 16
PAST_CLIENT_DEALS_PER_SCALE = 4

_BATCH = 1000
_TOUCHPOINT_CHUNK = 10_000
_WINDOW = timedelta(days=365)


class DemoDatabaseNotEmpty(Exception):
    """Demo data would mix with real data: the database already holds contacts or enquiries."""


@dataclass(frozen=True)
class DemoSummary:
    organisations: int
    contacts: int
    contact_emails: int
    contact_phones: int
    assets: int
    touchpoints: int
    enquiries: int
    deals: int
    activities: int
    signals: int
    themes: int
    cadences: int
    cadence_enrolments: int


def build_demo(
    *,
    scale: int = 1,
    seed: int = 1,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Fill an empty database with a year of demo history; see the module docstring."""
    if scale < 1:
        raise ValueError("The demo scale is a whole number of at least 1.")
    now = now or clock.now()
    if now.tzinfo is None:
        raise ValueError("build_demo needs a timezone-aware now.")
    report = progress or (lambda message: None)
    with _roomy_sqlite_cache(), transaction.atomic():
        if Contact.objects.exists() or Enquiry.objects.exists():
            raise DemoDatabaseNotEmpty(
                "demo data goes into an empty database; this one already holds contacts "
                "or enquiries (use a fresh HANDRAISE_DATA_DIR or database)"
            )
        build = _Build.open(seed=seed, scale=scale, now=now.astimezone(UTC), progress=report)
        return _write_everything(build)


@contextmanager
def _roomy_sqlite_cache(kib: int = 200_000) -> Iterator[None]:
    """Give SQLite a large page cache for the build, then restore it. With the default
    2 MB, a million touchpoints and their four indexes spill pages to the WAL over and
    over inside the one transaction; PostgreSQL manages its own buffers."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = int(cursor.fetchone()[0])
        cursor.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {previous}")


# --------------------------------------------------------------------------------------
# The run: plan in Python, then write table by table in dependency order.


def _write_everything(b: "_Build") -> DemoSummary:
    assets = _create_assets(b)
    b.progress(f"Assets: {len(assets)}")
    themes = _create_themes(b, assets)
    journeys = _Journeys(b, assets)

    people = _plan_people(b)
    enquiries = _plan_enquiries(b, people, journeys)
    deals = _plan_deals(b, people, enquiries)
    stories = _tell_deals(b, deals, themes)
    first_responses = _first_responses_without_deal(b, enquiries)
    _plan_contact_visits(b, people, journeys)

    _write_people(b, people)
    b.progress(f"Contacts: {len(people.persons)} in {len(people.orgs)} organisations")
    Enquiry.objects.bulk_create([plan.enquiry for plan in enquiries], batch_size=_BATCH)
    # The intake writes an enquiry the moment it arrives.
    Enquiry.objects.update(created_at=F("received_at"))
    b.progress(f"Enquiries: {len(enquiries)}")

    Deal.objects.bulk_create([plan.deal for plan in deals], batch_size=_BATCH)
    activities = first_responses + [a for story in stories for a in story.activities]
    Activity.objects.bulk_create(activities, batch_size=_BATCH)
    signals = [s for story in stories for s in story.signals]
    Signal.objects.bulk_create(signals, batch_size=_BATCH)
    _backdate_themes(themes, signals, b.now)
    b.progress(f"Deals: {len(deals)}, activities: {len(activities)}, signals: {len(signals)}")

    cadences, enrolments = _create_cadence(b, stories)
    _create_ideal_client_profile()

    touchpoints = _write_touchpoints(b, people, journeys)
    return DemoSummary(
        organisations=len(people.orgs),
        contacts=len(people.persons),
        contact_emails=sum(len(p.emails) for p in people.persons),
        contact_phones=sum(len(p.phones) for p in people.persons),
        assets=len(assets),
        touchpoints=touchpoints,
        enquiries=len(enquiries),
        deals=len(deals),
        activities=len(activities),
        signals=len(signals),
        themes=len(themes),
        cadences=cadences,
        cadence_enrolments=enrolments,
    )


@dataclass
class _Build:
    """What every table's generator shares: the seed, the window and the business's rules."""

    seed: int
    scale: int
    now: datetime
    start: datetime
    calendar: BusinessCalendar
    stages: dict[str, Stage]
    reasons: dict[tuple[str, str], OutcomeReason]
    form: Form | None
    response_target_minutes: int
    progress: Callable[[str], None]
    enquiry_moments: "_Moments" = field(init=False)
    visit_moments: "_Moments" = field(init=False)

    def __post_init__(self) -> None:
        self.enquiry_moments = _Moments(self, hours=_ENQUIRY_HOURS, weekend=0.25)
        self.visit_moments = _Moments(self, hours=_VISIT_HOURS, weekend=0.55)

    @classmethod
    def open(
        cls, *, seed: int, scale: int, now: datetime, progress: Callable[[str], None]
    ) -> "_Build":
        business = BusinessSettings.load()
        business.name = BUSINESS_NAME
        business.save(update_fields=["name", "updated_at"])
        return cls(
            seed=seed,
            scale=scale,
            now=now,
            start=now - _WINDOW,
            calendar=BusinessCalendar.for_business(),
            stages={stage.name: stage for stage in Stage.objects.all()},
            reasons={(r.outcome, r.label): r for r in OutcomeReason.objects.all()},
            form=Form.objects.filter(slug="contact").first(),
            response_target_minutes=business.response_target_minutes,
            progress=progress,
        )

    @property
    def zone(self) -> ZoneInfo:
        return self.calendar.zone

    def rng(self, table: str) -> random.Random:
        """An independent random stream per table, so one table's tweaks leave others alone."""
        return random.Random(f"handraise-demo:{self.seed}:{table}")

    def working(self, rng: random.Random, at: datetime, low: int = 5, high: int = 90) -> datetime:
        """A moment a little after ``at`` when the business is open (the owner works then)."""
        return self.calendar.add_business_minutes(at, rng.randint(low, high))

    def business_days_after(self, at: datetime, days: int) -> datetime:
        """When a cadence step ``days`` after ``at`` runs: as the cadence engine times it."""
        return step_due_at(self.calendar, at, days).astimezone(UTC)

    def local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.zone).astimezone(UTC)

    def today(self) -> date:
        return self.now.astimezone(self.zone).date()


# Relative weight of each local hour (0-23): visitors read in the evening too,
# enquiries mostly arrive in working hours.
_VISIT_HOURS = (0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 2, 4, 6, 6, 5.5)
_VISIT_HOURS += (5, 5.5, 5.5, 5, 4.5, 3.5, 3, 3.5, 4, 3.5, 2, 0.8)
_ENQUIRY_HOURS = (0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.4, 1.5, 4, 6, 6, 5)
_ENQUIRY_HOURS += (4, 5, 5.5, 5, 4, 2.5, 1.5, 1.5, 1.5, 1.2, 0.6, 0.3)


class _Moments:
    """Draws moments in the window: more later in the year (the business is growing its
    marketing), fewer at weekends, at the local hours people actually do things."""

    def __init__(self, b: _Build, *, hours: Sequence[float], weekend: float) -> None:
        self.start, self.now, self.zone = b.start, b.now, b.zone
        first = b.start.astimezone(b.zone).date()
        self.days = [first + timedelta(days=i) for i in range((b.today() - first).days + 1)]
        last = max(len(self.days) - 1, 1)
        weights = (
            (0.6 + 0.8 * i / last) * (weekend if day.weekday() >= 5 else 1.0)
            for i, day in enumerate(self.days)
        )
        self.day_weights = list(accumulate(weights))
        self.hours = list(range(24))
        self.hour_weights = list(accumulate(hours))

    def draw(self, rng: random.Random) -> datetime:
        while True:
            day = rng.choices(self.days, cum_weights=self.day_weights)[0]
            hour = rng.choices(self.hours, cum_weights=self.hour_weights)[0]
            local = time(hour, rng.randrange(60), rng.randrange(60))
            moment = datetime.combine(day, local, tzinfo=self.zone).astimezone(UTC)
            if self.start <= moment < self.now:
                return moment


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --------------------------------------------------------------------------------------
# Marketing assets.


class _AssetPlan(NamedTuple):
    asset: Asset
    weight: float  # how popular it is
    until: datetime | None  # ads stop running
    utm: tuple[str, str, str, str, str]  # source, medium, campaign, content, term
    referrer: str


# title, path, day of the window it was published (negative: before it), popularity
_PAGES = (
    ("Home", "/", -700, 6.0),
    ("Services", "/services/", -700, 2.0),
    ("Operations review", "/services/operations-review/", -420, 2.0),
    ("About Northbank", "/about/", -700, 1.0),
    ("Contact", "/contact/", -700, 0.4),
)
_ARTICLES = (
    ("Five signs your lead times are a process problem", 10),
    ("Fix the process before you buy the software", 35),
    ("What an operations review costs — and what it returns", 60),
    ("Why process changes slip back, and how to make them stick", 95),
    ("A one-page capacity plan for owner-managed manufacturers", 130),
    ("Picking errors: where they really come from", 170),
    ("Month-end in three days: a finance process walk-through", 205),
    ("Overtime is a symptom: reading your labour data", 240),
    ("Moving site without losing a month of output", 280),
    ("The ten-minute daily huddle that replaced three meetings", 320),
)
_CASE_STUDIES = (
    ("Food manufacturer cuts overtime by a third", 25),
    ("Regional distributor halves picking errors", 80),
    ("Precision engineering firm brings lead times from 19 to 8 days", 150),
    ("Dental group standardises patient booking across six practices", 215),
    ("Wholesaler moves warehouse without missing a delivery", 270),
    ("Charity finance team closes the month in four days", 335),
)
_SOCIAL_POSTS = (
    ("Three questions to ask before you hire an operations manager", 15),
    ("The whiteboard that fixed a bottleneck", 70),
    ("Poll: how long does your month-end take?", 120),
    ("What we learned from 40 site walk-rounds", 190),
    ("A shift handover checklist you can steal", 250),
    ("Why we never start with software", 310),
)
_NEWSLETTER_DAYS = (5, 65, 125, 185, 245, 305)
_TALKS = (
    ("Lean without the jargon — Midlands Manufacturing Forum", "midlands-forum", 55),
    ("Getting month-end under control — finance directors' breakfast", "fd-breakfast", 160),
    ("Running a site move — Northern Logistics Network evening", "nln-evening", 290),
)
_PARTNERS = (
    ("Carter & Webb Accountants", "https://www.carterwebb.example/", -300),
    ("Midlands Manufacturing Network", "https://www.midlandsmanufacturing.example/", 40),
    ("Harbour Business Bank relationship team", "https://www.harbourbank.example/", 180),
)
_ADS = (  # title, source, medium, campaign, day, days it ran
    ("LinkedIn ad: free operations health check", "linkedin", "paid_social", "health-check", 100),
    ("Google Ads: operations consultant", "google", "cpc", "ops-consultant-search", 200),
    ("LinkedIn ad: the site-move checklist", "linkedin", "paid_social", "site-move", 300),
)
_AD_RUNS = (60, 90, 400)
_EXTRA_TOPICS = (
    "lead times",
    "picking accuracy",
    "shift handovers",
    "capacity planning",
    "month-end close",
    "stock accuracy",
    "overtime",
    "quality escapes",
    "site layout",
    "supplier deliveries",
    "production scheduling",
    "standard work",
    "daily huddles",
    "onboarding new starters",
    "order-to-cash",
    "returns handling",
    "maintenance planning",
    "booking systems",
    "waste",
    "the few numbers that matter",
)
_EXTRA_TITLES = (
    (Asset.Kind.ARTICLE, "A practical guide to {topic}"),
    (Asset.Kind.ARTICLE, "What nobody tells you about {topic}"),
    (Asset.Kind.ARTICLE, "Five mistakes we see with {topic}"),
    (Asset.Kind.ARTICLE, "Measuring {topic} without new software"),
    (Asset.Kind.SOCIAL_POST, "Quick tip: {topic}"),
    (Asset.Kind.SOCIAL_POST, "Before and after: {topic}"),
    (Asset.Kind.CASE_STUDY, "How a 40-person team sorted out {topic}"),
)
_SUMMARIES = {
    Asset.Kind.ARTICLE: "A practical article for owners and operations leads.",
    Asset.Kind.CASE_STUDY: "What we found, what changed and what it was worth.",
    Asset.Kind.SOCIAL_POST: "LinkedIn post from the company page.",
    Asset.Kind.NEWSLETTER: "Monthly-ish letter to subscribers: one idea, one story, one tool.",
    Asset.Kind.TALK: "Talk with slides and a QR code to the write-up.",
    Asset.Kind.REFERRAL_PARTNER: "A firm that introduces clients to us.",
    Asset.Kind.AD: "Paid campaign.",
    Asset.Kind.PAGE: "Page on our website.",
}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _create_assets(b: _Build) -> list[_AssetPlan]:
    rng = b.rng("assets")
    plans: list[_AssetPlan] = []

    def add(kind, title, url, day, weight, *, utm=_EMPTY_UTM, until=None, referrer=""):
        published = b.start + timedelta(days=day, hours=rng.randint(8, 16))
        asset = Asset(
            kind=kind, title=title, url=url, summary=_SUMMARIES[kind], published_at=published
        )
        plans.append(_AssetPlan(asset, weight, until, utm, referrer))

    for title, path, day, weight in _PAGES:
        add(Asset.Kind.PAGE, title, SITE + path, day, weight)
    for title, day in _ARTICLES:
        add(Asset.Kind.ARTICLE, title, f"{SITE}/insights/{_slug(title)}/", day, rng.uniform(1, 3))
    for title, day in _CASE_STUDIES:
        url = f"{SITE}/case-studies/{_slug(title)}/"
        add(Asset.Kind.CASE_STUDY, title, url, day, rng.uniform(1, 2.5))
    for title, day in _SOCIAL_POSTS:
        url = f"https://www.linkedin.com/posts/northbank-process_{_slug(title)}"
        utm = ("linkedin", "social", "company-page", "", "")
        add(Asset.Kind.SOCIAL_POST, title, url, day, 1.0, utm=utm)
    for day in _NEWSLETTER_DAYS:
        month = (b.start + timedelta(days=day)).strftime("%Y-%m")
        title = "Flow Notes — " + (b.start + timedelta(days=day)).strftime("%B %Y")
        utm = ("newsletter", "email", f"flow-notes-{month}", "", "")
        add(Asset.Kind.NEWSLETTER, title, f"{SITE}/newsletter/{month}/", day, 1.0, utm=utm)
    for title, campaign, day in _TALKS:
        utm = ("event", "qr", campaign, "", "")
        add(Asset.Kind.TALK, title, f"{SITE}/talks/{campaign}/", day, 1.0, utm=utm)
    for title, url, day in _PARTNERS:
        utm = ("partner", "referral", _slug(title), "", "")
        add(Asset.Kind.REFERRAL_PARTNER, title, url, day, 1.0, utm=utm, referrer=url)
    for (title, source, medium, campaign, day), runs in zip(_ADS, _AD_RUNS, strict=True):
        term = "operations consultant" if source == "google" else ""
        utm = (source, medium, campaign, rng.choice(("variant-a", "variant-b")), term)
        until = b.start + timedelta(days=day + runs)
        referrer = "https://www.google.com/" if source == "google" else "https://www.linkedin.com/"
        url = f"{SITE}/lp/{campaign}/"
        add(Asset.Kind.AD, title, url, day, 1.5, utm=utm, until=until, referrer=referrer)
    _add_extra_assets(b, rng, add)

    Asset.objects.bulk_create([plan.asset for plan in plans], batch_size=_BATCH)
    for plan in plans:  # drafted a few days before publishing
        plan.asset.created_at = plan.asset.published_at - timedelta(days=rng.randint(1, 6))
    Asset.objects.bulk_update([p.asset for p in plans], ["created_at"], batch_size=_BATCH)
    return plans


_SECTIONS = {Asset.Kind.CASE_STUDY: "case-studies", Asset.Kind.ARTICLE: "insights"}


def _add_extra_assets(b: _Build, rng: random.Random, add: Callable) -> None:
    """More content at higher scales, growing with the square root: a bigger business
    gets more visitors per piece, not a hundred times the writers."""
    extra = round(40 * (sqrt(b.scale) - 1))
    titles = [
        (kind, template.format(topic=topic))
        for kind, template in _EXTRA_TITLES
        for topic in _EXTRA_TOPICS
    ]
    titles = [(kind, title[0].upper() + title[1:]) for kind, title in titles]
    rng.shuffle(titles)
    for index in range(extra):
        kind, title = titles[index % len(titles)]
        if index >= len(titles):
            title = f"{title} (part {index // len(titles) + 1})"
        if kind == Asset.Kind.SOCIAL_POST:
            url = f"https://www.linkedin.com/posts/northbank-process_{_slug(title)}"
            utm = ("linkedin", "social", "company-page", "", "")
        else:
            url = f"{SITE}/{_SECTIONS[kind]}/{_slug(title)}/"
            utm = _EMPTY_UTM
        add(kind, title, url, rng.randint(0, 360), rng.uniform(0.3, 1.2), utm=utm)


class _Shelf:
    """The assets of some kinds in publication order, for drawing the one a visitor saw.

    On a ``timely`` shelf (newsletters, posts, talks, ads) most visits go to the latest
    one: people click this month's newsletter, not last spring's."""

    def __init__(self, plans: Iterable[_AssetPlan], *, timely: bool = False) -> None:
        self.timely = timely
        self.plans = sorted(plans, key=lambda p: (p.asset.published_at, p.asset.title))
        self.published = [p.asset.published_at for p in self.plans]
        self.cumulative = list(accumulate(p.weight for p in self.plans))

    def pick(self, rng: random.Random, at: datetime) -> _AssetPlan | None:
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


class _Touch(NamedTuple):
    occurred_at: datetime
    plan: _AssetPlan
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


class _Journeys:
    """Visits to the site and its outposts, as sessions of a few touchpoints each."""

    def __init__(self, b: _Build, assets: list[_AssetPlan]) -> None:
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

    def session(self, rng: random.Random, at: datetime, channel: str | None = None) -> list[_Touch]:
        channel = channel or rng.choices(self.channels, cum_weights=self.channel_weights)[0]
        landing = self.landing[channel].pick(rng, at)
        if landing is None:  # nothing of that kind out yet (or the ad stopped): search
            channel = Channel.ORGANIC_SEARCH
            landing = self.landing[channel].pick(rng, at) or self.pages.pick(rng, at)
        referrer = landing.referrer or self._referrer(rng, channel)
        utm = landing.utm
        if channel == Channel.SOCIAL and rng.random() < 0.4:
            utm = _EMPTY_UTM  # shared by hand, without the tracking link
        touches = [_Touch(at, landing, channel, referrer, utm)]
        for _ in range(rng.choices((0, 1, 2, 3), (55, 25, 12, 8))[0]):
            at += timedelta(seconds=rng.randint(40, 420))
            page = self.on_site.pick(rng, at) or landing
            touches.append(_Touch(at, page, channel, touches[-1].plan.asset.url, _EMPTY_UTM))
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
    ) -> tuple[list[_Touch], list[_Touch]]:
        """The visits that led to a hand-raise, ending on the contact page just before it,
        and the last of those visits (where the enquiry's attribution comes from)."""
        sessions = rng.choices((1, 2, 3, 4, 5), (25, 30, 22, 13, 10))[0]
        first = received_at - timedelta(minutes=rng.randint(120, 90 * 24 * 60))
        span = (received_at - timedelta(minutes=60) - first).total_seconds()
        starts = sorted(first + timedelta(seconds=rng.random() * span) for _ in range(sessions - 1))
        starts.append(received_at - timedelta(minutes=rng.randint(25, 45)))
        cutoff = received_at - timedelta(minutes=2)
        touches: list[_Touch] = []
        last_visit: list[_Touch] = []
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
        form_page = _Touch(at, self.contact_page, last_visit[0].channel, referrer, _EMPTY_UTM)
        return [*touches, form_page], [*last_visit, form_page]

    def later_visits(
        self, rng: random.Random, after: datetime, sessions: int, channel: str | None = None
    ) -> list[_Touch]:
        touches: list[_Touch] = []
        at = after
        for _ in range(sessions):
            at += timedelta(minutes=rng.randint(6 * 60, 60 * 24 * 45))
            if at >= self.b.now:
                break
            touches += self.session(rng, at, channel)
        return [t for t in touches if t.occurred_at < self.b.now]


# --------------------------------------------------------------------------------------
# Organisations and contacts.


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST_NAMES = _words(
    """Aisha Alex Amelia Amir Anna Ben Beth Callum Charlotte Chloe Chris Claire Daniel
David Deepa Eilidh Ella Emily Emma Ewan Fatima Fiona Gareth George Grace Hamish Hannah Harry Imran
Isla Jack James Jane Jasmine Joe John Jonathan Kate Katie Kwame Laura Leah Liam Lucy Mark Martin
Mei Michael Mohammed Nadia Naomi Neil Nicola Oliver Olivia Owen Paul Priya Rachel Rajesh Rebecca
Rhys Richard Rob Ruth Ryan Sam Sanjay Sarah Sean Simon Siobhan Sophie Stephen Tom Tomasz Victoria
Will Yasmin Zainab Zoe"""
)
_SURNAMES = _words(
    """Ahmed Allen Anderson Atkinson Bailey Baker Begum Bell Bennett Brown Campbell Carter
Chapman Chen Clarke Collins Cook Cooper Davies Dixon Edwards Evans Fisher Fletcher Foster Gill
Graham Green Hall Harris Hughes Hussain Jackson James Jenkins Johnson Jones Kaur Kelly Kennedy Khan
King Knight Lee Lewis Lloyd MacDonald Marshall Martin Mason Matthews Mills Mitchell Moore Morgan
Morris Murphy Murray Nowak O'Brien Okafor Owen Palmer Parker Patel Pearson Phillips Price Reid
Richards Roberts Robinson Rogers Ross Russell Scott Shah Sharma Shaw Simpson Singh Smith Stewart
Taylor Thomas Thompson Turner Walker Walsh Ward Watson White Williams Wilson Wood
Wright Young"""
)
_JOB_TITLES = (
    "Managing Director",
    "Operations Director",
    "Head of Operations",
    "Operations Manager",
    "Finance Director",
    "Production Manager",
    "Warehouse Manager",
    "Owner",
    "Chief Operating Officer",
    "Continuous Improvement Lead",
    "Office Manager",
    "Practice Manager",
    "Chief Executive",
    "General Manager",
)
_ORG_WORDS = _words(
    """Ashford Brookside Calder Dunmore Elmstead Fairholme Greystone Harbourside Ironbridge
Juniper Kingsway Larkhill Millbrook Northgate Oakridge Pennine Quayside Riverside Severn Thornbury
Upton Westfield Yarrow Aldwick Beacon Castlegate Dalesway Eastwood Foxley Glenmore Hawthorn Kestrel
Linden Meadowbank Netherby Orchard Parkside Redbrook Saxon Tamar Wyvern Avonside Blackwater
Cotswold Derwent Fenland Granite Heron Kennet Lowther Marston Nene Oldfield Pendle Ribble Stourton
Trentham Weald"""
)
# Towns with an Ofcom drama-number range (E.164 prefix; three more digits make a number).
_TOWNS = (
    ("London", "+442079460", 22),
    ("Birmingham", "+441214960", 10),
    ("Manchester", "+441614960", 10),
    ("Leeds", "+441134960", 8),
    ("Bristol", "+441174960", 7),
    ("Nottingham", "+441154960", 6),
    ("Leicester", "+441164960", 6),
    ("Sheffield", "+441144960", 5),
    ("Reading", "+441184960", 5),
    ("Liverpool", "+441514960", 5),
    ("Newcastle", "+441914980", 4),
    ("Edinburgh", "+441314960", 4),
    ("Glasgow", "+441414960", 4),
    ("Cardiff", "+442920180", 4),
    ("Belfast", "+442896496", 2),
)
_MOBILE_PREFIX = "+447700900"
# industry, what people call such a business, name endings, employee range, weight
_INDUSTRIES = (
    (
        "Manufacturing",
        "manufacturer",
        ("Precision Engineering", "Components", "Fabrications", "Plastics", "Manufacturing"),
        (15, 400),
        18,
    ),
    (
        "Food production",
        "food producer",
        ("Foods", "Bakery", "Dairy", "Brewing Co", "Fresh Produce"),
        (10, 300),
        12,
    ),
    (
        "Logistics",
        "logistics business",
        ("Logistics", "Freight", "Distribution", "Transport"),
        (10, 350),
        12,
    ),
    ("Wholesale distribution", "wholesaler", ("Wholesale", "Trade Supplies"), (8, 200), 9),
    ("Construction", "construction firm", ("Construction", "Builders"), (8, 150), 7),
    (
        "Healthcare",
        "healthcare provider",
        ("Dental Group", "Care Homes", "Physiotherapy", "Veterinary Practice"),
        (8, 250),
        8,
    ),
    (
        "Professional services",
        "professional services firm",
        ("Accountants", "Solicitors", "Surveyors", "Architects"),
        (5, 120),
        10,
    ),
    ("Retail", "retailer", ("Home Store", "Garden Centre", "Outdoor"), (5, 200), 6),
    ("Charity", "charity", ("Trust", "Foundation", "Community Housing"), (5, 150), 6),
    ("Education", "education provider", ("Academy Trust", "College", "Training"), (20, 400), 4),
    ("Software", "software company", ("Software", "Digital", "Systems"), (5, 120), 8),
)
_ICP_INDUSTRIES = ("Manufacturing", "Food production", "Logistics", "Wholesale distribution")
_ICP_KEYWORDS = (
    "lead time",
    "overtime",
    "backlog",
    "warehouse",
    "capacity",
    "picking",
    "bottleneck",
    "site move",
    "process",
)


@dataclass
class _Org:
    organisation: Organisation
    industry: str
    noun: str
    town: str
    switchboard: str


@dataclass
class _Person:
    contact: Contact
    first: str
    last: str
    org: _Org | None
    emails: list[str]
    phones: list[tuple[str, str]]  # E.164, label
    first_seen: datetime | None = None
    visitor_id: str = ""
    touches: list[_Touch] = field(default_factory=list)
    is_past_client: bool = False

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def company(self) -> str:
        return self.org.organisation.name if self.org else ""


@dataclass
class _People:
    orgs: list[_Org]
    persons: list[_Person]
    queue: list[_Person]  # who is next to raise a hand, in order
    network: list[_Person]  # the owner's own contacts: outbound deals, past clients
    used_emails: set[str]
    phone_book: "_PhoneBook"


class _PhoneBook:
    """Hands out drama numbers from each range in a shuffled order, starting over when a
    range runs out (at large scales some contacts share a number, as switchboards do)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.pools: dict[str, list[str]] = {}

    def number(self, prefix: str) -> str:
        pool = self.pools.get(prefix)
        if not pool:
            pool = self.pools[prefix] = [f"{prefix}{n:03d}" for n in range(1000)]
            self.rng.shuffle(pool)
        return pool.pop()


def _email_local(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _unique_email(local: str, domain: str, used: set[str]) -> str:
    candidate, n = f"{local}@{domain}", 2
    while candidate in used:
        candidate, n = f"{local}{n}@{domain}", n + 1
    used.add(candidate)
    return candidate


def _plan_people(b: _Build) -> _People:
    rng = b.rng("people")
    target = CONTACTS_PER_SCALE * b.scale
    orgs: list[_Org] = []
    persons: list[_Person] = []
    used_slugs: set[str] = set()
    people = _People(orgs, persons, [], [], set(), _PhoneBook(rng))
    while len(persons) < target * 0.86:
        org = _new_org(rng, used_slugs, people.phone_book)
        orgs.append(org)
        for _ in range(rng.choices((1, 2, 3, 4, 5, 6), (40, 25, 15, 10, 6, 4))[0]):
            persons.append(_new_person(rng, org, people))
    while len(persons) < target:
        persons.append(_new_person(rng, None, people))

    order = list(persons)
    rng.shuffle(order)
    enquirers = round(ENQUIRIES_PER_SCALE * b.scale * 1.05)
    people.queue, people.network = order[:enquirers], order[enquirers:]
    for person in people.network:
        if rng.random() < 0.55:  # imported from the owner's address book when they started
            person.first_seen = b.start + timedelta(minutes=rng.randint(60, 3 * 24 * 60))
        else:  # met along the way: events, LinkedIn, introductions
            person.first_seen = b.visit_moments.draw(rng)
        if person.org and rng.random() < 0.08:
            person.is_past_client = True
            person.contact.notes = "Past client: operations review before we used Handraise."
        elif rng.random() < 0.2:
            person.contact.notes = rng.choice(
                (
                    "Met at the Midlands Manufacturing Forum.",
                    "Connected on LinkedIn after the month-end talk.",
                    "Introduced by Carter & Webb.",
                    "Old colleague; knows lots of operations directors.",
                )
            )
    return people


def _new_org(rng: random.Random, used_slugs: set[str], phone_book: _PhoneBook) -> _Org:
    industry, noun, endings, (low, high), _ = rng.choices(
        _INDUSTRIES, [i[-1] for i in _INDUSTRIES]
    )[0]
    town, prefix, _ = rng.choices(_TOWNS, [t[-1] for t in _TOWNS])[0]
    word, ending = rng.choice(_ORG_WORDS), rng.choice(endings)
    for candidate in (f"{word} {ending}", f"{word} {town} {ending}", f"{town} {word} {ending}"):
        if _slug(candidate) not in used_slugs:
            base = candidate
            break
    else:
        n = 2
        while _slug(f"{word} {ending} {n}") in used_slugs:
            n += 1
        base = f"{word} {ending} {n}"
    slug = _slug(base)
    used_slugs.add(slug)
    domain = f"{slug}.example"
    organisation = Organisation(
        name=base + (" Ltd" if rng.random() < 0.6 else ""),
        domain=domain,
        website=f"https://www.{domain}/",
        industry=industry,
        employees=round(low + (high - low) * rng.random() ** 2),
    )
    return _Org(organisation, industry, noun, town, phone_book.number(prefix))


def _new_person(rng: random.Random, org: _Org | None, people: _People) -> _Person:
    first, last = rng.choice(_FIRST_NAMES), rng.choice(_SURNAMES)
    local = f"{_email_local(first)}.{_email_local(last)}"
    if org:
        emails = [_unique_email(local, org.organisation.domain, people.used_emails)]
    else:
        domain = rng.choice(("example.com", "example.org", "example.net"))
        emails = [_unique_email(local, domain, people.used_emails)]
    if rng.random() < 0.12:  # a personal address too
        personal = f"{_email_local(first)}{_email_local(last)[0]}"
        domain = rng.choice(("example.com", "example.net"))
        emails.append(_unique_email(personal, domain, people.used_emails))
    phones: list[tuple[str, str]] = []
    roll = rng.random()
    if org and roll < 0.42:
        town_prefix = next(t[1] for t in _TOWNS if t[0] == org.town)
        direct = rng.random() < 0.6
        number = people.phone_book.number(town_prefix) if direct else org.switchboard
        phones.append((number, "office"))
    if roll < 0.22 or 0.42 <= roll < 0.62:
        phones.append((people.phone_book.number(_MOBILE_PREFIX), "mobile"))
    contact = Contact(
        name=f"{first} {last}",
        match_key=matching.match_key(f"{first} {last}"),
        organisation=org.organisation if org else None,
        job_title=rng.choice(_JOB_TITLES) if org else "Independent consultant",
    )
    return _Person(contact, first, last, org, emails, phones)


def _write_people(b: _Build, people: _People) -> None:
    Organisation.objects.bulk_create([o.organisation for o in people.orgs], batch_size=_BATCH)
    Contact.objects.bulk_create([p.contact for p in people.persons], batch_size=_BATCH)
    ContactEmail.objects.bulk_create(
        (
            ContactEmail(contact=p.contact, email=email, is_primary=i == 0)
            for p in people.persons
            for i, email in enumerate(p.emails)
        ),
        batch_size=_BATCH,
    )
    ContactPhone.objects.bulk_create(
        (
            ContactPhone(contact=p.contact, number=number, label=label, is_primary=i == 0)
            for p in people.persons
            for i, (number, label) in enumerate(p.phones)
        ),
        batch_size=_BATCH,
    )
    # bulk_create stamps auto_now_add fields with today; the history needs its own dates.
    for person in people.persons:
        person.contact.created_at = person.first_seen or b.start
    contacts = [p.contact for p in people.persons]
    Contact.objects.bulk_update(contacts, ["created_at"], batch_size=_BATCH)
    # Every contact in the database is ours (build_demo refuses any other).
    Contact.objects.update(updated_at=F("created_at"))
    # An organisation appears with its first contact. (Computed here, not in SQL: the
    # tables were filled in this transaction, so PostgreSQL has no statistics for them
    # and plans a correlated subquery as a scan per organisation.)
    for org in people.orgs:
        org.organisation.created_at = b.now
    for person in people.persons:
        if person.org:
            org = person.org.organisation
            org.created_at = min(org.created_at, person.contact.created_at)
    organisations = [org.organisation for org in people.orgs]
    Organisation.objects.bulk_update(organisations, ["created_at"], batch_size=_BATCH)


# --------------------------------------------------------------------------------------
# Enquiries: the hand-raises and their response clock.

_ENQUIRY_CHANNELS = (
    (Enquiry.Channel.FORM, 52),
    (Enquiry.Channel.EMAIL, 18),
    (Enquiry.Channel.PHONE, 11),
    (Enquiry.Channel.MEETING, 8),
    (Enquiry.Channel.REFERRAL, 7),
    (Enquiry.Channel.OTHER, 4),
)
# share of answered leads, business minutes until the first response (None: never)
_RESPONSE_TIMES = (
    (24, (3, 45)),
    (36, (45, 240)),
    (22, (240, 960)),
    (12, (960, 3600)),
    (6, None),
)
_OPENERS = (
    "We're a {noun} in {town} with {employees} people.",
    "I look after operations at {company}, a {noun} in {town} with about {employees} staff.",
    "{company} is a {noun} based in {town}; we employ around {employees} people.",
)
_PROBLEMS = (
    "Our lead times have crept from five days to nearly three weeks and customers notice.",
    "Overtime now costs more than a new hire would, and the backlog is still growing.",
    "We've doubled in two years and the processes haven't kept up — everything goes through me.",
    "Warehouse picking errors are running at about 4% and we don't know where to start.",
    "We keep firefighting the same problems every month and I'd like an outside view.",
    "We're planning a site move next year and want the layout and flow right first.",
    "Month-end takes the finance team two weeks; it feels like it should take three days.",
    "We're bidding for a large contract and need to show we have the capacity.",
    "Complaints about quality are up and I think it's a process problem, not a people one.",
    "We've bought new software twice and neither stuck. I suspect the process is the issue.",
    "There's a bottleneck in dispatch every afternoon and the team stays late to clear it.",
)
_ASKS = (
    "Could we have a quick call next week?",
    "Do you do short diagnostic reviews? Roughly what would one cost?",
    "Is this the kind of thing you help with?",
    "Would you be able to visit the site in the next month?",
    "It would be good to understand how you work and what you charge.",
)
_SPAM = (
    "Boost your Google ranking to page 1 in 30 days!!! Reply for a FREE audit.",
    "We have verified B2B email lists for UK manufacturers. 50,000 contacts, this week only.",
    "Guest post opportunity on high-authority business sites, from $49.",
    "Your website could be converting 3x better. Book a free redesign call now.",
)
_NOT_A_LEAD = (
    "Hi, I'm a final-year student writing a dissertation on lean in small firms — "
    "could I interview you for 20 minutes?",
    "Do you have any vacancies for junior consultants? CV attached.",
    "Can you recommend a supplier of pallet racking?",
    "Please take me off the newsletter list.",
    "We're a recruitment agency specialising in operations roles and would love to partner.",
)


@dataclass
class _EnquiryPlan:
    enquiry: Enquiry
    person: _Person
    is_lead: bool
    response_kind: str = ""  # the Activity kind of the first response
    response_minutes: float | None = None


def _plan_enquiries(b: _Build, people: _People, journeys: _Journeys) -> list[_EnquiryPlan]:
    rng = b.rng("enquiries")
    channels = [c for c, _ in _ENQUIRY_CHANNELS]
    channel_weights = [w for _, w in _ENQUIRY_CHANNELS]
    moments = sorted(b.enquiry_moments.draw(rng) for _ in range(ENQUIRIES_PER_SCALE * b.scale))
    queue = iter(people.queue)
    plans: list[_EnquiryPlan] = []
    leads: list[_Person] = []
    spam_count = 0
    for received_at in moments:
        channel = rng.choices(channels, channel_weights)[0]
        if channel == Enquiry.Channel.FORM and rng.random() < 0.07:
            spam_count += 1
            plans.append(_spam_enquiry(b, rng, people, received_at, spam_count))
            continue
        not_a_lead = channel in ("form", "email", "phone") and rng.random() < 0.045
        if leads and not not_a_lead and rng.random() < 0.07:
            person, repeat = rng.choice(leads), True
        else:
            person, repeat = next(queue), False
        if person.first_seen is None:
            person.first_seen = received_at
        if channel == Enquiry.Channel.PHONE and not person.phones:
            person.phones.append((people.phone_book.number(_MOBILE_PREFIX), "mobile"))
        plan = _lead_enquiry(b, rng, journeys, person, channel, received_at, repeat, not_a_lead)
        if plan.is_lead:
            leads.append(person)
        plans.append(plan)
    return plans


def _lead_enquiry(
    b: _Build,
    rng: random.Random,
    journeys: _Journeys,
    person: _Person,
    channel: str,
    received_at: datetime,
    repeat: bool,
    not_a_lead: bool,
) -> _EnquiryPlan:
    message = _not_a_lead_message(rng) if not_a_lead else _message(rng, person, channel, repeat)
    enquiry = Enquiry(
        channel=channel,
        form=b.form if channel == Enquiry.Channel.FORM else None,
        contact=person.contact,
        received_at=received_at,
        message=message,
        **_typed_details(rng, person, channel),
    )
    if enquiry.from_email:
        enquiry.acknowledged_at = received_at + timedelta(seconds=rng.randint(2, 25))
    enquiry.response_due_at = b.calendar.add_business_minutes(
        received_at, b.response_target_minutes
    )
    if channel in (Enquiry.Channel.FORM, Enquiry.Channel.MEETING):
        _attribute_to_visits(rng, journeys, person, enquiry)
    plan = _EnquiryPlan(enquiry, person, is_lead=not not_a_lead)
    if not_a_lead:
        enquiry.status = Enquiry.Status.NOT_A_LEAD
        enquiry.fit_score = rng.randint(0, 10)
        return plan
    enquiry.fit_score = _fit_score(person, message)
    minutes = rng.choices(_RESPONSE_TIMES, [w for w, _ in _RESPONSE_TIMES])[0][1]
    if minutes is not None:
        response_minutes = rng.randint(*minutes)
        answered_at = b.calendar.add_business_minutes(received_at, response_minutes)
        if answered_at < b.now:
            enquiry.first_response_at = answered_at
            enquiry.status = Enquiry.Status.RESPONDED
            plan.response_minutes = response_minutes
            plan.response_kind = _response_kind(rng, channel)
    _stamp_past_alarms(b, enquiry)
    return plan


def _stamp_past_alarms(b: _Build, enquiry: Enquiry) -> None:
    """The worker reminded and escalated as the year went by; record that it did, so a
    fresh demo does not sound a whole year of alarms at once."""
    due, answered = enquiry.response_due_at, enquiry.first_response_at
    remind_at = max(due - REMIND_BEFORE, enquiry.received_at)
    if remind_at < b.now and (answered is None or answered > remind_at):
        enquiry.reminded_at = remind_at
    if due < b.now and (answered is None or answered > due):
        enquiry.escalated_at = due


def _spam_enquiry(
    b: _Build, rng: random.Random, people: _People, received_at: datetime, n: int
) -> _EnquiryPlan:
    local = rng.choice(("growth.team", "seo.experts", "leads.desk", "webdesign.offers"))
    domain = rng.choice(("example.net", "example.org"))
    email = _unique_email(local, domain, people.used_emails)
    name = rng.choice(("Digital Growth Team", "Mark SEO", "Web Solutions", "Data Desk"))
    contact = Contact(name=name, match_key=matching.match_key(name))
    person = _Person(contact, name, "", None, [email], [], first_seen=received_at)
    people.persons.append(person)
    enquiry = Enquiry(
        channel=Enquiry.Channel.FORM,
        status=Enquiry.Status.SPAM,
        form=b.form,
        contact=person.contact,
        received_at=received_at,
        message=rng.choice(_SPAM),
        from_name=name,
        from_email=email.upper() if n % 3 == 0 else email,
        visitor_id=_visitor_id(rng),
        landing_page=f"{SITE}/contact/",
    )
    return _EnquiryPlan(enquiry, person, is_lead=False)


def _message(rng: random.Random, person: _Person, channel: str, repeat: bool) -> str:
    parts = []
    if repeat:
        parts.append("Following up on our conversation earlier in the year.")
    elif person.org:
        org = person.org
        parts.append(
            rng.choice(_OPENERS).format(
                employees=org.organisation.employees,
                noun=org.noun,
                town=org.town,
                company=org.organisation.name,
            )
        )
    parts.append(rng.choice(_PROBLEMS))
    parts.append(rng.choice(_ASKS))
    text = " ".join(parts)
    if channel == Enquiry.Channel.PHONE:
        return f"Phoned the office. {text} Asked for a call back."
    if channel == Enquiry.Channel.MEETING:
        return f"Booked a 30-minute intro call on the website. Notes: {text}"
    if channel == Enquiry.Channel.REFERRAL:
        partner = rng.choice(_PARTNERS)[0]
        return f"Introduced by {partner}. {text}"
    if channel == Enquiry.Channel.OTHER:
        return f"Message on LinkedIn: {text}"
    return text


def _not_a_lead_message(rng: random.Random) -> str:
    return rng.choice(_NOT_A_LEAD)


def _typed_details(rng: random.Random, person: _Person, channel: str) -> dict[str, str]:
    """What the person gave, as they typed it: capitals, spacing and national numbers."""
    name = person.name
    if rng.random() < 0.08:
        name = name.lower()
    email = person.emails[-1] if len(person.emails) > 1 and rng.random() < 0.5 else person.emails[0]
    if rng.random() < 0.15:
        local, domain = email.split("@")
        email = ".".join(part.capitalize() for part in local.split(".")) + "@" + domain
    phone = ""
    if person.phones and (channel == Enquiry.Channel.PHONE or rng.random() < 0.4):
        number = phonenumbers.parse(rng.choice(person.phones)[0])
        style = rng.choice(
            (phonenumbers.PhoneNumberFormat.NATIONAL, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        )
        phone = phonenumbers.format_number(number, style)
        if rng.random() < 0.3:
            phone = phone.replace(" ", "")
    company = person.company.removesuffix(" Ltd") if rng.random() < 0.3 else person.company
    if channel == Enquiry.Channel.PHONE and rng.random() < 0.6:
        email = ""  # the caller left a number, not an address
    return {"from_name": name, "from_email": email, "from_phone": phone, "from_company": company}


def _attribute_to_visits(
    rng: random.Random, journeys: _Journeys, person: _Person, enquiry: Enquiry
) -> None:
    """Give the person the visits that led here and carry the last session's source."""
    if not person.visitor_id:
        person.visitor_id = _visitor_id(rng)
    touches, visit = journeys.before_enquiry(rng, enquiry.received_at)
    enquiry.visitor_id = person.visitor_id
    if not visit:  # the visits started before the year we generate
        enquiry.landing_page = journeys.contact_page.asset.url
        return
    person.touches += touches
    landing = visit[0]
    # A visit may start off the site (a LinkedIn post, a partner's page): the landing
    # page is the first page of ours it reached.
    enquiry.landing_page = next(
        t.plan.asset.url for t in visit if t.plan.asset.url.startswith(SITE)
    )
    enquiry.referrer = landing.referrer
    (
        enquiry.utm_source,
        enquiry.utm_medium,
        enquiry.utm_campaign,
        enquiry.utm_content,
        enquiry.utm_term,
    ) = landing.utm


def _visitor_id(rng: random.Random) -> str:
    return f"{rng.getrandbits(64):016x}"


def _fit_score(person: _Person, message: str) -> int:
    """An approximation of the profile match: industry, size and what they wrote."""
    score = 10
    if person.org:
        if person.org.industry in _ICP_INDUSTRIES:
            score += 40
        if 20 <= (person.org.organisation.employees or 0) <= 250:
            score += 25
    if any(keyword in message.lower() for keyword in _ICP_KEYWORDS):
        score += 20
    return min(score, 100)


def _response_kind(rng: random.Random, channel: str) -> str:
    if channel == Enquiry.Channel.PHONE:
        return Activity.Kind.CALL
    if channel == Enquiry.Channel.MEETING and rng.random() < 0.5:
        return Activity.Kind.MEETING
    return rng.choices((Activity.Kind.EMAIL, Activity.Kind.CALL), (75, 25))[0]


def _first_responses_without_deal(b: _Build, plans: list[_EnquiryPlan]) -> list[Activity]:
    """Answered enquiries that never became a deal still show who answered, how and when."""
    return [
        _first_response(plan)
        for plan in plans
        if plan.response_kind and plan.enquiry.status == Enquiry.Status.RESPONDED
    ]


def _first_response(plan: _EnquiryPlan, deal: Deal | None = None) -> Activity:
    subjects = {
        Activity.Kind.EMAIL: "Re: your enquiry",
        Activity.Kind.CALL: "Called back about the enquiry",
        Activity.Kind.MEETING: "Intro call",
    }
    return Activity(
        kind=plan.response_kind,
        direction=Activity.Direction.OUTBOUND,
        contact=plan.person.contact,
        deal=deal,
        enquiry=plan.enquiry,
        subject=subjects[plan.response_kind],
        body=f"Thanks for getting in touch, {plan.person.first}.",
        occurred_at=plan.enquiry.first_response_at,
    )


# --------------------------------------------------------------------------------------
# Deals: where each one got to by now.

_PATH = ("Enquiry", "Conversation", "Proposal", "Negotiation", "Won")
# stage: chance of moving on, days to move on, days until lost otherwise, why lost
_MOVES = {
    "Enquiry": (0.80, (1, 9), (5, 25), ("Not a fit", "Bad timing", "Went quiet")),
    "Conversation": (
        0.64,
        (4, 24),
        (7, 40),
        ("No budget", "Bad timing", "Went quiet", "Not a fit"),
    ),
    "Proposal": (
        0.60,
        (8, 30),
        (12, 45),
        ("Price", "Chose a competitor", "Went quiet", "No budget"),
    ),
    "Negotiation": (0.74, (8, 32), (8, 30), ("Price", "Chose a competitor", "Bad timing")),
}
# A deal nobody moves on or closes: the stale deals the pipeline should flag.
# Negotiations stall most: contracts sit with somebody's solicitor.
_STALL_CHANCE = {"Enquiry": 0.04, "Conversation": 0.04, "Proposal": 0.04, "Negotiation": 0.15}
_SERVICES = (  # what the business sells, fee range in pounds, weight
    ("Operations review", 4500, 9500, 30),
    ("Lean workshop series", 2500, 6000, 15),
    ("Process mapping and SOPs", 6000, 15000, 15),
    ("Capacity planning model", 8000, 18000, 10),
    ("Warehouse flow redesign", 12000, 28000, 12),
    ("Operations improvement programme", 18000, 60000, 12),
    ("Interim operations lead", 25000, 75000, 6),
)
_REPEAT_SERVICES = (
    ("Follow-on support retainer", 9000, 24000, 1),
    ("Phase 2 implementation", 12000, 40000, 1),
)
_WON_NOTES = {
    "Right expertise": "They liked that we had done the same work for a similar business.",
    "Referral trust": "Came recommended; the introduction did most of the selling.",
    "Price": "The fixed fee came in under the other quote.",
    "Speed of response": "They said we were the only firm to call back the same day.",
    "Other": "Timing worked for both sides.",
}
_LOST_NOTES = {
    "Price": "Went with a cheaper option.",
    "Chose a competitor": "Chose a larger firm the board already knew.",
    "No budget": "Budget frozen until the next financial year.",
    "Bad timing": "Peak season; asked us to come back in the spring.",
    "Went quiet": "No reply after three follow-ups.",
    "Not a fit": "They needed an IT implementation rather than process work.",
    "Other": "Decided to run it in-house.",
}
_NEXT_STEPS = {
    "Enquiry": (
        "Book a discovery call",
        "Reply with times for a site visit",
        "Send the operations health-check questionnaire",
    ),
    "Conversation": (
        "Send summary and scope options",
        "Site walk-round with the operations director",
        "Agree the scope of the review",
        "Get last quarter's output figures",
    ),
    "Proposal": (
        "Follow up on the proposal",
        "Walk the finance director through the proposal",
        "Answer questions on the fixed-fee option",
    ),
    "Negotiation": (
        "Send the revised fee schedule",
        "Agree a start date",
        "Confirm contract terms with their solicitor",
        "Send the engagement letter",
    ),
}


@dataclass
class _DealPlan:
    deal: Deal
    person: _Person
    history: list[tuple[str, datetime]]  # stages entered, in order
    stalled: bool
    lost_reason: str = ""
    enquiry: _EnquiryPlan | None = None


def _plan_deals(b: _Build, people: _People, enquiries: list[_EnquiryPlan]) -> list[_DealPlan]:
    rng = b.rng("deals")
    plans: list[_DealPlan] = []
    for enquiry in enquiries:
        if enquiry.enquiry.status != Enquiry.Status.RESPONDED:
            continue
        if rng.random() > 0.35 + 0.5 * (enquiry.enquiry.fit_score or 0) / 100:
            continue  # answered, but it went no further
        referral = enquiry.enquiry.channel == Enquiry.Channel.REFERRAL
        # A prompt answer wins business: that is the point of the response clock.
        fast = enquiry.response_minutes is not None and enquiry.response_minutes <= 60
        bias = (0.1 if referral else 0.0) + (0.06 if fast else 0.0)
        origin = Deal.Origin.REFERRAL if referral else Deal.Origin.MARKETING
        created = enquiry.enquiry.first_response_at
        plan = _new_deal(b, rng, enquiry.person, origin, "Enquiry", created, bias, fast=fast)
        plan.enquiry = enquiry
        plan.deal.enquiry = enquiry.enquiry
        enquiry.enquiry.status = Enquiry.Status.CONVERTED
        plans.append(plan)

    network = [p for p in people.network if p.org and not p.is_past_client]
    rng.shuffle(network)
    for person in network[: OUTBOUND_DEALS_PER_SCALE * b.scale]:
        created = _moment_after(b, rng, person.first_seen or b.start)
        if created is not None:
            plans.append(_new_deal(b, rng, person, Deal.Origin.OUTBOUND, "Conversation", created))

    past_clients = [p for p in people.network if p.is_past_client]
    for person in past_clients[: PAST_CLIENT_DEALS_PER_SCALE * b.scale]:
        created = _moment_after(b, rng, person.first_seen or b.start)
        if created is not None:
            plans.append(_new_deal(b, rng, person, Deal.Origin.REPEAT, "Proposal", created, 0.15))
    for won in [p for p in plans if p.deal.stage.is_won]:
        if rng.random() < 0.3:
            created = b.working(rng, won.deal.closed_at + timedelta(days=rng.randint(20, 150)))
            if created < b.now - timedelta(days=1):
                first = rng.choice(("Conversation", "Proposal"))
                plans.append(
                    _new_deal(b, rng, won.person, Deal.Origin.REPEAT, first, created, 0.15)
                )
    _keep_proposals_going_out(b, rng, plans)
    for plan in plans:
        _set_next_step(b, rng, plan)
    return plans


def _keep_proposals_going_out(
    b: _Build, rng: random.Random, plans: list[_DealPlan], wanted: int = 2
) -> None:
    """A small business sends about one proposal a week, so a quiet fortnight would leave
    the follow-up cadence with nothing to do on the day the demo is built. Move the
    latest conversations on to a proposal a few days ago until a couple are fresh."""
    fresh_since = b.now - timedelta(days=9)
    fresh = [p for p in plans if p.history[-1][0] == "Proposal" and p.history[-1][1] >= fresh_since]
    conversations = sorted(
        (p for p in plans if p.history[-1][0] == "Conversation" and not p.stalled),
        key=lambda p: p.history[-1][1],
        reverse=True,
    )
    missing = wanted - len(fresh)
    for plan in conversations:
        if missing <= 0:
            break
        sent = b.working(rng, b.now - timedelta(days=rng.randint(2, 7)))
        if plan.history[-1][1] + timedelta(days=3) < sent < b.now:
            plan.history.append(("Proposal", sent))
            plan.deal.stage, plan.deal.stage_entered_at = b.stages["Proposal"], sent
            missing -= 1


def _moment_after(b: _Build, rng: random.Random, after: datetime) -> datetime | None:
    latest = b.now - timedelta(days=2)
    if after >= latest:
        return None
    minutes = int((latest - after).total_seconds() // 60)
    moment = b.working(rng, after + timedelta(minutes=rng.randint(0, minutes)))
    return moment if moment < b.now else None


def _new_deal(
    b: _Build,
    rng: random.Random,
    person: _Person,
    origin: str,
    first_stage: str,
    created_at: datetime,
    bias: float = 0.0,
    *,
    fast: bool = False,
) -> _DealPlan:
    history, lost_reason, stalled = _simulate(b, rng, first_stage, created_at, bias)
    services = _REPEAT_SERVICES if origin == Deal.Origin.REPEAT else _SERVICES
    service, low, high, _ = rng.choices(services, [s[-1] for s in services])[0]
    employees = person.org.organisation.employees if person.org else 5
    size = 0.8 + 0.6 * min(employees or 5, 300) / 300
    value = round(rng.uniform(low, high) * size / 250) * 250
    stage, entered = history[-1]
    deal = Deal(
        title=f"{service} – {person.company or person.name}",
        contact=person.contact,
        stage=b.stages[stage],
        origin=origin,
        value=Decimal(value),
        currency="GBP",
        created_at=created_at,
        stage_entered_at=entered,
    )
    if stage == "Won":
        reason = rng.choice(["Right expertise", "Right expertise", "Price", "Other"])
        if origin == Deal.Origin.REFERRAL:
            reason = "Referral trust"
        elif fast and rng.random() < 0.5:
            reason = "Speed of response"
        deal.closed_at = entered
        deal.outcome_reason = b.reasons[("won", reason)]
        deal.outcome_note = _WON_NOTES[reason]
    elif stage == "Lost":
        deal.closed_at = entered
        deal.outcome_reason = b.reasons[("lost", lost_reason)]
        deal.outcome_note = _LOST_NOTES[lost_reason]
    return _DealPlan(deal, person, history, stalled, lost_reason)


def _simulate(
    b: _Build, rng: random.Random, stage: str, at: datetime, bias: float
) -> tuple[list[tuple[str, datetime]], str, bool]:
    """Walk a deal through the stages from ``at``; whatever would happen after now has not."""
    history = [(stage, at)]
    while stage in _MOVES:
        chance, move_days, lose_days, lost_reasons = _MOVES[stage]
        if rng.random() < _STALL_CHANCE[stage]:
            return history, "", True
        if rng.random() < min(chance + bias, 0.95):
            following, days, reason = _PATH[_PATH.index(stage) + 1], move_days, ""
        else:
            following, days, reason = "Lost", lose_days, rng.choice(lost_reasons)
        at = b.working(rng, at + timedelta(minutes=rng.randint(days[0] * 1440, days[1] * 1440)))
        if at >= b.now:
            break
        history.append((following, at))
        stage = following
        if following == "Lost":
            return history, reason, False
    return history, "", False


def _set_next_step(b: _Build, rng: random.Random, plan: _DealPlan) -> None:
    stage = plan.history[-1][0]
    if stage not in _NEXT_STEPS:
        return
    roll = rng.random()
    if plan.stalled:  # nobody is looking after it
        missing, overdue = 0.4, 1.0
    else:
        missing, overdue = 0.06, 0.18
    if roll < missing:
        return
    plan.deal.next_step = rng.choice(_NEXT_STEPS[stage])
    if roll < overdue:
        plan.deal.next_step_due = b.today() - timedelta(days=rng.randint(1, 21))
    else:
        plan.deal.next_step_due = b.today() + timedelta(days=rng.randint(0, 10))


# --------------------------------------------------------------------------------------
# Activities and signals: what happened on each deal, in order.

_CADENCE_STEPS = (  # position, business days after enrolment, kind, subject, body
    (
        0,
        2,
        CadenceStep.Kind.EMAIL,
        "Any questions on the proposal?",
        "Hi {{ first_name }},\n\nI wanted to check the proposal for {{ deal }} reached you, "
        "and to answer any questions before you discuss it internally.\n\n{{ owner }}",
    ),
    (
        1,
        5,
        CadenceStep.Kind.CALL,
        "Call about the proposal",
        "Ring to talk through scope, timing and the fixed-fee option.",
    ),
    (
        2,
        10,
        CadenceStep.Kind.EMAIL,
        "Shall I keep the proposal open?",
        "Hi {{ first_name }},\n\nShall I hold the start date we discussed, or is now not the "
        "right time? Either answer is fine.\n\n{{ owner }}",
    ),
)
# The owner started using the follow-up cadence partway through the year; before then
# proposals were chased when somebody remembered.
_CADENCE_STARTS_ON_DAY = 200


@dataclass(frozen=True)
class _ThemeSpec:
    name: str
    description: str
    content_idea: str
    weight: float
    answered_by: tuple[str, ...]
    signals: dict[str, tuple[str, ...]]


_THEMES = (
    _ThemeSpec(
        "Price and return on investment",
        "Whether the fee pays for itself, and how to get it signed off.",
        "A plain-numbers article: what an operations review costs and what clients got back.",
        1.3,
        (
            "What an operations review costs — and what it returns",
            "Food manufacturer cuts overtime by a third",
        ),
        {
            "question": (
                "What sort of payback do clients usually see in the first year?",
                "Do you price by the day or as a fixed fee?",
                "Can we phase the work to spread the cost?",
            ),
            "objection": (
                "Your fee is more than we had budgeted for this year.",
                "The board will want to see a clear return before approving this.",
                "We could hire a full-time ops manager for that money.",
            ),
            "praise": ("The fixed-fee option makes this much easier to get signed off.",),
        },
    ),
    _ThemeSpec(
        "Disruption to day-to-day work",
        "Fear that the work takes people off the floor at the worst time.",
        "How we run a review around shift patterns and peak season, with a sample timetable.",
        1.6,
        (),
        {
            "question": (
                "How much of my team's time will this take during peak season?",
                "Will you need to stop the line to do the observation work?",
                "Can you work around our night shift?",
            ),
            "objection": (
                "We can't take people off the floor before Christmas.",
                "This is our busiest quarter — the timing is difficult.",
            ),
            "praise": ("Good that you work around our shift patterns.",),
        },
    ),
    _ThemeSpec(
        "Making changes stick",
        "Past improvement efforts slipped back once the consultants left.",
        "Already answered by the article on why process changes slip back.",
        1.0,
        ("Why process changes slip back, and how to make them stick",),
        {
            "question": (
                "What happens after you leave — how do we keep it going?",
                "Do you train our own people to run the improvements?",
            ),
            "objection": ("We did a lean programme five years ago and it slipped back in months.",),
            "praise": ("Really liked that you hand over the tools rather than keep them.",),
        },
    ),
    _ThemeSpec(
        "Proof from similar businesses",
        "Prospects want to see the work done for a business like theirs.",
        "More case studies from firms of 20 to 100 people, with before-and-after numbers.",
        1.2,
        (
            "Regional distributor halves picking errors",
            "Precision engineering firm brings lead times from 19 to 8 days",
        ),
        {
            "question": (
                "Have you done this for a business our size?",
                "Could we speak to one of your clients in food manufacturing?",
                "Do you have before-and-after numbers from a warehouse project?",
            ),
            "objection": ("Most of your examples are bigger than us.",),
            "praise": ("The case study you sent was almost exactly our situation.",),
        },
    ),
    _ThemeSpec(
        "Software versus process",
        "Whether new software would fix it without changing how people work.",
        "Already answered by 'Fix the process before you buy the software'.",
        0.9,
        ("Fix the process before you buy the software",),
        {
            "question": (
                "Shouldn't we just buy a new ERP system?",
                "Will this work with our current stock system?",
            ),
            "objection": ("Our software supplier says their new module will fix this.",),
            "competitor": (
                "The ERP vendor has offered a free process review as part of the sale.",
            ),
        },
    ),
    _ThemeSpec(
        "Getting the team on board",
        "Long-serving staff are wary of consultants and of what change means for jobs.",
        "A piece for owners on introducing a review to the team, with the words to use.",
        1.4,
        (),
        {
            "question": (
                "How do you get buy-in from supervisors who've been here twenty years?",
                "Will the staff think this is about cutting jobs?",
            ),
            "objection": ("My team are sceptical of consultants after the last lot.",),
            "praise": ("The floor team said it was the first time anyone had asked them.",),
        },
    ),
    _ThemeSpec(
        "Timescales and quick wins",
        "How soon anything changes, and whether a long programme is needed at all.",
        "A '30 days in' story: the quick wins from the first month of a typical review.",
        1.1,
        (),
        {
            "question": (
                "How soon would we see a difference on the floor?",
                "Can you start before the end of the quarter?",
            ),
            "objection": ("Twelve weeks feels too long — we need results this quarter.",),
            "praise": ("The quick-win list from the first visit paid for the review on its own.",),
        },
    ),
    _ThemeSpec(
        "Big firms and cheaper alternatives",
        "Comparisons with large consultancies, subsidised schemes and training companies.",
        "Why a small specialist firm: what you get that a big name or a course won't give you.",
        1.0,
        (),
        {
            "question": ("What do we get from you that we wouldn't from a larger firm?",),
            "objection": ("Why use a small firm rather than a name the board recognises?",),
            "competitor": (
                "We're also talking to one of the Big Four about a wider review.",
                "The local growth hub offers a subsidised version of this.",
                "Another consultancy quoted us a lower day rate.",
                "We had a proposal from a lean training company too.",
            ),
        },
    ),
)


def _create_themes(b: _Build, assets: list[_AssetPlan]) -> list[Theme]:
    existing = Theme.objects.in_bulk([spec.name for spec in _THEMES], field_name="name")
    themes = [
        existing.get(spec.name)
        or Theme(name=spec.name, description=spec.description, content_idea=spec.content_idea)
        for spec in _THEMES
    ]
    Theme.objects.bulk_create([theme for theme in themes if theme.pk is None])
    by_title = {plan.asset.title: plan.asset for plan in assets}
    Through = Theme.answered_by.through
    Through.objects.bulk_create(
        Through(theme_id=theme.pk, asset_id=by_title[title].pk)
        for theme, spec in zip(themes, _THEMES, strict=True)
        if theme.name not in existing
        for title in spec.answered_by
    )
    return themes


def _backdate_themes(themes: list[Theme], signals: list[Signal], now: datetime) -> None:
    first: dict[int, datetime] = {}
    for signal in signals:
        if signal.theme_id is not None:
            first[signal.theme_id] = min(first.get(signal.theme_id, now), signal.captured_at)
    for theme in themes:
        theme.created_at = first.get(theme.pk, now)
    Theme.objects.bulk_update(themes, ["created_at"])


class _SignalBank:
    """Realistic things prospects say, by kind, each belonging to a theme."""

    def __init__(self, themes: list[Theme]) -> None:
        self.entries: dict[str, list[tuple[Theme, str]]] = {}
        weights: dict[str, list[float]] = {}
        for theme, spec in zip(themes, _THEMES, strict=True):
            for kind, texts in spec.signals.items():
                for text in texts:
                    self.entries.setdefault(kind, []).append((theme, text))
                    weights.setdefault(kind, []).append(spec.weight)
        self.cumulative = {kind: list(accumulate(w)) for kind, w in weights.items()}

    def draw(self, rng: random.Random, kind: str) -> tuple[Theme, str]:
        return rng.choices(self.entries[kind], cum_weights=self.cumulative[kind])[0]


_OUT, _IN, _INTERNAL = (
    Activity.Direction.OUTBOUND,
    Activity.Direction.INBOUND,
    Activity.Direction.INTERNAL,
)


class _DealStory:
    """Writes one deal's activities and signals, in order and inside the deal's life."""

    def __init__(self, b: _Build, rng: random.Random, plan: _DealPlan, bank: _SignalBank):
        self.b, self.rng, self.plan, self.bank = b, rng, plan, bank
        self.deal, self.contact = plan.deal, plan.person.contact
        self.activities: list[Activity] = []
        self.signals: list[Signal] = []
        self.enrolment: CadenceEnrolment | None = None
        self.cadence_starts = b.start + timedelta(days=_CADENCE_STARTS_ON_DAY)

    def tell(self) -> None:
        history = self.plan.history
        for index, (stage, entered) in enumerate(history):
            following = history[index + 1] if index + 1 < len(history) else None
            until = following[1] if following else self.b.now
            handler = getattr(self, f"_{stage.lower()}")
            handler(entered, until, following, index == 0)
        done = [a for a in self.activities if a.kind != Activity.Kind.TASK]
        self.deal.last_activity_at = max((a.occurred_at for a in done), default=None)
        if self.deal.closed_at is None and self.deal.next_step_due and self.rng.random() < 0.45:
            self._open_task()

    def log(
        self, kind: str, direction: str, at: datetime, until: datetime, subject: str, body=""
    ) -> Activity | None:
        if at > until or at > self.b.now:
            return None
        activity = Activity(
            kind=kind,
            direction=direction,
            contact=self.contact,
            deal=self.deal,
            subject=subject,
            body=body,
            occurred_at=at,
            completed_at=at if kind == Activity.Kind.FOLLOW_UP else None,
        )
        self.activities.append(activity)
        return activity

    def capture(self, activity: Activity | None, kinds: dict[str, int], count: int) -> None:
        if activity is None:
            return
        recent = self.b.now - activity.occurred_at < timedelta(days=14)
        for _ in range(count):
            kind = self.rng.choices(list(kinds), list(kinds.values()))[0]
            theme, text = self.bank.draw(self.rng, kind)
            if self.rng.random() < (0.5 if recent else 0.08):
                theme = None  # not sorted into a theme yet
            self.signals.append(
                Signal(
                    kind=kind,
                    text=text,
                    contact=self.contact,
                    deal=self.deal,
                    activity=activity,
                    theme=theme,
                    captured_at=activity.occurred_at,
                )
            )

    def later(self, at: datetime, low_minutes: int, high_minutes: int) -> datetime:
        return self.b.working(self.rng, at, low_minutes, high_minutes)

    # One method per stage: what happens while a deal sits in it.

    def _enquiry(self, entered, until, following, first) -> None:
        enquiry = self.plan.enquiry
        if enquiry is not None:
            self.activities.append(_first_response(enquiry, self.deal))
        if following:
            at = self.later(entered, 60, 1440)
            self.log(Activity.Kind.EMAIL, _IN, at, until, "Re: your enquiry", "Tuesday works.")

    def _conversation(self, entered, until, following, first) -> None:
        at = entered
        if first:  # the owner's own outreach, or a past client getting back in touch
            subject = "Catching up" if self.deal.origin == Deal.Origin.OUTBOUND else "Next phase"
            self.log(Activity.Kind.EMAIL, _OUT, at, until, subject)
            at = self.later(at, 2 * 480, 6 * 480)
        meeting = self.log(
            Activity.Kind.MEETING,
            _OUT,
            at,
            until,
            self.rng.choice(("Discovery call", "Site walk-round", "Intro meeting")),
            "Walked through how work flows today and where it gets stuck.",
        )
        self.capture(
            meeting, {"question": 6, "objection": 3, "competitor": 1}, self.rng.randint(1, 3)
        )
        if meeting and self.rng.random() < 0.55:
            at = self.later(meeting.occurred_at, 240, 900)
            self.log(Activity.Kind.EMAIL, _OUT, at, until, "Summary and next steps")
        if meeting and self.rng.random() < 0.35:
            at = self.later(meeting.occurred_at, 900, 3000)
            self.log(Activity.Kind.CALL, _OUT, at, until, "Checked the figures they sent")
        if meeting and self.rng.random() < 0.3:
            at = self.later(meeting.occurred_at, 30, 120)
            body = "Bottleneck is in dispatch; supervisors keen, MD cautious."
            self.log(Activity.Kind.NOTE, _INTERNAL, at, until, "Notes from the visit", body)

    def _proposal(self, entered, until, following, first) -> None:
        value = f"£{self.deal.value:,.0f}"
        proposal = self.log(
            Activity.Kind.PROPOSAL,
            _OUT,
            entered,
            until,
            f"Proposal: {self.deal.title}",
            f"Fixed fee {value}, four to eight weeks.",
        )
        if proposal is None:
            return
        replied_at = None
        if following and self.plan.lost_reason != "Went quiet":
            span = (until - entered).total_seconds()
            replied_at = entered + timedelta(seconds=int(span * self.rng.uniform(0.4, 0.9)))
        elif not following and self.rng.random() < 0.15:  # replied, not yet moved on
            replied_at = self.later(entered, 240, 2400)
            replied_at = replied_at if replied_at < self.b.now else None
        enrolled = entered >= self.cadence_starts
        done = self._follow_ups(entered, min(until, replied_at or until), enrolled)
        if replied_at:
            reply = self.log(Activity.Kind.EMAIL, _IN, replied_at, until, "Re: proposal")
            self.capture(
                reply, {"objection": 5, "question": 3, "competitor": 2}, self.rng.randint(0, 2)
            )
        if enrolled:
            self.enrolment = self._enrolment(entered, done, replied_at, following)

    def _follow_ups(self, entered: datetime, stop: datetime, enrolled: bool) -> int:
        done = 0
        for _, days, kind, subject, _ in _CADENCE_STEPS:
            at = self.b.business_days_after(entered, days)
            if at >= stop or at >= self.b.now:
                break
            done += 1
            if enrolled or self.rng.random() < 0.45:
                activity_kind = (
                    Activity.Kind.CALL if kind == CadenceStep.Kind.CALL else Activity.Kind.FOLLOW_UP
                )
                self.log(activity_kind, _OUT, at, stop, subject)
        return done

    def _enrolment(self, entered, done, replied_at, following) -> CadenceEnrolment:
        enrolment = CadenceEnrolment(deal=self.deal, enrolled_at=entered, next_step_position=done)
        if done == len(_CADENCE_STEPS):
            enrolment.status = CadenceEnrolment.Status.COMPLETED
        elif replied_at:
            enrolment.status = CadenceEnrolment.Status.STOPPED
            enrolment.stopped_at, enrolment.stop_reason = replied_at, "Prospect replied"
        elif following:
            enrolment.status = CadenceEnrolment.Status.STOPPED
            enrolment.stopped_at = following[1]
            enrolment.stop_reason = f"Deal moved to {following[0]}"
        else:
            enrolment.status = CadenceEnrolment.Status.ACTIVE
            enrolment.next_run_at = self.b.business_days_after(entered, _CADENCE_STEPS[done][1])
        return enrolment

    def _negotiation(self, entered, until, following, first) -> None:
        call = self.log(Activity.Kind.CALL, _OUT, entered, until, "Fees and start date")
        self.capture(call, {"objection": 5, "competitor": 3, "question": 2}, self.rng.randint(0, 2))
        if self.rng.random() < 0.5:
            at = self.later(entered, 480, 1800)
            self.log(Activity.Kind.EMAIL, _IN, at, until, "Questions on the revised scope")
        if self.rng.random() < 0.4:
            at = self.later(entered, 1500, 4000)
            self.log(Activity.Kind.MEETING, _OUT, at, until, "Meeting with the finance director")

    def _won(self, entered, until, following, first) -> None:
        signed = self.log(Activity.Kind.EMAIL, _IN, entered, until, "Signed engagement letter")
        reason = self.deal.outcome_reason.label
        self.log(
            Activity.Kind.NOTE, _INTERNAL, entered, until, f"Won: {reason}", self.deal.outcome_note
        )
        if self.rng.random() < 0.4:
            self.capture(signed, {"praise": 1}, 1)

    def _lost(self, entered, until, following, first) -> None:
        reason = self.deal.outcome_reason.label
        if reason != "Went quiet":
            reply = self.log(Activity.Kind.EMAIL, _IN, entered, until, "Decision")
            if self.rng.random() < 0.5:
                self.capture(reply, {"objection": 3, "competitor": 2}, 1)
        self.log(
            Activity.Kind.NOTE, _INTERNAL, entered, until, f"Lost: {reason}", self.deal.outcome_note
        )

    def _open_task(self) -> None:
        created = self.deal.last_activity_at or self.deal.created_at
        due = self.b.local(self.deal.next_step_due, 10)
        self.activities.append(
            Activity(
                kind=Activity.Kind.TASK,
                direction=_INTERNAL,
                contact=self.contact,
                deal=self.deal,
                subject=self.deal.next_step,
                occurred_at=min(created + timedelta(minutes=5), self.b.now),
                due_at=due,
            )
        )


def _tell_deals(b: _Build, deals: list[_DealPlan], themes: list[Theme]) -> list[_DealStory]:
    rng = b.rng("activities")
    bank = _SignalBank(themes)
    stories = []
    for plan in deals:
        story = _DealStory(b, rng, plan, bank)
        story.tell()
        stories.append(story)
    return stories


# --------------------------------------------------------------------------------------
# The cadence and the ideal client profile.


def _create_cadence(b: _Build, stories: list[_DealStory]) -> tuple[int, int]:
    """The proposal follow-up cadence and the deals it ran on; (cadences, enrolments)."""
    cadence, created = Cadence.objects.get_or_create(
        name="Proposal follow-up",
        defaults={
            "description": "Day 2 email, day 5 call, day 10 email after a proposal goes out. "
            "Stops when the prospect replies.",
            "enrol_on_stage": b.stages.get("Proposal"),
        },
    )
    if created:
        CadenceStep.objects.bulk_create(
            CadenceStep(
                cadence=cadence,
                position=position,
                business_days_after=days,
                kind=kind,
                subject=subject,
                body=body,
            )
            for position, days, kind, subject, body in _CADENCE_STEPS
        )
    enrolments = [story.enrolment for story in stories if story.enrolment]
    for enrolment in enrolments:
        enrolment.cadence = cadence
    CadenceEnrolment.objects.bulk_create(enrolments, batch_size=_BATCH)
    return int(created), len(enrolments)


def _create_ideal_client_profile() -> None:
    if IdealClientProfile.objects.exists():
        return
    IdealClientProfile.objects.create(
        name="Owner-managed operations businesses",
        description=(
            "UK manufacturers, food producers, distributors and logistics firms of 20 to 250 "
            "people, where the owner or operations director feels the strain of growth: "
            "lead times slipping, overtime rising, everything routed through them."
        ),
        industries=list(_ICP_INDUSTRIES),
        min_employees=20,
        max_employees=250,
        min_deal_value=Decimal(8000),
        regions=["GB"],
        keywords=list(_ICP_KEYWORDS),
    )


# --------------------------------------------------------------------------------------
# Touchpoints: the big table, written in chunks.


def _plan_contact_visits(b: _Build, people: _People, journeys: _Journeys) -> None:
    """Known people keep reading after they raise a hand; some of the owner's network
    only ever clicks the newsletter."""
    rng = b.rng("contact-visits")
    for person in people.persons:
        if person.visitor_id and rng.random() < 0.5:
            last = person.touches[-1].occurred_at if person.touches else person.first_seen
            person.touches += journeys.later_visits(rng, last, rng.randint(1, 3))
    for person in people.network:
        if rng.random() < 0.15:
            person.visitor_id = person.visitor_id or _visitor_id(rng)
            start = max(person.first_seen or b.start, b.start)
            sessions = rng.randint(1, 4)
            person.touches += journeys.later_visits(rng, start, sessions, Channel.EMAIL)


def _touchpoint(touch: _Touch, visitor_id: str, contact_id: int | None) -> Touchpoint:
    source, medium, campaign, content, term = touch.utm
    return Touchpoint(
        visitor_id=visitor_id,
        contact_id=contact_id,
        asset_id=touch.plan.asset.pk,
        channel=touch.channel,
        url=touch.plan.asset.url,
        referrer=touch.referrer,
        utm_source=source,
        utm_medium=medium,
        utm_campaign=campaign,
        utm_content=content,
        utm_term=term,
        occurred_at=touch.occurred_at,
    )


def _write_touchpoints(b: _Build, people: _People, journeys: _Journeys) -> int:
    target = TOUCHPOINTS_PER_SCALE * b.scale
    known = [
        _touchpoint(touch, person.visitor_id, person.contact.pk)
        for person in people.persons
        for touch in person.touches
    ][:target]
    Touchpoint.objects.bulk_create(known, batch_size=_BATCH)
    written = len(known)
    anonymous = _anonymous_touchpoints(b, journeys, target - written)
    step = max(target // 10, _TOUCHPOINT_CHUNK)
    for chunk in _chunks(anonymous, _TOUCHPOINT_CHUNK):
        Touchpoint.objects.bulk_create(chunk, batch_size=2 * _BATCH)
        before, written = written, written + len(chunk)
        if written // step > before // step or written == target:
            b.progress(f"Touchpoints: {written:,} of {target:,}")
    return written


def _anonymous_touchpoints(b: _Build, journeys: _Journeys, count: int) -> Iterator[Touchpoint]:
    """Visitors who never raised a hand (yet): most come once, some keep coming back."""
    rng = b.rng("visitors")
    made = 0
    while made < count:
        visitor = _visitor_id(rng)
        at = b.visit_moments.draw(rng)
        for _ in range(rng.choices((1, 2, 3, 4, 6), (60, 20, 10, 6, 4))[0]):
            for touch in journeys.session(rng, at):
                if touch.occurred_at >= b.now or made >= count:
                    break
                yield _touchpoint(touch, visitor, None)
                made += 1
            at += timedelta(minutes=rng.randint(6 * 60, 60 * 24 * 40))
            if at >= b.now or made >= count:
                break
