"""Dropping a PostgreSQL database's connections from outside, as an operator or a failover
would: ``pg_terminate_backend`` on the server."""

from __future__ import annotations

import time

import psycopg
from sqlalchemy.engine import make_url

OTHERS = "datname = current_database() AND pid <> pg_backend_pid()"
# inside a transaction pg_stat_activity is a snapshot taken at its first read: take anew
FRESH = "SELECT pg_stat_clear_snapshot()"


def admin(url: str) -> psycopg.Connection:
    """A connection of the test's own to the database of ``url`` (autocommit)."""
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(plain, autocommit=True)


def terminate_others(conn: psycopg.Connection) -> int:
    """Terminate every other connection to ``conn``'s database; how many there were."""
    conn.execute(FRESH)
    rows = conn.execute(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE {OTHERS}")
    return len(rows.fetchall())


def wait_for_lock_waiter(conn: psycopg.Connection, timeout: float = 30.0) -> int:
    """The pid of another connection to the database once one waits for a lock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn.execute(FRESH)
        query = f"SELECT pid FROM pg_stat_activity WHERE {OTHERS} AND wait_event_type = 'Lock'"
        if row := conn.execute(query).fetchone():
            return int(row[0])
        time.sleep(0.02)
    raise AssertionError(f"no connection waited for a lock within {timeout}s")
