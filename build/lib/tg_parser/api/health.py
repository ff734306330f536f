"""``/health/live`` and ``/health/ready``: for load balancers, orchestrators and Docker.

Outside ``/api/v1`` and open (no key): they say whether the process is up and whether it
can take work, nothing about the data. Neither calls a model provider.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from tg_parser import health
from tg_parser.api.deps import AppSettings, Db
from tg_parser.jobs import RunQueue

router = APIRouter(prefix="/health", tags=["operations"])


class Live(BaseModel):
    status: Literal["ok"] = "ok"


class Ready(BaseModel):
    status: Literal["ready"] = "ready"
    database: str = Field(description="The database backend: `sqlite` or `postgresql`.")
    schema_revision: str = Field(description="The schema's migration (the newest known).")
    queue: Literal["accepting", "none"] = Field(
        description="`accepting`: runs started over HTTP are executed; `none`: no run queue."
    )


@router.get("/live", summary="The process is up")
async def live() -> Live:
    """Answers as long as the process serves requests; touches no database."""
    return Live()


@router.get("/ready", summary="The service can take work")
async def ready(request: Request, db: Db, settings: AppSettings) -> Ready:
    """The database answers, its schema is the newest, and the run queue accepts runs;
    else `503` with every reason in the error message."""
    queue: RunQueue | None = getattr(request.app.state, "queue", None)
    state = await health.readiness(db, queue, timeout=settings.api_health_timeout)
    return Ready(database=state.database, schema_revision=state.schema_revision, queue=state.queue)
