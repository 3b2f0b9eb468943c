"""Helper for the killed-claimer test: a bot process's reminder check that dies mid-send.

Usage: python claim_child.py DATABASE_URL NOW LEASE_S

Claims the reminders due at NOW with a lease and prints "CLAIMED <loop>:<seq> ...".
Then, for each in turn, as the loop cog does: "SENT <loop> <seq>" (the DM went out),
`complete_reminder`, "DONE <loop> <seq>" (printed only after it committed), with a
short pause between reminders. The parent SIGKILLs it somewhere along the way.
"""

from __future__ import annotations

import asyncio
import sys

from bot.store import open_store


async def main(url: str, now: float, lease_s: float) -> None:
    store = await open_store(url)
    claimed = await store.claim_due_reminders(now, lease_s=lease_s)
    print("CLAIMED " + " ".join(f"{r.loop_id}:{r.seq}" for r in claimed), flush=True)
    for rnd in claimed:
        print(f"SENT {rnd.loop_id} {rnd.seq}", flush=True)
        await store.complete_reminder(rnd.loop_id, rnd.seq)
        print(f"DONE {rnd.loop_id} {rnd.seq}", flush=True)
        await asyncio.sleep(0.02)
    print("FINISHED", flush=True)
    await asyncio.Event().wait()  # a live process holds nothing more; the parent kills it


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3])))
