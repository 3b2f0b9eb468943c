"""Study groups through the fake Discord: panel with ratings and notes, Retry with the
change per criterion, history compare, server settings enforced, the opt-in leaderboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import discord
import discord_payloads as P
from fake_discord import FakeDiscord, StoredMessage
from interview_harness import Harness, assert_no_pings, interview_bot, thread_of
from test_interview_flow import INTENT, UI, is_move

from bot.core.summary import Summary

BIAS_ANSWER = (
    "I would thank the user, apologise and say we are looking into it. Then I would "
    "measure error rates across demographic groups on a fairness benchmark and bring in "
    "human reviewers before we ship a fix."
)


def has_file(m: StoredMessage) -> bool:
    return bool(m.attachments)


def custom_id(msg: StoredMessage, prefix: str) -> str:
    return next(c for c in msg.custom_ids() if c.startswith(prefix))


def add_role(fake: FakeDiscord, name: str, users: list[dict[str, Any]], **perms: bool) -> int:
    """A guild role (given to `users`); call before the bot connects so its cache has it."""
    rid = P.snowflake()
    permissions = discord.Permissions(**perms).value
    fake.guilds[fake.guild_id]["roles"][rid] = P.role(rid, name, permissions=permissions)
    for u in users:
        fake.guilds[fake.guild_id]["members"][int(u["id"])]["roles"].append(str(rid))
    return rid


async def bot_summary(h: Harness, sid: int) -> Summary:
    session = await h.store.get_session(sid)
    assert session is not None
    await h.bot.interviews.scenario_for(session)
    return h.bot.interviews.summary_of(session)


async def rate(
    fake: FakeDiscord, summary_msg: StoredMessage, sid: int, user: dict[str, Any], ratings: dict
) -> StoredMessage:
    """A panelist opens the rating form, rates every criterion and submits."""
    opened = await fake.click(summary_msg, f"gp:rate:{sid}:0", user=user)
    form = await opened.wait_reply()
    assert form.ephemeral and "Rate **" in form.content
    for cid, rating in ratings.items():
        pick = await fake.click(form, f"gp:rsel:{sid}:{cid}", values=[rating], user=user)
        await pick.wait_callback()
    done = await fake.click(form, f"gp:done:{sid}", user=user)
    return await done.wait_reply()


async def test_panel_two_panelists_rate_agreement_and_notes(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    bob = fake.add_user("bob", guild_id=fake.guild_id)
    carol = fake.add_user("carol", guild_id=fake.guild_id)
    dave = fake.add_user("dave", guild_id=fake.guild_id)
    async with interview_bot(fake, tmp_path) as h:
        # alice organises a session for dave: it runs as a group session
        member = fake.guilds[fake.guild_id]["members"][int(dave["id"])]
        ix = await fake.slash(
            "interview start",
            {"round": "bias-complaint", "candidate": {"type": 6, "value": dave["id"]}},
            resolved={
                "users": {dave["id"]: dave},
                "members": {dave["id"]: {k: v for k, v in member.items() if k != "user"}},
            },
        )
        thread_id = thread_of(await ix.wait_reply())
        assert fake.channels[thread_id]["type"] == P.PUBLIC_THREAD
        opening = await ix.wait_message(channel_id=thread_id, predicate=is_move)
        assert "Dave" in opening.content
        sid = int(custom_id(opening, "iv:answer:").split(":")[-1])
        assert f"gp:join:{sid}" in opening.custom_ids()
        session = await h.store.get_session(sid)
        assert session is not None and session.user_id == dave["id"] and session.mode == "group"
        assert (await h.store.session_links(sid)).organiser_id == fake.alice["id"]

        for panelist in (bob, carol):
            join = await fake.click(opening, f"gp:join:{sid}", user=panelist)
            assert "You're on the panel" in (await join.wait_reply()).content
        own = await fake.click(opening, f"gp:join:{sid}", user=dave)
        assert "your own interview" in (await own.wait_reply()).content

        # dave answers once and ends; the summary carries Retry, Rate and Note
        answer = await fake.click(opening, f"iv:answer:{sid}", user=dave)
        await answer.wait_modal()
        sub = await fake.submit_modal(answer, {"answer_text": BIAS_ANSWER})
        await sub.wait_reply(predicate=lambda m: is_move(m) or has_file(m))
        end = await fake.click(opening, f"iv:end:{sid}", user=dave)
        summary_msg = await end.wait_reply(predicate=has_file)
        assert {f"gp:retry:{sid}", f"gp:rate:{sid}:0", f"gp:note:{sid}"} <= set(
            summary_msg.custom_ids()
        )

        bot_rows = (await bot_summary(h, sid)).criteria
        assert len(bot_rows) == 3
        agree = {r.id: r.status for r in bot_rows}
        other = {"met": "missed", "partly": "met", "missed": "met"}
        first = bot_rows[0]
        differ = {**agree, first.id: other[first.status]}

        # a non-panelist may not rate
        outsider = fake.add_user("eve", guild_id=fake.guild_id)
        nope = await fake.click(summary_msg, f"gp:rate:{sid}:0", user=outsider)
        assert "Only panelists who joined" in (await nope.wait_reply()).content

        thanks = await rate(fake, summary_msg, sid, bob, agree)
        assert "your ratings are in" in thanks.content
        panel = await fake.wait_for_message(
            thread_id, predicate=lambda m: "Bot vs panel" in m.text()
        )
        assert "Agreement: 100%" in panel.text() and "3 of 3" in panel.text()

        await rate(fake, summary_msg, sid, carol, differ)
        note = await fake.click(summary_msg, f"gp:note:{sid}", user=carol)
        modal = await note.wait_modal()
        assert modal["custom_id"] == f"gp:notem:{sid}"
        saved = await fake.submit_modal(note, {"note_text": "Strong apology; **measure** first."})
        assert "Your note is saved" in (await saved.wait_reply()).content

        # one panel message, edited in place: 5 of 6 ratings agree, the first criterion split
        await fake.wait_until(
            lambda: "Carol" in fake.messages[panel.id].text(), 5, "the note in the panel"
        )
        text = fake.messages[panel.id].text()
        assert "Agreement: 83%" in text and "5 of 6 panel ratings" in text
        assert "2 panelists rated" in text and "disagree on 1 criterion" in text
        assert f"⚠️ {first.label}" in text and "↔️ split" in text
        assert "Strong apology; \\*\\*measure\\*\\* first." in text  # escaped, shown
        panel_msgs = fake.find_messages(thread_id, predicate=lambda m: "Bot vs panel" in m.text())
        assert len(panel_msgs) == 1
        ratings = await h.store.peer_ratings(sid)
        assert len(ratings) == 6
        assert_no_pings(fake)


async def test_retry_shows_the_change_and_history_compares(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        dm = fake.dm_channel_for(fake.alice)
        ix = await fake.slash("interview start", {"round": "auto-summarize"}, dm=True)
        await ix.wait_reply(predicate=is_move)
        since = fake.checkpoint()
        await fake.user_message(dm, UI)
        await fake.wait_for_message(dm, predicate=is_move, since=since)
        end = await fake.slash("interview end", dm=True)
        first_summary = await end.wait_reply(predicate=has_file)
        first_id = int(custom_id(first_summary, "gp:retry:").split(":")[-1])
        assert not any(c.startswith("gp:rate") for c in first_summary.custom_ids())  # solo

        retry = await fake.click(first_summary, f"gp:retry:{first_id}")
        opening = await retry.wait_reply(predicate=is_move)
        second_id = int(custom_id(opening, "iv:answer:").split(":")[-1])
        assert second_id != first_id
        assert (await h.store.session_links(second_id)).retry_of == first_id

        since = fake.checkpoint()
        await fake.user_message(dm, INTENT)
        await fake.wait_for_message(dm, predicate=is_move, since=since)
        end2 = await fake.slash("interview end", dm=True)
        second_summary = await end2.wait_reply(predicate=has_file)
        text = second_summary.text()
        assert f"Change since attempt #{first_id} (now #{second_id})" in text
        assert "▲ Hypothesis about user intent" in text
        assert "❌ missed → ✅ met" in text
        before = await bot_summary(h, first_id)
        after = await bot_summary(h, second_id)
        assert f"Overall {before.overall} → **{after.overall}**/100" in text

        # history: open the second attempt, compare it with the first
        hist = await fake.slash("interview history", dm=True)
        listing = await hist.wait_reply()
        pick = await fake.click(listing, f"iv:histopen:{fake.alice['id']}", values=[str(second_id)])
        reopened = await pick.wait_reply(predicate=has_file)
        assert reopened.ephemeral and "Change since attempt" in reopened.text()
        cmp_id = f"gp:cmp:{fake.alice['id']}:{second_id}"
        assert cmp_id in reopened.custom_ids()
        cmp = await fake.click(reopened, cmp_id, values=[str(first_id)])
        compared = await cmp.wait_reply()
        assert compared.ephemeral and "▲ Hypothesis about user intent" in compared.text()

        # only the candidate retries
        bob = fake.add_user("bob")
        other = await fake.click(second_summary, f"gp:retry:{second_id}", user=bob)
        assert "Only the candidate" in (await other.wait_reply()).content


async def test_settings_are_admin_only_and_enforced(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    bob = fake.add_user("bob", guild_id=fake.guild_id)
    carol = fake.add_user("carol", guild_id=fake.guild_id)
    add_role(fake, "admins", [fake.alice], manage_guild=True)
    organisers = add_role(fake, "organisers", [carol])
    room = fake.add_text_channel(fake.guild_id, "interviews")
    async with interview_bot(fake, tmp_path) as h:
        role_payload = fake.guilds[fake.guild_id]["roles"][organisers]
        options = {
            "channel": {"type": 7, "value": str(room)},
            "group_role": {"type": 8, "value": str(organisers)},
        }
        resolved = {
            "channels": {str(room): {**fake.channels[room], "permissions": "0"}},
            "roles": {str(organisers): role_payload},
        }
        denied = await fake.slash("interview settings", options, user=bob, resolved=resolved)
        assert "Manage Server" in (await denied.wait_reply()).content
        assert await h.store.get_guild_settings(str(fake.guild_id)) == {}

        ok = await fake.slash("interview settings", options, resolved=resolved)
        reply = await ok.wait_reply()
        assert reply.ephemeral and f"Interviews start in: <#{room}>" in reply.content
        assert f"<@&{organisers}>" in reply.content

        wrong = await fake.slash("interview start", {"round": "auto-summarize"}, user=bob)
        assert f"start in <#{room}>" in (await wrong.wait_reply()).content
        group = await fake.slash(
            "interview start",
            {"round": "auto-summarize", "mode": "group"},
            user=bob,
            channel_id=room,
        )
        assert f"with the <@&{organisers}> role" in (await group.wait_reply()).content
        assert await h.store.user_history(bob["id"]) == []
        solo = await fake.slash(
            "interview start", {"round": "auto-summarize"}, user=bob, channel_id=room
        )
        assert int(fake.channels[thread_of(await solo.wait_reply())]["parent_id"]) == room
        allowed = await fake.slash(
            "interview start",
            {"round": "auto-summarize", "mode": "group"},
            user=carol,
            channel_id=room,
        )
        await allowed.wait_reply()
        assert [s.mode for s in await h.store.user_history(carol["id"])] == ["group"]

        reset = await fake.slash("interview settings", {"reset": "all"})
        assert "any channel" in (await reset.wait_reply()).content
        assert await h.store.get_guild_settings(str(fake.guild_id)) == {}


async def test_leaderboard_lists_only_opted_in_members(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    bob = fake.add_user("bob", guild_id=fake.guild_id)
    carol = fake.add_user("carol", guild_id=fake.guild_id)
    async with interview_bot(fake, tmp_path) as h:
        for user in (fake.alice, bob, carol):
            ix = await fake.slash("interview start", {"round": "auto-summarize"}, user=user)
            thread_id = thread_of(await ix.wait_reply())
            await ix.wait_message(channel_id=thread_id, predicate=is_move)
            end = await fake.slash("interview end", user=user, channel_id=thread_id)
            await end.wait_reply(predicate=has_file)
        for user in (fake.alice, bob):
            opt = await fake.slash("interview leaderboard-opt-in", {"state": "on"}, user=user)
            assert "leaderboard" in (await opt.wait_reply()).content
        off = await fake.slash("interview leaderboard-opt-in", {"state": "off"}, user=bob)
        await off.wait_reply()
        again = await fake.slash("interview leaderboard-opt-in", {"state": "on"}, user=bob)
        await again.wait_reply()

        board = await (await fake.slash("interview leaderboard", user=carol)).wait_reply()
        text = board.text()
        assert "Leaderboard, last 30 days" in text
        assert "Alice" in text and "Bob" in text and "Carol" not in text
        assert "1 session" in text
        user = await h.store.get_user(carol["id"])
        assert user is not None and not user.leaderboard_opt_in
        assert_no_pings(fake)
