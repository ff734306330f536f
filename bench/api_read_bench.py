"""Read routes benchmark: the API's read routes over a database of N documents.

Builds a database (SQLite in a temporary directory, or ``--database-url``) of ``--documents``
processed messages (posts with a comment under every fourth) in ``--channels`` channels and
``--topics`` topics, then requests each route in-process (httpx's ASGI transport: the app,
its services and the database, no sockets) ``--requests`` times one after another and
reports p50/p99 milliseconds and the CPU milliseconds per request (steadier than wall
time on a busy machine):

- documents: a page of 50 filtered by channel; the same deep into the listing (offset
  near the end); filtered by channel, language and kind; by topic;
- channels list, a channel's topics, a topic's detail;
- the NDJSON export of everything, streamed: seconds, bytes, and the peak memory the
  Python heap grew by while streaming (tracemalloc) next to the size of the output.

Prints one JSON object. Goal (issue 9): read routes fast on 10k documents (the end-to-end
figures at 32 clients come from bench/api_bench.py).

    python bench/api_read_bench.py [--documents 10000] [--topics 100] [--requests 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.export import ExportOptions, stream_entries
from tg_parser.models import (
    Anchor,
    BundleItem,
    CollectedMessage,
    MessageType,
    ProcessedDocument,
    RawTelegramMessage,
    TopicBundle,
    TopicCard,
    document_id,
    source_ref,
    topic_id,
)
from tg_parser.registry import add_source
from tg_parser.store import Database, StoredDocument, StoredTopic
from tg_parser.testing.api import api_client

START = datetime(2025, 1, 1, tzinfo=UTC)
WORDS = [
    *("postgres", "python", "coffee", "running", "chess"),
    *("travel", "books", "music", "cooking", "garden"),
]


def messages(channel: str, count: int) -> list[tuple[MessageType, int, int | None]]:
    """(kind, id, thread) of ``count`` messages: posts, a comment under every fourth."""
    found: list[tuple[MessageType, int, int | None]] = []
    post = 0
    while len(found) < count:
        post += 1
        found.append(("post", post, None))
        if post % 4 == 0 and len(found) < count:
            found.append(("comment", 100_000 + post, post))
    return found


def text_of(number: int) -> str:
    word = WORDS[number % len(WORDS)]
    return f"Notes on {word} number {number}: " + " ".join(WORDS[: 5 + number % 5]) * 4


def raw(channel: str, kind: MessageType, number: int, thread: int | None) -> CollectedMessage:
    extra = {"thread_id": str(thread), "parent_message_id": str(thread)} if thread else {}
    return CollectedMessage(
        RawTelegramMessage(
            id=str(number),
            message_type=kind,
            source_ref=source_ref(channel, kind, number),
            channel_id=channel,
            date=START + timedelta(minutes=17 * number),
            text=text_of(number),
            **extra,  # type: ignore[arg-type]
        )
    )


def document(channel: str, kind: MessageType, number: int) -> StoredDocument:
    ref = source_ref(channel, kind, number)
    doc = ProcessedDocument(
        id=document_id(ref),
        source_ref=ref,
        source_message_id=str(number),
        channel_id=channel,
        processed_at=START,
        text_clean=text_of(number),
        summary=text_of(number)[:80],
        language="en" if number % 3 else "ru",
        topics=[WORDS[number % len(WORDS)]],
        metadata={"pipeline_version": "processing:v1.0.0", "model_id": "bench"},
    )
    return StoredDocument(doc, number % 10 == 0, "hash", "processing:v1.0.0")


def topic(channel: str, refs: list[tuple[MessageType, int]]) -> StoredTopic:
    anchors = [
        Anchor(
            channel_id=channel,
            message_id=str(number),
            message_type=kind,
            anchor_ref=source_ref(channel, kind, number),
            score=round(0.95 - i / 100, 2),
        )
        for i, (kind, number) in enumerate(refs[:3])
    ]
    anchors.sort(key=lambda a: (-a.score, a.anchor_ref))
    card_id = topic_id(anchors[0].anchor_ref)
    card = TopicCard(
        id=card_id,
        title=f"Topic of {anchors[0].anchor_ref}",
        summary="A topic.",
        scope_in=["this"],
        scope_out=["that"],
        type="cluster",
        anchors=anchors,
        sources=[channel],
        updated_at=START,
    )
    items = [
        BundleItem(
            channel_id=channel,
            message_id=str(number),
            message_type=kind,
            source_ref=source_ref(channel, kind, number),
            role="anchor" if i < 3 else "supporting",
            score=0.9 if i < 3 else 0.6,
        )
        for i, (kind, number) in enumerate(refs)
    ]
    dates = sorted(START + timedelta(minutes=17 * number) for _, number in refs)
    span = {"from": dates[0], "to": dates[-1]}  # as `topics build` records it
    bundle = TopicBundle(topic_id=card_id, items=items, updated_at=START, time_range=span)
    return StoredTopic(channel, card, bundle)


async def build(db: Database, documents: int, channels: int, topics: int) -> None:
    per_channel, topics_per_channel = documents // channels, topics // channels
    for c in range(channels):
        channel = f"channel_{c:02d}"
        await add_source(db, channel, new_via="web")
        found = messages(channel, per_channel)
        for start in range(0, len(found), 1000):
            chunk = found[start : start + 1000]
            async with db.transaction() as repos:
                await repos.messages.store([raw(channel, *m) for m in chunk])
                await repos.documents.save([document(channel, k, n) for k, n, _ in chunk])
        size = len(found) // topics_per_channel
        groups = [found[i * size : (i + 1) * size] for i in range(topics_per_channel)]
        async with db.transaction() as repos:
            await repos.topics.save(
                [topic(channel, [(k, n) for k, n, _ in group]) for group in groups], None
            )


async def timed(call: Callable[[], Awaitable[httpx.Response]], requests: int) -> dict[str, Any]:
    await call()  # warm up
    times = []
    cpu = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        response = await call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    cpu_ms = (time.process_time() - cpu) * 1000 / requests
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "cpu_ms": round(cpu_ms, 2),
    }


async def stream(db: Database) -> dict[str, Any]:
    started = time.perf_counter()
    size = sum(len(line) for line in await stream_entries(db, ExportOptions()))
    seconds = time.perf_counter() - started
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    lines = await stream_entries(db, ExportOptions())
    loaded = tracemalloc.get_traced_memory()[0] - baseline
    for _ in lines:
        pass
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    return {
        "seconds": round(seconds, 2),
        "bytes": size,
        "heap_after_load_mb": round(loaded / 2**20, 1),
        "heap_peak_mb": round(peak / 2**20, 1),
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        settings = Settings(database_url=url)
        db = await Database.open(settings)
        started = time.perf_counter()
        await build(db, args.documents, args.channels, args.topics)
        built = time.perf_counter() - started
        results: dict[str, Any] = {"backend": db.backend, "documents": args.documents}
        results |= {"channels": args.channels, "topics": args.topics, "build_seconds": built}
        async with api_client(create_app(settings, db=db)) as client:
            page = await client.get("/api/v1/documents", params={"channel": "channel_00"})
            total = page.json()["total"]
            deep = page.json()["next_cursor"] and _cursor(total - 50)
            topics = await client.get("/api/v1/channels/channel_00/topics")
            first_topic = topics.json()["items"][0]["id"]
            routes: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
                "documents_page_by_channel": lambda: client.get(
                    "/api/v1/documents", params={"channel": "channel_00", "limit": 50}
                ),
                "documents_page_deep": lambda: client.get(
                    "/api/v1/documents", params={"channel": "channel_00", "cursor": deep}
                ),
                "documents_filtered": lambda: client.get(
                    "/api/v1/documents",
                    params={"channel": "channel_00", "language": "ru", "kind": "post"},
                ),
                "documents_by_topic": lambda: client.get(
                    "/api/v1/documents", params={"topic": first_topic}
                ),
                "channels_list": lambda: client.get("/api/v1/channels"),
                "channel_topics": lambda: client.get("/api/v1/channels/channel_00/topics"),
                "topic_detail": lambda: client.get(f"/api/v1/topics/{first_topic}"),
            }
            for name, call in routes.items():
                results[name] = await timed(call, args.requests)
        results["ndjson_export"] = await stream(db)
        await db.close()
    results["build_seconds"] = round(results["build_seconds"], 1)
    return results


def _cursor(offset: int) -> str:
    from tg_parser.api.pages import encode_cursor

    return encode_cursor(offset)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--channels", type=int, default=4)
    parser.add_argument("--topics", type=int, default=100)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None, help="An empty database to fill.")
    print(json.dumps(asyncio.run(run(parser.parse_args())), indent=2))


if __name__ == "__main__":
    main()
