"""Posting what the interviewer says: moves with their buttons, the feedback, retries.

A reply Discord does not take (its own retries exhausted) is kept in `OpenSessions`
and retried after `REDELIVERY_DELAYS_S`; until it arrives, the user's next message
or form gets it (the open question) instead of being taken as an answer.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.core.scenarios import Scenario
from bot.core.summary import Summary
from bot.exts.interview._buttons import session_view
from bot.exts.interview._embeds import move_embed, summary_embeds
from bot.exts.interview._tracking import OpenSessions, Undelivered
from bot.exts.shared.channels import session_channel
from bot.exts.shared.embeds import embeds_by_message, text_file
from bot.exts.shared.wording import interview_wording
from bot.render import render_transcript
from bot.sessions import Turn
from bot.store import SessionRecord

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.interview")

Sender = Callable[..., Awaitable[Any]]
REDELIVERY_DELAYS_S = (5.0, 30.0, 120.0)  # retries of a reply Discord would not take


def followup_sender(interaction: discord.Interaction, *, ephemeral: bool = False) -> Sender:
    """Sends as followups of an interaction (after it was deferred)."""

    async def send(**kwargs: Any) -> Any:
        return await interaction.followup.send(wait=True, ephemeral=ephemeral, **kwargs)

    return send


def _present(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


def move_footer(bot: InterviewBotMixin, session: SessionRecord, scenario: Scenario) -> str:
    """Step n of m, and how to answer (a message counts in DMs, or with the intent on)."""
    state = bot.interviews.state_of(session)
    typing = session.place.startswith("dm:") or bot.settings.message_content_intent
    return interview_wording(
        "move_footer", step=state.step + 1, steps=len(scenario.spec.steps), typing=typing
    )


class Delivery:
    """Sends turns, keeps the ones Discord refused, and sends them again."""

    def __init__(self, bot: InterviewBotMixin, sessions: OpenSessions) -> None:
        self.bot = bot
        self.sessions = sessions
        self.redelivery_delays: tuple[float, ...] = REDELIVERY_DELAYS_S

    async def send_turn(
        self, send: Sender, turn: Turn, *, echo: discord.Embed | None = None
    ) -> None:
        """The interviewer's move with its buttons, or the end and the feedback."""
        lead = [echo] if echo is not None else []
        move = move_embed(turn.scenario, turn.move)
        if turn.summary is not None:
            self.sessions.untrack(turn.session.id)
            await send_feedback(
                self.bot, send, turn.session, turn.scenario, turn.summary, [*lead, move]
            )
            return
        move.set_footer(text=move_footer(self.bot, turn.session, turn.scenario))
        groups = embeds_by_message([*lead, move])
        for group in groups[:-1]:
            await send(embeds=group)
        await send(embeds=groups[-1], view=session_view(turn.session.id))

    async def deliver(
        self,
        send: Sender,
        turn: Turn,
        *,
        echo: discord.Embed | None = None,
        notice: str | None = None,
    ) -> bool:
        """`send_turn`, or, if Discord does not take it, keep it to retry (False)."""
        session_id = turn.session.id
        try:
            if notice is not None:
                await send(content=notice)
            await self.send_turn(send, turn, echo=echo)
        except discord.HTTPException as exc:
            log.warning("the reply in session %s was not delivered: %s", session_id, exc)
            pending = self.sessions.undelivered[session_id] = Undelivered(turn, echo)
            pending.retry = self.bot.spawn(
                self._redeliver_later(session_id), f"redeliver-{session_id}"
            )
            return False
        return True

    async def _redeliver_later(self, session_id: int) -> None:
        """Retry an undelivered reply a few times; after that the user's next message gets it."""
        for delay in self.redelivery_delays:
            await asyncio.sleep(delay)
            async with self.sessions.intake(session_id):
                pending = self.sessions.undelivered.get(session_id)
                if pending is None or pending.retry is not asyncio.current_task():
                    return  # delivered before the user's next answer, or retried anew
                try:
                    channel = session_channel(self.bot, pending.turn.session)  # type: ignore[arg-type]
                    await self.send_turn(channel.send, pending.turn, echo=pending.echo)
                except discord.HTTPException as exc:
                    log.warning("retrying the reply in session %s failed: %s", session_id, exc)
                    continue
                self.sessions.undelivered.pop(session_id, None)
                log.info("the reply in session %s was delivered on a retry", session_id)
                return
        log.warning("the reply in session %s waits for the user's next message", session_id)

    async def redeliver_first(self, session_id: int, send: Sender) -> bool:
        """If the last reply never arrived, send it (the open question) now: True.

        Called before anything is taken as an answer, so nobody answers a question they
        have not seen. The caller does not take the message it was handling.
        """
        pending = self.sessions.undelivered.pop(session_id, None)
        if pending is None:
            return False
        if pending.retry is not None:
            pending.retry.cancel()
        await self.deliver(
            send, pending.turn, echo=pending.echo, notice=interview_wording("reply_missed")
        )
        return True


async def send_feedback(
    bot: InterviewBotMixin,
    send: Sender,
    session: SessionRecord,
    scenario: Scenario,
    summary: Summary,
    lead: list[discord.Embed],
    content: str | None = None,
    *,
    live: bool = True,
) -> None:
    """The feedback embeds (split to fit) and the transcript as a Markdown file.

    Other features add embeds and buttons (the `summary_extras` hooks: the change since
    a retried attempt, the panel, Retry); `live` is False when reopened from history.
    """
    transcript = await transcript_markdown(bot, session, scenario, summary)
    extra: list[discord.Embed] = []
    view: discord.ui.View | None = None
    for hook in bot.interview_hooks.summary_extras:
        extras = await hook(session, scenario, summary, live=live)
        extra.extend(extras.embeds)
        for item in extras.items:
            view = view or discord.ui.View(timeout=None)
            view.add_item(item)
    groups = embeds_by_message([*lead, *summary_embeds(summary), *extra])
    for i, group in enumerate(groups):
        last = i == len(groups) - 1
        file = text_file(transcript, f"interview-{session.id}-{scenario.id}.md") if last else None
        await send(
            **_present(
                content=content if i == 0 else None,
                embeds=group,
                file=file,
                view=view if last else None,
            )
        )


async def transcript_markdown(
    bot: InterviewBotMixin, session: SessionRecord, scenario: Scenario, summary: Summary | None
) -> str:
    """The whole conversation as Markdown, the candidate by their display name."""
    store = bot.store
    name = None
    if session.user_id:
        user = await store.get_user(session.user_id)
        name = user.display_name if user else None
    persona = scenario.spec.persona
    turns = [
        (interview_wording("speaker", role=t.role, persona=persona, name=name), t.text)
        for t in await store.transcript(session.id)
    ]
    return render_transcript(scenario, turns, summary)
