"""API keys: their format and hash (``tokens``), management (``service``) and the checks
each API request makes (``keyring``)."""

from tg_parser.keys.keyring import Keyring
from tg_parser.keys.service import (
    CREATE_HINT,
    SCOPES,
    IssuedKey,
    KeyStatus,
    Scope,
    create_key,
    is_loopback,
    key_json,
    keys_exist,
    list_keys,
    revoke_key,
    scope_of,
    status_of,
)

__all__ = [
    "CREATE_HINT",
    "SCOPES",
    "IssuedKey",
    "KeyStatus",
    "Keyring",
    "Scope",
    "create_key",
    "is_loopback",
    "key_json",
    "keys_exist",
    "list_keys",
    "revoke_key",
    "scope_of",
    "status_of",
]
