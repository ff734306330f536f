"""`tg-parser keys create/list/revoke`: the API keys `serve` accepts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import typer

from tg_parser.cli.common import (
    JSON_OPTION,
    err_console,
    print_json,
    print_table,
    with_database,
)

if TYPE_CHECKING:
    from tg_parser.store import StoredKey

app = typer.Typer(
    help="Manage the API keys of `tg-parser serve`: create, list, revoke.", no_args_is_help=True
)

# tg_parser.keys.Scope, spelt out so that loading the CLI does not load the services
# (a test checks they agree)
Scope = Literal["read", "run", "admin"]
NAME = typer.Argument(..., metavar="NAME", help="The key's name (letters, digits, . _ -).")
SCOPE = typer.Option(
    ...,
    "--scope",
    help="read: read; run: also start/cancel runs and upload; admin: also manage sources and keys.",
)
CHANNELS = typer.Option(
    None, "--channel", help="Limit the key to this channel (repeat for more; none: every one)."
)
EXPIRES = typer.Option(
    None, "--expires", help="When the key stops working: ISO date/datetime (naive = UTC)."
)


@app.command()
def create(
    ctx: typer.Context,
    name: str = NAME,
    scope: Scope = SCOPE,
    channels: list[str] | None = CHANNELS,
    expires: str | None = EXPIRES,
    as_json: bool = JSON_OPTION,
) -> None:
    """Create a key and print it, once: only its hash is stored."""
    from tg_parser import keys
    from tg_parser.registry import parse_when

    expires_at = parse_when(expires, "--expires") if expires else None
    issued = with_database(
        ctx,
        lambda db: keys.create_key(db, name, scope, channels=channels or (), expires_at=expires_at),
    )
    if as_json:
        print_json({**keys.key_json(issued.stored), "key": issued.key})
        return
    err_console.print(
        f"Created key {name!r} ({_reach(issued.stored)}). It is shown only now; keep it "
        "secret and send it as `Authorization: Bearer <key>`:",
        soft_wrap=True,
    )
    typer.echo(issued.key)


@app.command("list")
def list_(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """List the keys: name, prefix, scope, channels, status, dates (never the key)."""
    from tg_parser import keys

    stored = with_database(ctx, keys.list_keys)
    rows = [keys.key_json(key) for key in stored]
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("No keys: the API is open on loopback. Create one with `tg-parser keys create`.")
        return
    columns = ["name", "prefix", "scope", "channels", "status", "expires_at", "last_used_at"]
    print_table(columns, [[_cell(row[column]) for column in columns] for row in rows])


@app.command()
def revoke(ctx: typer.Context, name: str = NAME) -> None:
    """Revoke a key: requests with it are refused from now on (within API_KEY_CACHE_SECONDS)."""
    from tg_parser import keys

    stored = with_database(ctx, lambda db: keys.revoke_key(db, name))
    typer.echo(f"Key {stored.name!r} is revoked.")


def _reach(stored: StoredKey) -> str:
    channels = ", ".join(stored.channels) if stored.channels else "every channel"
    expires = f", until {stored.expires_at:%Y-%m-%d %H:%M} UTC" if stored.expires_at else ""
    return f"scope {stored.scope}, {channels}{expires}"


def _cell(value: Any) -> Any:
    return ", ".join(value) if isinstance(value, list) else value
