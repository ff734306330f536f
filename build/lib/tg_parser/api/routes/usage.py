"""``/api/v1/usage``: model calls, tokens and estimated cost per provider and model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from tg_parser.api.auth import Reader
from tg_parser.api.deps import AppSettings, Db
from tg_parser.api.filters import Moment
from tg_parser.api.usage_models import UsageOut
from tg_parser.llm import PriceTable
from tg_parser.usage import usage_report

router = APIRouter(prefix="/usage", tags=["usage"])


@router.get("", summary="Model calls, tokens and estimated cost per model")
async def usage(
    db: Db,
    principal: Reader,
    settings: AppSettings,
    since: Annotated[
        Moment | None, Query(description="Only calls from this date or moment on (ISO).")
    ] = None,
    run_id: Annotated[str | None, Query(max_length=40, description="Only this run's.")] = None,
) -> UsageOut:
    prices = PriceTable.load(settings.llm_prices_file)
    report = await usage_report(db, prices, since=since, run_id=run_id, channels=principal.channels)
    return UsageOut.of(report)
