"""`tg-parser import` through the real Typer app, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tg_parser.cli.app import app

EXPORTS = Path(__file__).parents[1] / "data" / "export"
TRANTOR = EXPORTS / "zh_public_channel_trantor_library_924msgs.json"
RUSSIAN = EXPORTS / "ru_public_channel_guzelskie_perezalivy_3719msgs.json"
ACCOUNT = EXPORTS / "full_account_3chats.json"

runner = CliRunner()


def test_import_prints_a_summary(cli_env: str) -> None:
    result = runner.invoke(app, ["import", str(TRANTOR)])
    assert result.exit_code == 0, result.stderr
    assert "Imported 川陀大学图书馆 into channel -1001878264527" in result.stdout
    assert "908 new, 0 edited, 0 unchanged; skipped: 16 service" in result.stdout


def test_import_json_report_and_reimport(cli_env: str) -> None:
    first = runner.invoke(app, ["import", str(TRANTOR), "--json"])
    second = runner.invoke(app, ["import", str(TRANTOR), "--json"])
    assert first.exit_code == second.exit_code == 0
    report = json.loads(second.stdout)
    assert report["channel"] == "-1001878264527"
    assert report["chat"] == {"id": 1878264527, "name": "川陀大学图书馆", "type": "public_channel"}
    assert report["counters"]["inserted"] == 0
    assert report["counters"]["unchanged"] == 908
    shown = runner.invoke(app, ["runs", "show", report["run_id"], "--json"])
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["status"] == "succeeded"


def test_list_chats_as_json(cli_env: str) -> None:
    result = runner.invoke(app, ["import", str(ACCOUNT), "--list-chats", "--json"])
    assert result.exit_code == 0
    assert [chat["id"] for chat in json.loads(result.stdout)] == [
        700209719,
        1292077344,
        3204528972,
    ]
    table = runner.invoke(app, ["import", str(ACCOUNT), "--list-chats"])
    assert "1292077344" in table.stdout


def test_full_account_export_with_chat(cli_env: str) -> None:
    result = runner.invoke(app, ["import", str(ACCOUNT), "--chat", "New", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["counters"]["inserted"] == 7


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([str(ACCOUNT)], "holds 3 chats: pass --chat NAME_OR_ID"),
        ([str(ACCOUNT), "--chat", "nobody"], "no chat 'nobody'"),
        (["missing.json"], "missing.json does not exist"),
        ([str(TRANTOR), "--timezone", "Nowhere/Else"], "unknown timezone 'Nowhere/Else'"),
        ([str(TRANTOR), "--comments-for", "@someone"], "has no imported posts"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(cli_env: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["import", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_truncated_export_fails_then_rerun_completes(cli_env: str, tmp_path: Path) -> None:
    truncated = tmp_path / "export" / "result.json"
    truncated.parent.mkdir()
    truncated.write_bytes(RUSSIAN.read_bytes()[:2_500_000])
    failed = runner.invoke(app, ["import", str(truncated.parent)])
    assert failed.exit_code == 2
    assert f"Error: {truncated} is not valid JSON near byte 2500000: " in failed.stderr
    assert failed.stderr.rstrip().endswith("export it again")
    runs = json.loads(runner.invoke(app, ["runs", "list", "--json"]).stdout)
    assert runs[0]["status"] == "failed"
    assert runs[0]["counters"]["inserted"] == 1998
    done = runner.invoke(app, ["import", str(RUSSIAN), "--json"])
    counters = json.loads(done.stdout)["counters"]
    assert (counters["unchanged"], counters["inserted"]) == (1998, 3717 - 1998)


def test_json_log_line_carries_the_run_id(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "json")
    monkeypatch.setenv("LOG_LEVEL", "INFO")
    result = runner.invoke(app, ["import", str(TRANTOR), "--json"])
    assert result.exit_code == 0
    run_id = json.loads(result.stdout)["run_id"]
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    finished = next(line for line in lines if line["event"] == "import_finished")
    assert finished["run_id"] == run_id
    assert finished["level"] == "info"
    assert finished["inserted"] == 908


def test_import_warns_about_ids_repeated_in_the_file(cli_env: str) -> None:
    result = runner.invoke(
        app, ["import", str(EXPORTS / "en_private_group_anonymized_tsu2000_256msgs.json")]
    )
    assert result.exit_code == 0, result.stderr
    assert "1 new" in result.stdout
    assert "Warning: 249 messages reuse an id seen earlier in this file" in result.stderr
