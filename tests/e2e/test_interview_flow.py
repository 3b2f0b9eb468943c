"""Whole interviews on Discord: the real bot and discord.py client against the fake Discord."""

from __future__ import annotations

from pathlib import Path

import discord_payloads as P
from fake_discord import FakeDiscord, StoredMessage
from interview_harness import assert_no_pings, interview_bot, interview_cog, thread_of

UI = (
    "I would make the summarize button bigger and move it to the toolbar, with a new colour "
    "and a collapsible side panel layout."
)
INTENT = (
    "People summarise long threads to find out what is asked of them. If the summary leads "
    "with an 'asks for you' line, I predict acceptance rises 20%, because they get their "
    "answer without opening the thread, so they keep the summary."
)
METRIC = "The primary metric is summary acceptance rate, from 30% to 36% in a month."
TEST = (
    "I would run an A/B test on 10,000 users for two weeks and ship if the 95% confidence "
    "interval excludes zero."
)
COMPUTE = (
    "With only 0.5% of compute I would cap latency at 300 ms, which limits the model size "
    "and rules out long summaries."
)
PUSHBACK = "Not a UI redesign, but a hypothesis about user intent."


def embed_text(msg: StoredMessage) -> str:
    return msg.text()


def is_move(msg: StoredMessage) -> bool:
    return any(cid.startswith("iv:answer:") for cid in msg.custom_ids())


async def answer_by_form(
    fake: FakeDiscord, msg: StoredMessage, text: str, user: dict | None = None
) -> StoredMessage:
    """Press Answer on an interviewer message, fill the form, return the bot's reply."""
    sid = next(c for c in msg.custom_ids() if c.startswith("iv:answer:")).split(":")[-1]
    click = await fake.click(msg, f"iv:answer:{sid}", user=user)
    modal = await click.wait_modal()
    assert modal["custom_id"] == f"iv:modal:{sid}"
    field = modal["components"][0]["components"][0]
    assert field["max_length"] == 4000 and field["style"] == 2
    sub = await fake.submit_modal(click, {"answer_text": text})
    return await sub.wait_reply(predicate=lambda m: is_move(m) or bool(m.attachments))


async def test_guild_start_thread_modal_and_messages_to_summary(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path, message_content_intent=True) as h:
        ac = await fake.autocomplete("interview start", {"round": "summ"}, focused="round")
        choices = await ac.wait_choices()
        assert [c["value"] for c in choices] == ["auto-summarize"]
        assert choices[0]["name"].startswith("Improve auto-summarize: ")

        ix = await fake.slash("interview start", {"round": "auto-summarize"})
        note = await ix.wait_reply()
        assert note.ephemeral  # solo: the pointer is only for the candidate
        thread_id = thread_of(note)
        thread = fake.channels[thread_id]
        assert thread["type"] == P.PRIVATE_THREAD
        assert int(thread["parent_id"]) == fake.channel_id
        assert int(fake.alice["id"]) in fake.thread_members[thread_id]

        opening = await ix.wait_message(channel_id=thread_id, predicate=is_move)
        assert opening.embeds[0]["author"]["name"].startswith("Dana Okafor")
        assert "auto-summarize feature" in opening.embeds[0]["description"]
        sid = int(opening.custom_ids()[0].split(":")[-1])
        assert opening.custom_ids() == [f"iv:answer:{sid}", f"iv:hint:{sid}", f"iv:end:{sid}"]

        # 1. by the form: an anti-pattern answer gets the interviewer's pushback
        reply = await answer_by_form(fake, opening, UI)
        assert reply.channel_id == thread_id
        assert reply.embeds[0]["author"]["name"] == "Alice answered"
        assert "summarize button bigger" in reply.embeds[0]["description"]
        assert PUSHBACK in reply.embeds[1]["description"]

        # 2. by plain messages in the thread (message-content intent on)
        since = fake.checkpoint()
        await fake.user_message(thread_id, INTENT)
        nxt = await fake.wait_for_message(thread_id, predicate=is_move, since=since)
        assert nxt.embeds[0]["color"] == 0x2ECC71  # the next step: the intent step is met
        lead, question = nxt.embeds[0]["description"].split("\n\n")
        assert lead and question.startswith("**")  # an acknowledgement, then the question

        since = fake.checkpoint()
        await fake.user_message(thread_id, METRIC)
        probe = await fake.wait_for_message(thread_id, predicate=is_move, since=since)
        assert probe.embeds[0]["color"] == 0x3498DB  # a probe on the experiment step

        since = fake.checkpoint()
        await fake.user_message(thread_id, TEST)
        await fake.wait_for_message(thread_id, predicate=is_move, since=since)

        since = fake.checkpoint()
        await fake.user_message(thread_id, COMPUTE)
        summary = await fake.wait_for_message(
            thread_id, predicate=lambda m: bool(m.attachments), since=since
        )
        titles = [e.get("title", "") for e in summary.embeds]
        assert "Feedback: Improve auto-summarize" in titles
        text = summary.text()
        assert "✅ met · Hypothesis about user intent" in text
        assert "UI tweaks instead of a hypothesis" in text and PUSHBACK in text
        fields = [f["name"] for e in summary.embeds for f in e.get("fields", [])]
        assert "Practise next" in fields  # a scored interview ends with what to work on
        transcript = summary.file_bytes(0).decode()
        assert summary.attachments[0]["filename"].endswith(".md")
        assert UI in transcript and COMPUTE in transcript and "# Transcript" in transcript

        session = await h.store.get_session(sid)
        assert session is not None and session.status == "ended"
        assert session.overall is not None and session.overall > 0
        assert f"**Overall: {round(session.overall)}/100**" in text  # the stored score, shown
        turns = await h.store.transcript(sid)
        assert [t.text for t in turns if t.role == "candidate"] == [
            UI,
            INTENT,
            METRIC,
            TEST,
            COMPUTE,
        ]
        assert sid not in interview_cog(h.bot).sessions.open
        assert_no_pings(fake)


async def test_dm_interview_by_messages_and_form(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:  # intent off: DMs still take messages
        dm = fake.dm_channel_for(fake.alice)
        ix = await fake.slash("interview start", {"round": "auto-summarize"}, dm=True)
        opening = await ix.wait_reply(predicate=is_move)
        assert opening.channel_id == dm and not fake.threads_created
        assert "Improve auto-summarize" in opening.content

        since = fake.checkpoint()
        await fake.user_message(dm, UI)
        push = await fake.wait_for_message(dm, predicate=is_move, since=since)
        assert PUSHBACK in push.embeds[0]["description"]

        reply = await answer_by_form(fake, push, INTENT)
        assert reply.channel_id == dm

        # /interview end mid-way: summary + transcript in the DM
        end = await fake.slash("interview end", dm=True)
        summary = await end.wait_reply(predicate=lambda m: bool(m.attachments))
        assert "let's stop here" in summary.text()
        assert INTENT in summary.file_bytes(0).decode()
        sessions = await h.store.user_history(fake.alice["id"])
        assert sessions[0].status == "ended" and sessions[0].turn_count == 6

        # a DM with no open interview gets a pointer, nothing is recorded
        since = fake.checkpoint()
        await fake.user_message(dm, "hello?")
        nudge = await fake.wait_for_message(dm, since=since)
        assert "/interview start" in nudge.content
        assert_no_pings(fake)
