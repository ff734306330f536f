"""A loopback webhook receiver: records every POST and answers with scripted statuses."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """Answers each POST with the next of ``statuses`` (then 200); use it as a context
    manager. ``received`` lists what arrived, in order."""

    def __init__(self, statuses: tuple[int, ...] = ()) -> None:
        self.statuses: deque[int] = deque(statuses)
        self.received: list[Received] = []
        self.arrived = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "start the receiver with `with WebhookReceiver()`"
        return f"http://127.0.0.1:{self._server.server_port}/hooks/tg-parser"

    def __enter__(self) -> WebhookReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._record(Received(self.path, dict(self.headers), body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def _record(self, received: Received) -> int:
        with self._lock:
            self.received.append(received)
            status = self.statuses.popleft() if self.statuses else 200
        if status < 300:
            self.arrived.set()
        return status
