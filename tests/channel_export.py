"""Telegram Desktop exports of a generated channel, for tests that need many distinct posts
(processing runs interrupted or overlapping, imports of a large file)."""

from __future__ import annotations

import json
from pathlib import Path

SUBJECTS = ("autovacuum tuning", "coffee brewing", "marathon training", "tomato seedlings")
CHANNEL_ID = 1600000001


def post_text(number: int, padding: int = 0) -> str:
    """A distinct post, long enough to go to the model (``padding`` more characters)."""
    return f"Post {number}: what we learnt about {SUBJECTS[number % 4]} this week." + (
        " More notes." * (padding // 12)
    )


def write_channel_export(path: Path, posts: int, *, padding: int = 0) -> Path:
    """``result.json`` of a public channel "Notes" with ``posts`` distinct posts."""
    messages = [
        {
            "id": number,
            "type": "message",
            "date": f"2024-03-{1 + number // 24 % 28:02d}T{number % 24:02d}:00:00",
            "date_unixtime": str(1709251200 + number * 3600),
            "from": "Notes",
            "from_id": f"channel{CHANNEL_ID}",
            "text": post_text(number, padding),
        }
        for number in range(1, posts + 1)
    ]
    export = {"name": "Notes", "type": "public_channel", "id": CHANNEL_ID, "messages": messages}
    path.write_text(json.dumps(export), encoding="utf-8")
    return path
