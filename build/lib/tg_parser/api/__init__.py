"""The HTTP API (`tg-parser serve`): a FastAPI app over the same services as the CLI."""

from tg_parser.api.app import create_app

__all__ = ["create_app"]
