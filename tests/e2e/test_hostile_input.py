"""Issue 11: an uploaded round or a hostile answer cannot hold up everyone else.

Through the fake Discord, with the real discord.py client: a server admin uploads
rounds built from catastrophic regexes (nested quantifiers, overlapping
alternation, `(.*a){20}`). What RE2 cannot take is refused with its file:line;
the rest is accepted and harmless: while Alice's answer to it is scored, Bob's DM
answer in another round is answered within a second. The same holds while a
bundled round spends seconds on a long hostile answer (scoring runs off the event
loop), and the bot's watchdog logs a warning when the loop does stall.

On the code before issue 11, Alice's answer held the interpreter for seconds (the
answers are sized so that it ends, and the test fails instead of hanging).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
import time
from pathlib import Path

import pytest
from fake_discord import FakeDiscord, StoredMessage
from interview_harness import interview_bot, thread_of
from test_interview_flow import is_move
from test_scenario_admin import add_admin, all_replies, upload

from bot.core.scenarios import parse_scenario, read_common
from tests.conftest import SCENARIOS

CATASTROPHIC = ["re:x(a+)+b", "re:(a|a)*b", "re:(a|aa)+$", "re:(.*a){20}"]
# Exponential on Python's `re` (about a second per extra "a" pair), linear on RE2.
HOSTILE = "x" + "a" * 25 + "c " + "a" * 25 + "!"
BOB_ANSWER = (
    "First I would apologise and thank them, then pull the outputs for the affected names "
    "and measure the gap across groups on a set of 2,000 prompts."
)


def hostile_round(extra_concept: str = "") -> str:
    """A valid round whose one criterion is made of catastrophic regexes."""
    concepts = "".join(f"c{i} = [{json.dumps(p)}]\n" for i, p in enumerate(CATASTROPHIC))
    rules = ", ".join(f'{{ when = "c{i}" }}' for i in range(len(CATASTROPHIC)))
    return f"""\
id = "hostile-round"
title = "Backtracking"
round = "values"
description = "A round made of catastrophic regexes."
setup = "A values round."
opening = "Tell me about a decision you made."
time_budget_minutes = 10

[persona]
name = "Mallory"
role = "Interviewer"

[[steps]]
id = "one"
prompt = "What did you decide?"
criteria = ["c1"]

[[steps]]
id = "two"
prompt = "And then?"
criteria = ["c1"]

[[criteria]]
id = "c1"
label = "Anything"
description = "Anything at all."
hint = "Say anything."
strong_answer = "Anything."
probes = ["Say more?"]
rules = [{rules}]

