"""The SQLite backend's write queue: many coroutines on one connection, read back straight
from the file; cancelled callers; SIGKILL mid-session; a clean shutdown. (What every
backend must do under concurrency is in contract/test_contract_concurrency.py.)"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_helpers import raw_rows

from bot import PROJECT_ROOT
from bot.store import ConstraintViolation, SqliteStore, StoreClosedError, StoreError

HERE = Path(__file__).parent
SESSIONS = 200
TURNS = 8


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


async def test_200_concurrent_sessions_neither_fail_nor_interleave(
    store: SqliteStore, db_path: Path
) -> None:
    sessions = await asyncio.gather(
        *(store.start_session(f"user{i}", f"dm:user{i}", "s", "d", {"n": 0}) for i in range(200))
    )
    assert len({s.id for s in sessions}) == SESSIONS

    async def interview(session_id: int) -> list[int]:
        seqs = []
        for n in range(1, TURNS + 1):
            role = "candidate" if n % 2 else "interviewer"
            turn = await store.record_turn(
                session_id, role, None, f"{session_id}:{n}", {"n": n, "last": f"{session_id}:{n}"}
            )
            seqs.append(turn.seq)
            if n == TURNS // 2:  # reads in the middle of everyone's writes
                assert len(await store.transcript(session_id)) == n
        return seqs

    results = await asyncio.gather(*(interview(s.id) for s in sessions))
    assert all(seqs == list(range(1, TURNS + 1)) for seqs in results)

    # straight from the file, with a separate connection
    rows = raw_rows(db_path, "SELECT session_id, seq, text FROM turns ORDER BY session_id, seq")
    assert len(rows) == SESSIONS * TURNS
    by_session: dict[int, list[tuple[int, str]]] = {}
    for sid, seq, text in rows:
        by_session.setdefault(int(sid), []).append((int(seq), str(text)))  # type: ignore[call-overload]
    for sid, turns in by_session.items():
        assert turns == [(n, f"{sid}:{n}") for n in range(1, TURNS + 1)]
    states = raw_rows(db_path, "SELECT id, turn_count, json_extract(state, '$.n') FROM sessions")
    assert all(count == TURNS and n == TURNS for _, count, n in states)


async def test_driver_errors_reach_callers_as_the_stores_own(store: SqliteStore) -> None:
    with pytest.raises(StoreError) as info:
        await store._unit(lambda conn: conn.execute("SELECT * FROM no_such_table"))
    assert not isinstance(info.value, sqlite3.Error)
    assert isinstance(info.value.__cause__, sqlite3.OperationalError)
    assert "no_such_table" in str(info.value)
    with pytest.raises(ConstraintViolation) as broken:
        await store._unit(lambda conn: conn.execute("INSERT INTO users (id) VALUES ('x')"))
    assert isinstance(broken.value.__cause__, sqlite3.IntegrityError)
    assert await store.get_user("x") is None  # and the store carries on
    assert (await store.upsert_user("x", "X")).display_name == "X"


async def test_a_cancelled_caller_never_leaves_half_a_unit(store: SqliteStore) -> None:
    session = await store.start_session("u1", "console", "s", "d", {"n": 0})
    tasks = [
        asyncio.create_task(store.record_turn(session.id, "candidate", "u1", f"t{n}", {"n": n}))
        for n in range(1, 41)
    ]
    await asyncio.sleep(0)
    for task in tasks[::3]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    # cancelling the caller does not cut the write: all 40 units commit whole
    after = await store.get_session(session.id)
    transcript = await store.transcript(session.id)
    assert after is not None and after.turn_count == len(transcript) == 40
    assert after.state == {"n": 40}
    assert [t.text for t in transcript] == [f"t{n}" for n in range(1, 41)]
    # and the connection is not left inside a transaction
    assert not store._conn.in_transaction
    await store.record_turn(session.id, "candidate", "u1", "after", {"n": 41})


async def test_close_lets_in_flight_writes_finish(db_path: Path) -> None:
    store = await SqliteStore.open(db_path)
    session = await store.start_session("u1", "console", "s", "d", {"n": 0})
    tasks = [
        asyncio.create_task(store.record_turn(session.id, "candidate", "u1", f"t{n}", {"n": n}))
        for n in range(1, 31)
    ]
    await asyncio.sleep(0)
    await store.close()
    assert all(t.done() and t.exception() is None for t in tasks)
    with pytest.raises(StoreClosedError):
        await store.record_turn(session.id, "candidate", "u1", "late", {})
    assert raw_rows(db_path, "SELECT COUNT(*), MAX(seq) FROM turns") == [(30, 30)]
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed


def test_process_exits_after_close(db_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(HERE / "clean_exit.py"), str(db_path)],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=PROJECT_ROOT,
        env=_env(),
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "CLOSED 50"
    assert raw_rows(db_path, "SELECT COUNT(*) FROM turns") == [(50,)]


def _run_until_killed(db_path: Path, rng: random.Random, sessions: int) -> set[tuple[int, int]]:
    """Start the writer, SIGKILL it after a random number of ACKs; return every ACK seen."""
    kill_after = rng.randint(5, 400)
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "crash_writer.py"), str(db_path), str(sessions)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env=_env(),
    )
    acked: set[tuple[int, int]] = set()
    deadline = time.monotonic() + 30
    try:
        assert proc.stdout is not None
        while len(acked) < kill_after:
            line = proc.stdout.readline()
            if not line:
                stderr = proc.stderr.read() if proc.stderr else ""
                pytest.fail(f"writer stopped early: {stderr}")
            if line.startswith("ACK"):
                _, sid, seq = line.split()
                acked.add((int(sid), int(seq)))
            assert time.monotonic() < deadline, "writer too slow"
        time.sleep(rng.random() * 0.01)  # land the kill anywhere, mid-write included
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    for line in rest.splitlines():  # printed before the kill: acknowledged too
        if line.startswith("ACK"):
            _, sid, seq = line.split()
            acked.add((int(sid), int(seq)))
    return acked


async def test_sigkill_loses_nothing_acknowledged(db_path: Path) -> None:
    rng = random.Random(os.environ.get("STORE_CRASH_SEED") or time.time_ns())
    acked_total: set[tuple[int, int]] = set()
    for _ in range(3):  # kill, restart (resuming the open sessions), kill again ...
        acked_total |= await asyncio.to_thread(_run_until_killed, db_path, rng, 5)
        store = await SqliteStore.open(db_path)
        try:
            sessions = await store.open_sessions()
            assert len(sessions) == 5
            stored: set[tuple[int, int]] = set()
            for session in sessions:
                turns = await store.transcript(session.id)
                seqs = [t.seq for t in turns]
                assert seqs == list(range(1, len(turns) + 1))
                # state and turns agree: the state is the one written with the last turn
                assert session.turn_count == len(turns)
                assert session.state["n"] == len(turns)
                if turns:
                    assert session.state["last"] == turns[-1].text
                assert all(t.text == f"s{session.id}-t{t.seq}" for t in turns)
                stored |= {(session.id, s) for s in seqs}
            missing = acked_total - stored
            assert not missing, f"acknowledged turns lost: {sorted(missing)[:10]}"
        finally:
            await store.close()
    assert len(acked_total) >= 15
