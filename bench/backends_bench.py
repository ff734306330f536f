"""PostgreSQL next to SQLite: the same export imported, processed and grouped on both.

Writes one synthetic Telegram Desktop export (``import_bench.write_export``), then runs
the real CLI in child processes on a fresh SQLite file and on a fresh PostgreSQL database
(a throwaway database on TEST_DATABASE_URL's server, dropped afterwards), one backend after
the other, in the same run:

- ``tg-parser import`` of the whole export;
- ``tg-parser process --provider offline`` of every message;
- ``tg-parser topics build`` (embeddings, clusters, cards);
- ``tg-parser process`` of the first ``--model-messages`` messages of another database
  through the loopback OpenAI server (``--latency`` seconds per answer, concurrency
  ``--concurrency``): the database's share of a model-bound run.

Prints one JSON object: seconds and messages/s of each step on each backend, and
PostgreSQL's speed as a share of SQLite's.

    python bench/backends_bench.py [--messages 20000] [--model-messages 2000]
        [--latency 0.05] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from import_bench import write_export
from migrate_bench import throwaway_database

from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.child import ChildModelServer
from tg_parser.testing.llm.openai import fake_openai, openai_environment

STEPS = ("import", "process_offline", "topics_build", "process_model")


def tg_parser(url: str, *args: str, **env: str) -> float:
    """Seconds the CLI took for ``args`` on the database at ``url``."""
    environment = os.environ | {"DATABASE_URL": url, "LOG_LEVEL": "WARNING"} | env
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "tg_parser", *args],
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


@contextmanager
def databases(kind: str, folder: Path) -> Iterator[tuple[str, str]]:
    """Two fresh databases of ``kind``: one for the offline steps, one for the model's."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'offline.sqlite'}", f"sqlite:///{folder / 'model.sqlite'}"
        return
    with throwaway_database() as offline, throwaway_database() as model:
        yield offline, model


def backend(kind: str, args: argparse.Namespace, exports: dict[str, Path], folder: Path) -> Any:
    with (
        databases(kind, folder) as (offline, model),
        ChildModelServer(fake_openai, answer=analysis_answer, latency=args.latency) as server,
    ):
        seconds = {
            "import": tg_parser(offline, "import", str(exports["offline"])),
            "process_offline": tg_parser(offline, "process", "--provider", "offline"),
            "topics_build": tg_parser(offline, "topics", "build", LLM_PROVIDER="offline"),
        }
        tg_parser(model, "import", str(exports["model"]))
        environment = openai_environment(server)
        seconds["process_model"] = tg_parser(
            model, "process", "--concurrency", str(args.concurrency), **environment
        )
    counts = {step: args.messages for step in STEPS} | {"process_model": args.model_messages}
    return {
        step: {
            "seconds": round(seconds[step], 2),
            "messages_per_second": round(counts[step] / seconds[step], 1),
        }
        for step in STEPS
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--model-messages", type=int, default=2_000)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        exports = {"offline": folder / "offline.json", "model": folder / "model.json"}
        write_export(exports["offline"], args.messages)
        write_export(exports["model"], args.model_messages, seed=11)
        results = {kind: backend(kind, args, exports, folder) for kind in ("sqlite", "postgresql")}
    ratios = {
        step: round(
            results["postgresql"][step]["messages_per_second"]
            / results["sqlite"][step]["messages_per_second"],
            2,
        )
        for step in STEPS
    }
    report = {
        "messages": args.messages,
        "model_messages": args.model_messages,
        "latency_seconds": args.latency,
        "concurrency": args.concurrency,
        "cpu_count": os.cpu_count(),
        **results,
        "postgresql_to_sqlite": ratios,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
