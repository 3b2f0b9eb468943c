"""The five-round loop through the fake Discord, with an injected clock (days pass at once):
a reminder missed while the bot was down is sent once after the restart, never twice;
closed DMs are recorded; the loop ends with a report."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from fake_discord import FakeDiscord
from interview_harness import Harness, assert_no_pings, interview_bot
from test_interview_flow import is_move

DAY = 86_400.0
ROUNDS = [
    "impact-resume",
    "auto-summarize",
    "tone-transformer",
    "bias-complaint",
    "comp-negotiation",
]


async def caught_up(h: Harness) -> None:
    await asyncio.wait_for(h.bot.get_cog("Loop").caught_up.wait(), 5)


async def test_loop_reminder_after_a_restart_exactly_once_and_the_report(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    bob = fake.add_user("bob", guild_id=fake.guild_id)
    alice = fake.alice["id"]
    t0 = time.time()
    now = [t0]

    def clock() -> float:
        return now[0]

    async with interview_bot(fake, tmp_path, clock=clock) as h:
        await caught_up(h)
        started = await (await fake.slash("loop start")).wait_reply()
        assert started.ephemeral
        assert "Round 1 is due now: `/interview start round:impact-resume`" in started.content
        plan = started.text()
        assert plan.index("1. ") < plan.index("5. Negotiate")
        assert f"due <t:{int(t0 + 28 * DAY)}:D>" in plan
        await (await fake.slash("loop start", user=bob)).wait_reply()
        again = await (await fake.slash("loop start")).wait_reply()
        assert "already have a loop" in again.content
        loop = await h.store.latest_loop(alice)
        assert loop is not None
        assert [r.scenario_id for r in loop.rounds] == ROUNDS
        assert [round((r.due_at - t0) / DAY) for r in loop.rounds] == [0, 7, 14, 21, 28]
        assert (await h.store.get_user(alice)).dm_reminders  # type: ignore[union-attr]

    # the bot is down while round 2 falls due; bob has closed his DMs meanwhile
    fake.close_dms(int(bob["id"]))
    now[0] = t0 + 8 * DAY
    dm = fake.dm_channel_for(fake.alice)
    since = fake.checkpoint()

    def reminders() -> list:
        return fake.find_messages(dm, predicate=lambda m: "Round 2 of 5" in m.content, since=since)

    async with interview_bot(fake, tmp_path, clock=clock) as h:
        await caught_up(h)
        assert len(reminders()) == 1
        text = reminders()[0].content
        assert "/interview start round:auto-summarize" in text and "This reminder is late" in text
        assert await h.bot.get_cog("Loop").tick() == 0  # the periodic check: nothing again
        loop = await h.store.latest_loop(bob["id"])
        assert loop is not None and loop.rounds[1].remind_error == "dms_closed"
        status = await (await fake.slash("loop status", user=bob)).wait_reply()
        assert "I couldn't DM you the reminder" in status.text()

    async with interview_bot(fake, tmp_path, clock=clock) as h:  # another restart
        await caught_up(h)
        assert len(reminders()) == 1

        # alice does all five rounds (briefly); the next check sends the report, once
        for scenario in ROUNDS:
            ix = await fake.slash("interview start", {"round": scenario}, dm=True)
            await ix.wait_reply(predicate=is_move)
            end = await fake.slash("interview end", dm=True)
            await end.wait_reply(predicate=lambda m: bool(m.attachments))
        mark = fake.checkpoint()
        assert await h.bot.get_cog("Loop").tick() >= 1
        report = await fake.wait_for_message(
            dm, predicate=lambda m: "finished every round" in m.content, since=mark
        )
        assert "Loop report" in report.text() and "Missed across the loop" in report.text()
        assert await h.bot.get_cog("Loop").tick() == 0
        status = await (await fake.slash("loop status")).wait_reply()
        assert "complete" in status.text() and "5 of 5 rounds done" in status.text()
        assert len(reminders()) == 1
        assert_no_pings(fake)


async def test_a_reminder_is_claimed_with_a_lease_sent_after_a_claimer_died_and_retried(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """Another process claimed round 2 and died before the DM: this bot sends it once the
    lease has run out, once. A passing DM failure releases round 3 for the next check."""
    fake = fake_discord
    alice = fake.alice["id"]
    t0 = time.time()
    now = [t0]
    lease = 600.0

    def clock() -> float:
        return now[0]

    dm = fake.dm_channel_for(fake.alice)

    def reminders(n: int) -> list:
        return fake.find_messages(dm, predicate=lambda m: f"Round {n} of 5" in m.content)

    async with interview_bot(fake, tmp_path, clock=clock, loop_claim_lease_s=lease) as h:
        await caught_up(h)
        await (await fake.slash("loop start")).wait_reply()
        cog = h.bot.get_cog("Loop")
        now[0] = t0 + 8 * DAY
        (taken,) = await h.store.claim_due_reminders(now[0], lease_s=lease)  # then it died
        assert taken.seq == 2
        assert await cog.tick() == 0  # still the dead claimer's
        now[0] += lease - 1
        assert await cog.tick() == 0 and reminders(2) == []
        now[0] += 1
        assert await cog.tick() == 1
        assert await cog.tick() == 0
        assert len(reminders(2)) == 1
        loop = await h.store.latest_loop(alice)
        assert loop is not None and loop.rounds[1].reminded_at == now[0]

        # round 3: the DM fails for a passing reason (missing access): retried next check
        now[0] = t0 + 15 * DAY
        fake.fail_next("POST", "/channels/*/messages", error=50013)
        assert await cog.tick() == 0 and reminders(3) == []
        loop = await h.store.latest_loop(alice)
        assert loop is not None and loop.rounds[2].claimed_until is None
        assert loop.rounds[2].reminded_at is None and loop.rounds[2].remind_error is None
        assert await cog.tick() == 1
        assert await cog.tick() == 0
        assert len(reminders(3)) == 1 and len(reminders(2)) == 1


async def test_a_reminder_whose_lease_ran_out_before_its_turn_is_left_to_the_next_claim(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    """A check whose earlier DMs took longer than the lease does not send the rest: another
    process may have claimed them meanwhile. The next claim sends it, once."""
    fake = fake_discord
    t0 = time.time()
    now = [t0]
    lease = 60.0

    def clock() -> float:
        return now[0]

    dm = fake.dm_channel_for(fake.alice)

    def reminders() -> list:
        return fake.find_messages(dm, predicate=lambda m: "Round 2 of 5" in m.content)

    async with interview_bot(fake, tmp_path, clock=clock, loop_claim_lease_s=lease) as h:
        await caught_up(h)
        await (await fake.slash("loop start")).wait_reply()
        cog = h.bot.get_cog("Loop")
        now[0] = t0 + 8 * DAY
        (rnd,) = await h.store.claim_due_reminders(now[0], lease_s=lease)
        now[0] += lease  # the check spent its whole lease on the DMs before this one
        assert await cog._remind(rnd, now[0]) is False
        assert reminders() == []
        assert await cog.tick() == 1 and len(reminders()) == 1
        assert await cog.tick() == 0
