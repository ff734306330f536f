"""The routers under ``/api/v1``, one module per noun."""

from fastapi import APIRouter

from tg_parser.api.routes import sources

router = APIRouter()
router.include_router(sources.router)

__all__ = ["router"]
