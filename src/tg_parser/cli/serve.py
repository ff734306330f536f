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
    """Serve the HTTP API (docs at /docs, OpenAPI at /openapi.json) until stopped."""
    from tg_parser.api.server import serve as serve_api

    settings = settings_of(ctx)
    settings = settings.model_copy(
        update={"api_host": host or settings.api_host, "api_port": port or settings.api_port}
    )
    database = with_database(ctx, _describe)  # a one-line error now, not a failed startup
    address = f"http://{settings.api_host}:{settings.api_port}"
    typer.echo(f"Serving {database} on {address} (docs at {address}/docs; Ctrl-C stops)")
    try:
        serve_api(settings)
    except KeyboardInterrupt:
        typer.echo("Stopped.")


async def _describe(db: Database) -> str:
    return db.describe()
