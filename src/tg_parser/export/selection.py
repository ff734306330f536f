"""What an export holds: the topics and messages its filters select, in a stable order.

- ``channel`` keeps one channel's messages and topics;
- ``from``/``to`` keep messages dated within the bounds, and topics with at least one
  bundle item within them (their bundles keep only those items);
- ``topic_id`` keeps that topic's entry and its messages;
- without ``include_supporting`` bundles keep their anchors only (and so do memberships);
- noise (ads, greetings) and messages without text are left out unless ``include_noise``
  (which keeps noise; empty messages never make an entry).

Messages are ordered by source_ref (channel, posts before comments, message id as a
number), topics likewise by their first anchor, so two exports of the same data are equal.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tg_parser.errors import NotFoundError
from tg_parser.export.entries import (
    Catalog,
    Membership,
    message_entry,
    resolved_sources,
    topic_entry,
)
from tg_parser.export.options import ExportOptions
from tg_parser.models import parse_source_ref
from tg_parser.store import KnowledgeMessage, KnowledgeTopic

COUNTS: tuple[str, ...] = ("topic_entries", "message_entries", "posts", "comments")
COUNTS += ("anchors", "supporting", "skipped_noise", "skipped_empty", "skipped_dates")
COUNTS += ("skipped_other_topics",)


@dataclass(frozen=True)
class SelectedTopic:
    card: dict[str, Any]
    bundle: dict[str, Any]  # items narrowed to the exported roles and dates

    def entry(self, catalog: Catalog) -> dict[str, Any]:
        """The topic's knowledge-base entry, its items resolved against ``catalog``."""
        return topic_entry(self.card, resolved_sources(self.bundle["items"], catalog), catalog)


@dataclass
class Selection:
    topics: list[SelectedTopic]
    messages: list[KnowledgeMessage]
    counts: dict[str, int]

    def entries(self, catalog: Catalog) -> Iterator[dict[str, Any]]:
        """Topic entries, then message entries."""
        for topic in self.topics:
            yield topic.entry(catalog)
        memberships = memberships_of(self.topics)
        for message in self.messages:
            ref = message.document.source_ref
            yield message_entry(message, memberships.get(ref, []), catalog)

    def pipeline_versions(self) -> dict[str, list[str]]:
        """The processing and topic pipeline versions the exported data was made with."""
        processing = {(m.document.metadata or {}).get("pipeline_version") for m in self.messages}
        topics = {t.card.get("metadata", {}).get("pipeline_version") for t in self.topics}
        return {
            "processing": sorted(v for v in processing if isinstance(v, str)),
            "topics": sorted(v for v in topics if isinstance(v, str)),
        }


def memberships_of(topics: Iterable[SelectedTopic]) -> dict[str, list[Membership]]:
    """The topics each message belongs to, by source_ref."""
    found: defaultdict[str, list[Membership]] = defaultdict(list)
    for topic in topics:
        for item in topic.bundle["items"]:
            membership = Membership(topic.card["id"], topic.card["title"], item["role"])
            found[item["source_ref"]].append(membership)
    return found


def select(
    messages: Sequence[KnowledgeMessage], topics: Sequence[KnowledgeTopic], options: ExportOptions
) -> Selection:
    by_ref = {message.document.source_ref: message for message in messages}
    chosen = [
        selected
        for topic in wanted_topics(topics, options)
        if (selected := select_topic(topic, by_ref, options)) is not None
    ]
    members = topic_members(chosen, options)
    counts: Counter[str] = Counter(dict.fromkeys(COUNTS, 0))
    kept = []
    for message in sorted(messages, key=lambda m: ref_order(m.document.source_ref)):
        reason = left_out(message, options, members)
        if reason:
            counts[reason] += 1
        else:
            kept.append(message)
    counts["topic_entries"] = len(chosen)
    counts["message_entries"] = len(kept)
    counts["comments"] = sum(1 for m in kept if m.message_type == "comment")
    counts["posts"] = len(kept) - counts["comments"]
    roles = Counter(item["role"] for topic in chosen for item in topic.bundle["items"])
    counts["anchors"], counts["supporting"] = roles["anchor"], roles["supporting"]
    return Selection(topics=chosen, messages=kept, counts=dict(counts))


