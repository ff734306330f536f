"""Processing with a model: one client per provider (each the only importer of its SDK, loaded
when chosen), the call runner, the model and offline analysers, prompts and prices.
"""

from tg_parser.llm.analysis import ModelAnalyser
from tg_parser.llm.base import Analyser, Analysis, CallEstimate, ChannelContext, MessageInput
from tg_parser.llm.calls import CallRunner
from tg_parser.llm.client import CompletionRequest
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.llm.pricing import PriceTable
from tg_parser.llm.prompts import defuse, load_prompt
from tg_parser.llm.providers import AnalyserChoice, ModelRequest, choose_analyser

__all__ = [
    "Analyser",
    "AnalyserChoice",
    "Analysis",
    "CallEstimate",
    "CallRunner",
    "ChannelContext",
    "CompletionRequest",
    "MessageInput",
    "ModelAnalyser",
    "ModelRequest",
    "OfflineAnalyser",
    "PriceTable",
    "choose_analyser",
    "defuse",
    "load_prompt",
]
