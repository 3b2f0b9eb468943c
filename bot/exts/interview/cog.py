"""The `/interview` command group, the session buttons, the answer form and plain-message answers.

Every interview action goes through `bot.sessions.Interviews` (the same path as the
console), so an answer is committed before the interviewer's reply is posted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.interview import AnswerTooLong, InterviewError, check_answer
from bot.core.scenarios import Scenario
from bot.core.summary import Summary
from bot.exts.errors import TOO_MANY_THREADS, report
from bot.exts.groups._text import gsay
from bot.exts.interview._embeds import (
    CONTENT_LIMIT,
    clip,
    echo_embed,
    info_embed,
    move_embed,
    pack,
    summary_embeds,
    text_file,
)
from bot.exts.interview._text import esc, say, user_mention
from bot.exts.interview._views import (
    AnswerModal,
    forget_view,
    history_view,
    modal_answer,
    session_view,
)
from bot.render import render_status, render_transcript
from bot.sessions import NoOpenSession, Turn, UnknownScenario
from bot.store import SessionRecord

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.interview")

Sender = Callable[..., Awaitable[Any]]
HISTORY_PAGE = 10
THREAD_ARCHIVE_MINUTES = 1440


def place_of(user_id: int, guild_id: int | None) -> str:
    """Where a user's open session lives: one per server and one in DMs."""
    return f"guild:{guild_id}" if guild_id is not None else f"dm:{user_id}"


