"""Crafted and malformed exports through `tg-parser import`: one `Error:` line on stderr,
the exit code of the error's class, no traceback, and no message stored."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tg_parser.cli.app import app

EXPORTS = Path(__file__).parents[1] / "data" / "export"
SMALL = EXPORTS / "en_private_group_small_10msgs.json"
DEEP = 100_000

runner = CliRunner()


def _message(**fields: Any) -> dict[str, Any]:
    message = {"id": 5, "type": "message", "date": "2024-01-01T00:00:00", "text": "hi"}
    return {**message, "date_unixtime": "1704067200", **fields}


def _export(*messages: Any, **chat: Any) -> bytes:
    head = {"name": "Crafted", "type": "public_channel", "id": 123} | chat
    return json.dumps({**head, "messages": list(messages)}).encode()


def _spliced(marker: str, replacement: bytes) -> bytes:
    """An export whose first message's ``text`` is ``replacement`` (raw bytes, any JSON)."""
    return _export(_message(text=marker)).replace(json.dumps(marker).encode(), replacement)


def _deep_text() -> bytes:
    return _spliced("DEEP", b"[" * DEEP + b"]" * DEEP)


def _deep_messages() -> bytes:
    head = b'{"name": "Crafted", "type": "public_channel", "id": 123, "messages": '
    return head + b"[" * DEEP + b"]" * DEEP + b"}"


def _deep_chats() -> bytes:
    return b'{"chats": {"list": ' + b"[" * DEEP + b"]" * DEEP + b"}}"


CASES = {
    "text nested 100,000 deep": (_deep_text(), "nested deeper than 20 levels"),
    "messages nested 100,000 deep": (_deep_messages(), "nested deeper than 20 levels"),
    "chats nested 100,000 deep": (_deep_chats(), "nested deeper than 20 levels"),
    "a negative message id": (_export(_message(id=-5)), "message -5 has an 'id' out of range"),
    "a lone surrogate (UTF-8 bytes)": (_spliced("S", b'"h\xed\xa0\x80i"'), "not valid UTF-8"),
    "a date that is a list": (
        _export(_message(date_unixtime=[1])),
        "message 5 has an unreadable 'date'",
    ),
    "an edit date that is an object": (
        _export(_message(edited_unixtime={"at": 1})),
        "message 5 has an unreadable 'edited'",
    ),
    "a date before year 1 in UTC": (
        _export(_message(date_unixtime=None, date="0001-01-01T00:00:00+05:00")),
        "message 5 has an unreadable 'date'",
    ),
    "a date after year 9998": (
        _export(_message(date_unixtime="253402300799")),
        "message 5 has an unreadable 'date'",
    ),
    "a reply id that is a string": (
        _export(_message(reply_to_message_id="3")),
        "message 5 has a 'reply_to_message_id' that is not a whole number",
    ),
    "a forwarded_from_id that is a list": (
        _export(_message(forwarded_from_id=["channel1"])),
        "message 5 has a 'forwarded_from_id' that is not a string",
    ),
    "an id that is a string": (_export(_message(id="5")), "has no numeric 'id'"),
    "an empty file": (b"", "is not valid JSON near byte 0"),
    "a JSON array": (b"[]", "is not a Telegram Desktop export"),
    "a binary file": (bytes(range(256)) * 4, "is not valid JSON near byte"),
    "a truncated export": (SMALL.read_bytes()[:900], "is not valid JSON near byte 900"),
    "a full-account export without chats": (
        json.dumps({"chats": {"list": []}}).encode(),
        "holds no chats: export at least one chat",
    ),
}


def _stored_messages() -> int:
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    return int(status["messages"]["posts"] + status["messages"]["comments"])


