"""The channels a request may touch: the one it names (resolved as the CLI resolves it),
when the principal may see it, or every channel the principal sees.

A principal limited to channels never learns about others: a channel it may not see is a
``404`` like an unknown one, and the message of an unknown channel lists no channel names.
"""

from __future__ import annotations

from collections.abc import Collection

from tg_parser import registry
from tg_parser.api.auth import Principal
from tg_parser.errors import NotFoundError
from tg_parser.store import Database


async def visible_channel(db: Database, principal: Principal, channel: str) -> str:
    """The stored key of ``channel`` (a channel key), when the principal may see it."""
    if principal.channels is None:
        return await registry.resolve_channel(db, channel)
    try:
        key = await registry.resolve_channel(db, channel)
    except NotFoundError:
        raise NotFoundError(f"no channel {channel!r}") from None
    return principal.check_channel(key)


async def visible_source(db: Database, principal: Principal, channel: str) -> str:
    """The key of the source of ``channel`` (a channel key), when the principal may see it."""
    if principal.channels is None:
        return (await registry.get_source(db, channel)).channel_key
    try:
        source = await registry.get_source(db, channel)
    except NotFoundError:
        raise NotFoundError(f"no source {channel!r}") from None
    return principal.check_channel(source.channel_key, "source")


async def visible_channels(
    db: Database, principal: Principal, channel: str | None
) -> Collection[str] | None:
    """The channels a request over ``channel`` (None: all) covers; None: every channel."""
    if channel is None:
        return principal.channels
    return {await visible_channel(db, principal, channel)}
