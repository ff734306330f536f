"""What the run tests share: an imported sample channel, waiting for a run to end, and
reading a run's server-sent events (plain module, not a test file)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import httpx

from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.store import Database

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CHANNEL = "technotes"
ENDED = {"succeeded", "failed", "cancelled"}


async def import_sample(db: Database, *, comments: bool = False) -> None:
    await import_desktop(db, ImportOptions(path=EXAMPLES / "sample_channel", channel=CHANNEL))
    if comments:
        discussion = EXAMPLES / "sample_channel_discussion"
        await import_desktop(db, ImportOptions(path=discussion, comments_for=CHANNEL))


async def ended(client: httpx.AsyncClient, run_id: str, timeout: float = 120) -> dict[str, Any]:
    """The run once it has ended (polled)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run: dict[str, Any] = (await client.get(f"/api/v1/runs/{run_id}")).json()
        if run["status"] in ENDED:
            return run
        await asyncio.sleep(0.1)
    raise AssertionError(f"run {run_id} did not end in {timeout}s")


async def until_status(
    client: httpx.AsyncClient, run_id: str, status: str, timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run: dict[str, Any] = (await client.get(f"/api/v1/runs/{run_id}")).json()
        if run["status"] == status:
            return run
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} never became {status}")


def parse_events(text: str) -> list[tuple[str, dict[str, Any]]]:
    """``(event, data)`` of each server-sent event in ``text``."""
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.splitlines() if not line.startswith(":")
        )
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events
