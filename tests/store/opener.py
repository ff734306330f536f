"""A process opening a database: ``python opener.py URL READY PEERS NAME``.

Used by test_concurrency.py to prove that processes opening an empty database at the same
time all get its schema. It announces itself in the READY directory and waits until its
PEERS have too, then opens the database (which creates the schema) and prints the revision.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from writer import wait_for_peers  # type: ignore[import-not-found]

from tg_parser.config import Settings
from tg_parser.store.database import Database


async def main(url: str, ready: Path, peers: int, name: str) -> None:
    await asyncio.wait_for(wait_for_peers(ready, name, peers), timeout=30)
    db = await Database.open(Settings(database_url=url))
    try:
        print(await db.current_revision())
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]))
