"""Fit: how well an enquiry matches the ideal client profile, 0 to 100, with its reasons in words.

The score is the share of the profile's weight an enquiry earns. Weights, of 100:

============  ======  ===========================================================
criterion     weight  earns its full weight when
============  ======  ===========================================================
industry        35    the organisation's industry is one of the profile's sectors
size            30    the organisation's head count is inside the profile's range
region          15    the enquirer's country (phone, else web domain) is a target
budget          10    an amount in the message is at least the minimum deal value
keywords        10    the message mentions one of the profile's words
============  ======  ===========================================================

A criterion the enquiry does not state (no organisation industry, no head count,
no country to read, no amount in the message, no message) earns **half** its
weight: the owner has not learned it yet, so it neither helps nor sinks the
enquiry. A criterion the profile leaves empty is left out, and the others are
scaled up to 100; a profile that sets none gives no score at all (``None``).
An enquiry *fits* when its score is at least ``FIT_THRESHOLD`` (60).

Industry matches whole words, case apart ("Manufacturing" matches "Food
manufacturing"). The budget is the largest amount written with a currency sign
or code (£8,000, €12k, 9000 GBP); its currency is not converted.

Scoring is pure: callers hand it the facts (``FitFacts``) and the profile's
terms; the one read here is ``active_terms`` (the profile in use). Nothing here
writes: scoring at intake and rescoring are ``enquiries.fit_scores``.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import phonenumbers

from handraise.insights.models import IdealClientProfile

FIT_THRESHOLD = 60

WEIGHTS = {"industry": 35, "size": 30, "region": 15, "budget": 10, "keywords": 10}
NOT_STATED_SHARE = Decimal("0.5")

# Only the start of a long message is read: the budget and keywords of a hand-raise
# are in its first lines, and a hostile 1 MB message must cost no more than a short one.
READ_AT_MOST = 5_000

_AMOUNT = re.compile(
    r"(?:(?P<sign>[£$€])\s?(?P<a>\d[\d,]{0,12}(?:\.\d{1,2})?)\s?(?P<ak>[kKmM])?\b"
    r"|\b(?P<b>\d[\d,]{0,12}(?:\.\d{1,2})?)\s?(?P<bk>[kKmM])?\s?(?P<code>GBP|EUR|USD)\b)"
)
_SCALE = {"k": 1_000, "m": 1_000_000}

# Country-code top-level domains whose country code differs from the ISO one.
_TLD_COUNTRY = {"uk": "GB"}


@dataclass(frozen=True)
class FitFacts:
    """What is known about the enquirer, as far as the profile cares."""

    industry: str = ""
    employees: int | None = None
    region: str = ""  # ISO country code, upper case
    text: str = ""  # the message


@dataclass(frozen=True)
class Fit:
    score: int | None  # None: the profile sets no criterion
    reasons: tuple[str, ...]

    @property
    def reasons_text(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class ProfileTerms:
    """The profile's criteria, read once from an ``IdealClientProfile`` (or a test's values)."""

    industries: tuple[str, ...] = ()
    min_employees: int | None = None
    max_employees: int | None = None
    regions: tuple[str, ...] = ()
    min_deal_value: Decimal | None = None
    keywords: tuple[str, ...] = ()

    @classmethod
    def of(cls, profile) -> "ProfileTerms":
        if profile is None:
            return cls()
        return cls(
            industries=_words(profile.industries),
            min_employees=profile.min_employees,
            max_employees=profile.max_employees,
            regions=tuple(r.upper() for r in _words(profile.regions)),
            min_deal_value=profile.min_deal_value,
            keywords=_words(profile.keywords),
        )

    @property
    def is_empty(self) -> bool:
        return not (
            self.industries
            or self.min_employees is not None
            or self.max_employees is not None
            or self.regions
            or self.min_deal_value is not None
            or self.keywords
        )


def active_profile():
    """The profile in use: the first active one (imports and the demo make one)."""
    return IdealClientProfile.objects.filter(is_active=True).order_by("pk").first()


def active_terms() -> ProfileTerms:
    return ProfileTerms.of(active_profile())


def _words(values) -> tuple[str, ...]:
    if not isinstance(values, list | tuple):
        return ()
    return tuple(str(v).strip() for v in values if str(v).strip())


def score_fit(terms: ProfileTerms, facts: FitFacts) -> Fit:
    """The enquiry's fit against the profile's terms: score and reasons, in the order above."""
    if terms.is_empty:
        return Fit(score=None, reasons=("no ideal client profile to score against",))
    text = facts.text[:READ_AT_MOST]
    judged = [
        judge
        for judge in (
            _industry(terms, facts.industry) if terms.industries else None,
            _size(terms, facts.employees)
            if terms.min_employees is not None or terms.max_employees is not None
            else None,
            _region(terms, facts.region) if terms.regions else None,
            _budget(terms, text) if terms.min_deal_value is not None else None,
            _keywords(terms, text) if terms.keywords else None,
        )
        if judge is not None
    ]
    total = sum(WEIGHTS[name] for name, _share, _reason in judged)
    earned = sum(WEIGHTS[name] * share for name, share, _reason in judged)
    score = int((Decimal(100) * earned / total).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
    return Fit(score=score, reasons=tuple(reason for _name, _share, reason in judged))


def fits(score: int | None) -> bool:
    return score is not None and score >= FIT_THRESHOLD


# --- each criterion: (name, share of its weight earned, reason in words) ----------------


def _industry(terms: ProfileTerms, industry: str):
    industry = " ".join(industry.split())
    if not industry:
        return "industry", NOT_STATED_SHARE, "sector not stated"
    for sector in terms.industries:
        if re.search(rf"(?<!\w){re.escape(sector.casefold())}(?!\w)", industry.casefold()):
            return "industry", Decimal(1), f"{industry.lower()}: a target sector"
    return "industry", Decimal(0), f"{industry.lower()}: not a target sector"


def _size(terms: ProfileTerms, employees: int | None):
    low, high = terms.min_employees, terms.max_employees
    if low is not None and high is not None:
        wanted = f"{low}–{high}"
    elif low is not None:
        wanted = f"{low} or more"
    else:
        wanted = f"up to {high}"
    if employees is None:
        return "size", NOT_STATED_SHARE, "size not stated"
    people = f"{employees} {'person' if employees == 1 else 'people'}"
    inside = (low is None or employees >= low) and (high is None or employees <= high)
    return (
        "size",
        Decimal(1) if inside else Decimal(0),
        f"{people}: {'inside' if inside else 'outside'} {wanted}",
    )


def _region(terms: ProfileTerms, region: str):
    if not region:
        return "region", NOT_STATED_SHARE, "region not stated"
    if region in terms.regions:
        return "region", Decimal(1), f"{region}: a target region"
    return "region", Decimal(0), f"{region}: outside {', '.join(terms.regions)}"


def _budget(terms: ProfileTerms, text: str):
    minimum = terms.min_deal_value
    amount = budget_in(text)
    floor = f"{minimum:,.0f}"
    if amount is None:
        return "budget", NOT_STATED_SHARE, "budget not stated"
    if amount >= minimum:
        return "budget", Decimal(1), f"budget {amount:,.0f}: at least {floor}"
    return "budget", Decimal(0), f"budget {amount:,.0f}: below {floor}"


def _keywords(terms: ProfileTerms, text: str):
    if not text.strip():
        return "keywords", NOT_STATED_SHARE, "no message to match keywords"
    lowered = text.casefold()
    found = [word for word in terms.keywords if word.casefold() in lowered]
    if found:
        quoted = ", ".join(f"“{word}”" for word in found[:3])
        return "keywords", Decimal(1), f"mentions {quoted}"
    return "keywords", Decimal(0), "mentions none of the profile's keywords"


def budget_in(text: str) -> Decimal | None:
    """The largest amount in ``text`` written with a currency sign or code, or None."""
    amounts = []
    for match in _AMOUNT.finditer(text[:READ_AT_MOST]):
        digits = match.group("a") or match.group("b")
        scale = (match.group("ak") or match.group("bk") or "").lower()
        try:
            value = Decimal(digits.replace(",", ""))
        except InvalidOperation:
            continue
        amounts.append(value * _SCALE.get(scale, 1))
    return max(amounts) if amounts else None


def region_of(*, phones: Iterable[str] = (), domains: Sequence[str] = ()) -> str:
    """The enquirer's country: from their first phone number (E.164), else from a
    country-code web or email domain (.de, .co.uk); "" when neither says."""
    for number in phones:
        if not number:
            continue
        try:
            parsed = phonenumbers.parse(number, None)
        except phonenumbers.NumberParseException:
            continue
        # The country code's main region (+44 is GB, +1 is US): a number need not be
        # valid in every digit to say which country its owner is in.
        region = phonenumbers.region_code_for_number(
            parsed
        ) or phonenumbers.region_code_for_country_code(parsed.country_code)
        if region and region != "ZZ":
            return region
    for domain in domains:
        tld = _host(domain).rstrip(".").rsplit(".", 1)[-1]
        if len(tld) == 2 and tld.isascii() and tld.isalpha():
            return _TLD_COUNTRY.get(tld, tld.upper())
    return ""


def _host(value: str) -> str:
    value = value.strip().lower()
    if "@" in value:
        return value.rsplit("@", 1)[1]
    if "//" in value:
        try:
            return urlsplit(value).hostname or ""
        except ValueError:
            return ""
    return value.split("/", 1)[0]
