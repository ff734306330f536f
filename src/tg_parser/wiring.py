"""The tools the stages work with, wired in one place that entry points share: the CLI,
and the HTTP API, job workers and MCP server as they come.

``wired_stages(settings, request)`` chooses the analyser (the provider's model, or
offline), the embedder, the model card writer (None offline: the offline cards), how many
messages to process at once (enough to fill the model's calls), and prices a dry run; when
the block ends it closes the model's client. Commands ask for work through ``Stages``
(``process``, ``build_topics``) instead of wiring services themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from tg_parser.config import Settings
from tg_parser.embed import Embedder, LocalEmbedder
from tg_parser.llm import Analyser, ModelRequest, PriceTable, choose_analyser
from tg_parser.models import OnProgress
from tg_parser.process import ProcessOptions, ProcessReport, process_messages
from tg_parser.store import Database
from tg_parser.topics import ModelCardWriter, TopicOptions, TopicsReport, build_topics


@dataclass
class Stages:
    """The chosen analyser and card writer, the topic settings, and what the user should be
    told about the choice (``notice``, once per command)."""

    analyser: Analyser
    topics: TopicOptions
    cards: ModelCardWriter | None
    concurrency: int
    notice: str | None = None
    embed_threads: int = 2
    prices_file: Path | None = None

    @cached_property
    def embedder(self) -> Embedder:
        """The local embedding model, loaded only by the stages that embed."""
        return LocalEmbedder(threads=self.embed_threads)

    async def process(
        self, db: Database, options: ProcessOptions, progress: OnProgress | None = None
    ) -> ProcessReport:
        """Process with the chosen analyser, as many messages at once as it can take; a dry
        run's estimate gets its cost."""
        options = replace(options, concurrency=self.concurrency)
        report = await process_messages(db, self.analyser, options, progress)
        if report.estimate is not None:
            report.estimate["cost_usd"] = self._cost(report.estimate)
        return report

    async def build_topics(
        self, db: Database, options: TopicOptions | None = None, progress: OnProgress | None = None
    ) -> TopicsReport:
        """Build topics (the settings' options unless given) with the chosen card writer."""
        return await build_topics(db, self.embedder, options or self.topics, progress, self.cards)

    def _cost(self, estimate: dict[str, Any]) -> float | None:
        """USD the estimated calls would cost (None: the model's price is not known)."""
        if not estimate["model_calls"]:
            return 0.0
        prices = PriceTable.load(self.prices_file)
        analyser = self.analyser
        tokens = estimate["input_tokens"], estimate["output_tokens"]
        return prices.cost(analyser.provider, analyser.model_id, *tokens)


@asynccontextmanager
async def wired_stages(
    settings: Settings, request: ModelRequest | None = None
) -> AsyncIterator[Stages]:
    """The stages' tools for the settings and a command's ``--provider``/``--model``…;
    the model's client is closed when the block ends."""
    choice = choose_analyser(settings, request or ModelRequest())
    try:
        yield Stages(
            analyser=choice.analyser,
            topics=TopicOptions.from_settings(settings),
            cards=ModelCardWriter.of(choice, settings),
            concurrency=choice.concurrency,
            notice=choice.notice,
            embed_threads=settings.embed_threads,
            prices_file=settings.llm_prices_file,
        )
    finally:
        await choice.aclose()
