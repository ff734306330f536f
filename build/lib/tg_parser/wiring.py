"""The tools the stages work with, wired in one place that entry points share: the CLI,
and the HTTP API, job workers and MCP server as they come.

``wired_stages(settings, request)`` chooses the analyser (the provider's model, or
offline) and yields ``Stages``: the analyser, how many messages to process at once
(enough to fill the model's calls), the embedder, the model card writer (None offline:
the offline cards), the topic settings and the live sources, each made when a stage first
needs it, so processing alone never loads the embedding model or the clustering. ``Stages.process``
prices a dry run. When the block ends the model's client is closed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from tg_parser.config import Settings
from tg_parser.llm import Analyser, AnalyserChoice, ModelRequest, PriceTable, choose_analyser
from tg_parser.models import OnProgress
from tg_parser.process import ProcessOptions, ProcessReport, process_messages
from tg_parser.store import Database

if TYPE_CHECKING:
    from tg_parser.embed import Embedder
    from tg_parser.ingest.live import LiveSourceFactory
    from tg_parser.topics import ModelCardWriter, TopicOptions, TopicsReport


@dataclass
class Stages:
    """The analyser chosen for a command and the tools made from the same settings."""

    choice: AnalyserChoice
    settings: Settings

    @property
    def analyser(self) -> Analyser:
        return self.choice.analyser

    @property
    def notice(self) -> str | None:
        """What to tell the user about the choice (once per command), e.g. "offline"."""
        return self.choice.notice

    @property
    def concurrency(self) -> int:
        return self.choice.concurrency

    @cached_property
    def embedder(self) -> Embedder:
        from tg_parser.embed import LocalEmbedder

        return LocalEmbedder(threads=self.settings.embed_threads)

    @cached_property
    def cards(self) -> ModelCardWriter | None:
        from tg_parser.topics import ModelCardWriter

        return ModelCardWriter.of(self.choice, self.settings)

    @cached_property
    def live(self) -> LiveSourceFactory:
        """The real way into Telegram for each source's ``via``."""
        from tg_parser.ingest.live import live_sources

        return live_sources(self.settings)

    @cached_property
    def topics(self) -> TopicOptions:
        from tg_parser.topics import TopicOptions

        return TopicOptions.from_settings(self.settings)

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
        from tg_parser.topics import build_topics

        return await build_topics(db, self.embedder, options or self.topics, progress, self.cards)

    def _cost(self, estimate: dict[str, Any]) -> float | None:
        """USD the estimated calls would cost (None: the model's price is not known)."""
        if not estimate["model_calls"]:
            return 0.0
        prices = PriceTable.load(self.settings.llm_prices_file)
        tokens = estimate["input_tokens"], estimate["output_tokens"]
        return prices.cost(self.analyser.provider, self.analyser.model_id, *tokens)


@asynccontextmanager
async def wired_stages(
    settings: Settings, request: ModelRequest | None = None
) -> AsyncIterator[Stages]:
    """The stages' tools for the settings and a command's ``--provider``/``--model``…;
    the model's client is closed when the block ends."""
    choice = choose_analyser(settings, request or ModelRequest())
    try:
        yield Stages(choice, settings)
    finally:
        await choice.aclose()
