"""How the API shows model usage: per provider and model, and the total (``/usage`` and
each run's ``usage``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tg_parser.usage import ModelUsage, UsageReport


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

    @classmethod
    def of(cls, report: UsageReport) -> UsageOut:
        return cls(
            run_id=report.run_id,
            since=report.since,
            models=[ModelUsageOut.of(model) for model in report.models],
            total=UsageTotal.model_validate(report.to_json_dict()["total"]),
        )
