"""``/api/v1/usage``: model calls, tokens and estimated cost per provider and model."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from tg_parser.api.auth import Reader
from tg_parser.api.deps import AppSettings, Db
from tg_parser.api.filters import Moment
from tg_parser.llm import PriceTable
from tg_parser.usage import ModelUsage, usage_report

router = APIRouter(prefix="/usage", tags=["usage"])


class ModelUsageOut(BaseModel):
    provider: str
    model: str
    calls: int
    failed: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    mean_latency_ms: int
    cost_usd: float | None = Field(description="Estimate; null: no price known for the model.")

    @classmethod
    def of(cls, usage: ModelUsage) -> ModelUsageOut:
        return cls.model_validate(usage, from_attributes=True)


class UsageTotal(BaseModel):
    calls: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    cost_usd: float = Field(description="Estimated cost of the models with a known price.")


class UsageOut(BaseModel):
    """Usage per provider and model (largest input first), and the total."""

    run_id: str | None = None
    since: datetime | None = None
    models: list[ModelUsageOut]
    total: UsageTotal


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
    return UsageOut(
        run_id=report.run_id,
        since=report.since,
        models=[ModelUsageOut.of(model) for model in report.models],
        total=UsageTotal.model_validate(report.to_json_dict()["total"]),
    )
