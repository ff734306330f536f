"""The routers under ``/api/v1``, one module per noun."""

from fastapi import APIRouter

from tg_parser.api.routes import (
    channels,
    documents,
    export,
    failures,
    imports,
    keys,
    runs,
    schedule,
    search,
    sources,
    topics,
    usage,
    webhooks,
)

router = APIRouter()
router.include_router(sources.router)
router.include_router(channels.router)
router.include_router(topics.router)
router.include_router(documents.router)
router.include_router(search.router)
router.include_router(export.router)
router.include_router(runs.router)
router.include_router(schedule.router)
router.include_router(imports.router)
router.include_router(webhooks.router)
router.include_router(failures.router)
router.include_router(usage.router)
router.include_router(keys.router)

__all__ = ["router"]
