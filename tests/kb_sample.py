"""A processed, topicised sample channel for export tests (plain module, not a test file).

The posts and comments are the real sample (``examples/``), imported by the real importer.
Documents and topics are made from the sample's labels so the tests do not depend on the
processing and topic algorithms: a document is the message's text with whitespace tidied;
each labelled subject is a cluster topic with its first three posts as anchors, its other
posts and their comments as supporting items.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from tg_parser.config import Settings
from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.models import (
    Anchor,
    BundleItem,
    ProcessedDocument,
    TopicBundle,
    TopicCard,
    document_id,
    topic_id,
)
from tg_parser.store.database import Database
from tg_parser.store.documents import StoredDocument
from tg_parser.store.tables import raw_messages, topic_bundles, topic_cards

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CHANNEL = "technotes"
PIPELINE = "processing:v1.1.0"
PROCESSED_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TOPICS_AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
_HASHTAG = re.compile(r"#(\w+)")


async def build(db: Database) -> None:
    """Import the sample channel and its discussion, then add documents and topics."""
    await import_desktop(db, ImportOptions(path=EXAMPLES / "sample_channel", channel=CHANNEL))
    discussion = EXAMPLES / "sample_channel_discussion"
    await import_desktop(db, ImportOptions(path=discussion, comments_for=CHANNEL))
    rows = await _raw_rows(db)
    labels = json.loads((EXAMPLES / "sample_labels.json").read_text(encoding="utf-8"))
    async with db.transaction() as repos:
        await repos.documents.save([_document(row, labels) for row in rows])
    await _save_topics(db, rows, labels)


async def build_at(database_url: str) -> None:
    """``build`` in the database at ``database_url`` (for tests of the CLI, which opens its own)."""
    db = await Database.open(Settings(database_url=database_url))
    try:
        await build(db)
    finally:
        await db.close()


async def _raw_rows(db: Database) -> list[dict[str, Any]]:
    async with db.engine.begin() as conn:
        query = select(raw_messages).order_by(
            raw_messages.c.message_type, raw_messages.c.message_id
        )
        return [dict(row) for row in (await conn.execute(query)).mappings()]


def _document(row: dict[str, Any], labels: dict[str, Any]) -> StoredDocument:
    lines = (" ".join(line.split()) for line in row["text"].splitlines())
    text = "\n".join(line for line in lines if line)
    label = labels.get(str(row["message_id"]), {}) if row["message_type"] == "post" else {}
    extra: dict[str, Any] = {}
    if len(text) > 200:
        extra["summary"] = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    if tags := _HASHTAG.findall(text):
        extra["topics"] = tags
    if text:
        extra["language"] = "ru" if re.search("[\u0400-\u04ff]", text) else "en"
    document = ProcessedDocument(
        id=document_id(row["source_ref"]),
        source_ref=row["source_ref"],
        source_message_id=str(row["message_id"]),
        channel_id=row["channel_id"],
        processed_at=PROCESSED_AT,
        text_clean=text,
        metadata={"pipeline_version": PIPELINE, "model_id": "labels"},
        **extra,
    )
    noise = bool(label.get("noise")) or not text
    return StoredDocument(document, noise, row["content_hash"], PIPELINE)


async def _save_topics(db: Database, rows: list[dict[str, Any]], labels: dict[str, Any]) -> None:
    posts: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        subject = labels.get(str(row["message_id"]), {}).get("subject")
        if row["message_type"] == "post" and subject:
            posts.setdefault(subject, []).append(row)
    comments = [row for row in rows if row["message_type"] == "comment"]
    subjects = sorted(posts)
    async with db.engine.begin() as conn:
        for subject in subjects:
            others = [s for s in subjects if s != subject][:2]
            card, bundle = _topic(subject, posts[subject], comments, others)
            await conn.execute(
                insert(topic_cards).values(
                    id=card.id,
                    channel_id=CHANNEL,
                    type=card.type,
                    title=card.title,
                    updated_at=TOPICS_AT,
                    card=card.to_json_dict(),
                )
            )
            await conn.execute(
                insert(topic_bundles).values(
                    topic_id=card.id, updated_at=TOPICS_AT, bundle=bundle.to_json_dict()
                )
            )


def _topic(
    subject: str,
    posts: list[dict[str, Any]],
    comments: list[dict[str, Any]],
    others: list[str],
) -> tuple[TopicCard, TopicBundle]:
    anchors = [
        Anchor(
            channel_id=CHANNEL,
            message_id=str(row["message_id"]),
            message_type="post",
            anchor_ref=row["source_ref"],
            score=score,
        )
        for row, score in zip(posts[:3], (0.9, 0.8, 0.7), strict=False)
    ]
    card = TopicCard(
        id=topic_id(anchors[0].anchor_ref),
        title=subject.replace("-", " ").capitalize(),
        summary=f"Notes on {subject.replace('-', ' ')} from the channel.",
        scope_in=[subject],
        scope_out=others or ["everything else"],
        type="cluster" if len(anchors) > 1 else "singleton",
        anchors=anchors,
        sources=[CHANNEL],
        updated_at=TOPICS_AT,
        tags=[subject],
        metadata={"pipeline_version": "topics:v1.0.0", "algorithm": "labels"},
    )
    thread_ids = {row["message_id"] for row in posts}
    supporting = posts[3:] + [row for row in comments if row["thread_id"] in thread_ids]
    items = [_item(row, "anchor", a.score) for row, a in zip(posts, anchors, strict=False)]
    items += [_item(row, "supporting", 0.55) for row in supporting]
    return card, TopicBundle(topic_id=card.id, items=items, updated_at=TOPICS_AT)


def _item(row: dict[str, Any], role: Any, score: float) -> BundleItem:
    return BundleItem(
        channel_id=CHANNEL,
        message_id=str(row["message_id"]),
        message_type=row["message_type"],
        source_ref=row["source_ref"],
        role=role,
        score=score,
        justification=f"labelled with the topic's subject (similarity {score})",
    )
