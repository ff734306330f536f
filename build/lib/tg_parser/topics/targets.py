"""Target topics: subjects known in advance, each with a card and a bundle of every
relevant post and comment (similarity of the subject to the document ≥ the target
threshold), refreshed on every build."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tg_parser.clock import utcnow
from tg_parser.embed import Embedder, normalise
from tg_parser.errors import InputError, NotFoundError
from tg_parser.models import TopicCard, topic_id
from tg_parser.registry import resolve_channel
from tg_parser.store import Database, StoredTopic, TopicTarget
from tg_parser.topics.cards import CardText, key_phrases, scope_out
from tg_parser.topics.corpus import Corpus
from tg_parser.topics.discovery import Draft, similarity
from tg_parser.topics.records import Context, topic_record

TARGET_KEY = "target_id"


@dataclass(frozen=True)
class TargetView:
    """A target with the topic that currently answers it (None before a build finds any)."""

    target: TopicTarget
    topic_id: str | None
    items: int


def is_target(card: TopicCard) -> bool:
    return TARGET_KEY in (card.metadata or {})


async def add_target(db: Database, subject: str, channel: str | None = None) -> TopicTarget:
    text = " ".join(subject.split())
    if not text:
        raise InputError("the subject is empty: give a question or a subject in quotes")
    key = await resolve_channel(db, channel)
    async with db.transaction() as repos:
        target_id = await repos.topics.add_target(text, key, utcnow())
        return next(t for t in await repos.topics.targets() if t.id == target_id)


async def list_targets(db: Database) -> list[TargetView]:
    async with db.transaction() as repos:
        targets = await repos.topics.targets()
        topics = [t for t in await repos.topics.current() if is_target(t.card)]
    by_target = {(t.card.metadata or {})[TARGET_KEY]: t for t in topics}
    return [
        TargetView(
            target,
            by_target[target.id].card.id if target.id in by_target else None,
            len(by_target[target.id].bundle.items) if target.id in by_target else 0,
        )
        for target in targets
    ]


async def remove_target(db: Database, target_id: int) -> None:
    """Forget a target and delete its topic."""
    views = {view.target.id: view for view in await list_targets(db)}
    if target_id not in views:
        raise NotFoundError(f"no topic target {target_id}: see `tg-parser topics target list`")
    async with db.transaction() as repos:
        await repos.topics.remove_target(target_id)
        topic = views[target_id].topic_id
        await repos.topics.delete([topic] if topic else [])


def target_topics(
    corpus: Corpus,
    targets: Sequence[TopicTarget],
    embedder: Embedder,
    taken: set[str],
    context: Context,
) -> list[StoredTopic]:
    """A topic per target that has relevant documents; ids avoid those in ``taken``."""
    if not targets or not len(corpus):
        return []
    subjects = normalise(embedder.embed([t.subject for t in targets]))
    topics = []
    for target, vector in zip(targets, subjects, strict=True):
        draft = _draft(corpus, target, vector, taken, context)
        if draft is None:
            continue
        members = [*draft.anchors, *draft.members.items()]
        phrases = key_phrases([(corpus.items[i], s) for i, s in members], None)
        text = CardText.offline(
            target.subject, _summary(corpus, draft), phrases or [target.subject]
        )
        extra = {TARGET_KEY: target.id, "target_subject": target.subject}
        scoped = Context(context.run_id, context.now, context.options, extra)
        topic = topic_record(corpus, draft, text, _scope_out(target.subject), scoped)
        taken.add(topic.card.id)
        topics.append(topic)
    return topics


def _draft(
    corpus: Corpus, target: TopicTarget, vector: np.ndarray, taken: set[str], context: Context
) -> Draft | None:
    options = context.options
    scores = similarity(corpus.vectors, vector)
    relevant = sorted(
        (i for i, s in enumerate(scores) if s >= options.target_score)
        if target.channel_id is None
        else (
            i
            for i, s in enumerate(scores)
            if s >= options.target_score and corpus.items[i].channel_id == target.channel_id
        ),
        key=lambda i: (corpus.items[i].message_type != "post", -scores[i], corpus.items[i].ref),
    )
    free = [i for i in relevant if topic_id(corpus.items[i].ref) not in taken]
    if not free:
        return None
    first = free[0]
    rank = {i: (-scores[i], corpus.items[i].ref) for i in relevant}
    strong = sorted(
        (
            i
            for i in relevant
            if rank[i] > rank[first] and scores[i] >= options.cluster_anchor_score
        ),
        key=rank.__getitem__,
    )
    anchor_indexes = [first, *strong[: options.anchors_top_n - 1]]
    kind = "cluster" if len(anchor_indexes) >= options.cluster_min_anchors else "singleton"
    if kind == "singleton":
        anchor_indexes = [first]
    anchors = [(i, scores[i]) for i in anchor_indexes]
    members = {i: scores[i] for i in relevant if i not in anchor_indexes}
    return Draft(kind, anchors, vector, members)  # type: ignore[arg-type]


def _summary(corpus: Corpus, draft: Draft) -> str:
    item = corpus.items[draft.anchors[0][0]]
    return (item.summary or item.text)[:400].strip() or item.text[:400]


def _scope_out(subject: str) -> list[str]:
    return scope_out([subject], np.zeros((1, 1)), 0, None)
