"""`/interview start|answer|end|status|rounds`, the session buttons and the answer form.

The cog is the interview's Discord surface; the work is in its modules:
`_starting` (checks, threads, the opening), `_intake` (messages and forms taken as
answers, look-back after a re-identify), `_delivery` (replies, feedback, retries),
`_resume` (restart notices, the idle sweep's feedback), `_tracking` (what this process
knows of the open sessions), `_buttons` (Answer / Hint / End, the form). History and
forget-me are cogs of their own (`_history`, `_privacy`). Every interview action goes
through `bot.sessions.Interviews`, the same path as the console, so an answer is
committed before the interviewer's reply is posted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.scenarios import Scenario
from bot.exts.interview._buttons import AnswerModal, session_refusal, submitted_answer
from bot.exts.interview._delivery import Delivery, followup_sender
from bot.exts.interview._embeds import move_embed
from bot.exts.interview._intake import Intake
from bot.exts.interview._resume import Resumer
from bot.exts.interview._starting import Starter
from bot.exts.interview._tracking import OpenSessions
from bot.exts.shared.channels import place_of, session_channel
from bot.exts.shared.commands import (
    add_interview_subcommands,
    interview_subcommand,
    remove_interview_subcommands,
    subcommands_of,
)
from bot.exts.shared.embeds import CHOICE_NAME_LIMIT, CONTENT_LIMIT, info_embed, truncate
from bot.exts.shared.hooks import SESSION_EXPIRED, USER_FORGETTING, dispatch_sessions_resumed
from bot.exts.shared.items import reported
from bot.exts.shared.wording import groups_wording, interview_wording
from bot.render import render_status
from bot.store import SessionRecord

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.interview")

AUTOCOMPLETE_CHOICES = 25


class InterviewCog(commands.Cog, name="Interview"):
    """Mock interviews on Discord."""

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.interviews = bot.interviews
        self.sessions = OpenSessions()
        self.delivery = Delivery(bot, self.sessions)
        self.intake = Intake(bot, self.sessions, self.delivery)
        self.starter = Starter(bot, self.sessions)
        self.resumer = Resumer(bot, self.sessions)
        self.subcommands = subcommands_of(self)

    async def cog_load(self) -> None:
        add_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]
        self.bot.interview_hooks.register(self, starter=self.starter.begin)
        if self.bot.background:
            self.bot.spawn(self._resume_when_ready(), "resume-open-sessions")

    async def cog_unload(self) -> None:
        self.bot.interview_hooks.unregister(self)
        remove_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]

    async def _resume_when_ready(self) -> None:
        await self.bot.wait_until_ready()  # type: ignore[attr-defined]
        count = 0
        try:
            count = await self.resumer.resume_open_sessions()
        finally:
            dispatch_sessions_resumed(self.bot, count)  # type: ignore[arg-type]

    async def own_session(self, interaction: discord.Interaction) -> SessionRecord | None:
        """The caller's open session here (this server, or DMs), or None after saying so."""
        place = place_of(interaction.user.id, interaction.guild_id)
        session = await self.bot.store.find_open_session(str(interaction.user.id), place)
        if session is None:
            await interaction.response.send_message(interview_wording("no_session"), ephemeral=True)
        return session

    # ------------------------------------------------------------------ commands
    async def round_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        needle = current.strip().lower()
        choices = []
        for s in await self.interviews.registry.available(interaction.guild_id):
            spec = s.spec
            haystack = f"{spec.id} {spec.title} {spec.round} {spec.description}".lower()
            if needle in haystack:
                name = truncate(
                    interview_wording("autocomplete_choice", scenario=spec), CHOICE_NAME_LIMIT
                )
                choices.append(app_commands.Choice(name=name, value=spec.id))
        return choices[:AUTOCOMPLETE_CHOICES]

    @interview_subcommand("start", interview_wording("cmd_start"))
    @app_commands.describe(
        round=interview_wording("cmd_start_round"),
        mode=interview_wording("cmd_start_mode"),
        candidate=groups_wording("cmd_start_candidate"),
    )
    @app_commands.choices(
        mode=[
            app_commands.Choice(name=interview_wording("mode_solo"), value="solo"),
            app_commands.Choice(name=interview_wording("mode_group"), value="group"),
            app_commands.Choice(name=interview_wording("mode_study"), value="study"),
        ]
    )
    @app_commands.autocomplete(round=round_autocomplete)
    async def start(
        self,
        interaction: discord.Interaction,
        round: str,
        mode: app_commands.Choice[str] | None = None,
        candidate: discord.Member | None = None,
    ) -> None:
        scenario: Scenario = await self.interviews.scenario_in(interaction.guild_id, round.strip())
        mode_value = mode.value if mode is not None else "solo"
        await self.starter.begin(interaction, scenario, mode_value, candidate=candidate)

    @interview_subcommand("answer", interview_wording("cmd_answer"))
    async def answer(self, interaction: discord.Interaction) -> None:
        session = await self.own_session(interaction)
        if session is not None:
            await self._open_form(interaction, session)

    @interview_subcommand("end", interview_wording("cmd_end"))
    async def end(self, interaction: discord.Interaction) -> None:
        session = await self.own_session(interaction)
        if session is not None:
            await self._end(interaction, session)

    @interview_subcommand("status", interview_wording("cmd_status"))
    async def status(self, interaction: discord.Interaction) -> None:
        session = await self.own_session(interaction)
        if session is None:
            return
        scenario = await self.interviews.scenario_for(session)
        state = self.interviews.state_of(session)
        text = render_status(scenario, state, self.interviews.clock())
        for status_lines in self.bot.interview_hooks.status_lines:
            text += "".join(f"\n{line}" for line in status_lines(session, scenario, state))
        await interaction.response.send_message(truncate(text, CONTENT_LIMIT), ephemeral=True)

    @interview_subcommand("rounds", interview_wording("cmd_rounds"))
    async def rounds(self, interaction: discord.Interaction) -> None:
        scenarios = await self.interviews.registry.available(interaction.guild_id)
        embed = info_embed(
            interview_wording("rounds_title", count=len(scenarios)),
            [interview_wording("round_line", scenario=s.spec) for s in scenarios],
            footer=interview_wording("rounds_footer"),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ------------------------------------------------------------------ the session's actions
    async def on_session_button(
        self, interaction: discord.Interaction, action: str, session: SessionRecord
    ) -> None:
        """Answer / Hint / End pressed by the candidate of an open session."""
        if action == "answer":
            await self._open_form(interaction, session)
        elif action == "hint":
            await self._hint(interaction, session)
        else:
            await self._end(interaction, session)

    async def _open_form(self, interaction: discord.Interaction, session: SessionRecord) -> None:
        scenario = await self.interviews.scenario_for(session)
        limit = self.bot.settings.max_answer_chars
        await interaction.response.send_modal(AnswerModal(session.id, scenario, limit))

    async def _hint(self, interaction: discord.Interaction, session: SessionRecord) -> None:
        scenario = await self.interviews.scenario_for(session)
        await interaction.response.defer(thinking=True, ephemeral=True)
        turn = await self.interviews.hint(session.id, str(interaction.user.id))
        await interaction.followup.send(embed=move_embed(scenario, turn.move), ephemeral=True)

    async def _end(self, interaction: discord.Interaction, session: SessionRecord) -> None:
        same = interaction.channel_id == int(session.channel_id or 0)
        await interaction.response.defer(thinking=True, ephemeral=not same)
        turn = await self.interviews.end(session.id, str(interaction.user.id))
        if same:
            await self.delivery.send_turn(followup_sender(interaction), turn)
            return
        channel = session_channel(self.bot, session)  # type: ignore[arg-type]
        await self.delivery.send_turn(channel.send, turn)
        await interaction.followup.send(
            interview_wording("feedback_posted", channel=f"<#{session.channel_id}>"),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ listeners
    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A submitted answer form (read by custom id, so forms from before a restart count)."""
        submitted = submitted_answer(interaction)
        if submitted is None:
            return
        session_id, text = submitted
        async with reported(interaction):
            session = await self.bot.store.get_session(session_id)
            refusal = (
                interview_wording("session_over")
                if session is None
                else session_refusal(interaction, session)
            )
            if refusal is not None or session is None:
                await interaction.response.send_message(refusal, ephemeral=True)
                return
            await self.intake.take_form(interaction, session, text)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        await self.intake.take_message_event(message)

    @commands.Cog.listener()
    async def on_connect(self) -> None:
        if not isinstance(self.bot, commands.AutoShardedBot):
            self.intake.gateway_ready(None)

    @commands.Cog.listener()
    async def on_shard_connect(self, shard_id: int) -> None:
        self.intake.gateway_ready(shard_id)

    @commands.Cog.listener(f"on_{SESSION_EXPIRED}")
    async def on_session_expired(self, session: SessionRecord) -> None:
        await self.resumer.post_expired(session)

    @commands.Cog.listener(f"on_{USER_FORGETTING}")
    async def on_user_forgetting(self, user_id: str) -> None:
        self.sessions.untrack_user(user_id)
