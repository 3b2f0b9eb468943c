"""The fake Discord works with the real discord.py client (a tiny bot defined here)."""

from __future__ import annotations

import asyncio
import gc
import io
import warnings

import discord
import pytest
from discord import app_commands
from discord.ext import commands
from fake_discord import FakeDiscord, running_client


class AnswerModal(discord.ui.Modal, title="Your answer"):
    answer = discord.ui.TextInput(
        label="Answer", style=discord.TextStyle.paragraph, max_length=4000, custom_id="answer_text"
    )

    def __init__(self, sink: list[str]) -> None:
        super().__init__(custom_id="answer_modal")
        self.sink = sink

    async def on_submit(self, interaction: discord.Interaction) -> None:
        self.sink.append(self.answer.value)
        await interaction.response.send_message(f"got {len(self.answer.value)} chars")


class HintView(discord.ui.View):
    def __init__(self, clicks: list[int]) -> None:
        super().__init__(timeout=30)
        self.clicks = clicks

    @discord.ui.button(label="Hint", custom_id="hint", style=discord.ButtonStyle.secondary)
    async def hint(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.clicks.append(interaction.user.id)
        await interaction.response.send_message("here is a hint", ephemeral=True)


class TinyBot(commands.Bot):
    """Stand-in for the product bot: one guild-synced tree with a few commands."""

    def __init__(self, guild_id: int, *, intents: discord.Intents | None = None) -> None:
        super().__init__(
            command_prefix="!",
            intents=intents or discord.Intents.default(),
            guild_ready_timeout=0.05,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.guild_obj = discord.Object(guild_id)
        self.events: list[str] = []
        self.clicks: list[int] = []
        self.answers: list[str] = []
        self.seen_messages: list[discord.Message] = []
        self.resumed = asyncio.Event()
        tree = self.tree
        guild = self.guild_obj

        @tree.command(name="ping", description="Ping", guild=guild)
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @tree.command(name="hint", description="Message with a button", guild=guild)
        async def hint(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("need help?", view=HintView(self.clicks))

        @tree.command(name="answer", description="Answer by modal", guild=guild)
        async def answer(interaction: discord.Interaction) -> None:
            await interaction.response.send_modal(AnswerModal(self.answers))

        group = app_commands.Group(name="interview", description="Interviews", guild_ids=[guild_id])

        @group.command(name="start", description="Start a round")
        @app_commands.describe(round="Scenario")
        async def start(interaction: discord.Interaction, round: str, solo: bool = True) -> None:
            await interaction.response.defer(thinking=True)
            thread = await interaction.channel.create_thread(  # type: ignore[union-attr]
                name=f"interview-{round}",
                type=discord.ChannelType.private_thread if solo else None,
            )
            await thread.send(f"Welcome to {round}")
            await interaction.followup.send(f"Started in {thread.mention}")

        @start.autocomplete("round")
        async def round_ac(interaction: discord.Interaction, current: str):
            names = ["ml-metrics", "ml-launch", "pricing"]
            return [app_commands.Choice(name=n, value=n) for n in names if current in n]

        tree.add_command(group)

    async def on_ready(self) -> None:
        self.events.append("ready")

    async def on_resumed(self) -> None:
        self.events.append("resumed")
        self.resumed.set()

    async def on_message(self, message: discord.Message) -> None:
        if message.author.id != self.user.id:  # type: ignore[union-attr]
            self.seen_messages.append(message)


async def _started(fake: FakeDiscord, **kw) -> TinyBot:
    return TinyBot(fake.guild_id, **kw)


async def test_login_ready_and_guild(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)
    async with running_client(bot, fake_discord):
        paths = [(r.method, r.path) for r in fake_discord.requests]
        assert paths[:2] == [("GET", "/users/@me"), ("GET", "/oauth2/applications/@me")]
        assert not fake_discord.find_requests("GET", "/gateway/bot")
        identify = next(p for p in fake_discord.gateway_received if p["op"] == 2)
        assert identify["d"]["token"] == "fake-token"
        assert bot.user is not None and bot.user.id == fake_discord.bot_id
        assert bot.application_id == fake_discord.application_id
        guild = bot.get_guild(fake_discord.guild_id)
        assert guild is not None and guild.name == "Study Group"
        channel = guild.get_channel(fake_discord.channel_id)
        assert isinstance(channel, discord.TextChannel) and channel.name == "general"
        assert guild.me.guild_permissions.create_private_threads
        assert guild.member_count == 2  # bot + alice (members cached only with that intent)
        assert bot.events == ["ready"]
        # heartbeat ACKed
        await fake_discord.wait_until(
            lambda: any(p["op"] == 1 for p in fake_discord.gateway_received), 2, "heartbeat"
        )


async def test_slash_command_guild_sync_and_reply(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)
    async with running_client(bot, fake_discord):
        synced = await bot.tree.sync(guild=bot.guild_obj)
        assert {c.name for c in synced} == {"ping", "hint", "answer", "interview"}
        put = await fake_discord.wait_for_request(
            "PUT", f"/applications/{fake_discord.application_id}/guilds/*/commands"
        )
        assert {c["name"] for c in put.json} == {"ping", "hint", "answer", "interview"}

        ix = await fake_discord.slash("ping")
        assert ix.payload["data"]["guild_id"] == str(fake_discord.guild_id)
        cb = await ix.wait_callback()
        assert cb["type"] == 4 and cb["data"]["content"] == "pong"
        req = await fake_discord.wait_for_request("POST", f"/interactions/{ix.id}/*/callback")
        assert req.query.get("with_response") == "1"
        assert req.response["interaction"]["response_message_id"] == str(ix.original_message_id)
        msg = await ix.wait_reply()
        assert msg.content == "pong" and msg.channel_id == fake_discord.channel_id
        assert ix.latency is not None and ix.latency < 3

        # a second answer to the same interaction is refused like Discord does
        assert fake_discord.find_requests("POST", "/interactions/*", status=200)


async def test_button_click_reaches_view_callback(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)
    async with running_client(bot, fake_discord):
        await bot.tree.sync(guild=bot.guild_obj)
        ix = await fake_discord.slash("hint")
        msg = await ix.wait_reply()
        assert msg.custom_ids() == ["hint"]
        assert msg.components[0]["components"][0]["label"] == "Hint"

        click = await fake_discord.click(msg, "hint")
        cb = await click.wait_callback()
        assert cb["data"]["content"] == "here is a hint"
        assert cb["data"]["flags"] & 64  # ephemeral
        assert bot.clicks == [int(fake_discord.alice["id"])]
        assert (await click.wait_reply()).ephemeral


async def test_modal_round_trip(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)
    async with running_client(bot, fake_discord):
        await bot.tree.sync(guild=bot.guild_obj)
        ix = await fake_discord.slash("answer")
        modal = await ix.wait_modal()
        assert modal["custom_id"] == "answer_modal"
        assert modal["title"] == "Your answer"
        answer = "x" * 3999
        sub = await fake_discord.submit_modal(ix, {"answer_text": answer})
        reply = await sub.wait_reply()
        assert reply.content == "got 3999 chars"
        assert bot.answers == [answer]


async def test_subcommand_autocomplete_thread_and_followup(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)
    async with running_client(bot, fake_discord):
        await bot.tree.sync(guild=bot.guild_obj)
        ac = await fake_discord.autocomplete("interview start", {"round": "ml"}, focused="round")
        choices = await ac.wait_choices()
        assert [c["value"] for c in choices] == ["ml-metrics", "ml-launch"]

        ix = await fake_discord.slash("interview start", {"round": "ml-metrics", "solo": True})
        followup = await ix.wait_followup()
        assert len(fake_discord.threads_created) == 1
        thread = fake_discord.threads_created[0]
        assert thread["type"] == 12 and thread["parent_id"] == str(fake_discord.channel_id)
        assert followup.content == f"Started in <#{thread['id']}>"
        first = await ix.wait_message(channel_id=int(thread["id"]))
        assert first.content == "Welcome to ml-metrics"
        assert bot.get_channel(int(thread["id"])) is not None  # THREAD_CREATE reached cache
        assert ix.callback["type"] == 5

        # without the permission, thread creation fails with Discord's 50013
        only_send = discord.Permissions(view_channel=True, send_messages=True).value
        await fake_discord.set_bot_permissions(fake_discord.guild_id, only_send, everyone=0)
        ix2 = await fake_discord.slash("interview start", {"round": "pricing"})
        err = await fake_discord.wait_for_request(
            "POST", f"/channels/{fake_discord.channel_id}/threads", status=403
        )
        assert err.response["code"] == 50013
        assert ix2.callback["type"] == 5


async def test_message_with_file_attachment(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)
    async with running_client(bot, fake_discord):
        channel = bot.get_channel(fake_discord.channel_id)
        assert isinstance(channel, discord.TextChannel)
        data = b"# Transcript\n\n- Q: why?\n- A: because\n"
        embed = discord.Embed(title="Summary", description="verdict: hire")
        sent = await channel.send(
            "summary", embed=embed, file=discord.File(io.BytesIO(data), "transcript.md")
        )
        req = await fake_discord.wait_for_request("POST", f"/channels/{channel.id}/messages")
        assert req.files and req.files[0].data == data
        assert req.files[0].filename == "transcript.md"
        stored = fake_discord.messages[sent.id]
        assert stored.file_bytes("transcript.md") == data
        assert stored.embeds[0]["title"] == "Summary"
        assert stored.allowed_mentions == {"parse": []}  # client-wide AllowedMentions.none()
        assert sent.attachments[0].filename == "transcript.md"
        assert await sent.attachments[0].read() == data

        # DMs: channel create, then a send that Discord refuses with 50007
        alice = await bot.fetch_user(int(fake_discord.alice["id"]))
        dm = await alice.create_dm()
        await dm.send("hello")
        assert (await fake_discord.wait_for_message(dm.id)).content == "hello"
        fake_discord.close_dms(alice.id)
        with pytest.raises(discord.Forbidden) as exc:
            await dm.send("again")
        assert exc.value.code == 50007


async def test_all_intents_members_cached_and_pings_recorded(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id, intents=discord.Intents.all())
    async with running_client(bot, fake_discord):
        guild = bot.get_guild(fake_discord.guild_id)
        assert guild is not None and guild.chunked
        alice_id = int(fake_discord.alice["id"])
        assert guild.get_member(alice_id) is not None
        channel = guild.get_channel(fake_discord.channel_id)
        assert isinstance(channel, discord.TextChannel)
        text = f"@everyone <@{alice_id}> said hi"
        quiet = await channel.send(text)  # client default: AllowedMentions.none()
        loud = await channel.send(text, allowed_mentions=discord.AllowedMentions.all())
        assert fake_discord.messages[quiet.id].allowed_pings() == {
            "everyone": False,
            "users": set(),
            "roles": set(),
        }
        pings = fake_discord.messages[loud.id].allowed_pings()
        assert pings["everyone"] and pings["users"] == {alice_id}
        # with the message-content intent, guild messages keep their content
        await fake_discord.user_message(fake_discord.channel_id, "visible")
        await fake_discord.wait_until(lambda: bool(bot.seen_messages), 3, "message")
        assert bot.seen_messages[0].content == "visible"


async def test_user_messages_and_message_content_intent(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)  # default intents: no message content
    async with running_client(bot, fake_discord):
        await fake_discord.user_message(fake_discord.channel_id, "my answer")
        dm_id = fake_discord.dm_channel_for(fake_discord.alice)
        await fake_discord.user_message(dm_id, "dm answer")
        await fake_discord.wait_until(lambda: len(bot.seen_messages) == 2, 3, "messages")
        assert [m.content for m in bot.seen_messages] == ["", "dm answer"]
        assert isinstance(bot.seen_messages[1].channel, discord.DMChannel)


async def test_gateway_drop_resumes_and_replays(fake_discord: FakeDiscord) -> None:
    intents = discord.Intents.default()
    intents.message_content = True
    bot = TinyBot(fake_discord.guild_id, intents=intents)
    async with running_client(bot, fake_discord):
        await bot.tree.sync(guild=bot.guild_obj)
        await fake_discord.drop_gateway()
        # dispatched while disconnected: must be replayed after RESUME
        await fake_discord.user_message(fake_discord.channel_id, "while away")
        await fake_discord.wait_for_resume()
        await asyncio.wait_for(bot.resumed.wait(), 5)
        resume = next(p for p in fake_discord.gateway_received if p["op"] == 6)
        assert resume["d"]["session_id"] == fake_discord.session.session_id
        assert fake_discord.identifies == 1 and fake_discord.connections == 2
        ix = await fake_discord.slash("ping")
        assert (await ix.wait_reply()).content == "pong"
        await fake_discord.wait_until(lambda: len(bot.seen_messages) == 1, 3, "replayed msg")
        assert bot.seen_messages[0].content == "while away"


async def test_rest_429_retried_message_arrives_once(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)
    async with running_client(bot, fake_discord):
        channel = bot.get_channel(fake_discord.channel_id)
        assert isinstance(channel, discord.TextChannel)
        path = f"/channels/{channel.id}/messages"
        fault = fake_discord.fail_next("POST", path, retry_after=0.05)
        await channel.send("exactly once")
        attempts = fake_discord.find_requests("POST", path)
        assert [r.status for r in attempts] == [429, 200]
        assert fault.hits == 1
        sent = fake_discord.find_messages(
            channel.id, predicate=lambda m: m.content == "exactly once"
        )
        assert len(sent) == 1

        # the same for an interaction callback (webhook adapter path)
        await bot.tree.sync(guild=bot.guild_obj)
        fake_discord.fail_next("POST", "/interactions/*/callback", retry_after=0.05)
        ix = await fake_discord.slash("ping")
        assert (await ix.wait_reply()).content == "pong"
        statuses = [
            r.status for r in fake_discord.find_requests("POST", f"/interactions/{ix.id}/*")
        ]
        assert statuses == [429, 200]

        # a 429 without Via is a Cloudflare ban for discord.py: surfaced, not retried
        fake_discord.fail_next("POST", path, error=None)
        fake_discord.faults[-1].headers.pop("Via")
        with pytest.raises(discord.HTTPException) as exc:
            await channel.send("banned")
        assert exc.value.status == 429

        # Missing Permissions
        fake_discord.fail_next("POST", path, error=50013)
        with pytest.raises(discord.Forbidden) as exc2:
            await channel.send("no perms")
        assert exc2.value.code == 50013


async def test_late_callback_is_unknown_interaction(fake_discord: FakeDiscord) -> None:
    fake_discord.interaction_deadline = 0.2
    bot = TinyBot(fake_discord.guild_id)
    failures: list[BaseException] = []

    @bot.tree.command(name="slow", description="too slow", guild=bot.guild_obj)
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.3)
        try:
            await interaction.response.send_message("late")
        except discord.NotFound as e:
            failures.append(e)

    async with running_client(bot, fake_discord):
        await bot.tree.sync(guild=bot.guild_obj)
        ix = await fake_discord.slash("slow")
        req = await fake_discord.wait_for_request("POST", f"/interactions/{ix.id}/*/callback")
        assert req.status == 404 and req.response["code"] == 10062
        await fake_discord.wait_until(lambda: bool(failures), 2, "NotFound in command")
        assert ix.callback is None


async def test_unknown_route_recorded_as_404(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)
    async with running_client(bot, fake_discord):
        with pytest.raises(discord.NotFound):
            await bot.http.request(discord.http.Route("GET", "/guilds/{guild_id}/bans", guild_id=1))
        rec = await fake_discord.wait_for_request("GET", "/guilds/1/bans")
        assert rec.status == 404


class PersistentView(discord.ui.View):
    def __init__(self, clicks: list[str], tag: str) -> None:
        super().__init__(timeout=None)
        self.clicks = clicks
        self.tag = tag

    @discord.ui.button(label="Answer", custom_id="iv:answer")
    async def answer(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        self.clicks.append(self.tag)
        await interaction.response.defer()


async def test_restart_persistent_view_still_clickable(fake_discord: FakeDiscord) -> None:
    clicks: list[str] = []
    first = TinyBot(fake_discord.guild_id)
    async with running_client(first, fake_discord):
        channel = first.get_channel(fake_discord.channel_id)
        assert isinstance(channel, discord.TextChannel)
        sent = await channel.send("Q1", view=PersistentView(clicks, "first"))
    assert first.is_closed()

    second = TinyBot(fake_discord.guild_id)

    async def setup_hook() -> None:
        second.add_view(PersistentView(clicks, "second"))

    second.setup_hook = setup_hook  # type: ignore[method-assign]
    async with running_client(second, fake_discord):
        assert fake_discord.identifies == 2
        ix = await fake_discord.click(fake_discord.messages[sent.id], "iv:answer")
        cb = await ix.wait_callback()
        assert cb["type"] == 6  # deferred update
        assert clicks == ["second"]


async def test_dm_slash_command(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)

    @bot.tree.command(name="whereami", description="DM test")
    async def whereami(interaction: discord.Interaction) -> None:
        kind = "dm" if isinstance(interaction.channel, discord.DMChannel) else "guild"
        await interaction.response.send_message(f"{kind}:{interaction.user.name}")

    async with running_client(bot, fake_discord):
        await bot.tree.sync()  # global
        assert [c["name"] for c in fake_discord.commands[None]] == ["whereami"]
        ix = await fake_discord.slash("whereami", dm=True)
        assert "guild_id" not in ix.payload and "guild_id" not in ix.payload["data"]
        reply = await ix.wait_reply()
        assert reply.content == "dm:alice"
        assert reply.channel_id == fake_discord.dm_channel_for(fake_discord.alice)


async def test_auto_sharded_uses_gateway_bot(fake_discord: FakeDiscord) -> None:
    class Sharded(commands.AutoShardedBot):
        pass

    bot = Sharded(command_prefix="!", intents=discord.Intents.default(), guild_ready_timeout=0.05)
    async with running_client(bot, fake_discord):
        assert fake_discord.find_requests("GET", "/gateway/bot")
        identify = next(p for p in fake_discord.gateway_received if p["op"] == 2)
        assert identify["d"]["shard"] == [0, 1]
        assert bot.get_guild(fake_discord.guild_id) is not None


async def test_reconnect_op_and_invalid_session(fake_discord: FakeDiscord) -> None:
    bot = TinyBot(fake_discord.guild_id)

    async def no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
        pass  # discord.py sleeps 5 s before a non-initial IDENTIFY

    bot.before_identify_hook = no_identify_delay  # type: ignore[method-assign]
    async with running_client(bot, fake_discord):
        await fake_discord.send_reconnect()  # op 7: client reconnects and RESUMEs
        await fake_discord.wait_for_resume()
        assert fake_discord.identifies == 1
        await fake_discord.invalidate_session(resumable=False)  # op 9 false: re-IDENTIFY
        await fake_discord.wait_for_identify(2)
        await fake_discord.wait_until(lambda: fake_discord.connected, 3, "reconnected")
        await bot.tree.sync(guild=bot.guild_obj)
        ix = await fake_discord.slash("ping")
        assert (await ix.wait_reply()).content == "pong"


def _pending_tasks() -> list[asyncio.Task]:
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not current and not t.done()]


async def test_clean_shutdown_leaves_no_tasks(fake_discord: FakeDiscord) -> None:
    loop = asyncio.get_running_loop()
    loop_errors: list[dict] = []
    old_handler = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, ctx: loop_errors.append(ctx))
    bot = TinyBot(fake_discord.guild_id)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            async with running_client(bot, fake_discord):
                await bot.tree.sync(guild=bot.guild_obj)
                ix = await fake_discord.slash("ping")
                await ix.wait_reply()
            assert bot.is_closed()
            await asyncio.sleep(0.05)
            assert _pending_tasks() == []
            await fake_discord.wait_until(lambda: not fake_discord.connected, 2, "gateway closed")
            del bot
            gc.collect()
        bad = [
            w for w in caught if "never awaited" in str(w.message) or "nclosed" in str(w.message)
        ]
        assert bad == []
        assert loop_errors == []
    finally:
        loop.set_exception_handler(old_handler)


async def test_view_timeout_task_outlives_close(fake_discord: FakeDiscord) -> None:
    """discord.py does not stop views on close(): a view with a timeout (and every
    ephemeral view, which gets 15 min) leaves its timer task pending. A bot that wants
    a clean shutdown must stop its views itself."""
    bot = TinyBot(fake_discord.guild_id)
    async with running_client(bot, fake_discord):
        await bot.tree.sync(guild=bot.guild_obj)
        ix = await fake_discord.slash("hint")  # HintView(timeout=30)
        await ix.wait_reply()
        await fake_discord.wait_until(lambda: bool(_pending_view_timers()), 2, "view timer")
    leftover = _pending_tasks()
    assert leftover and all("timeout_task_impl" in repr(t.get_coro()) for t in leftover)
    for t in leftover:
        t.cancel()
    await asyncio.gather(*leftover, return_exceptions=True)


def _pending_view_timers() -> list[asyncio.Task]:
    return [t for t in _pending_tasks() if "timeout_task_impl" in repr(t.get_coro())]


async def test_bodies_discord_would_reject_get_discords_400(fake_discord: FakeDiscord) -> None:
    """The fake checks request bodies against Discord's published schema (discord_api.py)."""
    fake = fake_discord
    bot = TinyBot(fake.guild_id)
    async with running_client(bot, fake):
        channel = bot.get_partial_messageable(fake.channel_id)
        since = fake.checkpoint()
        with pytest.raises(discord.HTTPException) as long_content:
            await channel.send("x" * 2001)  # the schema says 4,000; the docs (which win) 2,000
        assert (long_content.value.status, long_content.value.code) == (400, 50035)
        assert "In content: Must be 2000 or fewer in length." in str(long_content.value)

        crowded = discord.Embed(title="many fields")
        for n in range(26):
            crowded.add_field(name=f"f{n}", value="v")
        with pytest.raises(discord.HTTPException) as fields:
            await channel.send(embed=crowded)
        assert "In embeds.0.fields: Must be 25 or fewer in length." in str(fields.value)

        big = [discord.Embed(description="y" * 4000), discord.Embed(description="z" * 2001)]
        with pytest.raises(discord.HTTPException) as total:
            await channel.send(embeds=big)  # each fits, together they pass 6,000 characters
        assert "Embed size exceeds maximum size of 6000" in str(total.value)

        ok = await channel.send("x" * 2000, embeds=[discord.Embed(description="y" * 4000)])
        assert [m.id for m in fake.find_messages(fake.channel_id, since=since)] == [ok.id]
        assert len(fake.schema_rejections) == 3
