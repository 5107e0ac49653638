"""Template filters for deals: money, how long a deal has sat, when its next step is due.

Each returns plain words, so a flag or a date reads the same to a screen reader
as it looks on screen; colour only repeats what the words say.
"""

from datetime import date, datetime

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from handraise.core.money import format_money

register = template.Library()

register.filter("money", format_money)


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


@register.simple_tag
def age(since: datetime | None, now: datetime) -> str:
    if since is None:
        return "—"
    days = (now - since).days
    return "under a day" if days < 1 else _days(days)


@register.simple_tag
def due_text(due: date | None, today: date) -> str:
    if due is None:
        return "no date"
    days = (due - today).days
    if days < 0:
        return f"overdue by {_days(-days)}"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    return f"due {due:%a} {due.day} {due:%b}" + (f" {due.year}" if due.year != today.year else "")


@register.simple_tag
def quiet_for(deal, now: datetime) -> str:
    """How long since anything happened on the deal: its last activity or stage move."""
    moments = [m for m in (deal.last_activity_at, deal.stage_entered_at) if m is not None]
    if not moments:
        return "no activity yet"
    return f"no activity for {_days((now - max(moments)).days)}"


@register.simple_tag
def move_options(deal, stages) -> SafeString:
    """The options of a card's "Move to" menu: every stage but the one it is in."""
    return format_html_join(
        "",
        '<option value="{}">{}</option>',
        ((stage.pk, stage.name) for stage in stages if stage.pk != deal.stage_id),
    )
