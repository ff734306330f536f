"""The bundled sample in examples/ is a well-formed Telegram Desktop export with its labels.

These tests read the committed files only (no tg-parser importer): the export shape, the
variety the quality benchmark relies on, the links between the channel, its discussion group
and the labels, and that the generator still produces exactly the committed files.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CHANNEL_FILE = EXAMPLES / "sample_channel" / "result.json"
DISCUSSION_FILE = EXAMPLES / "sample_channel_discussion" / "result.json"
LABELS_FILE = EXAMPLES / "sample_labels.json"
OUTPUTS = [CHANNEL_FILE, DISCUSSION_FILE, LABELS_FILE]
CYRILLIC = re.compile("[\u0400-\u04ff]")
LOCAL_DATE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
ENTITY_TYPES = {
    "plain",
    "bold",
    "italic",
    "code",
    "text_link",
    "link",
    "hashtag",
    "mention",
    "email",
}


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def channel() -> dict[str, Any]:
    return load(CHANNEL_FILE)


@pytest.fixture(scope="module")
def discussion() -> dict[str, Any]:
    return load(DISCUSSION_FILE)


@pytest.fixture(scope="module")
def labels() -> dict[str, dict[str, Any]]:
    return load(LABELS_FILE)


@pytest.fixture(scope="module")
def posts(channel: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in channel["messages"] if m["type"] == "message"]


def plain_text(message: dict[str, Any]) -> str:
    text = message["text"]
    if isinstance(text, str):
        return text
    return "".join(part if isinstance(part, str) else part["text"] for part in text)


def utc_offset(message: dict[str, Any], field: str = "date") -> float:
    """Hours between the local ``date`` Desktop writes and the UTC ``date_unixtime``."""
    local = datetime.fromisoformat(message[field]).replace(tzinfo=UTC)
    moment = datetime.fromtimestamp(int(message[f"{field}_unixtime"]), UTC)
    return (local - moment).total_seconds() / 3600


def test_chat_headers(channel: dict[str, Any], discussion: dict[str, Any]) -> None:
    assert list(channel) == ["name", "type", "id", "messages"]
    assert (channel["name"], channel["type"], channel["id"]) == (
        "Tech & Life Notes",
        "public_channel",
        1987654321,
    )
    assert list(discussion) == ["name", "type", "id", "messages"]
    assert discussion["type"] == "public_supergroup"


@pytest.mark.parametrize("path", [CHANNEL_FILE, DISCUSSION_FILE], ids=["channel", "discussion"])
def test_messages_have_the_desktop_export_shape(path: Path) -> None:
    for message in load(path)["messages"]:
        assert message["type"] in {"message", "service"}
        assert LOCAL_DATE.match(message["date"]), message["id"]
        assert message["date_unixtime"].isdigit()
        entities = message["text_entities"]
        assert {e["type"] for e in entities} <= ENTITY_TYPES
        assert "".join(e["text"] for e in entities) == plain_text(message)
        if isinstance(message["text"], list):
            assert [p for p in message["text"] if isinstance(p, dict)] == [
                e for e in entities if e["type"] != "plain"
            ]
        assert all("href" in e for e in entities if e["type"] == "text_link")


@pytest.mark.parametrize("path", [CHANNEL_FILE, DISCUSSION_FILE], ids=["channel", "discussion"])
def test_ids_and_dates_increase_with_consistent_unixtime(path: Path) -> None:
    messages = load(path)["messages"]
    ids = [m["id"] for m in messages]
    moments = [int(m["date_unixtime"]) for m in messages]
    assert ids == sorted(set(ids))
    assert moments == sorted(set(moments))
    assert [m["date"] for m in messages] == sorted(m["date"] for m in messages)
    assert {utc_offset(m) for m in messages} == {3.0}


def test_channel_starts_with_its_creation(channel: dict[str, Any]) -> None:
    first = channel["messages"][0]
    assert (first["type"], first["action"], first["title"]) == (
        "service",
        "create_channel",
        "Tech & Life Notes",
    )


def test_enough_posts_in_both_languages(posts: list[dict[str, Any]]) -> None:
    texts = [plain_text(p) for p in posts]
    russian = [t for t in texts if CYRILLIC.search(t)]
    english = [t for t in texts if t and not CYRILLIC.search(t)]
    assert len(posts) >= 150
    assert len(russian) >= 50 and len(english) >= 50
    assert sum(len(t) >= 300 for t in texts) >= 80


def test_posts_show_the_variety_the_pipeline_must_handle(posts: list[dict[str, Any]]) -> None:
    media_only = [p for p in posts if not plain_text(p) and ("photo" in p or "file" in p)]
    texts = Counter(plain_text(p) for p in posts if plain_text(p))
    entity_types = {e["type"] for p in posts for e in p["text_entities"]}
    assert len(media_only) >= 5
    assert sum("edited" in p for p in posts) == 1
    assert sum("forwarded_from" in p for p in posts) >= 3
    assert max(texts.values()) == 2
    assert {"hashtag", "mention", "link", "text_link", "email", "bold", "code"} <= entity_types
    assert any(isinstance(p["text"], str) and p["text"] for p in posts)


def test_every_post_is_labelled(posts: list[dict[str, Any]], labels: dict[str, Any]) -> None:
    assert set(labels) == {str(p["id"]) for p in posts}
    for label in labels.values():
        assert set(label) == {"subject", "noise", "ad"}
        assert (label["subject"] is None) == label["noise"]
        assert not label["ad"] or label["noise"]


def test_labels_cover_subjects_of_different_sizes(labels: dict[str, Any]) -> None:
    sizes = Counter(label["subject"] for label in labels.values() if label["subject"])
    ads = [label for label in labels.values() if label["ad"]]
    assert len(sizes) >= 8
    assert len(set(sizes.values())) >= 8
    assert 8 <= len(ads) <= 12


def test_ads_carry_advertising_markers(posts: list[dict[str, Any]], labels: dict[str, Any]) -> None:
    markers = re.compile(r"#реклама|#ad\b|erid:|sponsored|promo code|промокод|partner", re.I)
    for post in posts:
        assert bool(markers.search(plain_text(post))) == labels[str(post["id"])]["ad"]


def test_discussion_copies_match_their_posts(
    posts: list[dict[str, Any]], discussion: dict[str, Any]
) -> None:
    copies = [m for m in discussion["messages"] if "forwarded_from_id" in m]
    assert len(copies) >= 20
    for copy in copies:
        assert copy["forwarded_from_id"] == "channel1987654321"
        assert copy["forwarded_from"] == "Tech & Life Notes"
        copied = int(copy["date_unixtime"])
        post = max(
            (p for p in posts if int(p["date_unixtime"]) < copied),
            key=lambda p: int(p["date_unixtime"]),
        )
        assert (copy["text"], copy["text_entities"]) == (post["text"], post["text_entities"])
        assert copied - int(post["date_unixtime"]) < 60


def test_every_comment_leads_to_a_copy(discussion: dict[str, Any]) -> None:
    messages = {m["id"]: m for m in discussion["messages"]}
    comments = [m for m in messages.values() if "forwarded_from_id" not in m]
    assert len(comments) >= 60
    assert len({c["from_id"] for c in comments}) >= 8
    for comment in comments:
        current = comment
        while "forwarded_from_id" not in current:
            parent = messages[current["reply_to_message_id"]]
            assert parent["id"] < current["id"]
            current = parent
    nested = [c for c in comments if "forwarded_from_id" not in messages[c["reply_to_message_id"]]]
    assert len(nested) >= 10


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    subprocess.run([sys.executable, EXAMPLES / "build_sample.py", tmp_path], check=True)
    for path in OUTPUTS:
        rebuilt = tmp_path / path.relative_to(EXAMPLES)
        assert rebuilt.read_bytes() == path.read_bytes(), path.name
