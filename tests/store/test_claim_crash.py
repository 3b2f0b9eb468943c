"""A claimer killed mid-send loses no reminder (SQLite and PostgreSQL, real processes).

A child process (`claim_child.py`) claims every due reminder with a lease, "sends"
them one by one recording each delivery, and is SIGKILLed part-way through (at a
random point; STORE_CRASH_SEED replays one). While its lease lives no one else
takes its reminders; once it has run out another claimer gets exactly those whose
delivery was not recorded, so every reminder is delivered and none lost. Only one
that died between its DM and the record can go out twice (at-least-once).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pg_testdb
import pytest
from store_helpers import T0, FakeClock

from bot import PROJECT_ROOT
from bot.store import Store, open_store

HERE = Path(__file__).parent
LOOPS = 40
LEASE = 300.0
DAY = 86_400.0
DUE = T0 + 7 * DAY  # round 2 of every loop


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")  # a server, or a skip (a failure in CI)
        return await pg_testdb.new_store_url("claims")
    return f"sqlite:///{tmp_path / 'bot.db'}"


Key = tuple[int, int]


def _parse(line: str) -> Key:
    _, loop_id, seq = line.split()
    return int(loop_id), int(seq)


def _claim_until_killed(url: str, kill_after_done: int) -> tuple[list[Key], set[Key], set[Key]]:
    """Run the child; SIGKILL it after `kill_after_done` recorded deliveries (at once
    when 0). Return what it claimed, what it said it sent and what it said it recorded."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "claim_child.py"), url, str(DUE + 60), str(LEASE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=PROJECT_ROOT,
        env=_env(),
    )
    claimed: list[Key] = []
    sent: set[Key] = set()
    done: set[Key] = set()

    def take(line: str) -> None:
        if line.startswith("CLAIMED"):
            claimed.extend((int(a), int(b)) for a, b in (k.split(":") for k in line.split()[1:]))
        elif line.startswith("SENT"):
            sent.add(_parse(line))
        elif line.startswith("DONE"):
            done.add(_parse(line))

    deadline = time.monotonic() + 60
    try:
        assert proc.stdout is not None
        while True:
            line = proc.stdout.readline()
            if not line:
                stderr = proc.stderr.read() if proc.stderr else ""
                pytest.fail(f"claimer stopped early: {stderr}")
            take(line)
            if line.startswith("CLAIMED") and kill_after_done == 0:
                break
            if len(done) >= kill_after_done > 0:
                break
            assert not line.startswith("FINISHED"), "killed too late to test anything"
            assert time.monotonic() < deadline, "claimer too slow"
        proc.send_signal(signal.SIGKILL)
        rest, _ = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    for line in rest.splitlines():  # printed before the kill landed
        take(line)
    return claimed, sent, done


async def _setup(url: str) -> list[Key]:
    """LOOPS users with a loop whose round 2 falls due at DUE; the due keys."""
    store = await open_store(url, clock=FakeClock())
    try:
        keys = []
        for n in range(LOOPS):
            loop = await store.start_loop(f"u{n}", [("s1", T0), ("s2", DUE), ("s3", DUE + DAY)])
            keys.append((loop.id, 2))
        return keys
    finally:
        await store.close()


async def _delivered(store: Store, keys: list[Key]) -> set[Key]:
    out = set()
    for loop_id, seq in keys:
        loop = await store.get_loop(loop_id)
        assert loop is not None
        if loop.rounds[seq - 1].reminded_at is not None:
            out.add((loop_id, seq))
    return out


@pytest.mark.parametrize("when", ["before any delivery", "part-way"])
async def test_a_claimer_killed_mid_send_loses_no_reminder(url: str, when: str) -> None:
    rng = random.Random(os.environ.get("STORE_CRASH_SEED") or time.time_ns())
    kill_after = 0 if when == "before any delivery" else rng.randint(1, LOOPS // 2)
    due = await _setup(url)
    claimed, sent, done = await asyncio.to_thread(_claim_until_killed, url, kill_after)
    assert sorted(claimed) == sorted(due)  # the dead process had claimed every one
    assert done <= sent and len(done) >= kill_after

    clock = FakeClock(DUE + 60)
    store = await open_store(url, clock=clock)
    try:
        delivered = await _delivered(store, due)
        assert done <= delivered  # every delivery it recorded was committed
        # while the dead claimer's lease lives, no one else sends its reminders
        assert await store.claim_due_reminders(clock.advance(LEASE - 1), lease_s=LEASE) == []
        # then another claimer gets every one whose delivery was not recorded
        again = await store.claim_due_reminders(clock.advance(1), lease_s=LEASE)
        retaken = {(r.loop_id, r.seq) for r in again}
        assert retaken == set(due) - delivered and len(again) == len(retaken)
        assert not retaken & done  # a recorded delivery is never sent again
        for loop_id, seq in retaken:
            await store.complete_reminder(loop_id, seq)
        assert await _delivered(store, due) == set(due)  # none lost
        assert await store.claim_due_reminders(clock.advance(10 * LEASE)) == []
        # sent twice at most: the one(s) the child sent but did not record before dying
        assert len(sent & retaken) <= 1
    finally:
        await store.close()
