"""Walks of open sessions act only on what this process owns (issue 13, part 3).

SHARD_COUNT=2 and one database with three open interviews: in a server on shard 0,
in a server on shard 1, and in a DM (shard 0's). A bot holding shard 1 posts the
resume notice, nudges, looks back and sweeps only in the shard-1 server; a bot
holding shard 0 does the server on shard 0 and the DM, and never the other one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fake_discord import FakeDiscord
from interview_harness import catalogue, interview_bot, interview_cog, settings_for
from test_interview_flow import UI

from bot.bot import InterviewBotMixin
from bot.sessions import Interviews
from bot.store import open_store

COUNT = 2
ROUND = "auto-summarize"  # pace marks at 3 and 5 minutes, a 30-minute budget
RESTARTED = "I was restarted"


@dataclass
class World:
    """The three open sessions: session id and channel id of each place."""

    fake: FakeDiscord
    clock: Callable[[], float]
    now: list[float]
    sessions: dict[str, int]  # "shard0" | "shard1" | "dm" -> session id
    channels: dict[str, int]  # the same keys -> the channel the session lives in

    def where(self, channel_id: int) -> str:
        return next(k for k, c in self.channels.items() if c == channel_id)


def _guild_on(fake: FakeDiscord, shard: int) -> int:
    """A new guild whose id Discord routes to `shard` (ids carry the time: try until one does)."""
    while True:
        gid = fake.add_guild(f"guild on shard {shard}")
        if (gid >> 22) % COUNT == shard:
            return gid
        time.sleep(0.0011)  # the next millisecond gives the next shard


@pytest.fixture
async def sharded(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    async with FakeDiscord(shards=COUNT) as fake:
        fake.patch_discord(monkeypatch)
        yield fake


@pytest.fixture
async def world(sharded: FakeDiscord, tmp_path: Path) -> World:
    """Three interviews opened (in the store, as a previous process left them)."""
    fake = sharded
    now = [time.time()]

    def clock() -> float:
        return now[0]

    users = {key: fake.add_user(f"candidate-{key}") for key in ("shard0", "shard1", "dm")}
    channels: dict[str, int] = {}
    guilds: dict[str, int | None] = {"dm": None}
    for shard in (0, 1):
        key = f"shard{shard}"
        gid = _guild_on(fake, shard)
        fake.guilds[gid]["members"][int(users[key]["id"])] = fake._member_payload(gid, users[key])
        guilds[key] = gid
        channels[key] = fake.add_text_channel(gid, "interviews")
    channels["dm"] = fake.dm_channel_for(users["dm"])

    store = await open_store(settings_for(tmp_path).database_url, clock=clock)
    interviews = Interviews(store, catalogue(), clock=clock)
    sessions: dict[str, int] = {}
    try:
        for key, user in users.items():
            gid = guilds[key]
            turn = await interviews.start(
                str(user["id"]),
                user["username"],
                f"guild:{gid}" if gid is not None else f"dm:{user['id']}",
                ROUND,
                channel_id=str(channels[key]),
                guild_id=str(gid) if gid is not None else None,
            )
            sessions[key] = turn.session.id
    finally:
        await store.close()
    return World(fake, clock, now, sessions, channels)


def _holding(world: World, tmp_path: Path, shard_ids: str, **overrides: Any) -> Any:
    """The product bot holding `shard_ids` of COUNT on the world's database."""
    return interview_bot(
        world.fake,
        tmp_path,
        clock=world.clock,
        shard_count=COUNT,
        shard_ids=shard_ids,
        **overrides,
    )


def _posted(world: World, since: int, text: str) -> list[str]:
    """Where the bot posted a message containing `text` since the checkpoint."""
    found = world.fake.find_messages(
        predicate=lambda m: text in m.text(), since=since, author_id=world.fake.bot_id
    )
    ours = world.channels.values()
    return sorted(world.where(m.channel_id) for m in found if m.channel_id in ours)


async def _resumed(h: Any) -> None:
    """Wait for the bot's restart pass (resume notices) to be over."""
    await asyncio.wait_for(h.bot.resumed_sessions.wait(), 10)


