"""Moving a knowledge base from SQLite to PostgreSQL and verifying the copy (see service.py)."""

from tg_parser.transfer.service import (
    TablePlan,
    TransferOptions,
    TransferReport,
    check_equal,
    transfer,
)

__all__ = ["TablePlan", "TransferOptions", "TransferReport", "check_equal", "transfer"]
