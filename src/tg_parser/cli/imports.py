"""`tg-parser import` (being written)."""


def import_export() -> None:
    """Import a Telegram Desktop export."""
