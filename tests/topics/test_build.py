"""The topics build on SQLite and PostgreSQL: catalog, runs, stability, increments, targets."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tg_parser.contracts import validate
from tg_parser.errors import RunInProgressError
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.runs import list_runs, track_run
from tg_parser.store.database import Database
from tg_parser.store.documents import StoredDocument
from tg_parser.testing import WordEmbedder
from tg_parser.topics import build, targets
from tg_parser.topics.build import build_topics
from tg_parser.topics.catalog import get_topic, list_topics
from tg_parser.topics.options import TopicOptions
from topic_sample import CHANNEL, load_sample


def _shape(topics: list[Any]) -> list[tuple[Any, ...]]:
    """Everything of the catalog except timestamps and run ids."""
    return [
        (
            t.card.id,
            t.card.title,
            t.card.type,
            tuple(a.score for a in t.card.anchors),
            tuple((i.source_ref, i.role, i.score) for i in t.bundle.items),
        )
        for t in topics
    ]


async def test_build_writes_valid_cards_and_bundles_and_a_run(
    db: Database, embedder: WordEmbedder
) -> None:
    await load_sample(db)
    report = await build_topics(db, embedder, TopicOptions(supporting_score=0.3))
    topics = await list_topics(db)
    counters = report.counters
    assert counters["topics_total"] == len(topics) > 5
    assert counters["cluster_total"] + counters["singleton_total"] == len(topics)
    assert counters["justification_coverage"] == 1.0
    assert 0 < counters["non_noise_outside_share"] < 1
    for topic in topics:
        validate("topic_card", topic.card.to_json_dict())
        validate("topic_bundle", topic.bundle.to_json_dict())
        assert topic.card.metadata["parameters"]["supporting_score"] == 0.3
        for item in topic.bundle.items:  # a comment joins its post's topic by the reply
            weak = item.role == "supporting" and item.score < 0.3
            assert not weak or item.justification.startswith("comment on tg:")
        if topic.card.type == "cluster":
            assert sum(a.score >= 0.6 for a in topic.card.anchors) >= 2
    refs = {i.source_ref for t in topics for i in t.bundle.items}
    assert counters["covered_items_total"] == len(refs)
    comments = [i for t in topics for i in t.bundle.items if i.message_type == "comment"]
    assert any(i.justification.startswith("comment on tg:") for i in comments)
    # most replies join their post's topic; those that say nothing of it ("thanks!") stay out
    assert counters["comments_joined"] >= 0.7 * counters["comments_with_post_in_topic"] > 0
    [run] = await list_runs(db, stage="topics")
    assert run.status == "succeeded" and run.counters["topics_total"] == len(topics)


async def test_a_second_build_changes_nothing_and_embeds_nothing(
    db: Database, embedder: WordEmbedder
) -> None:
    await load_sample(db)
    await build_topics(db, embedder, TopicOptions())
    first = await list_topics(db)
    report = await build_topics(db, embedder, TopicOptions())
    assert _shape(await list_topics(db)) == _shape(first)
    assert report.counters["embeddings_reused"] == report.counters["documents"]
    assert "embedded" not in report.counters
    assert report.counters["topics_removed"] == 0


async def test_force_rebuilds_the_same_catalog_from_scratch(
    db: Database, embedder: WordEmbedder
) -> None:
    await load_sample(db)
    await build_topics(db, embedder, TopicOptions())
    first = await list_topics(db)
    await build_topics(db, embedder, TopicOptions(force=True))
    assert _shape(await list_topics(db)) == _shape(first)


async def test_new_messages_keep_existing_topic_ids(db: Database, embedder: WordEmbedder) -> None:
    await load_sample(db, limit=120)
    await build_topics(db, embedder, TopicOptions())
    before = {t.card.id: t for t in await list_topics(db)}
    await process_messages(db, OfflineAnalyser(), ProcessOptions())
    report = await build_topics(db, embedder, TopicOptions())
    after = {t.card.id: t for t in await list_topics(db)}
    assert set(before) <= set(after)
    assert all(after[i].card.anchors == before[i].card.anchors for i in before)
    assert report.counters["topics_kept"] == len(before)
    assert 0 < report.counters["embedded"] < report.counters["documents"]


async def test_a_topic_whose_anchor_turns_noise_is_removed(
    db: Database, embedder: WordEmbedder
) -> None:
    await load_sample(db)
    await build_topics(db, embedder, TopicOptions())
    victim = next(t for t in await list_topics(db) if t.card.type == "cluster")
    async with db.transaction() as repos:
        stored = {s.document.source_ref: s for s in await repos.documents.for_channel(CHANNEL)}
        anchor = stored[victim.card.anchors[0].anchor_ref]
        await repos.documents.save(
            [StoredDocument(anchor.document, True, anchor.input_hash, anchor.pipeline_version)]
        )
    report = await build_topics(db, embedder, TopicOptions())
    assert victim.card.id not in {t.card.id for t in await list_topics(db)}
    assert report.counters["topics_removed"] >= 1


async def test_max_topics_keeps_the_largest(db: Database, embedder: WordEmbedder) -> None:
    await load_sample(db, comments=False)
    report = await build_topics(db, embedder, TopicOptions(max_topics=3))
    assert report.counters["topics_total"] == len(await list_topics(db)) == 3


async def test_a_target_gets_a_card_and_bundle_refreshed_by_builds(
    db: Database, embedder: WordEmbedder
) -> None:
    await load_sample(db)
    target = await targets.add_target(db, "  PostgreSQL autovacuum  tuning ", CHANNEL)
    assert target.subject == "PostgreSQL autovacuum tuning"
    await build_topics(db, embedder, TopicOptions(target_score=0.2))
    [view] = await targets.list_targets(db)
    assert view.topic_id is not None and view.items >= 1
    topic = await get_topic(db, view.topic_id)
    assert topic.card.title == "PostgreSQL autovacuum tuning"
    assert topic.card.metadata["target_id"] == target.id
    await build_topics(db, embedder, TopicOptions(target_score=0.2))
    assert [v.topic_id for v in await targets.list_targets(db)] == [view.topic_id]
    await targets.remove_target(db, target.id)
    assert await targets.list_targets(db) == []
    assert view.topic_id not in {t.card.id for t in await list_topics(db)}


async def test_a_build_of_a_channel_another_build_holds_is_refused(
    db: Database, embedder: WordEmbedder
) -> None:
    await load_sample(db)
    async with track_run(db, "topics", {}, claims=[CHANNEL]) as other:
        with pytest.raises(RunInProgressError, match=f"run {other.id} \\(topics\\)"):
            await build_topics(db, embedder, TopicOptions())
        with pytest.raises(RunInProgressError, match=f"working on channel {CHANNEL}"):
            await build_topics(db, embedder, TopicOptions(channel=CHANNEL))
    assert await list_topics(db) == []
    assert [run.id for run in await list_runs(db, stage="topics")] == [other.id]


async def test_the_cpu_work_runs_off_the_event_loop(
    db: Database, embedder: WordEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Embedding, discovery and the offline cards run in worker threads: a build started by
    `serve` leaves the API and the run's heartbeat their event loop."""
    await load_sample(db)
    threads: dict[str, set[int]] = {"embed": set(), "discover": set(), "cards": set()}

    def on_thread(name: str, work: Any) -> Any:
        def recorded(*args: Any, **kwargs: Any) -> Any:
            threads[name].add(threading.get_ident())
            return work(*args, **kwargs)

        return recorded

    monkeypatch.setattr(embedder, "embed", on_thread("embed", embedder.embed))
    monkeypatch.setattr(build, "discover", on_thread("discover", build.discover))
    monkeypatch.setattr(build, "write_text", on_thread("cards", build.write_text))
    await build_topics(db, embedder, TopicOptions())
    assert all(threads.values()), threads
    assert threading.get_ident() not in set().union(*threads.values())
