"""The export service on SQLite and PostgreSQL: schema-valid files, filters, links, order,
atomic writes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import kb_sample
from api import other_channel
from tg_parser import contracts, registry
from tg_parser.errors import InputError, NotFoundError
from tg_parser.export.entries import message_title
from tg_parser.export.service import ExportOptions, export_kb, stream_entries, topic_file_name
from tg_parser.models import KnowledgeBaseEntry, ProcessedDocument, TopicBundle, TopicCard
from tg_parser.store.database import Database
from tg_parser.store.knowledge import KnowledgeMessage, KnowledgeRepository

SAMPLE_NUMERIC_ID = "-1001987654321"  # the sample export's chat id


@pytest.fixture
async def sample(db: Database) -> Database:
    await kb_sample.build(db)
    return db


def entries(out: Path) -> list[dict[str, Any]]:
    lines = (out / "kb_entries.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def by_id(out: Path) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in entries(out)}


def nulls(value: Any, path: str = "$") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in nulls(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in nulls(item, f"{path}[{index}]")]
    return []


async def test_sample_export_is_schema_valid_and_complete(sample: Database, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    report = await export_kb(sample, ExportOptions(out=out))

    found = entries(out)
    for entry in found:
        contracts.validate("knowledge_base_entry", entry)
        KnowledgeBaseEntry.model_validate_json(json.dumps(entry))
    assert nulls(found) == []
    topics = [e for e in found if e["source"]["type"] == "topic"]
    messages = [e for e in found if e["source"]["type"] == "telegram_message"]
    assert len(topics) == 10
    assert report.counts["topic_entries"] == 10
    assert len(messages) == report.counts["message_entries"]
    assert report.counts["comments"] == 80
    assert report.counts["skipped_noise"] >= 25
    assert all(e["metadata"]["date"].endswith("Z") for e in messages)
    assert all(e["metadata"]["channel_title"] == "Tech & Life Notes" for e in messages)
    assert {e["metadata"]["message_type"] for e in messages} == {"post", "comment"}


async def test_topic_files_hold_valid_card_bundle_and_resolved_sources(
    sample: Database, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    await export_kb(sample, ExportOptions(out=out))

    catalog = json.loads((out / "topics.json").read_text(encoding="utf-8"))
    assert len(catalog["topics"]) == 10
    assert catalog["export_version"] and catalog["exported_at"].endswith("Z")
    for card in catalog["topics"]:
        TopicCard.model_validate_json(json.dumps(card))
        data = json.loads((out / topic_file_name(card["id"])).read_text(encoding="utf-8"))
        assert list(data) == [
            "topic_card",
            "topic_bundle",
            "resolved_sources",
            "exported_at",
            "export_version",
        ]
        assert data["export_version"] == "2.0.0"
        assert data["topic_card"] == card
        bundle = TopicBundle.model_validate_json(json.dumps(data["topic_bundle"]))
        sources = data["resolved_sources"]
        assert [s["source_ref"] for s in sources] == [i.source_ref for i in bundle.items]
        assert all(s["telegram_url"].startswith("https://t.me/technotes/") for s in sources)
        assert nulls(data) == []


async def test_manifest_lists_every_file_with_size_and_sha256(
    sample: Database, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    await export_kb(sample, ExportOptions(out=out))

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    names = {f["name"] for f in manifest["files"]}
    assert names == {p.name for p in out.iterdir()} - {"manifest.json"}
    for record in manifest["files"]:
        data = (out / record["name"]).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (record["bytes"], record["sha256"])
    assert manifest["pipeline_versions"] == {
        "processing": ["processing:v1.1.0"],
        "topics": ["topics:v1.0.0"],
    }
    assert manifest["tg_parser_version"]
    assert manifest["filters"] == {"include_supporting": True, "include_noise": False}
    assert manifest["counts"]["topic_entries"] == 10


async def test_titles_say_something_and_links_reach_comments(
    sample: Database, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    await export_kb(sample, ExportOptions(out=out))

    found = by_id(out)
    for entry in found.values():
        assert entry["title"].strip() and len(entry["title"]) <= 100
        assert not entry["title"].startswith(("Message ", "Post 1", "Comment 1"))
    comment = next(e for e in found.values() if e["source"].get("message_type") == "comment")
    post_id, comment_id = comment["metadata"]["post_id"], comment["source"]["message_id"]
    assert comment["metadata"]["telegram_url"] == (
        f"https://t.me/technotes/{post_id}?comment={comment_id}"
    )
    post = found["kb:msg:tg:technotes:post:4"]
    assert post["metadata"]["telegram_url"] == "https://t.me/technotes/4"
    assert post["topics"] == ["Python"]
    assert post["metadata"]["topic_roles"] == {"topic:tg:technotes:post:4": "anchor"}


async def test_topic_entry_content_is_its_card(sample: Database, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    await export_kb(sample, ExportOptions(out=out))

    topic = by_id(out)["kb:topic:topic:tg:technotes:post:4"]
    post = by_id(out)["kb:msg:tg:technotes:post:4"]
    assert topic["title"] == "Python"
    assert topic["content"].startswith(
        "Python\n\nNotes on python from the channel.\n\nIn scope: python"
    )
    assert f"\n- {post['title']}" in topic["content"]  # the anchors' key lines
    assert "Out of scope" not in topic["content"]
    others = {e["title"] for e in by_id(out).values() if e["source"]["type"] == "topic"}
    assert not any(f"\n{t}\n" in topic["content"] for t in others - {"Python"})
    roles = {s["role"] for s in topic["metadata"]["sources"]}
    assert roles == {"anchor", "supporting"}
    assert topic["metadata"]["anchors"] == 3


async def test_topic_id_keeps_that_topic_and_its_messages(sample: Database, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    chosen = "topic:tg:technotes:post:4"
    report = await export_kb(sample, ExportOptions(out=out, topic_id=chosen))

    found = entries(out)
    assert [e["id"] for e in found if e["source"]["type"] == "topic"] == [f"kb:topic:{chosen}"]
    assert all(e["metadata"].get("topic_ids", [chosen]) == [chosen] for e in found)
    assert all("topics" in e for e in found if e["source"]["type"] == "telegram_message")
    assert report.counts["skipped_other_topics"] > 0
    assert sorted(p.name for p in out.glob("topic_*.json")) == [topic_file_name(chosen)]


async def test_without_supporting_only_anchors_remain(sample: Database, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    chosen = "topic:tg:technotes:post:4"
    options = ExportOptions(out=out, topic_id=chosen, include_supporting=False)
    await export_kb(sample, options)

    found = entries(out)
    assert len(found) == 4  # the topic and its three anchors
    data = json.loads((out / topic_file_name(chosen)).read_text(encoding="utf-8"))
    assert {item["role"] for item in data["topic_bundle"]["items"]} == {"anchor"}


async def test_dates_filter_messages_and_topics(sample: Database, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    start, end = datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 31, 23, 59, tzinfo=UTC)
    report = await export_kb(sample, ExportOptions(out=out, date_from=start, date_to=end))

    found = entries(out)
    messages = [e for e in found if e["source"]["type"] == "telegram_message"]
    assert messages and report.counts["skipped_dates"] > 0
    assert all("2025-03-01" <= e["metadata"]["date"][:10] <= "2025-03-31" for e in messages)
    for entry in found:
        if entry["source"]["type"] == "topic":
            dates = [s["date"][:10] for s in entry["metadata"]["sources"]]
            assert dates and all("2025-03-01" <= d <= "2025-03-31" for d in dates)


async def test_channel_filter_and_unknown_topic(sample: Database, tmp_path: Path) -> None:
    report = await export_kb(sample, ExportOptions(out=tmp_path / "a", channel="@TechNotes"))
    assert report.counts["topic_entries"] == 10
    by_id = await export_kb(sample, ExportOptions(out=tmp_path / "b", channel=SAMPLE_NUMERIC_ID))
    assert by_id.counts == report.counts
    await registry.add_source(sample, "@quiet_channel")
    quiet = await export_kb(sample, ExportOptions(out=tmp_path / "c", channel="quiet_channel"))
    assert quiet.counts["message_entries"] == quiet.counts["topic_entries"] == 0
    with pytest.raises(NotFoundError, match="no topic 'topic:tg:technotes:post:99999'"):
        await export_kb(
            sample, ExportOptions(out=tmp_path / "d", topic_id="topic:tg:technotes:post:99999")
        )


async def test_an_unknown_channel_writes_nothing(sample: Database, tmp_path: Path) -> None:
    await export_kb(sample, ExportOptions(out=tmp_path / "kb"))
    before = {path.name: path.read_bytes() for path in (tmp_path / "kb").iterdir()}

    await registry.add_source(sample, "@quiet")

    with pytest.raises(NotFoundError, match=r"^no channel 'typo' \(known: quiet, technotes\)"):
        await export_kb(sample, ExportOptions(out=tmp_path / "kb", channel="@typo"))

    assert {path.name: path.read_bytes() for path in (tmp_path / "kb").iterdir()} == before
    async with sample.transaction() as repos:
        assert len(await repos.runs.list(stage="export")) == 1  # the first export only


async def test_noise_is_left_out_unless_asked_for(sample: Database, tmp_path: Path) -> None:
    plain = await export_kb(sample, ExportOptions(out=tmp_path / "a"))
    noisy = await export_kb(sample, ExportOptions(out=tmp_path / "b", include_noise=True))
    added = noisy.counts["message_entries"] - plain.counts["message_entries"]
    assert (
        added
        == plain.counts["skipped_noise"]
        - noisy.counts["skipped_empty"]
        + plain.counts["skipped_empty"]
    )
    flagged = [e for e in entries(tmp_path / "b") if e.get("metadata", {}).get("noise")]
    assert len(flagged) == added


def normalised(out: Path) -> dict[str, Any]:
    """Every file's content, without the moments and run id that differ between exports."""
    found: dict[str, Any] = {}
    for path in sorted(out.iterdir()):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".ndjson":
            found[path.name] = [json.loads(line) for line in text.splitlines()]
            continue
        data = json.loads(text)
        data.pop("exported_at"), data.pop("run_id", None)
        if path.name == "manifest.json":
            data["files"] = [f for f in data["files"] if not f["name"].endswith(".json")]
        found[path.name] = data
    return found


