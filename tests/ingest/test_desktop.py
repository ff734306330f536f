"""The import service on SQLite and PostgreSQL: counts, idempotence, edits, threads, bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tg_parser.errors import ChatNotFoundError, ExportFormatError, InputError, RunInProgressError
from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.runs import track_run
from tg_parser.store.database import Database

EXPORTS = Path(__file__).parents[1] / "data" / "export"
RUSSIAN = EXPORTS / "ru_public_channel_guzelskie_perezalivy_3719msgs.json"
SALAF = EXPORTS / "ar_en_public_channel_upon_the_path_of_salaf_213msgs.json"
OLD_FORMAT = EXPORTS / "en_private_channel_test_oldformat_2021_19msgs.json"
CHANNEL = EXPORTS / "discussion_channel.json"
GROUP = EXPORTS / "discussion_group.json"


async def _run(db: Database, path: Path, **options: Any) -> dict[str, int]:
    report = await import_desktop(db, ImportOptions(path=path, **options))
    return report.counters


async def _last_run(db: Database) -> Any:
    async with db.transaction() as repos:
        runs = await repos.runs.list(limit=1)
    return runs[0]


@pytest.mark.parametrize(
    ("name", "read", "stored", "service", "duplicates", "unsupported"),
    [
        ("zh_public_channel_trantor_library_924msgs.json", 924, 908, 16, 0, 0),
        ("en_private_channel_test_oldformat_2021_19msgs.json", 19, 18, 1, 0, 0),
        ("SYNTHETIC_tkonverter_personal_chat_all_types.json", 87, 25, 61, 0, 1),
        ("SYNTHETIC_tkonverter_private_group_all_types.json", 45, 23, 21, 0, 1),
        ("ru_public_channel_guzelskie_perezalivy_3719msgs.json", 3719, 3717, 2, 0, 0),
        ("ar_en_public_channel_upon_the_path_of_salaf_213msgs.json", 213, 208, 5, 0, 0),
        ("en_private_group_anonymized_tsu2000_256msgs.json", 256, 1, 6, 249, 0),
        ("en_private_group_small_10msgs.json", 10, 7, 3, 0, 0),
    ],
)
async def test_every_export_imports_completely(
    db: Database,
    name: str,
    read: int,
    stored: int,
    service: int,
    duplicates: int,
    unsupported: int,
) -> None:
    counters = await _run(db, EXPORTS / name)
    assert counters["messages_read"] == read
    assert counters["inserted"] == stored
    assert counters["service_skipped"] == service
    assert counters["duplicate_ids"] == duplicates
    assert counters["unsupported_skipped"] == unsupported
    async with db.transaction() as repos:
        assert await repos.messages.count() == stored
    run = await _last_run(db)
    assert run.status == "succeeded"
    assert run.counters["inserted"] == stored


async def test_the_source_row_is_created_then_updated(db: Database) -> None:
    await _run(db, OLD_FORMAT)
    async with db.transaction() as repos:
        source = await repos.sources.get("-1001292077344")
        attempts = await repos.sources.attempts(source.id) if source else []
    assert source is not None
    assert (source.title, source.numeric_id, source.via) == ("test", -1001292077344, "export")
    assert source.last_success_at is not None
    assert attempts[0]["status"] == "succeeded"
    assert attempts[0]["messages_stored"] == 18


async def test_channel_option_assigns_the_username(db: Database) -> None:
    await _run(db, OLD_FORMAT, channel="@Test_Channel")
    async with db.transaction() as repos:
        source = await repos.sources.get("test_channel")
        message = await repos.messages.get("tg:test_channel:post:2")
    assert source is not None and source.username == "test_channel"
    assert message is not None and message["text"] == "test text post"


async def test_a_known_numeric_id_keeps_its_channel_key(db: Database) -> None:
    await _run(db, OLD_FORMAT, channel="@test_channel")
    counters = await _run(db, OLD_FORMAT)
    assert counters["unchanged"] == 18
    with pytest.raises(InputError, match="already stored as channel 'test_channel'"):
        await _run(db, OLD_FORMAT, channel="@other_name")


async def test_the_username_its_own_links_reveal_is_recorded(db: Database) -> None:
    report = await import_desktop(db, ImportOptions(path=SALAF))
    async with db.transaction() as repos:
        source = await repos.sources.get("-1003204528972")
    assert source is not None and source.username == "uponthepathofsalaf"
    assert (report.channel, report.username) == ("-1003204528972", "uponthepathofsalaf")


async def test_no_username_when_another_channel_holds_it(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.sources.upsert("uponthepathofsalaf", numeric_id=-1009999999999)
    report = await import_desktop(db, ImportOptions(path=SALAF))
    assert report.username is None


async def test_old_format_dates_use_the_timezone(db: Database) -> None:
    await _run(db, OLD_FORMAT, timezone="Asia/Tokyo")
    async with db.transaction() as repos:
        message = await repos.messages.get("tg:-1001292077344:post:5")
    assert message is not None
    assert message["date"] == datetime(2020, 11, 12, 3, 58, 18, tzinfo=UTC)
    assert message["edit_date"] == datetime(2020, 11, 12, 4, 3, 0, tzinfo=UTC)
    assert message["thread_id"] == 5
    assert message["text"].startswith("italic\n\nbold\n\n")


async def test_reimporting_adds_nothing(db: Database) -> None:
    first = await _run(db, RUSSIAN)
    second = await _run(db, RUSSIAN)
    assert (first["inserted"], first["unchanged"]) == (3717, 0)
    assert (second["inserted"], second["edited"], second["unchanged"]) == (0, 0, 3717)
    async with db.transaction() as repos:
        assert await repos.messages.count_versions() == 0


async def test_a_changed_text_is_recorded_as_an_edit(db: Database, tmp_path: Path) -> None:
    await _run(db, OLD_FORMAT)
    export = json.loads(OLD_FORMAT.read_text())
    post = next(m for m in export["messages"] if m["id"] == 2)
    post["text"] = "test text post, corrected"
    post["edited"] = "2020-11-13T09:00:00"
    edited = tmp_path / "result.json"
    edited.write_text(json.dumps(export))
    counters = await _run(db, edited)
    assert (counters["edited"], counters["unchanged"]) == (1, 17)
    async with db.transaction() as repos:
        history = await repos.messages.history("tg:-1001292077344:post:2")
    assert [version["text"] for version in history] == [
        "test text post",
        "test text post, corrected",
    ]


async def test_discussion_group_becomes_comments_of_the_right_posts(db: Database) -> None:
    await _run(db, CHANNEL, channel="@garden_notes")
    counters = await _run(db, GROUP, comments_for="https://t.me/garden_notes")
    assert counters["comments"] == counters["inserted"] == 5
    assert (counters["thread_roots"], counters["unmatched_copies"]) == (3, 1)
    assert (counters["not_in_thread"], counters["service_skipped"]) == (4, 2)
    async with db.transaction() as repos:
        rows = [await repos.messages.get(f"tg:garden_notes:comment:{i}") for i in range(10, 24)]
    threads = {
        row["message_id"]: (row["thread_id"], row["parent_message_id"]) for row in rows if row
    }
    assert threads == {11: (2, 2), 12: (2, 11), 14: (3, 3), 19: (5, 5), 20: (2, 12)}
    comment = next(row for row in rows if row and row["message_id"] == 11)
    assert comment["message_type"] == "comment"
    assert comment["channel_id"] == "garden_notes"
    assert comment["raw_payload"]["from"] == "Alice"
    again = await _run(db, GROUP, comments_for="@garden_notes")
    assert (again["inserted"], again["unchanged"]) == (0, 5)


async def test_comments_need_the_channel_posts_first(db: Database) -> None:
    with pytest.raises(InputError, match="has no imported posts: import the channel's own"):
        await _run(db, GROUP, comments_for="@garden_notes")
    assert (await _last_run(db)).status == "failed"


async def test_nul_characters_are_dropped_so_both_backends_hold_the_same_data(
    db: Database, tmp_path: Path
) -> None:
    """PostgreSQL cannot store NUL in text or JSON; they are dropped on both backends, and a
    group's copy of a post still finds the post."""
    channel, group = tmp_path / "channel.json", tmp_path / "group.json"
    channel.write_text(
        CHANNEL.read_text()
        .replace("Tomatoes:", "Tomatoes:\\u0000")
        .replace('"name": "Garden Notes"', '"name": "Garden\\u0000 Notes"')
    )
    group.write_text(
        GROUP.read_text()
        .replace("Tomatoes:", "Tomatoes:\\u0000")
        .replace('"Six weeks', '"Six\\u0000 weeks')
        .replace('"from": "Alice"', '"from": "Al\\u0000ice", "n\\u0000te": ["x\\u0000"]')
    )
    posts = await _run(db, channel, channel="@garden_notes")
    comments = await _run(db, group, comments_for="@garden_notes")
    assert (posts["inserted"], comments["comments"], comments["thread_roots"]) == (4, 5, 3)
    async with db.transaction() as repos:
        post = await repos.messages.get("tg:garden_notes:post:2")
        comment = await repos.messages.get("tg:garden_notes:comment:11")
        source = await repos.sources.get("garden_notes")
    assert post is not None and comment is not None and source is not None
    assert post["text"] == "Tomatoes: start seeds indoors six weeks before the last frost."
    assert post["raw_payload"]["text_entities"][0]["text"] == post["text"]
    assert comment["text"] == "Six weeks worked for me too."
    assert (comment["raw_payload"]["from"], comment["raw_payload"]["nte"]) == ("Alice", ["x"])
    assert source.title == "Garden Notes"


