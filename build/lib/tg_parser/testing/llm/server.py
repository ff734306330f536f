"""A loopback HTTP server that speaks a model provider's API, for tests and benchmarks.

The server core here is the same for every provider: a stdlib HTTP server in a thread
with a fixed ``latency``, an optional rate limit (requests per second, answered with the
provider's 429 and ``Retry-After``), scripted faults (``script``: served in order to the
next requests) and random ones (``fault_rate`` of the other requests, from ``fault_kinds``,
seeded), and a record of every request (``requests``). What is provider-specific — which
paths exist, how a request names its model, instructions, input and schema, and what a
success or an error looks like on the wire — is a :class:`Dialect`, one module per
provider (``testing/llm/openai.py`` …).

What the fake model answers is ``answer``: a function of the parsed call that returns the
JSON object to send back (default: :func:`schema_instance`, a valid instance of the
requested schema). Usage is counted as the real APIs would roughly count it: characters/4.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Protocol

# timeout: the answer stalls for ``timeout_delay``; garbage: a 200 whose body is cut off
# mid-JSON; invalid: a well-formed answer whose model output is not JSON of the schema
# 402: a billing refusal (served by the Anthropic dialect, as its billing_error)
# echo: a 400 whose message repeats the request's key and credential headers, as careless
# proxies and self-hosted servers do
Fault = Literal[
    "429", "500", "503", "529", "timeout", "garbage", "invalid", "401", "402", "400", "echo"
]
FAULTS: tuple[Fault, ...] = (
    "429",
    "500",
    "503",
    "529",
    "timeout",
    "garbage",
    "invalid",
    "401",
    "402",
    "400",
    "echo",
)
CREDENTIAL_HEADERS = ("authorization", "x-api-key", "x-goog-api-key")
RANDOM_FAULTS: tuple[Fault, ...] = ("429", "500", "timeout", "garbage")


@dataclass(frozen=True)
class ModelCall:
    """What a request asked the model, whatever the provider's wire format."""

    model: str
    instructions: str
    input: str
    schema: dict[str, Any] | None
    schema_name: str | None = None


@dataclass(frozen=True)
class Reply:
    """An HTTP answer: status, JSON (or raw) body and extra headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    raw: bool = False  # ``body`` is bytes to send as they are (a truncated answer)


@dataclass(frozen=True)
class TokenCount:
    input_tokens: int
    output_tokens: int
    reasoning_tokens: int = 0


class Dialect(Protocol):
    """One provider's wire format."""

    def handles(self, method: str, path: str) -> bool: ...

    def parse(self, path: str, body: dict[str, Any]) -> ModelCall: ...

    def success(self, call: ModelCall, answer: str, usage: TokenCount) -> Reply: ...

    def error(
        self, fault: Fault, retry_after: float | None = None, message: str | None = None
    ) -> Reply:
        """The provider's error for ``fault`` (a status code: 429, 500, 503, 529, 401, 400),
        with ``message`` instead of the provider's usual one when given."""
        ...

    def garbage(self, call: ModelCall) -> Reply:
        """A 200 answer whose body is cut off mid-JSON."""
        ...


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body (None if there was none or it was not JSON)
    at: float  # time.monotonic() when it arrived


Answer = Callable[[ModelCall], Any]


