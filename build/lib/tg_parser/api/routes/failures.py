"""``/api/v1/failures``: messages a stage could not handle, most recent first."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from tg_parser.api.auth import Reader
from tg_parser.api.deps import Db
from tg_parser.api.filters import ChannelKey
from tg_parser.api.pages import Page, Paging
from tg_parser.api.visibility import visible_channels
from tg_parser.failures import list_failures
from tg_parser.store import FailureRecord

router = APIRouter(prefix="/failures", tags=["failures"])


class FailureOut(BaseModel):
    """A message a stage failed on: how often, last in which run, and why."""

    source_ref: str
    stage: str
    run_id: str | None = None
    attempts: int
    error_class: str
    error_message: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, record: FailureRecord) -> FailureOut:
        return cls.model_validate(record, from_attributes=True)


@router.get("", summary="List current failures, most recent first")
async def failures(
    db: Db,
    principal: Reader,
    paging: Paging,
    channel: Annotated[ChannelKey | None, Query(description="Only this channel's.")] = None,
    stage: Annotated[
        str | None, Query(max_length=32, description="Only this stage's, e.g. process.")
    ] = None,
) -> Page[FailureOut]:
    channels = await visible_channels(db, principal, channel)
    found = await list_failures(db, stage=stage, channels=channels)
    return paging.slice([FailureOut.of(record) for record in found])
