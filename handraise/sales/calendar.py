"""The calendar feed: each user's secret iCalendar address, and the calendar it serves.

Google Calendar, Apple Calendar and Outlook subscribe to ``/calendar/<secret>.ics``
and poll it. They cannot sign in, so the secret in the address is the whole
credential: long, random, unique, and replaced when the user rotates it. The
services here make and rotate it; ``feed_ics`` writes the user's next steps, tasks
and replies due as RFC 5545 text with the ``icalendar`` library (escaping, line
folding and dates are its job, not ours).

Every item is a VEVENT, never a VTODO: Google Calendar ignores VTODO. Each has a
UID made from what it is (``deal-7-next-step@host``), so when a date changes the
calendar app moves the same event instead of adding another. Times are written in
UTC, and X-WR-TIMEZONE names the business's zone for apps that show it.

Not here: choosing the rows (``selectors.calendar_items``) and the HTTP edge (views).
"""

import re
import secrets
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from icalendar import Calendar, Event, vDuration

from handraise.accounts.models import BusinessSettings
from handraise.core.clock import business_date, business_time, now
from handraise.enquiries.models import Enquiry
from handraise.sales import selectors
from handraise.sales.models import Activity, CalendarFeed, Deal

# 32 random bytes: 43 URL-safe characters, beyond guessing however often one tries.
SECRET_BYTES = 32
# How often calendar apps are asked to poll (Google and Outlook keep their own pace).
REFRESH_INTERVAL = timedelta(minutes=15)
# A task or a reply due is a reminder at a time, shown as a short event.
TIMED_EVENT_LENGTH = timedelta(minutes=15)
# Long bodies are cut: a calendar shows a glance, the deal page the whole story.
BODY_LIMIT = 500
# Characters RFC 5545 text may not carry (controls other than tab and line feed) and
# characters some calendar apps read as line breaks; the latter become line feeds.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\x85\u2028\u2029]")


# --- the secret -------------------------------------------------------------------------


def feed_for_user(*, user) -> CalendarFeed:
    """The user's feed, made with a fresh secret the first time it is asked for."""
    feed, _ = CalendarFeed.objects.get_or_create(
        user=user, defaults={"secret": _new_secret(), "created_at": now()}
    )
    return feed


def rotate_feed_secret(*, user) -> CalendarFeed:
    """Give the user's feed a new secret; the old address answers 404 from now on."""
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
        if feed is None:
            return feed_for_user(user=user)
        feed.secret = _new_secret()
        feed.rotated_at = now()
        feed.save(update_fields=["secret", "rotated_at"])
    return feed


def _new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def feed_url(feed: CalendarFeed) -> str:
    """The feed's address as calendar apps must fetch it, from HANDRAISE_BASE_URL."""
    return settings.BASE_URL + reverse("calendar-feed", args=[feed.secret])


def webcal_url(feed: CalendarFeed) -> str:
    """The same address with the webcal scheme, which opens the subscribe dialog."""
    return "webcal://" + feed_url(feed).split("://", 1)[1]


# --- the calendar -----------------------------------------------------------------------


def feed_ics(*, user, moment: datetime | None = None) -> bytes:
    """The user's calendar as iCalendar bytes. Four queries, whatever it holds."""
    moment = moment or now()
    business = BusinessSettings.load()
    zone = business.zone
    items = selectors.calendar_items(user, today=business_date(moment, zone=zone), zone=zone)
    host = urlsplit(settings.BASE_URL).hostname
    who = user.get_full_name() or user.get_username()
    calendar = Calendar.new(
        prodid="-//Handraise//Calendar feed//EN",
        uid=f"calendar-{user.pk}@{host}",
        name=_text(f"{business.name} · Handraise"),
        description=_text(f"Next steps, tasks and replies due for {who}, from Handraise."),
    )
    calendar.add("CALSCALE", "GREGORIAN")
    calendar.add("METHOD", "PUBLISH")
    calendar.add("X-WR-TIMEZONE", business.time_zone)
    calendar.add("REFRESH-INTERVAL", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH_INTERVAL))
    for deal in items.next_steps:
        calendar.add_component(_next_step_event(deal, host=host, stamp=moment))
    for activity in items.tasks:
        calendar.add_component(_task_event(activity, host=host, stamp=moment))
    for enquiry in items.replies:
        calendar.add_component(_reply_event(enquiry, host=host, stamp=moment, zone=zone))
    return calendar.to_ical()


