"""API benchmark (issue 9): `tg-parser serve` as a real uvicorn process on loopback.

Builds a knowledge base of 10,000 documents in 100 topics over 10 channels
(``api_bench_data.py``, written through the store), starts ``tg-parser serve`` on it, and
runs 32 concurrent clients (keep-alive connections in one asyncio process, cheap enough not
to set the pace: ``api_bench_client.py``; the server has the other core) for
``--duration`` seconds on each route, in ``--rounds`` turns (so a change of load on a shared
machine hits every route alike): the trivial one (``/health/live``, a static JSON body),
list sources, list documents (page 50, filtered by channel), topic detail and list
channels; then streams one NDJSON export of every entry. Each route reports requests/s,
p50/p99/max latency, errors (a non-2xx answer or a failed request) and its requests/s
relative to the trivial route of the same app in the same run. The machine may be shared:
each route also reports the server's CPU time per request (from /proc), which other work
on the machine does not inflate, and its share of the trivial route by that measure (the
clients' own CPU time per request is there too: when it is above the server's, the clients,
not the server, set the pace of a cheap route).

A route that the checked-out code does not serve (absent from ``/openapi.json``) is reported
as ``"missing": true`` and not measured. Prints one JSON object.

Goals (issue 9): 0 errors, p99 < 100 ms at 32 clients, each read route ≥ 40% of the
trivial route's requests/s.

    python bench/api_bench.py [--duration 10] [--rounds 2] [--clients 32] [--database-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from api_bench_client import Answer, Connection, event_loop_policy
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


@dataclass(frozen=True)
class Server:
    address: tuple[str, int]
    pid: int

    @property
    def base(self) -> str:
        return f"http://{self.address[0]}:{self.address[1]}"

    def cpu_seconds(self) -> float | None:
        """CPU time the server process used so far (None where /proc is not there)."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def serve(url: str, workdir: Path) -> Iterator[Server]:
    """``tg-parser serve`` on a free loopback port until the block ends (then SIGTERM)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # 32 clients from one address would meet the open API's rate limit in a second: the
    # bench measures serving, so the limit is off (API_RATE_LIMIT=0)
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING", "API_RATE_LIMIT": "0"}
    command = [sys.executable, "-m", "tg_parser", "serve", "--host", "127.0.0.1"]
    log = (workdir / "serve.log").open("wb")
    server = subprocess.Popen(
        [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server, workdir / "serve.log")
        yield Server(("127.0.0.1", port), server.pid)
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


@dataclass
class Sample:
    """What the clients saw on one route, over every round."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float | None = 0.0
    client_cpu: float = 0.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)

        def percentile(share: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

        summary = {
            "requests": len(ordered),
            "errors": len(self.errors),
            "first_errors": sorted(set(self.errors))[:3],
            "requests_per_second": round(len(ordered) / self.seconds, 1),
            "p50_ms": percentile(0.50),
            "p99_ms": percentile(0.99),
            "max_ms": round(ordered[-1] * 1000, 2),
        }
        summary["client_cpu_ms_per_request"] = round(self.client_cpu * 1000 / len(ordered), 3)
        if self.server_cpu is not None:
            per_request = self.server_cpu * 1000 / len(ordered)
            summary["server_cpu_ms_per_request"] = round(per_request, 3)
        return summary


async def load(server: Server, urls: list[str], clients: int, seconds: float, into: Sample) -> None:
    """``clients`` concurrent clients requesting ``urls`` in turn for ``seconds``."""
    connections = [await Connection.open(*server.address) for _ in range(clients)]
    try:
        await _run(server, connections, urls, 0.5, Sample())  # warm-up: caches
        cpu_before, started, own = server.cpu_seconds(), time.perf_counter(), time.process_time()
        await _run(server, connections, urls, seconds, into)
        into.seconds += time.perf_counter() - started
        into.client_cpu += time.process_time() - own
        cpu_after = server.cpu_seconds()
    finally:
        for connection in connections:
            connection.close()
    if into.server_cpu is not None and cpu_before is not None and cpu_after is not None:
        into.server_cpu += cpu_after - cpu_before
    else:
        into.server_cpu = None


async def _run(
    server: Server, connections: list[Connection], urls: list[str], seconds: float, into: Sample
) -> None:
    deadline = time.perf_counter() + seconds
    turns = itertools.cycle(urls)

    async def client(index: int) -> None:
        while (start := time.perf_counter()) < deadline:
            try:
                status = await connections[index].get(next(turns))
                if not 200 <= status < 300:
                    into.errors.append(f"status {status}")
            except (Answer, OSError) as exc:
                into.errors.append(f"{type(exc).__name__}: {exc}")
                connections[index] = await Connection.open(*server.address)
            into.latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(client(index) for index in range(len(connections))))


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
    """The GET routes of the app, parameters unnamed (``/api/v1/topics/{}``)."""
    schema = httpx.get(f"{base}/openapi.json", timeout=10).json()
    return {_shape(path) for path, operations in schema["paths"].items() if "get" in operations}


def _shape(template: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", template)


def goals(measured: dict[str, dict[str, Any]], export: dict[str, Any]) -> dict[str, Any]:
    trivial = measured["trivial"]
    reads = {name: m for name, m in measured.items() if name != "trivial" and not m["missing"]}
    for m in reads.values():
        m["share_of_trivial"] = round(m["requests_per_second"] / trivial["requests_per_second"], 3)
        if "server_cpu_ms_per_request" in m:
            cost = trivial["server_cpu_ms_per_request"] / max(m["server_cpu_ms_per_request"], 1e-6)
            m["share_of_trivial_by_cpu"] = round(cost, 3)
    live = [m for m in measured.values() if not m["missing"]]
    missing = [name for name, m in measured.items() if m["missing"]]
    return {
        "no_errors": all(m["errors"] == 0 for m in live) and export.get("status", 200) == 200,
        "p99_under_100_ms": all(m["p99_ms"] < GOAL_P99_MS for m in live),
        "reads_at_least_40_percent_of_trivial": all(
            m["share_of_trivial"] >= GOAL_SHARE for m in reads.values()
        ),
        "missing_routes": missing + (["export"] if export["missing"] else []),
    }


async def measure(server: Server, built: Built, args: argparse.Namespace) -> dict[str, Any]:
    served = served_paths(server.base)
    present = {name: r for name, r in routes(built).items() if _shape(r[0]) in served}
    samples = {name: Sample() for name in present}
    for _ in range(args.rounds):  # routes take turns: a change of load hits them all
        for name, (_template, urls) in present.items():
            await load(server, urls, args.clients, args.duration / args.rounds, samples[name])
    measured: dict[str, dict[str, Any]] = {
        name: {"path": urls[0], "missing": name not in present}
        | (samples[name].summary() if name in present else {})
        for name, (_template, urls) in routes(built).items()
    }
    export_path = "/api/v1/export?format=ndjson"
    export: dict[str, Any] = {"path": export_path, "missing": "/api/v1/export" not in served}
    if not export["missing"]:
        export |= await export_stream(server.base, export_path)
    return {"routes": measured, "export": export, "goals": goals(measured, export)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per route")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument(
        "--rounds", type=int, default=2, help="turns each route takes (its seconds split)"
    )
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
        with (
            serve(url, workdir) as server,
            asyncio.Runner(loop_factory=event_loop_policy()) as runner,
        ):
            results = runner.run(measure(server, built, args))
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
