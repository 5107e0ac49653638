"""Writes for tracked links: making, changing and archiving a short link, and
recording a click on one.

A link's code never changes once made: it is printed on flyers and slides. Its
label, target and tags may be corrected; the QR code already printed then leads
to the corrected target. Archiving stops the redirect (``/r/<code>`` answers
410) but keeps the link and its clicks for the reports.

What it does not do: decide whether a request counts as a click (robots, HEAD
requests, a client over its rate limit): the redirect view does, and calls
``record_link_click`` only for the ones that count.
"""

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from handraise.core.clock import now
from handraise.core.text import clean_text
from handraise.marketing.channels import channel_for, referrer_host_of
from handraise.marketing.models import Asset, ShortLink, Touchpoint
from handraise.marketing.tagging import utm_value

# Lower-case letters and digits without 0/o, 1/l/i: read off a slide or typed from
# a flyer, a code cannot be mistaken. 31⁷ is 27 billion codes.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 7
CODE_ATTEMPTS = 5
REFERRER_MAX = 500


class CodeExhausted(Exception):
    """No free code was found in ``CODE_ATTEMPTS`` draws (practically never)."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _fill(
    link: ShortLink,
    *,
    label: str,
    target_url: str,
    utm_source: str,
    utm_medium: str,
    utm_campaign: str,
    utm_content: str,
    utm_term: str,
    asset: Asset | None,
) -> None:
    link.label = clean_text(label).strip()[:200]
    link.target_url = clean_text(target_url).strip()
    link.utm_source = utm_value(utm_source)
    link.utm_medium = utm_value(utm_medium)
    link.utm_campaign = utm_value(utm_campaign)
    link.utm_content = utm_value(utm_content)
    link.utm_term = utm_value(utm_term)
    link.asset = asset


def create_short_link(
    *,
    label: str,
    target_url: str,
    utm_source: str,
    utm_medium: str,
    utm_campaign: str = "",
    utm_content: str = "",
    utm_term: str = "",
    asset: Asset | None = None,
    created_by: AbstractBaseUser | None = None,
) -> ShortLink:
    """A new tracked link with a fresh random code; ``ValidationError`` for a bad target
    or missing source or medium. Tags are stored by the conventions (``tagging``)."""
    link = ShortLink(created_by=created_by, created_at=now())
    _fill(
        link,
        label=label,
        target_url=target_url,
        utm_source=utm_source,
        utm_medium=utm_medium,
        utm_campaign=utm_campaign,
        utm_content=utm_content,
        utm_term=utm_term,
        asset=asset,
    )
    link.code = new_code()
    link.full_clean(exclude=["code"])
    for _attempt in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                link.save()
            return link
        except IntegrityError:
            # Another link has this code (one chance in billions): draw again.
            link.pk = None
            link.code = new_code()
    raise CodeExhausted("no free short-link code was found; try again")


def update_short_link(
    *,
    link: ShortLink,
    label: str,
    target_url: str,
    utm_source: str,
    utm_medium: str,
    utm_campaign: str = "",
    utm_content: str = "",
    utm_term: str = "",
    asset: Asset | None = None,
) -> ShortLink:
    """Correct a link's label, target or tags; its code stays (it may be in print)."""
    _fill(
        link,
        label=label,
        target_url=target_url,
        utm_source=utm_source,
        utm_medium=utm_medium,
        utm_campaign=utm_campaign,
        utm_content=utm_content,
        utm_term=utm_term,
        asset=asset,
    )
    link.full_clean(exclude=["code"])
    fields = ["label", "target_url", "asset", *link.utm]
    with transaction.atomic():
        link.save(update_fields=fields)
    return link


def archive_short_link(*, link: ShortLink) -> ShortLink:
    """Stop the link redirecting; archiving an archived link changes nothing."""
    with transaction.atomic():
        ShortLink.objects.filter(pk=link.pk, archived_at__isnull=True).update(archived_at=now())
    link.refresh_from_db(fields=["archived_at"])
    return link


def record_link_click(*, link: ShortLink, referrer: str) -> Touchpoint:
    """One click on a tracked link as a touchpoint: one INSERT, nothing read.

    The touchpoint has the link's asset, tags and target, the channel the shared
    rules give for them (``channels``), and the referring page cut to
    ``REFERRER_MAX``. No visitor id (a redirect sets no cookie) and no address.
    """
    referrer = clean_text(referrer).strip()[:REFERRER_MAX]
    return Touchpoint.objects.create(
        short_link=link,
        asset_id=link.asset_id,
        channel=channel_for(
            utm_medium=link.utm_medium,
            utm_source=link.utm_source,
            referrer_host=referrer_host_of(referrer),
        ),
        url=link.target_url,
        referrer=referrer,
        occurred_at=now(),
        **link.utm,
    )