def ref_order(ref: str) -> tuple[str, bool, int]:
    channel, message_type, message_id = parse_source_ref(ref)
    return channel, message_type != "post", message_id


def wanted_topics(topics: Sequence[KnowledgeTopic], options: ExportOptions) -> list[KnowledgeTopic]:
    """The topics the options name (all, or ``topic_id``), by their first anchor;
    ``NotFoundError`` when ``topic_id`` is not among them."""
    wanted = [t for t in topics if options.topic_id in (None, t.card["id"])]
    if options.topic_id is not None and not wanted:
        raise NotFoundError(
            f"no topic {options.topic_id!r}"
            + (f" in channel {options.channel}" if options.channel else "")
            + ": see `tg-parser topics list`"
        )
    return sorted(wanted, key=lambda t: ref_order(t.card["anchors"][0]["anchor_ref"]))


def topic_refs(topic: KnowledgeTopic) -> set[str]:
    """The messages a topic's entry is made from: its bundle items and anchors."""
    anchors = {anchor["anchor_ref"] for anchor in topic.card["anchors"]}
    return anchors | {item["source_ref"] for item in _items(topic)}


def select_topic(
    topic: KnowledgeTopic, by_ref: Mapping[str, KnowledgeMessage], options: ExportOptions
) -> SelectedTopic | None:
    """The topic with its bundle narrowed to the exported items (None: no item is)."""
    items = [item for item in _items(topic) if _item_wanted(item, by_ref, options)]
    if not items:
        return None
    return SelectedTopic(card=topic.card, bundle=_bundle(topic, items))


def topic_members(chosen: Iterable[SelectedTopic], options: ExportOptions) -> set[str] | None:
    """With ``topic_id``, the messages of the chosen topic (None: every message)."""
    if options.topic_id is None:
        return None
    return {item["source_ref"] for t in chosen for item in t.bundle["items"]}


def _items(topic: KnowledgeTopic) -> list[dict[str, Any]]:
    """The bundle's items; a topic stored without a bundle has its anchors."""
    if topic.bundle is not None:
        return list(topic.bundle["items"])
    return [
        {
            "channel_id": anchor["channel_id"],
            "message_id": anchor["message_id"],
            "message_type": anchor["message_type"],
            "source_ref": anchor["anchor_ref"],
            "role": "anchor",
            "score": anchor["score"],
        }
        for anchor in topic.card["anchors"]
    ]


def _bundle(topic: KnowledgeTopic, items: list[dict[str, Any]]) -> dict[str, Any]:
    if topic.bundle is None:
        return {
            "topic_id": topic.card["id"],
            "items": items,
            "updated_at": topic.card["updated_at"],
        }
    return topic.bundle | {"items": items}


def _item_wanted(
    item: dict[str, Any], by_ref: Mapping[str, KnowledgeMessage], options: ExportOptions
) -> bool:
    if item["role"] != "anchor" and not options.include_supporting:
        return False
    if options.date_from is None and options.date_to is None:
        return True
    message = by_ref.get(item["source_ref"])
    return message is not None and _in_dates(message, options)


def left_out(
    message: KnowledgeMessage, options: ExportOptions, members: set[str] | None
) -> str | None:
    """Why the message makes no entry (a counter name), or None."""
    if members is not None and message.document.source_ref not in members:
        return "skipped_other_topics"
    if not _in_dates(message, options):
        return "skipped_dates"
    if message.noise and not options.include_noise:
        return "skipped_noise"
    if not message.document.text_clean.strip():
        return "skipped_empty"
    return None


def _in_dates(message: KnowledgeMessage, options: ExportOptions) -> bool:
    if options.date_from is not None and message.date < options.date_from:
        return False
    return options.date_to is None or message.date <= options.date_to
