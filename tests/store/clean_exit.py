"""Helper for the shutdown test: writes, closes the store, and must then simply exit."""

from __future__ import annotations

import asyncio
import sys

from bot.store import SqliteStore


async def main(path: str) -> None:
    store = await SqliteStore.open(path)
    session = await store.start_session("u1", "console", "s", "d", {"n": 0})
    tasks = [
        asyncio.create_task(store.record_turn(session.id, "candidate", "u1", f"t{i}", {"n": i}))
        for i in range(50)
    ]
    await asyncio.sleep(0)  # every write is in flight when close() is called
    await store.close()
    done = sum(1 for t in tasks if t.done() and t.exception() is None)
    print(f"CLOSED {done}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