async def test_two_exports_are_identical_but_for_timestamps(
    sample: Database, tmp_path: Path
) -> None:
    await export_kb(sample, ExportOptions(out=tmp_path / "a"))
    await export_kb(sample, ExportOptions(out=tmp_path / "b"))

    assert normalised(tmp_path / "a") == normalised(tmp_path / "b")
    first, second = (tmp_path / "a" / "kb_entries.ndjson"), (tmp_path / "b" / "kb_entries.ndjson")
    assert first.read_bytes() == second.read_bytes()
    ids = [e["id"] for e in entries(tmp_path / "a")]
    assert ids[:2] == ["kb:topic:topic:tg:technotes:post:4", "kb:topic:topic:tg:technotes:post:5"]
    assert ids.index("kb:msg:tg:technotes:post:9") < ids.index("kb:msg:tg:technotes:post:10")


async def test_json_format_and_pretty(sample: Database, tmp_path: Path) -> None:
    out = tmp_path / "kb"
    await export_kb(sample, ExportOptions(out=out))
    await export_kb(sample, ExportOptions(out=out, format="json", pretty=True))

    assert not (out / "kb_entries.ndjson").exists()  # the earlier format's file is replaced
    data = json.loads((out / "kb_entries.json").read_text(encoding="utf-8"))
    assert len(data) > 100
    assert (out / "topics.json").read_text(encoding="utf-8").startswith('{\n  "export_version"')


