"""The source registry: add, list, show, pause, resume and remove the channels to collect,
and the one channel resolver every service that takes a channel uses.

Adding a source again changes only the settings given; cursors (high-watermark, comment
cursors) and health (last attempt/success/error, fail count) are never reset here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar, overload

from pydantic_core import to_jsonable_python

from tg_parser.config import Settings
from tg_parser.errors import InputError, NotFoundError
from tg_parser.models import Source, SourceStatus, SourceVia, channel_key
from tg_parser.sources.telegram_session import telegram_configured
from tg_parser.store import ChannelLabel, Database, Repositories

AddAction = Literal["added", "updated", "unchanged"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_INTERVAL_PART = re.compile(r"(\d+)([smhd])")
KNOWN_LISTED = 10  # channels named in an "unknown channel" message
_Named = TypeVar("_Named", Source, ChannelLabel)


@dataclass(frozen=True)
class SourceSummary:
    """A source with the number of posts and comments stored for it."""

    source: Source
    posts: int = 0
    comments: int = 0
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, *, with_attempts: bool = False) -> dict[str, Any]:
        data = self.source.model_dump(mode="json") | {
            "posts": self.posts,
            "comments": self.comments,
        }
        if with_attempts:
            data["attempts"] = to_jsonable_python(self.attempts)
        return data


@dataclass(frozen=True)
class AddResult:
    source: Source
    action: AddAction


@dataclass(frozen=True)
class RemoveResult:
    source: Source
    kept_messages: int


def default_via(settings: Settings) -> SourceVia:
    """How new sources are collected: ``telegram`` when Telegram credentials and a session
    are configured, else ``web``."""
    return "telegram" if telegram_configured(settings) else "web"


def parse_when(text: str, option: str) -> datetime:
    """An ISO date or datetime; a naive one is read as UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{option} {text!r} is not a date: use 2024-01-31 or 2024-01-31T18:00:00+03:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def parse_interval(text: str) -> int:
    """Seconds in ``90``, ``90s``, ``30m``, ``1h``, ``1d`` or a sum like ``1h30m``."""
    compact = text.strip().lower().replace(" ", "")
    seconds = 0
    if compact.isdigit():
        seconds = int(compact)
    elif compact and not _INTERVAL_PART.sub("", compact):
        seconds = sum(int(n) * _UNITS[unit] for n, unit in _INTERVAL_PART.findall(compact))
    if seconds <= 0:
        raise InputError(f"--poll-interval {text!r} is not a duration: use seconds or 30m, 1h, 1d")
    return seconds


async def add_source(
    db: Database,
    channel: str,
    *,
    via: SourceVia | None = None,
    include_comments: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    poll_interval_seconds: int | None = None,
    export_dir: str | None = None,
    provider: str | None = None,
    model: str | None = None,
    new_via: SourceVia = "web",
) -> AddResult:
    """Register a channel, or update the settings given (``None`` = leave as it is; ``""``
    clears ``export_dir``, ``provider`` or ``model``); a new channel without ``via`` is
    collected ``new_via`` (see :func:`default_via`), polled every
    SCHEDULE_DEFAULT_POLL_INTERVAL unless ``poll_interval_seconds`` is given."""
    key = channel_key(channel)
    given: dict[str, Any] = {
        "via": via,
        "include_comments": include_comments,
        "history_from": since,
        "history_to": until,
        "poll_interval_seconds": poll_interval_seconds,
    }
    values = {name: value for name, value in given.items() if value is not None}
    values |= _run_settings(export_dir, provider, model)
    async with db.transaction() as repos:
        existing = _match(await repos.sources.list(), key)
        if existing is None:
            interval = db.settings.schedule_default_poll_interval
            values = {"via": new_via, "poll_interval_seconds": interval} | _identity(key) | values
        else:
            key = existing.channel_key
        old_from, old_to = (
            (existing.history_from, existing.history_to) if existing else (None, None)
        )
        _check_window(since or old_from, until or old_to)
        source = await repos.sources.upsert(key, **values)
    action: AddAction = "added" if existing is None else "updated" if values else "unchanged"
    return AddResult(source, action)


async def update_source(
    db: Database,
    channel: str,
    *,
    via: SourceVia | None = None,
    include_comments: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    poll_interval_seconds: int | None = None,
    export_dir: str | None = None,
    provider: str | None = None,
    model: str | None = None,
) -> AddResult:
    """Change the settings given (``None`` = leave as it is) of a source already added."""
    source = await get_source(db, channel)
    return await add_source(
        db,
        source.channel_key,
        via=via,
        include_comments=include_comments,
        since=since,
        until=until,
        poll_interval_seconds=poll_interval_seconds,
        export_dir=export_dir,
        provider=provider,
        model=model,
    )


