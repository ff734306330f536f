"""Knowledge-base entries: a processed message or a topic as a KnowledgeBaseEntry.

Entries follow the exchange format: optional fields are omitted (never null) and every
timestamp carries a timezone. A message entry's ``topics`` are the titles of the topics it
belongs to, its ``tags`` the key phrases found in it; a topic entry's metadata lists its
resolved sources (the anchors and supporting messages, with their links), its ``content``
the card as text (title, summary, scope, the anchors' key lines).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tg_parser.models import Source, kb_message_id, kb_topic_id, telegram_url
from tg_parser.store import ChannelLabel, KnowledgeMessage
from tg_parser.text.sentences import split_sentences

TITLE_LIMIT = 100
KEY_LINE_CHARS = 300
_NOT_WORDS = re.compile(r"https?://\S+|www\.\S+|[#@]\w+")
_LEADING = re.compile(r"^[^\w«\"'(\[]+")
_MARKUP = re.compile(r"\*\*|__|~~|`")
_TAGS = re.compile(r"(?:\s*#\w+)+$")
_SENTENCE_END = re.compile(r"[.!?…](?=\s)")
_TRAILING = ":;,- \u2013\u2014"  # and the en and em dashes


@dataclass(frozen=True)
class Membership:
    """A message's place in an exported topic."""

    topic_id: str
    title: str
    role: str


@dataclass
class Catalog:
    """What entries are resolved against: messages by source_ref, channel titles, and the
    usernames of channels stored under their numeric id (for public links)."""

    messages: Mapping[str, KnowledgeMessage]
    channel_titles: Mapping[str, str]
    usernames: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls, messages: Iterable[KnowledgeMessage], sources: Iterable[Source | ChannelLabel]
    ) -> Catalog:
        """The messages by source_ref, with the titles and usernames the sources know."""
        known = list(sources)
        return cls(
            messages={message.document.source_ref: message for message in messages},
            channel_titles={s.channel_key: s.title for s in known if s.title},
            usernames={s.channel_key: s.username.lower() for s in known if s.username},
        )

    def link(self, channel: str, post_id: int, comment_id: int | None = None) -> str | None:
        """The public link when the channel's username is known, else the channel key's."""
        return telegram_url(self.usernames.get(channel, channel), post_id, comment_id)

    def message_link(
        self, channel: str, message_type: str, message_id: int, thread_id: int | None
    ) -> str | None:
        """A post's link, or a comment's under its post (None when the post is unknown)."""
        if message_type != "comment":
            return self.link(channel, message_id)
        return self.link(channel, thread_id, message_id) if thread_id is not None else None


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC, ``Z`` suffix (as the exchange formats write it)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def message_title(message: KnowledgeMessage, channel_title: str | None) -> str:
    """The first meaningful line of the text (or summary), trimmed; else what and when."""
    document = message.document
    for text in (document.text_clean, document.summary or ""):
        for line in text.splitlines():
            if title := _meaningful(line):
                return _trimmed(title)
    kind = "Comment" if message.message_type == "comment" else "Post"
    where = channel_title or document.channel_id
    return f"{kind} of {message.date:%Y-%m-%d %H:%M} in {where}"


def message_url(message: KnowledgeMessage, catalog: Catalog) -> str | None:
    return catalog.message_link(
        message.document.channel_id, message.message_type, message.message_id, message.thread_id
    )


def message_entry(
    message: KnowledgeMessage, memberships: Iterable[Membership], catalog: Catalog
) -> dict[str, Any]:
    document = message.document
    channel_title = catalog.channel_titles.get(document.channel_id)
    joined = list(memberships)
    entry: dict[str, Any] = {
        "id": kb_message_id(document.source_ref),
        "source": {
            "type": "telegram_message",
            "channel_id": document.channel_id,
            "message_id": document.source_message_id,
            "message_type": message.message_type,
            "source_ref": document.source_ref,
        },
        "created_at": iso(document.processed_at),
        "title": message_title(message, channel_title),
        "content": document.text_clean,
    }
    if joined:
        entry["topics"] = [m.title for m in joined]
    if document.topics:
        entry["tags"] = list(document.topics)
    entry["metadata"] = _message_metadata(message, joined, catalog)
    return entry


def _message_metadata(
    message: KnowledgeMessage, memberships: list[Membership], catalog: Catalog
) -> dict[str, Any]:
    document = message.document
    metadata: dict[str, Any] = {
        "telegram_url": message_url(message, catalog),
        "date": iso(message.date),
        "channel_title": catalog.channel_titles.get(document.channel_id),
        "message_type": message.message_type,
        "language": document.language,
        "summary": document.summary,
    }
    if message.message_type == "comment" and message.thread_id is not None:
        metadata["post_id"] = str(message.thread_id)
        metadata["post_url"] = catalog.link(document.channel_id, message.thread_id)
    if memberships:
        metadata["topic_ids"] = [m.topic_id for m in memberships]
        metadata["topic_roles"] = {m.topic_id: m.role for m in memberships}
    if document.entities:
        metadata["entities"] = [entity.to_json_dict() for entity in document.entities]
    if message.noise:
        metadata["noise"] = True
    if document.metadata:
        metadata["processing"] = document.metadata
    return _present(metadata)


