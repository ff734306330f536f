"""Every route under /api/v1 by every kind of caller → the status its key allows, and no
other channel's data in any body.

Routes are found on the app (new routes are covered as they are added); the scope each
requires comes from its dependency (Reader, Runner, Admin, KeyAdmin); path parameters are
filled with an object of the sample channel by their name (add a sampler for a new name).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from sqlalchemy import select

import kb_sample
import key_sample
from tg_parser import keys, registry
from tg_parser.api import create_app
from tg_parser.api.auth import SCOPES, ScopeCheck, scope_check
from tg_parser.config import Settings
from tg_parser.store import Database
from tg_parser.store.tables import processed_documents, runs, topic_cards
from tg_parser.testing.api import api_client

SAMPLE = kb_sample.CHANNEL
OTHER = "otherchannel"
VICTIM = "victim"  # the key the key routes revoke


async def _topic(db: Database) -> str:
    return await _first(db, select(topic_cards.c.id).where(topic_cards.c.channel_id == SAMPLE))


async def _document(db: Database) -> str:
    query = select(processed_documents.c.id).where(processed_documents.c.channel_id == SAMPLE)
    return await _first(db, query)


async def _run(db: Database) -> str:
    async with db.engine.connect() as conn:
        rows = (await conn.execute(select(runs.c.id, runs.c.scope))).all()
    return next(run_id for run_id, scope in rows if scope.get("channel") == SAMPLE)


async def _first(db: Database, query: object) -> str:
    async with db.engine.connect() as conn:
        value = (await conn.execute(query)).scalars().first()  # type: ignore[call-overload]
    assert value is not None, f"the sample has nothing for {query}"
    return str(value)


async def _channel(db: Database) -> str:
    return SAMPLE


async def _key_name(db: Database) -> str:
    return VICTIM


# path parameter → (a value of the sample channel, whether it belongs to a channel)
SAMPLERS: dict[str, tuple[Callable[[Database], Awaitable[str]], bool]] = {
    "channel": (_channel, True),
    "topic_id": (_topic, True),
    "document_id": (_document, True),
    "document": (_document, True),
    "run_id": (_run, True),
    "name": (_key_name, False),
}
# values for the query parameters a route requires (besides the channel under test)
REQUIRED_QUERY = {"q": "python"}
PATH_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    dependant: Dependant


def api_routes() -> list[Route]:
    """Every operation under /api/v1 (FastAPI ≥ 0.165 includes routers lazily)."""
    app = create_app(Settings(database_url="sqlite://"))
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:
        contexts: Iterable[Any] = app.routes
    else:
        contexts = iter_route_contexts(app.routes)
    return [
        Route(method, context.path, context.dependant)
        for context in contexts
        if isinstance(
            context.original_route if hasattr(context, "original_route") else context, APIRoute
        )
        and context.path.startswith("/api/v1/")
        for method in sorted(context.methods)
    ]


ROUTES = api_routes()
# GET routes that take a channel, in their path or as a `channel` filter
CHANNEL_ROUTES = [
    route
    for route in ROUTES
    if route.method == "GET"
    and (
        "channel" in PATH_PARAM.findall(route.path)
        or any(param.name == "channel" for param in route.dependant.query_params)
    )
]


@dataclass(frozen=True)
class Caller:
    """Who calls: the headers it sends and what it may do."""

    label: str
    key: str | None = None  # the name of a key made for the test (None: no key)
    scope: str | None = None  # None: the key does not authenticate
    channel: str | None = None  # the one channel the key sees
    header: str = "Authorization"

    def headers(self, secrets: dict[str, str]) -> dict[str, str]:
        if self.key is None:
            return {}
        secret = secrets.get(self.key, self.key)
        return (
            {"X-API-Key": secret} if self.header != "Authorization" else key_sample.bearer(secret)
        )

    def allowed(self, check: ScopeCheck) -> bool:
        assert self.scope is not None
        enough = SCOPES.index(self.scope) >= SCOPES.index(check.scope)  # type: ignore[arg-type]
        return enough and not (check.every_channel and self.channel is not None)


# the ones refused first, the ones allowed last (they may change what they touch)
CALLERS = [
    Caller("no key"),
    Caller("wrong key", key=key_sample.WRONG_KEY),
    Caller("not a key", key="not-a-key"),
    Caller("revoked", key="revoked"),
    Caller("expired", key="expired"),
    Caller("other channel", key="other", scope="admin", channel=OTHER),
    *(Caller(scope, key=scope, scope=scope) for scope in SCOPES),
    Caller("this channel", key="this", scope="admin", channel=SAMPLE),
    Caller("X-API-Key", key="admin", scope="admin", header="X-API-Key"),
]


async def _make_keys(db: Database) -> dict[str, str]:
    await registry.add_source(db, OTHER, via="web")
    made = {scope: await key_sample.create(db, scope, scope) for scope in SCOPES}
    made["other"] = await key_sample.create(db, "other", channels=[OTHER])
    made["this"] = await key_sample.create(db, "this", channels=[SAMPLE])
    made["revoked"] = await key_sample.create(db, "revoked")
    made["expired"] = await key_sample.create(db, "expired")
    await key_sample.create(db, VICTIM, "read")
    await keys.revoke_key(db, "revoked")
    await key_sample.expire(db, "expired")
    return made


def test_the_routes_are_found() -> None:
    paths = {route.path for route in ROUTES}
    assert {"/api/v1/sources", "/api/v1/keys", "/api/v1/keys/{name}"} <= paths


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.path}" for r in ROUTES])
async def test_each_caller_gets_what_its_key_allows(
    route: Route, settings: Settings, sample_db: Database
) -> None:
    method = route.method
    check = scope_check(route.dependant)
    assert check is not None, f"{route.path} takes none of Reader, Runner, Admin, KeyAdmin"
    names = PATH_PARAM.findall(route.path)
    missing = [name for name in names if name not in SAMPLERS]
    assert not missing, f"add a sampler for the path parameters {missing} of {route.path}"
    values = {name: await SAMPLERS[name][0](sample_db) for name in names}
    of_channel = any(SAMPLERS[name][1] for name in names)
    url = route.path.format(**values)
    secrets = await _make_keys(sample_db)
    app = create_app(settings.model_copy(update={"api_rate_limit": "0"}))
    async with api_client(app) as http:
        for caller in CALLERS:
            response = await http.request(method, url, headers=caller.headers(secrets))
            expected = _expected(caller, check, of_channel, method, route)
            assert response.status_code in expected, (
                f"{method} {url} as {caller.label}: {response.status_code} {response.text[:300]}"
            )
            _assert_no_other_channel(caller, response.text, values.values())


def _expected(
    caller: Caller, check: ScopeCheck, of_channel: bool, method: str, route: Route
) -> set[int]:
    if caller.scope is None:
        return {401}
    if not caller.allowed(check):
        return {403}
    if caller.channel == OTHER and of_channel:
        return {404} if method == "GET" else {404, 422}
    if method == "GET" and not _required_query(route):
        return {200}
    return set(range(200, 600)) - {401, 403, 429, 500}


def _required_query(route: Route) -> bool:
    return any(param.field_info.is_required() for param in route.dependant.query_params)


def _assert_no_other_channel(caller: Caller, body: str, asked: object) -> None:
    if caller.channel is None:
        return
    hidden = SAMPLE if caller.channel == OTHER else OTHER
    for value in asked:  # the caller's own words may come back in a 404
        body = body.replace(str(value), "")
    assert hidden not in body, f"{caller.label} sees {hidden}: {body[:300]}"


@pytest.mark.parametrize("route", CHANNEL_ROUTES, ids=[r.path for r in CHANNEL_ROUTES])
@pytest.mark.parametrize(
    ("key", "seen", "asked"),
    [
        ("this", SAMPLE, OTHER),
        ("this", SAMPLE, "nosuchchannel"),
        ("other", OTHER, SAMPLE),
        ("other", OTHER, "nosuchchannel"),
    ],
)
async def test_asking_a_channel_a_key_does_not_see_reveals_nothing(
    route: Route, key: str, seen: str, asked: str, settings: Settings, sample_db: Database
) -> None:
    """Another channel, or one that does not exist, is the same 404, naming no channel."""
    names = PATH_PARAM.findall(route.path)
    values = {name: await SAMPLERS[name][0](sample_db) for name in names} | {"channel": asked}
    url = route.path.format(**values)
    params = {} if "channel" in names else {"channel": asked}
    params |= {
        param.name: REQUIRED_QUERY[param.name]
        for param in route.dependant.query_params
        if param.field_info.is_required()
    }
    secrets = await _make_keys(sample_db)
    app = create_app(settings.model_copy(update={"api_rate_limit": "0"}))
    async with api_client(app) as http:
        response = await http.get(url, params=params, headers=key_sample.bearer(secrets[key]))
    assert response.status_code == 404, response.text
    body = response.text.replace(asked, "")
    hidden = {SAMPLE, OTHER} - {seen}
    assert not any(channel in body for channel in hidden), body
