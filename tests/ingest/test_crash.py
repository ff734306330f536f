"""Crash test: `tg-parser ingest` killed with SIGKILL at random points, then run to the end.

Each trial starts the real CLI in a subprocess against FakeTelegramWeb (a synthetic
channel of 300 posts with comment threads, served with per-request latency), waits until
a random number of messages is stored, and kills it with SIGKILL — often in the middle of
a transaction. A last run goes to completion. Then every post and comment must be stored
exactly once, with no edit versions, and the cursors must match what is stored.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from subprocess import DEVNULL

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from tg_parser.store.tables import (
    comment_cursors,
    raw_message_versions,
    raw_messages,
    runs,
    sources,
)
from tg_parser.testing import FakeTelegramWeb

pytestmark = pytest.mark.slow  # a real subprocess killed and run again: minutes
POSTS = 300
THREADS = {post: 3 + post % 4 for post in range(7, POSTS + 1, 23)}  # post id -> comments
TOTAL = POSTS + sum(THREADS.values())
TRIALS = 4
CLI = [sys.executable, "-c", "from tg_parser.cli.app import main; main()"]


@pytest.fixture
def web() -> Iterator[FakeTelegramWeb]:
    with FakeTelegramWeb(latency=0.01) as fake:
        fake.add_channel("crashy", POSTS, comments=dict(THREADS))
        yield fake


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    yield engine
    engine.dispose()


def tg_parser(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def started(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*CLI, *args], env=env, stdout=DEVNULL, stderr=DEVNULL)


def stored(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(raw_messages)).scalar_one())


def kill_when(process: subprocess.Popen[bytes], engine: Engine, target: int) -> None:
    """SIGKILL the process once ``target`` messages are stored (or let it finish)."""
    while process.poll() is None and stored(engine) < target:
        time.sleep(0.005)
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()


def test_no_message_is_lost_or_duplicated_across_kills(
    web: FakeTelegramWeb, database_url: str, engine: Engine
) -> None:
    env = dict(os.environ, DATABASE_URL=database_url, TELEGRAM_WEB_BASE_URL=web.base_url)
    env |= {"WEB_REQUEST_DELAY": "0", "LOG_LEVEL": "ERROR"}
    added = tg_parser(env, "sources", "add", "@crashy", "--via", "web", "--include-comments")
    assert added.returncode == 0, added.stderr
    rng = random.Random(20261128)
    for _ in range(TRIALS):
        before = stored(engine)
        kill_when(started(env, "ingest", "--all"), engine, before + rng.randint(1, 120))
    final = tg_parser(env, "ingest", "--all")
    assert final.returncode == 0, final.stderr

    with engine.connect() as conn:
        rows = conn.execute(select(raw_messages.c.message_type, raw_messages.c.message_id)).all()
        versions = conn.execute(select(func.count()).select_from(raw_message_versions))
        source = conn.execute(select(sources)).mappings().one()
        cursors = dict(
            conn.execute(select(comment_cursors.c.post_id, comment_cursors.c.last_comment_id)).all()
        )
        run_states = conn.execute(select(runs.c.status, runs.c.error)).all()
    posts = sorted(i for kind, i in rows if kind == "post")
    comments = sorted(i for kind, i in rows if kind == "comment")
    assert posts == list(range(1, POSTS + 1))
    assert comments == sorted(p * 1000 + j for p, n in THREADS.items() for j in range(1, n + 1))
    assert len(rows) == TOTAL
    assert versions.scalar_one() == 0
    assert (source["high_watermark"], source["backfill_complete"]) == (POSTS, True)
    assert cursors == {p: p * 1000 + n for p, n in THREADS.items()}
    # every killed run was closed as interrupted by the next one; none is left "running"
    assert len(run_states) == TRIALS + 1
    assert all(
        status == "succeeded" or (status == "failed" and error.startswith("interrupted: "))
        for status, error in run_states
    )
