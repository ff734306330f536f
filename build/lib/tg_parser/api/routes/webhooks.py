"""``/api/v1/sources/{channel}/webhook``: where each run of a source posts its summary."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from tg_parser.api.auth import Admin
from tg_parser.api.deps import Db
from tg_parser.jobs.webhooks import set_source_webhook
from tg_parser.models import channel_key

router = APIRouter(prefix="/sources", tags=["sources"])


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="An http(s) URL on a public address.")


class WebhookOut(BaseModel):
    channel: str
    url: str
    secret: str = Field(description="Signs each delivery; shown once, here.")


@router.put("/{channel}/webhook", summary="Set a source's webhook")
async def set_webhook(channel: str, body: WebhookIn, db: Db, principal: Admin) -> WebhookOut:
    key = principal.check_channel(channel_key(channel))
    hook = await set_source_webhook(db, key, body.url)
    assert hook is not None
    return WebhookOut(channel=key, url=hook.url, secret=hook.secret)


@router.delete("/{channel}/webhook", status_code=204, summary="Remove a source's webhook")
async def remove_webhook(channel: str, db: Db, principal: Admin) -> Response:
    await set_source_webhook(db, principal.check_channel(channel_key(channel)), None)
    return Response(status_code=204)
