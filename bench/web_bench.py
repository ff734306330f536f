"""Topic browser benchmark: how long each page of the browser takes on the 10,000-document
knowledge base of the API benchmark (``api_bench_data.py``: 10 channels, 100 topics of 100
messages), served by the real app in-process (``httpx.ASGITransport``: no socket, so the
time is the server's — routing, the service's queries and the template).

Every document gets a stored vector (random, unit length, under the local model's id):
embedding 10,000 texts would take the bench minutes, and the page's time depends on the
matrix size only; search queries are still embedded by the real model. The app starts as
`serve` does, loading the search model and the vectors in the background
(``SEARCH_WARM_UP``); the bench waits for that (``search_warm_up_seconds``) as a server
that has been up a few seconds would have. The first request of each page is reported
apart (``first_ms``: templates compiled, first queries), then ``--requests`` more give
p50/p95/max. The searches are also timed
through the JSON API (``api_search_*``, not part of the goal): what the search service
takes, whatever the page adds.

Goal (issue: the web browser): every page < 200 ms. Prints one JSON object.

    python bench/web_bench.py [--requests 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from api_bench_data import Built, build

from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.embed import LocalEmbedder
from tg_parser.log import configure_logging
from tg_parser.models import text_hash
from tg_parser.store import Database, StoredVector
from tg_parser.testing.api import api_client

DOCUMENTS, TOPICS, CHANNELS = 10_000, 100, 10
GOAL_MS = 200.0


def pages(built: Built) -> dict[str, str]:
    channel, topic = built.channels[0], built.topics[0]
    return {
        "channels": "/",
        "channel_topics": f"/channels/{channel}",
        "topic": f"/topics/{topic}",
        "message": f"/messages/tg:{channel}:post:42",
        "search_hybrid": "/search?q=postgres+vacuum+replica",
        "search_lexical": "/search?q=postgres+vacuum+replica&mode=lexical",
        "search_filtered": f"/search?q=asyncio+retry&channel={channel}&kind=post&since=2026-01-02",
        "runs": "/runs",
        # the same searches through the JSON API: the search service's own share
        "api_search_hybrid": "/api/v1/search?q=postgres+vacuum+replica&limit=20",
        "api_search_filtered": (
            f"/api/v1/search?q=asyncio+retry&channel={channel}&kind=post&since=2026-01-02&limit=20"
        ),
    }


async def store_vectors(url: str) -> None:
    """A random unit vector for every document, as if ``topics build`` had embedded them."""
    db = await Database.open(Settings(database_url=url))
    rng = np.random.default_rng(5)
    try:
        async with db.reading() as repos:
            documents = [m.document for m in await repos.knowledge.messages()]
        vectors = rng.standard_normal((len(documents), LocalEmbedder.dimensions), np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        stored = [
            StoredVector(d.source_ref, text_hash(d.text_clean), v)
            for d, v in zip(documents, vectors, strict=True)
        ]
        model = LocalEmbedder(threads=1).model_id
        async with db.transaction() as repos:
            await repos.embeddings.save(model, stored, datetime.now(UTC))
    finally:
        await db.close()


async def timed(client: httpx.AsyncClient, path: str) -> float:
    started = time.perf_counter()
    response = await client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}: {response.text[:200]}")
    return elapsed


async def measure_page(client: httpx.AsyncClient, path: str, requests: int) -> dict[str, Any]:
    first = await timed(client, path)
    times = sorted([await timed(client, path) for _ in range(requests)])
    return {
        "path": path,
        "first_ms": round(first, 1),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(times[math.ceil(len(times) * 0.95) - 1], 1),
        "max_ms": round(times[-1], 1),
    }


async def measure(url: str, requests: int) -> dict[str, Any]:
    started = time.perf_counter()
    built = await build(url, documents=DOCUMENTS, topics=TOPICS, channels=CHANNELS)
    await store_vectors(url)
    seeded = time.perf_counter() - started
    # the bench measures serving, so the rate limit is off
    settings = Settings(database_url=url, log_level="WARNING", api_rate_limit="0")
    configure_logging(settings)
    app = create_app(settings)
    async with api_client(app) as client:
        started = time.perf_counter()
        await app.state.search_warm_up  # as `serve` does before the first search comes
        warmed = time.perf_counter() - started
        measured = {
            name: await measure_page(client, path, requests) for name, path in pages(built).items()
        }
    slowest = max(page["p95_ms"] for name, page in measured.items() if "api" not in name)
    return {
        "backend": url.split(":", 1)[0],
        "documents": built.documents,
        "topics": len(built.topics),
        "channels": len(built.channels),
        "requests_per_page": requests,
        "seed_seconds": round(seeded, 1),
        "search_warm_up_seconds": round(warmed, 2),
        "pages": measured,
        "goal_ms": GOAL_MS,
        "goal_met": slowest < GOAL_MS,
        "slowest_p95_ms": slowest,
        "load_average": [round(load, 1) for load in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'web_bench.sqlite'}"
        print(json.dumps(asyncio.run(measure(url, args.requests)), indent=2))


if __name__ == "__main__":
    main()
