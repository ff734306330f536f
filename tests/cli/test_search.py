"""`tg-parser search` through the real Typer app, on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import kb_sample
from tg_parser.cli.app import app

runner = CliRunner()


@pytest.fixture
async def sample(cli_env: str) -> str:
    await kb_sample.build_at(cli_env)
    return cli_env


def test_search_prints_results_with_links(sample: str) -> None:
    result = runner.invoke(app, ["search", "эспрессо-тоник", "--limit", "3"])
    assert result.exit_code == 0, result.stderr
    assert "1. technotes · post 71" in result.stdout
    assert "https://t.me/technotes/71" in result.stdout
    assert "Coffee" in result.stdout


def test_search_json_with_filters(sample: str) -> None:
    args = ["search", "Chemex V60", "--kind", "comment", "--lang", "ru", "--json"]
    args += ["--since", "2025-01-01", "--until", "2026-12-31", "--mode", "lexical"]
    result = runner.invoke(app, [*args, "--channel", "@technotes", "--limit", "5"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mode"] == "lexical" and data["filters"]["kind"] == "comment"
    assert data["hits"] and all(h["message_type"] == "comment" for h in data["hits"])
    assert {"source_ref", "channel", "date", "url", "snippet", "scores"} <= set(data["hits"][0])


def test_nothing_found_is_said(sample: str) -> None:
    result = runner.invoke(app, ["search", "zzyzx", "--mode", "lexical"])
    assert result.exit_code == 0, result.stderr
    assert "Nothing found" in result.stdout


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["", "--mode", "lexical"], 2),
        (["x" * 2000, "--mode", "lexical"], 2),
        (["кофе", "--mode", "fuzzy"], 2),
        (["кофе", "--kind", "story"], 2),
        (["кофе", "--lang", "russian"], 2),
        (["кофе", "--since", "yesterday"], 2),
        (["кофе", "--limit", "0"], 2),
        (["кофе", "--channel", "@nope", "--mode", "lexical"], 3),
        (["кофе", "--topic", "topic:nope", "--mode", "lexical"], 3),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(sample: str, args: list[str], code: int) -> None:
    result = runner.invoke(app, ["search", *args])
    assert result.exit_code == code, result.stdout
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("query", ['"', "*", "NEAR", "-", ":", "'; DROP TABLE sources; --"])
def test_query_syntax_gives_results_not_errors(sample: str, query: str) -> None:
    result = runner.invoke(app, ["search", query, "--mode", "lexical", "--json"])
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads(result.stdout)["hits"], list)
