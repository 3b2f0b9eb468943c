"""Which shards a process holds, what it owns, and when it may identify.

Several bot processes share one database, each holding a fixed range of shards
(`SHARD_IDS` out of `SHARD_COUNT`). Discord sends a guild's events to shard
`(guild_id >> 22) % shard_count` and events with no guild (DMs, DM interactions)
to shard 0 only, so a process owns the guilds of its shards and, if it holds
shard 0, the DMs. Anything that walks open sessions (resume notices, the idle
sweep, pace nudges, loop reminders) acts only on what `Ownership` says is ours.

Identifies in one bucket (`shard_id % max_concurrency`) must be 5 s apart across
*all* processes; `IdentifyGate` reserves a turn through the store (one row per
bucket, claimed atomically) and sleeps until it comes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("bot.sharding")

IDENTIFY_INTERVAL_S = 5.0  # Discord: identifies in one bucket at least 5 s apart

_PART = re.compile(r"^(\d+)(?:-(\d+))?$")


class ShardSpecError(ValueError):
    """A `SHARD_IDS` value that is not a list of ids and ranges."""


def parse_shard_ids(text: str, shard_count: int | None) -> tuple[int, ...]:
    """`"0-3,8"` -> (0, 1, 2, 3, 8): sorted, no duplicates, each below `shard_count`."""
    if shard_count is None:
        raise ShardSpecError("needs SHARD_COUNT (the total over all processes)")
    if shard_count < 1:
        raise ShardSpecError("SHARD_COUNT must be at least 1")
    ids: list[int] = []
    parts = [p.strip() for p in text.split(",")]
    if not text.strip() or any(not p for p in parts):
        raise ShardSpecError(f"{text!r} is not a list like 0-3,8")
    for part in parts:
        match = _PART.match(part)
        if match is None:
            raise ShardSpecError(f"{part!r} is not a shard id or a range like 0-3")
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) is not None else low
        if high < low:
            raise ShardSpecError(f"range {part!r} runs backwards")
        ids.extend(range(low, high + 1))
    seen: set[int] = set()
    for shard in ids:
        if shard in seen:
            raise ShardSpecError(f"shard {shard} is listed twice")
        seen.add(shard)
    too_big = [s for s in ids if s >= shard_count]
    if too_big:
        raise ShardSpecError(f"shard {too_big[0]} is not below SHARD_COUNT={shard_count}")
    return tuple(sorted(ids))


def shard_for_guild(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends this guild's events to."""
    return (guild_id >> 22) % shard_count


def identify_bucket(shard_id: int, max_concurrency: int) -> int:
    """The identify rate-limit bucket of a shard."""
    return shard_id % max_concurrency


@dataclasses.dataclass(frozen=True)
class Ownership:
    """What one process owns: `shard_ids=None` (or no count) means everything."""

    shard_count: int | None = None
    shard_ids: tuple[int, ...] | None = None

    @property
    def everything(self) -> bool:
        return self.shard_count is None or self.shard_ids is None

    def owns_guild(self, guild_id: int | str) -> bool:
        if self.everything:
            return True
        assert self.shard_count is not None and self.shard_ids is not None
        return shard_for_guild(int(guild_id), self.shard_count) in self.shard_ids

    def owns_dms(self) -> bool:
        return self.everything or 0 in (self.shard_ids or ())

    def owns(self, guild_id: int | str | None) -> bool:
        """A session's place: its guild's shard, or shard 0 for a DM (`guild_id=None`)."""
        return self.owns_dms() if guild_id is None else self.owns_guild(guild_id)

    def owns_session(self, session: SessionPlace) -> bool:
        """A stored session: its guild's shard, else (a DM, or the console) shard 0's."""
        return self.owns(session.guild_id)


class SessionPlace(Protocol):
    """What ownership needs of a session (`SessionRecord` has it)."""

    @property
    def guild_id(self) -> str | None: ...


# (bucket, interval) -> the time of the reserved identify turn (on the gate's clock)
ReserveSlot = Callable[[int, float], Awaitable[float]]


class IdentifyGate:
    """`before_identify_hook` across processes: wait for this bucket's reserved turn."""

    def __init__(
        self,
        reserve: ReserveSlot,
        *,
        max_concurrency: int = 1,
        interval: float = IDENTIFY_INTERVAL_S,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._reserve = reserve
        self._clock = clock
        self.max_concurrency = max(1, max_concurrency)
        self.interval = interval
        self._sleep = sleep

    async def wait_turn(self, shard_id: int | None) -> float:
        """Reserve this shard's bucket's next turn and sleep until it; the seconds waited."""
        bucket = identify_bucket(shard_id or 0, self.max_concurrency)
        turn = await self._reserve(bucket, self.interval)
        delay = turn - self._clock()  # measured after the reservation came back
        if delay > 0:
            log.info("shard %s waits %.1f s to identify (bucket %d)", shard_id, delay, bucket)
            await self._sleep(delay)
            return delay
        return 0.0
