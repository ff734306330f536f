"""Parameter types the routes share: channels and dates, read as the CLI reads them, and
refused with a 422 (``invalid_request``, naming the parameter) when malformed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError

from tg_parser.errors import InputError
from tg_parser.export.options import date_bound
from tg_parser.models import channel_key
from tg_parser.registry import parse_interval, parse_when


def _checked(parse: Callable[[str], object]) -> Callable[[object], object]:
    """``parse`` for text (its InputError a validation error, which the API reports as a
    422 naming the parameter); other values are left to pydantic."""

    def check(value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return parse(value)
        except InputError as exc:
            raise PydanticCustomError("invalid_value", exc.message.strip()) from None

    return check


def _channel(value: str) -> str:
    return str(_checked(channel_key)(value))


ChannelKey = Annotated[str, AfterValidator(_channel)]
"""A channel as the CLI takes it (@name, a t.me link, a -100… id), as its key."""

DayStart = Annotated[datetime, BeforeValidator(_checked(lambda v: date_bound(v, "")))]
"""``YYYY-MM-DD`` (the day's start) or an ISO 8601 moment; UTC unless given."""

DayEnd = Annotated[
    datetime, BeforeValidator(_checked(lambda v: date_bound(v, "", end_of_day=True)))
]
"""``YYYY-MM-DD`` (the day's end, inclusive) or an ISO 8601 moment; UTC unless given."""

Moment = Annotated[datetime, BeforeValidator(_checked(lambda v: parse_when(v, "")))]
"""An ISO date or datetime, as `sources add --since` takes it; UTC unless given."""


def _interval(value: object) -> object:
    whole = isinstance(value, int) and not isinstance(value, bool)
    return _checked(parse_interval)(str(value) if whole else value)


Interval = Annotated[int, BeforeValidator(_interval)]
"""Seconds, or a duration like ``30m``, ``1h``, ``1d``, ``1h30m``."""
