"""`tg-parser schedule list [--json]`, `tg-parser schedule --once`, the scheduler in the
foreground stopped by SIGTERM, and the source settings scheduled runs use."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tg_parser.cli.app import app
from tg_parser.testing import FakeTelegramWeb

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def web(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegramWeb]:
    with FakeTelegramWeb() as fake:
        monkeypatch.setenv("TELEGRAM_WEB_BASE_URL", fake.base_url)
        monkeypatch.setenv("WEB_REQUEST_DELAY", "0")
        monkeypatch.setenv("WEB_RETRY_BACKOFF", "0")
        yield fake


def test_list_without_sources_says_how_to_add_one(cli_env: str) -> None:
    assert invoke("schedule", "list") == (
        0,
        "No sources yet: add one with `tg-parser sources add @channel`.\n",
        "",
    )
    assert json.loads(invoke("schedule", "list", "--json")[1]) == []


def test_list_shows_each_sources_interval_state_and_next_run(cli_env: str) -> None:
    for args in (["@alpha", "--poll-interval", "30m"], ["@beta"]):
        assert invoke("sources", "add", *args, "--via", "web")[0] == 0
    assert invoke("sources", "pause", "beta")[0] == 0

    code, out, _ = invoke("schedule", "list")
    assert code == 0
    rows = {line.split()[1]: line for line in out.splitlines() if line.startswith("│ ")}
    assert "0:30:00" in rows["alpha"] and "due" in rows["alpha"]
    assert "paused" in rows["beta"] and "1:00:00" in rows["beta"]

    listed = json.loads(invoke("schedule", "list", "--json")[1])
    assert [(s["channel_key"], s["state"], s["interval_seconds"]) for s in listed] == [
        ("alpha", "due", 1800),
        ("beta", "paused", 3600),
    ]
    assert "next_run_at" in listed[0] and "next_run_at" not in listed[1]


def test_a_new_source_is_polled_every_the_default_interval(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULE_DEFAULT_POLL_INTERVAL", "7200")
    code, out, _ = invoke("sources", "add", "@alpha", "--via", "web")
    assert code == 0 and "poll every 2:00:00" in out


def test_once_runs_the_due_sources_then_nothing_is_due(
    web: FakeTelegramWeb, tmp_path: Path
) -> None:
    web.add_channel("synth", 12)
    kb = tmp_path / "kb"
    assert invoke("sources", "add", "@synth", "--via", "web", "--export-dir", str(kb))[0] == 0

    code, out, err = invoke("schedule", "--once", "--json")
    assert code == 0, err
    tick = json.loads(out)
    assert [(s["channel"], s["action"]) for s in tick["sources"]] == [("synth", "queued")]
    assert [(r["channel"], r["status"]) for r in tick["runs"]] == [("synth", "succeeded")]
    assert (kb / "manifest.json").exists()

    code, out, _ = invoke("schedule", "--once")
    assert (code, out) == (
        0,
        "No source is due; `tg-parser schedule list` shows when each runs next.\n",
    )
    [listed] = json.loads(invoke("schedule", "list", "--json")[1])
    assert (listed["state"], listed["last_outcome"]) == ("waiting", "succeeded")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--provider", "gpt"], "Error: --provider 'gpt': use one of openai, anthropic"),
        (["--export-dir", "/"], "Error: --export-dir '/' is the root of the file system"),
    ],
)
def test_bad_scheduled_run_settings_are_one_line(cli_env: str, args: list[str], error: str) -> None:
    code, _, err = invoke("sources", "add", "@alpha", "--via", "web", *args)
    assert code == 2
    assert err.startswith(error) and len(err.strip().splitlines()) == 1
    assert json.loads(invoke("sources", "list", "--json")[1]) == []


def test_the_settings_are_shown_and_cleared(cli_env: str, tmp_path: Path) -> None:
    add = ["sources", "add", "@alpha", "--via", "web"]
    assert invoke(*add, "--export-dir", "kb", "--provider", "offline", "--model", "m-1")[0] == 0
    shown = json.loads(invoke("sources", "show", "alpha", "--json")[1])
    assert (shown["export_dir"], shown["provider"], shown["model"]) == (
        str(tmp_path / "kb"),
        "offline",
        "m-1",
    )
    assert invoke(*add, "--export-dir", "", "--provider", "", "--model", "")[0] == 0
    shown = json.loads(invoke("sources", "show", "alpha", "--json")[1])
    assert (shown["export_dir"], shown["provider"], shown["model"]) == (None, None, None)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_stops_the_foreground_scheduler(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'tg.sqlite'}"}
    command = [sys.executable, "-m", "tg_parser", "schedule"]
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as scheduler:
        assert scheduler.stdout is not None and scheduler.stderr is not None
        assert scheduler.stdout.readline() == "Scheduling every 60 s (Ctrl-C stops).\n"
        scheduler.send_signal(signal.SIGTERM)
        assert scheduler.wait(timeout=30) == 143
        assert "Stopped (SIGTERM)" in scheduler.stderr.read()
