"""``/api/v1/sources``: the channels to collect."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from tg_parser import registry
from tg_parser.api.auth import Reader
from tg_parser.api.deps import Db
from tg_parser.api.pages import Page, Paging
from tg_parser.models import SourceStatus, SourceVia

router = APIRouter(prefix="/sources", tags=["sources"])


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


@router.get("", summary="List sources")
async def list_sources(db: Db, principal: Reader, paging: Paging) -> Page[SourceOut]:
    summaries = await registry.list_sources(db)
    visible = [s for s in summaries if principal.sees(s.source.channel_key)]
    return paging.slice([SourceOut.of(summary) for summary in visible])
