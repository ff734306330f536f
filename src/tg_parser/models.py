"""Domain models (mirrors of the exchange formats) and the identifier helpers.

Identifiers are built here and nowhere else:

- ``source_ref``  ``tg:<channel>:<post|comment>:<message_id>``
- ``doc:<source_ref>``, ``topic:<anchor_ref>``, ``kb:msg:<source_ref>``, ``kb:topic:<topic_id>``
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from tg_parser.errors import InputError

MessageType = Literal["post", "comment"]

_USERNAME = re.compile(r"[a-z][a-z0-9_]{2,31}")
_BARE_ID = re.compile(r"[0-9]{1,16}")
_NUMERIC_CHANNEL = re.compile(rf"-[0-9]{{1,19}}|{_BARE_ID.pattern}")
_TME_HOST = re.compile(r"^(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|telegram\.dog)/", re.I)
_REF = r"tg:[^:]+:(?:post|comment):[0-9]+"
_SOURCE_REF = re.compile(r"tg:([^:]+):(post|comment):([0-9]+)")


# --- identifiers -------------------------------------------------------------------------


def channel_key(channel: str | int) -> str:
    """Canonical channel key: lower-case username, or the numeric ``-100…`` id.

    Accepts ``@name``, ``name``, ``https://t.me/name``, ``t.me/s/name``, post links,
    ``t.me/c/<id>/…`` links and numeric ids (``-100…`` or the bare channel id).
    """
    text = str(channel).strip()
    if _NUMERIC_CHANNEL.fullmatch(text):
        return numeric_channel_key(int(text))
    path = _TME_HOST.sub("", text, count=1) if _TME_HOST.match(text) else text
    parts = [p for p in path.split("?", 1)[0].split("/") if p]
    if parts and parts[0] == "s":
        parts = parts[1:]
    if len(parts) >= 2 and parts[0] == "c" and _BARE_ID.fullmatch(parts[1]):
        return numeric_channel_key(int(parts[1]))
    name = parts[0].lstrip("@").lower() if parts else ""
    if name.startswith("+") or name == "joinchat":
        raise InputError(
            f"{channel!r} is an invite link; add the channel by its @username or -100… id"
        )
    if not _USERNAME.fullmatch(name):
        raise InputError(f"{channel!r} is not a channel: give @username, a t.me link or a -100… id")
    return name


def numeric_channel_key(channel_id: int) -> str:
    """``-100…`` form of a channel id given bare (``1878264527``) or marked (``-100…``)."""
    if channel_id < 0:
        return str(channel_id)
    return f"-100{channel_id}"


def source_ref(channel: str, message_type: MessageType, message_id: int | str) -> str:
    _check_component(channel)
    if message_type not in ("post", "comment"):
        raise ValueError(f"message_type must be post or comment, not {message_type!r}")
    number = int(message_id)
    if number < 0:
        raise ValueError(f"message id must not be negative ({message_id!r})")
    return f"tg:{channel}:{message_type}:{number}"


def parse_source_ref(ref: str) -> tuple[str, MessageType, int]:
    match = _SOURCE_REF.fullmatch(ref)
    if match is None:
        raise ValueError(f"not a source_ref (tg:<channel>:<post|comment>:<id>): {ref!r}")
    channel, message_type, message_id = match.groups()
    return channel, message_type, int(message_id)  # type: ignore[return-value]


def document_id(ref: str) -> str:
    return "doc:" + ref


def topic_id(anchor_ref: str) -> str:
    return "topic:" + anchor_ref


def kb_message_id(ref: str) -> str:
    return "kb:msg:" + ref


def kb_topic_id(topic: str) -> str:
    return "kb:topic:" + topic


def telegram_url(channel: str, post_id: int, comment_id: int | None = None) -> str | None:
    """Public link to a post or comment; ``None`` when the channel has no usable key."""
    if _USERNAME.fullmatch(channel):
        url = f"https://t.me/{channel}/{post_id}"
    elif channel.startswith("-100"):
        url = f"https://t.me/c/{channel[4:]}/{post_id}"
    else:
        return None
    return f"{url}?comment={comment_id}" if comment_id is not None else url


def _check_component(value: str) -> None:
    if not value or ":" in value:
        raise ValueError(f"identifier component must be non-empty without ':' ({value!r})")


# --- exchange formats --------------------------------------------------------------------


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("timestamps must carry a timezone")
    return value


def _pattern_rule(key: str, pattern: str, example: str) -> Any:
    """Check ``value[key]``, when present, against ``pattern`` (open metadata objects)."""
    compiled = re.compile(pattern)

    def check(value: dict[str, Any]) -> dict[str, Any]:
        if key in value and not (isinstance(value[key], str) and compiled.fullmatch(value[key])):
            raise ValueError(f"{key} must look like {example}, not {value[key]!r}")
        return value

    return AfterValidator(check)


def _capped_payload(value: dict[str, Any]) -> dict[str, Any]:
    if ("truncated" in value) != ("original_size_bytes" in value):
        raise ValueError("truncated and original_size_bytes go together")
    if "truncated" in value and not isinstance(value["truncated"], bool):
        raise ValueError("truncated must be a boolean")
    size = value.get("original_size_bytes", 0)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise ValueError("original_size_bytes must be a non-negative integer")
    return value


def _utc(value: datetime) -> datetime:
    if _aware(value).utcoffset():
        raise ValueError("message dates must be in UTC")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
UtcDatetime = Annotated[datetime, AfterValidator(_utc)]
Score = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
SourceRef = Annotated[str, Field(pattern=rf"^{_REF}$")]
DocumentId = Annotated[str, Field(pattern=rf"^doc:{_REF}$")]
TopicId = Annotated[str, Field(pattern=rf"^topic:{_REF}$")]
KnowledgeBaseId = Annotated[str, Field(pattern=rf"^kb:(?:msg:|topic:topic:){_REF}$")]
MessageId = Annotated[str, Field(pattern=r"^[0-9]+$")]
ChannelId = Annotated[str, Field(pattern=r"^[^:]+$")]
LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2}$")]
Text = Annotated[str, Field(min_length=1)]
RawPayload = Annotated[dict[str, Any], AfterValidator(_capped_payload)]
PipelineMetadata = Annotated[
    dict[str, Any],
    _pattern_rule(
        "pipeline_version", r"[a-z][a-z_-]*:v[0-9]+\.[0-9]+\.[0-9]+", "processing:v1.2.0"
    ),
    _pattern_rule("prompt_id", r"sha256:[0-9a-f]{64}", "sha256:<hex of the prompt text>"),
]


class Contract(BaseModel):
    """Base of the exchange formats: unknown fields are errors, None fields are omitted.

    Read as JSON, an optional field given as ``null`` is an error (the formats omit it);
    in Python, ``None`` means "absent" and is left out by :meth:`to_json_dict`.
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any, info: ValidationInfo) -> Any:
        if info.mode == "json" and isinstance(data, dict):
            nulls = sorted(key for key, value in data.items() if value is None)
            if nulls:
                raise ValueError(f"omit optional fields instead of null: {', '.join(nulls)}")
        return data

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class RawTelegramMessage(Contract):
    id: MessageId
    message_type: MessageType
    source_ref: SourceRef
    channel_id: ChannelId
    date: UtcDatetime
    text: str
    parent_message_id: MessageId | None = None
    thread_id: MessageId | None = None
    language: LanguageCode | None = None
    raw_payload: RawPayload | None = None


