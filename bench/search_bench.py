"""Search speed on 100,000 synthetic Russian and English documents.

Seeds a fresh database (temporary SQLite, or the empty database at ``--database-url``)
with ``--documents`` posts of 30-150 words (half Russian, half English, one of 20 subjects
each, 300-1200 characters) through the real store: raw messages, then documents saved by
``documents.save``, which indexes them. Their vectors are synthetic (the subject's
direction plus noise, unit length, stored under the local model's id and the text's
hash): embedding 100k texts would take the bench past its few minutes, and search speed
depends on the matrix size only. Queries are embedded by the real model.

Measures, and prints as one JSON object:

- ``index_build_seconds``: rebuilding the full-text index of all documents, as the
  migration's backfill does it (downgrade to 0004, upgrade to 0005);
- ``vector_load_seconds``: the first search, which loads the vectors into memory;
- ``vector_update_ms``: the first search after ``UPDATED`` documents were saved again
  (their index rows replaced: the search reads only those);
- ``p50_ms``/``p95_ms`` per mode (hybrid, lexical, semantic) over ``--queries`` queries of
  1-4 words in either language, ``limit`` 10, after that first search, and the CPU time
  this process spent per query (on a shared machine the wall times include waiting for
  a core: ``load_average`` says how busy it was).

Goal (issue 11): hybrid p95 < 50 ms on SQLite and on PostgreSQL.

With ``--reuse`` a database at ``--database-url`` that already holds the seeded documents
(from an earlier run) is searched as it is: no seeding, no index rebuild (both then print
as null), so repeated measurements skip the slow part.

    python bench/search_bench.py [--documents 100000] [--queries 200] [--database-url URL]
                                 [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, select

from tg_parser.config import Settings
from tg_parser.embed import LocalEmbedder
from tg_parser.log import configure_logging
from tg_parser.models import (
    CollectedMessage,
    ProcessedDocument,
    RawTelegramMessage,
    document_id,
    source_ref,
    text_hash,
)
from tg_parser.search import SearchMode, search
from tg_parser.store import StoredDocument, StoredVector
from tg_parser.store.database import Database
from tg_parser.store.tables import search_documents

CHANNELS = ("benchru", "benchen", "benchmix")
BATCH = 2000
UPDATED = 100  # documents saved again before the last search
START = datetime(2024, 1, 1, tzinfo=UTC)
SUBJECTS_EN = [
    "postgres index vacuum query replication backup table partition planner",
    "python typing asyncio package release interpreter wheel test profiler",
    "coffee roast grinder espresso filter water brew bean ratio",
    "marathon training pace interval recovery shoes heart rate long run",
    "electric car battery charging range winter market price",
    "budget savings deposit loan interest tax investment account",
    "travel mountains wine city hotel train border food",
    "camera lens exposure light portrait raw editing backup",
    "chess opening endgame rating tournament engine tactics",
    "telegram bot channel api limits payments stars mini app",
]
SUBJECTS_RU = [
    "база индекс вакуум запрос репликация бэкап таблица секция планировщик",
    "питон типизация пакет релиз интерпретатор тесты профилировщик зависимости",
    "кофе обжарка кофемолка эспрессо фильтр вода заваривание зерно пропорция",
    "марафон тренировка темп интервалы восстановление кроссовки пульс пробежка",
    "электромобиль батарея зарядка запас хода зима рынок цена",
    "бюджет сбережения вклад кредит ставка налог инвестиции счёт",
    "путешествие горы вино город гостиница поезд граница еда",
    "камера объектив экспозиция свет портрет обработка резервная копия",
    "шахматы дебют эндшпиль рейтинг турнир движок тактика",
    "телеграм бот канал лимиты платежи звёзды приложение",
]
FILLER_EN = [
    "we",
    "the",
    "after",
    "this",
    "week",
    "because",
    "it",
    "is",
    "a",
    "good",
    "and",
    "new",
    "way",
    "to",
    "try",
    "with",
    "more",
]
FILLER_RU = [
    "мы",
    "после",
    "этой",
    "недели",
    "потому",
    "что",
    "это",
    "хороший",
    "способ",
    "попробовать",
    "и",
    "ещё",
    "наш",
]


def synthetic(count: int, seed: int = 11) -> list[tuple[int, str, str, int]]:
    """(message id, channel, text, subject) for ``count`` posts."""
    rng = random.Random(seed)
    posts = []
    for number in range(1, count + 1):
        russian = number % 2 == 0
        subject = rng.randrange(len(SUBJECTS_EN))
        topic = (SUBJECTS_RU if russian else SUBJECTS_EN)[subject].split()
        filler = FILLER_RU if russian else FILLER_EN
        words = [
            rng.choice(topic) if rng.random() < 0.35 else rng.choice(filler)
            for _ in range(rng.randint(30, 150))
        ]
        text = " ".join(words).capitalize() + "."
        posts.append((number, CHANNELS[number % 3], text, subject + (10 if russian else 0)))
    return posts


async def seed(db: Database, posts: list[tuple[int, str, str, int]], model: str) -> None:
    rng = np.random.default_rng(5)
    directions = rng.standard_normal((20, LocalEmbedder.dimensions)).astype(np.float32)
    for start in range(0, len(posts), BATCH):
        batch = posts[start : start + BATCH]
        async with db.transaction() as repos:
            await repos.messages.store([_collected(post) for post in batch])
            await repos.documents.save([_document(post) for post in batch])
            vectors = directions[[p[3] for p in batch]] + rng.standard_normal(
                (len(batch), LocalEmbedder.dimensions), dtype=np.float32
            )
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            stored = [
                StoredVector(source_ref(p[1], "post", p[0]), text_hash(p[2]), v)
                for p, v in zip(batch, vectors, strict=True)
            ]
            await repos.embeddings.save(model, stored, datetime.now(UTC))


def _collected(post: tuple[int, str, str, int]) -> CollectedMessage:
    number, channel, text, _ = post
    message = RawTelegramMessage(
        id=str(number),
        message_type="post",
        source_ref=source_ref(channel, "post", number),
        channel_id=channel,
        date=START + timedelta(minutes=7 * number),
        text=text,
    )
    return CollectedMessage(message=message)


def _document(post: tuple[int, str, str, int]) -> StoredDocument:
    number, channel, text, subject = post
    ref = source_ref(channel, "post", number)
    document = ProcessedDocument(
        id=document_id(ref),
        source_ref=ref,
        source_message_id=str(number),
        channel_id=channel,
        processed_at=datetime.now(UTC),
        text_clean=text,
        language="ru" if subject >= 10 else "en",
    )
    return StoredDocument(document, noise=False, input_hash="x", pipeline_version="bench")


def queries(count: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    subjects = SUBJECTS_EN + SUBJECTS_RU
    return [
        " ".join(rng.sample(rng.choice(subjects).split(), rng.randint(1, 4))) for _ in range(count)
    ]


async def measure(
    database_url: str, documents: int, count: int, *, reuse: bool = False
) -> dict[str, Any]:
    settings = Settings(database_url=database_url, log_level="WARNING")
    configure_logging(settings)
    embedder = LocalEmbedder(threads=1)
    db = await Database.open(settings)
    try:
        seeded = built = None
        if not (reuse and await _seeded(db, documents)):
            seeded, built = await _seed_and_build(db, documents, embedder.model_id)
        started = time.perf_counter()
        await search(db, "warm up", embedder=embedder)
        loaded = time.perf_counter() - started
        modes: tuple[SearchMode, ...] = ("hybrid", "lexical", "semantic")
        latency = {mode: await _latencies(db, embedder, queries(count), mode) for mode in modes}
        async with db.transaction() as repos:
            await repos.documents.save([_document(post) for post in synthetic(UPDATED)])
        started = time.perf_counter()
        await search(db, "warm up", embedder=embedder)
        updated = time.perf_counter() - started
    finally:
        await db.close()
    return {
        "backend": database_url.split(":", 1)[0],
        "documents": documents,
        "queries": count,
        "seed_seconds": None if seeded is None else round(seeded, 1),
        "index_build_seconds": None if built is None else round(built, 1),
        "vector_load_seconds": round(loaded, 2),
        "vector_update_ms": round(updated * 1000, 1),
        **latency,
        "goal_p95_ms": 50,
        "load_average": [round(load, 1) for load in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


async def _seeded(db: Database, documents: int) -> bool:
    """Whether the database holds ``documents`` indexed documents already."""
    query = select(func.count()).select_from(search_documents)
    async with db.transaction() as repos:
        return (await repos.search.conn.execute(query)).scalar_one() == documents


async def _seed_and_build(db: Database, documents: int, model: str) -> tuple[float, float]:
    """Seconds to seed the documents, and to rebuild their full-text index as the
    migration's backfill does (the later migrations are then applied again, untimed)."""
    started = time.perf_counter()
    await seed(db, synthetic(documents), model)
    seeded = time.perf_counter() - started
    started = time.perf_counter()
    await db.downgrade("0004")
    await db.upgrade("0005")
    built = time.perf_counter() - started
    await db.upgrade()
    return seeded, built


async def _latencies(
    db: Database, embedder: LocalEmbedder, texts: list[str], mode: SearchMode
) -> dict[str, float]:
    times = []
    cpu = time.process_time()
    for text in texts:
        started = time.perf_counter()
        await search(db, text, mode=mode, limit=10, embedder=embedder)
        times.append((time.perf_counter() - started) * 1000)
    cpu = time.process_time() - cpu
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
        # this process's CPU time (all its threads; PostgreSQL's own work not included)
        "cpu_ms_per_query": round(cpu * 1000 / len(texts), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--database-url", help="An empty database to use (default: temp SQLite)")
    parser.add_argument(
        "--reuse", action="store_true", help="Search an already seeded --database-url as it is"
    )
    args = parser.parse_args()
    if args.database_url:
        result = asyncio.run(
            measure(args.database_url, args.documents, args.queries, reuse=args.reuse)
        )
    else:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'search_bench.sqlite'}"
            result = asyncio.run(measure(url, args.documents, args.queries))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
