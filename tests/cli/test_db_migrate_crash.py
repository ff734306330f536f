"""`tg-parser db migrate` killed with SIGKILL in the middle of a table, then run again: the
killed copy leaves only whole tables behind, and the second run copies the rest and
verifies equal. (A file of its own: every test here is a slow subprocess test.)"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tg_parser.store.tables import metadata

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
CLI = [sys.executable, "-c", "from tg_parser.cli.app import main; main()"]
TABLES = [table.name for table in metadata.sorted_tables]
EXTRA_MESSAGES = 40_000


def add_messages(path: Path, count: int) -> None:
    """Make the source's raw_messages long enough to be caught in the middle of its copy."""
    stamp = "2026-01-01 12:00:00.000000"
    rows = [
        (
            f"tg:bulk:post:{n}", "bulk", "post", n, n, stamp, f"message {n} " + "text " * 120,
            json.dumps({"id": n, "views": n * 3, "tags": ["bulk", str(n)]}), f"{n:064x}",
            1, stamp, stamp,
        )
        for n in range(1, count + 1)
    ]  # fmt: skip
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO raw_messages (source_ref, channel_id, message_type, message_id, "
            "thread_id, date, text, raw_payload, content_hash, version, first_seen_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    conn.close()


def counts(path_or_url: Path | str) -> dict[str, int]:
    if isinstance(path_or_url, Path):
        with sqlite3.connect(path_or_url) as lite:
            found = {t: lite.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        lite.close()
        return found
    with psycopg.connect(path_or_url) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def copying(url: str, table: str) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'active' AND query LIKE %s",
            (f"COPY {table} %",),
        ).fetchone()
    return bool(row and row[0])


def test_a_migrate_killed_mid_table_and_run_again_ends_equal(
    pipeline_sqlite: Path, empty_postgres_url: str
) -> None:
    add_messages(pipeline_sqlite, EXTRA_MESSAGES)
    arguments = ["db", "migrate", "--from", str(pipeline_sqlite), "--to", empty_postgres_url]
    process = subprocess.Popen(
        [*CLI, *arguments, "--batch-size", "200"],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while process.poll() is None and not copying(empty_postgres_url, "raw_messages"):
        assert time.monotonic() < deadline, "raw_messages was never being copied"
        time.sleep(0.02)
    assert process.poll() is None, "the copy ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)

    source, held = counts(pipeline_sqlite), counts(empty_postgres_url)
    assert all(held[t] in (0, source[t]) for t in TABLES), held  # only whole tables
    assert held["raw_messages"] == 0 and held["embeddings"] == source["embeddings"]

    again = subprocess.run(
        [*CLI, *arguments, "--json"], env=dict(os.environ), capture_output=True, text=True
    )

    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["verification"]["equal"] is True
    actions = {plan["table"]: plan["action"] for plan in report["tables"]}
    assert actions["embeddings"] == "skip" and actions["raw_messages"] == "copy"
    assert counts(empty_postgres_url) == source
