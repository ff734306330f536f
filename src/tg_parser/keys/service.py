"""API keys as a service: create (the key is returned once), list, revoke.

Keys of scope ``read`` read; ``run`` also starts and cancels runs and uploads exports;
``admin`` also manages sources and keys. A key may be limited to channels (resolved through
``registry.resolve_channel``, so a typo fails instead of making a key that sees nothing).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from tg_parser import registry
from tg_parser.clock import utcnow
from tg_parser.errors import InputError, NotFoundError
from tg_parser.keys import tokens
from tg_parser.store import Database, KeyNameTakenError, StoredKey

Scope = Literal["read", "run", "admin"]
SCOPES: tuple[Scope, ...] = ("read", "run", "admin")
KeyStatus = Literal["active", "expired", "revoked"]
CREATE_HINT = "tg-parser keys create NAME --scope admin"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class IssuedKey:
    """A key just created: ``key`` is the only time the secret exists outside its holder."""

    key: str
    stored: StoredKey


async def create_key(
    db: Database,
    name: str,
    scope: str,
    *,
    channels: Iterable[str] = (),
    expires_at: datetime | None = None,
) -> IssuedKey:
    """A new key named ``name``; ``channels`` (none: every channel) are resolved first."""
    now = utcnow()
    _check(name, scope, expires_at, now)
    resolved = sorted({await registry.resolve_channel(db, channel) for channel in channels})
    key, prefix = tokens.new_key()
    try:
        async with db.transaction() as repos:
            stored = await repos.api_keys.create(
                name=name,
                prefix=prefix,
                hash=tokens.digest(key),
                scope=scope,
                channels=resolved or None,
                created_at=now,
                expires_at=expires_at,
            )
    except KeyNameTakenError:
        raise InputError(
            f"a key named {name!r} exists (see `tg-parser keys list`): pick another name"
        ) from None
    return IssuedKey(key=key, stored=stored)


async def list_keys(db: Database) -> list[StoredKey]:
    async with db.transaction() as repos:
        return await repos.api_keys.list()


async def revoke_key(db: Database, name: str) -> StoredKey:
    """Revoke the key named ``name`` (a revoked key stays revoked; its name stays taken)."""
    async with db.transaction() as repos:
        if await repos.api_keys.by_name(name) is None:
            raise NotFoundError(f"no key {name!r}: see `tg-parser keys list`")
        await repos.api_keys.revoke(name, utcnow())
        stored = await repos.api_keys.by_name(name)
    assert stored is not None
    return stored


async def keys_exist(db: Database) -> bool:
    """Whether any key that is not revoked exists (then every API request needs a key)."""
    async with db.reading() as repos:
        return await repos.api_keys.count_unrevoked() > 0


def status_of(stored: StoredKey, now: datetime | None = None) -> KeyStatus:
    if stored.revoked_at is not None:
        return "revoked"
    if stored.expires_at is not None and stored.expires_at <= (now or utcnow()):
        return "expired"
    return "active"


def scope_of(stored: StoredKey) -> Scope:
    if stored.scope not in SCOPES:
        raise InputError(f"key {stored.name!r} has an unknown scope {stored.scope!r}")
    return stored.scope


def key_json(stored: StoredKey) -> dict[str, Any]:
    """What may be shown of a key: never the secret nor its hash."""
    return {
        "name": stored.name,
        "prefix": tokens.shown(stored.prefix),
        "scope": stored.scope,
        "channels": list(stored.channels) if stored.channels is not None else None,
        "status": status_of(stored),
        "created_at": stored.created_at,
        "expires_at": stored.expires_at,
        "revoked_at": stored.revoked_at,
        "last_used_at": stored.last_used_at,
    }


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (``localhost``, 127.x, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[] ")).is_loopback
    except ValueError:
        return False


def _check(name: str, scope: str, expires_at: datetime | None, now: datetime) -> None:
    if not _NAME.fullmatch(name):
        raise InputError(
            f"key name {name!r} is not valid: use up to 64 letters, digits, '.', '_' or '-'"
        )
    if scope not in SCOPES:
        raise InputError(f"--scope {scope!r} is not a scope: use read, run or admin")
    if expires_at is not None and expires_at <= now:
        raise InputError(f"--expires {expires_at.isoformat()} is in the past")
