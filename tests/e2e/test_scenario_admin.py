"""Custom rounds per server and the hot reload, end to end through the fake Discord.

An admin uploads a scenario file as a slash-command attachment; the bot downloads
it from the fake's attachment URL, validates it with the same loader as the
bundled files and stores it for that server only.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import discord
import discord_payloads as P
from fake_discord import FakeDiscord, FakeInteraction, StoredMessage
from interview_harness import interview_bot, thread_of

from bot import PROJECT_ROOT
from bot.exts.shared.embeds import CONTENT_LIMIT

FIXTURE = PROJECT_ROOT / "tests" / "data" / "custom" / "data-platform-pm.toml"
SOURCE = FIXTURE.read_text(encoding="utf-8")
ANSWER = (
    "The first consumer is the support reply-suggestion model. I'd judge the platform by "
    "that feature's acceptance rate, which should go from 22% to 30% within two quarters."
)
MANAGE_GUILD = discord.Permissions(manage_guild=True).value

# ------------------------------------------------------------------ helpers


def attachment(fake: FakeDiscord, filename: str, data: bytes) -> tuple[dict[str, Any], dict]:
    """A slash-command attachment option and its `resolved` entry; the fake serves the bytes.

    The bytes sit in a hidden stored message (as on Discord's CDN): the fake's
    /attachments route finds them by id, and no message search ever sees it.
    """
    aid = P.snowflake()
    url = f"{fake.base_url}/attachments/{fake.channel_id}/{aid}/{filename}"
    att = {
        "id": str(aid),
        "filename": filename,
        "size": len(data),
        "url": url,
        "proxy_url": url,
        "content_type": "application/toml",
    }
    holder = P.message(P.snowflake(), fake.channel_id, fake.alice)
    fake.messages[int(holder["id"])] = StoredMessage(
        data=holder, files={str(aid): data}, deleted=True, seq=-1
    )
    return {"type": P.ATTACHMENT, "value": str(aid)}, {"attachments": {str(aid): att}}


def add_admin(fake: FakeDiscord, name: str, guild_id: int | None = None) -> dict[str, Any]:
    """A member of the guild with Manage Server."""
    gid = guild_id or fake.guild_id
    user = fake.add_user(name, guild_id=gid)
    rid = P.snowflake()
    fake.guilds[gid]["roles"][rid] = P.role(rid, "admins", permissions=MANAGE_GUILD, position=2)
    fake.guilds[gid]["members"][int(user["id"])]["roles"].append(str(rid))
    return user


async def upload(
    fake: FakeDiscord,
    user: dict[str, Any],
    filename: str,
    data: bytes,
    channel_id: int | None = None,
) -> FakeInteraction:
    option, resolved = attachment(fake, filename, data)
    return await fake.slash(
        "scenario upload", {"file": option}, user=user, channel_id=channel_id, resolved=resolved
    )


def replies(ix: FakeInteraction) -> list[StoredMessage]:
    out = [ix.original] if ix.original is not None and not ix.original.loading else []
    return out + [m for m in ix.followups if m not in out]


async def all_replies(fake: FakeDiscord, ix: FakeInteraction, n: int) -> list[StoredMessage]:
    await fake.wait_until(lambda: len(replies(ix)) >= n, 5.0, f"{n} replies to {ix}")
    return replies(ix)


def is_move(msg: StoredMessage) -> bool:
    return any(cid.startswith("iv:answer:") for cid in msg.custom_ids())


async def start_in_thread(
    fake: FakeDiscord, round_id: str, user: dict[str, Any] | None = None
) -> tuple[int, StoredMessage]:
    """/interview start in #general: (thread id, the opening move)."""
    ix = await fake.slash("interview start", {"round": round_id}, user=user)
    note = await ix.wait_reply()
    thread_id = thread_of(note)
    opening = await ix.wait_message(channel_id=thread_id, predicate=is_move)
    return thread_id, opening


async def answer(
    fake: FakeDiscord, msg: StoredMessage, text: str, user: dict[str, Any] | None = None
) -> StoredMessage:
    sid = next(c for c in msg.custom_ids() if c.startswith("iv:answer:")).split(":")[-1]
    click = await fake.click(msg, f"iv:answer:{sid}", user=user)
    await click.wait_modal()
    sub = await fake.submit_modal(click, {"answer_text": text})
    return await sub.wait_reply(predicate=lambda m: is_move(m) or bool(m.attachments))


async def choices(fake: FakeDiscord, current: str, **kwargs: Any) -> list[str]:
    ac = await fake.autocomplete("interview start", {"round": current}, focused="round", **kwargs)
    return [c["value"] for c in await ac.wait_choices()]


# ------------------------------------------------------------------ upload and use


async def test_admin_uploads_and_the_server_practises_it_but_not_another_server(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    admin = add_admin(fake, "ada")
    async with interview_bot(fake, tmp_path) as h:
        ix = await upload(fake, admin, "data-platform-pm.toml", SOURCE.encode())
        cb = await ix.wait_callback()
        assert cb["type"] == 5  # deferred within the deadline, then downloaded and validated
        done = await ix.wait_reply()
        assert done.ephemeral
        assert "Added **Make the data platform serve AI features**" in done.content
        assert "(`data-platform-pm`, technical-deep-dive)" in done.content
        assert "1 of 25" in done.content
        [record] = await h.store.custom_scenarios(str(fake.guild_id))
        assert record.scenario_id == "data-platform-pm"
        assert record.source == SOURCE and record.uploaded_by == admin["id"]

        # list and show (show attaches the file back)
        ls = await fake.slash("scenario list", user=admin)
        listed = await ls.wait_reply()
        assert listed.ephemeral and "`data-platform-pm`" in listed.text()
        assert "1 of 25" in listed.text() and f"<@{admin['id']}>" in listed.text()
        show = await fake.slash("scenario show", {"id": "data-platform-pm"})
        shown = await show.wait_reply()
        assert "Priya Raman" in shown.text() and "custom, uploaded by" in shown.text()
        assert shown.file_bytes(0).decode() == SOURCE

        # autocomplete in this server offers it, and an interview runs on it
        assert "data-platform-pm" in await choices(fake, "data platform")
        thread_id, opening = await start_in_thread(fake, "data-platform-pm")
        assert opening.embeds[0]["author"]["name"].startswith("Priya Raman")
        reply = await answer(fake, opening, ANSWER)
        assert reply.channel_id == thread_id and is_move(reply)
        sid = int(opening.custom_ids()[0].split(":")[-1])
        session = await h.store.get_session(sid)
        assert session is not None and session.scenario_id == "data-platform-pm"
        assert session.guild_id == str(fake.guild_id)
        rounds = await fake.slash("interview rounds")
        assert "Make the data platform" in (await rounds.wait_reply()).text()

        # a second server sees none of it
        other = fake.add_guild("Other Group")
        general = fake.add_text_channel(other, "general")
        bob = fake.add_user("bob", guild_id=other)
        await fake.wait_until(lambda: h.bot.get_guild(other) is not None, 5.0, "other guild")
        assert "data-platform-pm" not in await choices(fake, "data", user=bob, channel_id=general)
        assert "auto-summarize" in await choices(fake, "", user=bob, channel_id=general)
        refused = await fake.slash(
            "interview start", {"round": "data-platform-pm"}, user=bob, channel_id=general
        )
        msg = await refused.wait_reply()
        assert msg.ephemeral and "no round called 'data-platform-pm'" in msg.content
        other_list = await fake.slash("scenario list", user=bob, channel_id=general)
        assert "None yet" in (await other_list.wait_reply()).text()
        show_other = await fake.slash(
            "scenario show", {"id": "data-platform-pm"}, user=bob, channel_id=general
        )
        assert "no round called `data-platform-pm`" in (await show_other.wait_reply()).content
        assert await h.store.custom_scenarios(str(other)) == []


async def test_broken_file_is_refused_with_every_error_and_nothing_stored(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    admin = add_admin(fake, "ada")
    broken = SOURCE.replace('round = "technical-deep-dive"', 'round = "deep-dive"').replace(
        "weight = 1.5", "weigth = 1.5"
    )
    async with interview_bot(fake, tmp_path) as h:
        ix = await upload(fake, admin, "dp.toml", broken.encode())
        [msg] = await all_replies(fake, ix, 1)
        assert msg.ephemeral
        assert "`dp.toml` was refused" in msg.content and "Nothing was stored" in msg.content
        # file:line [key] message, as `scenarios validate` prints them
        assert re.search(r"dp\.toml:\d+: \[round\] unknown round 'deep-dive'", msg.content)
        assert re.search(
            r"dp\.toml:\d+: \[criteria\[\d+\]\.weigth\] unknown field \(check the spelling\)",
            msg.content,
        )
        assert await h.store.custom_scenarios(str(fake.guild_id)) == []

        # hundreds of errors: split over at most 3 messages within Discord's limit, the rest counted
        unknown = ", ".join(f'"nope{i}"' for i in range(30))
        many = SOURCE + "".join(
            f'\n[[steps]]\nid = "extra{i}"\nprompt = "More?"\ncriteria = [{unknown}]\n'
            for i in range(8)
        )
        ix2 = await upload(fake, admin, "many.toml", many.encode())
        parts = await all_replies(fake, ix2, 3)
        assert "`many.toml` was refused: 240 errors" in parts[0].content  # 8 steps x 30
        assert all(len(m.content) <= CONTENT_LIMIT and m.ephemeral for m in parts)
        assert re.search(
            r"\[steps\[\d+\]\.criteria\[0\]\] unknown criterion 'nope0'", parts[0].content
        )
        assert "more errors not shown" in parts[-1].content
        assert await h.store.custom_scenarios(str(fake.guild_id)) == []

        bad_toml = await upload(fake, admin, "bad.toml", b'id = "x"\ntitle = \n')
        text = (await bad_toml.wait_reply()).content
        assert "bad.toml:2: not valid TOML" in text
        assert await h.store.custom_scenarios(str(fake.guild_id)) == []

        shadow = SOURCE.replace('id = "data-platform-pm"', 'id = "auto-summarize"', 1)
        ix3 = await upload(fake, admin, "shadow.toml", shadow.encode())
        text = (await ix3.wait_reply()).content
        assert "'auto-summarize' is the id of a bundled scenario" in text
        assert await h.store.custom_scenarios(str(fake.guild_id)) == []


async def test_long_error_lists_are_split_and_cut_to_discord_limits() -> None:
    from bot.exts.scenarios_admin._text import error_messages

    lines = [
        f"f.toml:{i}: [criteria[{i}].rules[0].when] unknown concept 'c{i}' " + "y" * 150
        for i in range(60)
    ]
    lines.append("f.toml:1: [title] ``` sneaky fence")
    messages = error_messages("lead", lines)
    assert len(messages) == 3
    assert all(len(m) <= CONTENT_LIMIT for m in messages)
    assert messages[0].startswith("lead\n```\n")
    assert all(m.count("```") == 2 for m in messages)
    assert "more errors not shown" in messages[-1]
    one = error_messages("lead", ["a", "b ```"])
    assert one == ["lead\n```\na\nb `\u200b``\n```"]


async def test_oversize_not_toml_and_not_text_are_refused_before_storing(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    admin = add_admin(fake, "ada")
    async with interview_bot(fake, tmp_path, custom_scenario_max_bytes=4096) as h:
        ix = await upload(fake, admin, "data-platform-pm.toml", SOURCE.encode())
        cb = await ix.wait_callback()
        assert cb["type"] == 4 and cb["data"]["flags"] & P.FLAG_EPHEMERAL
        assert f"{len(SOURCE.encode()):,} bytes" in cb["data"]["content"]
        assert "at most 4,096 bytes" in cb["data"]["content"]

        ix = await upload(fake, admin, "notes.txt", b"id = 'x'")
        cb = await ix.wait_callback()
        assert "not a scenario file" in cb["data"]["content"]

        ix = await upload(fake, admin, "latin.toml", "title = 'caf\u00e9'".encode("latin-1"))
        assert "not UTF-8 text" in (await ix.wait_reply()).content
        assert await h.store.custom_scenarios(str(fake.guild_id)) == []


async def test_count_limit_per_server_and_replacing_is_always_allowed(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    admin = add_admin(fake, "ada")
    second = SOURCE.replace('id = "data-platform-pm"', 'id = "data-platform-two"', 1)
    async with interview_bot(fake, tmp_path, custom_scenarios_per_guild=1) as h:
        ok = await upload(fake, admin, "a.toml", SOURCE.encode())
        assert "Added" in (await ok.wait_reply()).content
        full = await upload(fake, admin, "b.toml", second.encode())
        text = (await full.wait_reply()).content
        assert "already has 1 custom rounds" in text and "Nothing was stored" in text
        again = await upload(fake, admin, "a.toml", SOURCE.replace("Priya", "Pria").encode())
        assert "Replaced" in (await again.wait_reply()).content
        [record] = await h.store.custom_scenarios(str(fake.guild_id))
        assert record.scenario_id == "data-platform-pm" and "Pria Raman" in record.source


async def test_non_admins_cannot_upload_or_remove(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    admin = add_admin(fake, "ada")
    async with interview_bot(fake, tmp_path) as h:
        ix = await upload(fake, fake.alice, "data-platform-pm.toml", SOURCE.encode())
        cb = await ix.wait_callback()
        assert cb["type"] == 4 and cb["data"]["flags"] & P.FLAG_EPHEMERAL
        assert "Manage Server" in cb["data"]["content"]
        assert await h.store.custom_scenarios(str(fake.guild_id)) == []

        assert (
            "Added"
            in (await (await upload(fake, admin, "a.toml", SOURCE.encode())).wait_reply()).content
        )
        rm = await fake.slash("scenario remove", {"id": "data-platform-pm"})
        cb = await rm.wait_callback()
        assert cb["data"]["flags"] & P.FLAG_EPHEMERAL and "Manage Server" in cb["data"]["content"]
        assert len(await h.store.custom_scenarios(str(fake.guild_id))) == 1

        dm = await fake.slash("scenario list", dm=True)
        assert "use this command in the server" in (await dm.wait_reply()).content


async def test_remove_and_replace_keep_open_sessions_on_their_version(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    admin = add_admin(fake, "ada")
    async with interview_bot(fake, tmp_path) as h:
        await (await upload(fake, admin, "a.toml", SOURCE.encode())).wait_reply()
        _, opening = await start_in_thread(fake, "data-platform-pm")

        # an upload that replaces it: the open interview keeps running on its version
        edited = SOURCE.replace("Priya Raman", "Rui Costa")
        assert (
            "Replaced"
            in (await (await upload(fake, admin, "a.toml", edited.encode())).wait_reply()).content
        )
        reply = await answer(fake, opening, ANSWER)
        assert is_move(reply)
        assert reply.embeds[-1]["author"]["name"].startswith("Priya Raman")

        # removal: autocomplete and list drop it; the open interview still answers
        ac = await fake.autocomplete("scenario remove", {"id": "data"}, focused="id", user=admin)
        assert [c["value"] for c in await ac.wait_choices()] == ["data-platform-pm"]
        rm = await fake.slash("scenario remove", {"id": "data-platform-pm"}, user=admin)
        assert "Removed `data-platform-pm`" in (await rm.wait_reply()).content
        assert await h.store.custom_scenarios(str(fake.guild_id)) == []
        assert "data-platform-pm" not in await choices(fake, "data")
        again = await answer(fake, reply, ANSWER + " Fresh within 15 minutes, 99.5% complete.")
        assert is_move(again) or again.attachments
        missing = await fake.slash("scenario remove", {"id": "data-platform-pm"}, user=admin)
        assert "has no custom round" in (await missing.wait_reply()).content


# ------------------------------------------------------------------ hot reload


def scenario_copy(tmp_path: Path) -> Path:
    """A SCENARIOS_DIR of its own: the shared concepts and one bundled round."""
    target = tmp_path / "scenarios"
    target.mkdir()
    for name in ("_common.toml", "auto-summarize.toml"):
        shutil.copy(PROJECT_ROOT / "scenarios" / name, target / name)
    return target


async def test_owner_reloads_bundled_files_open_sessions_keep_their_version(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    directory = scenario_copy(tmp_path)
    path = directory / "auto-summarize.toml"
    original = path.read_text(encoding="utf-8")
    async with interview_bot(fake, tmp_path, scenarios_dir=directory) as h:
        await h.bot.interviews.registry.reload(directory)  # start from this copy exactly
        digest_before = h.bot.interviews.catalogue.get("auto-summarize").digest
        _, old_opening = await start_in_thread(fake, "auto-summarize")
        assert "Let's do a product case" in old_opening.embeds[0]["description"]

        # not the owner: refused, nothing reloaded
        path.write_text(original.replace("Let's do a product case.", "New case!"), "utf-8")
        ix = await fake.slash("scenario reload")
        cb = await ix.wait_callback()
        assert cb["data"]["flags"] & P.FLAG_EPHEMERAL and "bot's owner" in cb["data"]["content"]

        # a broken edit: reported, the old catalogue kept
        path.write_text(original.replace('round = "product-sense"', 'round = "product"'), "utf-8")
        ix = await fake.slash("scenario reload", user=fake.owner_user)
        text = (await ix.wait_reply()).content
        assert "nothing was reloaded" in text and "auto-summarize.toml:" in text
        assert "[round] unknown round 'product'" in text
        assert h.bot.interviews.catalogue.get("auto-summarize").digest == digest_before

        # a good edit, by the owner
        path.write_text(original.replace("Let's do a product case.", "New case!"), "utf-8")
        ix = await fake.slash("scenario reload", user=fake.owner_user)
        text = (await ix.wait_reply()).content
        assert "Reloaded" in text and "Changed: auto-summarize." in text

        # the open interview still answers, on the version it started with
        reply = await answer(fake, old_opening, "I would make the summarize button bigger.")
        assert is_move(reply)
        sid = int(old_opening.custom_ids()[0].split(":")[-1])
        session = await h.store.get_session(sid)
        assert session is not None and session.is_open
        await (await fake.slash("interview end")).wait_reply()

        # a new interview gets the new version
        _, new_opening = await start_in_thread(fake, "auto-summarize")
        assert "New case!" in new_opening.embeds[0]["description"]
