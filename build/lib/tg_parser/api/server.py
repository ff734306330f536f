"""The API behind uvicorn, as `tg-parser serve` runs it.

On SIGTERM or Ctrl-C the runs this server executes are cancelled at once (recorded
``cancelled``), so clients following their events get their ``end`` and disconnect; then
uvicorn stops taking requests and the app's shutdown waits for the runs to close."""

from __future__ import annotations

from types import FrameType

import uvicorn
from fastapi import FastAPI

from tg_parser.api.app import create_app
from tg_parser.config import Settings

GRACEFUL_SHUTDOWN_SECONDS = 30  # then requests still open are cut off


class _Server(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, app: FastAPI) -> None:
        super().__init__(config)
        self.app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        queue = getattr(self.app.state, "queue", None)
        if queue is not None:
            queue.stop_soon()
        super().handle_exit(sig, frame)


def serve(settings: Settings) -> None:
    """Serve the API on API_HOST:API_PORT until a signal stops it."""
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    _Server(config, app).run()
