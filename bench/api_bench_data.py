"""The knowledge base `api_bench.py` serves: synthetic channels, documents and topics, written
straight through the store's repositories (no import, no processing: only the API is timed).

Each channel has its posts and some comments (each on a post of its channel), every message
has its document, and the channel's documents are split evenly into topics: three anchors
(posts) and the rest of the slice as supporting items.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tg_parser.config import Settings
from tg_parser.models import (
    Anchor,
    BundleItem,
    CollectedMessage,
    ProcessedDocument,
    RawTelegramMessage,
    TopicBundle,
    TopicCard,
    document_id,
    source_ref,
    topic_id,
)
from tg_parser.registry import add_source
from tg_parser.store import Database, StoredDocument, StoredTopic
from tg_parser.store.messages import content_hash

START = datetime(2026, 1, 1, tzinfo=UTC)
PIPELINE = "processing:v1.0.0"
# fmt: off
WORDS = [
    "postgres", "index", "vacuum", "replica", "latency", "python", "asyncio", "typing",
    "release", "deploy", "cache", "queue", "worker", "schema", "migration", "backup",
    "restore", "metrics", "alert", "dashboard", "query", "planner", "kernel", "network",
    "socket", "timeout", "retry", "budget", "review", "design",
]
# fmt: on


@dataclass
class Built:
    """What was written: the channels and the topic ids, for the requests to use."""

    channels: list[str]
    topics: list[str] = field(default_factory=list)
    documents: int = 0


def _text(rng: random.Random, n: int) -> str:
    sentences = (" ".join(rng.choices(WORDS, k=rng.randint(8, 16))).capitalize() for _ in range(n))
    return ". ".join(sentences) + "."


def _messages(channel: str, count: int, rng: random.Random) -> list[RawTelegramMessage]:
    """``count`` messages of one channel: every fifth is a comment on one of the posts
    just before it."""
    messages: list[RawTelegramMessage] = []
    for number in range(1, count + 1):
        comment = number % 5 == 0
        thread = number - rng.randint(1, 4) if comment else number
        kind = "comment" if comment else "post"
        messages.append(
            RawTelegramMessage(
                id=str(number),
                message_type=kind,
                source_ref=source_ref(channel, kind, number),
                channel_id=channel,
                date=START + timedelta(minutes=7 * number),
                text=_text(rng, rng.randint(2, 6)),
                thread_id=str(thread),
                parent_message_id=str(thread) if comment else None,
            )
        )
    return messages


def _document(message: RawTelegramMessage) -> StoredDocument:
    summary = message.text.split(".", 1)[0] + "."
    document = ProcessedDocument(
        id=document_id(message.source_ref),
        source_ref=message.source_ref,
        source_message_id=message.id,
        channel_id=message.channel_id,
        processed_at=START + timedelta(days=60),
        text_clean=message.text,
        summary=summary,
        topics=message.text.lower().split()[:2],
        language="en",
        metadata={"pipeline_version": PIPELINE, "model_id": "bench"},
    )
    return StoredDocument(document, False, content_hash(message.text, None), PIPELINE)


def _topics(channel: str, messages: list[RawTelegramMessage], count: int) -> list[StoredTopic]:
    """The channel's messages in ``count`` slices; each slice is one topic."""
    size = len(messages) // count
    now = START + timedelta(days=61)
    topics = []
    for index in range(count):
        part = messages[index * size : (index + 1) * size]
        posts = [m for m in part if m.message_type == "post"][:3]
        anchors = [
            Anchor(
                channel_id=channel,
                message_id=m.id,
                message_type="post",
                anchor_ref=m.source_ref,
                score=score,
            )
            for m, score in zip(posts, (0.9, 0.8, 0.7), strict=False)
        ]
        anchored = {a.anchor_ref for a in anchors}
        items = [_item(m, "anchor", 0.9) for m in posts] + [
            _item(m, "supporting", 0.6) for m in part if m.source_ref not in anchored
        ]
        card = TopicCard(
            id=topic_id(anchors[0].anchor_ref),
            title=f"{channel} subject {index}",
            summary=f"What {channel} says about subject {index}.",
            scope_in=[f"subject {index}"],
            scope_out=["everything else"],
            type="cluster",
            anchors=anchors,
            sources=[channel],
            updated_at=now,
        )
        bundle = TopicBundle(topic_id=card.id, items=items, updated_at=now)
        topics.append(StoredTopic(channel, card, bundle))
    return topics


def _item(message: RawTelegramMessage, role: str, score: float) -> BundleItem:
    return BundleItem.model_validate(
        {
            "channel_id": message.channel_id,
            "message_id": message.id,
            "message_type": message.message_type,
            "source_ref": message.source_ref,
            "role": role,
            "score": score,
        }
    )


async def build(url: str, *, documents: int, topics: int, channels: int) -> Built:
    """Write the knowledge base into the (empty) database at ``url``."""
    rng = random.Random(7)
    built = Built(channels=[f"bench_{n:02d}" for n in range(channels)])
    db = await Database.open(Settings(database_url=url))
    try:
        for channel in built.channels:
            await add_source(db, channel, via="export")
            messages = _messages(channel, documents // channels, rng)
            stored = _topics(channel, messages, topics // channels)
            async with db.transaction() as repos:
                await repos.messages.store([CollectedMessage(m) for m in messages])
                await repos.documents.save([_document(m) for m in messages])
                await repos.topics.save(stored, run_id=None)
            built.topics += [topic.card.id for topic in stored]
            built.documents += len(messages)
    finally:
        await db.close()
    return built
