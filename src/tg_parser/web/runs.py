"""``/runs``: the latest runs, with the progress of those still at work kept live by a
small script following each one's events (``/runs/{id}/events``, the API's event stream
under the browser's key)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from tg_parser import runs
from tg_parser.api.events import run_stream
from tg_parser.models import RUN_ACTIVE
from tg_parser.web.errors import PageRoute
from tg_parser.web.render import page
from tg_parser.web.session import Viewer

router = APIRouter(route_class=PageRoute)

LATEST = 50
RunId = Annotated[str, Path(max_length=100)]


@router.get("/runs")
async def run_list(request: Request, viewer: Viewer) -> Response:
    filters = runs.RunFilters(channels=viewer.channels)
    found = await runs.list_runs(request.app.state.db, filters, limit=LATEST)
    return page(request, "runs.html", {"runs": found, "active": RUN_ACTIVE})


@router.get("/runs/{run_id}/events")
async def follow_run(request: Request, viewer: Viewer, run_id: RunId) -> Response:
    return await run_stream(request.app.state.db, run_id, viewer.channels)
