"""`topics build`: embed documents, join each channel's vectors with their lexical ones
(``lexical.py``), discover topics per channel, write their cards (with a
model when one is given, else offline), refresh target topics, and replace the topic
catalog (stale topics are removed) — one run of stage ``topics``, with its model calls.
The CPU work (embedding, grouping, offline cards) runs in worker threads: the event loop
stays free for the API that started the run and for the run's heartbeat."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from tg_parser.clock import utcnow
from tg_parser.embed import Embedder
from tg_parser.models import OnProgress, Progress, TopicCard
from tg_parser.registry import resolve_channel
from tg_parser.runs import RunTracker, claimable_channels, track_run
from tg_parser.store import Database, StoredTopic
from tg_parser.topics.cards import WrittenCard, scope_out, write_text
from tg_parser.topics.comments import CommentCounts, attach_comments
from tg_parser.topics.corpus import Corpus, Item
from tg_parser.topics.discovery import Draft, centre_of, discover
from tg_parser.topics.embedding import vectors_for
from tg_parser.topics.lexical import with_lexical
from tg_parser.topics.merging import merge_twins
from tg_parser.topics.model_cards import CLUSTER_MIN_ANCHORS, ModelCardWriter
from tg_parser.topics.options import TopicOptions
from tg_parser.topics.records import Context, topic_record
from tg_parser.topics.targets import is_target, target_topics
from tg_parser.topics.titles import distinct_titles

CARD_SOURCES = ("model", "reused", "offline_fallback")


@dataclass(frozen=True)
class TopicsReport:
    run_id: str
    duration_seconds: float
    counters: dict[str, Any]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "duration_seconds": self.duration_seconds,
            "counters": self.counters,
        }


async def build_topics(
    db: Database,
    embedder: Embedder,
    options: TopicOptions,
    progress: OnProgress | None = None,
    cards: ModelCardWriter | None = None,
) -> TopicsReport:
    """Build (or incrementally refresh) the topics of one channel or of every channel;
    ``cards`` writes the cards with a model (None: the offline writer)."""
    options = options.model_copy(update={"channel": await resolve_channel(db, options.channel)})
    scope = {"channel": options.channel or "*"}
    claims = await claimable_channels(db, options.channel)  # one build per channel at a time
    async with track_run(db, "topics", scope, claims=claims) as run:
        async with db.transaction() as repos:
            stored = await repos.documents.for_channel()
            existing = await repos.topics.current()
            targets = await repos.topics.targets()
            threads = await repos.topics.comment_threads()
        items = [
            Item.of(s.document, threads.get(s.document.source_ref))
            for s in stored
            if not s.noise and s.document.text_clean.strip()
        ]
        everything = Corpus(items, await vectors_for(db, embedder, items, run, progress))
        context = Context(run_id=run.id, now=utcnow(), options=options)
        previous = {topic.card.id: topic.card for topic in existing}
        topics: list[StoredTopic] = []
        try:
            for channel in sorted({item.channel_id for item in items}):
                if options.channel in (None, channel):
                    found = await asyncio.to_thread(_found, everything, existing, channel, options)
                    corpus, drafts = found.corpus, found.drafts
                    run.add(
                        topics_kept=found.kept,
                        comments_with_post_in_topic=found.comments.with_post_in_topic,
                        comments_joined=found.comments.joined,
                    )
                    written = await _written(corpus, drafts, previous, cards, options, progress)
                    topics += await asyncio.to_thread(
                        topic_records, corpus, drafts, context, written
                    )
                    run.add(**_sources(written))
                    if progress is not None:
                        progress(Progress("topics", len(topics), len(topics), unit="topics"))
        finally:
            await _store_calls(db, cards, run)
        taken = {t.card.id for t in topics}
        topics += await asyncio.to_thread(
            target_topics, everything, targets, embedder, taken, context
        )
        stale = _stale(existing, topics, options.channel)
        async with db.transaction() as repos:
            await repos.topics.delete(stale)
            await repos.topics.save(topics, run.id)
        in_scope = [i for i in items if options.channel in (None, i.channel_id)]
        _count(run.counters, topics, in_scope, removed=len(stale))
    return TopicsReport(run.id, run.run.duration_seconds or 0.0, dict(run.counters))


@dataclass(frozen=True)
class _Found:
    """A channel's corpus (with its lexical vectors), its topics, and its comments placed."""

    corpus: Corpus
    drafts: list[Draft]
    kept: int  # earlier topics kept
    comments: CommentCounts


def _found(
    everything: Corpus, existing: Sequence[StoredTopic], channel: str, options: TopicOptions
) -> _Found:
    """Discover the topics of ``channel`` (its earlier ones kept unless ``force``) and
    attach its comments: the build's CPU work, run in a worker thread."""
    corpus = with_lexical(_subset(everything, lambda item: item.channel_id == channel), options)
    kept = [] if options.force else _kept(corpus, existing, channel)
    drafts = discover(corpus, kept, options, merge_twins)
    comments = attach_comments(corpus, drafts, options.comment_score)
    return _Found(corpus, drafts, len(kept), comments)


