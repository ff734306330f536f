"""``/api/v1/sources``: the channels to collect — list, add, show, update, pause, resume,
remove. Reading needs a ``read`` key, the rest an ``admin`` key; a key limited to channels
sees and touches only its own."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from tg_parser import registry
from tg_parser.api.auth import Admin, Reader
from tg_parser.api.cache import CachedRoute
from tg_parser.api.deps import AppSettings, Db
from tg_parser.api.filters import ChannelKey, Interval, Moment
from tg_parser.api.pages import Page, Paging
from tg_parser.api.visibility import visible_source
from tg_parser.errors import ForbiddenError
from tg_parser.models import SourceStatus, SourceVia

router = APIRouter(prefix="/sources", tags=["sources"], route_class=CachedRoute)

SourceChannel = Annotated[
    ChannelKey, Path(description="The source's key, @name, t.me link or -100… id.")
]


class SourceOut(BaseModel):
    """A source with its settings, health and the messages stored for it."""

    channel_key: str
    username: str | None = None
    title: str | None = None
    via: SourceVia
    status: SourceStatus
    status_reason: str | None = None
    include_comments: bool
    poll_interval_seconds: int
    history_from: datetime | None = None
    history_to: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    posts: int
    comments: int

    @classmethod
    def of(cls, summary: registry.SourceSummary) -> SourceOut:
        fields: dict[str, Any] = summary.to_json()
        return cls.model_validate({name: fields.get(name) for name in cls.model_fields})


class AttemptOut(BaseModel):
    """One collection attempt of the source."""

    run_id: str | None = None
    started_at: datetime
    finished_at: datetime | None = None
    status: str
    messages_stored: int
    error_class: str | None = None
    error_message: str | None = None


class SourceDetail(SourceOut):
    """A source with its cursor, health and most recent attempts (newest first)."""

    high_watermark: int | None = None
    backfill_complete: bool
    last_attempt_at: datetime | None = None
    last_error_at: datetime | None = None
    fail_count: int
    attempts: list[AttemptOut]

    @classmethod
    def of(cls, summary: registry.SourceSummary) -> SourceDetail:
        fields = summary.to_json(with_attempts=True)
        return cls.model_validate({name: fields.get(name) for name in cls.model_fields})


class SourceSettings(BaseModel):
    """Settings to change; a field left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    via: SourceVia | None = Field(None, description="telegram, web or export.")
    include_comments: bool | None = Field(None, description="Collect comments too.")
    since: Moment | None = Field(None, description="History window start (ISO; naive = UTC).")
    until: Moment | None = Field(None, description="History window end (ISO; naive = UTC).")
    poll_interval: Interval | None = Field(
        None, description="How often to poll: seconds, or 30m, 1h, 1d."
    )

    def values(self) -> dict[str, Any]:
        return {
            "via": self.via,
            "include_comments": self.include_comments,
            "since": self.since,
            "until": self.until,
            "poll_interval_seconds": self.poll_interval,
        }


class NewSource(SourceSettings):
    """A channel to add (or, when added already, the settings to change)."""

    channel: ChannelKey = Field(description="@name, name, t.me link or -100… id.")


class SourceChange(BaseModel):
    action: Literal["added", "updated", "unchanged"]
    source: SourceOut


class RemovedSource(BaseModel):
    channel_key: str
    kept_messages: int = Field(description="Stored messages of the channel (they stay).")


@router.get("", summary="List sources")
async def list_sources(db: Db, principal: Reader, paging: Paging) -> Page[SourceOut]:
    summaries = await registry.list_sources(db)
    visible = [s for s in summaries if principal.sees(s.source.channel_key)]
    return paging.slice([SourceOut.of(summary) for summary in visible])


@router.post(
    "",
    summary="Add a source, or change its settings",
    status_code=201,
    responses={200: {"model": SourceChange, "description": "Added already: settings changed"}},
)
async def add_source(
    db: Db, principal: Admin, settings: AppSettings, body: NewSource, response: Response
) -> SourceChange:
    if not principal.sees(body.channel):
        raise ForbiddenError(f"this key is limited to its channels; it may not add {body.channel}")
    result = await registry.add_source(
        db, body.channel, new_via=registry.default_via(settings), **body.values()
    )
    if result.action != "added":
        response.status_code = 200
    return await _change(db, result)


@router.get("/{channel}", summary="Show a source with its recent attempts")
async def show_source(db: Db, principal: Reader, channel: SourceChannel) -> SourceDetail:
    key = await visible_source(db, principal, channel)
    return SourceDetail.of(await registry.show_source(db, key))


@router.patch("/{channel}", summary="Change a source's settings")
async def update_source(
    db: Db, principal: Admin, channel: SourceChannel, body: SourceSettings
) -> SourceChange:
    key = await visible_source(db, principal, channel)
    return await _change(db, await registry.update_source(db, key, **body.values()))


@router.post("/{channel}/pause", summary="Stop collecting a source until it is resumed")
async def pause_source(db: Db, principal: Admin, channel: SourceChannel) -> SourceOut:
    key = await visible_source(db, principal, channel)
    await registry.pause_source(db, key)
    return SourceOut.of(await registry.show_source(db, key, attempts=0))


@router.post("/{channel}/resume", summary="Make a paused or failed source active again")
async def resume_source(db: Db, principal: Admin, channel: SourceChannel) -> SourceOut:
    key = await visible_source(db, principal, channel)
    await registry.resume_source(db, key)
    return SourceOut.of(await registry.show_source(db, key, attempts=0))


@router.delete("/{channel}", summary="Remove a source (its stored messages stay)")
async def remove_source(db: Db, principal: Admin, channel: SourceChannel) -> RemovedSource:
    key = await visible_source(db, principal, channel)
    result = await registry.remove_source(db, key)
    return RemovedSource(channel_key=result.source.channel_key, kept_messages=result.kept_messages)


async def _change(db: Db, result: registry.AddResult) -> SourceChange:
    summary = await registry.show_source(db, result.source.channel_key, attempts=0)
    return SourceChange(action=result.action, source=SourceOut.of(summary))
