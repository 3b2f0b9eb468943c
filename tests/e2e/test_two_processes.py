"""Two bot processes holding shard ranges on one database (issue 13), end to end.

SHARD_COUNT=2: process A holds shard 0 (and so the DMs), process B shard 1; each
is the real bot in a child OS process (tests/e2e/bot_process.py) against one fake
Discord with a guild on each shard. Each process logs in with a token of its own,
so the fake's record of every REST request says which process made it. A server's
interview is answered by the process of its shard only, a DM interview runs to its
summary on A, and the two, started at once, draw no op 9. Then both are killed
(SIGKILL) with an interview open in each guild and one in DMs, and restarted: each
open session gets exactly one "I was restarted", from its owner, and carries on.

Runs on a SQLite file and on PostgreSQL (marked `postgresql`: never skipped in CI).
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from bot_process import BotProcess, BotProcessError
from fake_discord import FakeDiscord, StoredMessage
from test_interview_flow import COMPUTE, INTENT, METRIC, TEST, UI, is_move

from bot.sharding import shard_for_guild

COUNT = 2
TOKENS = {"A": "token-of-process-a", "B": "token-of-process-b"}
SHARDS = {"A": "0", "B": "1"}
#: the bots' gap between identifies in one bucket, and the fake's op 9 threshold. The
#: threshold is well over the spread of two children's start-ups (under a second here),
#: so two processes that did not coordinate would draw op 9; the margin over it absorbs
#: a child whose identify goes out late on a busy machine
BOT_IDENTIFY_INTERVAL = 3.5
FAKE_IDENTIFY_INTERVAL = 2.0
RESTARTED = "I was restarted"
REPLY_TIMEOUT = 20.0

STORES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


def guild_on(fake: FakeDiscord, shard: int) -> int:
    """A new guild whose id Discord routes to `shard` (ids carry the time: try until one does)."""
    while True:
        gid = fake.add_guild(f"guild on shard {shard}")
        if shard_for_guild(gid, COUNT) == shard:
            return gid
        time.sleep(0.0011)  # the next millisecond gives the next shard


def process_of(fake: FakeDiscord, message: StoredMessage) -> str:
    """Which process created `message` ("A"/"B"), by the bot token of the REST request
    whose response it was; "interaction" for an interaction's reply (webhook calls
    carry no bot token: only the process the interaction was routed to had it)."""
    by_token = {f"Bot {token}": name for name, token in TOKENS.items()}
    for rec in fake.requests:
        if isinstance(rec.response, dict) and rec.response.get("id") == str(message.id):
            auth = rec.headers.get("Authorization")
            return by_token.get(auth or "", "interaction")
    raise AssertionError(f"no request created {message!r}")


def processes_touching(fake: FakeDiscord, channel_ids: set[int], since: int = 0) -> set[str]:
    """The processes that made any REST request about these channels (by token)."""
    by_token = {f"Bot {token}": name for name, token in TOKENS.items()}
    found = set()
    for rec in fake.requests[since:]:
        parts = rec.path.split("/")
        if len(parts) > 2 and parts[1] == "channels" and parts[2].isdigit():
            channel = int(parts[2])
        else:
            continue
        if channel in channel_ids:
            found.add(by_token.get(rec.headers.get("Authorization", ""), "?"))
    return found


def is_reply(message: StoredMessage) -> bool:
    """The interviewer's next move, or the closing summary (with the transcript file)."""
    return is_move(message) or bool(message.attachments)


async def answer(
    fake: FakeDiscord, channel: int, text: str, user: Mapping[str, Any]
) -> StoredMessage:
    """`user` posts `text` in `channel`; the bot's reply there."""
    since = fake.checkpoint()
    await fake.user_message(channel, text, user=user)
    return await fake.wait_for_message(
        channel, predicate=is_reply, since=since, timeout=REPLY_TIMEOUT
    )


async def start_in_guild(fake: FakeDiscord, channel: int, user: Mapping[str, Any]) -> int:
    """`/interview start` in a server channel; the thread its opening was posted in."""
    since = fake.checkpoint()
    await fake.slash("interview start", {"round": "auto-summarize"}, user=user, channel_id=channel)
    opening = await fake.wait_for_message(
        predicate=lambda m: is_move(m) and m.channel_id != channel,
        since=since,
        timeout=REPLY_TIMEOUT,
    )
    assert fake.channels[opening.channel_id]["parent_id"] == str(channel)
    return opening.channel_id


async def start_in_dm(fake: FakeDiscord, user: Mapping[str, Any]) -> int:
    """`/interview start` in the user's DMs; the DM channel (the opening is there)."""
    dm = fake.dm_channel_for(user)
    since = fake.checkpoint()
    await fake.slash("interview start", {"round": "auto-summarize"}, user=user, dm=True)
    await fake.wait_for_message(dm, predicate=is_move, since=since, timeout=REPLY_TIMEOUT)
    return dm


