"""Real text for the offline analysis tests: the bundled sample channel and real exports."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest

from tg_parser.sources.export_messages import read_message

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples" / "sample_channel" / "result.json"
LABELS = ROOT / "examples" / "sample_labels.json"
EXPORTS = ROOT / "tests" / "data" / "export"


@dataclass(frozen=True)
class Post:
    id: int
    text: str
    payload: dict[str, Any]


def read_posts(path: Path) -> list[Post]:
    messages = json.loads(path.read_text(encoding="utf-8"))["messages"]
    return [
        Post(message.id, message.text, message.payload)
        for message in (read_message(m, UTC, path) for m in messages if m["type"] == "message")
    ]


def sample_text(post_id: int) -> str:
    return next(post.text for post in read_posts(SAMPLE) if post.id == post_id)


@pytest.fixture(scope="session")
def sample_posts() -> list[Post]:
    return read_posts(SAMPLE)


@pytest.fixture(scope="session")
def labels() -> dict[str, dict[str, Any]]:
    return json.loads(LABELS.read_text(encoding="utf-8"))
