"""The contract for claims with a lease: loop reminders and end-of-loop reports are
delivered at least once. A claim leases what it returns; the claimer completes it
after sending, releases it on a passing failure or notes an error on a final one.
A claimer that does neither (killed, frozen) holds it only until the lease runs out.
"""

from __future__ import annotations

import pytest
from store_helpers import T0, FakeClock

from bot.store import LoopRound, Store

LEASE = 300.0


def keys(rounds: list[LoopRound]) -> list[tuple[int, int]]:
    return [(r.loop_id, r.seq) for r in rounds]


async def loops_due(
    store: Store, users: int, *, due_at: float, prefix: str = "u"
) -> list[tuple[int, int]]:
    """`users` loops of two rounds each: round 1 due at `due_at`, round 2 a day later."""
    out = []
    for n in range(users):
        plan = [("s1", due_at), ("s2", due_at + 86_400)]
        loop = await store.start_loop(f"{prefix}{n}", plan, now=T0)
        out.append((loop.id, 1))
    return out


async def test_a_claim_within_its_lease_is_returned_once(store: Store) -> None:
    due = await loops_due(store, 3, due_at=T0 + 10)
    first = await store.claim_due_reminders(T0 + 10, lease_s=LEASE)
    assert keys(first) == due
    assert {r.claimed_until for r in first} == {T0 + 10 + LEASE}
    assert all(r.reminded_at is None for r in first)
    assert await store.claim_due_reminders(T0 + 11, lease_s=LEASE) == []
    assert await store.claim_due_reminders(T0 + 10 + LEASE - 1, lease_s=LEASE) == []
    # what the store shows while leased
    loop = await store.get_loop(due[0][0])
    assert loop is not None and loop.rounds[0].claimed_until == T0 + 10 + LEASE


async def test_a_lease_that_runs_out_without_completion_is_claimed_again(store: Store) -> None:
    due = await loops_due(store, 2, due_at=T0 + 10)
    assert keys(await store.claim_due_reminders(T0 + 10, lease_s=LEASE)) == due
    again = await store.claim_due_reminders(T0 + 10 + LEASE, lease_s=60)
    assert keys(again) == due
    assert {r.claimed_until for r in again} == {T0 + 10 + LEASE + 60}
    assert await store.claim_due_reminders(T0 + 10 + LEASE + 59) == []


async def test_a_completed_reminder_is_never_claimed_again(store: Store) -> None:
    (first, second) = await loops_due(store, 2, due_at=T0 + 10)
    await store.claim_due_reminders(T0 + 10, lease_s=LEASE)
    await store.complete_reminder(*first, now=T0 + 12)
    # after the lease only the one not completed comes back; never the completed one
    assert keys(await store.claim_due_reminders(T0 + 10 + LEASE)) == [second]
    await store.complete_reminder(*second, now=T0 + 10 + LEASE + 1)
    assert await store.claim_due_reminders(T0 + 10 * LEASE) == []
    loop = await store.get_loop(first[0])
    assert loop is not None
    assert (loop.rounds[0].reminded_at, loop.rounds[0].claimed_until) == (T0 + 12, None)
    # completing twice (a retried unit) keeps the first delivery time
    await store.complete_reminder(*first, now=T0 + 99)
    loop = await store.get_loop(first[0])
    assert loop is not None and loop.rounds[0].reminded_at == T0 + 12


async def test_a_released_reminder_is_claimable_at_once(store: Store) -> None:
    (first, second) = await loops_due(store, 2, due_at=T0 + 10)
    await store.claim_due_reminders(T0 + 10, lease_s=LEASE)
    await store.release_reminder(*second)
    assert keys(await store.claim_due_reminders(T0 + 11, lease_s=LEASE)) == [second]
    assert await store.claim_due_reminders(T0 + 12, lease_s=LEASE) == []
    # releasing a delivered reminder does not make it due again
    await store.complete_reminder(*first)
    await store.release_reminder(*first)
    assert await store.claim_due_reminders(T0 + 13, lease_s=LEASE) == []


async def test_a_reminder_with_an_error_noted_is_given_up(store: Store) -> None:
    (first, second) = await loops_due(store, 2, due_at=T0 + 10)
    await store.claim_due_reminders(T0 + 10, lease_s=LEASE)
    await store.note_reminder_error(*first, "dms_closed")
    assert keys(await store.claim_due_reminders(T0 + 10 + LEASE)) == [second]
    await store.complete_reminder(*second)
    assert await store.claim_due_reminders(T0 + 100 * LEASE) == []
    loop = await store.get_loop(first[0])
    assert loop is not None
    assert (loop.rounds[0].remind_error, loop.rounds[0].reminded_at) == ("dms_closed", None)


