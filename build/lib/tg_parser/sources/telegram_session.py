"""The Telethon session file: created private (mode 0600) and held by one process at a time.

Telethon keeps its session in SQLite; two processes writing it fail late with "database is
locked". tg-parser takes an exclusive lock on ``<session>.lock`` first, so a second process
gets one clear line naming the process that holds it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from tg_parser.config import Settings
from tg_parser.errors import SessionBusyError

PRIVATE = 0o600


def session_path(setting: Path) -> Path:
    """The file Telethon uses for this setting (it appends ``.session`` when missing)."""
    return setting if setting.suffix == ".session" else Path(f"{setting}.session")


def create_private(path: Path) -> None:
    """Create the file (and make an existing one) readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE))
    path.chmod(PRIVATE)


class SessionLock:
    """An exclusive lock on ``<session>.lock``, released by :meth:`release` or at exit."""

    def __init__(self, session: Path) -> None:
        self.session = session
        self.path = Path(f"{session}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, PRIVATE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise SessionBusyError(
                f"the Telegram session {self.session} is in use by another tg-parser process "
                f"(pid {holder}); wait for it or use another TELEGRAM_SESSION_FILE"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)
        os.close(self._fd)  # closing the descriptor drops the lock
        self._fd = None


def telegram_configured(settings: Settings) -> bool:
    """API id + hash and a session (a session string or an existing session file)."""
    if settings.telegram_api_id is None or settings.telegram_api_hash is None:
        return False
    return (
        bool(settings.telegram_session_string)
        or session_path(settings.telegram_session_file).is_file()
    )
