"""What an export writes and where: the output directory, its format and its filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from tg_parser.export.entries import iso
from tg_parser.models import channel_key

ExportFormat = Literal["ndjson", "json"]


@dataclass(frozen=True)
class ExportOptions:
    out: Path
    channel: str | None = None
    topic_id: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    format: ExportFormat = "ndjson"
    include_supporting: bool = True
    include_noise: bool = False
    pretty: bool = False

    def filters(self) -> dict[str, Any]:
        values = {
            "channel": channel_key(self.channel) if self.channel else None,
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
        return {"out": str(self.out), "format": self.format} | self.filters()
