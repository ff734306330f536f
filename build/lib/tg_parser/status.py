"""The database summary behind `tg-parser status`."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, Field

from tg_parser.models import Run, RunStatus, SourceStatus
from tg_parser.store import Database, migrate
from tg_parser.text.noise import NOISE_KINDS, noise_kind


class SchemaState(BaseModel):
    current: str | None
    head: str
    up_to_date: bool


class MessageCounts(BaseModel):
    posts: int
    comments: int
    edit_versions: int


class DatabaseStatus(BaseModel):
    """Everything `status` reports; the shape of `tg-parser status --json`."""

    database: str
    backend: str
    schema_: SchemaState = Field(serialization_alias="schema")
    sources: dict[str, int]
    messages: MessageCounts
    processed_documents: int
    noise: dict[str, int]
    failures: int
    topics: int
    model_calls: int
    runs: dict[str, int]
    latest_run: Run | None

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


async def database_status(db: Database) -> DatabaseStatus:
    current = await db.current_revision()
    head = migrate.head_revision()
    async with db.transaction() as repos:
        sources = await repos.stats.sources_by_status()
        messages = await repos.stats.messages_by_type()
        versions = await repos.messages.count_versions()
        documents = await repos.stats.processed_documents()
        noise = await repos.stats.noise_reasons()
        failures = await repos.stats.failures()
        topics = await repos.stats.topics()
        model_calls = await repos.stats.model_calls()
        runs = await repos.stats.runs_by_status()
        latest = await repos.runs.list(limit=1)
    return DatabaseStatus(
        database=db.describe(),
        backend=db.backend,
        schema_=SchemaState(current=current, head=head, up_to_date=current == head),
        sources=_with_total(get_args(SourceStatus), sources),
        messages=MessageCounts(
            posts=messages.get("post", 0),
            comments=messages.get("comment", 0),
            edit_versions=versions,
        ),
        processed_documents=documents,
        noise=noise_breakdown(noise),
        failures=failures,
        topics=topics,
        model_calls=model_calls,
        runs=_with_total(get_args(RunStatus), runs),
        latest_run=latest[0] if latest else None,
    )


def noise_breakdown(reasons: dict[str, int]) -> dict[str, int]:
    """Noise documents by kind (every kind, zeros included) and their total."""
    kinds = dict.fromkeys(NOISE_KINDS, 0)
    for reason, count in reasons.items():
        kinds[noise_kind(reason)] += count
    return kinds | {"total": sum(reasons.values())}


def _with_total(keys: tuple[str, ...], counts: dict[str, int]) -> dict[str, int]:
    """Every known key (0 when absent), any other key found, and the total."""
    complete = {key: 0 for key in keys} | counts
    return complete | {"total": sum(counts.values())}
