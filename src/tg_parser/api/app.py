"""The app factory: ``create_app(settings)`` builds the FastAPI app `serve` runs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from tg_parser.api import routes
from tg_parser.api.envelope import ERROR_RESPONSES, install_error_handlers
from tg_parser.api.limits import BodyLimit
from tg_parser.config import Settings
from tg_parser.jobs import InProcessQueue
from tg_parser.store import Database

UPLOAD_PATHS = ("/api/v1/imports",)


def create_app(settings: Settings, *, db: Database | None = None) -> FastAPI:
    """The API over the database of ``settings`` (or ``db``, opened and closed by the
    caller). The database is opened when the app starts and closed when it stops; the run
    queue (``app.state.queue``) starts after it and stops before it, cancelling its runs."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = db or await Database.open(settings)
        try:
            app.state.queue = InProcessQueue(app.state.db)
            await app.state.queue.start()
            try:
                yield
            finally:
                await app.state.queue.stop()
        finally:
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
    install_error_handlers(app)
    app.add_middleware(BodyLimit, limit_for=_body_limit(settings))
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api_cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type"],
        )
    app.include_router(routes.router, prefix="/api/v1")
    return app


def _body_limit(settings: Settings) -> Callable[[str], int]:
    def limit_for(path: str) -> int:
        if path.startswith(UPLOAD_PATHS):
            return settings.api_max_upload_bytes
        return settings.api_max_body_bytes

    return limit_for