async def _open_places(h: Any, world: World) -> list[str]:
    open_ids = {s.id for s in await h.store.open_sessions()}
    return sorted(k for k, sid in world.sessions.items() if sid in open_ids)


async def test_after_a_restart_only_the_owner_posts_the_resume_notice(
    world: World, tmp_path: Path
) -> None:
    since = world.fake.checkpoint()
    async with _holding(world, tmp_path, "1") as h:
        assert not h.bot.owns_dms()
        await _resumed(h)
        assert _posted(world, since, RESTARTED) == ["shard1"]
        # the count it returns is of its own sessions
        assert await interview_cog(h.bot).resumer.resume_open_sessions() == 1

    since = world.fake.checkpoint()
    async with _holding(world, tmp_path, "0") as h:
        assert h.bot.owns_dms()
        await _resumed(h)
        assert _posted(world, since, RESTARTED) == ["dm", "shard0"]


async def test_pace_nudges_only_the_sessions_the_process_owns(world: World, tmp_path: Path) -> None:
    async with _holding(world, tmp_path, "1") as h:
        await _resumed(h)
        pace = h.bot.get_cog("Pace")
        world.now[0] += 3 * 60 + 5  # past the first mark in all three
        since = world.fake.checkpoint()
        assert await pace.check_pace() == 1
        assert _posted(world, since, "⏳") == ["shard1"]

    async with _holding(world, tmp_path, "0") as h:
        await _resumed(h)
        since = world.fake.checkpoint()
        assert await h.bot.get_cog("Pace").check_pace() == 2
        assert _posted(world, since, "⏳") == ["dm", "shard0"]


async def _no_periodic_sweep(self: Any) -> None:
    """The test runs `sweep_once` itself: a first pass at ready could land after its clock moved."""


async def test_the_idle_sweep_expires_only_the_sessions_the_process_owns(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each idle session is closed, and its summary posted, by its owner's sweep only."""
    monkeypatch.setattr(InterviewBotMixin, "_sweep_loop", _no_periodic_sweep)
    async with _holding(world, tmp_path, "1") as h:
        await _resumed(h)
        world.now[0] += 24 * 3600  # all three far past their 30-minute budget
        since = world.fake.checkpoint()
        assert await h.bot.sweep_once() == 1
        await world.fake.wait_for_message(
            world.channels["shard1"], predicate=lambda m: bool(m.attachments), since=since
        )
        assert await _open_places(h, world) == ["dm", "shard0"]
        assert _posted(world, since, "ran past its time") == ["shard1"]

    async with _holding(world, tmp_path, "0") as h:
        await _resumed(h)
        since = world.fake.checkpoint()
        assert await h.bot.sweep_once() == 2
        assert await _open_places(h, world) == []
        for place in ("dm", "shard0"):
            await world.fake.wait_for_message(
                world.channels[place], predicate=lambda m: bool(m.attachments), since=since
            )
        assert _posted(world, since, "ran past its time") == ["dm", "shard0"]


async def test_a_process_without_shard_0_does_not_look_back_in_dms(
    world: World, tmp_path: Path
) -> None:
    """The look-back after a re-identify reads DM history only in shard 0's process: a
    DM answer sent while nobody held shard 0 is taken by that process, not by this one."""
    dm = world.channels["dm"]
    async with _holding(world, tmp_path, "1") as h:
        await _resumed(h)
        candidate = await h.store.get_session(world.sessions["dm"])
        assert candidate is not None and candidate.user_id is not None
        user = world.fake.users[int(candidate.user_id)]
        await world.fake.user_message(dm, UI, user=user)  # no one holds shard 0: unrouted
        mark = world.fake.request_checkpoint()
        assert await interview_cog(h.bot).intake.look_back() == 0
        assert world.fake.find_requests("GET", f"/channels/{dm}/messages", since=mark) == []
        assert await _answers(h, world.sessions["dm"]) == []

    async with _holding(world, tmp_path, "0") as h:
        await _resumed(h)
        assert await interview_cog(h.bot).intake.look_back() == 1
        assert await _answers(h, world.sessions["dm"]) == [UI]


async def _answers(h: Any, session_id: int) -> list[str]:
    return [t.text for t in await h.store.transcript(session_id) if t.role == "candidate"]
