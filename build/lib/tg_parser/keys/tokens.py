"""The API key format and the one hash of it that is stored.

A key is ``tgp_<prefix>_<secret>``. The ``prefix`` (12 hex characters) is public: `keys list`
shows it and it finds the key's row. The ``secret`` is 32 random bytes (256 bits) from
``secrets``. Only SHA-256 of the whole key is stored and compared in constant time.

Why a plain SHA-256 and not a password hash (scrypt, argon2): a slow key-derivation function
protects *low-entropy* secrets (passwords) against guessing from a stolen hash. A 256-bit
random secret cannot be guessed at any hashing speed, so a slow hash would add nothing but a
cost on every request (or a cache of verified secrets in memory to avoid it).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

MARK = "tgp"
_KEY = re.compile(rf"{MARK}_([0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}")


def new_key() -> tuple[str, str]:
    """A fresh key and its prefix."""
    prefix = secrets.token_hex(6)
    return f"{MARK}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def prefix_of(key: str) -> str | None:
    """The prefix of a well-formed key; None for anything else."""
    match = _KEY.fullmatch(key)
    return match.group(1) if match else None


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def matches(key: str, stored_digest: str) -> bool:
    """Whether ``key`` hashes to ``stored_digest``, compared in constant time."""
    return hmac.compare_digest(digest(key), stored_digest)


def shown(prefix: str) -> str:
    """How a key is named where its secret must not appear: ``tgp_<prefix>_…``."""
    return f"{MARK}_{prefix}_…"
