"""Writing the knowledge base as files: options, selection, entries, the directory."""

from tg_parser.export.files import output_directory
from tg_parser.export.options import ExportFormat, ExportOptions
from tg_parser.export.service import ExportReport, export_kb

__all__ = [
    "ExportFormat",
    "ExportOptions",
    "ExportReport",
    "export_kb",
    "output_directory",
]
