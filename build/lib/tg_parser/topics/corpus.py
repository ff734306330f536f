"""The documents a topics build works on, aligned with their vectors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from tg_parser.models import MessageType, ProcessedDocument, parse_source_ref


@dataclass(frozen=True)
class Item:
    """One non-noise document, reduced to what clustering and card writing need."""

    ref: str
    channel_id: str
    message_id: str
    message_type: MessageType
    text: str
    phrases: tuple[str, ...] = ()
    language: str | None = None
    summary: str | None = None
    date: datetime | None = None
    thread_ref: str | None = None
    labelled: bool = False  # ``phrases`` are a model's topic labels, not key phrases

    @classmethod
    def of(cls, document: ProcessedDocument, thread_ref: str | None = None) -> Item:
        """The item of a document; ``thread_ref``: the post a comment belongs to."""
        _, message_type, _ = parse_source_ref(document.source_ref)
        metadata = document.metadata or {}
        date = metadata.get("message_date")
        return cls(
            ref=document.source_ref,
            channel_id=document.channel_id,
            message_id=document.source_message_id,
            message_type=message_type,
            text=document.text_clean,
            phrases=tuple(document.topics or ()),
            language=document.language,
            summary=document.summary,
            date=datetime.fromisoformat(date) if isinstance(date, str) else None,
            thread_ref=thread_ref,
            labelled=metadata.get("provider", "offline") != "offline",
        )


@dataclass
class Corpus:
    """Items sorted by source_ref and one L2-normalised vector row per item."""

    items: list[Item]
    vectors: np.ndarray

    def __post_init__(self) -> None:
        self.index = {item.ref: position for position, item in enumerate(self.items)}
        self.threads = {
            position: self.index[item.thread_ref]
            for position, item in enumerate(self.items)
            if item.thread_ref in self.index
        }

    def __len__(self) -> int:
        return len(self.items)

    def posts(self) -> list[int]:
        return [i for i, item in enumerate(self.items) if item.message_type == "post"]

    def language(self) -> str | None:
        """The most common language of the items (ties: alphabetical)."""
        counts: dict[str, int] = {}
        for item in self.items:
            if item.language:
                counts[item.language] = counts.get(item.language, 0) + 1
        return min(counts, key=lambda lang: (-counts[lang], lang)) if counts else None
