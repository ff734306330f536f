"""The processing service on SQLite and PostgreSQL, with test analysers that do real work."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tg_parser.contracts import validate
from tg_parser.errors import NotFoundError
from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.llm.base import Analysis, CallEstimate, Entity, MessageInput
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.models import CallRecord, Progress
from tg_parser.process import (
    PIPELINE_VERSION,
    ProcessOptions,
    ProcessReport,
    process_messages,
    window,
)
from tg_parser.store.database import Database
from tg_parser.store.documents import StoredDocument

EXPORTS = Path(__file__).parent / "data" / "export"
CHANNEL = EXPORTS / "discussion_channel.json"
GROUP = EXPORTS / "discussion_group.json"
OLD_FORMAT = EXPORTS / "en_private_channel_test_oldformat_2021_19msgs.json"
GARDEN = 9  # 4 posts and 5 comments
OLD = 18


class UpperCaseAnalyser:
    """Upper-cases the text; short texts are noise; records every message it was given."""

    provider = "upper"
    model_id = "upper-1"
    prompt_name = "upper-case"
    prompt_id = "sha256:" + "ab" * 32

    def __init__(self, fail: frozenset[str] = frozenset()) -> None:
        self.parameters: dict[str, Any] = {"min_length": 12}
        self.fail = fail
        self.seen: dict[str, MessageInput] = {}

    async def analyse(self, item: MessageInput) -> Analysis:
        self.seen[item.source_ref] = item
        if item.source_ref in self.fail:
            raise ValueError(f"cannot read {item.source_ref}\nsecond line")
        text = " ".join(item.text.split()).upper()
        short = len(text) < self.parameters["min_length"]
        words = [word for word in text.split() if len(word) > 5]
        return Analysis(
            text_clean=text,
            summary=text[:40] if not short else None,
            topics=words[:3],
            entities=[Entity(type="word", value=w, confidence=0.5) for w in words[:1]],
            language="en" if text else None,
            noise=short,
            noise_reason="too short" if short else None,
        )

    def estimate(self, item: MessageInput) -> CallEstimate | None:
        return None

    def drain_calls(self) -> list[CallRecord]:
        return []


async def _import(db: Database, path: Path, **options: Any) -> None:
    await import_desktop(db, ImportOptions(path=path, **options))


async def _garden(db: Database) -> None:
    await _import(db, CHANNEL, channel="@garden_notes")
    await _import(db, GROUP, comments_for="@garden_notes")


async def _process(
    db: Database, analyser: UpperCaseAnalyser | None = None, **options: Any
) -> ProcessReport:
    return await process_messages(db, analyser or UpperCaseAnalyser(), ProcessOptions(**options))


async def _documents(db: Database, channel: str | None = None) -> dict[str, StoredDocument]:
    async with db.transaction() as repos:
        stored = await repos.documents.for_channel(channel)
    return {s.document.source_ref: s for s in stored}


async def test_every_message_gets_a_schema_valid_document(db: Database) -> None:
    await _garden(db)
    report = await _process(db)
    assert report.counters == {"processed": GARDEN, "noise": 1, "failed": 0, "skipped": 0}
    assert report.channels == {"garden_notes": GARDEN}
    documents = await _documents(db)
    assert len(documents) == GARDEN
    for stored in documents.values():
        validate("processed_document", stored.document.to_json_dict())
        assert stored.pipeline_version == PIPELINE_VERSION
    post = documents["tg:garden_notes:post:2"].document
    assert post.text_clean.startswith("TOMATOES: START SEEDS")
    assert post.id == "doc:tg:garden_notes:post:2"
    assert (post.source_message_id, post.channel_id, post.language) == ("2", "garden_notes", "en")
    assert post.metadata == {
        "pipeline_version": PIPELINE_VERSION,
        "provider": "upper",
        "model_id": "upper-1",
        "prompt_name": "upper-case",
        "prompt_id": "sha256:" + "ab" * 32,
        "parameters": {"min_length": 12},
        "message_type": "post",
        "message_date": "2024-03-01T10:00:00+00:00",
        "noise": False,
    }


async def test_absent_analysis_fields_are_omitted_and_noise_has_its_reason(db: Database) -> None:
    await _garden(db)
    await _process(db)
    stored = (await _documents(db))["tg:garden_notes:post:3"]  # a photo without a caption
    document = stored.document.to_json_dict()
    assert stored.noise is True
    assert not {"summary", "topics", "entities", "language"} & set(document)
    assert document["metadata"]["noise_reason"] == "too short"
    assert document["text_clean"] == ""


async def test_comments_are_analysed_with_their_post_as_context(db: Database) -> None:
    await _garden(db)
    analyser = UpperCaseAnalyser()
    await _process(db, analyser)
    comment = analyser.seen["tg:garden_notes:comment:12"]
    assert comment.message_type == "comment"
    assert comment.post_text == "Tomatoes: start seeds indoors six weeks before the last frost."
    assert analyser.seen["tg:garden_notes:post:2"].post_text is None
    assert comment.channel.title == "Garden Notes"
    assert comment.channel.channel_id == "garden_notes"


async def test_messages_are_loaded_a_window_at_a_time(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(window, "WINDOW", 2)
    await _garden(db)
    analyser = UpperCaseAnalyser()
    report = await _process(db, analyser)
    assert report.counters["processed"] == GARDEN == len(analyser.seen)
    assert analyser.seen["tg:garden_notes:comment:12"].post_text is not None
    assert len(await _documents(db)) == GARDEN


async def test_a_second_run_processes_nothing(db: Database) -> None:
    await _garden(db)
    await _process(db)
    analyser = UpperCaseAnalyser()
    again = await _process(db, analyser)
    assert again.counters == {"processed": 0, "noise": 0, "failed": 0, "skipped": GARDEN}
    assert analyser.seen == {}
    async with db.transaction() as repos:
        run = await repos.runs.get(again.run_id or "")
    assert run is not None and run.stage == "process" and run.status == "succeeded"
    assert run.counters == again.counters
    assert run.duration_seconds is not None


async def test_an_edit_reprocesses_exactly_that_message(db: Database, tmp_path: Path) -> None:
    await _import(db, OLD_FORMAT)
    await _process(db)
    export = json.loads(OLD_FORMAT.read_text())
    post = next(m for m in export["messages"] if m["id"] == 2)
    post["text"], post["edited"] = "test text post, corrected", "2020-11-13T09:00:00"
    edited = tmp_path / "result.json"
    edited.write_text(json.dumps(export))
    await _import(db, edited)
    analyser = UpperCaseAnalyser()
    report = await _process(db, analyser)
    assert list(analyser.seen) == ["tg:-1001292077344:post:2"]
    assert (report.counters["processed"], report.counters["skipped"]) == (1, OLD - 1)
    document = (await _documents(db))["tg:-1001292077344:post:2"].document
    assert document.text_clean == "TEST TEXT POST, CORRECTED"


async def test_force_reprocesses_everything(db: Database) -> None:
    await _garden(db)
    await _process(db)
    analyser = UpperCaseAnalyser()
    report = await _process(db, analyser, force=True)
    assert report.counters["processed"] == len(analyser.seen) == GARDEN


async def test_limit_takes_posts_first_and_the_rest_follows(db: Database) -> None:
    await _garden(db)
    first = await _process(db, limit=3)
    assert (first.counters["processed"], first.counters["skipped"]) == (3, GARDEN - 3)
    assert sorted(await _documents(db)) == [f"tg:garden_notes:post:{i}" for i in (2, 3, 4)]
    rest = await _process(db)
    assert rest.counters["processed"] == GARDEN - 3


async def test_one_channel_only_and_an_unknown_channel(db: Database) -> None:
    await _garden(db)
    await _import(db, OLD_FORMAT)
    report = await _process(db, channel="https://t.me/garden_notes")
    assert report.channels == {"garden_notes": GARDEN}
    assert set(await _documents(db)) == set(await _documents(db, "garden_notes"))
    with pytest.raises(NotFoundError, match="no channel 'nobody'"):
        await _process(db, channel="@nobody")


async def test_dry_run_counts_by_channel_and_writes_nothing(db: Database) -> None:
    await _garden(db)
    await _import(db, OLD_FORMAT)
    analyser = UpperCaseAnalyser()
    report = await _process(db, analyser, dry_run=True)
    assert report.dry_run and report.run_id is None
    assert report.channels == {"-1001292077344": OLD, "garden_notes": GARDEN}
    assert report.counters == {"pending": OLD + GARDEN, "skipped": 0}
    assert "run_id" not in report.to_json_dict()
    assert analyser.seen == {}
    assert await _documents(db) == {}
    async with db.transaction() as repos:
        assert [run.stage for run in await repos.runs.list()] == ["import"] * 3


class CountingAnalyser(UpperCaseAnalyser):
    """Says every message would cost one call: its length in tokens in, 10 out."""

    def estimate(self, item: MessageInput) -> CallEstimate | None:
        return CallEstimate(key=item.text, input_tokens=len(item.text), output_tokens=10)


async def test_a_dry_run_estimates_through_any_analyser(db: Database) -> None:
    await _garden(db)
    report = await _process(db, CountingAnalyser(), dry_run=True)
    estimate = report.estimate
    assert estimate is not None and estimate["local_only"] == 0
    assert estimate["model_calls"] + estimate["repeated_texts"] == GARDEN
    assert estimate["output_tokens"] == 10 * estimate["model_calls"]


async def test_progress_counts_the_messages_done_of_all_pending(db: Database) -> None:
    await _garden(db)
    seen: list[Progress] = []
    await process_messages(db, UpperCaseAnalyser(), ProcessOptions(batch_size=4), seen.append)
    assert seen[-1] == Progress("process", GARDEN, GARDEN, "messages")
    assert [p.done for p in seen] == sorted(p.done for p in seen)


async def test_failures_never_stop_the_run_and_clear_on_success(db: Database) -> None:
    await _garden(db)
    broken = frozenset({"tg:garden_notes:post:4", "tg:garden_notes:comment:19"})
    first = await _process(db, UpperCaseAnalyser(fail=broken))
    assert (first.counters["processed"], first.counters["failed"]) == (GARDEN - 2, 2)
    second = await _process(db, UpperCaseAnalyser(fail=broken))
    assert (second.counters["processed"], second.counters["failed"]) == (0, 2)
    async with db.transaction() as repos:
        failures = await repos.failures.list(stage="process")
    assert {f.source_ref for f in failures} == broken
    assert {(f.attempts, f.error_class, f.run_id) for f in failures} == {
        (2, "ValueError", second.run_id)
    }
    assert failures[0].error_message == f"cannot read {failures[0].source_ref}"
    fixed = await _process(db)
    assert (fixed.counters["processed"], fixed.counters["failed"]) == (2, 0)
    async with db.transaction() as repos:
        assert await repos.failures.list() == []
    assert len(await _documents(db)) == GARDEN


async def test_the_offline_analyser_on_a_real_export(db: Database) -> None:
    messages = 208
    await _import(db, EXPORTS / "ar_en_public_channel_upon_the_path_of_salaf_213msgs.json")
    report = await process_messages(db, OfflineAnalyser(), ProcessOptions())
    assert (report.counters["processed"], report.counters["failed"]) == (messages, 0)
    documents = await _documents(db)
    assert len(documents) == messages
    for stored in documents.values():
        validate("processed_document", stored.document.to_json_dict())
        assert stored.document.metadata and stored.document.metadata["provider"] == "offline"
    assert 0 < report.counters["noise"] < messages
    again = await process_messages(db, OfflineAnalyser(), ProcessOptions())
    assert (again.counters["processed"], again.counters["skipped"]) == (0, messages)
