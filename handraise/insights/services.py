"""Writes for insights: the signals a conversation raised.

The forms that log a conversation (a deal's activity, the Inbox's call and
meeting) call ``record_signals`` inside their own transaction, so a signal never
outlives the activity it came from. Grouping signals into themes is not here.
"""

from collections.abc import Collection, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError

from handraise.insights.models import QuickTag, Signal

SIGNAL_TEXT_MAX = 2_000
KIND_MISSING = "Say whether it was a question, an objection, praise or a competitor."


def record_signals(
    *,
    contact_id: int,
    deal_id: int | None,
    activity=None,
    user,
    at: datetime,
    quick_tags: Sequence[QuickTag] = (),
    kind: str = "",
    text: str = "",
) -> list[Signal]:
    """One Signal per ticked quick tag, and one for the free text with its kind."""
    text = text.strip()
    if text and kind not in Signal.Kind.values:
        raise ValidationError({"signal_kind": KIND_MISSING})
    if len(text) > SIGNAL_TEXT_MAX:
        raise ValidationError(
            {"signal_text": f"Keep it to {SIGNAL_TEXT_MAX:,} characters; add a note for more."}
        )
    common = {
        "contact_id": contact_id,
        "deal_id": deal_id,
        "activity": activity,
        "captured_at": at,
        "captured_by": user if getattr(user, "is_authenticated", False) else None,
    }
    signals = [
        Signal(kind=tag.kind, text=tag.label, theme_id=tag.theme_id, **common) for tag in quick_tags
    ]
    if text:
        signals.append(Signal(kind=kind, text=text, **common))
    return Signal.objects.bulk_create(signals) if signals else []


# What an erased person's signal says instead: the signal still counts towards its
# theme (how often a question is asked), but the words were theirs.
ERASED_SIGNAL_TEXT = "(erased)"


def erase_signals(*, signal_ids: Collection[int]) -> dict[str, int]:
    """Replace the words of an erased person's signals, keeping kind, theme and date."""
    return {"signals": Signal.objects.filter(pk__in=signal_ids).update(text=ERASED_SIGNAL_TEXT)}
