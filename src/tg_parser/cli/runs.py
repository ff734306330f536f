"""`tg-parser runs` commands (being written)."""

import typer

app = typer.Typer(help="runs", no_args_is_help=True)
