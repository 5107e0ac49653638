"""Writes for insights: the signals a conversation raised, and history brought back in.

The forms that log a conversation (a deal's activity, the Inbox's call and
meeting) call ``record_signals`` inside their own transaction, so a signal never
outlives the activity it came from. Grouping signals into themes is not here.
``save_ideal_client_profile`` is the settings page's write: it queues the
rescoring of every enquiry once the profile is committed.
The ``record_imported_*`` functions restore what an export held (themes, quick
tags, the ideal client profile, signals) with its own dates; they notify nothing.
"""

from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from handraise.insights import tasks
from handraise.insights.fit import active_profile
from handraise.insights.models import IdealClientProfile, QuickTag, Signal, Theme

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


def record_imported_theme(
    *, name: str, description: str = "", content_idea: str = "", created_at: datetime | None = None
) -> tuple[Theme, bool]:
    """The theme of this name, made or brought up to the file's words; (theme, made)."""
    theme = Theme.objects.filter(name=name).first()
    if theme is None:
        theme = Theme(name=name, description=description, content_idea=content_idea)
        if created_at:
            theme.created_at = created_at
        theme.save()
        return theme, True
    theme.description, theme.content_idea = description, content_idea
    changed = ["description", "content_idea"]
    if created_at and created_at < theme.created_at:
        theme.created_at, changed = created_at, [*changed, "created_at"]
    theme.save(update_fields=changed)
    return theme, False


def record_theme_answers(*, asset, theme_names: Sequence[str]) -> None:
    """Say that ``asset`` answers these themes (made if they are not here yet)."""
    for name in theme_names:
        theme = _theme_named(name) or record_imported_theme(name=name)[0]
        theme.answered_by.add(asset)


def _theme_named(name: str) -> Theme | None:
    return Theme.objects.filter(name=name).first()


def record_imported_quick_tag(
    *, kind: str, label: str, theme_name: str = "", position: int = 0, is_active: bool = True
) -> tuple[QuickTag, bool]:
    """The quick tag of this kind and label, as the file has it; (tag, made)."""
    theme = None
    if theme_name:
        theme = _theme_named(theme_name) or record_imported_theme(name=theme_name)[0]
    tag, made = QuickTag.objects.update_or_create(
        kind=kind,
        label=label,
        defaults={"theme": theme, "position": position, "is_active": is_active},
    )
    return tag, made


def save_ideal_client_profile(
    *,
    name: str,
    description: str,
    industries: Sequence[str],
    min_employees: int | None,
    max_employees: int | None,
    min_deal_value: Decimal | None,
    regions: Sequence[str],
    keywords: Sequence[str],
) -> IdealClientProfile:
    """The profile in use, as the owner now defines it; every enquiry is rescored after.

    The rescoring is a task queued in the same transaction (the database queue),
    so a profile that failed to save never rescored anything.
    """
    if min_employees is not None and max_employees is not None and min_employees > max_employees:
        raise ValidationError({"max_employees": "The largest size must be at least the smallest."})
    with transaction.atomic():
        profile = active_profile() or IdealClientProfile()
        profile.name, profile.description = name, description
        profile.industries, profile.regions = list(industries), list(regions)
        profile.keywords = list(keywords)
        profile.min_employees, profile.max_employees = min_employees, max_employees
        profile.min_deal_value, profile.is_active = min_deal_value, True
        profile.full_clean()
        profile.save()
        transaction.on_commit(tasks.rescore_fit.enqueue)
    return profile


def record_imported_profile(*, name: str, **fields) -> tuple[IdealClientProfile, bool]:
    """The ideal client profile of this name, as the file has it; (profile, made)."""
    profile = IdealClientProfile.objects.filter(name=name).order_by("pk").first()
    made = profile is None
    profile = profile or IdealClientProfile(name=name)
    for field, value in fields.items():
        setattr(profile, field, value)
    profile.full_clean()
    profile.save()
    return profile, made


def record_imported_signal(
    *,
    kind: str,
    text: str,
    contact_id: int,
    captured_at: datetime,
    deal_id: int | None = None,
    activity_id: int | None = None,
    theme_name: str = "",
    captured_by=None,
) -> Signal:
    """A signal from history: as captured then, in the theme of that name (made if new)."""
    if kind not in Signal.Kind.values:
        raise ValidationError({"kind": KIND_MISSING})
    theme = None
    if theme_name:
        theme = _theme_named(theme_name) or record_imported_theme(name=theme_name)[0]
    return Signal.objects.create(
        kind=kind,
        text=text,
        contact_id=contact_id,
        deal_id=deal_id,
        activity_id=activity_id,
        theme=theme,
        captured_at=captured_at,
        captured_by=captured_by,
    )
