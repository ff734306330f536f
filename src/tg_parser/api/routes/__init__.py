"""The routers under ``/api/v1``, one module per noun."""

from fastapi import APIRouter

from tg_parser.api.routes import channels, documents, export, failures, sources, topics, usage

router = APIRouter()
router.include_router(sources.router)
router.include_router(channels.router)
router.include_router(topics.router)
router.include_router(documents.router)
router.include_router(export.router)
router.include_router(failures.router)
router.include_router(usage.router)

__all__ = ["router"]
