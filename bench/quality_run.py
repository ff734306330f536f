"""One corpus of ``bench/quality.py``: import, process, build topics, measure."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tg_parser.config import Settings
from tg_parser.embed import Embedder, normalise
from tg_parser.ingest import desktop as importer
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.log import configure_logging
from tg_parser.models import parse_source_ref
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.store import StoredDocument, StoredTopic
from tg_parser.store.database import Database
from tg_parser.testing import quality
from tg_parser.topics.build import build_topics
from tg_parser.topics.lexical import joined, lexical_vectors
from tg_parser.topics.options import TopicOptions

AD_REASONS = ("advertis", "promo", "giveaway")


@dataclass(frozen=True)
class Corpus:
    name: str
    split: str
    channel: Path
    discussion: Path | None
    labels: Path

    def channel_id(self) -> str:
        raw = json.loads((self.channel / "result.json").read_text(encoding="utf-8"))
        return f"-100{raw['id']}"


async def measure_corpus(
    corpus: Corpus, folder: Path, labeller: str | None, embedder: Embedder
) -> dict[str, Any]:
    settings = Settings(database_url=f"sqlite:///{folder / 'quality.sqlite'}")
    configure_logging(settings)
    labels = quality.Labels.load(corpus.labels)
    channel = corpus.channel_id()
    options = TopicOptions.from_settings(settings, channel=channel)
    db = await Database.open(settings)
    try:
        await _load(db, corpus, channel, labels, labeller)
        started = time.perf_counter()
        await build_topics(db, embedder, options)
        seconds = time.perf_counter() - started
        async with db.transaction() as repos:
            documents = await repos.documents.for_channel(channel)
            topics = await repos.topics.current(channel)
    finally:
        await db.close()
    return {
        "corpus": corpus.name,
        "split": corpus.split,
        **_scores(labels, documents, topics, embedder, options),
        "build_seconds": round(seconds, 2),
    }


async def _load(
    db: Database, corpus: Corpus, channel: str, labels: quality.Labels, labeller: str | None
) -> None:
    await importer.import_desktop(db, importer.ImportOptions(path=corpus.channel))
    if corpus.discussion is not None:
        options = importer.ImportOptions(path=corpus.discussion, comments_for=channel)
        await importer.import_desktop(db, options)
    if labeller is None:
        await process_messages(db, OfflineAnalyser(), ProcessOptions())
    else:
        from quality_model import process_with_labeller

        await process_with_labeller(db, labels, labeller, corpus.channel, corpus.discussion)


def _scores(
    labels: quality.Labels,
    documents: list[StoredDocument],
    topics: list[StoredTopic],
    embedder: Embedder,
    options: TopicOptions,
) -> dict[str, Any]:
    posts, comments = _where(topics)
    by_post = {_number(d): d for d in documents if _kind(d) == "post"}
    truth = labels.content()
    agreement = quality.topic_agreement(truth, posts)
    kept = {p: s for p, s in truth.items() if p in by_post and not by_post[p].noise}
    ceilings = _ceilings(truth, by_post, embedder, options)
    ceiling = ceilings["ceiling"]
    noise = {p for p, d in by_post.items() if d.noise and p in labels.posts}
    ads = {p for p in noise if _reason(by_post[p]).startswith(AD_REASONS)}
    known = set(by_post) & set(labels.posts)
    return {
        "posts": len(truth),
        "subjects": len(set(truth.values())),
        **agreement,
        "ari_kept": quality.topic_agreement(kept, posts)["ari"],
        "noise_dropped_content": len(truth) - len(kept),
        **ceilings,
        "ari_to_ceiling": round(agreement["ari"] / ceiling["ari"], 4) if ceiling["ari"] else 0.0,
        "noise": quality.precision_recall({p for p in known if labels.posts[p].noise}, noise),
        "ads": quality.precision_recall({p for p in known if labels.posts[p].ad}, ads),
        "comments": quality.comment_attachment(labels.comments, posts, comments),
        "duplicate_titles": quality.duplicate_titles([t.card.title for t in topics]),
        "topics": len(topics),
        "titles": sorted(t.card.title for t in topics)[:40],
    }


def _where(topics: list[StoredTopic]) -> tuple[dict[int, str], dict[int, str]]:
    posts: dict[int, str] = {}
    comments: dict[int, str] = {}
    for topic in topics:
        if "target_id" in (topic.card.metadata or {}):
            continue
        for item in topic.bundle.items:
            table = posts if item.message_type == "post" else comments
            table.setdefault(int(item.message_id), topic.card.id)
    return posts, comments


def _ceilings(
    truth: dict[int, str],
    by_post: dict[int, StoredDocument],
    embedder: Embedder,
    options: TopicOptions,
) -> dict[str, Any]:
    """k-means with the true k on the embedding (``ceiling``), on the lexical vectors
    alone (``lexical_ceiling``) and on the two joined at the build's weight
    (``joined_ceiling``): which space carries the subjects. The lexical vectors are fitted
    on the labelled posts here (on the channel's documents in a build); both lexical
    ceilings are None when the posts share too few words."""
    posts = [p for p in truth if p in by_post and by_post[p].document.text_clean.strip()]
    texts = [by_post[p].document.text_clean for p in posts]
    subjects = [truth[p] for p in posts]
    vectors = normalise(embedder.embed(texts))
    ceiling = {"ceiling": quality.embedder_ceiling(vectors, subjects)}
    lexical = lexical_vectors(texts, options)
    if lexical is None:
        return {**ceiling, "lexical_ceiling": None, "joined_ceiling": None}
    return {
        **ceiling,
        "lexical_ceiling": quality.embedder_ceiling(lexical, subjects),
        "joined_ceiling": quality.embedder_ceiling(
            joined(vectors, lexical, options.lexical_weight), subjects
        ),
    }


def _kind(stored: StoredDocument) -> str:
    return parse_source_ref(stored.document.source_ref)[1]


def _number(stored: StoredDocument) -> int:
    return parse_source_ref(stored.document.source_ref)[2]


def _reason(stored: StoredDocument) -> str:
    return str((stored.document.metadata or {}).get("noise_reason", ""))
