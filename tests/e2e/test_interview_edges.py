"""Who may answer, what an answer may contain, lists, privacy and the error handler."""

from __future__ import annotations

import json
import re
from pathlib import Path

import discord
import discord_payloads as P
from fake_discord import FakeDiscord
from interview_harness import (
    assert_no_pings,
    bot_messages,
    interview_bot,
    stored_rows,
    thread_of,
)
from test_interview_flow import INTENT, UI, answer_by_form, is_move


async def _start_in_thread(fake: FakeDiscord, mode: str = "solo") -> tuple[int, int, object]:
    ix = await fake.slash("interview start", {"round": "auto-summarize", "mode": mode})
    note = await ix.wait_reply()
    thread_id = thread_of(note)
    opening = await ix.wait_message(channel_id=thread_id, predicate=is_move)
    sid = int(opening.custom_ids()[0].split(":")[-1])
    return thread_id, sid, opening


async def test_only_the_candidate_answers_in_group_mode(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    bob = fake.add_user("bob", guild_id=fake.guild_id)
    async with interview_bot(fake, tmp_path, message_content_intent=True) as h:
        thread_id, sid, opening = await _start_in_thread(fake, "group")
        assert fake.channels[thread_id]["type"] == P.PUBLIC_THREAD
        assert "only Alice answers" in opening.content

        click = await fake.click(opening, f"iv:answer:{sid}", user=bob)
        refusal = await click.wait_reply()
        assert refusal.ephemeral and click.modal is None
        assert f"This is <@{fake.alice['id']}>'s interview" in refusal.content
        hint = await fake.click(opening, f"iv:hint:{sid}", user=bob)
        assert (await hint.wait_reply()).ephemeral
        end = await fake.click(opening, f"iv:end:{sid}", user=bob)
        assert "only they can answer" in (await end.wait_reply()).content

        # bob's messages in the public thread are conversation, not answers
        await fake.user_message(thread_id, INTENT, user=bob)
        # bob has no interview of his own: /interview answer says so
        ans = await fake.slash("interview answer", user=bob, channel_id=thread_id)
        assert "no open interview" in (await ans.wait_reply()).content

        await fake.user_message(thread_id, UI)  # alice: counted
        await fake.wait_for_message(thread_id, predicate=is_move, since=opening.seq)
        turns = await h.store.transcript(sid)
        assert [t.text for t in turns if t.role == "candidate"] == [UI]
        assert all(t.author_id != bob["id"] for t in turns)
        assert (await h.store.get_session(sid)).is_open  # type: ignore[union-attr]
        assert_no_pings(fake)


async def test_mentions_in_answers_never_ping(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    fake = fake_discord
    bob = fake.add_user("bob", guild_id=fake.guild_id)
    role_id = P.snowflake()
    loud = (
        f"@everyone @here <@{bob['id']}> <@&{role_id}> I predict acceptance rises 20% because "
        "users want the asks for them first, so they keep the summary."
    )
    async with interview_bot(fake, tmp_path, message_content_intent=True) as h:
        thread_id, sid, opening = await _start_in_thread(fake)
        reply = await answer_by_form(fake, opening, loud)
        echo = reply.embeds[0]["description"]
        assert "@everyone" not in echo and "@\u200beveryone" in echo
        assert f"<@{bob['id']}>" not in echo
        # typed this time, and not the same words (a repeat within seconds is taken once)
        louder = loud.replace("20%", "25%")
        await fake.user_message(thread_id, louder)
        await fake.wait_for_message(thread_id, predicate=is_move, since=reply.seq)
        end = await fake.slash("interview end", channel_id=thread_id)
        summary = await end.wait_reply(predicate=lambda m: bool(m.attachments))
        assert "@everyone" not in summary.text().replace("@\u200beveryone", "")
        turns = await h.store.transcript(sid)
        assert [t.text for t in turns if t.role == "candidate"] == [loud, louder]  # verbatim
        assert len(bot_messages(fake)) >= 6
        assert_no_pings(fake)
        for req in fake.find_requests("POST", "/channels/*/messages"):
            assert req.json["allowed_mentions"] == {"parse": []}


async def test_five_thousand_characters_are_refused_and_nothing_is_lost(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    long = ("I predict acceptance rises 20% because users want answers. " * 90)[:5000]
    assert len(long) == 5000
    async with interview_bot(fake, tmp_path) as h:
        _thread_id, sid, opening = await _start_in_thread(fake)
        click = await fake.click(opening, f"iv:answer:{sid}")
        await click.wait_modal()
        sub = await fake.submit_modal(click, {"answer_text": long})  # a client over the cap
        refusal = await sub.wait_reply()
        assert refusal.ephemeral
        assert "5,000 characters" in refusal.content and "4,000" in refusal.content
        assert "Nothing was recorded" in refusal.content

        dm = fake.dm_channel_for(fake.alice)
        ix = await fake.slash("interview start", {"round": "bias-complaint"}, dm=True)
        await ix.wait_reply(predicate=is_move)
        since = fake.checkpoint()
        await fake.user_message(dm, long)
        msg = await fake.wait_for_message(dm, since=since)
        assert "5,000 characters" in msg.content and not is_move(msg)
        for session in await h.store.user_history(fake.alice["id"]):
            assert session.turn_count == 1  # only the opening
        # 4,000 exactly is fine
        await fake.user_message(dm, long[:4000])
        await fake.wait_for_message(dm, predicate=is_move, since=msg.seq)


async def test_unknown_scenario_rounds_status_and_hint(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        bad = await fake.slash("interview start", {"round": "no-such-round"})
        reply = await bad.wait_reply()
        assert reply.ephemeral and "There is no round called 'no-such-round'" in reply.content
        assert not fake.threads_created and await h.store.open_sessions() == []

        rounds = await fake.slash("interview rounds")
        listing = await rounds.wait_reply()
        assert listing.ephemeral and "7 rounds to practise" in listing.text()
        assert "`comp-negotiation`" in listing.text()

        none = await fake.slash("interview status")
        assert "no open interview" in (await none.wait_reply()).content

        thread_id, sid, opening = await _start_in_thread(fake)
        status = await fake.slash("interview status", channel_id=thread_id)
        text = (await status.wait_reply()).content
        assert "step 1 of 4" in text and "0 answers" in text

        again = await fake.slash("interview start", {"round": "impact-lens"})
        dup = await again.wait_reply()
        assert dup.ephemeral and f"<#{thread_id}>" in dup.content

        hint = await fake.click(opening, f"iv:hint:{sid}")
        shown = await hint.wait_reply()
        assert shown.ephemeral and shown.embeds[0]["title"] == "Hint"
        end = await fake.click(opening, f"iv:end:{sid}")
        summary = await end.wait_reply(predicate=lambda m: bool(m.attachments))
        assert "hint used" in summary.text() or "not enough" in summary.text()
        after = await fake.click(opening, f"iv:answer:{sid}")
        assert "already ended" in (await after.wait_reply()).content


async def test_no_thread_permission_falls_back_to_the_channel(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    perms = discord.Permissions(
        view_channel=True, send_messages=True, embed_links=True, attach_files=True
    ).value
    async with interview_bot(fake, tmp_path) as h:
        await fake.set_bot_permissions(fake.guild_id, perms, everyone=perms)
        ix = await fake.slash("interview start", {"round": "auto-summarize"})
        note = await ix.wait_reply()
        assert "Create Private Threads" in note.content and "runs here" in note.content
        opening = await ix.wait_message(channel_id=fake.channel_id, predicate=is_move)
        assert not fake.threads_created
        reply = await answer_by_form(fake, opening, UI)
        assert reply.channel_id == fake.channel_id
        assert len(await h.store.open_sessions()) == 1


async def test_error_handler_after_defer_and_for_too_many_threads(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        # too many active threads: falls back with a clear message
        fake.fail_next("POST", f"/channels/{fake.channel_id}/threads", error=160006)
        ix = await fake.slash("interview start", {"round": "auto-summarize", "mode": "group"})
        note = await ix.wait_reply()
        assert "limit of active threads" in note.content
        end = await fake.slash("interview end")
        await end.wait_reply(predicate=lambda m: bool(m.attachments))

        # the thread opens but posting in it is refused: the deferred command gets an
        # ephemeral, plain-language followup and the session does not stay open
        fake.fail_next("POST", "/channels/*/messages", error=50013)
        ix2 = await fake.slash("interview start", {"round": "auto-summarize"})
        err = await ix2.wait_reply(predicate=lambda m: "permission" in m.content)
        assert "Send Messages in Threads" in err.content
        assert await h.store.open_sessions() == []
        # and a retry works
        ix3 = await fake.slash("interview start", {"round": "auto-summarize"})
        thread_id = thread_of(await ix3.wait_reply())
        await ix3.wait_message(channel_id=thread_id, predicate=is_move)


async def test_history_pages_open_one_export_and_forget_me(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    alice = fake.alice["id"]
    async with interview_bot(fake, tmp_path, message_content_intent=True) as h:
        service = h.bot.interviews
        for i in range(11):  # older sessions, straight through the service
            turn = await service.start(alice, "Alice", f"old:{i}", "impact-lens")
            await service.end(turn.session.id, alice)
        thread_id, sid, opening = await _start_in_thread(fake)
        await answer_by_form(fake, opening, INTENT)

        hist = await fake.slash("interview history")
        page1 = await hist.wait_reply()
        assert page1.ephemeral and "page 1" in page1.text()
        assert f"**#{sid}**" in page1.text()  # newest first
        nxt = next(c for c in page1.custom_ids() if c.endswith(":next"))
        click = await fake.click(page1, nxt)
        await click.wait_callback()
        assert "page 2" in fake.messages[page1.id].text()
        bob = fake.add_user("bob", guild_id=fake.guild_id)
        stolen = await fake.click(page1, f"iv:histopen:{alice}", values=[str(sid)], user=bob)
        assert "someone else's" in (await stolen.wait_reply()).content

        page1 = fake.messages[page1.id]
        prev = next(c for c in page1.custom_ids() if c.endswith(":prev"))
        await (await fake.click(page1, prev)).wait_callback()
        opened = await fake.click(
            fake.messages[page1.id], f"iv:histopen:{alice}", values=[str(sid)]
        )
        summary = await opened.wait_reply(predicate=lambda m: bool(m.attachments))
        assert summary.ephemeral and "still open" in summary.content
        assert INTENT in summary.file_bytes(0).decode()

        forget = await fake.slash("interview forget-me")
        confirm = await forget.wait_reply()
        assert confirm.ephemeral and "180 days" in confirm.content
        export = await fake.click(confirm, f"iv:forget:{alice}:export")
        exported = await export.wait_reply(predicate=lambda m: bool(m.attachments))
        data = json.loads(exported.file_bytes(0))
        assert len(data["sessions"]) == 12
        # times as ISO 8601 UTC, as the terminal's export writes them (not epoch seconds)
        iso = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
        assert iso.fullmatch(data["exported_at"]), data["exported_at"]
        assert all(iso.fullmatch(s["started_at"]) for s in data["sessions"])

        yes = await fake.click(confirm, f"iv:forget:{alice}:yes")
        await yes.wait_callback()
        await fake.wait_until(
            lambda: "nothing stored names you" in fake.messages[confirm.id].content
        )
        assert fake.messages[confirm.id].components == []
        assert await h.store.user_history(alice) == []
        # no row of any table names her
        await h.store.close()
        for table, row in await stored_rows(h):
            assert not any(alice in str(v) or "Alice" in str(v) for v in row), (table, row)
        # her messages in the old thread are no longer answers
        since = fake.checkpoint()
        await fake.user_message(thread_id, UI)
        assert not fake.find_messages(thread_id, since=since, author_id=fake.bot_id)
