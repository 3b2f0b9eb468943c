"""Several stores on one PostgreSQL database at once, as several bot processes would be:
reminders claimed with a lease by four workers, a frozen claimer, two sweeps, racing
starts and exchanges.

Each store has its own connection pool, so their units run concurrently on the
server exactly as those of separate processes would (the server cannot tell).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import asyncpg
import pg_testdb
import pytest
from store_helpers import T0, FakeClock

from bot.store import NewTurn, SessionConflict, SessionRecord, StaleSession
from bot.store.postgres import PostgresStore

pytestmark = pytest.mark.postgresql

WORKERS = 4
DUE = 3_000
LEASE = 300.0


@pytest.fixture
async def url(postgres_url: str) -> str:
    return await pg_testdb.new_store_url("concurrency")


@pytest.fixture
async def stores(url: str) -> AsyncIterator[list[PostgresStore]]:
    opened = [await PostgresStore.open(url, clock=FakeClock()) for _ in range(WORKERS)]
    try:
        yield opened
    finally:
        for store in opened:
            await store.close()


async def test_four_workers_claim_3000_due_reminders_each_once(
    url: str, stores: list[PostgresStore]
) -> None:
    # 1,000 users with a loop of three rounds, falling due one a second from T0 + 1
    conn = await asyncpg.connect(url)
    try:
        await conn.executemany(
            "INSERT INTO users (id, display_name, created_at, last_seen_at) "
            "VALUES ($1, '', $2, $2)",
            [(f"u{i}", T0) for i in range(DUE // 3)],
        )
        await conn.executemany(
            "INSERT INTO loops (id, user_id, status, started_at) VALUES ($1, $2, 'active', $3)",
            [(i + 1, f"u{i}", T0) for i in range(DUE // 3)],
        )
        await conn.executemany(
            "INSERT INTO loop_rounds (loop_id, seq, scenario_id, due_at) VALUES ($1, $2, $3, $4)",
            [(i // 3 + 1, i % 3 + 1, f"s{i % 3}", T0 + 1 + i) for i in range(DUE)],
        )
    finally:
        await conn.close()
    claimed: Counter[tuple[int, int]] = Counter()
    completed: Counter[tuple[int, int]] = Counter()
    calls = Counter[int]()

    async def worker(n: int, store: PostgresStore) -> None:
        # all four at once, as four processes whose loops tick together: every claim
        # races the others for the same 3,000 rows; each worker ticks three times within
        # one lease, completing what it claimed (the DM went out) between ticks
        for tick in range(3):
            for reminder in await store.claim_due_reminders(T0 + 2 * DUE + tick, lease_s=LEASE):
                claimed[(reminder.loop_id, reminder.seq)] += 1
                calls[n] += 1
                await store.complete_reminder(reminder.loop_id, reminder.seq)
                completed[(reminder.loop_id, reminder.seq)] += 1

    await asyncio.gather(*(worker(n, s) for n, s in enumerate(stores)))
    assert len(claimed) == DUE and set(claimed.values()) == {1}, claimed.most_common(3)
    assert completed == claimed and sum(calls.values()) == DUE
    # and nothing is left to claim, by anyone, even long after every lease ran out
    assert await stores[0].claim_due_reminders(T0 + 10 * DUE) == []


async def test_a_claimer_frozen_inside_its_claim_does_not_hold_up_another(
    url: str, stores: list[PostgresStore]
) -> None:
    """A claimer stuck mid-transaction (row locks held, never committing): the other
    claimers skip its rows instead of waiting, and get them once it is gone."""
    first, second = stores[0], stores[1]
    loops = [
        await first.start_loop(f"u{i}", [("s1", T0 + 10), ("s2", T0 + 20)], now=T0)
        for i in range(6)
    ]
    frozen = await asyncpg.connect(url)
    try:
        await frozen.execute("BEGIN")
        held = await frozen.fetch(
            "SELECT loop_id, seq FROM loop_rounds WHERE seq = 1 AND loop_id = ANY($1::bigint[]) "
            "FOR UPDATE",
            [loop.id for loop in loops[:3]],
        )
        assert len(held) == 3
        taken = await asyncio.wait_for(second.claim_due_reminders(T0 + 10, lease_s=LEASE), 30)
        assert sorted((r.loop_id, r.seq) for r in taken) == [(loop.id, 1) for loop in loops[3:]]
    finally:
        await frozen.close()  # the frozen process dies: its transaction is rolled back
    rest = await first.claim_due_reminders(T0 + 11, lease_s=LEASE)
    assert sorted((r.loop_id, r.seq) for r in rest) == [(loop.id, 1) for loop in loops[:3]]


async def test_two_concurrent_sweeps_expire_and_summarise_each_session_once(
    stores: list[PostgresStore],
) -> None:
    first, second = stores[0], stores[1]
    sessions = await asyncio.gather(
        *(
            first.start_session(f"u{i}", f"dm:u{i}", "s", "d", {"i": i}, time_budget_s=60)
            for i in range(500)
        )
    )
    summarised: Counter[int] = Counter()

    async def summarise(session: SessionRecord) -> dict[str, object]:
        summarised[session.id] += 1
        await asyncio.sleep(0)  # let the other sweep run meanwhile
        overall = session.state["i"] / 1000
        return {"criteria": {}, "overall": overall}

    results = await asyncio.gather(
        first.sweep(T0 + 120, summarise=summarise), second.sweep(T0 + 120, summarise=summarise)
    )
    expired = [s.id for result in results for s in result.expired]
    assert sorted(expired) == sorted(s.id for s in sessions)  # all, each by one sweep
    assert set(summarised.values()) == {1} and len(summarised) == 500
    for session in sessions[:20]:
        after = await second.get_session(session.id)
        assert after is not None and after.status == "expired"
        assert after.overall == session.state["i"] / 1000
    assert (await first.sweep(T0 + 180, summarise=summarise)).expired == []


async def test_two_processes_sweeping_at_once_each_expire_only_what_they_own(
    stores: list[PostgresStore],
) -> None:
    """Two processes with shard ranges: one owns guild "a" and the DMs, the other "b"."""
    first, second = stores[0], stores[1]
    guilds = ["a", "b", None]
    sessions = await asyncio.gather(
        *(
            first.start_session(
                f"u{i}", f"p{i}", "s", "d", {}, guild_id=guilds[i % 3], time_budget_s=60
            )
            for i in range(300)
        )
    )
    summarised: Counter[int] = Counter()

    async def summarise(session: SessionRecord) -> dict[str, object]:
        summarised[session.id] += 1
        await asyncio.sleep(0)
        return {"criteria": {}, "overall": 0.5}

    mine, theirs = await asyncio.gather(
        first.sweep(T0 + 120, summarise=summarise, owns=lambda s: s.guild_id in ("a", None)),
        second.sweep(T0 + 120, summarise=summarise, owns=lambda s: s.guild_id == "b"),
    )
    assert {s.guild_id for s in mine.expired} == {"a", None} and len(mine.expired) == 200
    assert {s.guild_id for s in theirs.expired} == {"b"} and len(theirs.expired) == 100
    assert len(summarised) == 300 and set(summarised.values()) == {1}
    assert await first.open_sessions() == [] and len(sessions) == 300


async def test_racing_starts_for_one_user_from_four_stores_let_exactly_one_win(
    stores: list[PostgresStore],
) -> None:
    for round_ in range(3):
        place = f"guild:{round_}"
        outcomes = await asyncio.gather(
            *(
                store.start_session("u1", place, f"s{n}", "d", {}, guild_id=str(round_))
                for store in stores
                for n in range(5)
            ),
            return_exceptions=True,
        )
        winners = [o for o in outcomes if isinstance(o, SessionRecord)]
        conflicts = [o for o in outcomes if isinstance(o, SessionConflict)]
        assert len(winners) == 1 and len(conflicts) == len(outcomes) - 1, outcomes
        assert all(c.existing.id == winners[0].id for c in conflicts)
        assert [s.id for s in await stores[-1].open_sessions() if s.place == place] == [
            winners[0].id
        ]


async def test_racing_exchanges_from_four_stores_advance_a_session_once_per_turn(
    stores: list[PostgresStore],
) -> None:
    session = await stores[0].start_session(
        "u1", "dm:u1", "s", "d", {"n": 0}, opening=(NewTurn("interviewer", None, "Why?"),)
    )
    count = 1
    for n in range(5):
        outcomes = await asyncio.gather(
            *(
                store.record_exchange(
                    session.id,
                    count,
                    [NewTurn("candidate", "u1", f"{n}:{k}"), NewTurn("interviewer", None, "Go on")],
                    {"n": n, "by": k},
                )
                for k, store in enumerate(stores)
            ),
            return_exceptions=True,
        )
        winners = [o for o in outcomes if not isinstance(o, BaseException)]
        assert len(winners) == 1, outcomes
        assert all(isinstance(o, StaleSession) for o in outcomes if o not in winners)
        count += 2
    transcript = await stores[1].transcript(session.id)
    assert [t.seq for t in transcript] == list(range(1, count + 1))
    after = await stores[2].get_session(session.id)
    assert after is not None and after.turn_count == count
