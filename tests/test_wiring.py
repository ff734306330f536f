"""The stages' tools, wired in one place: the analyser the settings choose, how many
messages go at once, a dry run's price, and the model's client closed when the block ends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tg_parser.config import Settings
from tg_parser.ingest import ImportOptions, import_desktop
from tg_parser.llm import ChannelContext, MessageInput, ModelRequest, PriceTable
from tg_parser.llm.providers import OFFLINE_CONCURRENCY, OFFLINE_NOTICE
from tg_parser.process import ProcessOptions
from tg_parser.store import Database
from tg_parser.testing.llm.answers import analysis_answer
from tg_parser.testing.llm.openai import fake_openai, openai_environment
from tg_parser.testing.llm.server import FakeModelServer
from tg_parser.wiring import wired_stages

CHANNEL = Path(__file__).parent / "data" / "export" / "discussion_channel.json"
POSTS = 4
ITEM = MessageInput(
    source_ref="tg:garden_notes:post:1",
    message_type="post",
    text="Tomatoes want deep watering twice a week and a sunny spot out of the wind.",
    date=datetime(2026, 5, 1, tzinfo=UTC),
    channel=ChannelContext("garden_notes"),
)


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with fake_openai(answer=analysis_answer) as fake:
        yield fake


@pytest.fixture
def openai_settings(server: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> Settings:
    environment = openai_environment(server, LLM_BATCH_SIZE="4", RETRY_MAX_ATTEMPTS="1")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return Settings()


async def _posts(db: Database) -> None:
    await import_desktop(db, ImportOptions(path=CHANNEL, channel="@garden_notes"))


async def test_offline_wiring_says_so_and_its_dry_run_costs_nothing(db: Database) -> None:
    await _posts(db)
    async with wired_stages(Settings()) as stages:
        assert (stages.notice, stages.cards) == (OFFLINE_NOTICE, None)
        assert stages.concurrency == OFFLINE_CONCURRENCY
        report = await stages.process(db, ProcessOptions(dry_run=True))
    assert report.estimate == {
        "model_calls": 0,
        "local_only": POSTS,
        "repeated_texts": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cost_usd": 0.0,
    }


async def test_a_model_is_wired_priced_and_closed(
    db: Database, openai_settings: Settings, server: FakeModelServer
) -> None:
    await _posts(db)
    async with wired_stages(openai_settings, ModelRequest(concurrency=3)) as stages:
        assert stages.notice is None and stages.cards is not None
        assert stages.concurrency == 3 * 4  # calls in flight times messages per call
        report = await stages.process(db, ProcessOptions(dry_run=True))
        analyser = stages.analyser
    estimate = report.estimate
    assert estimate is not None and estimate["model_calls"] > 0
    price = PriceTable.load(None).cost(
        "openai", "gpt-5-mini", estimate["input_tokens"], estimate["output_tokens"]
    )
    assert estimate["cost_usd"] == price and price is not None and price > 0
    assert server.requests == []
    with pytest.raises(RuntimeError, match="closed"):  # its client closed with the block
        await analyser.analyse(ITEM)