[concepts]
{concepts}{extra_concept}"""


async def dm_round(fake: FakeDiscord, user: dict, round_id: str) -> int:
    """`user` starts `round_id` in DMs; their DM channel, once the opening is there."""
    dm = fake.dm_channel_for(user)
    ix = await fake.slash("interview start", {"round": round_id}, dm=True, user=user)
    await ix.wait_reply(predicate=is_move)
    return dm


async def reply_to_a_message_sent_from_outside(
    fake: FakeDiscord, channel_id: int, user: dict, text: str, delay: float
) -> tuple[StoredMessage, float]:
    """`user` posts `text` in `delay` seconds; the bot's reply and the seconds it took.

    The message is sent from another thread, as Discord's gateway would deliver it
    whatever the bot is doing: if the event loop is held, it waits, and so does the
    reply (a send from this coroutine would itself wait for the loop, hiding the stall).
    """
    loop = asyncio.get_running_loop()
    since = fake.checkpoint()
    sent: concurrent.futures.Future[float] = concurrent.futures.Future()

    def send() -> None:
        sent.set_result(time.perf_counter())
        asyncio.run_coroutine_threadsafe(fake.user_message(channel_id, text, user=user), loop)

    timer = threading.Timer(delay, send)
    timer.start()
    try:
        reply = await fake.wait_for_message(channel_id, since=since, timeout=60)
    finally:
        timer.cancel()
    return reply, time.perf_counter() - sent.result(timeout=60)


def test_the_hostile_round_is_catastrophic_on_re_yet_loads_as_an_upload() -> None:
    """The premise: `re` backtracks on these (checked in tests/core/test_untrusted.py);
    uploaded, the same file compiles to RE2 (`re2:`) and scores the hostile answer."""
    scenario = parse_scenario(hostile_round(), "h.toml", read_common(SCENARIOS), untrusted=True)
    assert [p for n in ("c0", "c1", "c2", "c3") for p in scenario.lexicon.phrases[n]] == [
        "re2:" + p[3:] for p in CATASTROPHIC
    ]


async def test_catastrophic_upload_is_refused_or_harmless_and_bob_is_answered_within_a_second(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    admin = add_admin(fake, "ada")
    bob = fake.add_user("bob")
    async with interview_bot(fake, tmp_path, message_content_intent=True) as h:
        # what RE2 cannot take: refused with file:line, nothing stored
        bad = hostile_round('c4 = ["re:(?<!customer )base", "re:(\\\\w+) \\\\1"]\n')
        refused = await all_replies(fake, await upload(fake, admin, "bad.toml", bad.encode()), 1)
        text = "\n".join(m.content for m in refused)
        assert "`bad.toml` was refused" in text, text
        line = bad.splitlines().index(next(x for x in bad.splitlines() if x.startswith("c4"))) + 1
        assert (
            f"bad.toml:{line}: [concepts.c4[0]] raw regex in concept 'c4' cannot run on RE2" in text
        )
        assert f"bad.toml:{line}: [concepts.c4[1]]" in text
        assert "invalid escape sequence: \\1" in text
        assert await h.store.custom_scenarios(str(fake.guild_id)) == []

        # the catastrophic patterns themselves: RE2 takes them, so they are accepted
        ok = await all_replies(
            fake, await upload(fake, admin, "h.toml", hostile_round().encode()), 1
        )
        assert "(`hostile-round`, values)" in ok[-1].content, ok[-1].content

        ix = await fake.slash("interview start", {"round": "hostile-round"})
        thread_id = thread_of(await ix.wait_reply())
        await ix.wait_message(channel_id=thread_id, predicate=is_move)
        bob_dm = await dm_round(fake, bob, "bias-complaint")

        # Alice's hostile answer, then Bob's ordinary one a moment later
        alice_since = fake.checkpoint()
        alice_start = time.perf_counter()
        await fake.user_message(thread_id, HOSTILE)
        reply, bob_seconds = await reply_to_a_message_sent_from_outside(
            fake, bob_dm, bob, BOB_ANSWER, delay=0.05
        )
        assert is_move(reply)
        assert bob_seconds < 1.0, f"Bob waited {bob_seconds:.2f} s"
        alice_reply = await fake.wait_for_message(thread_id, since=alice_since, timeout=60)
        assert is_move(alice_reply)
        assert time.perf_counter() - alice_start < 5.0
        session_id = int(alice_reply.custom_ids()[0].split(":")[-1])
        turns = await h.store.transcript(session_id)
        assert [t.text for t in turns if t.role == "candidate"] == [HOSTILE]


# Long runs of digits and commas: every digit starts a word, and impact-resume's raw
# regexes for amounts scan the rest of the run from each (each call short, many calls).
DIGITS = "1," * 2000


async def test_a_slow_scoring_runs_off_the_loop_and_bob_is_answered_within_a_second(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_discord
    bob = fake.add_user("bob")
    async with interview_bot(fake, tmp_path):
        alice_dm = await dm_round(fake, fake.alice, "impact-resume")
        bob_dm = await dm_round(fake, bob, "bias-complaint")
        since = fake.checkpoint()
        await fake.user_message(alice_dm, DIGITS)  # one: the next turn scores both
        await fake.wait_for_message(alice_dm, since=since, timeout=60)
        caplog.set_level(logging.WARNING, logger="bot.watchdog")
        alice_since = fake.checkpoint()
        alice_start = time.perf_counter()
        await fake.user_message(alice_dm, DIGITS.replace("1", "2"))
        _, bob_seconds = await reply_to_a_message_sent_from_outside(
            fake,
            bob_dm,
            bob,
            BOB_ANSWER,
            delay=0.2,  # while Alice's answer is scored
        )
        bob_answered = time.perf_counter() - alice_start
        await fake.wait_for_message(alice_dm, since=alice_since, timeout=60)
        alice_seconds = time.perf_counter() - alice_start
    # the premise: Alice's answer takes long, and Bob was answered while it was still
    # being scored (else this test shows nothing); a fast machine scores it in ~1 s
    assert alice_seconds > 0.5, f"Alice's answer took only {alice_seconds:.2f} s: pick a slower one"
    assert bob_answered < alice_seconds, (bob_answered, alice_seconds)
    assert bob_seconds < 1.0, f"Bob waited {bob_seconds:.2f} s while Alice's answer was scored"
    # before, the loop stood still for the whole scoring (seconds); a busy machine may
    # still show a short stall now and then, so only a long one counts here
    stalls = [r.getMessage() for r in caplog.records if r.name == "bot.watchdog"]
    long = [m for m in stalls if int(m.split("stalled for ")[1].split(" ms")[0]) >= 1000]
    assert not long, long


async def test_the_watchdog_started_with_the_bot_warns_of_a_stalled_loop(
    fake_discord: FakeDiscord, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Something that holds the loop 300 ms (here the test itself) is logged by the bot."""
    caplog.set_level(logging.WARNING, logger="bot.watchdog")
    async with interview_bot(fake_discord, tmp_path) as h:
        assert any(t.get_name() == "loop-watchdog" for t in h.bot._tasks)  # type: ignore[attr-defined]
        # past the watchdog's quiet second, so a stall during start-up on a busy
        # machine (reported) cannot hold back the report of this one
        await asyncio.sleep(1.2)
        time.sleep(0.3)  # blocks the event loop the bot runs on
        await asyncio.sleep(0.05)
    stalls = [r for r in caplog.records if r.name == "bot.watchdog"]
    assert all(r.levelno == logging.WARNING for r in stalls)
    lengths = [int(r.getMessage().split("stalled for ")[1].split(" ms")[0]) for r in stalls]
    assert any(250 <= ms <= 1000 for ms in lengths), [r.getMessage() for r in stalls]
