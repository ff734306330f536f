"""Choosing the provider that processes messages and writes topic cards, and its analyser.

``LLM_PROVIDER`` (or ``--provider``) names the provider; ``auto`` takes the first of OpenAI,
Anthropic and Gemini whose key is set, and with none processes offline, telling the user
so once. A provider's model analyses through a ``ModelAnalyser`` over a ``CallRunner``
(retries, limiter, caps and the failure breaker from the settings) over the provider's
``ModelClient``; each client module imports its SDK, so only the chosen one is ever loaded.
``offline`` is the ``OfflineAnalyser``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from tg_parser.config import Settings
from tg_parser.errors import ConfigError
from tg_parser.llm.analysis import BatchOptions, ModelAnalyser
from tg_parser.llm.base import Analyser
from tg_parser.llm.breaker import FailureBreaker
from tg_parser.llm.calls import CallRunner, RetryPolicy
from tg_parser.llm.client import ModelClient
from tg_parser.llm.limiter import AdaptiveLimiter, RateCaps
from tg_parser.llm.offline import OfflineAnalyser

OFFLINE_NOTICE = (
    "No LLM provider configured: processing offline (set LLM_PROVIDER and a key to use a model)"
)
PROVIDERS = ("openai", "anthropic", "gemini", "ollama", "offline", "auto")
DEFAULT_MODELS = {
    "openai": "gpt-5-mini",
    "anthropic": "claude-sonnet-5-5",
    "gemini": "gemini-2.5-flash",
    "ollama": "llama3.1",
}
# provider → (module, client class); the module is imported only when chosen
_CLIENTS = {
    "openai": ("tg_parser.llm.openai", "OpenAIClient"),
    "anthropic": ("tg_parser.llm.anthropic", "AnthropicClient"),
    "gemini": ("tg_parser.llm.gemini", "GeminiClient"),
    "ollama": ("tg_parser.llm.ollama", "OllamaClient"),
}
_KEYED = ("openai", "anthropic", "gemini")
OFFLINE_CONCURRENCY = 8


@dataclass(frozen=True)
class ModelRequest:
    """What a command asked for, over the settings: ``--provider``, ``--model`` …"""

    provider: str | None = None
    model: str | None = None
    concurrency: int | None = None
    skip_trivial: bool = True


@dataclass(frozen=True)
class AnalyserChoice:
    """The analyser to use, and what to tell the user about the choice (once per command)."""

    analyser: Analyser
    notice: str | None = None
    runner: CallRunner | None = None  # the model's calls (None offline)
    batch_size: int = 1

    @property
    def concurrency(self) -> int:
        """How many messages to work on at once: enough to fill the model's calls (each may
        carry ``batch_size`` messages), or a few offline."""
        if self.runner is None:
            return OFFLINE_CONCURRENCY
        return self.runner.limiter.ceiling * self.batch_size

    async def aclose(self) -> None:
        if self.runner is not None:
            await self.runner.client.aclose()


def provider_name(settings: Settings, requested: str | None = None) -> str:
    """The provider that ``auto`` (or the request) resolves to."""
    name = requested or settings.llm_provider
    if name not in PROVIDERS:
        raise ConfigError(f"unknown provider {name!r}: use one of {', '.join(PROVIDERS)}")
    if name != "auto":
        return name
    return next((p for p in _KEYED if getattr(settings, f"{p}_api_key") is not None), "offline")


def model_client(settings: Settings, name: str, model: str | None = None) -> ModelClient:
    """The client of provider ``name`` for ``model`` (default: LLM_MODEL or the provider's)."""
    module, cls = _CLIENTS[name]
    client_class = getattr(import_module(module), cls)
    chosen = model or settings.llm_model or DEFAULT_MODELS[name]
    client: ModelClient = client_class.from_settings(settings, chosen)
    return client


def choose_analyser(settings: Settings, request: ModelRequest | None = None) -> AnalyserChoice:
    """The configured provider's analyser; ``auto`` with no key configured falls back to
    offline."""
    request = request or ModelRequest()
    name = provider_name(settings, request.provider)
    if name == "offline":
        asked = request.provider or settings.llm_provider
        return AnalyserChoice(
            OfflineAnalyser(), notice=None if asked == "offline" else OFFLINE_NOTICE
        )
    client = model_client(settings, name, request.model)
    runner = CallRunner(
        client,
        policy=RetryPolicy.from_settings(settings),
        limiter=AdaptiveLimiter(request.concurrency or settings.llm_concurrency),
        caps=RateCaps(settings.llm_requests_per_minute, settings.llm_tokens_per_minute),
        breaker=FailureBreaker.from_settings(settings),
    )
    analyser = ModelAnalyser(
        runner,
        max_output_tokens=settings.llm_max_output_tokens,
        output_language=settings.output_language,
        skip_trivial=request.skip_trivial,
        batch=BatchOptions(settings.llm_batch_size, settings.llm_batch_max_chars),
        max_input_chars=settings.llm_max_input_chars,
    )
    return AnalyserChoice(analyser, runner=runner, batch_size=settings.llm_batch_size)
