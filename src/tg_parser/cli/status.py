"""`tg-parser status` (being written)."""


def status() -> None:
    """Summarise the database."""
