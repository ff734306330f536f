"""How the tools show what the services return: plain JSON values, every channel text
quoted as untrusted data (:func:`quoting.quoted`), ``None`` left out."""

from __future__ import annotations

from typing import Any

from tg_parser.channels import ChannelSummary
from tg_parser.documents import DocumentItem
from tg_parser.export.entries import iso
from tg_parser.mcp.quoting import quoted, quoted_all
from tg_parser.models import source_ref
from tg_parser.search import SearchHit
from tg_parser.topics.catalog import TopicSummary, TopicView


def present(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


def message(item: DocumentItem, cap: int) -> dict[str, Any]:
    """A processed message: ids, date, link, its post (for a comment), text and summary."""
    found, document = item.message, item.message.document
    post = None
    if found.message_type == "comment" and found.thread_id is not None:
        post = source_ref(document.channel_id, "post", found.thread_id)
    return present(
        {
            "source_ref": document.source_ref,
            "channel": document.channel_id,
            "message_type": found.message_type,
            "message_id": found.message_id,
            "date": iso(found.date),
            "url": item.telegram_url,
            "post_ref": post,
            "language": document.language,
            "tags": quoted_all(list(document.topics), cap) if document.topics else None,
            "noise": found.noise,
            "text": quoted(document.text_clean, cap),
            "summary": quoted(document.summary, cap) if document.summary else None,
        }
    )


def hit(found: SearchHit, cap: int) -> dict[str, Any]:
    """A search hit: the message's ids and link, its snippet, its topic and its score."""
    topic = None
    if found.topic is not None:
        topic = {"id": found.topic.id, "title": quoted(found.topic.title, cap)}
    return present(
        {
            "source_ref": found.source_ref,
            "channel": found.channel,
            "message_type": found.message_type,
            "message_id": found.message_id,
            "date": iso(found.date),
            "url": found.url,
            "language": found.language,
            "snippet": quoted(found.snippet, cap),
            "topic": topic,
            "score": found.scores.fused,
        }
    )


def channel(summary: ChannelSummary, cap: int) -> dict[str, Any]:
    source, counts = summary.source, summary.counts
    title = source.title if source else None
    return present(
        {
            "channel": summary.channel_key,
            "username": source.username if source else None,
            "title": quoted(title, cap) if title else None,
            "posts": counts.posts,
            "comments": counts.comments,
            "documents": counts.documents,
            "topics": counts.topics,
            "last_message_at": iso(counts.last_message_at) if counts.last_message_at else None,
        }
    )


def topic_summary(summary: TopicSummary, cap: int) -> dict[str, Any]:
    return present(
        {
            "id": summary.id,
            "title": quoted(summary.title, cap),
            "type": summary.type,
            "items": summary.items,
            "anchors": summary.anchors,
            "first_date": iso(summary.first_date) if summary.first_date else None,
            "last_date": iso(summary.last_date) if summary.last_date else None,
        }
    )


def topic_card(view: TopicView, cap: int) -> dict[str, Any]:
    """A topic's card: what it is about (quoted: written from channel texts) and its anchors."""
    card = view.topic.card
    return present(
        {
            "id": card.id,
            "channel": view.topic.channel_id,
            "type": card.type,
            "title": quoted(card.title, cap),
            "summary": quoted(card.summary, cap),
            "scope_in": quoted_all(card.scope_in, cap),
            "scope_out": quoted_all(card.scope_out, cap),
            "tags": quoted_all(card.tags, cap) if card.tags else None,
            "anchors": [{"source_ref": a.anchor_ref, "score": a.score} for a in card.anchors],
            "items": len(view.topic.bundle.items),
            "updated_at": iso(card.updated_at),
        }
    )


def topic_item(source: dict[str, Any], view: TopicView, cap: int) -> dict[str, Any]:
    """A bundle item resolved: role, score, date, link and the message's text."""
    found = view.messages.get(source["source_ref"])
    justification = source.get("justification")
    return present(
        {
            "source_ref": source["source_ref"],
            "role": source["role"],
            "message_type": source["message_type"],
            "score": source.get("score"),
            "date": source.get("date"),
            "url": source.get("telegram_url"),
            "justification": quoted(justification, cap) if justification else None,
            "text": quoted(found.document.text_clean, cap) if found is not None else None,
        }
    )
