"""``GET /metrics``: the process's Prometheus metrics (``tg_parser_*``, see ``metrics.py``).

Open by default, like the health routes; with ``METRICS_REQUIRE_KEY=true`` it needs a key
of scope ``read``.
"""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends, Response

from tg_parser import metrics
from tg_parser.api.auth import require
from tg_parser.api.deps import AppSettings, Db
from tg_parser.config import Settings
from tg_parser.llm import PriceTable
from tg_parser.vitals import vitals

_TEXT = {"text/plain": {"schema": {"type": "string"}}}


def metrics_router(settings: Settings) -> APIRouter:
    """The router of ``/metrics``, behind a key when the settings ask for one."""
    guard = [Depends(require("read"))] if settings.metrics_require_key else []
    router = APIRouter(tags=["operations"], dependencies=guard)
    router.add_api_route(
        "/metrics",
        scrape,
        methods=["GET"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"description": "The Prometheus text format.", "content": _TEXT}},
    )
    return router


async def scrape(db: Db, settings: AppSettings) -> Response:
    """Counters, histograms and gauges of this process, and the deployment's vital signs
    read from the database, in the Prometheus text format."""
    metrics.set_vitals(**asdict(await vitals(db, PriceTable.load(settings.llm_prices_file))))
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
