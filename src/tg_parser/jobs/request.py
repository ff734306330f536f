"""What a queued run is asked to do: the stage, the channel, and the CLI's options.

A ``RunRequest`` is stored with the run (``runs.request``), so whatever executes it (this
process's queue or, later, a worker elsewhere) needs nothing but the run id.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Stage = Literal["ingest", "process", "topics", "export", "run", "import"]


def inside_export_dir(out: str) -> str:
    """``out`` when it names a folder inside API_EXPORT_DIR: relative, never climbing out."""
    path = PurePosixPath(out)
    if not out.strip() or path.is_absolute() or ".." in path.parts or "\\" in out:
        raise ValueError("out: a relative folder name inside API_EXPORT_DIR, without '..'")
    return out


class UploadedExport(BaseModel):
    """An export waiting on this server's disk to be imported (then removed)."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="The result.json to import.")
    name: str = Field(description="The file's name as uploaded (for messages).")
    chat: str | None = None
    comments_for: str | None = None
    timezone: str = "UTC"


class RunRequest(BaseModel):
    """A stage over one channel (None: every channel), with the options of its command."""

    model_config = ConfigDict(extra="forbid")

    stage: Stage
    channel: str | None = None
    provider: str | None = None
    model: str | None = None
    concurrency: int | None = Field(default=None, ge=1)
    retry_failed: bool = False
    dry_run: bool = False
    force: bool = False
    limit: int | None = Field(default=None, ge=1)
    skip_trivial: bool = True
    max_topics: int | None = Field(default=None, ge=1)
    collect: bool = True
    out: str = "kb"
    overwrite: bool = False  # export/run: replace files tg-parser did not write in ``out``
    upload: UploadedExport | None = None
    webhook_url: str | None = None
    scheduled: bool = False  # the scheduler's `run`: the source's export dir, topics if changed

    @field_validator("out")
    @classmethod
    def _inside(cls, value: str) -> str:
        return inside_export_dir(value)

    def stored(self) -> dict[str, Any]:
        """The request as stored with its run (defaults left out)."""
        return self.model_dump(mode="json", exclude_defaults=True) | {"stage": self.stage}
