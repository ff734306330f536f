"""The source registry service, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select

from tg_parser import registry
from tg_parser.clock import utcnow
from tg_parser.errors import InputError, NotFoundError
from tg_parser.models import CollectedMessage, RawTelegramMessage, source_ref
from tg_parser.store.database import Database
from tg_parser.store.tables import comment_cursors

SINCE = datetime(2024, 1, 1, tzinfo=UTC)
UNTIL = datetime(2024, 12, 31, tzinfo=UTC)


def post(channel: str, message_id: int, message_type: str = "post") -> CollectedMessage:
    ref = source_ref(channel, message_type, message_id)  # type: ignore[arg-type]
    message = RawTelegramMessage(
        id=str(message_id),
        message_type=message_type,  # type: ignore[arg-type]
        source_ref=ref,
        channel_id=channel,
        date=SINCE,
        text=f"message {message_id}",
    )
    return CollectedMessage(message)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31", datetime(2024, 1, 31, tzinfo=UTC)),
        ("2024-01-31T18:00:00", datetime(2024, 1, 31, 18, tzinfo=UTC)),
        ("2024-01-31T18:00:00Z", datetime(2024, 1, 31, 18, tzinfo=UTC)),
        (
            "2024-01-31T18:00:00+03:00",
            datetime(2024, 1, 31, 18, tzinfo=timezone(timedelta(hours=3))),
        ),
    ],
)
def test_parse_when_reads_iso_dates_naive_as_utc(text: str, expected: datetime) -> None:
    parsed = registry.parse_when(text, "--since")
    assert parsed == expected
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("text", ["yesterday", "31.01.2024", "", "2024-13-01"])
def test_parse_when_rejects_non_dates(text: str) -> None:
    with pytest.raises(InputError, match=r"--until .* is not a date"):
        registry.parse_when(text, "--until")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("30m", 1800), ("1h", 3600), ("1d", 86400), ("1h30m", 5400)],
)
def test_parse_interval(text: str, seconds: int) -> None:
    assert registry.parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["0", "0m", "-5", "1w", "h", "", "1.5h", "30 minutes"])
def test_parse_interval_rejects_bad_durations(text: str) -> None:
    with pytest.raises(InputError, match="--poll-interval"):
        registry.parse_interval(text)


async def test_add_normalises_the_channel_and_applies_defaults(db: Database) -> None:
    result = await registry.add_source(db, "https://t.me/s/Durov")

    assert result.action == "added"
    source = result.source
    assert (source.channel_key, source.via, source.status) == ("durov", "web", "active")
    assert (source.include_comments, source.poll_interval_seconds) == (False, 3600)
    assert source.history_from is None and source.history_to is None
    assert (source.username, source.numeric_id) == ("durov", None)


async def test_add_by_numeric_id_records_the_id(db: Database) -> None:
    source = (await registry.add_source(db, "-1001234567890")).source

    assert (source.channel_key, source.numeric_id, source.username) == (
        "-1001234567890",
        -1001234567890,
        None,
    )


async def test_a_numeric_id_finds_the_channel_known_by_username(db: Database) -> None:
    async with db.transaction() as repos:
        await repos.sources.upsert("alpha", numeric_id=-1001234567890)

    result = await registry.add_source(db, "-1001234567890", include_comments=True)

    assert (result.action, result.source.channel_key) == ("updated", "alpha")
    assert (await registry.pause_source(db, "1234567890")).channel_key == "alpha"
    assert [s.source.channel_key for s in await registry.list_sources(db)] == ["alpha"]


async def test_re_add_updates_only_the_given_settings(db: Database) -> None:
    await registry.add_source(
        db, "@alpha", via="telegram", include_comments=True, since=SINCE, poll_interval_seconds=60
    )

    result = await registry.add_source(db, "alpha", until=UNTIL)

    source = result.source
    assert result.action == "updated"
    assert (source.via, source.include_comments, source.poll_interval_seconds) == (
        "telegram",
        True,
        60,
    )
    assert (source.history_from, source.history_to) == (SINCE, UNTIL)


async def test_re_add_without_settings_changes_nothing(db: Database) -> None:
    first = await registry.add_source(db, "alpha", via="export")

    again = await registry.add_source(db, "t.me/alpha")

    assert again.action == "unchanged"
    assert again.source == first.source


async def test_re_add_keeps_cursors_and_health(db: Database) -> None:
    added = (await registry.add_source(db, "alpha")).source
    async with db.transaction() as repos:
        await repos.sources.advance_watermark(added.id, 500)
        attempt = await repos.sources.start_attempt(added.id, run_id=None)
        await repos.sources.finish_attempt(attempt, stored=0, error=RuntimeError("timeout"))
        await repos.sources.conn.execute(
            insert(comment_cursors).values(
                source_id=added.id, post_id=7, last_comment_id=70, updated_at=utcnow()
            )
        )

    source = (await registry.add_source(db, "alpha", via="telegram", include_comments=True)).source

    assert (source.high_watermark, source.fail_count, source.last_error) == (500, 1, "timeout")
    async with db.transaction() as repos:
        cursors = (await repos.sources.conn.execute(select(comment_cursors))).all()
    assert [(row.post_id, row.last_comment_id) for row in cursors] == [(7, 70)]


async def test_add_rejects_a_window_that_ends_before_it_starts(db: Database) -> None:
    with pytest.raises(InputError, match="give --since before --until"):
        await registry.add_source(db, "alpha", since=UNTIL, until=SINCE)


async def test_re_add_checks_the_window_against_the_stored_one(db: Database) -> None:
    await registry.add_source(db, "alpha", since=UNTIL)

    with pytest.raises(InputError, match="give --since before --until"):
        await registry.add_source(db, "alpha", until=SINCE)
    assert (await registry.get_source(db, "alpha")).history_to is None


async def test_add_rejects_what_is_not_a_channel(db: Database) -> None:
    with pytest.raises(InputError, match="not a channel"):
        await registry.add_source(db, "not a channel!")


async def test_list_counts_posts_and_comments_per_source(db: Database) -> None:
    await registry.add_source(db, "alpha")
    await registry.add_source(db, "-1001234567890")
    async with db.transaction() as repos:
        await repos.messages.store(
            [post("alpha", 1), post("alpha", 2), post("alpha", 3, "comment"), post("other", 1)]
        )

    summaries = await registry.list_sources(db)

    counts = {s.source.channel_key: (s.posts, s.comments) for s in summaries}
    assert counts == {"-1001234567890": (0, 0), "alpha": (2, 1)}


async def test_show_includes_recent_attempts_newest_first(db: Database) -> None:
    source = (await registry.add_source(db, "alpha")).source
    async with db.transaction() as repos:
        for stored in (3, 5):
            attempt = await repos.sources.start_attempt(source.id, run_id="run-1")
            await repos.sources.finish_attempt(attempt, stored=stored)

    summary = await registry.show_source(db, "@Alpha")

    assert [a["messages_stored"] for a in summary.attempts] == [5, 3]
    data = summary.to_json(with_attempts=True)
    assert data["attempts"][0]["started_at"].endswith("Z")
    assert data["channel_key"] == "alpha"


async def test_update_changes_only_the_settings_given(db: Database) -> None:
    await registry.add_source(db, "alpha", poll_interval_seconds=90, new_via="web")
    result = await registry.update_source(db, "@Alpha", include_comments=True)
    unchanged = await registry.update_source(db, "alpha")
    assert (result.action, result.source.include_comments) == ("updated", True)
    assert (result.source.poll_interval_seconds, result.source.via) == (90, "web")
    assert unchanged.action == "unchanged"


async def test_update_of_an_unknown_source_adds_nothing(db: Database) -> None:
    with pytest.raises(NotFoundError, match="no source 'ghost'"):
        await registry.update_source(db, "ghost", include_comments=True)
    assert await registry.list_sources(db) == []


async def test_pause_and_resume(db: Database) -> None:
    await registry.add_source(db, "alpha")

    assert (await registry.pause_source(db, "alpha")).status == "paused"
    resumed = await registry.resume_source(db, "alpha")
    assert (resumed.status, resumed.status_reason) == ("active", None)


async def test_resume_clears_an_error(db: Database) -> None:
    await registry.add_source(db, "alpha")
    async with db.transaction() as repos:
        await repos.sources.set_status("alpha", "error", "channel is private")

    resumed = await registry.resume_source(db, "alpha")

    assert (resumed.status, resumed.status_reason) == ("active", None)


async def test_remove_deletes_the_source_and_keeps_messages(db: Database) -> None:
    source = (await registry.add_source(db, "alpha")).source
    async with db.transaction() as repos:
        await repos.messages.store([post("alpha", 1), post("alpha", 2)])
        await repos.sources.start_attempt(source.id, run_id=None)

    result = await registry.remove_source(db, "alpha")

    assert result.kept_messages == 2
    async with db.transaction() as repos:
        assert await repos.sources.get("alpha") is None
        assert await repos.sources.attempts(source.id) == []
        assert await repos.messages.count("alpha") == 2


@pytest.mark.parametrize(
    "action",
    [registry.show_source, registry.pause_source, registry.resume_source, registry.remove_source],
)
async def test_unknown_source_is_not_found(db: Database, action: object) -> None:
    await registry.add_source(db, "alpha")
    with pytest.raises(NotFoundError, match=r"^no source 'ghost' \(known: alpha\): add one with"):
        await action(db, "@ghost")  # type: ignore[operator]


@pytest.mark.parametrize(
    "named", ["alpha", "@Alpha", "https://t.me/alpha", "t.me/s/alpha/12", "-1001111111111"]
)
async def test_resolve_channel_accepts_any_spelling_of_a_source(db: Database, named: str) -> None:
    await registry.add_source(db, "alpha")
    async with db.transaction() as repos:
        await repos.sources.upsert("alpha", numeric_id=-1001111111111)

    assert await registry.resolve_channel(db, named) == "alpha"


async def test_resolve_channel_finds_a_numeric_source_by_its_username(db: Database) -> None:
    """An export imported without --channel is stored under its id, with its username."""
    await registry.add_source(db, "-1002222222222")
    async with db.transaction() as repos:
        await repos.sources.upsert("-1002222222222", username="beta")

    assert await registry.resolve_channel(db, "@beta") == "-1002222222222"
    assert await registry.resolve_channel(db, None) is None


async def test_resolve_channel_knows_the_messages_of_a_removed_source(db: Database) -> None:
    await registry.add_source(db, "alpha")
    async with db.transaction() as repos:
        await repos.messages.store([post("alpha", 1)])
    await registry.remove_source(db, "alpha")

    assert await registry.resolve_channel(db, "@alpha") == "alpha"


async def test_an_unknown_channel_names_the_known_ones(db: Database) -> None:
    with pytest.raises(NotFoundError, match=r"^no channel 'ghost' \(none known yet\): add one"):
        await registry.resolve_channel(db, "@ghost")
    for number in range(12):
        await registry.add_source(db, f"chan{number:02}")
    with pytest.raises(NotFoundError) as raised:
        await registry.resolve_channel(db, "@ghost")

    listed = ", ".join(f"chan{number:02}" for number in range(10))
    assert raised.value.message == (
        f"no channel 'ghost' (known: {listed} and 2 more): add one with "
        "`tg-parser sources add @name` or `tg-parser import EXPORT`"
    )


async def test_resolve_channel_refuses_what_is_not_a_channel(db: Database) -> None:
    with pytest.raises(InputError, match="is not a channel"):
        await registry.resolve_channel(db, "not a channel")


async def test_adding_a_username_updates_the_channel_stored_under_its_id(db: Database) -> None:
    await registry.add_source(db, "-1002222222222")
    async with db.transaction() as repos:
        await repos.sources.upsert("-1002222222222", username="beta")

    result = await registry.add_source(db, "@beta", via="web")

    assert (result.action, result.source.channel_key) == ("updated", "-1002222222222")
    assert [s.source.channel_key for s in await registry.list_sources(db)] == ["-1002222222222"]
