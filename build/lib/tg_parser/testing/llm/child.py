"""A loopback model server in a child process, so that its work does not share the
client's interpreter (a real provider is never in the client's process either)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from tg_parser.testing.llm.server import FakeModelServer

Factory = Callable[..., FakeModelServer]  # e.g. fake_openai; must be importable (picklable)


class ChildModelServer:
    """``factory(**options)`` served from a child process; use it as a context manager.

    ``stats()`` returns what the server recorded (requests, answered calls, the request
    inputs); ``set(name=value)`` changes a server attribute (e.g. ``fault_rate``).
    """

    def __init__(self, factory: Factory, **options: Any) -> None:
        self.factory = factory
        self.options = options
        self.base_url = ""
        self._conn: Connection | None = None
        self._process: Any = None

    def __enter__(self) -> ChildModelServer:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, self.factory, self.options), daemon=True
        )
        self._process.start()
        self.base_url = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._ask("stop")
        self._process.join(timeout=10)

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self._ask("stats")
        return stats

    def set(self, **attributes: Any) -> None:
        self._ask("set", attributes)

    def _ask(self, command: str, argument: Any = None) -> Any:
        assert self._conn is not None, "start the server with `with ChildModelServer(...)`"
        self._conn.send((command, argument))
        return self._conn.recv()


def _serve(conn: Connection, factory: Factory, options: dict[str, Any]) -> None:
    with factory(**options) as server:
        conn.send(server.base_url)
        while True:
            command, argument = conn.recv()
            if command == "stats":
                conn.send(_stats(server))
            elif command == "set":
                for name, value in argument.items():
                    setattr(server, name, value)
                conn.send(None)
            else:
                conn.send(None)
                return


def _stats(server: FakeModelServer) -> dict[str, Any]:
    bodies = [r.body for r in server.requests if isinstance(r.body, dict)]
    return {
        "requests": len(server.requests),
        "calls": len(server.calls),
        "inputs": [str(body.get("input", body.get("messages", ""))) for body in bodies],
        "first_at": min((r.at for r in server.requests), default=None),
        "last_at": max((r.at for r in server.requests), default=None),
    }
