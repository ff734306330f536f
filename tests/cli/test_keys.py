"""`tg-parser keys …` and `serve`'s refusal to open the API to other machines, through the
real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tg_parser.cli.app import app
from tg_parser.keys import tokens


def tg(*args: str) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args))


def listed() -> list[dict[str, Any]]:
    result = tg("keys", "list", "--json")
    assert result.exit_code == 0, result.output
    rows: list[dict[str, Any]] = json.loads(result.stdout)
    return rows


def test_create_prints_the_key_once_and_list_never_does(cli_env: str) -> None:
    created = tg("keys", "create", "ops", "--scope", "admin")
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert tokens.prefix_of(key) is not None  # stdout is the key alone: KEY=$(tg-parser …)
    assert "shown only now" in created.stderr
    table = tg("keys", "list")
    assert table.exit_code == 0 and "ops" in table.stdout and key not in table.stdout
    [row] = listed()
    assert row["name"] == "ops" and row["status"] == "active" and key not in json.dumps(row)
    assert row["prefix"] == tokens.shown(tokens.prefix_of(key) or "")


def test_create_json_holds_the_key_and_its_reach(cli_env: str) -> None:
    assert tg("sources", "add", "@alpha").exit_code == 0
    result = tg(
        "keys", "create", "bot", "--scope", "read", "--channel", "t.me/alpha",
        "--expires", "2099-01-31", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert tokens.prefix_of(created["key"]) is not None
    assert created["channels"] == ["alpha"] and created["scope"] == "read"
    assert created["expires_at"] == "2099-01-31T00:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--scope", "admin", "--channel", "nosuch"], 3, "no channel 'nosuch'"),
        (["--scope", "admin", "--expires", "2020-01-01"], 2, "is in the past"),
        (["--scope", "admin", "--expires", "soon"], 2, "is not a date"),
        (["--scope", "root"], 2, "root"),
    ],
)
def test_create_refuses_bad_input(cli_env: str, args: list[str], code: int, message: str) -> None:
    result = tg("keys", "create", "ops", *args)
    assert result.exit_code == code and message in result.output
    assert listed() == []


def test_revoke(cli_env: str) -> None:
    tg("keys", "create", "ops", "--scope", "read")
    result = tg("keys", "revoke", "ops")
    assert result.exit_code == 0 and "'ops' is revoked" in result.stdout
    assert [row["status"] for row in listed()] == ["revoked"]
    unknown = tg("keys", "revoke", "nobody")
    assert unknown.exit_code == 3 and "no key 'nobody'" in unknown.output


def test_list_with_no_keys_says_the_api_is_open(cli_env: str) -> None:
    result = tg("keys", "list")
    assert result.exit_code == 0 and "No keys" in result.stdout


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "::"])
def test_serve_refuses_another_host_with_no_key(cli_env: str, host: str) -> None:
    tg("keys", "create", "gone", "--scope", "admin")
    tg("keys", "revoke", "gone")  # a revoked key is no key
    result = tg("serve", "--host", host, "--port", "1")
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "`tg-parser keys create NAME --scope admin`" in lines[0]
