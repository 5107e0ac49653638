"""Touchpoints: the big table, written in chunks.

Known people's visits come first, carrying their contact (those before an enquiry too,
as identity stitching would have linked them); then anonymous visitors fill the count
the scale asks for, generated lazily and written ``_TOUCHPOINT_CHUNK`` rows at a time so
a million of them never sit in memory at once.
"""

from collections.abc import Iterable, Iterator
from datetime import timedelta
from itertools import islice

from handraise.demo.build import BATCH, TOUCHPOINTS_PER_SCALE, Build
from handraise.demo.marketing import Journeys, Touch, new_visitor_id
from handraise.demo.people import People
from handraise.demo.words import SITE
from handraise.marketing.link_services import CODE_ALPHABET, CODE_LENGTH
from handraise.marketing.models import Asset, Channel, ShortLink, Touchpoint

_TOUCHPOINT_CHUNK = 10_000


def plan_contact_visits(b: Build, people: People, journeys: Journeys) -> None:
    """Known people keep reading after they raise a hand; some of the owner's network
    only ever clicks the newsletter."""
    rng = b.rng("contact-visits")
    for person in people.persons:
        if person.visitor_id and rng.random() < 0.5:
            last = person.touches[-1].occurred_at if person.touches else person.first_seen
            person.touches += journeys.later_visits(rng, last, rng.randint(1, 3))
    for person in people.network:
        if rng.random() < 0.15:
            person.visitor_id = person.visitor_id or new_visitor_id(rng)
            start = max(person.first_seen or b.start, b.start)
            sessions = rng.randint(1, 4)
            person.touches += journeys.later_visits(rng, start, sessions, Channel.EMAIL)


def _touchpoint(touch: Touch, visitor_id: str, contact_id: int | None, n: int) -> Touchpoint:
    source, medium, campaign, content, term = touch.utm
    # Visits to the business's own pages came through the site script (/t.js), which
    # gives each event an id; a LinkedIn post or a newsletter has none.
    # A QR code on a slide is a tracked link (write_short_links), not the script.
    on_site = touch.plan.asset.url.startswith(SITE) and touch.utm[1] != "qr"
    return Touchpoint(
        event_id=f"demo-{n:011d}" if on_site else None,
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


def write_touchpoints(b: Build, people: People, journeys: Journeys) -> int:
    target = TOUCHPOINTS_PER_SCALE * b.scale
    touches = ((person, touch) for person in people.persons for touch in person.touches)
    known = [
        _touchpoint(touch, person.visitor_id, person.contact.pk, n)
        for n, (person, touch) in enumerate(islice(touches, target))
    ]
    Touchpoint.objects.bulk_create(known, batch_size=BATCH)
    written = len(known)
    anonymous = _anonymous_touchpoints(b, journeys, target - written, first=written)
    step = max(target // 10, _TOUCHPOINT_CHUNK)
    for chunk in _chunks(anonymous, _TOUCHPOINT_CHUNK):
        Touchpoint.objects.bulk_create(chunk, batch_size=2 * BATCH)
        before, written = written, written + len(chunk)
        if written // step > before // step or written == target:
            b.progress(f"Touchpoints: {written:,} of {target:,}")
    return written


def write_short_links(b: Build) -> int:
    """A tracked link for each talk's QR code, with the scans its touchpoints already are."""
    rng = b.rng("short-links")
    talks = Asset.objects.filter(kind=Asset.Kind.TALK).order_by("pk")
    for talk in talks:
        link = ShortLink.objects.create(
            code="".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)),
            label=f"QR code: {talk.title}",
            target_url=talk.url,
            asset=talk,
            utm_source="event",
            utm_medium="qr",
            utm_campaign=talk.url.rstrip("/").rsplit("/", 1)[-1],
            created_at=talk.published_at or b.start,
        )
        Touchpoint.objects.filter(asset=talk, utm_medium="qr").update(short_link=link)
    return len(talks)


def _anonymous_touchpoints(
    b: Build, journeys: Journeys, count: int, *, first: int
) -> Iterator[Touchpoint]:
    """Visitors who never raised a hand (yet): most come once, some keep coming back."""
    rng = b.rng("visitors")
    made = 0
    while made < count:
        visitor = new_visitor_id(rng)
        at = b.visit_moments.draw(rng)
        for _ in range(rng.choices((1, 2, 3, 4, 6), (60, 20, 10, 6, 4))[0]):
            for touch in journeys.session(rng, at):
                if touch.occurred_at >= b.now or made >= count:
                    break
                yield _touchpoint(touch, visitor, None, first + made)
                made += 1
            at += timedelta(minutes=rng.randint(6 * 60, 60 * 24 * 40))
            if at >= b.now or made >= count:
                break


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk
