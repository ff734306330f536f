"""Topic test helper: the sample channel, imported and processed offline (plain module,
not a test file). The embedder the topic tests use is ``tg_parser.testing.WordEmbedder``."""

from __future__ import annotations

from pathlib import Path

from tg_parser.ingest.desktop import ImportOptions, import_desktop
from tg_parser.llm.offline import OfflineAnalyser
from tg_parser.process import ProcessOptions, process_messages
from tg_parser.store.database import Database

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
CHANNEL = "-1001987654321"


async def load_sample(db: Database, *, comments: bool = True, limit: int | None = None) -> None:
    await import_desktop(db, ImportOptions(path=EXAMPLES / "sample_channel"))
    if comments:
        options = ImportOptions(path=EXAMPLES / "sample_channel_discussion", comments_for=CHANNEL)
        await import_desktop(db, options)
    await process_messages(db, OfflineAnalyser(), ProcessOptions(limit=limit))
