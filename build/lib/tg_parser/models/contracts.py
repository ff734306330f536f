"""Pydantic mirrors of the five exchange formats (the JSON Schemas in ``contracts/``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    model_validator,
)

from tg_parser.models.ids import (
    REF_PATTERN,
    MessageType,
    document_id,
    kb_message_id,
    kb_topic_id,
    topic_id,
)


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
SourceRef = Annotated[str, Field(pattern=rf"^{REF_PATTERN}$")]
DocumentId = Annotated[str, Field(pattern=rf"^doc:{REF_PATTERN}$")]
TopicId = Annotated[str, Field(pattern=rf"^topic:{REF_PATTERN}$")]
KnowledgeBaseId = Annotated[str, Field(pattern=rf"^kb:(?:msg:|topic:topic:){REF_PATTERN}$")]
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
