"""The PostgreSQL backend: runs executed by procrastinate workers (the one module that
imports procrastinate).

``queue_app(db)`` is the procrastinate app over tg-parser's database: its tasks are
``tg_parser.execute_run`` (a queued run, by id: a `process` run is split into batches,
any other executes whole), ``tg_parser.process_batch`` (one batch of a split run) and the
periodic ``tg_parser.retry_stalled_jobs`` (jobs of a worker whose heartbeat stopped go back
to the queue) and, in a worker given the scheduler's tick, ``tg_parser.schedule_tick`` (a
run queued for every due source), each with a ``queueing_lock`` so N workers never run it
twice at once.
``WorkerQueue`` is the ``RunQueue`` that defers runs as jobs; ``work`` runs a worker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Collection, Iterable

import structlog
from procrastinate import App, JobContext, PsycopgConnector, RetryStrategy
from procrastinate.app import WorkerOptions
from procrastinate.types import JSONValue

from tg_parser.config import Settings
from tg_parser.errors import ConfigError, RunInProgressError
from tg_parser.jobs.batches import (
    cancel_batches,
    defer_missing_batches,
    run_batch,
    split_run,
    splits,
)
from tg_parser.jobs.execute import abandon_queued, announce, execute_run
from tg_parser.jobs.request import RunRequest
from tg_parser.jobs.submit import submit_run
from tg_parser.models import RUN_ACTIVE, Run
from tg_parser.runs import close_queued, get_run
from tg_parser.store import Database, Webhook

log = structlog.get_logger(__name__)

RUNS_QUEUE = "runs"  # queued runs (a split run's planning included)
BATCHES_QUEUE = "batches"  # the batches of split runs
MAINTENANCE_QUEUE = "maintenance"  # periodic upkeep
QUEUES = (RUNS_QUEUE, BATCHES_QUEUE, MAINTENANCE_QUEUE)
EXECUTE_RUN, PROCESS_BATCH = "tg_parser.execute_run", "tg_parser.process_batch"
SCHEDULE_TICK = "tg_parser.schedule_tick"
Tick = Callable[[Database, "WorkerQueue"], Awaitable[object]]  # tg_parser.schedule.tick
CANCEL_WAIT_SECONDS = 30.0  # how long `cancel` waits for an aborted run to end
BATCH_RETRIES = 5  # a batch job that crashed (not a message failure) is tried again


def queue_app(db: Database, tick: Tick | None = None) -> App:
    """The procrastinate app over ``db`` (PostgreSQL), its tasks bound to ``db``; with
    ``tick``, the scheduler's periodic task too."""
    url = db.queue_url()
    if url is None:
        raise ConfigError(
            "workers need PostgreSQL (DATABASE_URL=postgresql://…); on SQLite runs are "
            "executed by `tg-parser serve` itself"
        )
    app = App(connector=PsycopgConnector(conninfo=url, min_size=1, max_size=4))
    _tasks(app, db)
    _periodic(app, db)
    if tick is not None:
        _scheduler(app, db, tick)
    return app


def _tasks(app: App, db: Database) -> None:
    @app.task(name=EXECUTE_RUN, queue=RUNS_QUEUE)
    async def execute(run_id: str) -> None:
        run = await get_run(db, run_id)
        split = splits(RunRequest.model_validate(run.request or {}))
        if split and run.status == "running":  # a retry: its worker died while splitting
            await defer_missing_batches(db, run_id, lambda r, seqs: _defer_batches(app, r, seqs))
            return
        if run.status != "queued":
            return  # cancelled meanwhile, or a retry of a job whose run already started
        if split:
            await split_run(db, run_id, lambda run_id, seqs: _defer_batches(app, run_id, seqs))
            return
        try:
            await execute_run(db, run_id)
        except asyncio.CancelledError:
            await abandon_queued(db, run_id, "cancelled before it started")
            raise
        finally:
            await _announced(db, run_id)

    @app.task(
        name=PROCESS_BATCH,
        queue=BATCHES_QUEUE,
        retry=RetryStrategy(max_attempts=BATCH_RETRIES, wait=1),
    )
    async def process_batch(run_id: str, seq: int) -> None:
        await run_batch(db, run_id, seq)


def _periodic(app: App, db: Database) -> None:
    """Periodic tasks: deferred once per tick whatever the number of workers (procrastinate
    records each defer); a scheduler's tick is registered here the same way."""
    lease = db.settings.worker_lease_seconds

    @app.periodic(cron=cron(lease / 3))
    @app.task(
        name="tg_parser.retry_stalled_jobs",
        queue=MAINTENANCE_QUEUE,
        queueing_lock="tg_parser.retry_stalled_jobs",
        pass_context=True,
    )
    async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
        """Jobs of workers whose heartbeat stopped (killed, lost) go back to the queue."""
        manager = context.app.job_manager
        for job in await manager.get_stalled_jobs(seconds_since_heartbeat=lease):
            log.warning("job_stalled_retried", job_id=job.id, task=job.task_name)
            await manager.retry_job(job)


