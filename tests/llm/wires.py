"""The clients of every provider wired to their loopback servers, for test_clients.py
(plain module, not a test file): one request, the body each API gets for it, and a
``Wire`` (server + clients closed after the test) per provider."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tg_parser.llm.anthropic import AnthropicClient
from tg_parser.llm.client import CompletionRequest, ModelClient
from tg_parser.llm.gemini import GeminiClient
from tg_parser.llm.ollama import OllamaClient
from tg_parser.llm.openai import OpenAIClient
from tg_parser.testing.llm.anthropic import AnthropicDialect
from tg_parser.testing.llm.gemini import GeminiDialect
from tg_parser.testing.llm.ollama import OllamaDialect
from tg_parser.testing.llm.openai import OpenAIDialect
from tg_parser.testing.llm.server import Dialect, FakeModelServer, Fault, Reply

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"summary": {"type": "string"}, "topics": {"type": "array"}},
    "required": ["summary", "topics"],
    "additionalProperties": False,
}
REQUEST = CompletionRequest(
    instructions="Summarise the post as JSON.",
    input="<post>Привет, мир</post>",
    schema_name="message_analysis",
    schema=SCHEMA,
    max_output_tokens=1000,
)


class QuotaOpenAIDialect(OpenAIDialect):
    """OpenAI answers an account out of credit with 429 ``insufficient_quota``."""

    def error(self, fault: Fault, retry_after: float | None = None) -> Reply:
        if fault != "402":
            return super().error(fault, retry_after)
        message = "You exceeded your current quota, please check your plan and billing details."
        body = {"message": message, "type": "insufficient_quota", "param": None}
        return Reply(429, {"error": body | {"code": "insufficient_quota"}})


@dataclass(frozen=True)
class Provider:
    """One provider's client and fake server, as the tests make them."""

    model: str
    key: str
    dialect: Callable[[], Dialect]
    client: Callable[[str, str, str, float], ModelClient]  # model, key, base URL, timeout


def _openai(model: str, key: str, base_url: str, timeout: float) -> ModelClient:
    return OpenAIClient(model=model, api_key=key, base_url=f"{base_url}/v1", timeout=timeout)


def _anthropic(model: str, key: str, base_url: str, timeout: float) -> ModelClient:
    return AnthropicClient(model=model, api_key=key, base_url=base_url, timeout=timeout)


def _gemini(model: str, key: str, base_url: str, timeout: float) -> ModelClient:
    return GeminiClient(model=model, api_key=key, base_url=base_url, timeout=timeout)


def _ollama(model: str, key: str, base_url: str, timeout: float) -> ModelClient:
    return OllamaClient(model=model, base_url=base_url, timeout=timeout)


OPENAI_KEY = "sk-test-secret-0000"
SETUP = {
    "openai-responses": Provider("gpt-5-mini", OPENAI_KEY, QuotaOpenAIDialect, _openai),
    "openai-chat": Provider("gpt-4o-mini", OPENAI_KEY, QuotaOpenAIDialect, _openai),
    "anthropic": Provider(
        "claude-sonnet-5-5", "sk-ant-test-secret-key", AnthropicDialect, _anthropic
    ),
    "gemini": Provider("gemini-2.5-flash", "AIza-test-secret-key", GeminiDialect, _gemini),
    "ollama": Provider("llama3.1", "", lambda: OllamaDialect(models=("llama3.1",)), _ollama),
}


@dataclass
class Wire:
    """A provider's loopback server and a client of it (closed after the test)."""

    name: str
    server: FakeModelServer
    made: list[ModelClient]

    @property
    def setup(self) -> Provider:
        return SETUP[self.name]

    def client(self, timeout: float = 10.0) -> ModelClient:
        made = self.setup.client(self.setup.model, self.setup.key, self.server.base_url, timeout)
        self.made.append(made)
        return made


def sent_body(name: str, model: str) -> dict[str, Any]:
    """The body each API gets for ``REQUEST``."""
    system, user = REQUEST.instructions, REQUEST.input
    return {
        "openai-responses": {
            "model": model,
            "instructions": system,
            "input": user,
            "max_output_tokens": 16000,
            "text": {
                "format": {
                    "type": "json_schema",
                    "name": "message_analysis",
                    "schema": SCHEMA,
                    "strict": True,
                }
            },
            "store": False,
        },
        "openai-chat": {
            "model": model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": 0,
            "max_completion_tokens": 1000,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "message_analysis", "schema": SCHEMA, "strict": True},
            },
        },
        "anthropic": {
            "model": model,
            "max_tokens": 1000,
            "system": system,
            "messages": [{"role": "user", "content": user}],
            "tools": [{"name": "message_analysis", "input_schema": SCHEMA}],
            "tool_choice": {"type": "tool", "name": "message_analysis"},
        },
        "gemini": {
            "contents": [{"parts": [{"text": user}], "role": "user"}],
            "systemInstruction": {"parts": [{"text": system}], "role": "user"},
            "generationConfig": {
                "temperature": 0.0,
                "maxOutputTokens": 1000,
                "responseMimeType": "application/json",
                "responseJsonSchema": SCHEMA,
            },
        },
        "ollama": {
            "model": model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "format": SCHEMA,
            "stream": False,
            "options": {"temperature": 0, "num_predict": 1000},
        },
    }[name]
