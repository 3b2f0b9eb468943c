"""Gateway identify turns (issue 13): one bucket's turns are never closer than the interval."""

from __future__ import annotations

import asyncio
import itertools

from store_helpers import FakeClock

from bot.store import Store


async def test_first_turn_is_now_then_each_waits_one_interval(
    store: Store, clock: FakeClock
) -> None:
    assert await store.reserve_identify_slot(0, 5.0) == 0.0
    assert await store.reserve_identify_slot(0, 5.0) == 5.0
    assert await store.reserve_identify_slot(0, 5.0) == 10.0
    clock.advance(2.0)  # the queue of turns does not move with time: the next is at +15
    assert await store.reserve_identify_slot(0, 5.0) == 13.0


async def test_buckets_are_independent(store: Store) -> None:
    assert await store.reserve_identify_slot(0, 5.0) == 0.0
    assert await store.reserve_identify_slot(1, 5.0) == 0.0
    assert await store.reserve_identify_slot(1, 5.0) == 5.0
    assert await store.reserve_identify_slot(0, 5.0) == 5.0


async def test_a_turn_long_past_is_no_wait(store: Store, clock: FakeClock) -> None:
    await store.reserve_identify_slot(3, 5.0)
    clock.advance(5.0)
    assert await store.reserve_identify_slot(3, 5.0) == 0.0
    clock.advance(60.0)
    assert await store.reserve_identify_slot(3, 5.0) == 0.0


async def test_concurrent_reservations_get_distinct_turns_an_interval_apart(
    store: Store, clock: FakeClock
) -> None:
    delays = await asyncio.gather(*(store.reserve_identify_slot(0, 5.0) for _ in range(20)))
    turns = sorted(clock.now + d for d in delays)
    assert all(b - a >= 5.0 for a, b in itertools.pairwise(turns))
    assert sorted(delays) == [5.0 * i for i in range(20)]
