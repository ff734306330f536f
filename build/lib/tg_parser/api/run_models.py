"""The shapes of runs in responses: a run, a run just accepted (with its webhook secret,
shown once), and a run in full (its stages, model usage and webhook deliveries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tg_parser.api.usage_models import UsageOut
from tg_parser.jobs import RunView
from tg_parser.models import Run, RunStatus
from tg_parser.store import Delivery


class RunOut(BaseModel):
    """A run: what it works on, how far it has got, how it ended."""

    id: str
    stage: str
    status: RunStatus
    channel: str | None = Field(description="The one channel it works on; null: several.")
    scope: dict[str, Any]
    counters: dict[str, Any]
    progress: dict[str, Any] | None = Field(
        default=None, description="The last progress report (stage, done, total, unit)."
    )
    error: str | None = None
    started_at: datetime = Field(description="When it started (queued: when it was asked).")
    finished_at: datetime | None = None
    duration_seconds: float | None = None
    parent_id: str | None = Field(default=None, description="The pipeline run it belongs to.")
    webhook_url: str | None = None

    @classmethod
    def of(cls, run: Run) -> RunOut:
        return cls.model_validate(run.model_dump(include=set(cls.model_fields)))


class RunAccepted(RunOut):
    webhook_secret: str | None = Field(
        default=None,
        description="Signs the webhook's deliveries; shown once, here (see docs/api.md).",
    )

    @classmethod
    def of(cls, run: Run, secret: str | None = None) -> RunAccepted:
        return cls.model_validate(
            run.model_dump(include=set(RunOut.model_fields)) | {"webhook_secret": secret}
        )


class DeliveryOut(BaseModel):
    """One attempt at posting the run's summary to its webhook."""

    url: str
    attempt: int
    delivered: bool
    status_code: int | None = None
    error: str | None = None
    at: datetime

    @classmethod
    def of(cls, delivery: Delivery) -> DeliveryOut:
        return cls.model_validate(delivery, from_attributes=True)


class RunDetail(RunOut):
    request: dict[str, Any] | None = Field(
        default=None, description="What a run started over the API was asked to do."
    )
    result: dict[str, Any] | None = Field(
        default=None, description="The stage's report, as the command's --json prints it."
    )
    stages: list[RunOut] = Field(description="The runs of a pipeline's stages.")
    usage: UsageOut
    webhook_deliveries: list[DeliveryOut]

    @classmethod
    def of(cls, view: RunView) -> RunDetail:  # type: ignore[override]
        fields = set(RunOut.model_fields) | {"request", "result"}
        return cls.model_validate(
            view.run.model_dump(include=fields)
            | {
                "stages": [RunOut.of(stage) for stage in view.stages],
                "usage": UsageOut.of(view.usage),
                "webhook_deliveries": [DeliveryOut.of(d) for d in view.deliveries],
            }
        )
