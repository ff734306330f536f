"""`tg-parser process` through the real Typer app and the offline provider."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tg_parser.cli.app import app
from tg_parser.llm.providers import OFFLINE_NOTICE

EXPORTS = Path(__file__).parents[1] / "data" / "export"
CHANNEL = EXPORTS / "discussion_channel.json"
GROUP = EXPORTS / "discussion_group.json"
OLD_FORMAT = EXPORTS / "en_private_channel_test_oldformat_2021_19msgs.json"
GARDEN, OLD = 9, 18
SAMPLE = Path(__file__).parents[2] / "examples"

runner = CliRunner()


@pytest.fixture
def imported(cli_env: str) -> None:
    for args in (
        [str(CHANNEL), "--channel", "@garden_notes"],
        [str(GROUP), "--comments-for", "@garden_notes"],
        [str(OLD_FORMAT)],
    ):
        assert runner.invoke(app, ["import", *args]).exit_code == 0


def _process(*args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["process", *args, "--json"])
    assert result.exit_code == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def test_process_prints_a_summary_and_says_once_that_it_works_offline(imported: None) -> None:
    result = runner.invoke(app, ["process"])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count(OFFLINE_NOTICE) == 1
    assert f"Processed {GARDEN + OLD} messages with offline" in result.stdout
    assert "failed: 0, skipped: 0" in result.stdout
    again = runner.invoke(app, ["process"])
    assert "Processed 0 messages" in again.stdout
    assert f"skipped: {GARDEN + OLD}" in again.stdout


def test_an_explicit_offline_provider_is_not_announced(
    imported: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_PROVIDER", "offline")
    result = runner.invoke(app, ["process", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert OFFLINE_NOTICE not in result.stderr


def test_json_report_and_the_run_it_records(imported: None) -> None:
    report = _process("--channel", "@garden_notes")
    assert report["provider"] == "offline"
    assert report["dry_run"] is False
    assert report["channels"] == {"garden_notes": GARDEN}
    counters = report["counters"]
    assert (counters["processed"], counters["failed"], counters["skipped"]) == (GARDEN, 0, 0)
    shown = runner.invoke(app, ["runs", "show", str(report["run_id"]), "--json"])
    run = json.loads(shown.stdout)
    assert (run["stage"], run["status"], run["scope"]) == (
        "process",
        "succeeded",
        {"channel": "@garden_notes"},
    )
    assert run["counters"] == counters


def test_force_and_limit(imported: None) -> None:
    first = _process("--limit", "5")["counters"]
    assert (first["processed"], first["skipped"]) == (5, GARDEN + OLD - 5)
    assert _process("--all")["counters"]["processed"] == GARDEN + OLD - 5
    assert _process("--force", "--channel", "@garden_notes")["counters"]["processed"] == GARDEN


def test_dry_run_lists_channels_and_writes_nothing(imported: None) -> None:
    result = runner.invoke(app, ["process", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert f"Dry run, nothing written: {GARDEN + OLD} messages to process" in result.stdout
    assert "garden_notes" in result.stdout and "-1001292077344" in result.stdout
    report = _process("--dry-run")
    assert report["channels"] == {"-1001292077344": OLD, "garden_notes": GARDEN}
    assert "run_id" not in report
    runs = json.loads(runner.invoke(app, ["runs", "list", "--stage", "process", "--json"]).stdout)
    assert runs == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--channel", "@garden_notes", "--all"], 2, "give --channel CHANNEL or --all, not both"),
        (["--channel", "@nobody"], 3, "no channel 'nobody' (known: -1001292077344, garden_notes)"),
    ],
)
def test_bad_input_is_one_line(imported: None, args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, ["process", *args])
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_the_summary_breaks_the_noise_down_by_kind(cli_env: str) -> None:
    """The bundled sample: ads (erid, #реклама), greetings, media without text, one-liners."""
    for args in (
        [str(SAMPLE / "sample_channel")],
        [str(SAMPLE / "sample_channel_discussion"), "--comments-for", "-1001987654321"],
    ):
        assert runner.invoke(app, ["import", *args]).exit_code == 0
    result = runner.invoke(app, ["process"])
    assert result.exit_code == 0, result.stderr
    assert (
        "noise: 26 (10 ads, 6 greetings, 6 media only, 2 notices, 2 one-liners), failed: 0"
        in result.stdout
    )

    report = _process("--force")
    assert report["noise_reasons"] == {
        "advertising": 10,
        "cross_promotion": 0,  # the sample's channel recommendation is labelled #реклама
        "giveaway": 0,
        "greeting": 6,
        "notice": 2,
        "navigation": 0,
        "unreadable": 0,
        "one_liner": 2,
        "media_only": 6,
        "empty": 0,
        "other": 0,
    }
    assert sum(report["noise_reasons"].values()) == report["counters"]["noise"]
