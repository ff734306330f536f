"""`tg-parser serve` as a real process over a knowledge base built for it, and the system
Chromium to drive with Playwright (plain module, not a test file)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

INSTALL_HINT = "Chromium is missing: install it with `apt-get install -y chromium`"


def chromium() -> str:
    """The system Chromium (Playwright cannot download its own browsers here): its path,
    else a skip saying how to install it — a failure under ``CI=true``."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(INSTALL_HINT)
    pytest.skip(INSTALL_HINT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(database_url: str, log: Path) -> Iterator[str]:
    """The base URL of `tg-parser serve` over ``database_url``, stopped after the block."""
    port = free_port()
    env = os.environ | {
        "DATABASE_URL": database_url,
        "API_KEY_CACHE_SECONDS": "0",  # a key the test creates counts at once
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "tg_parser", "serve", "--port", str(port)]
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, process, log)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/health/live", timeout=5)
            return
        except httpx.TransportError:
            assert process.poll() is None, log.read_text(encoding="utf-8")
            time.sleep(0.2)
    raise AssertionError("serve did not answer in 60 s")
