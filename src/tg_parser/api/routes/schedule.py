"""``/api/v1/schedule``: each source's place in the scheduler — poll interval, state, next
run and last outcome. Needs a ``read`` key; a key limited to channels sees only its own."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from tg_parser.api.auth import Reader
from tg_parser.api.deps import Db
from tg_parser.api.pages import Page, Paging
from tg_parser.models import ScheduleOutcome, SourceStatus
from tg_parser.schedule import PlanState, schedule_plans

router = APIRouter(prefix="/schedule", tags=["schedule"])


class ScheduleOut(BaseModel):
    """A source in the schedule (see docs/operations.md, Scheduler)."""

    channel_key: str
    status: SourceStatus
    state: PlanState = Field(
        description="due, waiting, running, deferred (FloodWait), paused, error or export."
    )
    reason: str = Field(description="Why the source is in this state, in one line.")
    interval_seconds: int
    next_run_at: datetime | None = Field(
        None, description="When the scheduler runs it next; null when it does not."
    )
    failures: int = Field(description="Failures in a row (they lengthen the wait).")
    last_run_id: str | None = None
    last_outcome: ScheduleOutcome | None = None
    last_finished_at: datetime | None = None
    last_error: str | None = None


@router.get("", summary="List each source's poll interval, next run and last outcome")
async def list_schedule(db: Db, principal: Reader, paging: Paging) -> Page[ScheduleOut]:
    plans = await schedule_plans(db, principal.channels)
    return paging.slice([ScheduleOut.model_validate(plan.to_json()) for plan in plans])
