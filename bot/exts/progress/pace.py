"""Per-answer timers: a gentle note when an answer is taking long, and the pace in status.

The scenario sets the pace (`answer_pace_minutes`, e.g. [3, 5]). A periodic check
reads the open sessions from the store (one query), keeps those this process owns
(`bot.owns_session`: another process nudges the rest), and for each question still
waiting posts one note per mark crossed, in the session's channel. What was
already said is kept in memory: after a restart the longest mark passed may be
said once more, which is harmless.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

import discord
from discord.ext import commands

from bot.core.interview import InterviewState
from bot.core.scenarios import Scenario
from bot.exts.shared.channels import session_channel
from bot.exts.shared.wording import groups_wording, user_mention
from bot.store import SessionRecord

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.pace")

CHECK_SECONDS = 20.0


def marks_passed(pace: list[int], waited_s: float) -> int:
    """How many of the pace marks (minutes) `waited_s` has reached."""
    return sum(1 for minutes in pace if waited_s >= minutes * 60)


class PaceCog(commands.Cog, name="Pace"):
    """Answer timers for every open interview."""

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.interviews = bot.interviews
        # session id -> (the question's asked-at time, marks already announced)
        self.warned: dict[int, tuple[float, int]] = {}

    async def cog_load(self) -> None:
        self.bot.interview_hooks.register(self, status_lines=self.status_lines)
        if self.bot.background:
            self.bot.spawn(self._loop(), "answer-pace")

    async def cog_unload(self) -> None:
        self.bot.interview_hooks.unregister(self)

    async def _loop(self) -> None:
        await cast(Any, self.bot).wait_until_ready()
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            try:
                await self.check_pace()
            except Exception:
                log.exception("answer pace check failed")

    async def check_pace(self, now: float | None = None) -> int:
        """Post the notes now due; returns how many were posted."""
        at = self.interviews.clock() if now is None else now
        posted = 0
        sessions = [s for s in await self.bot.store.open_sessions() if self.bot.owns_session(s)]
        open_ids = {s.id for s in sessions}
        for sid in [k for k in self.warned if k not in open_ids]:
            del self.warned[sid]
        for session in sessions:
            if not session.channel_id:
                continue
            try:
                state = self.interviews.state_of(session)
                scenario = await self.interviews.scenario_for(session)
            except Exception as exc:
                log.debug("pace: skipping session %s: %s", session.id, exc)
                continue
            if not state.active or state.last_question is None or state.time_left(at) <= 0:
                continue
            pace = list(scenario.spec.answer_pace_minutes)
            level = marks_passed(pace, at - state.last_activity)
            asked, said = self.warned.get(session.id, (state.last_activity, 0))
            if asked != state.last_activity:
                said = 0
            if level <= said:
                continue
            self.warned[session.id] = (state.last_activity, level)
            if await self._post(session, state, pace, level, at):
                posted += 1
        return posted

    async def _post(
        self, session: SessionRecord, state: InterviewState, pace: list[int], level: int, at: float
    ) -> bool:
        text = groups_wording(
            "pace_note",
            candidate=user_mention(session.user_id),
            minutes=int((at - state.last_activity) // 60),
            mark=pace[level - 1],
            last=level == len(pace),
            left=int(state.time_left(at) // 60),
        )
        try:
            await session_channel(self.bot, session).send(content=text)  # type: ignore[arg-type]
            return True
        except discord.HTTPException as exc:
            log.info("pace note for session %s not posted: %s", session.id, exc)
            return False

    def status_lines(
        self, session: SessionRecord, scenario: Scenario, state: InterviewState
    ) -> list[str]:
        """For `/interview status`: this answer's time so far against the pace, and the budget."""
        now = self.interviews.clock()
        waited = max(0, int(now - state.last_activity)) if state.last_question else None
        return [
            groups_wording(
                "status_pace",
                waited_m=None if waited is None else waited // 60,
                waited_s=None if waited is None else waited % 60,
                pace=list(scenario.spec.answer_pace_minutes),
                budget=scenario.spec.time_budget_minutes,
                left_m=int(state.time_left(now) // 60),
            )
        ]