def _run_settings(
    export_dir: str | None, provider: str | None, model: str | None
) -> dict[str, str | None]:
    """The scheduled-run settings given, checked (``""`` clears one): the export directory
    made absolute (the scheduler may run elsewhere), a known provider."""
    values: dict[str, str | None] = {}
    if export_dir is not None:
        values["export_dir"] = str(_export_dir(export_dir)) if export_dir.strip() else None
    if provider is not None:
        from tg_parser.llm.providers import PROVIDERS

        if provider and provider not in PROVIDERS:
            raise InputError(f"--provider {provider!r}: use one of {', '.join(PROVIDERS)}")
        values["provider"] = provider or None
    if model is not None:
        values["model"] = model.strip() or None
    return values


def _export_dir(text: str) -> Path:
    path = Path(text).expanduser().resolve()
    if path.parent == path:
        raise InputError(f"--export-dir {text!r} is the root of the file system: give a folder")
    return path


def _identity(key: str) -> dict[str, Any]:
    """What the key itself says about a new channel: its username or its numeric id."""
    return {"numeric_id": int(key)} if key.startswith("-") else {"username": key}


def _check_window(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and since > until:
        raise InputError(
            f"the history window starts ({since.isoformat()}) after it ends "
            f"({until.isoformat()}): give --since before --until"
        )


async def list_sources(db: Database) -> list[SourceSummary]:
    async with db.reading() as repos:
        sources = await repos.sources.list()
        counts = await repos.sources.message_counts()
    return [SourceSummary(source, *_counts_of(source, counts)) for source in sources]


async def show_source(db: Database, channel: str, attempts: int = 20) -> SourceSummary:
    """A source with its message counts and most recent attempts (newest first)."""
    async with db.reading() as repos:
        source = await _existing(repos, channel)
        counts = await repos.sources.message_counts()
        recent = await repos.sources.attempts(source.id, limit=attempts)
    return SourceSummary(source, *_counts_of(source, counts), attempts=recent)


async def pause_source(db: Database, channel: str) -> Source:
    return await _set_status(db, channel, "paused")


async def resume_source(db: Database, channel: str) -> Source:
    """Back to ``active`` (also from ``error``)."""
    return await _set_status(db, channel, "active")


async def _set_status(db: Database, channel: str, status: SourceStatus) -> Source:
    """Set the status by hand; a manual change clears the automatic status reason."""
    async with db.transaction() as repos:
        source = await _existing(repos, channel)
        await repos.sources.set_status(source.channel_key, status, None)
        return await _existing(repos, source.channel_key)


async def get_source(db: Database, channel: str) -> Source:
    async with db.reading() as repos:
        return await _existing(repos, channel)


async def remove_source(db: Database, channel: str) -> RemoveResult:
    """Delete the source with its attempts and cursors; stored messages stay."""
    async with db.transaction() as repos:
        source = await _existing(repos, channel)
        await repos.sources.remove(source.channel_key)
        kept = await repos.messages.count(source.channel_key)
    return RemoveResult(source, kept)


@overload
async def resolve_channel(db: Database, channel: str) -> str: ...
@overload
async def resolve_channel(db: Database, channel: None) -> None: ...
async def resolve_channel(db: Database, channel: str | None) -> str | None:
    """The stored key of the channel the user named (``None``: every channel).

    Every service that takes a channel asks here, so a typo fails the same way everywhere
    instead of quietly selecting nothing (an export of nothing would replace a full one).
    A channel is known when a source has it as its key, numeric id or username, or when
    messages of it are stored (removing a source keeps them).
    """
    if channel is None:
        return None
    key = channel_key(channel)
    async with db.reading() as repos:
        sources = await repos.sources.labels()
        source = _match(sources, key)
        if source is not None:
            return source.channel_key
        stored = await repos.sources.message_counts()
    if key in stored:
        return key
    known = [source.channel_key for source in sources] + list(stored)
    raise NotFoundError(unknown_channel("channel", key, known))


async def _existing(repos: Repositories, channel: str) -> Source:
    key = channel_key(channel)
    sources = await repos.sources.list()
    source = _match(sources, key)
    if source is None:
        known = [source.channel_key for source in sources]
        raise NotFoundError(unknown_channel("source", key, known))
    return source


def _match(sources: Sequence[_Named], key: str) -> _Named | None:
    """The source under this key, else the one with this numeric id or username."""
    exact = [source for source in sources if source.channel_key == key]
    aliases = [source for source in sources if key in (source.username, str(source.numeric_id))]
    return next(iter(exact + aliases), None)


def unknown_channel(noun: str, key: str, known: Iterable[str]) -> str:
    """One line: what is not known, which are, and how to add one."""
    names = sorted(set(known))
    listed = ", ".join(names[:KNOWN_LISTED])
    if len(names) > KNOWN_LISTED:
        listed += f" and {len(names) - KNOWN_LISTED} more"
    return (
        f"no {noun} {key!r} ({'known: ' + listed if names else 'none known yet'}): "
        "add one with `tg-parser sources add @name` or `tg-parser import EXPORT`"
    )


def _counts_of(source: Source, counts: dict[str, dict[str, int]]) -> tuple[int, int]:
    """(posts, comments) stored for the source."""
    found = counts.get(source.channel_key, {})
    return found.get("posts", 0), found.get("comments", 0)
