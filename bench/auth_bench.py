"""What checking an API key costs a request: in-process (httpx ASGITransport), one client.

A trivial route (a static JSON body) of the real app, asked N times in each setting:

- ``no_auth``: the route takes no principal (the floor);
- ``open``: it takes ``Reader`` while no key exists (the open API on loopback);
- ``key``: a Bearer key, checked against its cached row (API_KEY_CACHE_SECONDS=5);
- ``key_uncached``: the same with API_KEY_CACHE_SECONDS=0 (a database read per request);
- ``key_rate_limited``: ``key`` plus API_RATE_LIMIT counted per request.

Prints one JSON object: requests/s and microseconds per request of each, and each one's
extra microseconds over ``no_auth``. SQLite in a temporary directory.

    python bench/auth_bench.py [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx

from tg_parser import keys
from tg_parser.api import create_app
from tg_parser.api.auth import Reader
from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.testing.api import api_client

CASES: dict[str, tuple[str, bool, dict[str, Any]]] = {
    # name: (path, a key exists and is sent, settings)
    "no_auth": ("/bench/plain", False, {"api_rate_limit": "0"}),
    "open": ("/bench/reader", False, {"api_rate_limit": "0"}),
    "key": ("/bench/reader", True, {"api_rate_limit": "0"}),
    "key_uncached": ("/bench/reader", True, {"api_rate_limit": "0", "api_key_cache_seconds": 0}),
    "key_rate_limited": ("/bench/reader", True, {"api_rate_limit": "1000000/minute"}),
}


def bench_app(settings: Settings) -> Any:
    app = create_app(settings)

    @app.get("/bench/plain")
    async def plain() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/bench/reader")
    async def reader(principal: Reader) -> dict[str, bool]:
        return {"ok": True}

    return app


async def measure(
    databases: dict[bool, Settings], key: str, requests: int, rounds: int
) -> dict[str, float]:
    """Median seconds per request of each case, the cases taking turns (a busy machine
    slows them alike)."""
    per_round = max(1, requests // rounds)
    times: dict[str, list[float]] = {case: [] for case in CASES}
    async with AsyncExitStack() as stack:
        clients = {
            case: await stack.enter_async_context(
                api_client(bench_app(databases[keyed].model_copy(update=overrides)))
            )
            for case, (_, keyed, overrides) in CASES.items()
        }
        for _ in range(rounds + 1):  # the first round warms up
            for case, (path, send_key, _) in CASES.items():
                headers = {"Authorization": f"Bearer {key}"} if send_key else {}
                started = time.perf_counter()
                await _ask(clients[case], path, headers, per_round)
                times[case].append((time.perf_counter() - started) / per_round)
    return {case: statistics.median(spent[1:]) for case, spent in times.items()}


async def _ask(http: httpx.AsyncClient, path: str, headers: dict[str, str], n: int) -> None:
    for _ in range(n):
        response = await http.get(path, headers=headers)
        assert response.status_code == 200, response.text


async def main(requests: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        databases = {
            keyed: Settings(database_url=f"sqlite:///{Path(tmp) / f'{keyed}.sqlite'}")
            for keyed in (False, True)
        }
        db = await Database.open(databases[True])
        try:
            key = (await keys.create_key(db, "bench", "read")).key
        finally:
            await db.close()
        seconds = await measure(databases, key, requests, rounds)
    floor = seconds["no_auth"]
    return {
        "requests": requests,
        "rounds": rounds,
        **{
            case: {
                "requests_per_s": round(1 / spent),
                "us_per_request": round(spent * 1e6),
                "extra_us": round((spent - floor) * 1e6),
            }
            for case, spent in seconds.items()
        },
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="per case")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.requests, args.rounds)), indent=2))
