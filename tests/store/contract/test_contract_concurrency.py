"""The contract under concurrency: many sessions at once, a failing unit among others,
racing starts and exchanges, cancelled callers."""

from __future__ import annotations

import asyncio

from bot.store import (
    ConstraintViolation,
    NewTurn,
    SessionConflict,
    StaleSession,
    Store,
)

SESSIONS = 200
TURNS = 8


async def test_200_concurrent_sessions_neither_fail_nor_interleave(store: Store) -> None:
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
    for s in sessions:
        turns = await store.transcript(s.id)
        assert [(t.seq, t.text) for t in turns] == [(n, f"{s.id}:{n}") for n in range(1, TURNS + 1)]
        after = await store.get_session(s.id)
        assert after is not None and after.turn_count == TURNS and after.state["n"] == TURNS


async def test_a_failing_unit_among_concurrent_ones_spoils_nothing(store: Store) -> None:
    sessions = [
        await store.start_session(f"user{i}", f"dm:user{i}", "s", "d", {"n": 0}) for i in range(30)
    ]
    calls = [store.record_turn(s.id, "candidate", None, f"ok {s.id}", {"n": 1}) for s in sessions]
    # queued in the middle of the others (on SQLite, they share a transaction with them)
    calls.insert(10, store.record_turn(sessions[0].id, "candidate", None, None, {"n": 9}))  # type: ignore[arg-type]
    calls.insert(20, store.start_session("user3", "dm:user3", "s", "d", {}))
    outcomes = await asyncio.gather(*calls, return_exceptions=True)
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    assert len(errors) == 2
    assert isinstance(outcomes[10], ConstraintViolation)
    assert isinstance(outcomes[20], SessionConflict)
    for s in sessions:
        assert [(t.seq, t.text) for t in await store.transcript(s.id)] == [(1, f"ok {s.id}")]
        after = await store.get_session(s.id)
        assert after is not None and (after.turn_count, after.state) == (1, {"n": 1})
    assert len(await store.open_sessions()) == 30


async def test_racing_starts_for_one_place_let_exactly_one_win(store: Store) -> None:
    outcomes = await asyncio.gather(
        *(store.start_session("u1", "dm:u1", f"s{i}", "d", {}) for i in range(20)),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    conflicts = [o for o in outcomes if isinstance(o, SessionConflict)]
    assert len(winners) == 1 and len(conflicts) == 19
    assert all(c.existing.id == winners[0].id for c in conflicts)


async def test_racing_exchanges_on_one_turn_count_let_exactly_one_win(store: Store) -> None:
    opening = (NewTurn("interviewer", None, "Why?"),)
    session = await store.start_session("u1", "dm:u1", "s", "d", {"n": 0}, opening=opening)
    outcomes = await asyncio.gather(
        *(
            store.record_exchange(
                session.id,
                1,
                [NewTurn("candidate", "u1", f"answer {i}"), NewTurn("interviewer", None, "Next?")],
                {"n": i},
            )
            for i in range(10)
        ),
        return_exceptions=True,
    )
    winners = [o for o in outcomes if not isinstance(o, BaseException)]
    stale = [o for o in outcomes if isinstance(o, StaleSession)]
    assert len(winners) == 1 and len(stale) == 9
    assert all((s.expected, s.found) == (1, 3) for s in stale)
    after = await store.get_session(session.id)
    transcript = await store.transcript(session.id)
    assert after is not None and after.turn_count == len(transcript) == 3
    assert after.state == {"n": int(transcript[1].text.split()[-1])}  # the winner's state


async def test_a_cancelled_caller_leaves_a_whole_unit_or_none(store: Store) -> None:
    session = await store.start_session("u1", "console", "s", "d", {"n": 0})
    tasks = [
        asyncio.create_task(store.record_turn(session.id, "candidate", "u1", f"t{n}", {"n": n}))
        for n in range(1, 41)
    ]
    await asyncio.sleep(0)
    for task in tasks[::3]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    after = await store.get_session(session.id)
    transcript = await store.transcript(session.id)
    assert after is not None and after.turn_count == len(transcript)
    assert [t.seq for t in transcript] == list(range(1, len(transcript) + 1))
    assert after.state == {"n": int(transcript[-1].text[1:])}  # the last unit's own state
    await store.record_turn(session.id, "candidate", "u1", "after", {"n": 41})
