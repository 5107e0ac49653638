"""Template filters for the response clock: how long until (or since) a reply was due."""

from datetime import datetime

from django import template

register = template.Library()


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return "under a minute"
    days, rest = divmod(minutes, 60 * 24)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{minutes} min"]
    return " ".join(p for p in parts if p and not (days and p.endswith("min")))


@register.simple_tag
def countdown(due: datetime | None, now: datetime) -> str:
    if due is None:
        return "no target"
    seconds = (due - now).total_seconds()
    return f"due in {_span(seconds)}" if seconds >= 0 else f"overdue by {_span(seconds)}"


@register.simple_tag
def clock_state(due: datetime | None, now: datetime) -> str:
    """A class name for the countdown: the text says the same, colour is never the only signal."""
    if due is None:
        return "clock-none"
    seconds = (due - now).total_seconds()
    if seconds < 0:
        return "clock-overdue"
    return "clock-soon" if seconds < 15 * 60 else "clock-ok"
