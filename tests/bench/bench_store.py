"""Benchmark: turns persisted per second through the store vs a bare aiosqlite insert loop.

Run: python tests/bench/bench_store.py [--sessions 200] [--turns 15] [--rounds 2]
     [--backend sqlite|postgresql|both] [--database-url postgresql://...]

The store side runs SESSIONS interviews at once (asyncio.gather), each
recording TURNS turns with `record_turn` (insert + state update, one committed
transaction each). The bare side is a plain loop of `INSERT` + `commit()` into
a turns-shaped table on a file with the same pragmas (WAL, same synchronous
level), in the same run. Rounds alternate bare/store; the best round of each
counts. Latency is measured per call, from the call to its return (so under
200 concurrent sessions it includes waiting for the single writer and its
group commit). The bare loop commits each insert alone, as a naive bot would.
With `--backend postgresql` (or `both`) the same store run goes to PostgreSQL:
the server of `--database-url`, else of TEST_DATABASE_URL / PG_TEST_URL, else a
throwaway cluster started for the run (tests/postgres_cluster.py; fsync off, so
its figure is the store's and the server's CPU, not a disk's). Each round gets a
database of its own. The PostgreSQL line also counts the conflicts retried.
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
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pg_testdb
import postgres_cluster

from bot.store import SqliteStore, Store
from bot.store.postgres import PostgresStore

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


async def store_run(store: Store, sessions: int, turns: int) -> tuple[float, list[float]]:
    """`sessions` concurrent interviews of `turns` record_turn calls each (closes the store)."""
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


async def postgres_runs(args: argparse.Namespace) -> tuple[float, list[float], int]:
    """The store run on PostgreSQL, best of `rounds`: (seconds, latencies, retries)."""
    cluster = None
    url = args.database_url or pg_testdb.given_url()
    if url is None:
        cluster = postgres_cluster.start_cluster()
        url = cluster.url
    pg_testdb.ADMIN_URL = url
    best: tuple[float, list[float], int] | None = None
    try:
        for _ in range(args.rounds):
            store = await PostgresStore.open(await pg_testdb.new_database("bench"))
            seconds, latencies = await store_run(store, args.sessions, args.turns)
            if best is None or seconds < best[0]:
                best = (seconds, latencies, store._units.retries)
    finally:
        if cluster is not None:
            cluster.stop()
        else:
            await pg_testdb.drop_run_databases(url)
    assert best is not None
    return best


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--turns", type=int, default=15, help="turns per session")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    parser.add_argument("--dir", type=Path, default=None, help="where to put the files")
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use")
    args = parser.parse_args()
    n = args.sessions * args.turns
    if args.backend in ("postgresql", "both"):
        seconds, latencies, retries = await postgres_runs(args)
        print(f"PostgreSQL, best of {args.rounds} rounds")
        print(line(f"store on PostgreSQL, {args.sessions} sess", n, seconds, latencies))
        print(f"  conflicts retried: {retries} ({retries / n:.2f} per turn)")
        if args.backend == "postgresql":
            return 0
    best_bare: tuple[float, list[float]] | None = None
    best_store: tuple[float, list[float]] | None = None
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for r in range(args.rounds):
            bare = await bare_loop(Path(tmp) / f"bare{r}.db", n, args.synchronous)
            opened = await SqliteStore.open(
                Path(tmp) / f"store{r}.db", synchronous=args.synchronous
            )
            store = await store_run(opened, args.sessions, args.turns)
            if best_bare is None or bare[0] < best_bare[0]:
                best_bare = bare
            if best_store is None or store[0] < best_store[0]:
                best_store = store
    assert best_bare is not None and best_store is not None
    print(f"synchronous={args.synchronous}, WAL, best of {args.rounds} rounds, {tmp}")
    print(line("bare aiosqlite insert loop", n, *best_bare))
    print(line(f"store on SQLite, {args.sessions} sess", n, *best_store))
    ratio = best_bare[0] / best_store[0]
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(f"ratio store/bare: {ratio:.2f}x ({verdict} the {TARGET_RATIO}x target)")
    mean_ms = statistics.fmean(best_store[1]) * 1000
    print(f"store mean latency {mean_ms:.2f} ms (includes waiting behind other sessions)")
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
