"""``POST /api/v1/imports``: an uploaded export (result.json or a zip holding one) is
imported as a run; a file that is not an export, a cut-short one, a zip without
result.json, or one over the limit is refused with nothing stored. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tg_parser.api import create_app
from tg_parser.api.auth import Principal, authenticate
from tg_parser.config import Settings
from tg_parser.jobs.uploads import UPLOAD_PREFIX
from tg_parser.runs import list_runs
from tg_parser.store import Database
from tg_parser.testing.api import api_client

from .runs_helpers import CHANNEL, EXAMPLES, ended

SAMPLE = (EXAMPLES / "sample_channel" / "result.json").read_bytes()
DISCUSSION = (EXAMPLES / "sample_channel_discussion" / "result.json").read_bytes()


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    folder = tmp_path / "uploads"
    folder.mkdir()
    return folder


@pytest.fixture
def upload_settings(settings: Settings, uploads: Path) -> Settings:
    return settings.model_copy(update={"api_upload_dir": uploads})


@pytest.fixture
async def client(upload_settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(create_app(upload_settings)) as http:
        yield http


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


async def upload(
    client: httpx.AsyncClient, content: bytes, name: str = "result.json", **form: str
) -> httpx.Response:
    return await client.post("/api/v1/imports", files={"file": (name, content)}, data=form or None)


async def test_an_uploaded_export_and_its_discussion_are_imported_as_runs(
    client: httpx.AsyncClient, db: Database, uploads: Path
) -> None:
    response = await upload(client, SAMPLE, channel=CHANNEL)
    assert response.status_code == 202, response.text
    run = await ended(client, response.json()["id"])
    assert run["stage"] == "import" and run["status"] == "succeeded", run["error"]
    assert run["channel"] == CHANNEL and run["counters"]["inserted"] == 165
    comments = await upload(
        client, zipped({"export/result.json": DISCUSSION}), "d.zip", comments_for=CHANNEL
    )
    assert comments.status_code == 202, comments.text
    done = await ended(client, comments.json()["id"])
    assert done["status"] == "succeeded" and done["counters"]["inserted"] == 80
    assert done["channel"] == CHANNEL
    assert sorted(r.stage for r in await list_runs(db)) == ["import", "import"]
    assert list(uploads.iterdir()) == []  # each upload is removed once imported


async def test_a_zip_holding_the_export_folder_is_imported(client: httpx.AsyncClient) -> None:
    archive = zipped({"ChatExport/photos/a.jpg": b"\xff\xd8", "ChatExport/result.json": SAMPLE})
    response = await upload(client, archive, "export.zip")
    assert response.status_code == 202, response.text
    run = await ended(client, response.json()["id"])
    assert run["status"] == "succeeded" and run["channel"] == "-1001987654321"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b'{"name": "x", "type": "a"}', "result.json", "result.json is not a Telegram Desktop"),
        (SAMPLE[: len(SAMPLE) // 2], "result.json", "result.json is not valid JSON near byte"),
        (b"not json at all", "notes.txt", "notes.txt is not valid JSON"),
        (zipped({"readme.txt": b"hello"}), "export.zip", "the zip holds no result.json"),
        (zipped({"result.json": SAMPLE})[:-40], "export.zip", "export.zip is in a zip that"),
    ],
)
async def test_an_upload_that_is_not_a_whole_export_is_refused_and_nothing_kept(
    client: httpx.AsyncClient,
    db: Database,
    uploads: Path,
    content: bytes,
    name: str,
    message: str,
) -> None:
    response = await upload(client, content, name)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "export_format" and message in error["message"]
    assert UPLOAD_PREFIX not in error["message"]  # the server's paths are not shown
    assert await list_runs(db) == []
    assert list(uploads.iterdir()) == []


async def test_an_upload_over_the_limit_is_refused_with_413(
    upload_settings: Settings, db: Database, uploads: Path
) -> None:
    limit = len(SAMPLE) // 2
    small = upload_settings.model_copy(
        update={"api_max_upload_bytes": limit, "api_max_unzipped_bytes": limit}
    )
    async with api_client(create_app(small)) as client:
        too_big = await upload(client, SAMPLE)
        assert too_big.status_code == 413
        assert too_big.json()["error"]["code"] == "body_too_large"
        bomb = zipped({"result.json": SAMPLE})
        assert len(bomb) < limit
        unpacked = await upload(client, bomb, "export.zip")
        assert unpacked.status_code == 413
        assert "API_MAX_UNZIPPED_BYTES" in unpacked.json()["error"]["message"]
    assert await list_runs(db) == []
    assert list(uploads.iterdir()) == []


async def test_bad_import_requests_keep_nothing(
    client: httpx.AsyncClient, db: Database, uploads: Path
) -> None:
    unknown = await upload(client, DISCUSSION, comments_for="nosuchchannel")
    assert unknown.status_code == 404
    zone = await upload(client, SAMPLE, timezone="Mars/Olympus")
    assert zone.status_code == 400
    missing = await client.post("/api/v1/imports", data={"channel": CHANNEL})
    assert missing.status_code == 422
    assert await list_runs(db) == []
    assert list(uploads.iterdir()) == []


async def test_a_limited_key_imports_only_into_its_channels(
    upload_settings: Settings, db: Database, uploads: Path
) -> None:
    app = create_app(upload_settings)
    app.dependency_overrides[authenticate] = lambda: Principal("k", "run", frozenset({CHANNEL}))
    async with api_client(app) as client:
        elsewhere = await upload(client, SAMPLE, channel="otherchannel")
        assert elsewhere.status_code == 404
        unnamed = await upload(client, SAMPLE)
        assert unnamed.status_code == 400
        mine = await upload(client, SAMPLE, channel=CHANNEL)
        assert mine.status_code == 202
        assert (await ended(client, mine.json()["id"]))["status"] == "succeeded"
        app.dependency_overrides[authenticate] = lambda: Principal("r", "read")
        assert (await upload(client, SAMPLE, channel=CHANNEL)).status_code == 403
    assert list(uploads.iterdir()) == []
