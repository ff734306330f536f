"""Model usage: calls, tokens and estimated cost per provider and model.

Read from the ``llm_calls`` records (one per attempt); costs come from the price table
(``llm/pricing.py``). Behind `tg-parser usage` and the usage part of `tg-parser runs show`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tg_parser.llm import PriceTable
from tg_parser.store import Database, UsageRow


@dataclass(frozen=True)
class ModelUsage:
    provider: str
    model: str
    calls: int
    failed: int
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int
    mean_latency_ms: int
    cost_usd: float | None  # None: no price known for the model

    def to_json_dict(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class UsageReport:
    models: list[ModelUsage]
    since: datetime | None = None
    run_id: str | None = None

    @property
    def calls(self) -> int:
        return sum(m.calls for m in self.models)

    @property
    def cost_usd(self) -> float:
        """The estimated cost of the models with a known price."""
        return round(sum(m.cost_usd or 0.0 for m in self.models), 6)

    def to_json_dict(self) -> dict[str, Any]:
        scope: dict[str, Any] = {"run_id": self.run_id} if self.run_id else {}
        if self.since:
            scope["since"] = self.since.isoformat()
        return scope | {
            "models": [m.to_json_dict() for m in self.models],
            "total": {
                "calls": self.calls,
                "input_tokens": sum(m.input_tokens for m in self.models),
                "output_tokens": sum(m.output_tokens for m in self.models),
                "reasoning_tokens": sum(m.reasoning_tokens for m in self.models),
                "cost_usd": self.cost_usd,
            },
        }


async def usage_report(
    db: Database,
    prices: PriceTable,
    *,
    since: datetime | None = None,
    run_id: str | None = None,
    also: Collection[str] = (),
    channels: Collection[str] | None = None,
) -> UsageReport:
    """Calls, tokens and cost since a date, or of a run (with ``also``: and of these runs,
    e.g. a pipeline's stages); with ``channels``, of the calls made for those channels'
    messages only."""
    ids = None if run_id is None else {run_id, *also}
    async with db.reading() as repos:
        rows = await repos.llm_calls.usage(run_id=ids, since=since, channels=channels)
    return UsageReport([_priced(row, prices) for row in rows], since=since, run_id=run_id)


def _priced(row: UsageRow, prices: PriceTable) -> ModelUsage:
    return ModelUsage(
        provider=row.provider,
        model=row.model,
        calls=row.calls,
        failed=row.failed,
        input_tokens=row.input_tokens,
        output_tokens=row.output_tokens,
        reasoning_tokens=row.reasoning_tokens,
        mean_latency_ms=round(row.latency_ms / row.calls) if row.calls else 0,
        cost_usd=prices.cost(row.provider, row.model, row.input_tokens, row.output_tokens),
    )
