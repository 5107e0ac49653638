"""The one place Handraise reads the time.

Everything that needs "now" calls ``now()`` so business-hours arithmetic, time
zones and tests that freeze time all agree. Business-hours maths lives here too
as it grows; this module does not know about enquiries or deals.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return timezone.now()


def local_now(tz: ZoneInfo) -> datetime:
    """The current time in the given zone, for showing and for business-hours decisions."""
    return now().astimezone(tz)
