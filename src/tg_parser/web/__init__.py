"""The topic browser: server-rendered pages over the same services as the HTTP API.

``/`` lists the channels; a channel's topics, a topic, a message, search and the runs (with
their live progress) follow. The pages take a key from a cookie set by ``/login`` (the
JSON API keeps taking keys from headers only), and a key limited to channels sees only its
channels, as in the API.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from tg_parser.web import browse, login, runs, search

STATIC_PATH = "/static"


def install(app: FastAPI) -> None:
    """Serve the browser's pages and their static files from ``app``."""
    router = APIRouter(include_in_schema=False)
    for module in (login, browse, search, runs):
        router.include_router(module.router)
    app.include_router(router)
    app.mount(STATIC_PATH, StaticFiles(packages=[("tg_parser.web", "static")]), name="static")
