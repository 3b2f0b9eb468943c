"""The fake Discord with several shards (issue 13), driven by the real discord.py client.

A session per shard (the IDENTIFY's ``shard``), a guild's events to shard
``(guild_id >> 22) % count``, DMs to shard 0 only, and op 9 for two identifies in
one bucket closer than ``identify_interval``; then two product bots holding shard
ranges on one database, identifying through the store without drawing op 9.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import discord
import pytest
from discord.ext import commands
from fake_discord import FakeDiscord, running_client
from interview_harness import catalogue, settings_for

from bot.bot import create_bot
from bot.launcher import serve
from bot.store import SqliteStore

COUNT = 2


def _guild_on(fake: FakeDiscord, shard: int, count: int = COUNT) -> int:
    """A new guild whose id Discord routes to `shard` (ids carry the time: try until one does)."""
    while True:
        gid = fake.add_guild(f"guild on shard {shard}")
        if (gid >> 22) % count == shard:
            return gid
        time.sleep(0.0011)  # the next millisecond gives the next shard


class Recorder(commands.AutoShardedBot):
    """A process holding some shards; remembers where each message it got came from."""

    def __init__(self, shard_ids: list[int], count: int = COUNT, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = intents.guild_messages = intents.dm_messages = True
        super().__init__(
            command_prefix="!",
            intents=intents,
            shard_ids=shard_ids,
            shard_count=count,
            guild_ready_timeout=0.05,
            **options,
        )
        self.got: list[int | None] = []  # guild id, or None for a DM

    async def on_message(self, message: discord.Message) -> None:
        self.got.append(message.guild.id if message.guild else None)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        return None  # no pause at all: the fake's identify check is off in these tests


@pytest.fixture
async def sharded(monkeypatch: pytest.MonkeyPatch) -> Any:
    fake = FakeDiscord(shards=COUNT)
    await fake.start()
    fake.patch_discord(monkeypatch)
    try:
        yield fake
    finally:
        await fake.stop()


async def test_each_process_gets_its_shards_guilds_and_only_shard_0_gets_dms(
    sharded: FakeDiscord,
) -> None:
    fake = sharded
    on0, on1 = _guild_on(fake, 0), _guild_on(fake, 1)
    chan0 = fake.add_text_channel(on0, "general")
    chan1 = fake.add_text_channel(on1, "general")
    for gid in (on0, on1):
        fake.guilds[gid]["members"][int(fake.alice["id"])] = fake._member_payload(gid, fake.alice)
    first, second = Recorder([0]), Recorder([1])
    async with running_client(first, fake), running_client(second, fake):
        assert sorted(fake.sessions) == [0, 1]
        identifies = [p["d"]["shard"] for p in fake.gateway_received if p["op"] == 2]
        assert sorted(identifies) == [[0, 2], [1, 2]]
        assert {g.id for g in first.guilds} == {g for g in fake.guilds if (g >> 22) % 2 == 0}
        assert {g.id for g in second.guilds} == {g for g in fake.guilds if (g >> 22) % 2 == 1}
        assert on0 in {g.id for g in first.guilds} and on1 in {g.id for g in second.guilds}

        await fake.user_message(chan0, "in a guild of shard 0")
        await fake.user_message(chan1, "in a guild of shard 1")
        await fake.user_message(fake.dm_channel_for(fake.alice), "a DM")
        await fake.wait_until(lambda: len(first.got) + len(second.got) >= 3, 5, "3 messages")
        await asyncio.sleep(0.1)  # nothing else arrives late
        assert first.got == [on0, None]
        assert second.got == [on1]
        assert fake.unrouted == []


async def test_a_shard_nobody_holds_gets_nothing(sharded: FakeDiscord) -> None:
    fake = sharded
    on1 = _guild_on(fake, 1)
    chan1 = fake.add_text_channel(on1, "general")
    only = Recorder([0])
    async with running_client(only, fake):
        assert on1 not in {g.id for g in only.guilds}
        await fake.user_message(chan1, "nobody holds shard 1")
        await fake.user_message(fake.dm_channel_for(fake.alice), "a DM")
        await fake.wait_until(lambda: only.got == [None], 5, "the DM only")
        assert ("MESSAGE_CREATE", 1) in fake.unrouted


class Impatient(Recorder):
    """discord.py's own pacing knows nothing of other processes; this one waits `pause`
    only before a retry, as its default hook does (5 s) for every non-initial identify."""

    def __init__(self, shard_ids: list[int], pause: float, **options: Any) -> None:
        super().__init__(shard_ids, **options)
        self.pause = pause
        self.hooked: list[tuple[int | None, bool]] = []

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        self.hooked.append((shard_id, initial))
        if not initial:
            await asyncio.sleep(self.pause)


async def test_two_identifies_in_one_bucket_too_close_get_op_9(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with FakeDiscord(shards=COUNT, identify_interval=0.4) as fake:
        fake.patch_discord(monkeypatch)
        first, second = Impatient([0], pause=0.5), Impatient([1], pause=0.5)
        async with running_client(first, fake), running_client(second, fake):
            assert fake.identify_rejections == [1]  # two processes, one bucket, no wait
            assert (1, False) in second.hooked  # op 9: it identified again, later
            assert sorted(fake.sessions) == [0, 1]


async def test_different_buckets_may_identify_together(monkeypatch: pytest.MonkeyPatch) -> None:
    async with FakeDiscord(shards=COUNT, identify_interval=5.0, max_concurrency=2) as fake:
        fake.patch_discord(monkeypatch)
        first, second = Impatient([0], pause=5.0), Impatient([1], pause=5.0)
        async with running_client(first, fake), running_client(second, fake):
            assert fake.identify_rejections == []


async def test_two_bot_processes_on_one_database_draw_no_op_9(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The product bots, shards 0-1 and 2-3 of 4, started at once: their identifies wait
    for turns reserved in the shared database, so the fake (checking 0.3 s per bucket)
    rejects none. Their interval keeps a margin over the fake's (5.5 s over Discord's 5 s
    by default): one event loop runs the fake and both bots, so a send can be late."""
    interval = 0.45
    async with FakeDiscord(shards=4, identify_interval=0.3) as fake:
        fake.patch_discord(monkeypatch)
        db = tmp_path / "shared.db"
        stores = [await SqliteStore.open(db), await SqliteStore.open(db)]
        bots = [
            create_bot(
                settings_for(tmp_path, shard_count=4, shard_ids=ids, identify_interval_s=interval),
                store,
                catalogue(),
                background=False,
                guild_ready_timeout=0.05,
            )
            for ids, store in zip(("0-1", "2-3"), stores, strict=True)
        ]
        try:
            async with contextlib.AsyncExitStack() as stack:
                await asyncio.gather(
                    *(stack.enter_async_context(running_client(b, fake, timeout=20)) for b in bots)
                )
                await fake.wait_until(lambda: len(fake.sessions) == 4, 10, "4 shards")
                assert fake.identify_rejections == []
                assert fake.identifies == 4
                assert [b.shard_ids for b in bots] == [[0, 1], [2, 3]]
                assert [b.owns_dms() for b in bots] == [True, False]
        finally:
            for store in stores:
                await store.close()


