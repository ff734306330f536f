"""Estimated cost of model calls, from a price table the user can extend or override.

Prices are USD per million tokens, input and output (reasoning tokens are billed as
output). A model is looked up by its exact name, then by the longest known name it starts
with (``gpt-5-mini-2025-08-07`` → ``gpt-5-mini``); Ollama models run locally and cost
nothing; an unknown model has no estimate. ``LLM_PRICES_FILE`` is a JSON object
``{"model": {"input": 1.25, "output": 10.0}, …}`` merged over the built-in table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tg_parser.errors import ConfigError


@dataclass(frozen=True)
class Price:
    input: float  # USD per million input tokens
    output: float  # USD per million output tokens

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / 1_000_000


# list prices (USD per 1M tokens, standard tier) as published by the providers
BUILT_IN: dict[str, Price] = {
    "gpt-5": Price(1.25, 10.0),
    "gpt-5-mini": Price(0.25, 2.0),
    "gpt-5-nano": Price(0.05, 0.40),
    "gpt-5.1": Price(1.25, 10.0),
    "gpt-4.1": Price(2.0, 8.0),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-4o": Price(2.50, 10.0),
    "gpt-4o-mini": Price(0.15, 0.60),
    "claude-opus-4-1": Price(15.0, 75.0),
    "claude-sonnet-5": Price(3.0, 15.0),  # the Sonnet tier's price, assumed for 5.x
    "claude-sonnet-4-5": Price(3.0, 15.0),
    "claude-sonnet-4": Price(3.0, 15.0),
    "claude-haiku-4-5": Price(1.0, 5.0),
    "claude-3-5-haiku": Price(0.80, 4.0),
    "gemini-2.5-pro": Price(1.25, 10.0),
    "gemini-2.5-flash": Price(0.30, 2.50),
    "gemini-2.5-flash-lite": Price(0.10, 0.40),
    "gemini-2.0-flash": Price(0.10, 0.40),
}
FREE = Price(0.0, 0.0)


class PriceTable:
    def __init__(self, prices: dict[str, Price]) -> None:
        self.prices = prices

    @classmethod
    def load(cls, path: Path | None) -> PriceTable:
        """The built-in prices, with the file's (if any) merged over them."""
        prices = dict(BUILT_IN)
        if path is not None:
            prices.update(_read(path))
        return cls(prices)

    def price(self, provider: str, model: str) -> Price | None:
        if model in self.prices:
            return self.prices[model]
        if provider == "ollama":
            return FREE
        known = [name for name in self.prices if model.startswith(name)]
        return self.prices[max(known, key=len)] if known else None

    def cost(
        self, provider: str, model: str, input_tokens: int, output_tokens: int
    ) -> float | None:
        price = self.price(provider, model)
        return None if price is None else round(price.cost(input_tokens, output_tokens), 6)


def _read(path: Path) -> dict[str, Price]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {
            str(model): Price(float(entry["input"]), float(entry["output"]))
            for model, entry in data.items()
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(
            f"LLM_PRICES_FILE {path}: cannot read prices ({exc}); expected a JSON object like "
            '{"gpt-5-mini": {"input": 0.25, "output": 2.0}}'
        ) from exc
