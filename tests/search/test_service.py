# ruff: noqa: RUF001  (Russian words are the data here)
"""Hybrid search over the processed sample channel, on both backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

import kb_sample
from tg_parser.embed import LocalEmbedder
from tg_parser.errors import InputError, NotFoundError
from tg_parser.search import SearchFilters, SearchResults, search
from tg_parser.store import Database
from tg_parser.testing import WordEmbedder


@pytest.fixture
async def sample(db: Database) -> AsyncIterator[Database]:
    await kb_sample.build(db)
    yield db


@pytest.fixture(scope="module")
def local() -> LocalEmbedder:
    return LocalEmbedder(threads=1)


async def _search(db: Database, query: str, **options: object) -> SearchResults:
    options.setdefault("embedder", WordEmbedder())
    return await search(db, query, **options)  # type: ignore[arg-type]


async def test_a_result_has_its_snippet_topic_link_and_scores(sample: Database) -> None:
    results = await _search(sample, "autovacuum на больших таблицах")
    first = results.hits[0]
    assert (first.source_ref, first.channel, first.message_type) == (
        "tg:technotes:post:16",
        "technotes",
        "post",
    )
    assert first.url == "https://t.me/technotes/16"
    assert first.topic is not None and first.topic.id.startswith("topic:tg:technotes:post:")
    assert first.topic.title == "Postgresql"
    assert first.scores.lexical is not None and first.scores.semantic is not None
    assert first.scores.fused > 0
    marked = [first.snippet[start:end] for start, end in first.highlights]
    assert marked and {word.casefold() for word in marked} <= {
        "autovacuum",
        "больших",
        "таблицах",
        "таблицы",
        "таблицу",
    }


async def test_word_forms_find_the_same_post(sample: Database) -> None:
    """The sample says «ферментации» and «кофемолка»; other forms find them."""
    for query in ("ферментация", "кофемолки"):
        results = await _search(sample, query, mode="lexical")
        assert results.hits, query
        assert all(query[:6] in hit.snippet.casefold() for hit in results.hits[:1])


async def test_a_comment_links_to_its_post(sample: Database) -> None:
    results = await _search(sample, "Chemex", filters=SearchFilters(kind="comment"))
    assert results.hits and all(hit.message_type == "comment" for hit in results.hits)
    assert results.hits[0].url == "https://t.me/technotes/104?comment=76"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("how to choose running shoes", "tg:technotes:post:42"),
        ("бег в жару", "tg:technotes:post:65"),
    ],
)
async def test_a_query_finds_posts_in_the_other_language(
    sample: Database, local: LocalEmbedder, query: str, expected: str
) -> None:
    results = await _search(sample, query, embedder=local, limit=5)
    assert expected in [hit.source_ref for hit in results.hits]


@pytest.mark.parametrize(
    "filters",
    [
        SearchFilters(lang="en"),
        SearchFilters(kind="post"),
        SearchFilters(since="2025-06-01", until="2025-06-30"),
        SearchFilters(channel="@TechNotes"),
    ],
)
async def test_filters_hold_for_every_result(sample: Database, filters: SearchFilters) -> None:
    results = await _search(sample, "coffee кофе python", filters=filters, limit=50)
    assert results.hits
    for hit in results.hits:
        assert filters.lang is None or hit.language == filters.lang
        assert filters.kind is None or hit.message_type == filters.kind
        assert filters.since is None or hit.date >= filters.since
        assert filters.until is None or hit.date < datetime(2025, 7, 1, tzinfo=UTC)
        assert hit.channel == "technotes"


async def test_a_topic_filter_keeps_its_messages_only(sample: Database) -> None:
    topic = (await _search(sample, "espresso эспрессо")).hits[0].topic
    assert topic is not None
    results = await _search(sample, "кофе python", filters=SearchFilters(topic=topic.id), limit=50)
    assert results.hits and all(hit.topic == topic for hit in results.hits)


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "*",
        "NEAR",
        "NEAR(кофе python, 2)",
        "-",
        ":",
        'кофе: "эспрессо* -тоник',
        "'; DROP TABLE raw_messages; --",
        "1=1 OR 'a'='a'",
        "a" * 1000,
    ],
)
async def test_query_syntax_is_plain_text(sample: Database, query: str) -> None:
    for mode in ("hybrid", "lexical", "semantic"):
        results = await _search(sample, query, mode=mode)
        assert len(results.hits) <= 10
    assert (await _search(sample, "эспрессо")).hits  # the tables are still there


@pytest.mark.parametrize(
    ("query", "options", "error"),
    [
        ("", {}, InputError),
        ("   ", {}, InputError),
        ("a" * 2000, {}, InputError),
        ("кофе", {"limit": 0}, InputError),
        ("кофе", {"limit": 101}, InputError),
        ("кофе", {"filters": SearchFilters(channel="nope")}, NotFoundError),
        ("кофе", {"filters": SearchFilters(topic="topic:nope")}, NotFoundError),
    ],
)
async def test_bad_input_is_one_error(
    sample: Database, query: str, options: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error) as raised:
        await _search(sample, query, **options)
    assert "\n" not in str(raised.value)


async def test_a_channel_restriction_hides_other_channels(sample: Database) -> None:
    assert (await _search(sample, "кофе", channels=["technotes"])).hits
    assert (await _search(sample, "кофе", channels=["other"])).hits == []
    with pytest.raises(NotFoundError) as raised:
        await _search(
            sample, "кофе", channels=["other"], filters=SearchFilters(channel="technotes")
        )
    assert "technotes" not in str(raised.value).replace("'technotes'", "")
    topic = (await _search(sample, "эспрессо")).hits[0].topic
    assert topic is not None
    with pytest.raises(NotFoundError):
        await _search(sample, "кофе", channels=["other"], filters=SearchFilters(topic=topic.id))


async def test_modes_score_with_their_own_lists(sample: Database) -> None:
    lexical = (await _search(sample, "эспрессо", mode="lexical")).hits
    semantic = (await _search(sample, "эспрессо", mode="semantic")).hits
    assert lexical and all(h.scores.semantic is None and h.scores.lexical for h in lexical)
    assert semantic and all(h.scores.lexical is None and h.scores.semantic for h in semantic)


async def test_results_serialise_without_nulls(sample: Database) -> None:
    data = (await _search(sample, "эспрессо", mode="lexical")).to_json_dict()
    assert data["mode"] == "lexical" and data["filters"] == {}
    assert "semantic" not in data["hits"][0]["scores"]