async def test_full_account_export_imports_the_chosen_chat(db: Database) -> None:
    account = EXPORTS / "full_account_3chats.json"
    counters = await _run(db, account, chat="test")
    assert (counters["messages_read"], counters["inserted"]) == (19, 18)
    left = await _run(db, account, chat="3204528972")
    assert (left["messages_read"], left["inserted"]) == (20, 17)
    with pytest.raises(InputError, match="holds 3 chats: pass --chat"):
        await _run(db, account)
    with pytest.raises(ChatNotFoundError):
        await _run(db, account, chat="nobody")
    assert (await _last_run(db)).status == "failed"


# worker_min_bytes=0: the file is read by the worker process, as large exports are
READERS = pytest.mark.parametrize("reader", [{}, {"worker_min_bytes": 0}], ids=["inline", "worker"])


@READERS
async def test_the_worker_process_reads_posts_and_comments_like_the_inline_reader(
    db: Database, reader: dict[str, int]
) -> None:
    posts = await _run(db, CHANNEL, channel="@garden_notes", **reader)
    comments = await _run(db, GROUP, comments_for="@garden_notes", **reader)
    assert (posts["inserted"], posts["service_skipped"]) == (4, 1)
    assert (comments["comments"], comments["thread_roots"]) == (5, 3)
    async with db.transaction() as repos:
        comment = await repos.messages.get("tg:garden_notes:comment:12")
    assert comment is not None
    assert (comment["thread_id"], comment["parent_message_id"]) == (2, 11)


