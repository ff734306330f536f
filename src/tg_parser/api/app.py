"""The app factory: ``create_app(settings)`` builds the FastAPI app `serve` runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import version

import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from tg_parser import metrics, search, web
from tg_parser.api import health, routes
from tg_parser.api.access_log import RequestLog
from tg_parser.api.auth import describe_security
from tg_parser.api.cache import response_cache
from tg_parser.api.envelope import ERROR_RESPONSES, REQUEST_ID_HEADER, install_error_handlers
from tg_parser.api.limits import BodyLimit
from tg_parser.api.metrics import metrics_router
from tg_parser.api.ratelimit import QUOTA_HEADERS, QuotaHeaders, RateLimiter
from tg_parser.config import Settings
from tg_parser.jobs import RunQueue, run_queue
from tg_parser.keys import Keyring
from tg_parser.mcp import http as mcp_http
from tg_parser.schedule import run_schedule, schedules_in_process
from tg_parser.store import Database

UPLOAD_PATHS = ("/api/v1/imports",)

log = structlog.get_logger(__name__)


def create_app(settings: Settings, *, db: Database | None = None) -> FastAPI:
    """The API over the database of ``settings`` (or ``db``, opened and closed by the
    caller), with the MCP server at ``/mcp``. The database is opened when the app starts and
    closed when it stops; the run queue (``app.state.queue``) starts after it and stops
    before it, cancelling its runs; the MCP session manager runs inside both, and, when
    this process executes the runs, the scheduler ticks there too."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = db or await Database.open(settings)
        unwatch = metrics.watch_pool(app.state.db.pool_usage)
        try:
            app.state.queue = run_queue(app.state.db)
            await app.state.queue.start()
            try:
                async with (
                    response_cache(app),
                    mcp_http.mcp_sessions(app),
                    _scheduling(app.state.db, app.state.queue),
                    _warming_search(app),
                ):
                    yield
            finally:
                await app.state.queue.stop()
        finally:
            unwatch()
            if db is None:
                await app.state.db.close()

    app = FastAPI(
        title="tg-parser",
        version=version("tg-parser"),
        summary="A topic-organised knowledge base of Telegram channels.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    app.state.keyring = Keyring(settings.api_key_cache_seconds)
    app.state.rate_limiter = RateLimiter(settings.api_rate_limit)
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit_for=_body_limit(settings))
    app.add_middleware(QuotaHeaders)
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api_cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", REQUEST_ID_HEADER],
            expose_headers=[REQUEST_ID_HEADER, *QUOTA_HEADERS, "Retry-After"],
        )
    app.add_middleware(RequestLog)  # the outermost: it sees every answer, a 413 included
    app.include_router(routes.router, prefix="/api/v1")
    app.include_router(health.router)
    app.include_router(metrics_router(settings))
    app.router.routes.append(mcp_http.route())
    web.install(app)  # the topic browser at /
    describe_security(app)
    return app


@asynccontextmanager
async def _scheduling(db: Database, queue: RunQueue) -> AsyncIterator[None]:
    """The scheduler's tick runs in this process while the app runs, when the process
    executes the runs (with workers, their periodic task ticks): see docs/operations.md,
    Scheduler."""
    if not schedules_in_process(db):
        yield
        return
    every = db.settings.schedule_tick_seconds
    ticking = asyncio.create_task(run_schedule(db, queue, every=every), name="schedule")
    try:
        yield
    finally:
        ticking.cancel()
        await asyncio.wait([ticking])


@asynccontextmanager
async def _warming_search(app: FastAPI) -> AsyncIterator[None]:
    """With ``SEARCH_WARM_UP``, the search model and vectors load in the background while
    the app serves (``app.state.search_warm_up``: the task, or None); a failure is logged,
    and the first search then tries again."""
    db: Database = app.state.db
    app.state.search_warm_up = None
    if not db.settings.search_warm_up:
        yield
        return
    warming = asyncio.create_task(_warm_up(db), name="search-warm-up")
    app.state.search_warm_up = warming
    try:
        yield
    finally:
        warming.cancel()
        await asyncio.wait([warming])


async def _warm_up(db: Database) -> None:
    try:
        await search.warm_up(db)
    except Exception as exc:  # the first search will load them or say why
        log.warning("search_warm_up_failed", error=str(exc))


def _body_limit(settings: Settings) -> Callable[[str], int]:
    def limit_for(path: str) -> int:
        if path.startswith(UPLOAD_PATHS):
            return settings.api_max_upload_bytes
        return settings.api_max_body_bytes

    return limit_for
