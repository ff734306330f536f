"""SQLite → PostgreSQL benchmark: `tg-parser db migrate` against a raw `COPY` of the same rows.

Synthesises N messages with their documents and 512-dimensional embeddings through the
store into a SQLite database, then, in the same run, on the PostgreSQL server of
``BENCH_DATABASE_URL`` (default: the local one; two throwaway databases, dropped after):

- baseline: every row of every table read from SQLite into memory first, then written with
  psycopg's ``COPY … FROM STDIN`` (one transaction per table) into a database with the
  schema — the database's own speed for these rows, with no reading and no checks;
- tg-parser: the `db migrate` service into an empty database (schema creation, reading
  SQLite, COPY, sequences), then its verification (checksums of every row on both sides).

Prints one JSON object: rows/s of each, their ratio (goal ≥ 0.5, issue 10) and the
verification's time.

    python bench/migrate_bench.py [--messages 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg

from tg_parser.config import Settings
from tg_parser.log import configure_logging
from tg_parser.models import CollectedMessage, ProcessedDocument, RawTelegramMessage, document_id
from tg_parser.models import source_ref as make_ref
from tg_parser.store import Database, StoredDocument, StoredVector
from tg_parser.store.tables import metadata
from tg_parser.transfer import TransferOptions, check_equal, transfer

ADMIN_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
WORDS = ["канал", "новости", "релиз", "Python", "PostgreSQL", "release", "notes", "индекс"]
START = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 2000


async def synthesise(path: Path, count: int, seed: int = 7) -> None:
    """``count`` posts with a document and an embedding each, written through the store."""
    rng = np.random.default_rng(seed)
    words = random.Random(seed)
    db = await Database.open(Settings(database_url=f"sqlite:///{path}"))
    try:
        for first in range(1, count + 1, BATCH):
            ids = range(first, min(first + BATCH, count + 1))
            texts = {n: " ".join(words.choices(WORDS, k=words.randint(20, 80))) for n in ids}
            async with db.transaction() as repos:
                await repos.messages.store([_message(n, texts[n]) for n in ids])
                await repos.documents.save([_document(n, texts[n]) for n in ids])
                vectors = rng.standard_normal((len(ids), 512), dtype=np.float32)
                stored = [StoredVector(make_ref("bench", "post", n), f"{n:064x}", v)
                          for n, v in zip(ids, vectors, strict=True)]  # fmt: skip
                await repos.embeddings.save("usem3:bench", stored, START)
    finally:
        await db.close()


def _message(n: int, text: str) -> CollectedMessage:
    ref = make_ref("bench", "post", n)
    payload = {"id": n, "views": n * 7, "reactions": [{"emoji": "👍", "count": n % 13}]}
    message = RawTelegramMessage(
        id=str(n), message_type="post", source_ref=ref, channel_id="bench",
        date=START + timedelta(minutes=n), text=text, raw_payload=payload,
    )  # fmt: skip
    return CollectedMessage(message=message)


def _document(n: int, text: str) -> StoredDocument:
    ref = make_ref("bench", "post", n)
    document = ProcessedDocument(
        id=document_id(ref), source_ref=ref, source_message_id=str(n), channel_id="bench",
        processed_at=START, text_clean=text, summary=text[:80], topics=text.split()[:3],
        language="ru", metadata={"pipeline_version": "processing:v1.0.0", "model_id": "bench"},
    )  # fmt: skip
    return StoredDocument(document, False, f"{n:064x}", "processing:v1.0.0")


def baseline(source: Path, url: str) -> tuple[int, float]:
    """Rows and seconds of COPYing every table's rows, read into memory beforehand."""
    with sqlite3.connect(source) as lite:
        tables = [(t, _stored(lite, t.name, [c.name for c in t.columns]))
                  for t in metadata.sorted_tables]  # fmt: skip
    lite.close()
    rows = sum(len(data) for _, data in tables)
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        for table, data in tables:
            columns = ", ".join(c.name for c in table.columns)
            with conn.transaction(), conn.cursor() as cursor:
                cursor.execute("SET LOCAL TIME ZONE 'UTC'")
                with cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
    return rows, time.perf_counter() - started


def _stored(lite: sqlite3.Connection, table: str, columns: list[str]) -> list[Any]:
    return lite.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()


@contextmanager
def throwaway_database() -> Iterator[str]:
    name = f"tgp_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _with_schema(url: str) -> None:
    db = await Database.open(Settings(database_url=url))
    await db.close()


def main() -> None:
    configure_logging(Settings())  # logs on stderr, the JSON alone on stdout
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "source.sqlite"
        started = time.perf_counter()
        asyncio.run(synthesise(source, args.messages))
        synthesised = time.perf_counter() - started
        with throwaway_database() as base_url, throwaway_database() as target_url:
            asyncio.run(_with_schema(base_url))
            rows, base_seconds = baseline(source, base_url)
            started = time.perf_counter()
            report = asyncio.run(transfer(Settings(), TransferOptions(str(source), target_url)))
            total = time.perf_counter() - started
            check_equal(report)
        base_rate, rate = rows / base_seconds, report.rows_copied / report.copy_seconds
        print(json.dumps({
            "messages": args.messages,
            "rows": rows,
            "sqlite_mb": round(source.stat().st_size / 1e6, 1),
            "synthesis_seconds": round(synthesised, 1),
            "baseline_copy_rows_per_s": round(base_rate),
            "migrate_copy_rows_per_s": round(rate),
            "ratio": round(rate / base_rate, 3),
            "goal_ratio": 0.5,
            "migrate_copy_seconds": round(report.copy_seconds, 2),
            "verify_seconds": round(report.verify_seconds, 2),
            "migrate_total_seconds": round(total, 2),
            "migrate_with_verify_rows_per_s": round(rows / total),
        }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
