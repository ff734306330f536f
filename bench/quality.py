"""Topic and noise quality on the sample channel against its labels.

Imports examples/sample_channel and its discussion group into a temporary SQLite
database, processes them with the offline provider, builds topics, then prints one JSON
object:

- ``adjusted_rand_index``: post → topic assignment (the topic whose bundle holds the
  post) against the labelled subject, over non-noise labelled posts; a post outside every
  topic counts as its own singleton label;
- ``outside_share``: share of those posts outside every topic;
- ``noise``: precision and recall of the noise flag against the labels' ``noise``;
- ``ads``: the same for advertising (noise whose reason starts with "advertising") against
  the labels' ``ad``.

Goals (issue 3): ARI ≥ 0.7, outside ≤ 20%, ad precision and recall ≥ 0.9.

    python bench/quality.py
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from sklearn.metrics import adjusted_rand_score

from tg_parser.config import Settings
from tg_parser.embed import LocalEmbedder
from tg_parser.ingest import desktop as importer
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.log import configure_logging
from tg_parser.models import ProcessedDocument, parse_source_ref
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.store.database import Database
from tg_parser.topics.build import build_topics
from tg_parser.topics.options import TopicOptions

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CHANNEL = "-1001987654321"


async def measure(folder: Path) -> dict[str, Any]:
    settings = Settings(database_url=f"sqlite:///{folder / 'quality.sqlite'}")
    configure_logging(settings)
    db = await Database.open(settings)
    try:
        await _load(db)
        started = time.perf_counter()
        report = await build_topics(db, LocalEmbedder(), TopicOptions.from_settings(settings))
        seconds = time.perf_counter() - started
        async with db.transaction() as repos:
            documents = await repos.documents.for_channel(CHANNEL)
            topics = await repos.topics.current(CHANNEL)
    finally:
        await db.close()
    labels = json.loads((EXAMPLES / "sample_labels.json").read_text(encoding="utf-8"))
    noise = {_post_id(d.document.source_ref): d.noise for d in documents}
    ads = {
        _post_id(d.document.source_ref): _reason(d.document).startswith("advertising")
        for d in documents
    }
    return {
        **_topic_quality(labels, noise, topics),
        "noise": _precision_recall(labels, noise, "noise"),
        "ads": _precision_recall(labels, ads, "ad"),
        "topics_total": report.counters["topics_total"],
        "build_seconds": round(seconds, 2),
        "goals": {"adjusted_rand_index": 0.7, "outside_share_max": 0.2, "ads": 0.9},
    }


async def _load(db: Database) -> None:
    await importer.import_desktop(db, importer.ImportOptions(path=EXAMPLES / "sample_channel"))
    comments = importer.ImportOptions(
        path=EXAMPLES / "sample_channel_discussion", comments_for=CHANNEL
    )
    await importer.import_desktop(db, comments)
    await process_messages(db, OfflineAnalyser(), ProcessOptions())


def _post_id(ref: str) -> int:
    _, kind, number = parse_source_ref(ref)
    return number if kind == "post" else -number


def _reason(document: ProcessedDocument) -> str:
    return str((document.metadata or {}).get("noise_reason", ""))


def _topic_quality(
    labels: dict[str, Any], noise: dict[int, bool], topics: list[Any]
) -> dict[str, Any]:
    where: dict[int, str] = {}
    for topic in topics:
        if "target_id" in (topic.card.metadata or {}):
            continue
        for item in topic.bundle.items:
            if item.message_type == "post":
                where.setdefault(int(item.message_id), topic.card.id)
    truth, found = [], []
    for key, label in sorted(labels.items(), key=lambda kv: int(kv[0])):
        post = int(key)
        if label["noise"] or not label["subject"] or noise.get(post, True):
            continue
        truth.append(label["subject"])
        found.append(where.get(post, f"outside:{post}"))
    outside = sum(value.startswith("outside:") for value in found)
    return {
        "posts": len(truth),
        "adjusted_rand_index": round(adjusted_rand_score(truth, found), 4),
        "outside_share": round(outside / len(truth), 4) if truth else 0.0,
    }


def _precision_recall(
    labels: dict[str, Any], flagged: dict[int, bool], field: str
) -> dict[str, float]:
    posts = [int(k) for k in labels if int(k) in flagged]
    actual = {p for p in posts if labels[str(p)][field]}
    predicted = {p for p in posts if flagged[p]}
    hits = len(actual & predicted)
    return {
        "precision": round(hits / len(predicted), 4) if predicted else 1.0,
        "recall": round(hits / len(actual), 4) if actual else 1.0,
    }


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        print(json.dumps(asyncio.run(measure(Path(folder))), indent=2))


if __name__ == "__main__":
    main()