def _subset(corpus: Corpus, keep: Any) -> Corpus:
    positions = [i for i, item in enumerate(corpus.items) if keep(item)]
    return Corpus([corpus.items[i] for i in positions], corpus.vectors[positions])


def _kept(corpus: Corpus, existing: Sequence[StoredTopic], channel: str) -> list[Draft]:
    """Earlier topics of the channel whose anchors are all still there (others dissolve);
    a cluster's centre starts from the posts of its last bundle."""
    kept = []
    for topic in existing:
        if topic.channel_id != channel or is_target(topic.card):
            continue
        anchors = [(corpus.index.get(a.anchor_ref), a.score) for a in topic.card.anchors]
        if any(index is None for index, _ in anchors):
            continue
        core = [corpus.index.get(item.source_ref) for item in topic.bundle.items]
        posts = [i for i in core if i is not None and corpus.items[i].message_type == "post"]
        centre = centre_of(corpus, posts if topic.card.type == "cluster" else posts[:1])
        kept.append(Draft(topic.card.type, anchors, centre))  # type: ignore[arg-type]
    return kept


async def _written(
    corpus: Corpus,
    drafts: list[Draft],
    previous: dict[str, TopicCard],
    cards: ModelCardWriter | None,
    options: TopicOptions,
    progress: OnProgress | None,
) -> list[WrittenCard] | None:
    """The model's cards of the drafts (None without a model: the offline writer's)."""
    if cards is None:
        return None
    minimum = max(CLUSTER_MIN_ANCHORS, options.cluster_min_anchors)
    return await cards.write_all(corpus, drafts, previous, min_anchors=minimum, progress=progress)


def topic_records(
    corpus: Corpus,
    drafts: list[Draft],
    context: Context,
    written: Sequence[WrittenCard] | None = None,
) -> list[StoredTopic]:
    """The records of a channel's drafts, with the cards ``written`` (default: offline),
    no two with the same title; a card without its own scope_out gets the nearest other
    topics' titles."""
    language = corpus.language()
    if written is None:
        written = [WrittenCard(draft, write_text(corpus, draft, language)) for draft in drafts]
    titles = distinct_titles(
        corpus, [card.draft for card in written], [card.text.title for card in written], language
    )
    written = [
        replace(c, text=replace(c.text, title=t)) for c, t in zip(written, titles, strict=True)
    ]
    centres = np.vstack([d.centre for d in drafts]) if drafts else np.zeros((0, 1))
    return [
        topic_record(
            corpus,
            card.draft,
            card.text,
            card.scope_out or scope_out(titles, centres, i, language),
            replace(context, extra_metadata={"writer": card.writer}) if card.writer else context,
        )
        for i, card in enumerate(written)
    ]


def _sources(written: Sequence[WrittenCard] | None) -> dict[str, int]:
    """The cards written by the model, reused, and offline after a model failure."""
    sources = [card.source for card in written or ()]
    return {f"cards_{name}": sources.count(name) for name in CARD_SOURCES}


async def _store_calls(db: Database, cards: ModelCardWriter | None, run: RunTracker) -> None:
    """Store the model calls of the build with its run id (also when it stops on an error)."""
    calls = [replace(call, run_id=run.id) for call in cards.drain()] if cards else []
    if calls:
        async with db.transaction() as repos:
            await repos.llm_calls.add(calls)
    run.add(llm_calls=len(calls))


def _stale(
    existing: Sequence[StoredTopic], topics: Sequence[StoredTopic], channel: str | None
) -> list[str]:
    current = {t.card.id for t in topics}
    return [
        t.card.id
        for t in existing
        if t.card.id not in current and (channel in (None, t.channel_id) or is_target(t.card))
    ]


def _count(
    counters: Any, topics: Sequence[StoredTopic], items: Sequence[Item], removed: int
) -> None:
    refs = {item.source_ref for t in topics for item in t.bundle.items}
    bundle_items = [item for t in topics for item in t.bundle.items]
    outside = sum(1 for item in items if item.ref not in refs)
    justified = sum(1 for item in bundle_items if item.justification)
    counters.update(
        documents=len(items),
        topics_total=len(topics),
        singleton_total=sum(t.card.type == "singleton" for t in topics),
        cluster_total=sum(t.card.type == "cluster" for t in topics),
        bundles_total=len(topics),
        covered_items_total=len(refs),
        outside_topics_total=outside,
        topics_removed=removed,
    )
    counters["justification_coverage"] = (
        round(justified / len(bundle_items), 4) if bundle_items else 1.0
    )
    counters["non_noise_outside_share"] = round(outside / len(items), 4) if items else 0.0
