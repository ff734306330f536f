"""`tg-parser run` end to end on the sample channel and its discussion, SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tg_parser import contracts
from tg_parser.cli.app import app
from tg_parser.testing import FakeTelegramWeb

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SAMPLE = ["--import", str(EXAMPLES / "sample_channel")]
SAMPLE += ["--comments", str(EXAMPLES / "sample_channel_discussion")]
# what two runs over the same data may differ in: moments and run ids
VOLATILE = {"exported_at", "run_id", "created_at", "updated_at", "topicization_run_id"}

runner = CliRunner()


def stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: stable(v) for k, v in value.items() if k not in VOLATILE | {"sha256", "bytes"}}
    if isinstance(value, list):
        return [stable(item) for item in value]
    return value


def contents(out: Path) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in sorted(out.iterdir()):
        lines = path.read_text(encoding="utf-8").splitlines()
        data = [json.loads(line) for line in lines] if path.suffix == ".ndjson" else None
        found[path.name] = stable(data or json.loads("\n".join(lines)))
    return found


def test_run_builds_the_knowledge_base_and_a_second_run_changes_nothing(
    cli_env: str, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    first = runner.invoke(app, ["run", *SAMPLE, "--out", str(out)])
    assert first.exit_code == 0, first.stderr
    assert "Imported posts: 165 new" in first.stdout
    assert "Imported comments: 80 new" in first.stdout
    assert "Processed 245 messages" in first.stdout
    assert f"in {out.resolve()}" in first.stdout
    lines = (out / "kb_entries.ndjson").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    for entry in entries:
        contracts.validate("knowledge_base_entry", entry)
    assert sum(e["source"]["type"] == "topic" for e in entries) >= 5
    shutil.copytree(out, tmp_path / "first")

    second = runner.invoke(app, ["run", *SAMPLE, "--out", str(out), "--json"])
    assert second.exit_code == 0, second.stderr
    report = json.loads(second.stdout)
    assert [i["counters"]["inserted"] for i in report["imports"]] == [0, 0]
    assert report["process"]["counters"]["processed"] == 0
    assert report["channel"] == "-1001987654321"
    assert contents(out) == contents(tmp_path / "first")


def test_run_on_a_stored_channel_without_import(cli_env: str, tmp_path: Path) -> None:
    imported = runner.invoke(app, ["import", str(EXAMPLES / "sample_channel")])
    assert imported.exit_code == 0, imported.stderr
    result = runner.invoke(
        app, ["run", "--channel", "-1001987654321", "--out", str(tmp_path / "kb"), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["imports"] == []
    assert report["process"]["counters"]["processed"] == 165
    assert report["export"]["counts"]["comments"] == 0


def test_run_replaces_files_it_did_not_write_only_with_overwrite(
    cli_env: str, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    out.mkdir()
    (out / "manifest.json").write_text("my manifest")
    run = ["run", *SAMPLE, "--out", str(out)]

    refused = runner.invoke(app, run)

    assert refused.exit_code == 2
    assert f"Error: {out / 'manifest.json'} was not written by tg-parser" in refused.stderr
    assert [p.name for p in out.iterdir()] == ["manifest.json"]
    assert runner.invoke(app, [*run, "--overwrite"]).exit_code == 0
    assert json.loads((out / "manifest.json").read_text())["generator"] == "tg-parser"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--channel", "@a", "--all"], "give --channel CHANNEL or --all, not both"),
        (["--all", "--import", "x.json"], "--import works on one channel"),
        (["--comments", "x.json"], "--comments needs the channel"),
        (["--channel", "@unknown_channel"], "unknown_channel"),
    ],
)
def test_bad_input_is_one_line(cli_env: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["run", *args])
    assert result.exit_code in (2, 3)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the offline notice, then the error


@pytest.fixture
def web(cli_env: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTelegramWeb]:
    with FakeTelegramWeb() as fake:
        monkeypatch.setenv("TELEGRAM_WEB_BASE_URL", fake.base_url)
        monkeypatch.setenv("WEB_REQUEST_DELAY", "0")
        monkeypatch.setenv("WEB_RETRY_BACKOFF", "0")
        yield fake


def test_run_all_collects_the_live_sources_first(web: FakeTelegramWeb, tmp_path: Path) -> None:
    """The sample channel (an export) and a live channel on the web preview."""
    assert runner.invoke(app, ["import", str(EXAMPLES / "sample_channel")]).exit_code == 0
    live = web.add_channel("synth", 45, comments={44: 3})
    assert runner.invoke(app, ["sources", "add", "@synth", "--include-comments"]).exit_code == 0
    out = ["--out", str(tmp_path / "kb")]

    first = runner.invoke(app, ["run", "--all", *out])
    assert first.exit_code == 0, first.stderr
    assert "Collected 1 of 1 live sources: 45 new posts, 3 new comments" in first.stdout
    assert "Processed 213 messages" in first.stdout  # 165 sample posts, 48 collected

    live.posts = 47
    skipped = json.loads(runner.invoke(app, ["run", "--no-ingest", *out, "--json"]).stdout)
    assert "ingest" not in skipped
    assert skipped["process"]["counters"]["processed"] == 0
    again = json.loads(runner.invoke(app, ["run", *out, "--json"]).stdout)
    assert again["ingest"]["counters"]["posts_inserted"] == 2
    assert again["process"]["counters"]["processed"] == 2
    assert [s["channel"] for s in again["ingest"]["sources"]] == ["synth"]


def test_a_live_source_that_fails_is_reported_after_the_knowledge_base(
    web: FakeTelegramWeb, tmp_path: Path
) -> None:
    web.add_channel("synth", 12)
    for channel in ("@missing", "@synth"):
        assert runner.invoke(app, ["sources", "add", channel, "--via", "web"]).exit_code == 0

    result = runner.invoke(app, ["run", "--all", "--out", str(tmp_path / "kb")])

    assert result.exit_code == 5
    assert "Collected 1 of 2 live sources: 12 new posts" in result.stdout
    assert (tmp_path / "kb" / "manifest.json").exists()
    error = result.stderr.strip().splitlines()[-1]
    assert error.startswith("Error: 1 of 2 sources failed to collect (missing)")


def test_run_on_an_empty_database_says_how_to_add_a_source(cli_env: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", "--out", str(tmp_path / "kb")])

    assert result.exit_code == 2
    [error] = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error.startswith("Error: nothing to do: the database has no sources and no messages")
    assert "`tg-parser sources add @channel --via web`" in error
    assert "`tg-parser run --import result.json`" in error
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "kb").exists()
    runs = runner.invoke(app, ["runs", "list", "--json"])
    assert json.loads(runs.stdout) == []


def test_run_on_one_live_channel_collects_only_that_one(
    web: FakeTelegramWeb, tmp_path: Path
) -> None:
    web.add_channel("synth", 8)
    web.add_channel("other", 5)
    for channel in ("@synth", "@other"):
        assert runner.invoke(app, ["sources", "add", channel, "--via", "web"]).exit_code == 0

    result = runner.invoke(
        app, ["run", "--channel", "@synth", "--out", str(tmp_path / "kb"), "--json"]
    )

    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert [s["channel"] for s in report["ingest"]["sources"]] == ["synth"]
    assert report["ingest"]["counters"]["posts_inserted"] == 8
    assert report["process"]["counters"]["processed"] == 8


def test_run_refuses_another_channels_export_before_the_work(cli_env: str, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    out.mkdir()
    manifest = {"generator": "tg-parser", "filters": {"channel": "otherchan"}, "files": []}
    (out / "manifest.json").write_text(json.dumps(manifest))

    refused = runner.invoke(app, ["run", *SAMPLE, "--out", str(out)])

    assert refused.exit_code == 2
    assert refused.stderr.strip().splitlines()[-1] == (
        f"Error: {out} holds the export of channel otherchan: give --out another "
        "directory, or pass --overwrite to replace it"
    )
    runs = json.loads(runner.invoke(app, ["runs", "list", "--json"]).stdout)
    assert {run["stage"] for run in runs} <= {"run", "import"}  # nothing processed
    assert runner.invoke(app, ["run", *SAMPLE, "--out", str(out), "--overwrite"]).exit_code == 0
