"""`tg-parser serve`: the HTTP API, behind uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import settings_of, with_database

if TYPE_CHECKING:
    from tg_parser.store import Database


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, "--host", help="Address to bind (default: API_HOST)."),
    port: int | None = typer.Option(
        None, "--port", min=1, max=65535, help="Port to listen on (default: API_PORT)."
    ),
) -> None:
    """Serve the HTTP API (docs at /docs, OpenAPI at /openapi.json) and the topic browser
    (at /) until stopped."""
    from tg_parser.api.server import serve as serve_api

    settings = settings_of(ctx)
    settings = settings.model_copy(
        update={"api_host": host or settings.api_host, "api_port": port or settings.api_port}
    )
    # a one-line error now, not a failed startup
    database = with_database(ctx, lambda db: _check(db, settings.api_host))
    address = f"http://{settings.api_host}:{settings.api_port}"
    typer.echo(
        f"Serving {database}: the browser at {address}/, the API docs at {address}/docs "
        "(Ctrl-C stops)"
    )
    try:
        serve_api(settings)
    except KeyboardInterrupt:
        typer.echo("Stopped.")


async def _check(db: Database, host: str) -> str:
    """Where the data lives; ``ConfigError`` when ``host`` is reachable from other
    machines and no key exists (the API would be open to them)."""
    from tg_parser import keys
    from tg_parser.errors import ConfigError

    if not keys.is_loopback(host) and not await keys.keys_exist(db):
        raise ConfigError(
            f"no API key exists, so the API is not served on {host} (not a loopback "
            f"address): create one with `{keys.CREATE_HINT}`, or serve on 127.0.0.1"
        )
    return db.describe()