async def test_export_is_a_run_with_counters(sample: Database, tmp_path: Path) -> None:
    report = await export_kb(sample, ExportOptions(out=tmp_path / "kb"))
    async with sample.transaction() as repos:
        run = await repos.runs.get(report.run_id)
    assert run is not None and run.stage == "export" and run.status == "succeeded"
    assert run.counters["topic_entries"] == 10
    assert run.scope["out"] == str(tmp_path / "kb")


async def test_a_manifest_tg_parser_did_not_write_deletes_nothing(
    sample: Database, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"four years of work")
    (out / "manifest.json").write_text(json.dumps({"files": [{"name": "thesis.docx"}]}))

    report = await export_kb(sample, ExportOptions(out=out, overwrite=True))

    assert report.removed == []
    assert (out / "thesis.docx").read_bytes() == b"four years of work"


async def test_files_tg_parser_did_not_write_are_left_alone(
    sample: Database, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    out.mkdir()
    (out / "topics.json").write_bytes(b'{"my": "topics"}')

    with pytest.raises(InputError) as raised:
        await export_kb(sample, ExportOptions(out=out))

    assert raised.value.message.startswith(f"{out / 'topics.json'} was not written by tg-parser")
    assert [p.name for p in out.iterdir()] == ["topics.json"]  # no manifest, no temporaries
    assert (out / "topics.json").read_bytes() == b'{"my": "topics"}'
    async with sample.transaction() as repos:
        (run,) = await repos.runs.list(stage="export")
    assert run.status == "failed"

    report = await export_kb(sample, ExportOptions(out=out, overwrite=True))

    assert json.loads((out / "topics.json").read_bytes())["topics"]
    assert {f["name"] for f in report.files} == {p.name for p in out.iterdir()}


async def test_another_channels_export_is_not_replaced(sample: Database, tmp_path: Path) -> None:
    await other_channel.build(sample)
    out = tmp_path / "kb"
    await export_kb(sample, ExportOptions(out=out, channel="technotes"))
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    for channels in ([other_channel.CHANNEL], [other_channel.CHANNEL, "nochannel"]):
        with pytest.raises(InputError) as raised:
            await export_kb(sample, ExportOptions(out=out, channels=channels))
        assert raised.value.message == (
            f"{out} holds the export of channel technotes: give --out another directory, "
            "or pass --overwrite to replace it"
        )
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    await export_kb(sample, ExportOptions(out=out, channel="technotes"))  # the same again
    report = await export_kb(sample, ExportOptions(out=out))  # every channel: technotes too
    assert report.counts["topic_entries"] == 11
    with pytest.raises(InputError, match="holds the export of every channel"):
        await export_kb(sample, ExportOptions(out=out, channel="technotes"))
    report = await export_kb(sample, ExportOptions(out=out, channel="technotes", overwrite=True))
    assert report.counts["topic_entries"] == 10


async def test_stale_files_go_unless_changed_since_the_export(
    sample: Database, tmp_path: Path
) -> None:
    out = tmp_path / "kb"
    await export_kb(sample, ExportOptions(out=out))
    kept, edited = (topic_file_name(f"topic:tg:technotes:post:{n}") for n in (4, 5))
    others = {p.name for p in out.glob("topic_*.json")} - {kept, edited}
    (out / edited).write_text("my notes on this topic")

    report = await export_kb(sample, ExportOptions(out=out, topic_id="topic:tg:technotes:post:4"))

    assert others and sorted(report.removed) == sorted(others)
    assert sorted(p.name for p in out.glob("topic_*.json")) == sorted([kept, edited])
    assert (out / edited).read_text() == "my notes on this topic"


def _message(text: str, summary: str | None = None, kind: Any = "post") -> KnowledgeMessage:
    document = ProcessedDocument(
        id="doc:tg:chan:post:42",
        source_ref="tg:chan:post:42",
        source_message_id="42",
        channel_id="chan",
        processed_at=datetime(2026, 1, 1, tzinfo=UTC),
        text_clean=text,
        summary=summary,
    )
    date = datetime(2025, 5, 6, 7, 8, tzinfo=UTC)
    return KnowledgeMessage(document, False, kind, 42, None, date)


@pytest.mark.parametrize(
    ("text", "summary", "title"),
    [
        ("Vacuum in PostgreSQL 16\nLong body.", None, "Vacuum in PostgreSQL 16"),
        ("🔥 **Новый релиз** Python 3.13!", None, "Новый релиз Python 3.13!"),
        ("#python #news\nhttps://python.org\nWhat changed in 3.13:", None, "What changed in 3.13"),
        (
            "Five asyncio tips for production services. " + "word " * 40,
            None,
            "Five asyncio tips for production services.",
        ),
        ("a " * 80, None, ("a " * 49).strip() + "…"),
        ("#ad", "Sponsored coffee beans", "Sponsored coffee beans"),
        ("", None, "Post of 2025-05-06 07:08 in Chan Notes"),
    ],
)
def test_message_title(text: str, summary: str | None, title: str) -> None:
    assert message_title(_message(text, summary), "Chan Notes") == title


async def test_streamed_entries_are_the_entries_file_made_lazily(
    sample: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await export_kb(sample, ExportOptions(out=tmp_path / "kb", include_noise=True))
    read: list[int] = []
    batches = KnowledgeRepository.batches

    def counted(self: KnowledgeRepository, *args: Any, **kwargs: Any) -> Any:
        read.append(1)
        return batches(self, *args, **kwargs | {"size": 7})

    monkeypatch.setattr(KnowledgeRepository, "batches", counted)
    lines = await stream_entries(sample, ExportOptions(include_noise=True))
    first = await anext(lines)
    assert read == []  # the first topic's line leaves before any message batch is read
    rest = b"".join([line async for line in lines])
    assert first + rest == (tmp_path / "kb" / "kb_entries.ndjson").read_bytes()
    assert read == [1]
    async with sample.transaction() as repos:
        assert [run.stage for run in await repos.runs.list(limit=10)].count("export") == 1


async def test_an_export_without_a_directory_is_refused(sample: Database) -> None:
    with pytest.raises(InputError, match="--out"):
        await export_kb(sample, ExportOptions())


async def test_channels_limit_what_is_exported(sample: Database, tmp_path: Path) -> None:
    none = await export_kb(sample, ExportOptions(out=tmp_path / "a", channels={"elsewhere"}))
    some = await export_kb(sample, ExportOptions(out=tmp_path / "b", channels={"technotes"}))
    assert none.counts["message_entries"] == none.counts["topic_entries"] == 0
    assert some.counts["message_entries"] == 220
