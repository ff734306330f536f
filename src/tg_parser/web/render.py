"""Rendering pages: the templates (shipped in the package, every value HTML-escaped),
their filters, and the headers every page carries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined

# pages run no inline script and load nothing from other sites
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def when(moment: datetime | str | None, *, day: bool = False) -> str:
    """``2026-03-01 12:30`` in UTC (a day alone with ``day``); "—" when unknown."""
    if moment is None:
        return "—"
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    moment = moment.astimezone(UTC) if moment.tzinfo else moment
    return f"{moment:%Y-%m-%d}" if day else f"{moment:%Y-%m-%d %H:%M}"


def number(value: int | None) -> str:
    """``12 345`` (thin space between thousands); "—" when unknown."""
    return "—" if value is None else f"{value:,}".replace(",", "\u202f")


def share(part: int, whole: int) -> str:
    """``part`` of ``whole`` as a percentage (``<1%`` for a sliver, "—" for nothing)."""
    if whole <= 0:
        return "—"
    percent = 100 * part / whole
    return "<1%" if 0 < percent < 1 else f"{percent:.0f}%"


def marked(text: str, ranges: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut at ``ranges`` ([start, end) characters to highlight): (piece, hit)
    pairs, so the template escapes every piece and marks the hits."""
    pieces: list[tuple[str, bool]] = []
    at = 0
    for start, end in sorted(ranges):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        pieces += [(text[at:start], False)] if start > at else []
        pieces.append((text[start:end], True))
        at = end
    return [*pieces, (text[at:], False)] if at < len(text) else pieces


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("tg_parser.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=when, number=number, marked=marked)
    env.globals.update(share=share)
    return env


ENVIRONMENT = _environment()


def page(
    request: Request, template: str, context: Mapping[str, Any], status: int = 200
) -> HTMLResponse:
    """The page ``template`` renders from ``context`` (and the request and its viewer)."""
    values = {"request": request, "viewer": getattr(request.state, "principal", None)}
    html = ENVIRONMENT.get_template(template).render(values | dict(context))
    return HTMLResponse(html, status_code=status, headers=HEADERS)
