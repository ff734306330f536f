"""Writing the knowledge base as files: options, selection, entries, the directory."""

from tg_parser.export.archive import export_archive
from tg_parser.export.files import output_directory
from tg_parser.export.options import ExportFormat, ExportOptions, date_bound
from tg_parser.export.service import ExportReport, check_destination, export_kb, stream_entries

__all__ = [
    "ExportFormat",
    "ExportOptions",
    "ExportReport",
    "check_destination",
    "date_bound",
    "export_archive",
    "export_kb",
    "output_directory",
    "stream_entries",
]