def _next_step_event(deal: Deal, *, host: str, stamp: datetime) -> Event:
    """An all-day event on the day the next step is due."""
    contact = deal.contact.name
    if deal.contact.organisation_id:
        contact += f", {deal.contact.organisation.name}"
    url = _page(reverse("deal", args=[deal.pk]))
    day: date = deal.next_step_due
    return _event(
        uid=f"deal-{deal.pk}-next-step@{host}",
        stamp=stamp,
        start=day,
        end=day + timedelta(days=1),
        summary=f"Next step: {deal.next_step or 'not written down'} — {deal.title}",
        description="\n".join(
            [f"Contact: {contact}", f"Stage: {deal.stage.name}", f"Deal: {deal.title}", url]
        ),
        url=url,
    )


def _task_event(activity: Activity, *, host: str, stamp: datetime) -> Event:
    """A short event at the time the task, follow-up or call is due."""
    about = activity.deal.title if activity.deal_id else activity.contact.name
    lines = [f"Contact: {activity.contact.name}"]
    if activity.deal_id:
        lines.append(f"Deal: {activity.deal.title}")
    if activity.body:
        lines.append(_glance(activity.body))
    url = _page(reverse("deal", args=[activity.deal_id])) if activity.deal_id else ""
    if url:
        lines.append(url)
    return _event(
        uid=f"activity-{activity.pk}@{host}",
        stamp=stamp,
        start=activity.due_at,
        end=activity.due_at + TIMED_EVENT_LENGTH,
        summary=f"{activity.get_kind_display()}: {activity.subject or 'to do'} — {about}",
        description="\n".join(lines),
        url=url,
        created=activity.occurred_at,
    )


def _reply_event(enquiry: Enquiry, *, host: str, stamp: datetime, zone) -> Event:
    """A short event when the first response to a waiting enquiry falls due."""
    name = enquiry.from_name or enquiry.contact.name
    reach = enquiry.from_email or enquiry.from_phone
    due = business_time(enquiry.response_due_at, zone=zone)
    url = _page(reverse("enquiry", args=[enquiry.pk]))
    lines = [
        f"{name}{f' ({reach})' if reach else ''} got in touch by "
        f"{enquiry.get_channel_display().lower()} and is waiting for a first response.",
        f"Reply by {due:%H:%M} on {due.day} {due:%b} to meet your response target.",
    ]
    if enquiry.message:
        lines += ["", _glance(enquiry.message)]
    return _event(
        uid=f"enquiry-{enquiry.pk}-reply@{host}",
        stamp=stamp,
        start=enquiry.response_due_at,
        end=enquiry.response_due_at + TIMED_EVENT_LENGTH,
        summary=f"Reply to {name}",
        description="\n".join([*lines, url]),
        url=url,
        created=enquiry.received_at,
    )


def _event(
    *,
    uid: str,
    stamp: datetime,
    start: date | datetime,
    end: date | datetime,
    summary: str,
    description: str,
    url: str,
    created: datetime | None = None,
) -> Event:
    event = Event.new(
        uid=uid,
        stamp=_utc(stamp),
        start=start if not isinstance(start, datetime) else _utc(start),
        end=end if not isinstance(end, datetime) else _utc(end),
        summary=_text(summary),
        description=_text(description),
        url=url or None,
        created=_utc(created) if created else None,
    )
    # Reminders, not meetings: they must not make the user look busy to booking tools.
    event.add("TRANSP", "TRANSPARENT")
    return event


def _glance(text: str) -> str:
    return text if len(text) <= BODY_LIMIT else text[: BODY_LIMIT - 1] + "…"


def _page(path: str) -> str:
    return settings.BASE_URL + path


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _text(value: str) -> str:
    """Text as calendar apps can carry it: line breaks as line feeds, no control characters."""
    return _FORBIDDEN.sub("", _LINE_BREAKS.sub("\n", value))
