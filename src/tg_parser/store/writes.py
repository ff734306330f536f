"""The transactions this process committed: ``LOCAL_WRITES``, counted by
``Database.transaction`` once its block ends, so ``changes.ChangeWatcher`` sees a write of
this process as soon as it returned (another process's is told by the database)."""

from __future__ import annotations


class WriteCount:
    """Transactions ended (committed, or tried to: a failed COMMIT may have won)."""

    def __init__(self) -> None:
        self.value = 0

    def note(self) -> None:
        self.value += 1


LOCAL_WRITES = WriteCount()