class Pinger(Recorder):
    """Answers /ping, saying which shards it holds."""

    def __init__(self, shard_ids: list[int]) -> None:
        super().__init__(shard_ids)
        self.pinged: list[int | None] = []

        @self.tree.command(name="ping", description="ping")
        async def ping(interaction: discord.Interaction) -> None:
            self.pinged.append(interaction.guild_id)
            await interaction.response.send_message(f"shards {shard_ids}")


async def test_interactions_follow_their_guild_and_dm_ones_go_to_shard_0(
    sharded: FakeDiscord,
) -> None:
    fake = sharded
    on1 = _guild_on(fake, 1)
    chan1 = fake.add_text_channel(on1, "general")
    fake.guilds[on1]["members"][int(fake.alice["id"])] = fake._member_payload(on1, fake.alice)
    first, second = Pinger([0]), Pinger([1])
    async with running_client(first, fake), running_client(second, fake):
        await first.tree.sync()  # global commands: one application, one sync
        dm_reply = await (await fake.slash("ping", dm=True)).wait_reply()
        assert dm_reply.content == "shards [0]"
        guild_reply = await (await fake.slash("ping", channel_id=chan1)).wait_reply()
        assert guild_reply.content == "shards [1]"
        assert first.pinged == [None] and second.pinged == [on1]


async def test_two_launched_processes_hold_their_shard_ranges(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`python -m bot run` twice (as `serve`), SHARD_COUNT=2 with SHARD_IDS=0 and 1, on one
    SQLite file: each identifies its own shard only, the pair draws no op 9, both stop."""
    async with FakeDiscord(shards=2, identify_interval=0.3) as fake:
        fake.patch_discord(monkeypatch)
        settings = [
            settings_for(
                tmp_path,
                discord_token="fake-token",
                shard_count=2,
                shard_ids=ids,
                identify_interval_s=0.45,
            )
            for ids in ("1", "0")
        ]
        stops = [asyncio.Event(), asyncio.Event()]
        pairs = zip(settings, stops, strict=True)
        runs = [asyncio.create_task(serve(s, stop)) for s, stop in pairs]
        try:
            await fake.wait_until(lambda: len(fake.sessions) == 2, 15, "both shards")
            shards = sorted(p["d"]["shard"] for p in fake.gateway_received if p["op"] == 2)
            assert shards == [[0, 2], [1, 2]]
            assert fake.identify_rejections == []
        finally:
            for stop in stops:
                stop.set()
            assert await asyncio.wait_for(asyncio.gather(*runs), 15) == [0, 0]
