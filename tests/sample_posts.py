"""Real text for the offline analysis tests: posts of the bundled sample channel and of real
exports, read as the importer reads them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from functools import cache
from pathlib import Path
from typing import Any

from tg_parser.sources.desktop_messages import read_message

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample_channel" / "result.json"
LABELS = ROOT / "examples" / "sample_labels.json"
EXPORTS = ROOT / "tests" / "data" / "export"


@dataclass(frozen=True)
class Post:
    id: int
    text: str
    payload: dict[str, Any]


@cache
def read_posts(path: Path) -> tuple[Post, ...]:
    messages = json.loads(path.read_text(encoding="utf-8"))["messages"]
    return tuple(
        Post(message.id, message.text, message.payload)
        for message in (read_message(m, UTC, path) for m in messages if m["type"] == "message")
    )


def sample_text(post_id: int) -> str:
    return next(post.text for post in read_posts(SAMPLE) if post.id == post_id)