def _send_kwargs(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


def followup_sender(interaction: discord.Interaction, *, ephemeral: bool = False) -> Sender:
    async def send(**kwargs: Any) -> Any:
        return await interaction.followup.send(wait=True, ephemeral=ephemeral, **kwargs)

    return send


class InterviewCog(commands.Cog, name="Interview"):
    """Mock interviews on Discord."""

    interview = app_commands.Group(name="interview", description=say("cmd_group"))

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.settings = bot.settings
        self.interviews = bot.interviews
        self.store = bot.interviews.store
        # open sessions this process knows: session id -> (user id, channel id), and the
        # channel (thread or DM) -> session id used to route plain-message answers
        self.open: dict[int, tuple[str | None, int | None]] = {}
        self.by_channel: dict[int, int] = {}

    # ------------------------------------------------------------------ bookkeeping
    def track(self, session: SessionRecord) -> None:
        channel_id = int(session.channel_id) if session.channel_id else None
        self.open[session.id] = (session.user_id, channel_id)
        if channel_id is not None:
            self.by_channel[channel_id] = session.id

    def untrack(self, session_id: int) -> None:
        _, channel_id = self.open.pop(session_id, (None, None))
        if channel_id is not None and self.by_channel.get(channel_id) == session_id:
            del self.by_channel[channel_id]

    def channel_of(self, session: SessionRecord) -> discord.abc.Messageable:
        channel_id = int(session.channel_id or 0)
        channel = self.bot.get_channel(channel_id)
        if isinstance(channel, discord.abc.Messageable):
            return channel
        return self.bot.get_partial_messageable(channel_id)

    async def own_session(self, interaction: discord.Interaction) -> SessionRecord | None:
        place = place_of(interaction.user.id, interaction.guild_id)
        return await self.store.find_open_session(str(interaction.user.id), place)

    @staticmethod
    async def _is_theirs(interaction: discord.Interaction, user_id: int) -> bool:
        """True when the button's owner pressed it; otherwise say it is someone else's."""
        if interaction.user.id == user_id:
            return True
        await interaction.response.send_message(say("not_your_button"), ephemeral=True)
        return False

    async def own_session_or_say(self, interaction: discord.Interaction) -> SessionRecord | None:
        """The caller's open session here, or None after telling them they have none."""
        session = await self.own_session(interaction)
        if session is None:
            await interaction.response.send_message(say("no_session"), ephemeral=True)
        return session

    def _typing_hint(self, session: SessionRecord) -> bool:
        return session.place.startswith("dm:") or self.settings.message_content_intent

    def footer(self, session: SessionRecord, scenario: Scenario) -> str:
        state = self.interviews.state_of(session)
        return say(
            "move_footer",
            step=state.step + 1,
            steps=len(scenario.spec.steps),
            typing=self._typing_hint(session),
        )

    def check_length(self, text: str) -> str:
        """The answer, or AnswerTooLong (Discord's own limit, below the core's)."""
        limit = self.settings.max_answer_chars
        cleaned = text.strip()
        if len(cleaned) > limit:
            raise AnswerTooLong(say("answer_too_long", length=len(cleaned), limit=limit))
        return check_answer(text)

    # ------------------------------------------------------------------ delivery
    async def send_turn(
        self, send: Sender, turn: Turn, *, echo: discord.Embed | None = None
    ) -> None:
        """The interviewer's move with its buttons, or the end and the summary."""
        lead = [echo] if echo is not None else []
        move = move_embed(turn.scenario, turn.move)
        if turn.summary is not None:
            self.untrack(turn.session.id)
            await self.send_summary(send, turn.session, turn.scenario, turn.summary, [*lead, move])
            return
        move.set_footer(text=self.footer(turn.session, turn.scenario))
        groups = pack([*lead, move])
        for group in groups[:-1]:
            await send(embeds=group)
        await send(embeds=groups[-1], view=session_view(turn.session.id))

    async def send_summary(
        self,
        send: Sender,
        session: SessionRecord,
        scenario: Scenario,
        summary: Summary,
        lead: list[discord.Embed],
        content: str | None = None,
        *,
        live: bool = True,
    ) -> None:
        """Summary embeds (split to fit) and the transcript as a Markdown file.

        Other cogs add embeds and buttons (`summary_extras`: the change since a retried
        attempt, the panel, Retry); `live` is False when it is reopened from history.
        """
        transcript = await self.transcript_markdown(session, scenario, summary)
        extra: list[discord.Embed] = []
        view: discord.ui.View | None = None
        for extras in self.hooks("summary_extras"):
            embeds, items = await extras(session, scenario, summary, live=live)
            extra.extend(embeds)
            for item in items:
                view = view or discord.ui.View(timeout=None)
                view.add_item(item)
        groups = pack([*lead, *summary_embeds(summary), *extra])
        for i, group in enumerate(groups):
            last = i == len(groups) - 1
            file = (
                text_file(transcript, f"interview-{session.id}-{scenario.id}.md") if last else None
            )
            await send(
                **_send_kwargs(
                    content=content if i == 0 else None,
                    embeds=group,
                    file=file,
                    view=view if last else None,
                )
            )

    async def transcript_markdown(
        self, session: SessionRecord, scenario: Scenario, summary: Summary | None
    ) -> str:
        name = None
        if session.user_id:
            user = await self.store.get_user(session.user_id)
            name = user.display_name if user else None
        turns = [
            (say("speaker", role=t.role, persona=scenario.spec.persona, name=name), t.text)
            for t in await self.store.transcript(session.id)
        ]
        return render_transcript(scenario, turns, summary)

    # ------------------------------------------------------------------ /interview start
    @interview.command(name="start", description=say("cmd_start"))
    @app_commands.describe(
        round=say("cmd_start_round"),
        mode=say("cmd_start_mode"),
        candidate=gsay("cmd_start_candidate"),
    )
    @app_commands.choices(
        mode=[
            app_commands.Choice(name=say("mode_solo"), value="solo"),
            app_commands.Choice(name=say("mode_group"), value="group"),
        ]
    )
    async def start(
        self,
        interaction: discord.Interaction,
        round: str,
        mode: app_commands.Choice[str] | None = None,
        candidate: discord.Member | None = None,
    ) -> None:
        scenario = await self.interviews.scenario_in(interaction.guild_id, round.strip())
        mode_value = mode.value if mode is not None else "solo"
        await self.begin(interaction, scenario, mode_value, candidate=candidate)

    def hooks(self, name: str) -> list[Callable[..., Any]]:
        """Method `name` of every other cog that extends interviews (study groups, timers)."""
        cogs = [c for c in self.bot.cogs.values() if c is not self]  # type: ignore[attr-defined]
        return [getattr(c, name) for c in cogs if hasattr(c, name)]

    async def begin(
        self,
        interaction: discord.Interaction,
        scenario: Scenario,
        mode_value: str,
        *,
        candidate: discord.abc.User | None = None,
        retry_of: int | None = None,
    ) -> None:
        """Start `scenario` from this interaction, for `candidate` (default: the user).

        Someone else's session runs in group mode; a retry started in a thread opens
        its own thread next to it. Other cogs may refuse the start (server settings).
        """
        organiser = interaction.user
        user = candidate or organiser
        if user.id != organiser.id:
            mode_value = "group"
        for refuse in self.hooks("start_refusal"):
            reason = await refuse(interaction, mode_value, user)
            if reason:
                await interaction.response.send_message(reason, ephemeral=True)
                return
        links = {
            "organiser_id": str(organiser.id) if user.id != organiser.id else None,
            "retry_of": retry_of,
        }
        existing = await self.store.find_open_session(
            str(user.id), place_of(user.id, interaction.guild_id)
        )
        if existing is not None:
            where = (
                say("where_channel", channel=f"<#{existing.channel_id}>")
                if existing.channel_id and interaction.guild_id
                else say("where_dm")
            )
            await interaction.response.send_message(
                say("already_open", where=where), ephemeral=True
            )
            return
        if interaction.guild_id is None:
            await self._start_in_dm(interaction, scenario, mode_value, links)
            return

        private = mode_value == "solo"
        await interaction.response.defer(thinking=True, ephemeral=private)
        channel = interaction.channel
        if retry_of is not None and isinstance(channel, discord.Thread) and channel.parent:
            channel = channel.parent  # type: ignore[assignment]
        thread: discord.Thread | None = None
        reason: str | None = None
        if not isinstance(channel, discord.TextChannel):
            reason = say("fallback_no_threads_here")
        else:
            perms = interaction.app_permissions
            allowed = perms.create_private_threads if private else perms.create_public_threads
            if not allowed:
                reason = say("fallback_no_permission", private=private)
            else:
                try:
                    thread = await self._open_thread(channel, scenario, user, private)
                except discord.Forbidden:
                    reason = say("fallback_no_permission", private=private)
                except discord.HTTPException as exc:
                    if exc.code != TOO_MANY_THREADS:
                        raise
                    reason = say("fallback_too_many_threads")
        target: discord.abc.Messageable = thread or channel  # type: ignore[assignment]
        target_id = thread.id if thread is not None else getattr(channel, "id", None)
        turn = await self.interviews.start(
            str(user.id),
            user.display_name,
            place_of(user.id, interaction.guild_id),
            scenario.id,
            mode=mode_value,
            channel_id=str(target_id),
            guild_id=str(interaction.guild_id),
        )
        self.track(turn.session)
        try:
            for started in self.hooks("session_started"):
                await started(turn.session, **links)
            await self._post_opening(target.send, turn, user)
        except Exception:
            await self._abandon(turn.session)
            raise
        if thread is not None:
            note = say(
                "started_in_thread",
                thread=thread.mention,
                intent=self.settings.message_content_intent,
            )
        else:
            note = say("thread_fallback", reason=reason)
        await interaction.followup.send(note, ephemeral=private)

    async def _open_thread(
        self,
        channel: discord.TextChannel,
        scenario: Scenario,
        user: discord.abc.User,
        private: bool,
    ) -> discord.Thread:
        name = clip(say("thread_name", scenario=scenario.spec, name=user.display_name), 100)
        if private:
            thread = await channel.create_thread(
                name=name,
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
        else:
            thread = await channel.create_thread(
                name=name,
                type=discord.ChannelType.public_thread,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
            )
        try:
            await thread.add_user(user)
        except discord.HTTPException as exc:
            log.warning("could not add user %s to thread %s: %s", user.id, thread.id, exc)
        return thread

    async def _start_in_dm(
        self,
        interaction: discord.Interaction,
        scenario: Scenario,
        mode: str,
        links: dict[str, Any] | None = None,
    ) -> None:
        await interaction.response.defer(thinking=True)
        user = interaction.user
        turn = await self.interviews.start(
            str(user.id),
            user.display_name,
            place_of(user.id, None),
            scenario.id,
            mode=mode,
            channel_id=str(interaction.channel_id),
        )
        self.track(turn.session)
        try:
            for started in self.hooks("session_started"):
                await started(turn.session, **(links or {"organiser_id": None, "retry_of": None}))
            await self._post_opening(followup_sender(interaction), turn, user)
        except Exception:
            await self._abandon(turn.session)
            raise

    async def _post_opening(self, send: Sender, turn: Turn, user: discord.abc.User) -> None:
        spec = turn.scenario.spec
        candidate = esc(user.display_name)
        content = say("welcome", scenario=spec, candidate=candidate)
        if turn.session.mode == "group":
            content += "\n" + say("group_note", candidate=candidate)
        embed = move_embed(turn.scenario, turn.move, self.footer(turn.session, turn.scenario))
        view = session_view(turn.session.id)
        for items in self.hooks("opening_items"):
            for item in items(turn.session):
                view.add_item(item)
        await send(content=clip(content, CONTENT_LIMIT), embeds=[embed], view=view)

    async def _abandon(self, session: SessionRecord) -> None:
        """The opening could not be posted: close the session so it does not block a retry."""
        self.untrack(session.id)
        with contextlib.suppress(Exception):
            await self.store.end_session(session.id, "ended")

    @start.autocomplete("round")
    async def round_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.strip().lower()
        choices = []
        for s in await self.interviews.registry.available(interaction.guild_id):
            spec = s.spec
            haystack = f"{spec.id} {spec.title} {spec.round} {spec.description}".lower()
            if needle in haystack:
                name = clip(say("autocomplete_choice", scenario=spec), 100)
                choices.append(app_commands.Choice(name=name, value=spec.id))
        return choices[:25]

    # ------------------------------------------------------------------ answer / end / status
    @interview.command(name="answer", description=say("cmd_answer"))
    async def answer(self, interaction: discord.Interaction) -> None:
        session = await self.own_session_or_say(interaction)
        if session is None:
            return
        scenario = await self.interviews.scenario_for(session)
        await interaction.response.send_modal(
            AnswerModal(session.id, scenario, self.settings.max_answer_chars)
        )

    @interview.command(name="end", description=say("cmd_end"))
    async def end(self, interaction: discord.Interaction) -> None:
        session = await self.own_session_or_say(interaction)
        if session is None:
            return
        await self._end(interaction, session)

    async def _end(self, interaction: discord.Interaction, session: SessionRecord) -> None:
        same = interaction.channel_id == int(session.channel_id or 0)
        await interaction.response.defer(thinking=True, ephemeral=not same)
        turn = await self.interviews.end(session.id, str(interaction.user.id))
        if same:
            await self.send_turn(followup_sender(interaction), turn)
            return
        await self.send_turn(self.channel_of(session).send, turn)
        await interaction.followup.send(
            say("feedback_posted", channel=f"<#{session.channel_id}>"), ephemeral=True
        )

    @interview.command(name="status", description=say("cmd_status"))
    async def status(self, interaction: discord.Interaction) -> None:
        session = await self.own_session_or_say(interaction)
        if session is None:
            return
        scenario = await self.interviews.scenario_for(session)
        state = self.interviews.state_of(session)
        text = render_status(scenario, state, self.interviews.clock())
        for lines in self.hooks("status_lines"):
            text += "".join(f"\n{line}" for line in lines(session, scenario, state))
        await interaction.response.send_message(clip(text, CONTENT_LIMIT), ephemeral=True)

    @interview.command(name="rounds", description=say("cmd_rounds"))
    async def rounds(self, interaction: discord.Interaction) -> None:
        scenarios = await self.interviews.registry.available(interaction.guild_id)
        embed = info_embed(
            say("rounds_title", count=len(scenarios)),
            [say("round_line", scenario=s.spec) for s in scenarios],
            footer=say("rounds_footer"),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ------------------------------------------------------------------ history / forget-me
    @interview.command(name="history", description=say("cmd_history"))
    @app_commands.describe(page=say("cmd_history_page"))
    async def history(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 1000] = 1
    ) -> None:
        embed, view = await self._history_page(interaction.user.id, page)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    async def _history_page(self, user_id: int, page: int) -> tuple[discord.Embed, discord.ui.View]:
        page = max(1, page)
        rows = await self.store.user_history(
            str(user_id), limit=HISTORY_PAGE + 1, offset=(page - 1) * HISTORY_PAGE
        )
        more = len(rows) > HISTORY_PAGE
        rows = rows[:HISTORY_PAGE]
        if not rows:
            embed = info_embed(say("history_title", page=page), [say("history_empty")])
            return embed, history_view(user_id, page, False, [])
        shown = [self._history_row(r) for r in rows]
        embed = info_embed(
            say("history_title", page=page), [say("history_row", r=r) for r in shown]
        )
        options = [
            discord.SelectOption(label=clip(say("history_option", r=r), 100), value=str(r["id"]))
            for r in shown
        ]
        return embed, history_view(user_id, page, more, options)

    def _history_row(self, session: SessionRecord) -> dict[str, Any]:
        scenario = self.interviews.catalogue.scenarios.get(session.scenario_id)
        return {
            "id": session.id,
            "when": time.strftime("%Y-%m-%d %H:%M", time.gmtime(session.started_at)),
            "title": scenario.spec.title if scenario else session.scenario_id,
            "status": session.status,
            "overall": round(session.overall) if session.overall is not None else None,
        }

    async def on_history_page(
        self, interaction: discord.Interaction, user_id: int, page: int
    ) -> None:
        try:
            if not await self._is_theirs(interaction, user_id):
                return
            embed, view = await self._history_page(user_id, page)
            await interaction.response.edit_message(embed=embed, view=view)
        except Exception as exc:
            await report(interaction, exc)

    async def on_history_open(
        self, interaction: discord.Interaction, user_id: int, session_id: int
    ) -> None:
        try:
            if not await self._is_theirs(interaction, user_id):
                return
            session = await self.store.get_session(session_id)
            if session is None or session.user_id != str(user_id):
                await interaction.response.send_message(say("history_missing"), ephemeral=True)
                return
            if session.purged_at is not None or not session.state:
                await interaction.response.send_message(
                    say("history_purged", session_id=session.id), ephemeral=True
                )
                return
            await interaction.response.defer(thinking=True, ephemeral=True)
            scenario = await self.interviews.scenario_for(session)
            summary = self.interviews.summary_of(session)
            content = say("history_open", session_id=session.id) if session.is_open else None
            await self.send_summary(
                followup_sender(interaction, ephemeral=True),
                session,
                scenario,
                summary,
                [],
                content=content,
                live=False,
            )
        except Exception as exc:
            await report(interaction, exc)

    @interview.command(name="forget-me", description=say("cmd_forget"))
    async def forget_me(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            say("forget_confirm", days=self.settings.transcript_retention_days),
            view=forget_view(interaction.user.id),
            ephemeral=True,
        )

    async def on_forget_button(
        self, interaction: discord.Interaction, user_id: int, action: str
    ) -> None:
        try:
            if not await self._is_theirs(interaction, user_id):
                return
            if action == "export":
                await interaction.response.defer(thinking=True, ephemeral=True)
                data = await self.store.export_user(str(user_id))
                raw = json.dumps(data, ensure_ascii=False, indent=2)
                await interaction.followup.send(
                    say("exported"),
                    file=text_file(raw, "interview-bot-export.json"),
                    ephemeral=True,
                )
                return
            await interaction.response.defer()
            for sid, (owner, _) in list(self.open.items()):
                if owner == str(user_id):
                    self.untrack(sid)
            counts = await self.store.forget_user(str(user_id))
            await interaction.edit_original_response(
                content=say("forgotten", counts=counts), view=None
            )
        except Exception as exc:
            await report(interaction, exc)

    # ------------------------------------------------------------------ buttons and the form
    async def on_session_button(
        self, interaction: discord.Interaction, action: str, session_id: int
    ) -> None:
        try:
            session = await self.store.get_session(session_id)
            if session is None or not session.is_open:
                await interaction.response.send_message(say("session_over"), ephemeral=True)
                return
            if session.user_id != str(interaction.user.id):
                await interaction.response.send_message(
                    say("not_your_interview", candidate=user_mention(session.user_id)),
                    ephemeral=True,
                )
                return
            scenario = await self.interviews.scenario_for(session)
            if action == "answer":
                await interaction.response.send_modal(
                    AnswerModal(session.id, scenario, self.settings.max_answer_chars)
                )
            elif action == "hint":
                await interaction.response.defer(thinking=True, ephemeral=True)
                turn = await self.interviews.hint(session.id, str(interaction.user.id))
                await interaction.followup.send(
                    embed=move_embed(scenario, turn.move), ephemeral=True
                )
            else:
                await self._end(interaction, session)
        except Exception as exc:
            await report(interaction, exc)

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        parsed = modal_answer(interaction)
        if parsed is None:
            return
        session_id, text = parsed
        try:
            await self._form_answer(interaction, session_id, text)
        except Exception as exc:
            await report(interaction, exc)

    async def _form_answer(
        self, interaction: discord.Interaction, session_id: int, text: str
    ) -> None:
        session = await self.store.get_session(session_id)
        if session is None or not session.is_open:
            await interaction.response.send_message(say("session_over"), ephemeral=True)
            return
        if session.user_id != str(interaction.user.id):
            await interaction.response.send_message(
                say("not_your_interview", candidate=user_mention(session.user_id)), ephemeral=True
            )
            return
        try:
            self.check_length(text)
        except InterviewError as exc:  # before deferring, so the refusal stays private
            await interaction.response.send_message(
                say("rejected", reason=str(exc)), ephemeral=True
            )
            return
        same = interaction.channel_id == int(session.channel_id or 0)
        await interaction.response.defer(thinking=True, ephemeral=not same)
        turn = await self.interviews.answer(session.id, str(interaction.user.id), text)
        echo = echo_embed(esc(interaction.user.display_name), turn.session.state["answers"][-1])
        if same:
            await self.send_turn(followup_sender(interaction), turn, echo=echo)
            return
        await self.send_turn(self.channel_of(session).send, turn, echo=echo)
        await interaction.followup.send(
            say("answer_posted", channel=f"<#{session.channel_id}>"), ephemeral=True
        )

    # ------------------------------------------------------------------ plain messages
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        if message.type not in (discord.MessageType.default, discord.MessageType.reply):
            return
        try:
            await self._message_answer(message)
        except discord.HTTPException as exc:
            log.warning(
                "answering message %s in %s failed: %s", message.id, message.channel.id, exc
            )

    async def _message_answer(self, message: discord.Message) -> None:
        channel = message.channel
        user_id = str(message.author.id)
        if isinstance(channel, discord.DMChannel):
            session_id = self.by_channel.get(channel.id)
            if session_id is None:
                found = await self.store.find_open_session(
                    user_id, place_of(message.author.id, None)
                )
                if found is None:
                    if message.content.strip():
                        await channel.send(say("dm_no_session"))
                    return
                self.track(found)
                session_id = found.id
        elif isinstance(channel, discord.Thread) and self.settings.message_content_intent:
            session_id = self.by_channel.get(channel.id)
            if session_id is None or self.open.get(session_id, (None,))[0] != user_id:
                return  # not a session thread, or not the candidate (group mode: ignored)
        else:
            return
        text = message.content
        if not text.strip():
            return
        try:
            self.check_length(text)
        except InterviewError as exc:
            await message.reply(say("rejected", reason=str(exc)))
            return
        typing = asyncio.create_task(self._typing(channel))
        try:
            turn = await self.interviews.answer(session_id, user_id, text)
        except NoOpenSession:
            self.untrack(session_id)
            return
        except InterviewError as exc:
            await message.reply(say("rejected", reason=str(exc)))
            return
        finally:
            with contextlib.suppress(Exception):
                await typing
        await self.send_turn(channel.send, turn)

    @staticmethod
    async def _typing(channel: discord.abc.Messageable) -> None:
        """One "typing…" signal while the interviewer thinks (lasts ~10 s or until we post)."""
        try:
            await channel.typing()
        except discord.HTTPException as exc:
            log.debug("typing in %s failed: %s", getattr(channel, "id", "?"), exc)

    # ------------------------------------------------------------------ restart and sweep
    async def resume_open_sessions(self) -> int:
        """Post "resumed" and the open question in every open session's channel."""
        resumed = 0
        for session in await self.store.open_sessions():
            self.track(session)
            if not session.channel_id:
                continue
            try:
                scenario = await self.interviews.scenario_for(session)
                state = self.interviews.state_of(session)
            except (UnknownScenario, ValueError, TypeError) as exc:
                log.warning("session %s cannot be resumed: %s", session.id, exc)
                continue
            question = state.question()
            embeds = []
            if question is not None:
                embeds.append(move_embed(scenario, question, self.footer(session, scenario)))
            content = say("resumed", scenario=scenario.spec, answers=len(state.answers))
            try:
                await self.channel_of(session).send(
                    content=content, embeds=embeds, view=session_view(session.id)
                )
                resumed += 1
            except discord.HTTPException as exc:
                log.warning("could not post the resume of session %s: %s", session.id, exc)
        if resumed:
            log.info("resumed %d open interview(s)", resumed)
        return resumed

    async def post_expired(self, session: SessionRecord) -> None:
        """A session the idle sweep closed: its summary, in its channel."""
        self.untrack(session.id)
        if not session.channel_id:
            return
        try:
            scenario = await self.interviews.scenario_for(session)
            summary = self.interviews.summary_of(session)
            await self.send_summary(
                self.channel_of(session).send,
                session,
                scenario,
                summary,
                [],
                content=say("timed_out", candidate=user_mention(session.user_id)),
            )
        except (InterviewError, ValueError, discord.HTTPException) as exc:
            log.warning("could not post the summary of expired session %s: %s", session.id, exc)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(InterviewCog(bot))  # type: ignore[arg-type]
