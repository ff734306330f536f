"""A run queue that records the runs submitted to it and executes none: they stay
``queued`` (holding their claims) until the test ends them, e.g. with ``close_queued``."""

from __future__ import annotations

from collections.abc import Collection

from tg_parser.config import Settings
from tg_parser.jobs import RunRequest, submit_run
from tg_parser.models import Run
from tg_parser.runs import close_queued, get_run
from tg_parser.store import Database, Webhook


class HeldQueue:
    """A ``RunQueue`` whose runs wait until ended by hand; ``submitted`` lists them."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.submitted: list[Run] = []
        self._accepting = True

    @property
    def accepting(self) -> bool:
        return self._accepting

    @property
    def settings(self) -> Settings:
        return self.db.settings

    async def start(self) -> None:
        self._accepting = True

    async def stop(self) -> None:
        self._accepting = False

    def stop_soon(self) -> None:
        self._accepting = False

    async def submit(
        self, request: RunRequest, *, visible: Collection[str] | None = None
    ) -> tuple[Run, Webhook | None]:
        run, webhook = await submit_run(self.db, request, visible=visible, local=False)
        self.submitted.append(run)
        return run, webhook

    async def cancel(self, run_id: str) -> Run:
        await close_queued(self.db, run_id, "cancelled", "cancelled by the test")
        return await get_run(self.db, run_id)
