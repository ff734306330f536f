"""`tg-parser sources` commands (being written)."""

import typer

app = typer.Typer(help="sources", no_args_is_help=True)
