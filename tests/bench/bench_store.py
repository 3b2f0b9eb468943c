"""Benchmark: turns persisted per second through the store vs a bare aiosqlite insert loop.

Run: python tests/bench/bench_store.py [--sessions 200] [--turns 15] [--rounds 2]

The store side runs SESSIONS interviews at once (asyncio.gather), each
recording TURNS turns with `record_turn` (insert + state update, one committed
transaction each). The bare side is a plain loop of `INSERT` + `commit()` into
a turns-shaped table on a file with the same pragmas (WAL, same synchronous
level), in the same run. Rounds alternate bare/store; the best round of each
counts. Latency is measured per call, from the call to its return (so under
200 concurrent sessions it includes waiting for the single writer and its
group commit). The bare loop commits each insert alone, as a naive bot would.
Not collected by pytest (the file name does not start with test_).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiosqlite

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.store import SqliteStore

TARGET_RATIO = 0.5
STATE_PAD = "x" * 400  # a state blob of realistic size


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


async def bare_loop(path: Path, n: int, synchronous: str) -> tuple[float, list[float]]:
    """INSERT + commit, n times; returns (seconds, per-insert latencies)."""
    db = await aiosqlite.connect(path)
    try:
        await db.execute("PRAGMA journal_mode = WAL")
        await db.execute(f"PRAGMA synchronous = {synchronous}")
        await db.execute("PRAGMA busy_timeout = 5000")
        await db.execute(
            "CREATE TABLE IF NOT EXISTS turns (session_id INTEGER, seq INTEGER, role TEXT, "
            "author_id TEXT, text TEXT, created_at REAL, PRIMARY KEY (session_id, seq)) "
            "WITHOUT ROWID"
        )
        await db.commit()
        latencies: list[float] = []
        start = time.perf_counter()
        for i in range(n):
            t0 = time.perf_counter()
            await db.execute(
                "INSERT INTO turns VALUES (?, ?, ?, ?, ?, ?)",
                (i % 200, i, "candidate", "u", f"answer {i}", time.time()),
            )
            await db.commit()
            latencies.append(time.perf_counter() - t0)
        return time.perf_counter() - start, latencies
    finally:
        await db.close()


async def store_run(
    path: Path, sessions: int, turns: int, synchronous: str
) -> tuple[float, list[float]]:
    """`sessions` concurrent interviews of `turns` record_turn calls each."""
    store = await SqliteStore.open(path, synchronous=synchronous)
    try:
        ids = []
        for s in range(sessions):
            session = await store.start_session(
                f"user{s}", "bench", "bench-scenario", "digest", {"step": 0}
            )
            ids.append(session.id)
        latencies: list[float] = []

        async def interview(session_id: int) -> None:
            for t in range(turns):
                t0 = time.perf_counter()
                await store.record_turn(
                    session_id,
                    "candidate",
                    "u",
                    f"answer {t}",
                    {"step": t + 1, "pad": STATE_PAD},
                )
                latencies.append(time.perf_counter() - t0)

        start = time.perf_counter()
        await asyncio.gather(*(interview(i) for i in ids))
        return time.perf_counter() - start, latencies
    finally:
        await store.close()


def line(name: str, n: int, seconds: float, latencies: list[float]) -> str:
    """One result line."""
    return (
        f"{name:<28} {n:>6} turns  {n / seconds:>9.0f} turns/s  "
        f"p50 {percentile(latencies, 50) * 1000:>7.2f} ms  "
        f"p99 {percentile(latencies, 99) * 1000:>7.2f} ms"
    )


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=15, help="turns per session")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    parser.add_argument("--dir", type=Path, default=None, help="where to put the files")
    args = parser.parse_args()
    n = args.sessions * args.turns
    best_bare: tuple[float, list[float]] | None = None
    best_store: tuple[float, list[float]] | None = None
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for r in range(args.rounds):
            bare = await bare_loop(Path(tmp) / f"bare{r}.db", n, args.synchronous)
            store = await store_run(
                Path(tmp) / f"store{r}.db", args.sessions, args.turns, args.synchronous
            )
            if best_bare is None or bare[0] < best_bare[0]:
                best_bare = bare
            if best_store is None or store[0] < best_store[0]:
                best_store = store
    assert best_bare is not None and best_store is not None
    print(f"synchronous={args.synchronous}, WAL, best of {args.rounds} rounds, {tmp}")
    print(line("bare aiosqlite insert loop", n, *best_bare))
    print(line(f"store, {args.sessions} sessions", n, *best_store))
    ratio = best_bare[0] / best_store[0]
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"ratio store/bare: {ratio:.2f}x ({verdict} the {TARGET_RATIO}x target)")
    mean_ms = statistics.fmean(best_store[1]) * 1000
    print(f"store mean latency {mean_ms:.2f} ms (includes waiting behind other sessions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