class Entity(Contract):
    type: str
    value: str
    confidence: Score


class ProcessedDocument(Contract):
    id: DocumentId
    source_ref: SourceRef
    source_message_id: MessageId
    channel_id: ChannelId
    processed_at: AwareDatetime
    text_clean: str
    summary: str | None = None
    topics: list[str] | None = None
    entities: list[Entity] | None = None
    language: LanguageCode | None = None
    metadata: PipelineMetadata | None = None

    @model_validator(mode="after")
    def _id_of_source(self) -> ProcessedDocument:
        if self.id != document_id(self.source_ref):
            raise ValueError("document id must be 'doc:' + source_ref")
        return self


class Anchor(Contract):
    channel_id: ChannelId
    message_id: MessageId
    message_type: MessageType
    anchor_ref: SourceRef
    score: Score


class TopicCard(Contract):
    id: TopicId
    title: Text
    summary: Text
    scope_in: list[Text] = Field(min_length=1, max_length=5)
    scope_out: list[Text] = Field(min_length=1, max_length=5)
    type: Literal["singleton", "cluster"]
    anchors: list[Anchor] = Field(min_length=1)
    sources: list[ChannelId] = Field(min_length=1)
    updated_at: AwareDatetime
    tags: list[str] | None = None
    related_topics: list[TopicId] | None = None
    status: str | None = None
    metadata: PipelineMetadata | None = None

    @model_validator(mode="after")
    def _anchor_rules(self) -> TopicCard:
        refs = [a.anchor_ref for a in self.anchors]
        if len(set(refs)) != len(refs):
            raise ValueError("anchors must be unique by anchor_ref")
        order = sorted(self.anchors, key=lambda a: (-a.score, a.anchor_ref))
        if order != self.anchors:
            raise ValueError("anchors must be sorted by score desc, then anchor_ref asc")
        if self.type == "cluster" and len(self.anchors) < 2:
            raise ValueError("a cluster topic needs at least 2 anchors")
        if self.id != topic_id(self.anchors[0].anchor_ref):
            raise ValueError("topic id must be 'topic:' + the first anchor_ref")
        return self


