"""Drafts → the exchange-format TopicCard and TopicBundle.

Cards are checked against their JSON Schema; bundles (up to one item per document) rely on
the pydantic model, which mirrors the schema — a schema pass over 100,000 items would cost
more than the clustering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tg_parser import contracts
from tg_parser.models import Anchor, BundleItem, TopicBundle, TopicCard, topic_id
from tg_parser.store import StoredTopic
from tg_parser.topics.cards import CardText, shared_phrases
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import Draft
from tg_parser.topics.options import ALGORITHM, PIPELINE_VERSION, TopicOptions


@dataclass(frozen=True)
class Context:
    """What every card of one build shares."""

    run_id: str
    now: datetime
    options: TopicOptions
    extra_metadata: dict[str, Any] | None = None


def topic_record(
    corpus: Corpus, draft: Draft, text: CardText, scope_out: list[str], context: Context
) -> StoredTopic:
    anchors = [_anchor(corpus.items[i], score) for i, score in draft.anchors]
    channels = sorted({corpus.items[i].channel_id for i in _all_indexes(draft)})
    metadata: dict[str, Any] = {
        "topicization_run_id": context.run_id,
        "pipeline_version": PIPELINE_VERSION,
        "algorithm": ALGORITHM,
        "parameters": context.options.parameters(),
        "input_scope": {"channel": context.options.channel or "*"},
    } | (context.extra_metadata or {})
    card = TopicCard(
        id=topic_id(anchors[0].anchor_ref),
        title=text.title,
        summary=text.summary,
        scope_in=text.scope_in,
        scope_out=scope_out,
        type=draft.type,
        anchors=anchors,
        sources=channels,
        updated_at=context.now,
        tags=text.tags or None,
        metadata=metadata,
    )
    bundle = _bundle(corpus, draft, text, card.id, context.now)
    contracts.validate("topic_card", card.to_json_dict())
    return StoredTopic(channel_id=channels[0], card=card, bundle=bundle)


def _bundle(
    corpus: Corpus, draft: Draft, text: CardText, card_id: str, now: datetime
) -> TopicBundle:
    items = [
        _item(corpus.items[i], "anchor", score, f"anchor; similarity {score:.2f} to the topic")
        for i, score in draft.anchors
    ]
    inside = set(_all_indexes(draft))
    for i, score in sorted(draft.members.items(), key=lambda m: (-m[1], corpus.items[m[0]].ref)):
        shared = shared_phrases(corpus.items[i], text.phrases)
        item = corpus.items[i]
        why = f"similarity {score:.2f} to the topic"
        if item.thread_ref is not None and corpus.index.get(item.thread_ref) in inside:
            why = f"comment on {item.thread_ref} in this topic; similarity {score:.2f}"
        if shared:
            why += "; shared key phrases: " + ", ".join(shared)
        items.append(_item(corpus.items[i], "supporting", score, why))
    dates = [corpus.items[i].date for i in inside]
    known = sorted(d for d in dates if d is not None)
    return TopicBundle(
        topic_id=card_id,
        items=items,
        updated_at=now,
        time_range={"from": known[0], "to": known[-1]} if known else None,
        channels=sorted({item.channel_id for item in items}),
    )


def _anchor(item: Item, score: float) -> Anchor:
    return Anchor(
        channel_id=item.channel_id,
        message_id=item.message_id,
        message_type=item.message_type,
        anchor_ref=item.ref,
        score=score,
    )


def _item(item: Item, role: str, score: float, justification: str) -> BundleItem:
    return BundleItem(
        channel_id=item.channel_id,
        message_id=item.message_id,
        message_type=item.message_type,
        source_ref=item.ref,
        role=role,  # type: ignore[arg-type]
        score=score,
        justification=justification,
    )


def _all_indexes(draft: Draft) -> list[int]:
    return [*draft.anchor_indexes(), *draft.members]