def _scheduler(app: App, db: Database, tick: Tick) -> None:
    @app.periodic(cron=cron(db.settings.schedule_tick_seconds))
    @app.task(
        name=SCHEDULE_TICK, queue=MAINTENANCE_QUEUE, queueing_lock=SCHEDULE_TICK, pass_context=True
    )
    async def schedule_tick(context: JobContext, timestamp: int) -> None:
        """The scheduler's tick: a `run` queued for the workers for every due source."""
        await tick(db, WorkerQueue(db, app=context.app))


def cron(seconds: float) -> str:
    """A procrastinate cron (seconds as a sixth field) firing about every ``seconds``: in
    seconds under a minute, in minutes under an hour, else in hours (at most daily)."""
    if seconds < 60:
        return f"* * * * * */{max(1, int(seconds))}"
    if seconds < 3600:
        return f"*/{int(seconds // 60)} * * * *"
    return f"0 */{min(24, int(seconds // 3600))} * * *"


async def _defer_batches(app: App, run_id: str, seqs: list[int]) -> list[int]:
    """One job per batch, deferred in one statement: a worker killed meanwhile defers all or
    none of them."""
    task = app.configure_task(PROCESS_BATCH, queue=BATCHES_QUEUE)
    jobs: list[dict[str, JSONValue]] = [{"run_id": run_id, "seq": seq} for seq in seqs]
    return await task.batch_defer_async(*jobs)


async def _announced(db: Database, run_id: str) -> None:
    try:
        await announce(db, run_id)
    except Exception:
        log.exception("webhook_crashed", run_id=run_id)


async def work(
    db: Database,
    *,
    concurrency: int,
    queues: Iterable[str] | None = None,
    wait: bool = True,
    name: str | None = None,
    signals: bool = True,
    tick: Tick | None = None,
) -> None:
    """Run a worker on ``db`` until it is stopped (SIGINT/SIGTERM: the jobs it has end
    first; a second signal stops it at once; without ``signals``, cancel its task) or,
    without ``wait``, until the queues are empty; with ``tick`` (the scheduler's), it also
    schedules the sources."""
    app = queue_app(db, tick)
    lease = db.settings.worker_lease_seconds
    options: WorkerOptions = {
        "concurrency": concurrency,
        "wait": wait,
        "delete_jobs": "successful",
        "update_heartbeat_interval": lease / 3,
        "stalled_worker_timeout": lease,
        "install_signal_handlers": wait and signals,
    }
    if queues:
        options["queues"] = list(queues)
    if name:
        options["name"] = name
    async with app.open_async():
        await app.run_worker_async(**options)


class WorkerQueue:
    """Runs deferred as procrastinate jobs, executed by `tg-parser worker` processes on
    any number of machines."""

    def __init__(self, db: Database, app: App | None = None) -> None:
        """A queue of its own (opened by ``start``), or over a worker's ``app``, already
        open: it takes runs at once, and ``stop`` leaves the app open."""
        self.db = db
        self.app = app or queue_app(db)
        self._accepting = app is not None
        self._opened = False

    @property
    def accepting(self) -> bool:
        return self._accepting

    @property
    def settings(self) -> Settings:
        return self.db.settings

    async def start(self) -> None:
        await self.app.open_async()
        self._opened = True
        self._accepting = True

    async def stop(self) -> None:
        """Stop taking runs; the runs deferred go on in the workers."""
        self._accepting = False
        if self._opened:
            self._opened = False
            await self.app.close_async()

    def stop_soon(self) -> None:
        self._accepting = False

    async def submit(
        self, request: RunRequest, *, visible: Collection[str] | None = None
    ) -> tuple[Run, Webhook | None]:
        if not self._accepting:
            raise RunInProgressError("the server is stopping: start the run again later")
        run, webhook = await submit_run(self.db, request, visible=visible, local=False)
        try:
            task = self.app.configure_task(EXECUTE_RUN, queueing_lock=_lock(run.id))
            await task.defer_async(run_id=run.id)
        except BaseException as exc:
            await close_queued(self.db, run.id, "failed", f"the job queue refused it: {exc}")
            raise
        return run, webhook

    async def cancel(self, run_id: str) -> Run:
        """A queued run is closed and its job cancelled; a running one's job is aborted (a
        split run's batches are cancelled and their jobs aborted)."""
        run = await get_run(self.db, run_id)
        if run.status == "queued":
            await abandon_queued(self.db, run_id, "cancelled before it started")
            await self._abort(await self._run_jobs(run_id))
        elif run.status == "running":
            batch_jobs = await cancel_batches(self.db, run)
            await self._abort(await self._run_jobs(run_id) if batch_jobs is None else batch_jobs)
            await self._ended(run_id)
        return await get_run(self.db, run_id)

    async def _run_jobs(self, run_id: str) -> list[int]:
        jobs = await self.app.job_manager.list_jobs_async(queueing_lock=_lock(run_id))
        return [job.id for job in jobs if job.id is not None]

    async def _abort(self, job_ids: Iterable[int]) -> None:
        for job_id in job_ids:
            await self.app.job_manager.cancel_job_by_id_async(job_id, abort=True)

    async def _ended(self, run_id: str) -> None:
        """Wait (a while) for the aborted run's worker to record its end."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + CANCEL_WAIT_SECONDS
        while (await get_run(self.db, run_id)).status in RUN_ACTIVE and loop.time() < deadline:
            await asyncio.sleep(0.2)


def _lock(run_id: str) -> str:
    return f"run:{run_id}"