@contextlib.asynccontextmanager
async def two_processes(
    fake: FakeDiscord, url: str, *, sync: bool = False
) -> AsyncIterator[dict[str, BotProcess]]:
    """Processes A (shard 0) and B (shard 1) on `url`, started at once, both READY."""
    procs: dict[str, BotProcess] = {}

    async def start(name: str) -> None:
        procs[name] = await BotProcess.start(
            fake.api_base,
            fake.gateway_url,
            {
                "database_url": url,
                "shard_count": COUNT,
                "shard_ids": SHARDS[name],
                "identify_interval_s": BOT_IDENTIFY_INTERVAL,
                "message_content_intent": True,
            },
            name=name,
            token=TOKENS[name],
            sync=sync and name == "A",  # commands are the application's: one sync
            ready_timeout=40.0,
        )

    try:
        try:
            await asyncio.gather(start("A"), start("B"))
        except BotProcessError as exc:
            rejected = fake.identify_rejections
            raise AssertionError(f"{exc}; identifies answered with op 9: {rejected}") from exc
        yield procs
    finally:
        for proc in procs.values():
            await proc.kill()  # a no-op for the ones the test stopped or killed itself


@pytest.mark.parametrize("e2e_store", STORES, indirect=True)
async def test_two_processes_each_serve_their_shards_and_resume_once_after_a_kill(
    e2e_store: str,
) -> None:
    url = e2e_store
    async with FakeDiscord(shards=COUNT, identify_interval=FAKE_IDENTIFY_INTERVAL) as fake:
        guild = {0: guild_on(fake, 0), 1: guild_on(fake, 1)}
        channel = {s: fake.add_text_channel(g, "general") for s, g in guild.items()}
        alice = fake.add_user("alice0", guild_id=guild[0])  # a member of the shard-0 server
        bob = fake.add_user("bob1", guild_id=guild[1])  # of the shard-1 server
        carol, dave = fake.add_user("carol"), fake.add_user("dave")  # DMs only
        owner_of = {guild[0]: "A", guild[1]: "B"}

        async with two_processes(fake, url, sync=True) as procs:
            # both identified at once through the store's turns: no op 9
            assert fake.identify_rejections == []
            shards = sorted(p["d"]["shard"] for p in fake.gateway_received if p["op"] == 2)
            assert shards == [[0, COUNT], [1, COUNT]]

            # each server's interview: its thread, the opening and replies by its owner
            thread = {
                0: await start_in_guild(fake, channel[0], alice),
                1: await start_in_guild(fake, channel[1], bob),
            }
            for shard, user in ((0, alice), (1, bob)):
                opening = fake.find_messages(thread[shard], predicate=is_move)[0]
                owner = owner_of[guild[shard]]
                assert process_of(fake, opening) == owner
                reply = await answer(fake, thread[shard], UI, user)
                assert process_of(fake, reply) == owner
                assert processes_touching(fake, {channel[shard], thread[shard]}) == {owner}

            # a DM interview, start to summary, all on A (it holds shard 0)
            dm_carol = await start_in_dm(fake, carol)
            replies = [await answer(fake, dm_carol, t, carol) for t in (UI, INTENT, METRIC)]
            replies += [await answer(fake, dm_carol, t, carol) for t in (TEST, COMPUTE)]
            assert all(is_move(r) for r in replies[:-1])
            summary = replies[-1]
            assert summary.attachments, summary  # the summary, with the transcript file
            assert {process_of(fake, r) for r in replies} == {"A"}
            assert processes_touching(fake, {dm_carol}) == {"A"}

            # open interviews: one per server (answered once above) and one in DMs
            dm_dave = await start_in_dm(fake, dave)
            await answer(fake, dm_dave, UI, dave)

            # a crash of both, with no goodbye
            await asyncio.gather(*(p.kill() for p in procs.values()))
            assert all(p.proc.returncode == -9 for p in procs.values())

        since = fake.checkpoint()
        requests_before = fake.request_checkpoint()
        async with two_processes(fake, url) as procs:
            counts = {
                name: int((await p.wait_line("RESUMED")).split()[1]) for name, p in procs.items()
            }
            assert fake.identify_rejections == []
            assert fake.identifies == 4

            places = {thread[0]: "A", thread[1]: "B", dm_dave: "A"}
            for place, owner in places.items():
                notices = fake.find_messages(
                    place,
                    predicate=lambda m: RESTARTED in m.content,
                    since=since,
                    author_id=fake.bot_id,
                )
                senders = [process_of(fake, m) for m in notices]
                assert senders == [owner], f"channel {place}: resume notices from {senders}"
            assert counts == {"A": 2, "B": 1}
            for place, owner in places.items():
                assert processes_touching(fake, {place}, since=requests_before) == {owner}

            # and the interviews carry on, each with its owner
            for place, user in ((thread[0], alice), (thread[1], bob), (dm_dave, dave)):
                reply = await answer(fake, place, INTENT, user)
                assert process_of(fake, reply) == places[place]

            usage = {name: await p.stop() for name, p in procs.items()}
            assert all(u["cpu_s"] > 0 and u["peak_mb"] > 0 for u in usage.values())
        assert fake.unrouted == []
        assert fake.schema_rejections == []


async def test_a_child_that_cannot_start_says_so_and_exits(tmp_path: Path) -> None:
    """A child whose settings are invalid (shard 5 of 2) ends without READY: the helper
    raises at once with its exit status, instead of waiting out its timeout."""
    async with FakeDiscord(shards=COUNT) as fake:
        settings = {"database_url": f"sqlite:///{tmp_path / 'bot.db'}", "shard_count": 2}
        with pytest.raises(BotProcessError, match="exit 1"):
            await BotProcess.start(
                fake.api_base,
                fake.gateway_url,
                {**settings, "shard_ids": "5"},
                ready_timeout=40.0,
                stderr=subprocess.DEVNULL,
            )
        assert fake.identifies == 0
