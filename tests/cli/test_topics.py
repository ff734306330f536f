"""`tg-parser topics` on SQLite and PostgreSQL, with the real local embedding model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tg_parser.cli.app import app

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample_channel"
runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def processed(cli_env: str) -> None:
    invoke("import", str(SAMPLE))
    invoke("process")


def test_build_list_show_and_rebuild(processed: None) -> None:
    report = json.loads(invoke("topics", "build", "--json"))
    assert report["counters"]["topics_total"] >= 5
    assert "Built" in invoke("topics", "build")
    topics = json.loads(invoke("topics", "list", "--json"))
    assert len(topics) == report["counters"]["topics_total"]
    assert {"id", "type", "title", "anchors", "items"} <= set(topics[0])
    shown = json.loads(invoke("topics", "show", topics[0]["id"], "--json"))
    assert shown["card"]["id"] == shown["bundle"]["topic_id"] == topics[0]["id"]
    assert topics[0]["title"] in invoke("topics", "show", topics[0]["id"])
    assert topics[0]["id"] in invoke("topics", "list", "--channel", "-1001987654321")


def test_targets_add_list_remove(processed: None) -> None:
    assert "Added target 1" in invoke("topics", "target", "add", "How to brew pour-over coffee?")
    invoke("topics", "build", "--max-topics", "2")
    [target] = json.loads(invoke("topics", "target", "list", "--json"))
    assert target["subject"] == "How to brew pour-over coffee?" and target["items"] >= 1
    assert "pour-over" in invoke("topics", "target", "list")
    invoke("topics", "target", "remove", "1")
    assert json.loads(invoke("topics", "target", "list", "--json")) == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["topics", "show", "topic:tg:nosuch:post:1"], 3, "no topic"),
        (["topics", "target", "remove", "9"], 3, "no topic target 9"),
        (["topics", "target", "add", "   "], 2, "the subject is empty"),
    ],
)
def test_errors_are_one_line(cli_env: str, args: list[str], code: int, message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == code
    assert message in result.output
