"""Exporting the knowledge base as files for RAG pipelines and agents.

``export_kb`` writes into one directory:

- ``kb_entries.ndjson`` (or ``kb_entries.json``): topic entries by topic id, then message
  entries by source_ref — every one a valid KnowledgeBaseEntry;
- ``topics.json``: every exported topic card;
- ``topic_<id>.json`` per topic (``:`` in the id replaced by ``_``): ``topic_card``,
  ``topic_bundle``, ``resolved_sources``, ``exported_at``, ``export_version`` — the keys of
  the TG_parser export tg-parser replaces;
- ``manifest.json``: the generator (``tg-parser``), counts, versions, filters, and each
  file's size and sha256.

Every entry, card and bundle is checked, as written, against its contract's model (which
mirrors the JSON Schema at a fraction of the cost; the tests check the schemas too).
The files appear together once all are written (a failure leaves the earlier export as it
was); files of an earlier export that this one no longer writes are deleted when they are
unchanged since tg-parser wrote them. A file of the same name that tg-parser did not write,
or that changed since, is replaced only with ``overwrite`` (else nothing is written).
Noise (ads, greetings) and messages without text are left out unless asked for. An export
is a run (stage ``export``).

``stream_entries`` makes the lines of ``kb_entries.ndjson`` one by one without writing
anything (no run: it only reads), for the HTTP API's download: it reads each topic's
messages, then the messages in batches, so the first line leaves before the selection is
read whole.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from typing import Any

import structlog

from tg_parser.clock import utcnow
from tg_parser.errors import InputError
from tg_parser.export.entries import Catalog, iso, message_entry, resolved_sources
from tg_parser.export.files import GENERATOR, MANIFEST, ExportDirectory, json_bytes
from tg_parser.export.options import ExportOptions
from tg_parser.export.selection import (
    SelectedTopic,
    Selection,
    left_out,
    memberships_of,
    select,
    select_topic,
    topic_members,
    topic_refs,
    wanted_topics,
)
from tg_parser.models import KnowledgeBaseEntry, OnProgress, Progress, TopicBundle, TopicCard
from tg_parser.registry import resolve_channel
from tg_parser.runs import track_run
from tg_parser.store import Database, KnowledgeMessage, KnowledgeTopic

log = structlog.get_logger(__name__)

EXPORT_VERSION = "2.0.0"  # 2.0.0: topic files use the keys of the TG_parser export


@dataclass
class ExportReport:
    run_id: str
    out: str
    counts: dict[str, int]
    files: list[dict[str, Any]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    duration_seconds: float = 0.0

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "out": self.out,
            "counts": self.counts,
            "files": self.files,
            "removed": self.removed,
            "duration_seconds": self.duration_seconds,
        }


async def export_kb(
    db: Database, options: ExportOptions, progress: OnProgress | None = None
) -> ExportReport:
    """Write the knowledge base (or the part the filters select) into ``options.out``."""
    out = options.out
    if out is None:
        raise InputError("give the directory to write the knowledge base into (--out)")
    started = time.perf_counter()
    options = replace(options, channel=await resolve_channel(db, options.channel))
    async with track_run(db, "export", options.scope()) as run:
        directory = ExportDirectory(out, overwrite=options.overwrite)
        directory.prepare()
        _check_same_channels(directory, options)
        catalog, selection = await load(db, options)
        run.add(**selection.counts)
        with directory.staging():
            _Writer(directory, catalog, selection, options, progress).write_all(run.id)
        removed = directory.remove_stale()
        run.add(files_written=len(directory.written), stale_files_removed=len(removed))
        report = ExportReport(
            run_id=run.id,
            out=str(out),
            counts=dict(sorted(run.counters.items())),
            files=[written.to_json_dict() for written in directory.written],
            removed=removed,
            duration_seconds=round(time.perf_counter() - started, 3),
        )
        log.info("export_finished", out=str(out), **report.counts)
    return report


def check_destination(options: ExportOptions) -> None:
    """What :func:`export_kb` refuses about ``options.out`` before it reads anything: the
    export of other channels there (for ``run``, which exports after hours of work)."""
    if options.out is not None:
        _check_same_channels(ExportDirectory(options.out), options)


def _check_same_channels(directory: ExportDirectory, options: ExportOptions) -> None:
    """Refuse to replace the export of channels this one leaves out (two sources given one
    directory): every channel the earlier export held must be in this one, unless
    ``overwrite``."""
    filters = directory.previous_filters()
    if filters is None or options.overwrite:
        return
    earlier, now = _channels_of(filters), _channels_of(options.filters())
    if now is None or (earlier is not None and earlier <= now):
        return
    held = "every channel" if earlier is None else "channel " + ", ".join(sorted(earlier))
    raise InputError(
        f"{directory.path} holds the export of {held}: give --out another directory, "
        "or pass --overwrite to replace it"
    )


def _channels_of(filters: dict[str, Any]) -> frozenset[str] | None:
    """The channels an export's filters select; None: every channel."""
    channel, channels = filters.get("channel"), filters.get("channels")
    selected = None if channels is None else frozenset(str(c) for c in channels)
    if channel is None:
        return selected
    one = frozenset({str(channel)})
    return one if selected is None else one & selected


async def stream_entries(db: Database, options: ExportOptions) -> AsyncIterator[bytes]:
    """The lines of ``kb_entries.ndjson`` the options select, made as they are read: each
    topic with its bundle's messages, then the messages in batches (no file is written and
    no run recorded). An unknown channel or topic fails here, before the first line."""
    options = replace(options, channel=await resolve_channel(db, options.channel))
    async with db.reading() as repos:
        topics = await repos.knowledge.topics(options.channel, channels=options.channels)
    return _lines(db, wanted_topics(topics, options), options)


