"""Restarts, gateway drops, rate limits, the idle sweep, the launcher and command sync."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from pathlib import Path

import discord
import pytest
from fake_discord import FakeDiscord
from interview_harness import assert_no_pings, interview_bot, settings_for, thread_of
from test_interview_flow import INTENT, METRIC, PUSHBACK, UI, answer_by_form, is_move

from bot.launcher import backoff_delay, serve, sync_commands_async


def _moves_since(fake: FakeDiscord, channel_id: int, since: int) -> list:
    return fake.find_messages(channel_id, predicate=is_move, since=since, author_id=fake.bot_id)


async def test_restart_mid_interview_resumes_and_old_buttons_work(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path, message_content_intent=True):
        ix = await fake.slash("interview start", {"round": "auto-summarize"})
        thread_id = thread_of(await ix.wait_reply())
        opening = await ix.wait_message(channel_id=thread_id, predicate=is_move)
        sid = int(opening.custom_ids()[0].split(":")[-1])
        push = await answer_by_form(fake, opening, UI)
        assert PUSHBACK in push.text()
        dm = fake.dm_channel_for(fake.alice)
        dm_ix = await fake.slash("interview start", {"round": "bias-complaint"}, dm=True)
        await dm_ix.wait_reply(predicate=is_move)

    since = fake.checkpoint()
    async with interview_bot(fake, tmp_path, message_content_intent=True) as h:
        assert fake.identifies == 2
        resumed = await fake.wait_for_message(
            thread_id, predicate=lambda m: "I was restarted" in m.content, since=since
        )
        assert "1 answer saved" in resumed.content
        assert PUSHBACK in resumed.text()  # the open question, asked again
        assert resumed.custom_ids() == [f"iv:answer:{sid}", f"iv:hint:{sid}", f"iv:end:{sid}"]
        await fake.wait_for_message(
            dm, predicate=lambda m: "I was restarted" in m.content, since=since
        )
        # the opening's buttons, sent by the first process, still work
        reply = await answer_by_form(fake, opening, INTENT)
        assert any(e.get("color") == 0x2ECC71 for e in reply.embeds)  # on to the next step
        # and plain messages in the thread still count
        mark = fake.checkpoint()
        await fake.user_message(thread_id, METRIC)
        await fake.wait_for_message(thread_id, predicate=is_move, since=mark)
        turns = await h.store.transcript(sid)
        assert [t.text for t in turns if t.role == "candidate"] == [UI, INTENT, METRIC]
        assert_no_pings(fake)


async def test_answer_form_opened_before_a_restart_still_counts(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path):
        dm = fake.dm_channel_for(fake.alice)
        ix = await fake.slash("interview start", {"round": "auto-summarize"}, dm=True)
        opening = await ix.wait_reply(predicate=is_move)
        sid = opening.custom_ids()[0].split(":")[-1]
        click = await fake.click(opening, f"iv:answer:{sid}")
        await click.wait_modal()
    async with interview_bot(fake, tmp_path) as h:
        await asyncio.wait_for(h.bot.resumed_sessions.wait(), 5)
        sub = await fake.submit_modal(click, {"answer_text": UI})
        reply = await sub.wait_reply(predicate=is_move)
        assert reply.channel_id == dm and PUSHBACK in reply.text()


async def test_gateway_drop_resume_and_429_reply_exactly_once(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        dm = fake.dm_channel_for(fake.alice)
        ix = await fake.slash("interview start", {"round": "auto-summarize"}, dm=True)
        await ix.wait_reply(predicate=is_move)

        await fake.drop_gateway()
        since = fake.checkpoint()
        await fake.user_message(dm, UI)  # dispatched while disconnected: replayed on RESUME
        await fake.wait_for_resume()
        await fake.wait_for_message(dm, predicate=is_move, since=since)
        assert fake.identifies == 1

        path = f"/channels/{dm}/messages"
        mark = fake.request_checkpoint()
        fault = fake.fail_next("POST", path, retry_after=0.05)
        since = fake.checkpoint()
        await fake.user_message(dm, INTENT)
        await fake.wait_for_message(dm, predicate=is_move, since=since)
        await asyncio.sleep(0.2)  # a duplicate would have landed by now
        assert fault.hits == 1
        assert [r.status for r in fake.find_requests("POST", path, since=mark)] == [429, 200]
        assert len(_moves_since(fake, dm, since)) == 1

        # a 429 on the interaction callback of a button press: one reply, too
        last = _moves_since(fake, dm, since)[-1]
        sid = last.custom_ids()[0].split(":")[-1]
        fake.fail_next("POST", "/interactions/*/callback", retry_after=0.05)
        hint = await fake.click(last, f"iv:hint:{sid}")
        await hint.wait_reply(predicate=lambda m: bool(m.embeds))
        await asyncio.sleep(0.2)
        assert len(hint.callbacks) == 1 and len(hint.followups) == 1
        sessions = await h.store.user_history(fake.alice["id"])
        assert sessions[0].turn_count == 6  # opening, 2 answers, 2 replies, 1 hint


async def test_idle_sweep_posts_the_summary(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        dm = fake.dm_channel_for(fake.alice)
        ix = await fake.slash("interview start", {"round": "auto-summarize"}, dm=True)
        await ix.wait_reply(predicate=is_move)
        since = fake.checkpoint()
        await fake.user_message(dm, INTENT)
        await fake.wait_for_message(dm, predicate=is_move, since=since)
        h.bot.interviews.clock = lambda: time.time() + 24 * 3600
        assert await h.bot.sweep_once() == 1
        summary = await fake.wait_for_message(dm, predicate=lambda m: bool(m.attachments))
        assert "ran past its time" in summary.content
        assert INTENT in summary.file_bytes(0).decode()
        assert await h.store.open_sessions() == []


def _pending() -> list[asyncio.Task]:
    me = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not me and not t.done()]


async def test_launcher_runs_sharded_and_stops_cleanly_on_sigterm(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    settings = settings_for(tmp_path, discord_token="fake-token", auto_shard=True)
    before = set(_pending())
    task = asyncio.create_task(serve(settings))
    await fake.wait_for_identify(1, timeout=10)
    await fake.wait_until(lambda: fake.connected, 5, "connected")
    assert fake.find_requests("GET", "/gateway/bot")  # AutoShardedBot asks how to shard
    identify = next(p for p in fake.gateway_received if p["op"] == 2)
    assert identify["d"]["shard"] == [0, 1]
    assert identify["d"]["intents"] & (1 << 15) == 0  # message content off by default
    await asyncio.sleep(0.1)
    os.kill(os.getpid(), signal.SIGTERM)
    assert await asyncio.wait_for(task, 10) == 0
    await asyncio.sleep(0.05)
    assert set(_pending()) - before == set()
    await fake.wait_until(lambda: not fake.connected, 5, "gateway closed")


async def test_launcher_backs_off_then_gives_up_and_rejects_bad_tokens(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog
) -> None:
    fake = fake_discord
    settings = settings_for(
        tmp_path,
        discord_token="fake-token",
        startup_backoff_initial_s=0.02,
        startup_max_attempts=3,
    )
    fake.fail_next("GET", "/users/@me", status=401, error=0, message="401: Unauthorized")
    assert await serve(settings) == 2  # a rejected token is not retried
    assert len(fake.find_requests("GET", "/users/@me")) == 1

    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    with caplog.at_level(logging.WARNING, logger="bot.launcher"):
        assert await serve(settings) == 1
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 2, retries
    # the waits it announced follow the configured back-off (0.02 s, then about double),
    # not the default seconds: read from the log, not timed (a busy machine is slow)
    waits = [float(m.split("retrying in ")[1].split(" s")[0]) for m in retries]
    assert all(w < 1.0 for w in waits), waits
    assert 2.5 <= backoff_delay(1, settings_for(tmp_path)) <= 5.0
    assert backoff_delay(20, settings_for(tmp_path)) <= 300.0


async def test_sync_commands_to_a_guild_and_globally(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    settings = settings_for(tmp_path, discord_token="fake-token")
    assert await sync_commands_async(settings, fake.guild_id) == 0
    synced = {c["name"]: c for c in fake.commands[fake.guild_id]}
    assert {"interview", "scenario"} <= set(synced)
    group = synced["interview"]
    subs = {o["name"] for o in group["options"]}
    assert subs == {"start", "answer", "end", "status", "rounds", "history", "forget-me"} | {
        "settings",
        "leaderboard",
        "leaderboard-opt-in",
        "progress",
    }
    start = next(o for o in group["options"] if o["name"] == "start")
    round_opt = next(o for o in start["options"] if o["name"] == "round")
    assert round_opt["autocomplete"] is True and round_opt["required"] is True
    assert None not in fake.commands
    assert await sync_commands_async(settings, None) == 0
    assert {"interview", "scenario"} <= {c["name"] for c in fake.commands[None]}
    scenario = synced["scenario"]
    assert {o["name"] for o in scenario["options"]} == {
        "upload",
        "list",
        "show",
        "remove",
        "reload",
    }
    assert int(scenario["default_member_permissions"]) == 1 << 5  # Manage Server
    assert fake.identifies == 0  # sync never opens the gateway
