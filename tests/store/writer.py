"""A separate OS process writing to the database: ``python writer.py URL NAME BATCHES READY``.

Used by test_concurrency.py to prove two processes can write to one SQLite file at once.
It announces itself in the READY directory and waits until its peer has too, so both
really write at the same time. Prints how many messages it stored, and when it started
and finished writing.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from factories import collected  # type: ignore[import-not-found]

from tg_parser.config import Settings
from tg_parser.runs import track_run
from tg_parser.store.database import Database

BATCH = 25


async def write(db: Database, name: str, batches: int) -> int:
    stored = 0
    async with track_run(db, "import", {"writer": name}) as run:
        for number in range(batches):
            async with db.transaction() as repos:
                source = await repos.sources.upsert(name, title=f"{name} #{number}")
                first = number * BATCH
                batch = [collected(first + i + 1, channel=name) for i in range(BATCH)]
                result = await repos.messages.store(batch)
                await repos.sources.advance_watermark(source.id, first + BATCH)
            run.add(inserted=result.inserted)
            stored += result.inserted
            await run.checkpoint()
    return stored


async def wait_for_peers(ready: Path, name: str, peers: int = 2) -> None:
    (ready / name).touch()
    while len(list(ready.iterdir())) < peers:
        await asyncio.sleep(0.01)


async def main(url: str, name: str, batches: int, ready: Path) -> None:
    db = await Database.open(Settings(database_url=url))
    try:
        await asyncio.wait_for(wait_for_peers(ready, name), timeout=30)
        started = time.time()
        stored = await write(db, name, batches)
        print(stored, started, time.time())
    finally:
        await db.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])))
