"""Gateway identify turns (issue 13): one bucket's turns are never closer than the interval."""

from __future__ import annotations

import asyncio
import itertools

from store_helpers import FakeClock

from bot.store import Store


async def test_first_turn_is_now_then_each_one_interval_later(
    store: Store, clock: FakeClock
) -> None:
    t0 = clock.now
    assert await store.reserve_identify_slot(0, 5.0) == t0
    assert await store.reserve_identify_slot(0, 5.0) == t0 + 5.0
    assert await store.reserve_identify_slot(0, 5.0) == t0 + 10.0
    clock.advance(2.0)  # turns already handed out stay taken: the next is at +15
    assert await store.reserve_identify_slot(0, 5.0) == t0 + 15.0


async def test_buckets_are_independent(store: Store, clock: FakeClock) -> None:
    t0 = clock.now
    assert await store.reserve_identify_slot(0, 5.0) == t0
    assert await store.reserve_identify_slot(1, 5.0) == t0
    assert await store.reserve_identify_slot(1, 5.0) == t0 + 5.0
    assert await store.reserve_identify_slot(0, 5.0) == t0 + 5.0


async def test_a_turn_long_past_is_no_wait(store: Store, clock: FakeClock) -> None:
    await store.reserve_identify_slot(3, 5.0)
    clock.advance(5.0)
    assert await store.reserve_identify_slot(3, 5.0) == clock.now
    clock.advance(60.0)
    assert await store.reserve_identify_slot(3, 5.0) == clock.now


async def test_the_callers_clock_is_read_for_now(store: Store, clock: FakeClock) -> None:
    other = FakeClock(clock.now + 1000.0)
    assert await store.reserve_identify_slot(0, 5.0, other) == other.now
    assert await store.reserve_identify_slot(0, 5.0, other) == other.now + 5.0


async def test_concurrent_reservations_get_distinct_turns_an_interval_apart(
    store: Store, clock: FakeClock
) -> None:
    turns = await asyncio.gather(*(store.reserve_identify_slot(0, 5.0) for _ in range(20)))
    assert sorted(turns) == [clock.now + 5.0 * i for i in range(20)]
    assert all(b - a >= 5.0 for a, b in itertools.pairwise(sorted(turns)))