def assert_one_line_error(result: Result, exit_code: int, message: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert result.stderr.startswith("Error: "), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("case", CASES)
def test_a_malformed_export_is_one_line_exit_2_and_stores_nothing(
    cli_env: str, tmp_path: Path, case: str
) -> None:
    content, message = CASES[case]
    path = tmp_path / "result.json"
    path.write_bytes(content)

    result = runner.invoke(app, ["import", str(path)])

    assert_one_line_error(result, 2, message)
    assert _stored_messages() == 0


@pytest.mark.parametrize("case", ["text nested 100,000 deep", "chats nested 100,000 deep"])
def test_listing_the_chats_of_a_crafted_export_is_one_line(tmp_path: Path, case: str) -> None:
    content, message = CASES[case]
    path = tmp_path / "result.json"
    path.write_bytes(content)
    result = runner.invoke(app, ["import", str(path), "--list-chats"])
    if case.startswith("text"):  # the chat is listed without reading its messages
        assert result.exit_code == 0, result.output
    else:
        assert_one_line_error(result, 2, message)


GROUP_CASES = {
    "a copy of a post dated at the end of time": (
        {"id": 10, "date_unixtime": "253402300799"},
        "message 10 has an unreadable 'date'",
    ),
    "a copy of a post with a forwarded_from_id that is a list": (
        {"id": 10, "forwarded_from_id": ["channel1500000001"]},
        "message 10 has a 'forwarded_from_id' that is not a string",
    ),
}


@pytest.mark.parametrize("case", GROUP_CASES)
def test_a_malformed_discussion_group_is_one_line_and_stores_no_comment(
    cli_env: str, tmp_path: Path, case: str
) -> None:
    changes, message = GROUP_CASES[case]
    channel = runner.invoke(app, ["import", str(EXPORTS / "discussion_channel.json")])
    assert channel.exit_code == 0, channel.output
    group = json.loads((EXPORTS / "discussion_group.json").read_text())
    next(m for m in group["messages"] if m["id"] == changes["id"]).update(changes)
    path = tmp_path / "result.json"
    path.write_text(json.dumps(group))

    result = runner.invoke(app, ["import", str(path), "--comments-for", "-1001500000001"])

    assert_one_line_error(result, 2, message)
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["messages"]["comments"] == 0


def test_a_folder_without_result_json_is_one_line(cli_env: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(tmp_path)])
    assert_one_line_error(result, 2, f"{tmp_path / 'result.json'} does not exist")


def test_a_device_is_not_taken_for_a_missing_file(cli_env: str) -> None:
    result = runner.invoke(app, ["import", "/dev/null"])
    assert_one_line_error(result, 2, "/dev/null is not a regular file: give a result.json")


# the CLI in a child whose address space is capped: a runaway parser fails there with a
# MemoryError instead of taking the machine
CAPPED_CLI = (
    "import resource, sys; cap = 2 * 2**30; "
    "resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); "
    "from tg_parser.__main__ import main; main()"
)
# runs a command and reports its outcome and peak memory: a process started from this
# small one starts small (a child of the test process would count the test process's own
# size, which the kernel carries over into the child's peak)
PROBE = (
    "import json, resource, subprocess, sys; "
    "done = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss; "
    "print(json.dumps({'code': done.returncode, 'stderr': done.stderr, 'peak_kib': peak}))"
)


def test_a_deeply_nested_export_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    """The nesting is refused while streaming, before any deep structure is built: the
    importing process stays near its usual size (about 130 MB) instead of growing with the
    square of the depth."""
    path = tmp_path / "result.json"
    path.write_bytes(_deep_text())
    env = os.environ | {"DB_PATH": str(tmp_path / "kb.sqlite")}
    command = [sys.executable, "-c", CAPPED_CLI, "import", str(path)]

    probe = subprocess.run(
        [sys.executable, "-c", PROBE, *command], capture_output=True, text=True, env=env
    )

    child = json.loads(probe.stdout)
    assert child["code"] == 2, child["stderr"]
    assert child["stderr"].startswith("Error: ")
    assert "nested deeper than 20 levels" in child["stderr"]
    assert len(child["stderr"].strip().splitlines()) == 1, child["stderr"]
    assert child["peak_kib"] < 300 * 1024