class FakeModelServer:
    """A loopback server for one :class:`Dialect`; use it as a context manager.

    ``latency`` delays every answer; ``rate_limit`` (requests per second, a token bucket
    of one second's burst) answers excess requests with the dialect's 429 and a
    ``Retry-After`` of ``retry_after`` seconds; ``timeout_delay`` is how long a ``timeout``
    fault stalls before answering (set the client's timeout below it).
    """

    def __init__(
        self,
        dialect: Dialect,
        *,
        latency: float = 0.0,
        rate_limit: float | None = None,
        retry_after: float = 1.0,
        fault_rate: float = 0.0,
        fault_kinds: tuple[Fault, ...] = RANDOM_FAULTS,
        seed: int = 0,
        timeout_delay: float = 5.0,
        answer: Answer | None = None,
        reasoning_tokens: int = 0,
    ) -> None:
        self.dialect = dialect
        self.latency = latency
        self.retry_after = retry_after
        self.fault_rate = fault_rate
        self.fault_kinds = fault_kinds
        self.timeout_delay = timeout_delay
        self.answer: Answer = answer or (lambda call: schema_instance(call.schema or {}))
        self.reasoning_tokens = reasoning_tokens
        self.script: deque[Fault] = deque()
        self.requests: list[RecordedRequest] = []
        self.calls: list[ModelCall] = []
        self._random = random.Random(seed)
        self._bucket = _Bucket(rate_limit) if rate_limit else None
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server with `with FakeModelServer(...)`"
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeModelServer:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = _LoopbackServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    def respond(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        """The reply to one request (after the latency has passed)."""
        body = _json_or_none(raw)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers, body, time.monotonic()))
            fault = self._fault()
        if not self.dialect.handles(method, path) or not isinstance(body, dict):
            return Reply(404, {"error": {"message": f"no route {method} {path}"}})
        call = self.dialect.parse(path, body)
        if fault == "timeout":
            time.sleep(self.timeout_delay)
        elif fault == "garbage":
            return self.dialect.garbage(call)
        elif fault == "invalid":
            return self.dialect.success(call, '{"summary": "cut', TokenCount(10, 3))
        elif fault == "echo":
            return self.dialect.error("400", message=echoed_credentials(headers))
        elif fault is not None:
            after = self.retry_after if fault in ("429", "503", "529") else None
            return self.dialect.error(fault, after)
        with self._lock:
            self.calls.append(call)
        answer = json.dumps(self.answer(call), ensure_ascii=False)
        usage = TokenCount(
            input_tokens=max(1, (len(call.instructions) + len(call.input)) // 4),
            output_tokens=max(1, len(answer) // 4) + self.reasoning_tokens,
            reasoning_tokens=self.reasoning_tokens,
        )
        return self.dialect.success(call, answer, usage)

    def _fault(self) -> Fault | None:
        if self.script:
            return self.script.popleft()
        if self._bucket is not None and not self._bucket.take():
            return "429"
        if self.fault_rate and self._random.random() < self.fault_rate:
            return self._random.choice(self.fault_kinds)
        return None


class _LoopbackServer(ThreadingHTTPServer):
    """A threaded server whose listen backlog takes a burst of concurrent clients (the
    backlog is read when the socket starts listening, so it must be a class attribute)."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 256


class _Bucket:
    """A token bucket: ``rate`` requests per second, bursts of up to one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.updated = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeModelServer
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        self._handle("POST")

    def do_GET(self) -> None:
        self._handle("GET")

    def _handle(self, method: str) -> None:
        fake = self.server_fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        time.sleep(fake.latency)
        reply = fake.respond(method, self.path.split("?", 1)[0], headers, raw)
        payload = reply.body if reply.raw else json.dumps(reply.body).encode()
        with _quiet_disconnect():
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the fake's record is ``requests``."""


@contextmanager
def _quiet_disconnect() -> Iterator[None]:
    """A client that gave up (a timeout test) is not an error of the fake."""
    with suppress(BrokenPipeError, ConnectionResetError):
        yield


def echoed_credentials(headers: dict[str, str]) -> str:
    """An error message that gives away the request's key and its credential headers."""
    sent = {name: headers[name] for name in CREDENTIAL_HEADERS if name in headers}
    key = next((value.removeprefix("Bearer ") for value in sent.values()), "(none)")
    listed = "; ".join(f"{name}: {value}" for name, value in sent.items())
    return f"The key {key} may not use this model (request headers: {listed})"


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def schema_instance(schema: dict[str, Any]) -> Any:
    """A small valid instance of a JSON Schema (objects, arrays, strings, numbers, enums)."""
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return schema_instance(schema["anyOf"][0])
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        properties = schema.get("properties", {})
        return {name: schema_instance(properties[name]) for name in properties}
    if kind == "array":
        return [schema_instance(schema.get("items", {})) for _ in range(schema.get("minItems", 1))]
    if kind == "string":
        return "text"
    if kind in ("number", "integer"):
        return schema.get("minimum", 0)
    if kind == "boolean":
        return False
    return None
