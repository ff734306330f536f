"""The run queue: one small interface, and the in-process backend ``serve`` uses.

``RunQueue.submit`` records the run at once (``queued``, holding its claims, so it is listed
and a second request for the same stage and channel is refused with 409) and has it
executed later; ``cancel`` stops it (``cancelled``); ``start``/``stop`` open and close the
queue with the server. A backend only decides *where* ``execute_run`` runs: here, tasks
of this process, at most API_RUN_CONCURRENCY at once; on PostgreSQL, a worker backend can
enqueue the run id as a job instead (the run record and its request are in the database).
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Collection
from typing import Protocol

import structlog

from tg_parser.config import Settings
from tg_parser.errors import RunInProgressError
from tg_parser.jobs.execute import abandon_queued, announce, execute_run
from tg_parser.jobs.request import RunRequest
from tg_parser.jobs.submit import submit_run
from tg_parser.models import RUN_ACTIVE, Run
from tg_parser.runs import close_abandoned_runs, get_run
from tg_parser.store import Database, Webhook

log = structlog.get_logger(__name__)

WEBHOOK_GRACE_SECONDS = 5.0  # deliveries still going when the queue stops get this long


class RunQueue(Protocol):
    """Where runs started over the API (and, later, the scheduler) are executed."""

    @property
    def accepting(self) -> bool:
        """Started and not stopping: ``submit`` takes runs."""

    @property
    def settings(self) -> Settings: ...

    async def start(self) -> None: ...

    async def stop(self) -> None:
        """Stop taking runs; runs of this process end ``cancelled``."""

    def stop_soon(self) -> None:
        """From any thread or a signal handler: stop taking runs and cancel this process's
        runs now (``stop`` then waits for them)."""

    async def submit(
        self, request: RunRequest, *, visible: Collection[str] | None = None
    ) -> tuple[Run, Webhook | None]:
        """The queued run (and its webhook with the secret, when it has one)."""

    async def cancel(self, run_id: str) -> Run:
        """Cancel a queued or running run; the run as it is afterwards."""


class InProcessQueue:
    """Runs executed as tasks of this process, at most ``API_RUN_CONCURRENCY`` at once."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._slots = asyncio.Semaphore(db.settings.api_run_concurrency)
        self._runs: dict[str, asyncio.Task[None]] = {}
        self._hooks: set[asyncio.Task[None]] = set()
        self._accepting = False
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def accepting(self) -> bool:
        return self._accepting

    @property
    def settings(self) -> Settings:
        return self.db.settings

    async def start(self) -> None:
        """Close the runs a previous server on this host left behind, then take runs."""
        await close_abandoned_runs(self.db, socket.gethostname())
        self._loop = asyncio.get_running_loop()
        self._accepting = True

    async def submit(
        self, request: RunRequest, *, visible: Collection[str] | None = None
    ) -> tuple[Run, Webhook | None]:
        if not self._accepting:
            raise RunInProgressError("the server is stopping: start the run again later")
        run, webhook = await submit_run(self.db, request, visible=visible)
        self._runs[run.id] = asyncio.create_task(self._execute(run.id), name=f"run {run.id}")
        return run, webhook

    async def cancel(self, run_id: str) -> Run:
        run = await get_run(self.db, run_id)
        task = self._runs.get(run_id)
        if run.status not in RUN_ACTIVE:
            return run
        if task is None:
            where = f"process {run.pid} on {run.host}" if run.host else "a worker"
            raise RunInProgressError(
                f"run {run_id} is executed by {where}, not by this server: stop it there"
            )
        task.cancel()
        await asyncio.wait([task])
        return await get_run(self.db, run_id)

    def stop_soon(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._cancel_all)

    def _cancel_all(self) -> None:
        self._accepting = False
        for task in self._runs.values():
            task.cancel()

    async def stop(self) -> None:
        self._cancel_all()
        if self._runs:
            await asyncio.wait(list(self._runs.values()))
        if self._hooks:
            await asyncio.wait(list(self._hooks), timeout=WEBHOOK_GRACE_SECONDS)
        if self._hooks:  # still retrying: given up
            for hook in self._hooks:
                hook.cancel()
            await asyncio.wait(list(self._hooks))

    async def _execute(self, run_id: str) -> None:
        try:
            async with self._slots:
                await execute_run(self.db, run_id)
        except asyncio.CancelledError:
            await abandon_queued(self.db, run_id, "cancelled before it started")
        except Exception:
            log.exception("run_job_crashed", run_id=run_id)
            await abandon_queued(self.db, run_id, "the queue could not start it")
        finally:
            self._runs.pop(run_id, None)
            self._announce(run_id)

    def _announce(self, run_id: str) -> None:
        hook = asyncio.create_task(self._announced(run_id), name=f"webhook {run_id}")
        self._hooks.add(hook)
        hook.add_done_callback(self._hooks.discard)

    async def _announced(self, run_id: str) -> None:
        try:
            await announce(self.db, run_id)
        except Exception:
            log.exception("webhook_crashed", run_id=run_id)
