"""Processing with a model: one client per provider (each the only importer of its SDK, loaded
when chosen), the call runner, the model and offline analysers, prompts and prices.
"""

from tg_parser.llm.analysis import CallEstimate, ModelProvider
from tg_parser.llm.base import Analysis, ChannelContext, MessageInput, Provider
from tg_parser.llm.calls import CallRunner
from tg_parser.llm.client import CompletionRequest
from tg_parser.llm.pricing import PriceTable
from tg_parser.llm.prompts import defuse, load_prompt
from tg_parser.llm.providers import ProviderChoice, ProviderRequest, choose_provider

__all__ = [
    "Analysis",
    "CallEstimate",
    "CallRunner",
    "ChannelContext",
    "CompletionRequest",
    "MessageInput",
    "ModelProvider",
    "PriceTable",
    "Provider",
    "ProviderChoice",
    "ProviderRequest",
    "choose_provider",
    "defuse",
    "load_prompt",
]
