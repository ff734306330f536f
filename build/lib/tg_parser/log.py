"""structlog configuration, applied once by the CLI (and later the API)."""

from __future__ import annotations

import logging
import sys

import structlog

from tg_parser.config import Settings


def configure_logging(settings: Settings) -> None:
    """Logs go to stderr: `text` for people, `json` for one JSON object per line."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelName(settings.log_level)
        ),
        logger_factory=_stderr_logger,
        cache_logger_on_first_use=False,
    )


def _stderr_logger(*_args: object) -> structlog.PrintLogger:
    """A logger on the *current* stderr (tests and tools may swap it after configuration)."""
    return structlog.PrintLogger(sys.stderr)
