"""After a restart: "I was restarted" and the open question, paced; the idle sweep's feedback.

Only sessions this process owns (`bot.owns_session`: the servers of its shards, and
DMs if it holds shard 0) and open before it get the notice (not the ones started or
answered here since, even before on_ready), at RESUME_NOTICES_PER_SECOND, so
thousands of open sessions stay within Discord's rate limits and leave room for live
answers. Each is shown on its own scenario version (`bot.presenter.resumption`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

import discord

from bot.core.interview import InterviewError
from bot.exts.interview._buttons import session_view
from bot.exts.interview._delivery import move_footer, send_feedback
from bot.exts.interview._embeds import move_embed
from bot.exts.interview._tracking import OpenSessions
from bot.exts.shared.channels import session_channel
from bot.exts.shared.wording import interview_wording, user_mention
from bot.presenter import resumption
from bot.store import SessionRecord

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.interview")


class Pacer:
    """Spaces calls of `wait()` evenly: at most `rate` a second."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        start = max(now, self._next)
        self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class Resumer:
    """Restart notices, and the feedback of sessions the idle sweep closed."""

    def __init__(self, bot: InterviewBotMixin, sessions: OpenSessions) -> None:
        self.bot = bot
        self.sessions = sessions

    def pacer(self) -> Pacer:
        return Pacer(self.bot.settings.resume_notices_per_second)

    async def resume_open_sessions(self) -> int:
        """Post "resumed" and the open question in every session open before this process
        that it owns (its shards' servers; DMs with shard 0): the number posted."""
        sessions = [s for s in await self.bot.store.open_sessions() if self.bot.owns_session(s)]
        for session in sessions:
            self.sessions.track(session)
        pacer = self.pacer()
        resumed = 0
        for session in sessions:
            if session.id in self.sessions.touched or not session.channel_id:
                continue
            await pacer.wait()
            if session.id in self.sessions.touched:
                continue  # the user came back on their own while we were pacing
            if await self._post_resumed(session):
                resumed += 1
        if resumed:
            log.info("resumed %d open interview(s)", resumed)
        return resumed

    async def _post_resumed(self, session: SessionRecord) -> bool:
        try:
            where = await resumption(self.bot.interviews, session)
        except (InterviewError, ValueError, TypeError) as exc:
            log.warning("session %s cannot be resumed: %s", session.id, exc)
            return False
        embeds = []
        if where.question is not None:
            footer = move_footer(self.bot, session, where.scenario)
            embeds.append(move_embed(where.scenario, where.question, footer))
        content = interview_wording("resumed", scenario=where.scenario.spec, answers=where.answers)
        try:
            await session_channel(self.bot, session).send(  # type: ignore[arg-type]
                content=content, embeds=embeds, view=session_view(session.id)
            )
        except discord.HTTPException as exc:
            log.warning("could not post the resume of session %s: %s", session.id, exc)
            return False
        return True

    async def post_expired(self, session: SessionRecord) -> None:
        """A session the idle sweep closed: its feedback, in its channel."""
        self.sessions.untrack(session.id)
        if not session.channel_id:
            return
        try:
            scenario = await self.bot.interviews.scenario_for(session)
            summary = await self.bot.interviews.summary_for(session)
            await send_feedback(
                self.bot,
                session_channel(self.bot, session).send,  # type: ignore[arg-type]
                session,
                scenario,
                summary,
                [],
                content=interview_wording("timed_out", candidate=user_mention(session.user_id)),
            )
        except (InterviewError, ValueError, discord.HTTPException) as exc:
            log.warning("could not post the summary of expired session %s: %s", session.id, exc)