async def _lines(
    db: Database, topics: list[KnowledgeTopic], options: ExportOptions
) -> AsyncIterator[bytes]:
    """The lines of :func:`stream_entries`: the topics' messages and then every message
    are read in one transaction (one snapshot), the messages fetched batch by batch; a
    topic's message is made once, kept until its own entry is written."""
    async with db.reading() as repos:
        labels = await repos.sources.labels()
        chosen: list[SelectedTopic] = []
        read: dict[str, KnowledgeMessage] = {}
        for topic in topics:
            unread = topic_refs(topic) - read.keys()
            read |= {
                message.document.source_ref: message
                for message in await repos.knowledge.messages_by_ref(
                    unread, options.channel, channels=options.channels
                )
            }
            catalog = Catalog.of((read[r] for r in topic_refs(topic) if r in read), labels)
            selected = select_topic(topic, catalog.messages, options)
            if selected is not None:
                chosen.append(selected)
                yield checked_line(selected.entry(catalog))
        members, memberships = topic_members(chosen, options), memberships_of(chosen)
        catalog = Catalog.of([], labels)
        batches = repos.knowledge.batches(options.channel, channels=options.channels, known=read)
        async for batch in batches:
            for message in batch:
                if left_out(message, options, members) is None:
                    ref = message.document.source_ref
                    yield checked_line(message_entry(message, memberships.get(ref, []), catalog))


def checked_line(entry: dict[str, Any]) -> bytes:
    """The entry's NDJSON line, checked against the KnowledgeBaseEntry contract."""
    line = json_bytes(entry)
    KnowledgeBaseEntry.model_validate_json(line)
    return line


async def load(db: Database, options: ExportOptions) -> tuple[Catalog, Selection]:
    """What the options select (``options.channel`` already resolved)."""
    async with db.reading() as repos:
        messages = await repos.knowledge.messages(options.channel, channels=options.channels)
        topics = await repos.knowledge.topics(options.channel, channels=options.channels)
        sources = await repos.sources.labels()
    return Catalog.of(messages, sources), select(messages, topics, options)


def checked_entries(
    selection: Selection, catalog: Catalog, progress: OnProgress | None = None
) -> Iterator[dict[str, Any]]:
    """The selection's entries, each checked against the KnowledgeBaseEntry contract."""
    total = len(selection.topics) + len(selection.messages)
    for done, entry in enumerate(selection.entries(catalog), start=1):
        checked_line(entry)
        yield entry
        if progress is not None and (done % 500 == 0 or done == total):
            progress(Progress("export", done, total, unit="entries"))


class _Writer:
    """Writes the files of one export, each validated entry by entry, the manifest last."""

    def __init__(
        self,
        directory: ExportDirectory,
        catalog: Catalog,
        selection: Selection,
        options: ExportOptions,
        progress: OnProgress | None,
    ) -> None:
        self.directory, self.catalog, self.selection = directory, catalog, selection
        self.options, self.progress = options, progress
        self.exported_at = iso(utcnow())

    def write_all(self, run_id: str) -> None:
        name = f"kb_entries.{self.options.format}"
        if self.options.format == "json":
            self.directory.write(name, [json_bytes(list(self._entries()), pretty=self._pretty)])
        else:
            self.directory.write(name, (json_bytes(entry) for entry in self._entries()))
        self.directory.write("topics.json", [self._json(self._topics_document())])
        for topic in self.selection.topics:
            self.directory.write(
                topic_file_name(topic.card["id"]), [self._json(self._topic(topic))]
            )
        self.directory.write(MANIFEST, [self._json(self._manifest(run_id))])

    @property
    def _pretty(self) -> bool:
        return self.options.pretty

    def _json(self, value: Any) -> bytes:
        return json_bytes(value, pretty=self._pretty)

    def _entries(self) -> Iterator[dict[str, Any]]:
        return checked_entries(self.selection, self.catalog, self.progress)

    def _topics_document(self) -> dict[str, Any]:
        cards = [topic.card for topic in self.selection.topics]
        for card in cards:
            TopicCard.model_validate_json(json_bytes(card))
        return self._stamp({"topics": cards})

    def _topic(self, topic: SelectedTopic) -> dict[str, Any]:
        TopicBundle.model_validate_json(json_bytes(topic.bundle))
        sources = resolved_sources(topic.bundle["items"], self.catalog)
        return {
            "topic_card": topic.card,
            "topic_bundle": topic.bundle,
            "resolved_sources": sources,
            "exported_at": self.exported_at,
            "export_version": EXPORT_VERSION,
        }

    def _stamp(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"export_version": EXPORT_VERSION, "exported_at": self.exported_at} | body

    def _manifest(self, run_id: str) -> dict[str, Any]:
        return self._stamp(
            {
                "generator": GENERATOR,
                "run_id": run_id,
                "tg_parser_version": version("tg-parser"),
                "pipeline_versions": self.selection.pipeline_versions(),
                "format": self.options.format,
                "filters": self.options.filters(),
                "counts": self.selection.counts,
                "files": [written.to_json_dict() for written in self.directory.written],
            }
        )


def topic_file_name(topic_id: str) -> str:
    """``topic_<id>.json`` with every ``:`` of the id replaced by ``_`` (safe everywhere)."""
    return f"topic_{topic_id.replace(':', '_')}.json"
