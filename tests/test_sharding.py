"""Several processes (issue 13): SHARD_IDS, what a process owns, identify turns across processes."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bot.bot import AutoShardedInterviewBot, InterviewBot, create_bot
from bot.settings import Settings, describe_error
from bot.sharding import (
    IdentifyGate,
    Ownership,
    ShardSpecError,
    parse_shard_ids,
    shard_for_guild,
)
from bot.store import MemoryStore, SqliteStore


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _guild_on(shard: int, count: int, n: int = 0) -> int:
    """A guild id whose events Discord sends to `shard` (of `count`)."""
    return ((n * count + shard) << 22) | 12345


# ---------------------------------------------------------------- SHARD_IDS
def test_shard_ids_ranges_and_single_ids() -> None:
    assert parse_shard_ids("0-3,8", 10) == (0, 1, 2, 3, 8)
    assert parse_shard_ids(" 5 , 1-2 ", 6) == (1, 2, 5)
    assert parse_shard_ids("0", 1) == (0,)


@pytest.mark.parametrize(
    ("text", "count", "says"),
    [
        ("0-3", None, "needs SHARD_COUNT"),
        ("1,1", 4, "listed twice"),
        ("0-2,2", 4, "listed twice"),
        ("3-1", 4, "backwards"),
        ("4", 4, "not below SHARD_COUNT=4"),
        ("0-9", 4, "not below"),
        ("a", 4, "not a shard id"),
        ("1,,2", 4, "not a list"),
        ("-1", 4, "not a shard id"),
    ],
)
def test_bad_shard_ids_are_refused(text: str, count: int | None, says: str) -> None:
    with pytest.raises(ShardSpecError, match=says):
        parse_shard_ids(text, count)


def test_settings_normalise_shard_ids() -> None:
    settings = _settings(shard_count=10, shard_ids="8,0-3")
    assert settings.shard_ids == "0,1,2,3,8"
    assert settings.shards == (0, 1, 2, 3, 8)
    assert _settings().shards is None
    assert _settings(shard_count=2, shard_ids=" ").shards is None


@pytest.mark.parametrize(
    ("values", "says"),
    [
        ({"shard_ids": "0-1"}, "needs SHARD_COUNT"),
        ({"shard_ids": "0,2", "shard_count": 2}, "shard 2 is not below SHARD_COUNT=2"),
        ({"shard_ids": "1,1", "shard_count": 2}, "shard 1 is listed twice"),
    ],
)
def test_bad_settings_give_one_line_naming_the_variable(values: dict[str, Any], says: str) -> None:
    with pytest.raises(ValidationError) as caught:
        _settings(**values)
    line = describe_error(caught.value)
    assert "\n" not in line
    assert line.startswith("invalid configuration: SHARD_IDS: ")
    assert says in line


def test_environment_variables_reach_the_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", "2-3")
    monkeypatch.setenv("AUTO_SHARD", "false")  # SHARD_IDS needs the sharded client anyway
    bot = create_bot(_settings(), background=False)
    assert isinstance(bot, AutoShardedInterviewBot)
    assert bot.shard_count == 4
    assert bot.shard_ids == [2, 3]
    assert not bot.owns_dms()


def test_without_shard_ids_the_bot_is_as_before() -> None:
    plain = create_bot(_settings(auto_shard=False), background=False)
    assert isinstance(plain, InterviewBot)
    assert plain.owns_dms() and plain.owns_guild(_guild_on(1, 2))
    sharded = create_bot(_settings(shard_count=2), background=False)
    assert isinstance(sharded, AutoShardedInterviewBot)
    assert sharded.shard_ids is None and sharded.owns(None)


# ---------------------------------------------------------------- ownership
def test_guild_shard_formula() -> None:
    assert shard_for_guild(0, 4) == 0
    assert shard_for_guild(1 << 22, 4) == 1
    assert shard_for_guild((5 << 22) + (1 << 21), 4) == 1  # the low 22 bits never count
    assert shard_for_guild(81384788765712384, 2) == (81384788765712384 >> 22) % 2


def test_each_guild_and_dms_have_exactly_one_owner() -> None:
    count = 4
    processes = [Ownership(count, (0, 1)), Ownership(count, (2,)), Ownership(count, (3,))]
    for n in range(3):
        for shard in range(count):
            guild = _guild_on(shard, count, n)
            owners = [p for p in processes if p.owns_guild(guild)]
            assert owners == [p for p in processes if shard in (p.shard_ids or ())]
            assert len(owners) == 1
            assert processes[0].owns(str(guild)) == (shard in (0, 1))  # ids stored as text
    assert [p.owns_dms() for p in processes] == [True, False, False]
    assert [p.owns(None) for p in processes] == [True, False, False]


def test_one_process_owns_everything() -> None:
    for whole in (Ownership(), Ownership(4, None), Ownership(None, None)):
        assert whole.everything and whole.owns_dms() and whole.owns_guild(_guild_on(3, 4))


# ---------------------------------------------------------------- identify turns
async def test_gate_sleeps_until_the_reserved_turn_per_bucket() -> None:
    slept: list[float] = []
    reserved: list[tuple[int, float]] = []
    now = 1000.0

    async def reserve(bucket: int, interval: float) -> float:
        reserved.append((bucket, interval))
        return now - 1.0 if len(reserved) == 1 else now + 2.5  # a turn past, one ahead

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    gate = IdentifyGate(reserve, max_concurrency=4, interval=5.0, sleep=sleep, clock=lambda: now)
    assert await gate.wait_turn(6) == 0.0
    assert await gate.wait_turn(None) == 2.5
    assert reserved == [(2, 5.0), (0, 5.0)]
    assert slept == [2.5]


async def test_two_processes_never_identify_one_bucket_within_the_interval(
    tmp_path: Path,
) -> None:
    """Two bots, each with its own store handle on one database file, identify four
    shards each at once (as two processes started together would)."""
    interval = 0.15
    db = tmp_path / "shared.db"
    stores = [await SqliteStore.open(db), await SqliteStore.open(db)]
    bots = [
        create_bot(
            _settings(
                shard_count=8,
                shard_ids=ids,
                identify_max_concurrency=2,
                identify_interval_s=interval,
            ),
            store,
            background=False,
        )
        for ids, store in zip(("0-3", "4-7"), stores, strict=True)
    ]
    identified: list[tuple[int, float]] = []

    async def launch(bot: Any, shard_id: int) -> None:
        await bot.before_identify_hook(shard_id, initial=shard_id in (0, 4))
        identified.append((shard_id % 2, time.monotonic()))

    try:
        await asyncio.gather(*(launch(bot, s) for bot in bots for s in (bot.shard_ids or ())))
    finally:
        for store in stores:
            await store.close()
    for bucket in (0, 1):
        times = sorted(t for b, t in identified if b == bucket)
        assert len(times) == 4
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= interval * 0.9, gaps  # asyncio.sleep may wake a hair early
    # both buckets went at once: the whole start took ~3 intervals, not 7
    spread = max(t for _, t in identified) - min(t for _, t in identified)
    assert spread < interval * 3 + 1.0


async def test_a_process_owns_the_stored_sessions_of_its_shards_and_dms() -> None:
    """Sessions as the store keeps them: a guild session by its guild, a DM (and the
    console) by shard 0's process."""
    store = MemoryStore()
    on0, on1 = _guild_on(0, 2), _guild_on(1, 2, 3)
    in0 = await store.start_session("u1", f"guild:{on0}", "s", "d", {}, guild_id=str(on0))
    in1 = await store.start_session("u2", f"guild:{on1}", "s", "d", {}, guild_id=str(on1))
    dm = await store.start_session("u3", "dm:u3", "s", "d", {})
    sessions = await store.open_sessions()
    assert {s.id for s in sessions} == {in0.id, in1.id, dm.id}
    holder0 = create_bot(_settings(shard_count=2, shard_ids="0"), store, background=False)
    holder1 = create_bot(_settings(shard_count=2, shard_ids="1"), store, background=False)
    assert {s.id for s in sessions if holder0.owns_session(s)} == {in0.id, dm.id}
    assert {s.id for s in sessions if holder1.owns_session(s)} == {in1.id}
    everything = create_bot(_settings(), store, background=False)
    assert all(everything.owns_session(s) for s in sessions)
