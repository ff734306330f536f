"""The ``Retry-After`` HTTP header: seconds (``"120"``) or an HTTP date."""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime

from tg_parser.clock import utcnow


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds the header asks to wait (never negative); None if absent or unreadable."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return max(float(text), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - (now or utcnow())).total_seconds(), 0.0)
