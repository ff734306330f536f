"""Getting messages in: live collection (``ingest``), one attempt at one live source, the
Telegram Desktop import (``import_desktop``) and its comment threading.
"""

from tg_parser.ingest.attempt import SourceReport
from tg_parser.ingest.desktop import ImportOptions, ImportReport, import_desktop
from tg_parser.ingest.live import IngestOptions, IngestReport, ingest

__all__ = [
    "ImportOptions",
    "ImportReport",
    "IngestOptions",
    "IngestReport",
    "SourceReport",
    "import_desktop",
    "ingest",
]
