"""``/api/v1/keys``: the API keys (an admin key for every channel manages them)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import AwareDatetime, BaseModel, Field

from tg_parser import keys
from tg_parser.api.auth import KeyAdmin
from tg_parser.api.deps import Db
from tg_parser.api.pages import Page, Paging
from tg_parser.keys import KeyStatus, Scope
from tg_parser.store import StoredKey

router = APIRouter(prefix="/keys", tags=["keys"])

KeyName = Annotated[str, Path(max_length=64, description="The key's name.")]


class KeyOut(BaseModel):
    """A key as it may be shown: never the key nor its hash."""

    name: str
    prefix: str = Field(description="The key's public start, `tgp_<prefix>_…`.")
    scope: Scope
    channels: list[str] | None = Field(description="The channels it sees; null: every one.")
    status: KeyStatus
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None

    @classmethod
    def of(cls, stored: StoredKey) -> KeyOut:
        return cls.model_validate(keys.key_json(stored))


class KeyCreated(KeyOut):
    key: str = Field(description="The key: shown this once, only its hash is stored.")


class KeyIn(BaseModel):
    name: str = Field(max_length=64, description="Letters, digits, `.`, `_` or `-`.")
    scope: Scope
    channels: list[str] = Field(
        default_factory=list, max_length=100, description="Limit the key to these channels."
    )
    expires_at: AwareDatetime | None = Field(default=None, description="When it stops working.")


@router.get("", summary="List API keys")
async def list_keys(db: Db, principal: KeyAdmin, paging: Paging) -> Page[KeyOut]:
    return paging.slice([KeyOut.of(stored) for stored in await keys.list_keys(db)])


@router.post("", status_code=201, summary="Create an API key")
async def create_key(db: Db, principal: KeyAdmin, body: KeyIn, request: Request) -> KeyCreated:
    issued = await keys.create_key(
        db, body.name, body.scope, channels=body.channels, expires_at=body.expires_at
    )
    request.app.state.keyring.forget()
    return KeyCreated.model_validate({**keys.key_json(issued.stored), "key": issued.key})


@router.delete("/{name}", summary="Revoke an API key")
async def revoke_key(db: Db, principal: KeyAdmin, name: KeyName, request: Request) -> KeyOut:
    stored = await keys.revoke_key(db, name)
    request.app.state.keyring.forget()
    return KeyOut.of(stored)
