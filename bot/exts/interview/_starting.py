"""Starting an interview: the checks, a thread of its own (or a fallback), the opening.

In a server each interview runs in a thread (private for solo, public for group
sessions others may watch), or in the channel itself when threads cannot be made
there, with the reason. In DMs it runs in the DM. Other features may refuse a start
(the `start_checks` hooks: server settings) and add to it (`session_started`,
`opening_items`).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.core.scenarios import Scenario
from bot.exts.errors import TOO_MANY_THREADS
from bot.exts.interview._buttons import session_view
from bot.exts.interview._delivery import Sender, followup_sender, move_footer
from bot.exts.interview._embeds import move_embed, study_embed
from bot.exts.interview._tracking import OpenSessions
from bot.exts.shared.channels import place_of
from bot.exts.shared.embeds import CHOICE_NAME_LIMIT, CONTENT_LIMIT, truncate
from bot.exts.shared.hooks import StartLinks
from bot.exts.shared.wording import escape_user_text, interview_wording
from bot.sessions import Turn
from bot.store import SessionRecord

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.interview")

THREAD_ARCHIVE_MINUTES = 1440


class Starter:
    """Starts interviews from slash commands and buttons (Retry)."""

    def __init__(self, bot: InterviewBotMixin, sessions: OpenSessions) -> None:
        self.bot = bot
        self.sessions = sessions

    async def begin(
        self,
        interaction: discord.Interaction,
        scenario: Scenario,
        mode: str,
        *,
        candidate: discord.abc.User | None = None,
        retry_of: int | None = None,
    ) -> None:
        """Start `scenario` from this interaction, for `candidate` (default: the user).

        Someone else's session runs in group mode; a retry started in a thread opens
        its own thread next to it.
        """
        organiser = interaction.user
        user = candidate or organiser
        study = mode == "study"  # a solo session with the rubric shown first
        if study:
            mode = "solo"
        if user.id != organiser.id:
            mode = "group"
        for check in self.bot.interview_hooks.start_checks:
            reason = await check(interaction, mode, user)
            if reason:
                await interaction.response.send_message(reason, ephemeral=True)
                return
        links = StartLinks(
            organiser_id=str(organiser.id) if user.id != organiser.id else None, retry_of=retry_of
        )
        place = place_of(user.id, interaction.guild_id)
        existing = await self.bot.store.find_open_session(str(user.id), place)
        if existing is not None:
            where = (
                interview_wording("where_channel", channel=f"<#{existing.channel_id}>")
                if existing.channel_id and interaction.guild_id
                else interview_wording("where_dm")
            )
            await interaction.response.send_message(
                interview_wording("already_open", where=where), ephemeral=True
            )
            return
        if interaction.guild_id is None:
            await interaction.response.defer(thinking=True)
            send = followup_sender(interaction)
            dm_user = interaction.user  # a DM session is always the caller's own
            await self._start(interaction, scenario, mode, dm_user, links, send, study=study)
            return

        private = mode == "solo"
        await interaction.response.defer(thinking=True, ephemeral=private)
        thread, channel, reason = await self._thread_for(
            interaction, scenario, user, private, retry=retry_of is not None
        )
        target: discord.abc.Messageable = thread or channel  # type: ignore[assignment]
        target_id = thread.id if thread is not None else getattr(channel, "id", None)
        await self._start(
            interaction,
            scenario,
            mode,
            user,
            links,
            target.send,
            channel_id=str(target_id),
            study=study,
        )
        if thread is not None:
            note = interview_wording(
                "started_in_thread",
                thread=thread.mention,
                intent=self.bot.settings.message_content_intent,
            )
        else:
            note = interview_wording("thread_fallback", reason=reason)
        await interaction.followup.send(note, ephemeral=private)

    async def _thread_for(
        self,
        interaction: discord.Interaction,
        scenario: Scenario,
        user: discord.abc.User,
        private: bool,
        *,
        retry: bool,
    ) -> tuple[discord.Thread | None, object, str | None]:
        """(the new thread or None, the channel it is in, why there is none).

        A retry pressed in a thread opens its thread next to it, in the parent channel.
        """
        channel = interaction.channel
        if retry and isinstance(channel, discord.Thread) and channel.parent:
            channel = channel.parent  # type: ignore[assignment]
        if not isinstance(channel, discord.TextChannel):
            return None, channel, interview_wording("fallback_no_threads_here")
        perms = interaction.app_permissions
        allowed = perms.create_private_threads if private else perms.create_public_threads
        if not allowed:
            return None, channel, interview_wording("fallback_no_permission", private=private)
        try:
            return await self._open_thread(channel, scenario, user, private), channel, None
        except discord.Forbidden:
            return None, channel, interview_wording("fallback_no_permission", private=private)
        except discord.HTTPException as exc:
            if exc.code != TOO_MANY_THREADS:
                raise
            return None, channel, interview_wording("fallback_too_many_threads")

    async def _open_thread(
        self,
        channel: discord.TextChannel,
        scenario: Scenario,
        user: discord.abc.User,
        private: bool,
    ) -> discord.Thread:
        name = truncate(
            interview_wording("thread_name", scenario=scenario.spec, name=user.display_name),
            CHOICE_NAME_LIMIT,
        )
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

    async def _start(
        self,
        interaction: discord.Interaction,
        scenario: Scenario,
        mode: str,
        user: discord.abc.User,
        links: StartLinks,
        send: Sender,
        *,
        channel_id: str | None = None,
        study: bool = False,
    ) -> None:
        """Store the session, run the `session_started` hooks, post the opening."""
        guild_id = interaction.guild_id
        turn = await self.bot.interviews.start(
            str(user.id),
            user.display_name,
            place_of(user.id, guild_id),
            scenario.id,
            mode=mode,
            channel_id=channel_id or str(interaction.channel_id),
            guild_id=str(guild_id) if guild_id is not None else None,
            study=study,
            retry_of=links.retry_of,
            organiser_id=links.organiser_id,
        )
        self.sessions.track(turn.session)
        self.sessions.touched.add(turn.session.id)
        try:
            for started in self.bot.interview_hooks.session_started:
                await started(turn.session, links)
            await self._post_opening(send, turn, user)
        except Exception:
            await self._abandon(turn.session)
            raise

    async def _post_opening(self, send: Sender, turn: Turn, user: discord.abc.User) -> None:
        spec = turn.scenario.spec
        candidate = escape_user_text(user.display_name)
        content = interview_wording("welcome", scenario=spec, candidate=candidate)
        if turn.session.mode == "group":
            content += "\n" + interview_wording("group_note", candidate=candidate)
        footer = move_footer(self.bot, turn.session, turn.scenario)
        embeds = [move_embed(turn.scenario, turn.move, footer)]
        if self.bot.interviews.state_of(turn.session).study:
            embeds.insert(0, study_embed(turn.scenario))
        view = session_view(turn.session.id)
        for opening_items in self.bot.interview_hooks.opening_items:
            for item in opening_items(turn.session):
                view.add_item(item)
        await send(content=truncate(content, CONTENT_LIMIT), embeds=embeds, view=view)

    async def _abandon(self, session: SessionRecord) -> None:
        """The opening could not be posted: close the session so it does not block a retry."""
        self.sessions.untrack(session.id)
        with contextlib.suppress(Exception):
            await self.bot.store.end_session(session.id, "ended")
