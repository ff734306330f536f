"""Choosing the provider that processes messages (the LLM_PROVIDER setting).

With no model provider configured (``auto``), messages are processed offline and the
command tells the user so, once.
"""

from __future__ import annotations

from dataclasses import dataclass

from tg_parser.config import Settings
from tg_parser.llm.base import Provider
from tg_parser.llm.offline import OfflineProvider

OFFLINE_NOTICE = (
    "No LLM provider configured: processing offline (set LLM_PROVIDER and a key to use a model)"
)


@dataclass(frozen=True)
class ProviderChoice:
    """The provider to use, and what to tell the user about the choice (once per command)."""

    provider: Provider
    notice: str | None = None


def choose_provider(settings: Settings) -> ProviderChoice:
    """The configured provider; ``auto`` with no model configured falls back to offline."""
    if settings.llm_provider == "offline":
        return ProviderChoice(OfflineProvider())
    return ProviderChoice(OfflineProvider(), notice=OFFLINE_NOTICE)
