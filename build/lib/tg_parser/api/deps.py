"""What routes receive besides their parameters: the database, the settings, the run queue."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tg_parser.config import Settings
from tg_parser.jobs import RunQueue
from tg_parser.store import Database


def database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def settings(request: Request) -> Settings:
    value: Settings = request.app.state.settings
    return value


def queue(request: Request) -> RunQueue:
    value: RunQueue = request.app.state.queue
    return value


Db = Annotated[Database, Depends(database)]
Queue = Annotated[RunQueue, Depends(queue)]
AppSettings = Annotated[Settings, Depends(settings)]
