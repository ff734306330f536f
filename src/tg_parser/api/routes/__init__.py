"""The routers under ``/api/v1``, one module per noun."""

from fastapi import APIRouter

from tg_parser.api.routes import imports, keys, runs, sources, webhooks

router = APIRouter()
router.include_router(sources.router)
router.include_router(runs.router)
router.include_router(imports.router)
router.include_router(webhooks.router)
router.include_router(keys.router)

__all__ = ["router"]
