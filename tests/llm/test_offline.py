"""The offline analyser: the Analyser protocol, its recorded identity, and analyses of
real posts and comments (deterministic, comments never copy their post)."""

# ruff: noqa: RUF001  (Russian text is the data here)

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import pytest

from sample_posts import SAMPLE, read_posts, sample_text
from tg_parser.llm.base import Analyser, Analysis, ChannelContext, MessageInput
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.models import ProcessedDocument, document_id, source_ref
from tg_parser.text.clean import learn_boilerplate
from tg_parser.text.words import ANALYSED_CHARS

CHANNEL = ChannelContext(channel_id="technotes", title="Tech & Life Notes")
DATE = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _item(text: str, *, comment: bool = False, post_text: str | None = None, **kw) -> MessageInput:
    kind = "comment" if comment else "post"
    return MessageInput(
        source_ref=source_ref("technotes", kind, 42),
        message_type=kind,
        text=text,
        date=DATE,
        channel=kw.pop("channel", CHANNEL),
        post_text=post_text,
        **kw,
    )


def test_is_an_analyser_with_a_recorded_identity() -> None:
    analyser: Analyser = OfflineAnalyser()
    assert (analyser.provider, analyser.model_id, analyser.prompt_name) == (
        "offline",
        "offline-extractive",
        "offline-analysis",
    )
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", analyser.prompt_id)
    assert analyser.parameters["summary_budget"] == 300
    assert OfflineAnalyser().prompt_id == analyser.prompt_id
    assert OfflineAnalyser(summary_budget=200).prompt_id != analyser.prompt_id


async def test_analyses_a_real_post() -> None:
    analysis = await OfflineAnalyser().analyse(_item(sample_text(5)))
    assert analysis.language == "ru"
    assert analysis.noise is False and analysis.noise_reason is None
    assert analysis.topics[:2] == ["postgresql", "tuning"]
    assert analysis.summary and len(analysis.summary) <= 300
    assert ("number_with_unit", "128 МБ") in [(e.type, e.value) for e in analysis.entities]
    assert analysis.text_clean.startswith("Настройка PostgreSQL: с чего начать\n\n")


async def test_channel_boilerplate_is_removed() -> None:
    footer = "Подписывайтесь: @technotes"
    texts = [f"{sample_text(i)}\n\n{footer}" for i in range(4, 14)]
    channel = ChannelContext("technotes", boilerplate=learn_boilerplate(texts))
    analysis = await OfflineAnalyser().analyse(_item(texts[0], channel=channel))
    assert footer not in analysis.text_clean
    assert "@technotes" not in [e.value for e in analysis.entities]


async def test_advertising_is_noise_with_a_reason() -> None:
    ad = next(p for p in read_posts(SAMPLE) if p.id == 15)
    analysis = await OfflineAnalyser().analyse(_item(ad.text, raw_payload=ad.payload))
    assert (analysis.noise, analysis.noise_reason) == (True, "advertising: erid marker")


async def test_media_only_post() -> None:
    payload = {"media": {"type": "photo"}}
    analysis = await OfflineAnalyser().analyse(_item("", raw_payload=payload))
    assert analysis == Analysis(text_clean="", noise=True, noise_reason="media only")


async def test_short_comment_takes_its_language_from_the_post_but_not_its_text() -> None:
    post = sample_text(10)
    analysis = await OfflineAnalyser().analyse(_item("ок", comment=True, post_text=post))
    assert analysis.language == "ru"
    assert analysis.text_clean == "ок"
    assert analysis.topics == [] and analysis.entities == [] and analysis.summary is None


async def test_comment_in_its_own_language_keeps_it() -> None:
    text = "Thanks, this fixed our autovacuum problem on a 200 GB table!"
    analysis = await OfflineAnalyser().analyse(_item(text, comment=True, post_text=sample_text(16)))
    assert analysis.language == "en"
    assert analysis.noise is False  # a short but real comment (comments need 4 words)


async def test_emoji_comment_has_no_language() -> None:
    analysis = await OfflineAnalyser().analyse(_item("👍", comment=True, post_text=sample_text(10)))
    assert analysis.language is None and analysis.noise is True


@pytest.mark.parametrize("post_id", [4, 7, 15, 17])
async def test_deterministic(post_id: int) -> None:
    text = sample_text(post_id)
    first = await OfflineAnalyser().analyse(_item(text))
    second = await OfflineAnalyser().analyse(_item(text))
    assert first == second


async def test_every_sample_message_makes_a_valid_document() -> None:
    analyser = OfflineAnalyser()
    for post in read_posts(SAMPLE):
        ref = source_ref("technotes", "post", post.id)
        analysis = await analyser.analyse(_item(post.text, raw_payload=post.payload))
        document = ProcessedDocument(
            id=document_id(ref),
            source_ref=ref,
            source_message_id=str(post.id),
            channel_id="technotes",
            processed_at=DATE,
            metadata={"prompt_id": analyser.prompt_id, "pipeline_version": "processing:v1.1.0"},
            **analysis.model_dump(exclude={"noise", "noise_reason", "metadata"}),
        )
        assert ProcessedDocument.model_validate_json(document.model_dump_json(exclude_none=True))


def calls_made(work: Callable[[], object]) -> int:
    """Python and C function calls (generator steps included) ``work`` makes: a measure of
    work that, unlike a clock, is the same on every machine and run."""
    count = 0

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(profile)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


LONG_LINE = (
    "Цена 990 руб. за 5 кг до 2026-12-01, звоните +7 999 123-45-67 или пишите @shop_news. "
    "See https://example.com/offer?id=1 for 20% off. PostgreSQL 17 vacuums 20x faster.\n"
)


def test_the_work_on_a_very_long_message_grows_at_most_linearly() -> None:
    analyser = OfflineAnalyser()

    def analysis(chars: int) -> Callable[[], object]:
        text = (LONG_LINE * (chars // len(LONG_LINE) + 1))[:chars]
        return lambda: asyncio.run(analyser.analyse(_item(text)))

    analysis(100)()  # load the language model
    small = calls_made(analysis(2 * ANALYSED_CHARS))
    large = calls_made(analysis(8 * ANALYSED_CHARS))
    assert large < 4 * small
