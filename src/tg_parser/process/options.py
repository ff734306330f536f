"""What a processing run is asked to do, and the version of the documents it writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

PIPELINE_VERSION = "processing:v1.1.0"
STAGE = "process"
BATCH_SIZE = 100
CONCURRENCY = 8


@dataclass(frozen=True)
class ProcessOptions:
    channel: str | None = None
    force: bool = False
    limit: int | None = None
    dry_run: bool = False
    retry_failed: bool = False
    batch_size: int = BATCH_SIZE
    concurrency: int = CONCURRENCY

    def scope(self) -> dict[str, Any]:
        scope = {
            "channel": self.channel,
            "force": self.force,
            "limit": self.limit,
            "retry_failed": self.retry_failed,
        }
        return {key: value for key, value in scope.items() if value not in (None, False)}
