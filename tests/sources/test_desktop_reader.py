"""Reading Telegram Desktop exports: files, chats, streaming, and one message's conversion."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_export import write_channel_export  # type: ignore[import-not-found]
from tg_parser.errors import ChatNotFoundError, ExportFormatError, InputError
from tg_parser.sources.desktop import ExportFile, list_chats
from tg_parser.sources.desktop_messages import (
    flatten_text,
    message_kind,
    read_message,
    timezone,
)
from tg_parser.sources.desktop_reader import WORKER_MIN_BYTES

EXPORTS = Path(__file__).parents[1] / "data" / "export"
TRANTOR = EXPORTS / "zh_public_channel_trantor_library_924msgs.json"
OLD_FORMAT = EXPORTS / "en_private_channel_test_oldformat_2021_19msgs.json"
RUSSIAN = EXPORTS / "ru_public_channel_guzelskie_perezalivy_3719msgs.json"
ACCOUNT = EXPORTS / "full_account_3chats.json"
UTC_ZONE = timezone("UTC")


def _messages(path: Path, chat: str | None = None) -> list[dict[str, Any]]:
    export = ExportFile.open(path)
    return list(export.messages(export.choose(chat)))


def _by_id(path: Path, message_id: int) -> dict[str, Any]:
    return next(item for item in _messages(path) if item["id"] == message_id)


# --- files and chats ------------------------------------------------------------------------


def test_a_folder_holding_result_json_is_read(tmp_path: Path) -> None:
    shutil.copy(OLD_FORMAT, tmp_path / "result.json")
    export = ExportFile.open(tmp_path)
    assert export.path == tmp_path / "result.json"
    assert export.choose(None).name == "test"


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        ExportFile.open(tmp_path / "nothing.json")


def test_single_chat_export_streams_every_message_and_reports_bytes_read() -> None:
    export = ExportFile.open(TRANTOR)
    chat = export.choose(None)
    items = list(export.messages(chat))
    assert (chat.id, chat.name, chat.type) == (1878264527, "川陀大学图书馆", "public_channel")
    assert len(items) == 924
    assert sum(message_kind(item, TRANTOR) == "service" for item in items) == 16
    assert export.bytes_read == export.size


def test_full_account_export_lists_chats_of_both_sections() -> None:
    chats = list_chats(ACCOUNT)
    assert [(c.section, c.index, c.id, c.type) for c in chats] == [
        ("chats", 0, 700209719, "private_group"),
        ("chats", 1, 1292077344, "private_channel"),
        ("left_chats", 0, 3204528972, "public_channel"),
    ]
    assert [c.name for c in chats[:2]] == ["New", "test"]
    assert chats[2].name is not None and "Upon the path of the Salaf" in chats[2].name


@pytest.mark.parametrize(
    ("wanted", "count", "first_id"),
    [("test", 19, 1), ("TEST", 19, 1), ("700209719", 10, 211331), ("-1003204528972", 20, 1)],
)
def test_full_account_export_streams_only_the_chosen_chat(
    wanted: str, count: int, first_id: int
) -> None:
    items = _messages(ACCOUNT, wanted)
    assert len(items) == count
    assert items[0]["id"] == first_id


def test_full_account_export_needs_a_chat() -> None:
    with pytest.raises(InputError, match="holds 3 chats: pass --chat"):
        ExportFile.open(ACCOUNT).choose(None)


def test_an_unknown_chat_is_chat_not_found() -> None:
    with pytest.raises(ChatNotFoundError, match="no chat 'nope'"):
        ExportFile.open(ACCOUNT).choose("nope")


def test_a_single_chat_export_checks_the_chosen_chat() -> None:
    assert ExportFile.open(TRANTOR).choose("1878264527").id == 1878264527
    with pytest.raises(ChatNotFoundError):
        ExportFile.open(TRANTOR).choose("someone else")


# --- bad input ------------------------------------------------------------------------------


def test_truncated_json_names_the_byte_and_what_to_do(tmp_path: Path) -> None:
    truncated = tmp_path / "result.json"
    truncated.write_bytes(RUSSIAN.read_bytes()[:200_000])
    export = ExportFile.open(truncated)
    chat = export.choose(None)
    with pytest.raises(ExportFormatError) as error:
        list(export.messages(chat))
    message = error.value.message
    assert message.startswith(f"{truncated} is not valid JSON near byte 200000: ")
    assert message.endswith("export it again")
    assert "\n" not in message


@pytest.mark.parametrize(
    "content", [b"[1, 2, 3]", b'{"hello": "world"}', b'"text"', b'{"name": "x", "id": 5}']
)
def test_json_that_is_not_an_export_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(ExportFormatError, match="is not a Telegram Desktop export"):
        ExportFile.open(path).chats()


@pytest.mark.parametrize("content", [b"", b"<html>not json</html>", b"\xff\xfe\x00garbage"])
def test_a_file_that_is_not_json_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "result.json"
    path.write_bytes(content)
    with pytest.raises(ExportFormatError, match="is not valid JSON near byte"):
        ExportFile.open(path).chats()


def test_a_chat_without_id_is_a_damaged_export(tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text(json.dumps({"name": "x", "messages": []}))
    with pytest.raises(ExportFormatError, match="has no numeric 'id'"):
        ExportFile.open(path).chats()


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        ({"id": 5, "type": "message", "text": "no date"}, "message 5 has no 'date'"),
        ({"type": "message", "date": "2024-01-01T00:00:00"}, "no numeric 'id'"),
        ({"id": 6, "type": "message", "date": "yesterday"}, "an unreadable 'date'"),
    ],
)
def test_a_message_missing_fields_is_a_damaged_export(item: dict[str, Any], problem: str) -> None:
    with pytest.raises(ExportFormatError, match=problem):
        read_message(item, UTC_ZONE, Path("result.json"))


def test_a_message_without_type_is_a_damaged_export() -> None:
    with pytest.raises(ExportFormatError, match="message 3 has no 'type'"):
        message_kind({"id": 3}, Path("result.json"))


def test_an_unknown_timezone_is_an_input_error() -> None:
    with pytest.raises(InputError, match="unknown timezone 'Mars/Olympus'"):
        timezone("Mars/Olympus")


# --- one message ----------------------------------------------------------------------------


def test_dates_come_from_unixtime_in_utc() -> None:
    message = read_message(_by_id(TRANTOR, 6), timezone("Asia/Tokyo"), TRANTOR)
    assert message.date == datetime(2023, 7, 17, 16, 49, 32, tzinfo=UTC)
    assert message.edit_date == datetime(2023, 8, 25, 16, 26, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "hour"), [("UTC", 12), ("Europe/Berlin", 11), ("America/New_York", 17)]
)
def test_old_format_dates_are_read_in_the_given_timezone(zone: str, hour: int) -> None:
    message = read_message(_by_id(OLD_FORMAT, 5), timezone(zone), OLD_FORMAT)
    assert message.date == datetime(2020, 11, 12, hour, 58, 18, tzinfo=UTC)
    assert message.edit_date == datetime(2020, 11, 12, hour + 1, 3, 0, tzinfo=UTC)
    assert message.payload["edited"] == message.edit_date.isoformat()


def test_old_format_text_parts_become_text_and_entities() -> None:
    message = read_message(_by_id(OLD_FORMAT, 9), UTC_ZONE, OLD_FORMAT)
    assert message.text == "italic in text\n\nitalic on whole line"
    assert message.payload["text_entities"] == [
        {"type": "italic", "text": "italic"},
        {"type": "plain", "text": " in text\n\n"},
        {"type": "italic", "text": "italic on whole line"},
    ]


def test_text_links_keep_their_url() -> None:
    text = flatten_text(
        ["Read ", {"type": "text_link", "text": "the docs", "href": "https://ex.org/d"}, "."]
    )
    assert text == "Read the docs (https://ex.org/d)."
    same = {"type": "text_link", "text": "https://ex.org", "href": "https://ex.org"}
    assert flatten_text([same]) == "https://ex.org"


def test_a_media_only_message_is_kept_with_its_media() -> None:
    message = read_message(_by_id(RUSSIAN, 21), UTC_ZONE, RUSSIAN)
    media = message.payload["media"]
    assert media == {
        "type": "video_file",
        "file_name": "ЛЮТЫИ_ФЛЕКС_В_DEMONS_SOULS_ПОД_ВАШИ_ТРЕКИ_0002.mp4",  # noqa: RUF001
        "mime_type": "video/mp4",
        "size": 1945177830,
        "duration_seconds": 4762,
        "width": 1280,
        "height": 720,
        "thumbnail_size": 8842,
        "included": False,
        "not_included": "export_settings",
    }
    assert message.payload["text_entities"][1] == {"type": "hashtag", "text": "#DemonsSouls"}


@pytest.mark.parametrize(
    ("placeholder", "reason"),
    [
        ("(File exceeds maximum size. Change data exporting settings to download.)", "too_large"),
        ("(File unavailable, please try again later)", "unavailable"),
    ],
)
def test_file_placeholders_are_recognised(placeholder: str, reason: str) -> None:
    item = {"id": 1, "type": "message", "date_unixtime": "1700000000", "text": ""}
    item |= {"file": placeholder, "media_type": "video_file", "mime_type": "video/mp4"}
    media = read_message(item, UTC_ZONE, Path("result.json")).payload["media"]
    assert media == {
        "type": "video_file",
        "mime_type": "video/mp4",
        "included": False,
        "not_included": reason,
    }


def test_an_included_photo_keeps_its_path() -> None:
    media = read_message(_by_id(OLD_FORMAT, 3), UTC_ZONE, OLD_FORMAT).payload["media"]
    assert media == {
        "type": "photo",
        "width": 801,
        "height": 526,
        "file": "photos/photo_1@12-11-2020_12-57-31.jpg",
        "included": True,
    }


def test_forwards_replies_authors_reactions_and_polls_stay_in_the_payload() -> None:
    forwarded = read_message(_by_id(RUSSIAN, 2361), UTC_ZONE, RUSSIAN).payload
    poll_item = next(item for item in _messages(TRANTOR) if "poll" in item)
    poll = read_message(poll_item, UTC_ZONE, TRANTOR).payload
    reply_item = next(item for item in _messages(TRANTOR) if "reply_to_message_id" in item)
    reply = read_message(reply_item, UTC_ZONE, TRANTOR)
    assert {"forwarded_from", "forwarded_from_id", "reactions"} <= forwarded.keys()
    assert poll["poll"] == poll_item["poll"]
    assert reply.reply_to == reply_item["reply_to_message_id"]
    assert "author" in read_message(_by_id(TRANTOR, 6), UTC_ZONE, TRANTOR).payload


def test_an_oversized_payload_is_capped() -> None:
    huge = [{"type": "bold", "text": "x" * 1000} for _ in range(400)]
    item = {"id": 1, "type": "message", "date_unixtime": "1700000000", "text": huge}
    item |= {"from": "A", "reply_to_message_id": 7}
    message = read_message(item, UTC_ZONE, Path("result.json"))
    assert message.payload["truncated"] is True
    assert message.payload["from"] == "A"
    assert message.payload["reply_to_message_id"] == 7
    assert len(message.text) == 400_000


# --- the text flattening property -----------------------------------------------------------

_plain = st.text(max_size=30)
_part = st.fixed_dictionaries(
    {"type": st.sampled_from(["bold", "text_link", "link", "mention", "custom_emoji"])},
    optional={"text": _plain, "href": st.text(min_size=1, max_size=30)},
)
_text = st.one_of(_plain, st.lists(st.one_of(_plain, _part), max_size=8))


@given(_text)
def test_flattening_keeps_every_part_and_every_url(text: Any) -> None:
    flat = flatten_text(text)
    parts = text if isinstance(text, list) else [text]
    position = 0
    for part in parts:
        piece = part if isinstance(part, str) else part.get("text", "")
        found = flat.find(piece, position)
        assert found >= 0
        position = found + len(piece)
        if isinstance(part, dict) and "href" in part:
            assert part["href"] in flat


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[1]) == pid:
            children.add(int(stat.parent.name))
    return children


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_the_reader_process_ends_when_the_import_is_killed(tmp_path: Path) -> None:
    """`kill -9` of an import of a large export (read in a worker process) leaves no
    process of it behind: not the worker, not multiprocessing's helper."""
    export = write_channel_export(tmp_path / "result.json", 40_000, padding=360)
    assert export.stat().st_size >= WORKER_MIN_BYTES
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite'}")
    command = [sys.executable, "-c", "from tg_parser.cli.app import main; main()"]
    importing = subprocess.Popen(
        [*command, "import", str(export), "--channel", "notes"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while len(children := _children(importing.pid)) < 2 and time.monotonic() < deadline:
        assert importing.poll() is None, "the import ended before it could be killed"
        time.sleep(0.05)
    assert len(children) >= 2, "no worker process started"
    time.sleep(0.5)  # the worker is reading
    importing.kill()
    importing.wait()

    deadline = time.monotonic() + 5
    while (left := {pid for pid in children if _running(pid)}) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes {sorted(left)} outlived the killed import"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"text": "a\ud800b"}, "surrogates not allowed"),
        ({"text": "ok", "views": 2**70}, "64-bit"),
    ],
)
def test_a_value_no_database_can_hold_is_a_damaged_export(
    fields: dict[str, Any], problem: str
) -> None:
    """What ijson's pure-Python backend lets through (its C backend refuses it earlier)."""
    item = {"id": 7, "type": "message", "date_unixtime": "1704067200"} | fields
    with pytest.raises(
        ExportFormatError, match=f"message 7 has a value that cannot be stored.*{problem}"
    ):
        read_message(item, UTC_ZONE, Path("result.json"))
