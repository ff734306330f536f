"""`tg-parser serve` as a real process: create a key, upload the sample export, run the
pipeline following its events, read a topic, download the export zip, then SIGTERM cancels
a running run and the server exits cleanly; a server killed with SIGKILL leaves its run to
be closed as failed when the next one starts."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import httpx
import pytest

from tg_parser.testing.llm.openai import fake_openai, openai_environment
from tg_parser.testing.llm.server import FakeModelServer

from .runs_helpers import CHANNEL, EXAMPLES

pytestmark = pytest.mark.slow

ENDED = {"succeeded", "failed", "cancelled"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """`tg-parser serve` in a subprocess, and a client of it."""

    def __init__(self, tmp_path: Path, model: FakeModelServer) -> None:
        self.tmp_path = tmp_path
        self.port = free_port()
        self.env = (
            os.environ
            | openai_environment(model, LLM_CONCURRENCY="1")
            | {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite'}",
                "API_EXPORT_DIR": str(tmp_path / "exports"),
                "API_UPLOAD_DIR": str(tmp_path),
                "LOG_LEVEL": "WARNING",
            }
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}/api/v1", timeout=30)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        command = [sys.executable, "-m", "tg_parser", "serve", "--port", str(self.port)]
        self.log = (self.tmp_path / f"serve-{self.port}.log").open("ab")
        self.process = subprocess.Popen(command, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.client.get("/runs")
                return self
            except httpx.TransportError:
                assert self.process.poll() is None, self.output()
                time.sleep(0.2)
        raise AssertionError("serve did not answer in 60 s")

    def stop(self, sig: signal.Signals, timeout: float = 60) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self.log.close()
        return code

    def run(self, run_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.get(f"/runs/{run_id}").json()
        return found

    def until(self, run_id: str, done: Any, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = self.run(run_id)
            if done(run):
                return run
            time.sleep(0.1)
        raise AssertionError(f"run {run_id}: {self.run(run_id)}")

    def events(self, run_id: str) -> list[tuple[str, dict[str, Any]]]:
        """The run's events, followed until its `end`."""
        found: list[tuple[str, dict[str, Any]]] = []
        with self.client.stream("GET", f"/runs/{run_id}/events", timeout=300) as response:
            name = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    name = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    found.append((name, json.loads(line.removeprefix("data: "))))
        return found

    def create_key(self) -> None:
        """`tg-parser keys create` beside the running server; the client sends the key."""
        command = [sys.executable, "-m", "tg_parser", "keys", "create", "ci", "--scope", "admin"]
        made = subprocess.run(command, env=self.env, capture_output=True, text=True, check=True)
        self.client.headers["Authorization"] = f"Bearer {made.stdout.strip()}"

    def refuses_requests_without_the_key(self) -> None:
        """Once the server has seen the new key (within API_KEY_CACHE_SECONDS)."""
        deadline = time.monotonic() + 30
        while httpx.get(f"{self.client.base_url}runs").status_code != 401:
            assert time.monotonic() < deadline, "the API stayed open after a key was made"
            time.sleep(0.2)
        assert self.client.get("/runs").status_code == 200

    def output(self) -> str:
        return (self.tmp_path / f"serve-{self.port}.log").read_text(errors="replace")

    def close(self) -> None:
        self.client.close()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process is not None:
            self.log.close()


@pytest.fixture
def model() -> Iterator[FakeModelServer]:
    with fake_openai(latency=0.5) as server:
        yield server


@pytest.fixture
def server(tmp_path: Path, model: FakeModelServer) -> Iterator[Server]:
    started = Server(tmp_path, model).start()
    try:
        yield started
    finally:
        started.close()


def upload_sample(server: Server) -> dict[str, Any]:
    sample = (EXAMPLES / "sample_channel" / "result.json").read_bytes()
    response = server.client.post(
        "/imports", files={"file": ("result.json", sample)}, data={"channel": CHANNEL}
    )
    assert response.status_code == 202, response.text
    accepted: dict[str, Any] = response.json()
    return accepted


def slow_process(server: Server) -> dict[str, Any]:
    """A `process` run through the slow model, once it is working."""
    body = {"stage": "process", "channel": CHANNEL, "force": True}
    response = server.client.post("/runs", json=body)
    assert response.status_code == 202, response.text
    return server.until(response.json()["id"], lambda r: r["counters"].get("processed"))


def test_serve_imports_runs_the_pipeline_and_sigterm_cancels_a_running_run(
    server: Server, tmp_path: Path
) -> None:
    server.create_key()
    server.refuses_requests_without_the_key()
    imported = upload_sample(server)
    assert server.events(imported["id"])[-1][1]["status"] == "succeeded"
    body = {"stage": "run", "channel": CHANNEL, "provider": "offline"}
    started = server.client.post("/runs", json=body).json()
    events = server.events(started["id"])
    name, end = events[-1]
    assert name == "end" and end["status"] == "succeeded", end
    assert any(event["progress"] for _, event in events[:-1])  # progress on the way
    run = server.run(started["id"])
    assert [stage["stage"] for stage in run["stages"]] == ["process", "topics", "export"]
    assert run["counters"]["messages_processed"] == 165 and run["counters"]["topics"] > 0
    entries = (tmp_path / "exports" / "kb" / "kb_entries.ndjson").read_text(encoding="utf-8")
    assert sum(json.loads(line)["source"]["type"] == "topic" for line in entries.splitlines())
    read_a_topic(server)
    download_the_export(server)
    working = slow_process(server)
    # uvicorn shuts down, then ends by the signal it caught (as a stopped service should)
    assert server.stop(signal.SIGTERM) == -signal.SIGTERM
    assert "Traceback" not in server.output(), server.output()
    assert _status_in_db(tmp_path, working["id"]) == ("cancelled", None)


def read_a_topic(server: Server) -> None:
    topics = server.client.get(f"/channels/{CHANNEL}/topics").json()["items"]
    topic = server.client.get(f"/topics/{topics[0]['id']}").json()
    assert topic["card"]["title"] and topic["items"]
    assert all(
        item["text"] and item["telegram_url"].startswith("https://t.me/") for item in topic["items"]
    )


def download_the_export(server: Server) -> None:
    response = server.client.get("/export", params={"format": "zip"})
    assert response.status_code == 200, response.text
    names = zipfile.ZipFile(BytesIO(response.content)).namelist()
    assert {"manifest.json", "kb_entries.ndjson", "topics.json"} <= set(names)
    assert any(name.startswith("topic_") for name in names)


def test_a_run_of_a_killed_server_is_closed_failed_when_serve_starts_again(
    server: Server, tmp_path: Path, model: FakeModelServer
) -> None:
    imported = upload_sample(server)
    server.until(imported["id"], lambda r: r["status"] in ENDED)
    working = slow_process(server)
    server.stop(signal.SIGKILL)
    assert _status_in_db(tmp_path, working["id"])[0] == "running"
    again = Server(tmp_path, model).start()
    try:
        closed = again.run(working["id"])
        assert closed["status"] == "failed"
        assert closed["error"].startswith("interrupted: process")
        assert again.client.post("/runs", json={"stage": "export"}).status_code == 202
    finally:
        again.close()


def _status_in_db(tmp_path: Path, run_id: str) -> tuple[str, str | None]:
    import sqlite3

    with sqlite3.connect(tmp_path / "kb.sqlite") as conn:
        status, error = conn.execute(
            "SELECT status, error FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
    return status, error if status != "cancelled" else None
