"""`tg-parser telegram login`: sign a Telegram account in for the Telethon source."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from tg_parser.cli.common import err_console, run, settings_of

if TYPE_CHECKING:
    from tg_parser.sources.telegram import ClientFactory, LoginPrompts

app = typer.Typer(help="The Telegram account the Telethon source reads with.", no_args_is_help=True)

# the Telethon client to log in with (None: a real one); the seam tests fill with a fake
client_factory: ClientFactory | None = None


def _prompts() -> LoginPrompts:
    from tg_parser.sources.telegram import LoginPrompts

    return LoginPrompts(
        phone=lambda: typer.prompt("Phone number (international format, e.g. +441234567890)"),
        code=lambda: typer.prompt("Login code Telegram sent you"),
        password=lambda: typer.prompt("Two-step verification password", hide_input=True),
    )


@app.command("login")
def login_command(
    ctx: typer.Context,
    print_session: bool = typer.Option(
        False,
        "--print-session",
        help="Print a session string for TELEGRAM_SESSION_STRING instead of writing the "
        "session file (for servers and containers).",
    ),
) -> None:
    """Sign in interactively (phone, login code, 2FA password) and keep the session."""
    from tg_parser.sources.telegram import login

    settings = settings_of(ctx)
    result = run(
        login(settings, _prompts(), print_session=print_session, client_factory=client_factory)
    )
    who = f"{result.name} (@{result.username})" if result.username else result.name
    if result.session_string is not None:
        err_console.print(
            f"Logged in as {who}. Set TELEGRAM_SESSION_STRING to the line below; "
            "keep it secret, it gives full access to the account."
        )
        typer.echo(result.session_string)
        return
    typer.echo(f"Logged in as {who}; session saved to {result.session_file} (mode 0600).")
