"""`tg-parser sources …` through the real CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tg_parser.cli.app import app
from tg_parser.config import Settings
from tg_parser.store.database import Database


def tg(*args: str, input: str | None = None) -> Result:
    return CliRunner(env={"COLUMNS": "200"}).invoke(app, list(args), input=input)


def as_json(*args: str) -> Any:
    result = tg(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def set_watermark(database_url: str, key: str, message_id: int) -> None:
    async def work() -> None:
        db = await Database.open(Settings(database_url=database_url))
        try:
            async with db.transaction() as repos:
                source = await repos.sources.get(key)
                assert source is not None
                await repos.sources.advance_watermark(source.id, message_id)
                attempt = await repos.sources.start_attempt(source.id, run_id="r1")
                await repos.sources.finish_attempt(attempt, stored=4)
        finally:
            await db.close()

    asyncio.run(work())


@pytest.mark.parametrize(
    ("channel", "key"),
    [
        ("@Durov", "durov"),
        ("durov", "durov"),
        ("https://t.me/durov", "durov"),
        ("t.me/s/durov", "durov"),
        ("-1001234567890", "-1001234567890"),
    ],
)
def test_add_accepts_every_channel_form(cli_env: str, channel: str, key: str) -> None:
    result = tg("sources", "add", channel)

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Source {key} added: via web, posts only")
    assert [s["channel_key"] for s in as_json("sources", "list")] == [key]


def test_add_with_every_option(cli_env: str) -> None:
    result = tg(
        "sources",
        "add",
        "alpha",
        "--via",
        "telegram",
        "--include-comments",
        "--since",
        "2024-01-01",
        "--until",
        "2024-06-30T12:00:00+02:00",
        "--poll-interval",
        "30m",
    )

    assert result.exit_code == 0, result.output
    source = as_json("sources", "show", "alpha")
    assert (source["via"], source["include_comments"]) == ("telegram", True)
    assert source["history_from"] == "2024-01-01T00:00:00Z"
    assert source["history_to"] == "2024-06-30T10:00:00Z"
    assert source["poll_interval_seconds"] == 1800


def test_re_add_updates_settings_and_keeps_cursors(cli_env: str) -> None:
    tg("sources", "add", "alpha", "--via", "telegram", "--poll-interval", "1h")
    set_watermark(cli_env, "alpha", 812)

    result = tg("sources", "add", "@alpha", "--include-comments")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Source alpha updated: via telegram, with comments")
    source = as_json("sources", "show", "alpha")
    assert source["high_watermark"] == 812
    assert (source["via"], source["poll_interval_seconds"]) == ("telegram", 3600)
    assert source["last_success_at"] is not None
    assert [a["messages_stored"] for a in source["attempts"]] == [4]


def test_re_add_without_options_says_nothing_changed(cli_env: str) -> None:
    tg("sources", "add", "alpha")

    result = tg("sources", "add", "t.me/alpha")

    assert result.exit_code == 0
    assert "already added" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not a channel!"], "is not a channel"),
        (["https://t.me/+AbCdEf"], "is an invite link"),
        (["alpha", "--since", "yesterday"], "--since 'yesterday' is not a date"),
        (["alpha", "--since", "2024-05-01", "--until", "2024-01-01"], "give --since before"),
        (["alpha", "--poll-interval", "soon"], "--poll-interval 'soon' is not a duration"),
    ],
)
def test_bad_input_is_one_line_with_exit_code_2(
    cli_env: str, args: list[str], message: str
) -> None:
    result = tg("sources", "add", *args)

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert as_json("sources", "list") == []


def test_an_unknown_via_is_a_usage_error(cli_env: str) -> None:
    result = tg("sources", "add", "alpha", "--via", "carrier-pigeon")

    assert result.exit_code == 2
    assert "--via" in result.stderr


def test_list_json_shape_and_timezones(cli_env: str) -> None:
    tg("sources", "add", "beta")
    tg("sources", "add", "alpha", "--since", "2024-01-01")

    sources = as_json("sources", "list")

    assert [s["channel_key"] for s in sources] == ["alpha", "beta"]
    assert {"posts", "comments", "status", "last_attempt_at", "fail_count"} <= set(sources[0])
    assert (sources[0]["posts"], sources[0]["comments"]) == (0, 0)
    for stamp in (sources[0]["history_from"], sources[0]["created_at"]):
        assert stamp.endswith(("Z", "+00:00"))


def test_list_table_and_empty_list(cli_env: str) -> None:
    assert "No sources yet" in tg("sources", "list").stdout
    tg("sources", "add", "alpha")

    table = tg("sources", "list").stdout

    assert "alpha" in table and "active" in table


def fail_an_attempt(database_url: str, key: str, error: str) -> None:
    async def work() -> None:
        db = await Database.open(Settings(database_url=database_url))
        try:
            async with db.transaction() as repos:
                source = await repos.sources.get(key)
                assert source is not None
                attempt = await repos.sources.start_attempt(source.id, run_id="r2")
                await repos.sources.finish_attempt(attempt, stored=0, error=RuntimeError(error))
        finally:
            await db.close()

    asyncio.run(work())


def test_show_is_a_key_value_view_in_80_columns(cli_env: str) -> None:
    tg("sources", "add", "alpha", "--include-comments", "--since", "2024-01-01")
    set_watermark(cli_env, "alpha", 5)
    error = "t.me answered 502 Bad Gateway three times in a row while reading page 812 of alpha"
    fail_an_attempt(cli_env, "alpha", error)

    result = CliRunner(env={"COLUMNS": "80"}).invoke(app, ["sources", "show", "alpha"])

    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.stdout.splitlines()]
    assert all(len(line) <= 80 for line in lines)
    assert lines[0] == "alpha (active, via web)"
    for key, value in [
        ("high watermark", "5"),
        ("comments", "collected"),
        ("history", "2024-01-01 00:00:00 .. open"),
        ("poll every", "1:00:00"),
        ("stored", "0 posts, 0 comments"),
        ("fails in a row", "1"),
    ]:
        assert re.search(rf"^{key} +{re.escape(value)}$", result.stdout, re.MULTILINE), key
    assert "Recent attempts (2, the newest first)" in lines
    failed = lines.index("Recent attempts (2, the newest first)") + 1
    started = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
    assert re.fullmatch(rf"  {started}  failed +0 stored  run r2", lines[failed])
    assert " ".join(line.strip() for line in lines[failed + 1 : failed + 3]) == (
        f"RuntimeError: {error}"
    )
    assert re.fullmatch(r"  .*  succeeded +4 stored  run r1", lines[failed + 3])


@pytest.mark.parametrize(
    ("via", "says"),
    [
        ("web", "No attempts yet: `tg-parser ingest --source alpha` collects it."),
        ("export", "No attempts: collected from exports (`tg-parser import`)."),
    ],
)
def test_show_says_how_a_source_without_attempts_is_collected(
    cli_env: str, via: str, says: str
) -> None:
    tg("sources", "add", "alpha", "--via", via)

    result = tg("sources", "show", "alpha")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == says
    assert f"alpha (active, via {via})" in result.stdout


def test_pause_and_resume(cli_env: str) -> None:
    tg("sources", "add", "alpha")

    assert tg("sources", "pause", "@alpha").stdout == "Source alpha paused.\n"
    assert as_json("sources", "show", "alpha")["status"] == "paused"
    assert tg("sources", "resume", "alpha").stdout == "Source alpha active.\n"
    assert as_json("sources", "show", "alpha")["status"] == "active"


def test_remove_asks_first(cli_env: str) -> None:
    tg("sources", "add", "alpha")

    declined = tg("sources", "remove", "alpha", input="n\n")

    assert declined.exit_code == 1
    assert [s["channel_key"] for s in as_json("sources", "list")] == ["alpha"]
    accepted = tg("sources", "remove", "alpha", input="y\n")
    assert accepted.exit_code == 0
    assert "removed; its 0 stored messages were kept" in accepted.stdout
    assert as_json("sources", "list") == []


def test_remove_with_yes(cli_env: str) -> None:
    tg("sources", "add", "-1001234567890")

    result = tg("sources", "remove", "-1001234567890", "--yes")

    assert result.exit_code == 0, result.output
    assert as_json("sources", "list") == []


@pytest.mark.parametrize(
    "args",
    [["show", "ghost"], ["pause", "ghost"], ["resume", "@ghost"], ["remove", "ghost", "--yes"]],
)
def test_unknown_source_exits_3(cli_env: str, args: list[str]) -> None:
    result = tg("sources", *args)

    assert result.exit_code == 3
    assert result.stderr == (
        "Error: no source 'ghost' (none known yet): add one with `tg-parser sources add @name` "
        "or `tg-parser import EXPORT`\n"
    )
