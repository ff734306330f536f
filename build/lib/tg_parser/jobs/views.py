"""One run as the API shows it and its webhook posts it: the record, its stages (a
pipeline's), its model calls with tokens and cost, and its webhook deliveries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tg_parser.llm import PriceTable
from tg_parser.models import Run
from tg_parser.store import Database, Delivery
from tg_parser.usage import UsageReport, usage_report

SUMMARY_FIELDS = (
    "id",
    "stage",
    "status",
    "channel",
    "scope",
    "counters",
    "error",
    "started_at",
    "finished_at",
    "duration_seconds",
)


@dataclass(frozen=True)
class RunView:
    run: Run
    stages: list[Run]
    usage: UsageReport
    deliveries: list[Delivery]

    def summary(self) -> dict[str, Any]:
        """What a webhook receives when the run ends."""
        run = self.run.model_dump(mode="json", include=set(SUMMARY_FIELDS))
        stages = [s.model_dump(mode="json", include=set(SUMMARY_FIELDS)) for s in self.stages]
        return {
            "event": "run.ended",
            "run": run,
            "stages": stages,
            "usage": self.usage.to_json_dict()["total"],
        }


async def run_view(db: Database, run: Run, prices: PriceTable) -> RunView:
    async with db.transaction() as repos:
        stages = await repos.runs.children(run.id)
        deliveries = await repos.webhooks.deliveries(run.id)
    usage = await usage_report(db, prices, run_id=run.id, also=[s.id for s in stages])
    return RunView(run, stages, usage, deliveries)
