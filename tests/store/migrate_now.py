"""Helper for the migration race tests: opens (so migrates) the store at a URL on a signal.

Usage: python migrate_now.py URL

Prints "READY" once imported, waits for a line on standard input (the parent sends
it to every process at once), opens the store with `open_store` (creating and
migrating it), closes it and prints "OPENED", or "FAILED <error>" and exits 1.
"""

from __future__ import annotations

import asyncio
import sys

from bot.store import StoreError, open_store


async def main(url: str) -> int:
    print("READY", flush=True)
    sys.stdin.readline()
    try:
        store = await open_store(url)
    except StoreError as exc:
        print(f"FAILED {exc}", flush=True)
        return 1
    await store.close()
    print("OPENED", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main(sys.argv[1])))
