"""`tg-parser ingest` through the real Typer app and WebSource against FakeTelegramWeb."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from tg_parser.cli.app import app
from tg_parser.testing import FakeTelegramWeb

runner = CliRunner()


@pytest.fixture
def web(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegramWeb]:
    with FakeTelegramWeb() as fake:
        monkeypatch.setenv("TELEGRAM_WEB_BASE_URL", fake.base_url)
        monkeypatch.setenv("WEB_REQUEST_DELAY", "0")
        monkeypatch.setenv("WEB_RETRY_BACKOFF", "0")
        yield fake


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def add(*args: str) -> None:
    code, _, err = invoke("sources", "add", *args)
    assert code == 0, err


def report(*args: str) -> dict:
    code, out, err = invoke("ingest", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_ingest_collects_a_channel_then_only_what_is_new(web: FakeTelegramWeb) -> None:
    channel = web.add_channel("synth", 45, comments={44: 3})
    add("@synth", "--via", "web", "--include-comments")
    first = report("--all")
    channel.posts = 47
    second = report("--source", "synth")

    assert first["counters"]["posts_inserted"] == 45
    assert first["counters"]["comments_inserted"] == 3
    assert first["sources"][0]["outcome"] == "collected"
    assert second["counters"]["posts_inserted"] == 2
    shown = json.loads(invoke("sources", "show", "synth", "--json")[1])
    assert (shown["high_watermark"], shown["posts"], shown["comments"]) == (47, 47, 3)
    assert (shown["title"], shown["subscribers"]) == ("Synthetic Channel", 1200)
    assert [a["status"] for a in shown["attempts"]] == ["succeeded", "succeeded"]
    run = json.loads(invoke("runs", "show", first["run_id"], "--json")[1])
    assert run["counters"]["sources_collected"] == 1


def test_ingest_prints_a_summary_per_source(web: FakeTelegramWeb) -> None:
    web.add_channel("synth", 5)
    add("@synth", "--via", "web")
    add("@quiet", "--via", "web")
    invoke("sources", "pause", "quiet")
    code, out, _ = invoke("ingest", "--all")

    assert code == 0
    assert "synth: 5 new posts, 0 new comments, 0 edited, 0 unchanged" in out
    assert "quiet: skipped: paused (`tg-parser sources resume quiet`)" in out
    assert "Collected 1 of 2 sources" in out


def test_a_failed_source_exits_non_zero_after_the_others(web: FakeTelegramWeb) -> None:
    web.add_channel("synth", 5)
    add("@missing", "--via", "web")
    add("@synth", "--via", "web")
    code, out, err = invoke("ingest", "--all", "--json")

    assert code == 5
    outcomes = {s["channel"]: s["outcome"] for s in json.loads(out)["sources"]}
    assert outcomes == {"missing": "failed", "synth": "collected"}
    assert "1 of 2 sources failed (missing)" in err
    shown = json.loads(invoke("sources", "show", "missing", "--json")[1])
    assert shown["status"] == "error"
    assert "no public channel @missing" in shown["status_reason"]
    assert shown["fail_count"] == 1


def test_limit_and_window_options(web: FakeTelegramWeb) -> None:
    web.add_channel("synth", 60)  # post i is dated 2026-01-01 + i hours
    add("@synth", "--via", "web")
    limited = report("--all", "--limit", "7")
    windowed = report(
        "--source", "synth", "--since", "2026-01-02T00:00:00", "--until", "2026-01-02T05:00:00"
    )

    assert limited["counters"]["posts_inserted"] == 7
    assert windowed["counters"]["posts_inserted"] == 6  # posts 24..29


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "exported"], "tg-parser import"),
        ([], "--source CHANNEL"),
        (["--source", "nobody"], "no source 'nobody'"),
    ],
)
def test_bad_selections(web: FakeTelegramWeb, args: list[str], message: str) -> None:
    add("@exported", "--via", "export")
    code, _, err = invoke("ingest", *args)

    assert code in (2, 3)
    assert message in err


@pytest.mark.parametrize(
    ("credentials", "via"),
    [
        ({}, "web"),
        ({"TELEGRAM_API_ID": "1", "TELEGRAM_API_HASH": "h"}, "web"),  # no session yet
        (
            {"TELEGRAM_API_ID": "1", "TELEGRAM_API_HASH": "h", "TELEGRAM_SESSION_STRING": "s"},
            "telegram",
        ),
    ],
)
def test_new_sources_go_through_telegram_when_it_is_configured(
    cli_env: str, monkeypatch: pytest.MonkeyPatch, credentials: dict[str, str], via: str
) -> None:
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    add("@fresh")
    add("@fresh", "--include-comments")

    assert json.loads(invoke("sources", "show", "fresh", "--json")[1])["via"] == via