class BundleItem(Contract):
    channel_id: ChannelId
    message_id: MessageId
    message_type: MessageType
    source_ref: SourceRef
    role: Literal["anchor", "supporting"]
    score: Score | None = None
    justification: str | None = None


class TopicBundle(Contract):
    topic_id: TopicId
    items: list[BundleItem] = Field(min_length=1)
    updated_at: AwareDatetime
    time_range: dict[str, AwareDatetime] | None = None
    channels: list[ChannelId] | None = None
    metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _unique_items(self) -> TopicBundle:
        refs = [item.source_ref for item in self.items]
        if len(set(refs)) != len(refs):
            raise ValueError("bundle items must be unique by source_ref")
        return self


class MessageSource(Contract):
    type: Literal["telegram_message"]
    channel_id: ChannelId
    message_id: MessageId
    message_type: MessageType
    source_ref: SourceRef


class TopicSource(Contract):
    type: Literal["topic"]
    topic_id: TopicId


class KnowledgeBaseEntry(Contract):
    id: KnowledgeBaseId
    source: MessageSource | TopicSource = Field(discriminator="type")
    created_at: AwareDatetime
    title: str
    content: str
    topics: list[str] | None = None
    tags: list[str] | None = None
    vector: list[Annotated[float, Field(strict=True)]] | None = None
    metadata: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _id_of_source(self) -> KnowledgeBaseEntry:
        if isinstance(self.source, MessageSource):
            expected = kb_message_id(self.source.source_ref)
        else:
            expected = kb_topic_id(self.source.topic_id)
        if self.id != expected:
            raise ValueError(f"entry id must be {expected!r} for its source")
        return self


# --- domain records ----------------------------------------------------------------------

RAW_PAYLOAD_LIMIT = 256 * 1024


def cap_payload(payload: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """Keep ``raw_payload`` under 256 KB of compact UTF-8 JSON: when larger, keep only the
    key fields and say so (``truncated``, ``original_size_bytes``)."""
    size = len(orjson.dumps(payload, default=str))
    if size <= RAW_PAYLOAD_LIMIT:
        return payload
    kept = {key: payload[key] for key in keep if key in payload}
    return kept | {"truncated": True, "original_size_bytes": size}


@dataclass(frozen=True)
class CollectedMessage:
    """A raw message as a source produced it, with its last edit time (None: never edited)."""

    message: RawTelegramMessage
    edit_date: datetime | None = None


SourceStatus = Literal["active", "paused", "error"]
SourceVia = Literal["telegram", "web", "export"]


class Source(BaseModel):
    """A channel tg-parser collects from, with its settings, cursor and health."""

    id: int
    channel_key: str
    username: str | None = None
    numeric_id: int | None = None
    title: str | None = None
    description: str | None = None
    subscribers: int | None = None
    discussion_group_id: int | None = None
    access_hash: int | None = None
    via: SourceVia
    status: SourceStatus
    status_reason: str | None = None
    include_comments: bool
    history_from: AwareDatetime | None = None
    history_to: AwareDatetime | None = None
    poll_interval_seconds: int
    high_watermark: int | None = None
    backfill_before: int | None = None
    backfill_complete: bool = False
    last_attempt_at: AwareDatetime | None = None
    last_success_at: AwareDatetime | None = None
    last_error_at: AwareDatetime | None = None
    last_error: str | None = None
    fail_count: int = 0
    rate_limit_until: AwareDatetime | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime


RunStatus = Literal["running", "succeeded", "failed", "cancelled"]


class Run(BaseModel):
    """One execution of a stage (import, ingest, process, topics, export)."""

    id: str
    stage: str
    scope: dict[str, Any]
    status: RunStatus
    counters: dict[str, Any]
    error: str | None = None
    started_at: AwareDatetime
    finished_at: AwareDatetime | None = None
    duration_seconds: float | None = None
    host: str | None = None  # where the run's process runs (to tell an interrupted run)
    pid: int | None = None
