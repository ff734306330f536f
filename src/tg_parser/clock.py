"""Time helpers: every timestamp tg-parser makes is timezone-aware UTC; the ``Retry-After``
HTTP header (seconds like ``"120"`` or an HTTP date) read as seconds to wait; jitter for
retry backoffs."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# a private generator: the global one belongs to the program embedding tg-parser (and to
# seeded tests: hypothesis fails a test whose strategies see it move)
_JITTER = random.Random()


def utcnow() -> datetime:
    return datetime.now(UTC)


def jitter(most: float) -> float:
    """A random number of seconds from 0 to ``most``, to spread retries apart."""
    return _JITTER.uniform(0, most)


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
