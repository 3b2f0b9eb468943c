"""Issue 11: no answer dropped without a word, every failure told once, one answer per intention.

Each test drives the real bot through the fake Discord: invalidated gateway sessions
with DMs sent in the window, replies that fail past discord.py's retries, attachment-
only DMs, double sends, floods, and restarts (who gets "I was restarted", and how fast).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import discord
import discord.http
import discord.webhook.async_
import pytest
from fake_discord import FakeDiscord, StoredMessage
from interview_harness import (
    assert_no_pings,
    catalogue,
    interview_bot,
    interview_cog,
    settings_for,
)
from test_interview_flow import INTENT, METRIC, PUSHBACK, TEST, UI, is_move

from bot.sessions import Interviews
from bot.store import open_store

RESTARTED = "I was restarted"


class _QuickAsyncio:
    """asyncio for discord.py's HTTP clients (REST, interaction webhooks), sleeps cut to 1/50.

    discord.py retries a 500 five times, sleeping 1, 3, 5, 7 and 9 s in between; the
    retry logic is the real one, only the clock it waits on runs fast.
    """

    _sleep = staticmethod(asyncio.sleep)

    def __getattr__(self, name: str) -> Any:
        return getattr(asyncio, name)

    async def sleep(self, delay: float, result: Any = None) -> Any:
        return await self._sleep(delay / 50, result)


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(discord.http, "asyncio", _QuickAsyncio())
    monkeypatch.setattr(discord.webhook.async_, "asyncio", _QuickAsyncio())
    yield


def _moves(fake: FakeDiscord, channel_id: int, since: int) -> list[StoredMessage]:
    return fake.find_messages(channel_id, predicate=is_move, since=since, author_id=fake.bot_id)


def _with(text: str) -> Any:
    return lambda m: text in m.text()


async def _answers(h: Any, session_id: int) -> list[str]:
    return [t.text for t in await h.store.transcript(session_id) if t.role == "candidate"]


async def _start_dm(fake: FakeDiscord, user: dict | None = None) -> tuple[int, int, StoredMessage]:
    user = user or fake.alice
    dm = fake.dm_channel_for(user)
    ix = await fake.slash("interview start", {"round": "auto-summarize"}, dm=True, user=user)
    opening = await ix.wait_reply(predicate=is_move)
    sid = int(opening.custom_ids()[0].split(":")[-1])
    return dm, sid, opening


async def _answer_dm(fake: FakeDiscord, dm: int, text: str, user: dict | None = None) -> None:
    since = fake.checkpoint()
    await fake.user_message(dm, text, user=user)
    await fake.wait_for_message(dm, predicate=is_move, since=since)


# ---------------------------------------------------------------------- re-identify


@pytest.mark.parametrize("how", ["op9", "close4009"])
async def test_dms_sent_while_the_session_was_invalidated_are_taken_in_order(
    fake_discord: FakeDiscord, tmp_path: Path, how: str
) -> None:
    fake = fake_discord
    # discord.py waits for guilds a while after READY before on_ready; live DMs arrive then
    async with interview_bot(fake, tmp_path, guild_ready_timeout=1.0) as h:
        dm, sid, _ = await _start_dm(fake)
        await _answer_dm(fake, dm, UI)

        gate = asyncio.Event()  # discord.py waits ~5 s before re-identifying; we hold it

        async def held_identify(shard_id: int | None, *, initial: bool = False) -> None:
            await gate.wait()

        h.bot.before_identify_hook = held_identify  # type: ignore[method-assign]
        if how == "op9":
            await fake.invalidate_session()
        else:
            await fake.drop_gateway(4009, new_session=True)
        since = fake.checkpoint()
        first = await fake.user_message(dm, INTENT)  # nobody is connected: never dispatched
        await asyncio.sleep(0.02)
        second = await fake.user_message(dm, METRIC)
        await asyncio.sleep(0.2)
        assert _moves(fake, dm, since) == []
        gate.set()
        await fake.wait_for_identify(2)
        live = "With 0.5% of compute I cap latency at 300 ms."
        third = await fake.user_message(dm, live)  # sent just after the new READY
        await fake.wait_for_message(dm, predicate=is_move, since=since, count=3, timeout=10)
        assert await _answers(h, sid) == [UI, INTENT, METRIC, live]  # in the order sent
        turns = [t for t in await h.store.transcript(sid) if t.role == "candidate"]
        assert [t.message_id for t in turns[1:]] == [str(m.id) for m in (first, second, third)]
        replies = _moves(fake, dm, since)
        assert len(replies) == 3 and "Step 3 of" in replies[0].text()

        # a message later on arrives live, and is taken once
        later = fake.checkpoint()
        await fake.user_message(dm, TEST)
        await fake.wait_for_message(dm, predicate=lambda m: bool(m.attachments), since=later)
        await asyncio.sleep(0.2)
        assert len(await _answers(h, sid)) == 5
        assert_no_pings(fake)


async def test_when_history_cannot_be_read_the_user_is_asked_to_resend(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        dm, sid, _ = await _start_dm(fake)
        fake.fail_next("GET", "/channels/*/messages", error=50001, count=None)
        await fake.invalidate_session()
        since = fake.checkpoint()
        await fake.user_message(dm, INTENT)
        await fake.wait_for_identify(2)
        notice = await fake.wait_for_message(dm, predicate=_with("send it again"), since=since)
        assert "couldn't check" in notice.content
        assert await _answers(h, sid) == []


# ---------------------------------------------------------------------- undelivered replies


async def test_a_reply_failing_five_500s_is_retried_and_arrives_once(
    fake_discord: FakeDiscord, tmp_path: Path, quick_retries: None
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        interview_cog(h.bot).delivery.redelivery_delays = (0.3,)
        dm, sid, _ = await _start_dm(fake)
        path = f"/channels/{dm}/messages"
        mark = fake.request_checkpoint()
        fake.fail_next(
            "POST", path, status=500, error=0, message="500: Internal Server Error", count=5
        )
        since = fake.checkpoint()
        await fake.user_message(dm, UI)
        reply = await fake.wait_for_message(dm, predicate=is_move, since=since, timeout=10)
        assert PUSHBACK in reply.text()
        statuses = [r.status for r in fake.find_requests("POST", path, since=mark)]
        assert statuses == [500] * 5 + [200]
        await asyncio.sleep(0.5)
        assert len(_moves(fake, dm, since)) == 1
        assert await _answers(h, sid) == [UI]


async def test_an_undelivered_reply_comes_before_the_next_answer(
    fake_discord: FakeDiscord, tmp_path: Path, quick_retries: None
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        # no retry: the next message must carry it
        interview_cog(h.bot).delivery.redelivery_delays = ()
        dm, sid, _ = await _start_dm(fake)
        fault = fake.fail_next("POST", f"/channels/{dm}/messages", status=500, count=5)
        since = fake.checkpoint()
        await fake.user_message(dm, UI)
        await fake.wait_until(lambda: fault.hits == 5, 10, "five 500s")
        await asyncio.sleep(0.3)
        assert _moves(fake, dm, since) == []  # the user heard nothing

        # their next message is not taken as the answer to a question they never saw
        await fake.user_message(dm, INTENT)
        notice = await fake.wait_for_message(dm, predicate=_with("didn't reach you"), since=since)
        question = await fake.wait_for_message(dm, predicate=is_move, since=since)
        assert question.seq > notice.seq and PUSHBACK in question.text()
        await asyncio.sleep(0.2)
        assert await _answers(h, sid) == [UI]

        # now they have seen it: the same words, sent again, are their answer
        after = fake.checkpoint()
        await fake.user_message(dm, INTENT)
        await fake.wait_for_message(dm, predicate=is_move, since=after)
        assert await _answers(h, sid) == [UI, INTENT]


async def test_form_try_again_never_records_the_answer_twice(
    fake_discord: FakeDiscord, tmp_path: Path, quick_retries: None
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        interview_cog(h.bot).delivery.redelivery_delays = ()
        _dm, sid, opening = await _start_dm(fake)
        fake.fail_next("POST", "/webhooks/*/*", status=500, count=5)
        click = await fake.click(opening, f"iv:answer:{sid}")
        await click.wait_modal()
        sub = await fake.submit_modal(click, {"answer_text": UI})
        told = await sub.wait_reply(predicate=_with("saved"), timeout=10)
        assert "don't send it again" in told.content
        assert await _answers(h, sid) == [UI]

        # the user submits the same answer again anyway, long after a double-click
        await asyncio.sleep(2.2)
        again = await fake.click(opening, f"iv:answer:{sid}")
        await again.wait_modal()
        resub = await fake.submit_modal(again, {"answer_text": UI})
        question = await resub.wait_reply(predicate=is_move)
        assert PUSHBACK in question.text()
        assert await _answers(h, sid) == [UI]  # recorded once


async def test_an_attachment_only_dm_gets_a_reply_naming_it(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        dm, sid, _ = await _start_dm(fake)
        since = fake.checkpoint()
        await fake.user_message(dm, "", attachments=[("funnel_diagram.png", b"\x89PNG...")])
        reply = await fake.wait_for_message(dm, predicate=_with("funnel"), since=since)
        assert "`funnel_diagram.png`" in reply.content and "as text" in reply.content
        assert await _answers(h, sid) == []
        await _answer_dm(fake, dm, UI)  # the interview carries on
        assert await _answers(h, sid) == [UI]


# ---------------------------------------------------------------------- one intention


async def test_a_double_dm_20ms_apart_is_taken_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        dm, sid, _ = await _start_dm(fake)
        since = fake.checkpoint()
        mark = fake.request_checkpoint()
        await fake.user_message(dm, UI)
        await asyncio.sleep(0.02)
        twin = await fake.user_message(dm, UI + " ")  # a double Enter
        await fake.wait_for_message(dm, predicate=is_move, since=since)
        ack = await fake.wait_for_request(
            "PUT", f"/channels/{dm}/messages/{twin.id}/reactions/*", since=mark
        )
        assert ack.status == 204  # acknowledged quietly: a reaction, no message
        await asyncio.sleep(0.3)
        assert len(fake.find_messages(dm, since=since, author_id=fake.bot_id)) == 1
        assert await _answers(h, sid) == [UI]


async def test_the_same_form_submitted_twice_is_taken_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        _dm, sid, opening = await _start_dm(fake)
        click = await fake.click(opening, f"iv:answer:{sid}")
        await click.wait_modal()
        first = await fake.submit_modal(click, {"answer_text": UI})
        await asyncio.sleep(0.02)
        second = await fake.submit_modal(click, {"answer_text": UI})
        await first.wait_reply(predicate=is_move)
        dup = await second.wait_reply()
        assert dup.ephemeral and "took it once" in dup.content
        await asyncio.sleep(0.3)
        assert await _answers(h, sid) == [UI]


# ---------------------------------------------------------------------- floods


async def test_a_flood_gets_one_slow_down_and_others_are_answered_at_normal_speed(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    bob = fake.add_user("bob", guild_id=fake.guild_id)
    async with interview_bot(fake, tmp_path) as h:
        dm, sid, _ = await _start_dm(fake)
        bob_dm, bob_sid, _ = await _start_dm(fake, bob)
        since = fake.checkpoint()
        bob_latency = 0.0
        for n in range(40):
            await fake.user_message(dm, f"Flood message number {n} about the summary feature.")
            if n == 20:  # bob answers in the same moment
                started = time.monotonic()
                await fake.user_message(bob_dm, UI, user=bob)
                bob_reply = asyncio.create_task(
                    fake.wait_for_message(bob_dm, predicate=is_move, since=since)
                )
        await bob_reply
        bob_latency = time.monotonic() - started
        slow = await fake.wait_for_message(dm, predicate=_with("Slow down"), since=since)
        assert "seconds" in slow.content
        await asyncio.sleep(0.5)
        assert len(fake.find_messages(dm, predicate=_with("Slow down"), since=since)) == 1
        assert len(await _answers(h, sid)) <= h.bot.settings.flood_messages  # the rest dropped
        assert await _answers(h, bob_sid) == [UI]
        assert bob_latency < 1.0, bob_latency


# ---------------------------------------------------------------------- restarts


async def test_a_session_started_before_ready_gets_no_restart_notice(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    bob = fake.add_user("bob", guild_id=fake.guild_id)
    async with interview_bot(fake, tmp_path):
        alice_dm, _, _ = await _start_dm(fake)  # open when the bot stops

    since = fake.checkpoint()
    bob_dm = fake.dm_channel_for(bob)

    async def start_before_ready() -> None:
        await fake.wait_for_identify(2)
        ix = await fake.slash("interview start", {"round": "bias-complaint"}, dm=True, user=bob)
        await ix.wait_reply(predicate=is_move)

    early = asyncio.create_task(start_before_ready())
    async with interview_bot(fake, tmp_path, guild_ready_timeout=1.5) as h:
        await early  # bob's interview started while discord.py was still waiting for READY
        await asyncio.wait_for(h.bot.resumed_sessions.wait(), 5)
        await fake.wait_for_message(alice_dm, predicate=_with(RESTARTED), since=since)
        assert fake.find_messages(bob_dm, predicate=_with(RESTARTED), since=since) == []
        opened = fake.find_messages(bob_dm, predicate=is_move, since=since)
        assert len(opened) == 1


async def test_restart_notices_are_paced_and_live_answers_go_first(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    rate, count = 20.0, 40
    users = [fake.add_user(f"user{n}", guild_id=fake.guild_id) for n in range(count)]
    store = await open_store(settings_for(tmp_path).database_url)
    interviews = Interviews(store, catalogue())
    for user in users:
        await interviews.start(
            str(user["id"]),
            user["username"],
            f"dm:{user['id']}",
            "auto-summarize",
            channel_id=str(fake.dm_channel_for(user)),
        )
    await store.close()

    mark = fake.request_checkpoint()
    async with interview_bot(fake, tmp_path, resume_notices_per_second=rate) as h:
        # one of them answers while the notices are going out: answered at once
        live = users[-1]
        live_dm = fake.dm_channel_for(live)
        since = fake.checkpoint()
        started = time.monotonic()
        await fake.user_message(live_dm, UI, user=live)
        await fake.wait_for_message(live_dm, predicate=is_move, since=since)
        assert time.monotonic() - started < 1.0
        await asyncio.wait_for(h.bot.resumed_sessions.wait(), 10)

    notices = [
        r
        for r in fake.find_requests("POST", "/channels/*/messages", since=mark)
        if RESTARTED in ((r.json or {}).get("content") or "")
    ]
    assert len(notices) == count - 1  # not the one who came back by themselves
    times = sorted(r.at for r in notices)
    assert times[-1] - times[0] >= (len(times) - 1) / rate * 0.9
    for i, t in enumerate(times):  # never more than `rate` in any one second
        assert sum(1 for u in times[i:] if u - t < 1.0) <= rate + 1
