"""Every operation of ``/openapi.json``: hypothesis-generated requests (schemathesis) to the
in-process app over the sample knowledge base, on SQLite and PostgreSQL: no 5xx, and every
response is one the schema documents (status, content type, headers, body). The operations
are read from the app's schema, so routes added later are covered as they appear. Bounded
and deterministic: a few examples per operation, derandomized."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.python import asgi

import kb_sample
import key_sample
from conftest import PRIVATE_PREFIXES
from tg_parser.api import create_app
from tg_parser.config import Settings
from tg_parser.store import Database

EXAMPLES_PER_OPERATION = 20
# A request can be valid by the schema and still refused with a documented 422: an opaque
# cursor the API did not hand out, a date range that ends before it starts.
# Authentication has its own matrix (test_auth_matrix.py): schemathesis's re-sent request
# without the key goes out through a real socket, not the in-process app.
EXCLUDED = [schemathesis.checks.positive_data_acceptance, schemathesis.checks.ignored_auth]

# the schema alone (no database is opened to describe the routes)
schema = schemathesis.openapi.from_dict(
    create_app(Settings(database_url="sqlite:///:memory:")).openapi()
)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def sample_api(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[asgi.ASGIClient, str]]:
    """A client of the app over the sample knowledge base, built once per backend, and an
    admin key (with a key, requests without one must be refused: schemathesis checks)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'sample.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
    key = asyncio.run(_fresh_sample(url))
    with asgi.get_client(create_app(_offline(url))) as client:
        yield client, key
    asgi.shutdown_lifespans()  # the app's database is closed before the next module


def _offline(url: str) -> Settings:
    """Settings that reach no outside service, whatever a generated request starts: none of
    the developer's environment (this fixture outlives the per-test isolation), the web
    preview at a loopback port where nothing listens, the offline model provider."""
    with pytest.MonkeyPatch.context() as env:
        for name in [name for name in os.environ if name.startswith(PRIVATE_PREFIXES)]:
            env.delenv(name)
        return Settings(
            _env_file=None,
            database_url=url,
            telegram_web_base_url="http://127.0.0.1:9",
            web_timeout=1.0,
            api_rate_limit="0",
            run_queue="in-process",
        )


async def _fresh_sample(url: str) -> str:
    db = await Database.open(Settings(database_url=url))
    try:
        await db.downgrade("base")  # what other tests left behind goes
        await db.upgrade()
        await kb_sample.build(db)
        return await key_sample.create(db, "schemathesis", "admin")
    finally:
        await db.close()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(
    case: schemathesis.Case, sample_api: tuple[asgi.ASGIClient, str]
) -> None:
    client, key = sample_api
    case.call_and_validate(
        session=client,
        base_url=client.base_url,
        headers=key_sample.bearer(key),
        excluded_checks=EXCLUDED,
    )
