"""`tg-parser export` through the real Typer app, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kb_sample
from tg_parser.cli.app import app

runner = CliRunner()


@pytest.fixture
async def sample(cli_env: str) -> str:
    await kb_sample.build_at(cli_env)
    return cli_env


def test_export_prints_a_summary(sample: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", "--out", str(tmp_path / "kb")])
    assert result.exit_code == 0, result.stderr
    assert "Exported 10 topics and 220 messages (140 posts, 80 comments)" in result.stdout
    assert "left out: 25 noise" in result.stdout
    assert "13 files" in result.stdout
    assert (tmp_path / "kb" / "kb_entries.ndjson").exists()


def test_files_export_did_not_write_are_replaced_only_with_overwrite(
    sample: str, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    assert runner.invoke(app, ["export", "--out", str(out)]).exit_code == 0
    (out / "topics.json").write_text("edited")
    (out / "kb_entries.ndjson").write_text("mine")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    refused = runner.invoke(app, ["export", "--out", str(out)])

    assert refused.exit_code == 2
    assert refused.stderr == (
        f"Error: {out / 'kb_entries.ndjson'}, {out / 'topics.json'} were not written by "
        "tg-parser or were changed since, so the export wrote nothing: move them away, give "
        "--out another directory, or pass --overwrite to replace them\n"
    )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert runner.invoke(app, ["export", "--out", str(out), "--overwrite"]).exit_code == 0
    assert (out / "topics.json").read_text() != "edited"
    assert runner.invoke(app, ["export", "--out", str(out)]).exit_code == 0  # its own again


def test_export_options_reach_the_files(sample: str, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    args = ["export", "--out", str(out), "--channel", "@technotes", "--format", "json"]
    args += ["--topic-id", "topic:tg:technotes:post:4", "--no-include-supporting", "--pretty"]
    args += ["--from", "2025-01-01", "--to", "2025-01-22", "--include-noise", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["counts"]["message_entries"] == 2  # anchors 4 and 7, posted in January
    entries = json.loads((out / "kb_entries.json").read_text(encoding="utf-8"))
    assert [e["id"] for e in entries] == [
        "kb:topic:topic:tg:technotes:post:4",
        "kb:msg:tg:technotes:post:4",
        "kb:msg:tg:technotes:post:7",
    ]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["filters"] == {
        "channel": "technotes",
        "topic_id": "topic:tg:technotes:post:4",
        "from": "2025-01-01T00:00:00Z",
        "to": "2025-01-22T23:59:59.999999Z",
        "include_supporting": False,
        "include_noise": True,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "yesterday"], "--from 'yesterday' is not a date"),
        (["--topic-id", "topic:tg:technotes:post:999"], "no topic 'topic:tg:technotes:post:999'"),
        (["--channel", "not a channel"], "is not a channel"),
    ],
)
def test_bad_input_is_one_line(sample: str, tmp_path: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["export", "--out", str(tmp_path / "kb"), *args])
    assert result.exit_code in (2, 3)
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_out_must_be_a_directory(sample: str, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = runner.invoke(app, ["export", "--out", str(tmp_path / "file")])
    assert result.exit_code == 2
    assert "is a file: give --out a directory" in result.stderr


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("", "--out is empty: give the directory to write the knowledge base into"),
        ("/", "--out '/' is the root of the file system: give a directory for the export"),
    ],
)
@pytest.mark.parametrize("command", ["export", "run"])
def test_out_refuses_nothing_and_the_root(
    sample: str, tmp_path: Path, command: str, out: str, message: str
) -> None:
    before = sorted(p.name for p in tmp_path.iterdir())
    quiet = ["--provider", "offline"] if command == "run" else []
    result = runner.invoke(app, [command, "--out", out, *quiet])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    """Makes a directory read-only, for root too (immutable), and undoes it afterwards."""
    locked: list[Path] = []

    def lock(path: Path) -> None:
        path.chmod(0o555)
        if os.geteuid() == 0 and subprocess.run(["chattr", "+i", str(path)]).returncode:
            pytest.skip("cannot make a directory read-only for root here (chattr +i)")
        locked.append(path)

    yield lock
    for path in locked:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        path.chmod(0o755)


def test_a_read_only_out_is_one_line_and_changes_nothing(
    sample: str, tmp_path: Path, read_only: Callable[[Path], None]
) -> None:
    out = tmp_path / "kb"
    assert runner.invoke(app, ["export", "--out", str(out)]).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    read_only(out)

    result = runner.invoke(app, ["export", "--out", str(out), "--pretty"])

    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: cannot write the export into {out}: ")
    assert result.stderr.endswith(
        " (nothing was changed): give --out a directory you can write to\n"
    )
    assert len(result.stderr.splitlines()) == 1
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


EXPORTS = Path(__file__).parents[1] / "data" / "export"


@pytest.mark.parametrize(
    ("name", "link"),
    [
        # the channel's own post links name it: public links
        (
            "ar_en_public_channel_upon_the_path_of_salaf_213msgs.json",
            "https://t.me/uponthepathofsalaf/",
        ),
        # nothing in the export names it: links for members, as before
        ("ru_public_channel_guzelskie_perezalivy_3719msgs.json", "https://t.me/c/2447843635/"),
    ],
)
def test_an_imported_public_channel_links_by_its_username_when_known(
    cli_env: str, tmp_path: Path, name: str, link: str
) -> None:
    for args in (["import", str(EXPORTS / name)], ["process", "--provider", "offline"]):
        assert runner.invoke(app, args).exit_code == 0
    out = tmp_path / "kb"
    assert runner.invoke(app, ["export", "--out", str(out), "--include-noise"]).exit_code == 0

    lines = (out / "kb_entries.ndjson").read_text(encoding="utf-8").splitlines()
    urls = [json.loads(line)["metadata"]["telegram_url"] for line in lines]
    assert urls and all(url.startswith(link) for url in urls)