async def test_a_frozen_claimer_does_not_stop_another_from_the_other_rounds(
    store: Store,
) -> None:
    """Claimer A takes the rounds due first and then never completes (frozen); claimer B
    still gets every round that falls due later, and A's once A's lease has run out."""
    early = await loops_due(store, 3, due_at=T0 + 10)
    late = await loops_due(store, 2, due_at=T0 + 50, prefix="v")
    a = await store.claim_due_reminders(T0 + 20, lease_s=LEASE)  # A: never heard of again
    assert keys(a) == early
    b = await store.claim_due_reminders(T0 + 60, lease_s=LEASE)
    assert keys(b) == late
    for key in keys(b):
        await store.complete_reminder(*key)
    b_later = await store.claim_due_reminders(T0 + 20 + LEASE, lease_s=LEASE)
    assert keys(b_later) == early  # A's, none lost
    for key in keys(b_later):
        await store.complete_reminder(*key)
    assert await store.claim_due_reminders(T0 + 20 + 10 * LEASE) == []


async def test_a_done_round_is_not_reminded_even_under_an_expired_lease(store: Store) -> None:
    (due,) = await loops_due(store, 1, due_at=T0 + 10)
    await store.claim_due_reminders(T0 + 10, lease_s=LEASE)
    s = await store.start_session("u0", "console", "s1", "d", {})
    await store.end_session(s.id, results={"criteria": {}, "overall": 50})
    assert await store.claim_due_reminders(T0 + 10 + LEASE) == []
    loop = await store.get_loop(due[0])
    assert loop is not None and loop.rounds[0].session_id == s.id


async def test_a_stopped_loop_is_not_reminded_after_its_lease(store: Store) -> None:
    await loops_due(store, 1, due_at=T0 + 10)
    assert len(await store.claim_due_reminders(T0 + 10, lease_s=LEASE)) == 1
    assert await store.stop_loop("u0") is not None
    assert await store.claim_due_reminders(T0 + 10 + LEASE) == []


@pytest.mark.parametrize("lease", [0, -1.0, float("nan")])
async def test_a_lease_must_be_positive(store: Store, lease: float) -> None:
    with pytest.raises(ValueError, match="lease"):
        await store.claim_due_reminders(T0, lease_s=lease)
    with pytest.raises(ValueError, match="lease"):
        await store.claim_finished_loops(T0, lease_s=lease)


async def finish_loop(store: Store, user: str, clock: FakeClock) -> int:
    """A one-round loop whose round is done, so its report is due."""
    loop = await store.start_loop(user, [("s1", clock.now + 10)], now=clock.now)
    s = await store.start_session(user, "console", "s1", "d", {})
    await store.end_session(s.id, results={"criteria": {}, "overall": 70})
    return loop.id


async def test_loop_reports_are_leased_completed_and_released(
    store: Store, clock: FakeClock
) -> None:
    first = await finish_loop(store, "u1", clock)
    second = await finish_loop(store, "u2", clock)
    at = clock.now
    claimed = await store.claim_finished_loops(at, lease_s=LEASE)
    assert [loop.id for loop in claimed] == [first, second]
    assert all(loop.status == "done" and loop.reported_at is None for loop in claimed)
    assert await store.claim_finished_loops(at + 1, lease_s=LEASE) == []  # leased
    await store.complete_loop_report(first, now=at + 2)
    await store.release_loop_report(second)  # a passing failure: at once
    assert [loop.id for loop in await store.claim_finished_loops(at + 3)] == [second]
    # the lease runs out without completion (the claimer died): claimed again
    again = await store.claim_finished_loops(at + 3 + LEASE, lease_s=LEASE)
    assert [loop.id for loop in again] == [second]
    assert again[0].ended_at == at  # done when first claimed, not moved by a re-claim
    await store.complete_loop_report(second, now=at + 4 + LEASE)
    assert await store.claim_finished_loops(at + 100 * LEASE) == []
    done = await store.get_loop(first)
    assert done is not None and (done.status, done.reported_at) == ("done", at + 2)
    # a finished loop no longer blocks a new one while its report is pending or after
    assert (await store.start_loop("u1", [("s1", at + 10)], now=at + 10)).status == "active"