def topic_entry(
    card: dict[str, Any], sources: list[dict[str, Any]], catalog: Catalog
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": kb_topic_id(card["id"]),
        "source": {"type": "topic", "topic_id": card["id"]},
        "created_at": card["updated_at"],
        "title": card["title"],
        "content": topic_content(card, catalog),
    }
    if card.get("tags"):
        entry["tags"] = card["tags"]
    titles = [catalog.channel_titles.get(channel) for channel in card["sources"]]
    metadata: dict[str, Any] = {
        "type": card["type"],
        "channels": card["sources"],
        "channel_titles": [title for title in titles if title] or None,
        "summary": card["summary"],
        "anchors": sum(1 for s in sources if s["role"] == "anchor"),
        "supporting": sum(1 for s in sources if s["role"] == "supporting"),
        "sources": sources,
        "related_topics": card.get("related_topics"),
        "topicization": card.get("metadata"),
    }
    entry["metadata"] = _present(metadata)
    return entry


def topic_content(card: dict[str, Any], catalog: Catalog) -> str:
    """The topic's card as text: title, summary, scope and its anchors' key lines (each
    anchor's headline and its summary or first sentences) — what the topic is about,
    without the other topics' titles (its scope_out), which would blur an embedding."""
    parts = [card["title"], card["summary"], "In scope: " + "; ".join(card["scope_in"])]
    lines = [line for a in card["anchors"] if (line := _key_lines(a["anchor_ref"], catalog))]
    if lines:
        parts.append("Key posts:\n" + "\n".join(f"- {line}" for line in lines))
    return "\n\n".join(parts)


def _key_lines(ref: str, catalog: Catalog) -> str | None:
    """An anchor's headline, then its summary (or its next sentences), up to
    ``KEY_LINE_CHARS``, without the headline again or the trailing hashtags."""
    message = catalog.messages.get(ref)
    if message is None or not message.document.text_clean.strip():
        return None
    headline = message_title(message, None)
    document = message.document
    key = headline.rstrip("…").casefold()
    rest = [
        _TAGS.sub("", _MARKUP.sub("", sentence)).strip()
        for sentence in split_sentences(document.summary or document.text_clean)
    ]
    rest = [r for r in rest if r and key not in r.casefold() and r.casefold() not in key]
    text = _trimmed_to(" ".join(rest), KEY_LINE_CHARS - len(headline))
    return f"{headline} — {text}" if text else headline


def _trimmed_to(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return cut[: cut.rfind(" ")].rstrip(_TRAILING) + "…" if " " in cut else cut + "…"


def resolved_sources(items: Iterable[dict[str, Any]], catalog: Catalog) -> list[dict[str, Any]]:
    """Bundle items with their links, dates and titles (when the message is known)."""
    return [_resolved(item, catalog) for item in items]


def _resolved(item: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    source = {key: item[key] for key in ("source_ref", "role", "channel_id", "message_id")}
    source |= {"message_type": item["message_type"]}
    for key in ("score", "justification"):
        if key in item:
            source[key] = item[key]
    message = catalog.messages.get(item["source_ref"])
    if message is not None:
        title = catalog.channel_titles.get(message.document.channel_id)
        source |= {"title": message_title(message, title), "date": iso(message.date)}
        source["telegram_url"] = message_url(message, catalog)
    return _present(source)


def _meaningful(line: str) -> str | None:
    """The line without markup and leading symbols, when it has words besides links/tags."""
    text = _MARKUP.sub("", line).strip()
    if not _has_letters(text, 3):
        return None
    return _LEADING.sub("", text).strip()


def _has_letters(text: str, needed: int) -> bool:
    """Whether ``text`` has ``needed`` letters outside links and tags, read from the start
    only as far as they are found (a title is asked of every message on a page)."""
    at = found = 0
    while found < needed and at < len(text):
        if skipped := _NOT_WORDS.match(text, at):
            at = skipped.end()
        else:
            found += text[at].isalpha()
            at += 1
    return found >= needed


def _trimmed(text: str) -> str:
    text = " ".join(text.split()).rstrip(_TRAILING)
    if len(text) <= TITLE_LIMIT:
        return text
    ends = _SENTENCE_END.finditer(text, 0, TITLE_LIMIT + 1)  # no further end can count
    end = next((m.end() for m in ends if m.end() >= 20), None)
    if end is not None:
        return text[:end]
    cut = text[: TITLE_LIMIT - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > TITLE_LIMIT // 2 else cut).rstrip(_TRAILING) + "…"


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """Drop absent (None) values: the exchange formats omit them."""
    return {key: value for key, value in values.items() if value is not None}
