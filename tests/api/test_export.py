"""``/api/v1/export``: the entries the CLI writes, streamed; or a zip of all its files."""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from tg_parser.export import ExportOptions, export_kb
from tg_parser.export.options import date_bound
from tg_parser.store import Database


async def cli_entries(db: Database, out: Path, **options: Any) -> bytes:
    await export_kb(db, ExportOptions(out=out, **options))
    return (out / "kb_entries.ndjson").read_bytes()


@pytest.mark.parametrize(
    ("params", "options"),
    [
        ({}, {}),
        ({"channel": "@TechNotes"}, {"channel": "technotes"}),
        ({"topic_id": "topic:tg:technotes:post:4"}, {"topic_id": "topic:tg:technotes:post:4"}),
        (
            {"from": "2025-06-01", "to": "2025-12-31"},
            {
                "date_from": date_bound("2025-06-01", ""),
                "date_to": date_bound("2025-12-31", "", end_of_day=True),
            },
        ),
        ({"include_supporting": "false"}, {"include_supporting": False}),
        ({"include_noise": "true"}, {"include_noise": True}),
    ],
)
async def test_ndjson_is_the_entries_file_the_cli_writes(
    client: httpx.AsyncClient,
    sample_db: Database,
    tmp_path: Path,
    params: dict[str, str],
    options: dict[str, Any],
) -> None:
    response = await client.get("/api/v1/export", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-ndjson"
    assert "kb_entries.ndjson" in response.headers["content-disposition"]
    assert response.content == await cli_entries(sample_db, tmp_path / "kb", **options)


async def test_ndjson_lines_are_entries(client: httpx.AsyncClient) -> None:
    lines = (await client.get("/api/v1/export")).content.splitlines()
    assert len(lines) == 230
    assert all(json.loads(line)["id"].startswith("kb:") for line in lines)


async def test_zip_holds_exactly_the_files_the_cli_writes(
    client: httpx.AsyncClient, sample_db: Database, tmp_path: Path
) -> None:
    response = await client.get("/api/v1/export", params={"format": "zip", "channel": "technotes"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    await export_kb(sample_db, ExportOptions(out=tmp_path / "kb", channel="technotes"))
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
        entries = archive.read("kb_entries.ndjson")
    assert names == {path.name for path in (tmp_path / "kb").iterdir()}
    assert {f["name"] for f in manifest["files"]} | {"manifest.json"} == names
    assert manifest["filters"]["channel"] == "technotes"
    assert entries == (tmp_path / "kb" / "kb_entries.ndjson").read_bytes()


async def test_a_zip_export_is_an_export_run(
    client: httpx.AsyncClient, sample_db: Database
) -> None:
    await client.get("/api/v1/export", params={"format": "zip"})
    async with sample_db.transaction() as repos:
        runs = await repos.runs.list(limit=5)
    assert runs[0].stage == "export" and runs[0].status == "succeeded"
    assert runs[0].counters["message_entries"] == 220


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"channel": "nosuch"}, 404),
        ({"topic_id": "topic:tg:technotes:post:99999"}, 404),
        ({"topic_id": "topic:tg:technotes:post:99999", "format": "zip"}, 404),
        ({"from": "01.02.2025"}, 422),
        ({"to": "soon"}, 422),
        ({"format": "xml"}, 422),
        ({"include_noise": "maybe"}, 422),
    ],
)
async def test_bad_filters(client: httpx.AsyncClient, params: dict[str, str], status: int) -> None:
    response = await client.get("/api/v1/export", params=params)
    assert response.status_code == status
    assert "error" in response.json()


async def test_a_zip_leaves_no_temporary_files(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    response = await client.get("/api/v1/export", params={"format": "zip"})
    failed = await client.get("/api/v1/export", params={"format": "zip", "topic_id": "topic:x"})
    assert int(response.headers["content-length"]) == len(response.content) > 0
    assert failed.status_code == 404
    assert list(scratch.iterdir()) == []
