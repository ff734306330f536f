"""Ways into Telegram, each yielding the raw format: Telegram Desktop exports (``desktop*``),
the public web preview (``web*``) and a user account through Telethon (``telegram*``).

The package exposes the live-source interface and the Desktop export reader; the web
and Telethon sources are imported from their modules where used (Telethon is heavy).
"""

from tg_parser.sources.base import Batch, ChannelInfo, LiveSource, Window
from tg_parser.sources.desktop import ExportChat, ExportFile, list_chats
from tg_parser.sources.desktop_messages import ExportMessage, timezone
from tg_parser.sources.desktop_reader import WORKER_MIN_BYTES, read_batches
from tg_parser.sources.prefetch import prefetch

__all__ = [
    "WORKER_MIN_BYTES",
    "Batch",
    "ChannelInfo",
    "ExportChat",
    "ExportFile",
    "ExportMessage",
    "LiveSource",
    "Window",
    "list_chats",
    "prefetch",
    "read_batches",
    "timezone",
]