@READERS
async def test_truncated_export_fails_keeps_earlier_batches_and_resumes(
    db: Database, tmp_path: Path, reader: dict[str, int]
) -> None:
    truncated = tmp_path / "result.json"
    truncated.write_bytes(RUSSIAN.read_bytes()[:1_500_000])
    with pytest.raises(ExportFormatError, match="is not valid JSON near byte 1500000"):
        await _run(db, truncated, batch_size=500, **reader)
    failed = await _last_run(db)
    assert failed.status == "failed"
    assert "not valid JSON" in failed.error
    async with db.transaction() as repos:
        kept = await repos.messages.count()
        source = await repos.sources.get("-1002447843635")
    assert kept == 498 + 500 + 500  # three whole batches (the first holds two service messages)
    assert failed.counters["inserted"] == kept
    assert source is not None and source.last_error is not None
    resumed = await _run(db, RUSSIAN, batch_size=500)
    assert (resumed["unchanged"], resumed["inserted"]) == (kept, 3717 - kept)


async def test_a_non_export_fails_the_run_and_stores_nothing(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "result.json"
    path.write_text('{"about": "not a chat"}')
    with pytest.raises(ExportFormatError, match="is not a Telegram Desktop export"):
        await _run(db, path)
    async with db.transaction() as repos:
        assert await repos.sources.list() == []
    assert (await _last_run(db)).status == "failed"


async def test_an_import_into_a_channel_another_import_holds_is_refused(db: Database) -> None:
    async with track_run(db, "import", {}, claims=["garden_notes"]) as other:
        with pytest.raises(RunInProgressError, match=f"run {other.id} \\(import\\) is already"):
            await _run(db, CHANNEL, channel="@garden_notes")
        async with db.transaction() as repos:
            assert await repos.messages.count() == 0
    assert (await _run(db, CHANNEL, channel="@garden_notes"))["inserted"] > 0


@READERS
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper than 20 levels"),
        (b'"h\xed\xa0\x80i"', "is not valid UTF-8"),
    ],
    ids=["deep", "surrogate"],
)
async def test_a_crafted_export_fails_alike_in_the_worker_and_stores_nothing(
    db: Database, tmp_path: Path, reader: dict[str, int], text: bytes, problem: str
) -> None:
    path = tmp_path / "result.json"
    message = b'{"id": 5, "type": "message", "date_unixtime": "1704067200", "text": TEXT}'
    head = b'{"name": "Crafted", "type": "public_channel", "id": 123, "messages": ['
    path.write_bytes(head + message.replace(b"TEXT", text) + b"]}")
    with pytest.raises(ExportFormatError, match=problem):
        await _run(db, path, **reader)
    async with db.transaction() as repos:
        assert await repos.messages.count() == 0
    assert (await _last_run(db)).status == "failed"
