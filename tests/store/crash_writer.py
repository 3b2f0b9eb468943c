"""Helper for the crash test: writes turns forever, printing "ACK <session> <seq>" after each.

Usage: python crash_writer.py DB_PATH SESSIONS

Resumes whatever sessions are open (as the bot does after a restart), opening
new ones up to SESSIONS, then records turns from all of them concurrently. A
line is printed only after `record_turn` has returned, i.e. after COMMIT: the
moment the bot would reply. The parent kills this process with SIGKILL.
"""

from __future__ import annotations

import asyncio
import sys

from bot.store import SqliteStore


async def main(path: str, sessions: int) -> None:
    store = await SqliteStore.open(path)
    open_now = await store.open_sessions()
    for i in range(len(open_now), sessions):
        open_now.append(
            await store.start_session(f"user{i}", f"dm:user{i}", "crash", "d", {"n": 0})
        )
    print("READY", flush=True)

    async def talk(session_id: int, start: int) -> None:
        n = start
        while True:
            n += 1
            text = f"s{session_id}-t{n}"
            turn = await store.record_turn(
                session_id, "candidate", "u", text, {"n": n, "last": text}
            )
            assert turn.seq == n
            sys.stdout.write(f"ACK {session_id} {turn.seq}\n")
            sys.stdout.flush()

    await asyncio.gather(*(talk(s.id, s.state["n"]) for s in open_now))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
