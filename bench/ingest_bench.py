"""Ingest benchmark: live collection throughput and the web preview parser's speed.

(a) telethon: `tg-parser ingest`'s service drives the Telethon source over
    ``FakeTelegramClient`` (100 messages per request, ``--latency`` seconds per request)
    into a fresh SQLite database. The ceiling is 100 / latency messages/s (every request
    full, nothing else taking time); goal: stored messages/s ≥ 90% of it. The source alone
    (the same fake, nothing stored) is timed too: ``share_of_source_alone`` is what storing
    costs on top of reading (batches are read ahead while earlier ones are stored).
    Messages are the real ``to_dict()`` dump in tests/data/telethon (albums, media,
    links), repeated with shifted ids until ``--messages``.
(b) web parser: ``web_page.parse_channel_page`` over the saved t.me/s pages in
    tests/data/web: pages/s and posts/s.

Prints one JSON object.

    python bench/ingest_bench.py [--messages 20000] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tg_parser import registry
from tg_parser.clock import utcnow
from tg_parser.config import Settings
from tg_parser.ingest.live import IngestOptions, ingest
from tg_parser.log import configure_logging
from tg_parser.models import Source, SourceVia
from tg_parser.sources.base import Window
from tg_parser.sources.telegram import TelegramSource
from tg_parser.sources.web_page import parse_channel_page
from tg_parser.store.database import Database
from tg_parser.testing import TELETHON_CHUNK, FakeTelegramClient

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DUMP = DATA / "telethon" / "uk_channel_regionality_1941msgs_telethon_to_dict.json"
CHANNEL_ID = 1253488154


def messages(count: int) -> list[dict[str, Any]]:
    """``count`` messages: the dump repeated, each copy with new ids, albums and dates."""
    dump = json.loads(DUMP.read_text(encoding="utf-8"))
    span = max(m["id"] for m in dump)
    out: list[dict[str, Any]] = []
    copy = 0
    while len(out) < count:
        out += [_shifted(m, copy, span) for m in dump][: count - len(out)]
        copy += 1
    return out


def _shifted(message: dict[str, Any], copy: int, span: int) -> dict[str, Any]:
    shifted = dict(message, id=message["id"] + copy * span)
    date = datetime.fromisoformat(message["date"]) + timedelta(days=400 * copy)
    shifted["date"] = date.isoformat()
    if message.get("grouped_id"):
        shifted["grouped_id"] = message["grouped_id"] + copy
    return shifted


def fake_client(count: int, latency: float) -> FakeTelegramClient:
    fake = FakeTelegramClient(latency=latency)
    fake.add_chat(messages(count), id=CHANNEL_ID, title="Bench", username="bench")
    return fake


async def telethon_throughput(count: int, latency: float) -> dict[str, Any]:
    """Ingest into SQLite, and the Telethon source alone (read, convert, store nothing)."""
    workdir = Path(tempfile.mkdtemp(prefix="tgp-ingest-bench-"))
    settings = Settings(
        db_path=workdir / "bench.sqlite",
        telegram_api_id=1,
        telegram_api_hash="hash",
        telegram_session_string="session",
    )
    source_alone = await _source_alone(settings, fake_client(count, latency))
    fake = fake_client(count, latency)
    db = await Database.open(settings)
    try:
        await registry.add_source(db, "bench", via="telegram")

        def telegram(via: SourceVia) -> TelegramSource:
            return TelegramSource(settings, client_factory=fake.factory)

        started = time.perf_counter()
        report = await ingest(db, IngestOptions(channels=("bench",)), telegram)
        seconds = time.perf_counter() - started
    finally:
        await db.close()
    stored = report.counters["posts_inserted"]
    rate = count / seconds  # Telegram messages fetched and stored (album parts included)
    ceiling = TELETHON_CHUNK / latency
    return {
        "messages": count,
        "stored_rows": stored,
        "note": "albums are stored as one row each, so rows < messages; rates count messages",
        "requests": fake.count("history"),
        "latency_seconds": latency,
        "seconds": round(seconds, 3),
        "messages_per_second": round(rate, 1),
        "stored_rows_per_second": round(stored / seconds, 1),
        "ceiling_messages_per_second": round(ceiling, 1),
        "share_of_ceiling": round(rate / ceiling, 3),
        "source_alone_seconds": round(source_alone, 3),
        "share_of_source_alone": round(source_alone / seconds, 3),
    }


async def _source_alone(settings: Settings, fake: FakeTelegramClient) -> float:
    """Seconds the Telethon source over the fake takes to yield every batch."""
    telegram = TelegramSource(settings, client_factory=fake.factory)
    now = utcnow()
    source = Source(
        id=1,
        channel_key="bench",
        username="bench",
        via="telegram",
        status="active",
        include_comments=False,
        poll_interval_seconds=3600,
        created_at=now,
        updated_at=now,
    )
    started = time.perf_counter()
    async for _ in telegram.collect(source, Window(), {}):
        pass
    await telegram.close()
    return time.perf_counter() - started


def web_parser_speed(min_seconds: float = 2.0) -> dict[str, Any]:
    pages = [p for p in sorted((DATA / "web").rglob("*.html")) if _is_channel_page(p)]
    html = [p.read_text(encoding="utf-8") for p in pages]
    parsed = posts = 0
    started = time.perf_counter()
    while time.perf_counter() - started < min_seconds:
        for text in html:
            posts += len(parse_channel_page(text, channel="benchpage").posts)
            parsed += 1
    seconds = time.perf_counter() - started
    return {
        "pages": len(pages),
        "pages_parsed": parsed,
        "pages_per_second": round(parsed / seconds, 1),
        "posts_per_second": round(posts / seconds, 1),
    }


def _is_channel_page(path: Path) -> bool:
    return path.parent.name in ("web", "acceptance")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    configure_logging(Settings(log_level="WARNING"))
    telethon = asyncio.run(telethon_throughput(args.messages, args.latency))
    report = {
        "benchmark": "ingest",
        "telethon": telethon,
        "web_parser": web_parser_speed(),
        "goals": {"share_of_ceiling_min": 0.9},
        "meets_goals": telethon["share_of_ceiling"] >= 0.9,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
