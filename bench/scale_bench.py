"""Worker scaling: one queued `process` run shared by 1, 2 and 4 `tg-parser worker`
processes, against the loopback OpenAI server.

For each worker count: a fresh PostgreSQL database (a throwaway database on
TEST_DATABASE_URL's server, dropped afterwards) into which the same synthetic export of
``--messages`` messages is imported; N ``tg-parser worker`` processes start (each with the same
model concurrency, ``--per-worker-concurrency``, and ``WORKER_BATCH_SIZE=--batch-size``);
once all are registered in the queue, ``tg-parser process --queue`` records the run and
the clock runs until the run has ended. The fake model answers after ``--latency``
seconds, so the model is the bottleneck and the database must not be.

Prints one JSON object: messages/s per worker count, the speed-up over one worker, and the
facts that make it a fair run (every message processed once: documents == successful model
calls == messages). Goal (issue 10): a speed-up of at least 3 at 4 workers.

    python bench/scale_bench.py [--messages 2000] [--latency 0.2]
        [--per-worker-concurrency 8] [--batch-size 100] [--workers 1 2 4]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from import_bench import write_export
from migrate_bench import throwaway_database

from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.child import ChildModelServer
from tg_parser.testing.llm.openai import fake_openai, openai_environment

POLL_SECONDS = 0.2


def cli(environment: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tg_parser", *args],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def wait_for_end(url: str, run_id: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT status FROM runs WHERE id = %s", (run_id,)).fetchone()
            if row is not None and row[0] not in ("queued", "running"):
                return str(row[0])
            time.sleep(POLL_SECONDS)


def wait_for_workers(url: str, count: int) -> None:
    """Until ``count`` workers are registered (procrastinate's own table)."""
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            row = conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()
            if row is not None and row[0] >= count:
                return
            time.sleep(POLL_SECONDS)


def facts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:

        def count(query: str) -> int:
            row = conn.execute(query).fetchone()
            return int(row[0]) if row else 0

        return {
            "documents": count("SELECT count(*) FROM processed_documents"),
            "model_calls_ok": count("SELECT count(*) FROM llm_calls WHERE status = 'ok'"),
            "messages_answered_twice": count(
                "SELECT count(*) FROM (SELECT source_ref FROM llm_calls WHERE status = 'ok' "
                "GROUP BY source_ref HAVING count(*) > 1) AS twice"
            ),
        }


def level(args: argparse.Namespace, export: Path, server: ChildModelServer, workers: int) -> Any:
    with throwaway_database() as url:
        environment = os.environ | openai_environment(
            server, LLM_CONCURRENCY=str(args.per_worker_concurrency)
        )
        environment |= {
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
            "WORKER_BATCH_SIZE": str(args.batch_size),
        }
        cli(environment, "import", str(export))
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "tg_parser", "worker", "--concurrency", "1"],
                env=environment,
                stdout=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        try:
            wait_for_workers(url, workers)
            started = time.perf_counter()
            run = json.loads(cli(environment, "process", "--queue", "--json"))
            status = wait_for_end(url, run["id"])
            seconds = time.perf_counter() - started
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
        return {
            "workers": workers,
            "status": status,
            "seconds": round(seconds, 2),
            "messages_per_second": round(args.messages / seconds, 1),
            **facts(url),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--per-worker-concurrency", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        ChildModelServer(fake_openai, answer=analysis_answer, latency=args.latency) as server,
    ):
        export = Path(folder) / "export.json"
        write_export(export, args.messages)
        levels = [level(args, export, server, workers) for workers in args.workers]
    base = levels[0]["messages_per_second"] / levels[0]["workers"]
    for result in levels:
        result["speed_up"] = round(result["messages_per_second"] / base, 2)
    report = {
        "messages": args.messages,
        "latency_seconds": args.latency,
        "per_worker_concurrency": args.per_worker_concurrency,
        "batch_size": args.batch_size,
        "cpu_count": os.cpu_count(),
        "levels": levels,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
