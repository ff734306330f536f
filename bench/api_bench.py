"""API benchmark (issue 9): `tg-parser serve` as a real uvicorn process on loopback.

Builds a knowledge base of 10,000 documents in 100 topics over 10 channels
(``api_bench_data.py``, written through the store), starts ``tg-parser serve`` on it, and
runs 32 concurrent clients (httpx, one asyncio process: the server has the other core) for
``--duration`` seconds on each route: the trivial one (``/health/live``, a static JSON body)
first, then list sources, list documents (page 50, filtered by channel), topic detail and
list channels; then streams one NDJSON export of every entry. Each route reports requests/s,
p50/p99/max latency, errors (a non-2xx answer or a failed request) and its requests/s
relative to the trivial route of the same app in the same run.

A route that the checked-out code does not serve (absent from ``/openapi.json``) is reported
as ``"missing": true`` and not measured. Prints one JSON object.

Goals (issue 9): 0 errors, p99 < 100 ms at 32 clients, each read route ≥ 40% of the
trivial route's requests/s.

    python bench/api_bench.py [--duration 10] [--clients 32] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from api_bench_data import Built, build

DOCUMENTS, TOPICS, CHANNELS = 10_000, 100, 10
GOAL_P99_MS, GOAL_SHARE = 100.0, 0.40


def routes(built: Built) -> dict[str, tuple[str, list[str]]]:
    """Each measured route: its template (as in /openapi.json) and the URLs to cycle."""
    return {
        "trivial": ("/health/live", ["/health/live"]),
        "sources": ("/api/v1/sources", ["/api/v1/sources"]),
        "documents": (
            "/api/v1/documents",
            [f"/api/v1/documents?channel={c}&limit=50" for c in built.channels],
        ),
        "topic": ("/api/v1/topics/{topic_id}", [f"/api/v1/topics/{t}" for t in built.topics]),
        "channels": ("/api/v1/channels", ["/api/v1/channels"]),
    }


@contextmanager
def serve(url: str, workdir: Path) -> Iterator[str]:
    """``tg-parser serve`` on a free loopback port until the block ends (then SIGTERM)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "tg_parser", "serve", "--host", "127.0.0.1"]
    log = (workdir / "serve.log").open("wb")
    server = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server, workdir / "serve.log")
        yield base
    finally:
        server.send_signal(signal.SIGINT if os.name == "nt" else signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"serve was not ready within 60 s:\n{log.read_text()}")


async def load(base: str, urls: list[str], clients: int, seconds: float) -> dict[str, Any]:
    """``clients`` concurrent clients requesting ``urls`` in turn for ``seconds``."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        await _run(http, urls, clients, 1.0, [], [])  # warm-up: connections, caches
        latencies: list[float] = []
        errors: list[str] = []
        started = time.perf_counter()
        await _run(http, urls, clients, seconds, latencies, errors)
        elapsed = time.perf_counter() - started
    return _summary(latencies, errors, elapsed)


async def _run(
    http: httpx.AsyncClient,
    urls: list[str],
    clients: int,
    seconds: float,
    latencies: list[float],
    errors: list[str],
) -> None:
    deadline = time.perf_counter() + seconds
    turns = itertools.cycle(urls)

    async def client() -> None:
        while (start := time.perf_counter()) < deadline:
            try:
                response = await http.get(next(turns))
                if not response.is_success:
                    errors.append(f"{response.status_code} {response.text[:200]}")
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
            latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(client() for _ in range(clients)))


def _summary(latencies: list[float], errors: list[str], elapsed: float) -> dict[str, Any]:
    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

    return {
        "requests": len(ordered),
        "errors": len(errors),
        "first_errors": sorted(set(errors))[:3],
        "requests_per_second": round(len(ordered) / elapsed, 1),
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "max_ms": round(ordered[-1] * 1000, 2) if ordered else 0.0,
    }


async def export_stream(base: str, path: str) -> dict[str, Any]:
    """One NDJSON export, read as it streams: entries, bytes, first byte and total time."""
    started = time.perf_counter()
    first_byte = None
    entries = size = 0
    async with (
        httpx.AsyncClient(base_url=base, timeout=300) as http,
        http.stream("GET", path) as response,
    ):
        async for line in response.aiter_lines():
            first_byte = first_byte or time.perf_counter() - started
            entries += bool(line.strip())
            size += len(line) + 1
        status = response.status_code
    seconds = time.perf_counter() - started
    return {
        "path": path,
        "status": status,
        "entries": entries,
        "megabytes": round(size / 1e6, 2),
        "first_byte_ms": round((first_byte or seconds) * 1000, 1),
        "seconds": round(seconds, 2),
        "entries_per_second": round(entries / seconds, 1) if seconds else 0.0,
    }


def served_paths(base: str) -> set[str]:
    schema = httpx.get(f"{base}/openapi.json", timeout=10).json()
    return {path for path, operations in schema["paths"].items() if "get" in operations}


def goals(measured: dict[str, dict[str, Any]]) -> dict[str, Any]:
    trivial = measured["trivial"]["requests_per_second"]
    reads = {name: m for name, m in measured.items() if name != "trivial" and not m["missing"]}
    for m in reads.values():
        m["share_of_trivial"] = round(m["requests_per_second"] / trivial, 3) if trivial else 0
    live = [m for m in measured.values() if not m["missing"]]
    return {
        "no_errors": all(m["errors"] == 0 for m in live),
        "p99_under_100_ms": all(m["p99_ms"] < GOAL_P99_MS for m in live),
        "reads_at_least_40_percent_of_trivial": all(
            m["share_of_trivial"] >= GOAL_SHARE for m in reads.values()
        ),
        "missing_routes": sorted(name for name, m in measured.items() if m["missing"]),
    }


async def measure(base: str, built: Built, args: argparse.Namespace) -> dict[str, Any]:
    served = served_paths(base)
    measured: dict[str, dict[str, Any]] = {}
    for name, (template, urls) in routes(built).items():
        measured[name] = {"path": urls[0], "missing": template not in served}
        if not measured[name]["missing"]:
            measured[name] |= await load(base, urls, args.clients, args.duration)
    export_path = "/api/v1/export?format=ndjson"
    export: dict[str, Any] = {"path": export_path, "missing": "/api/v1/export" not in served}
    if not export["missing"]:
        export |= await export_stream(base, export_path)
    return {"routes": measured, "export": export, "goals": goals(measured)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per route")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="api-bench-") as tmp:
        workdir = Path(tmp)
        url = args.database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
        started = time.perf_counter()
        built = asyncio.run(build(url, documents=DOCUMENTS, topics=TOPICS, channels=CHANNELS))
        data = {
            "documents": built.documents,
            "topics": len(built.topics),
            "channels": len(built.channels),
            "build_seconds": round(time.perf_counter() - started, 2),
        }
        with serve(url, workdir) as base:
            results = asyncio.run(measure(base, built, args))
    report = {
        "benchmark": "api",
        "database": url.split(":", 1)[0],
        "data": data,
        "clients": args.clients,
        "duration_seconds": args.duration,
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine
        **results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
