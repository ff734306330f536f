"""What an export writes and where: the output directory, its format and its filters."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any, Literal

from tg_parser.errors import InputError
from tg_parser.export.entries import iso
from tg_parser.models import channel_key

ExportFormat = Literal["ndjson", "json"]


@dataclass(frozen=True)
class ExportOptions:
    out: Path | None = None  # None: entries streamed (``stream_entries``), nothing written
    channel: str | None = None
    topic_id: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    format: ExportFormat = "ndjson"
    include_supporting: bool = True
    include_noise: bool = False
    pretty: bool = False
    channels: Collection[str] | None = None  # only these channels (an API key's); None: all
    overwrite: bool = False  # replace files tg-parser did not write (or that changed since)

    def filters(self) -> dict[str, Any]:
        values = {
            "channel": channel_key(self.channel) if self.channel else None,
            "channels": sorted(self.channels) if self.channels is not None else None,
            "topic_id": self.topic_id,
            "from": iso(self.date_from) if self.date_from else None,
            "to": iso(self.date_to) if self.date_to else None,
        }
        present = {key: value for key, value in values.items() if value is not None}
        return present | {
            "include_supporting": self.include_supporting,
            "include_noise": self.include_noise,
        }

    def scope(self) -> dict[str, Any]:
        out = {"out": str(self.out)} if self.out is not None else {}
        overwrite = {"overwrite": True} if self.overwrite else {}
        return out | {"format": self.format} | self.filters() | overwrite


def date_bound(text: str, option: str, *, end_of_day: bool = False) -> datetime:
    """A day (its start, or with ``end_of_day`` its end) or a moment; UTC unless given."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not a date: use YYYY-MM-DD or ISO 8601") from None
    if end_of_day and len(text) == len("YYYY-MM-DD"):
        moment = datetime.combine(moment.date(), time.max)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
