"""What a search takes and gives: filters in, typed results out (the CLI, the HTTP API and
the MCP server all speak these)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal, cast, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from tg_parser.errors import InputError

SearchMode = Literal["hybrid", "lexical", "semantic"]
MessageKind = Literal["post", "comment"]
MAX_QUERY_CHARS = 1000
MAX_LIMIT = 100


def search_mode(value: str) -> SearchMode:
    """The mode named, or an ``InputError``."""
    if value in get_args(SearchMode):
        return cast(SearchMode, value)
    raise InputError(f"--mode must be hybrid, lexical or semantic, not {value!r}")


class SearchFilters(BaseModel):
    """Which messages a search may return. ``since`` is inclusive, ``until`` exclusive; a
    bare date given as ``until`` means the end of that day. Naive times are UTC."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: str | None = None
    topic: str | None = None
    kind: MessageKind | None = None
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2}$")
    since: datetime | None = None
    until: datetime | None = None

    @field_validator("since", mode="before")
    @classmethod
    def _since(cls, value: Any) -> Any:
        return _moment(value, end_of_day=False)

    @field_validator("until", mode="before")
    @classmethod
    def _until(cls, value: Any) -> Any:
        return _moment(value, end_of_day=True)

    @classmethod
    def of(cls, **values: Any) -> SearchFilters:
        """The filters, or an ``InputError`` naming the first bad one (for entry points)."""
        try:
            return cls(**values)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = ".".join(str(part) for part in error["loc"]) or "filters"
            raise InputError(f"bad --{name} {values.get(name)!r}: {error['msg']}") from None


class TopicRef(BaseModel):
    id: str
    title: str


class Scores(BaseModel):
    """``lexical``: the backend's full-text rank score (BM25 on SQLite, ts_rank on
    PostgreSQL); ``semantic``: cosine similarity; ``fused``: the reciprocal-rank fusion."""

    lexical: float | None = None
    semantic: float | None = None
    fused: float


class SearchHit(BaseModel):
    source_ref: str
    channel: str
    message_type: MessageKind
    message_id: int
    date: datetime
    url: str | None = None
    language: str | None = None
    snippet: str
    # [start, end) character ranges of ``snippet`` that match the query's words
    highlights: list[tuple[int, int]] = Field(default_factory=list)
    topic: TopicRef | None = None
    scores: Scores


class SearchResults(BaseModel):
    query: str
    mode: SearchMode
    filters: SearchFilters
    hits: list[SearchHit]

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


def _moment(value: Any, *, end_of_day: bool) -> Any:
    """A date or ISO string as an aware datetime (a bare date: its start, or its end)."""
    if isinstance(value, str):
        value = value.strip()
        try:
            value = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value)
        except ValueError:
            return value  # pydantic names the error
    if isinstance(value, date) and not isinstance(value, datetime):
        start = datetime.combine(value, time(), tzinfo=UTC)
        return start + timedelta(days=1) if end_of_day else start
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
