"""Receiving an uploaded export: a result.json or a zip's, checked as the import reads it;
a refused upload leaves nothing and its message names the upload, not the server's path."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from tg_parser.config import Settings
from tg_parser.errors import ChatNotFoundError, ExportFormatError
from tg_parser.jobs import UploadTooLargeError, receive_export

SAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sample_channel" / "result.json"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(api_upload_dir=tmp_path, api_max_unzipped_bytes=10_000_000)


def zipped(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def test_a_result_json_is_kept_in_a_folder_of_its_own(settings: Settings) -> None:
    path = receive_export(
        io.BytesIO(SAMPLE.read_bytes()), "r.json", settings, chat=None, zone="UTC"
    )
    assert path.read_bytes() == SAMPLE.read_bytes()
    assert path.parent.parent == settings.api_upload_dir


def test_the_zips_top_most_result_json_is_unpacked(settings: Settings) -> None:
    upload = zipped({"a/b/result.json": b"{}", "a/result.json": SAMPLE.read_bytes()})
    path = receive_export(upload, "e.zip", settings, chat=None, zone="UTC")
    assert path.read_bytes() == SAMPLE.read_bytes()
    assert [p.name for p in path.parent.iterdir()] == ["result.json"]


@pytest.mark.parametrize(
    ("content", "error", "message"),
    [
        (b"[1, 2]", ExportFormatError, "upload.json is not a Telegram Desktop export"),
        (SAMPLE.read_bytes()[:-10], ExportFormatError, "upload.json is not valid JSON"),
    ],
)
def test_a_refused_upload_leaves_nothing(
    settings: Settings, content: bytes, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        receive_export(io.BytesIO(content), "upload.json", settings, chat=None, zone="UTC")
    assert list(settings.api_upload_dir.iterdir()) == []  # type: ignore[union-attr]


def test_a_chat_missing_from_the_export_is_refused(settings: Settings) -> None:
    with SAMPLE.open("rb") as upload, pytest.raises(ChatNotFoundError, match=r"'nope' in upload"):
        receive_export(upload, "upload.json", settings, chat="nope", zone="UTC")


def test_a_zip_unpacking_past_the_limit_is_too_large(settings: Settings) -> None:
    small = settings.model_copy(update={"api_max_unzipped_bytes": 1024})
    with pytest.raises(UploadTooLargeError, match="API_MAX_UNZIPPED_BYTES"):
        receive_export(
            zipped({"result.json": SAMPLE.read_bytes()}), "e.zip", small, chat=None, zone="UTC"
        )
    assert list(settings.api_upload_dir.iterdir()) == []  # type: ignore[union-attr]
