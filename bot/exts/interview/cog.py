"""The `/interview` command group, the session buttons, the answer form and plain-message answers.

Every interview action goes through `bot.sessions.Interviews` (the same path as the
console), so an answer is committed before the interviewer's reply is posted.

What reaches a session (a DM, a thread message, a form) is taken one at a time per
session (the intake lock), so answers keep their order and none is taken while the
reply to the previous one is still on its way. On top of that (issue 11):

* each Discord message is taken once (its id is stored with the answer), and after a
  gateway re-identify every open DM session's channel is read back for messages sent
  while the bot was away (`look_back`);
* a reply that could not be delivered is retried later; until it is, the user's next
  message or form gets the open question instead of being taken as its answer;
* the same answer sent twice within `DUPLICATE_WINDOW_S` (a double Enter, a form
  submitted twice) is taken once, the repeat acknowledged quietly;
* a user sending more than `FLOOD_RATE` messages in `FLOOD_PER_S` seconds is told to
  slow down, once, and the excess is dropped before any database work;
* "I was restarted" goes only to sessions this process did not start or answer in,
  paced (as is the look-back) at `RESUME_NOTICES_PER_SECOND`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.interview import AnswerTooLong, InterviewError, check_answer
from bot.core.scenarios import Scenario
from bot.core.summary import Summary
from bot.exts.errors import TOO_MANY_THREADS, report
from bot.exts.interview._embeds import echo_embed, move_embed, study_embed, summary_embeds
from bot.exts.interview._views import (
    AnswerModal,
    forget_view,
    history_view,
    modal_answer,
    session_view,
)
from bot.exts.shared.embeds import CONTENT_LIMIT, embeds_by_message, info_embed, text_file, truncate
from bot.exts.shared.wording import (
    escape_user_text,
    groups_wording,
    interview_wording,
    user_mention,
)
from bot.render import render_status, render_transcript
from bot.sessions import NoOpenSession, Turn, UnknownScenario
from bot.store import SessionRecord, TurnExists

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.interview")

Sender = Callable[..., Awaitable[Any]]
HISTORY_PAGE = 10
THREAD_ARCHIVE_MINUTES = 1440
DUPLICATE_WINDOW_S = 2.0  # the same answer sent again this soon is one intention
FLOOD_RATE, FLOOD_PER_S = 4, 10.0  # messages a user may send before "slow down"
REDELIVERY_DELAYS_S = (5.0, 30.0, 120.0)  # retries of a reply Discord would not take
LOOK_BACK_LIMIT = 50  # messages read back per session after a re-identify
SEEN_LIMIT = 10_000  # message ids remembered as already handled by this process
_TAKEN_TYPES = (discord.MessageType.default, discord.MessageType.reply)


@dataclass
class Undelivered:
    """A reply that failed to post: retried later, or sent before the user's next answer."""

    turn: Turn
    echo: discord.Embed | None
    retry: asyncio.Task[None] | None = None


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


def _sent_at(snowflake: int) -> float:
    """When a message or interaction was created, from its id (seconds since the epoch)."""
    return discord.utils.snowflake_time(snowflake).timestamp()


def _same_text(text: str) -> str:
    return " ".join(text.split())


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

    interview = app_commands.Group(name="interview", description=interview_wording("cmd_group"))

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.settings = bot.settings
        self.interviews = bot.interviews
        self.store = bot.interviews.store
        # open sessions this process knows: session id -> (user id, channel id), and the
        # channel (thread or DM) -> session id used to route plain-message answers
        self.open: dict[int, tuple[str | None, int | None]] = {}
        self.by_channel: dict[int, int] = {}
        # sessions this process started or took an answer in (no "I was restarted" there)
        self.touched: set[int] = set()
        self.redelivery_delays: tuple[float, ...] = REDELIVERY_DELAYS_S
        self._intake_locks: dict[int, asyncio.Lock] = {}
        self._last_taken: dict[int, tuple[str, float]] = {}  # session -> (text, sent at)
        self._undelivered: dict[int, Undelivered] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()
        self._flood: commands.CooldownMapping[discord.Message] = (
            commands.CooldownMapping.from_cooldown(
                FLOOD_RATE, FLOOD_PER_S, commands.BucketType.user
            )
        )
        self._slowed: dict[int, float] = {}  # user id -> when their "slow down" ends
        self._look_back_lock = asyncio.Lock()
        self._generation = 0  # gateway re-identifies seen
        self._behind = False  # True from a re-identify until every DM session is looked back
        self._caught_up: set[int] = set()  # sessions looked back since the last re-identify

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
        self._intake_locks.pop(session_id, None)
        self._last_taken.pop(session_id, None)
        pending = self._undelivered.get(session_id)
        if pending is not None and not pending.turn.ended:  # a stale question: never resend it
            del self._undelivered[session_id]
            if pending.retry is not None and pending.retry is not asyncio.current_task():
                pending.retry.cancel()

    def _intake(self, session_id: int) -> asyncio.Lock:
        """What reaches one session is taken one at a time, in order."""
        lock = self._intake_locks.get(session_id)
        if lock is None:
            lock = self._intake_locks[session_id] = asyncio.Lock()
        return lock

    def _first_sight(self, message_id: int) -> bool:
        """False if this process already handled (or dropped) that message."""
        if message_id in self._seen:
            return False
        self._seen[message_id] = None
        if len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    def _claim(self, session_id: int, text: str, sent_at: float) -> tuple[str, float] | None:
        """Note `text` as the session's latest answer; None if it repeats the last one.

        Returns the claim, to hand back to `_unclaim` if the answer is not taken after all.
        """
        key = _same_text(text)
        last = self._last_taken.get(session_id)
        if last is not None and last[0] == key and abs(sent_at - last[1]) <= DUPLICATE_WINDOW_S:
            return None
        claim = self._last_taken[session_id] = (key, sent_at)
        return claim

    def _unclaim(self, session_id: int, claim: tuple[str, float]) -> None:
        if self._last_taken.get(session_id) is claim:
            del self._last_taken[session_id]

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
        await interaction.response.send_message(
            interview_wording("not_your_button"), ephemeral=True
        )
        return False

    async def own_session_or_say(self, interaction: discord.Interaction) -> SessionRecord | None:
        """The caller's open session here, or None after telling them they have none."""
        session = await self.own_session(interaction)
        if session is None:
            await interaction.response.send_message(interview_wording("no_session"), ephemeral=True)
        return session

    def _typing_hint(self, session: SessionRecord) -> bool:
        return session.place.startswith("dm:") or self.settings.message_content_intent

    def footer(self, session: SessionRecord, scenario: Scenario) -> str:
        state = self.interviews.state_of(session)
        return interview_wording(
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
            raise AnswerTooLong(
                interview_wording("answer_too_long", length=len(cleaned), limit=limit)
            )
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
            pending = self._undelivered[session_id] = Undelivered(turn, echo)
            pending.retry = self.bot.spawn(  # type: ignore[attr-defined]
                self._redeliver_later(session_id), f"redeliver-{session_id}"
            )
            return False
        return True

    async def _redeliver_later(self, session_id: int) -> None:
        """Retry an undelivered reply a few times; after that the user's next message gets it."""
        for delay in self.redelivery_delays:
            await asyncio.sleep(delay)
            async with self._intake(session_id):
                pending = self._undelivered.get(session_id)
                if pending is None or pending.retry is not asyncio.current_task():
                    return  # delivered before the user's next answer, or retried anew
                try:
                    send = self.channel_of(pending.turn.session).send
                    await self.send_turn(send, pending.turn, echo=pending.echo)
                except discord.HTTPException as exc:
                    log.warning("retrying the reply in session %s failed: %s", session_id, exc)
                    continue
                self._undelivered.pop(session_id, None)
                log.info("the reply in session %s was delivered on a retry", session_id)
                return
        log.warning("the reply in session %s waits for the user's next message", session_id)

    def _undelivered_in(self, channel_id: int) -> int | None:
        """The session whose reply in this channel is still undelivered, if any."""
        for session_id, pending in self._undelivered.items():
            if pending.turn.session.channel_id == str(channel_id):
                return session_id
        return None

    async def _redeliver_first(self, session_id: int, send: Sender) -> bool:
        """If the last reply never arrived, send it (the open question) now: True.

        Called before anything is taken as an answer, so nobody answers a question they
        have not seen. The caller does not take the message it was handling.
        """
        pending = self._undelivered.pop(session_id, None)
        if pending is None:
            return False
        if pending.retry is not None:
            pending.retry.cancel()
        await self.deliver(
            send, pending.turn, echo=pending.echo, notice=interview_wording("reply_missed")
        )
        return True

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
        groups = embeds_by_message([*lead, *summary_embeds(summary), *extra])
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
            (
                interview_wording("speaker", role=t.role, persona=scenario.spec.persona, name=name),
                t.text,
            )
            for t in await self.store.transcript(session.id)
        ]
        return render_transcript(scenario, turns, summary)

    # ------------------------------------------------------------------ /interview start
    @interview.command(name="start", description=interview_wording("cmd_start"))
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
        study = mode_value == "study"  # a solo session with the rubric shown first
        if study:
            mode_value = "solo"
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
                interview_wording("where_channel", channel=f"<#{existing.channel_id}>")
                if existing.channel_id and interaction.guild_id
                else interview_wording("where_dm")
            )
            await interaction.response.send_message(
                interview_wording("already_open", where=where), ephemeral=True
            )
            return
        if interaction.guild_id is None:
            await self._start_in_dm(interaction, scenario, mode_value, links, study=study)
            return

        private = mode_value == "solo"
        await interaction.response.defer(thinking=True, ephemeral=private)
        channel = interaction.channel
        if retry_of is not None and isinstance(channel, discord.Thread) and channel.parent:
            channel = channel.parent  # type: ignore[assignment]
        thread: discord.Thread | None = None
        reason: str | None = None
        if not isinstance(channel, discord.TextChannel):
            reason = interview_wording("fallback_no_threads_here")
        else:
            perms = interaction.app_permissions
            allowed = perms.create_private_threads if private else perms.create_public_threads
            if not allowed:
                reason = interview_wording("fallback_no_permission", private=private)
            else:
                try:
                    thread = await self._open_thread(channel, scenario, user, private)
                except discord.Forbidden:
                    reason = interview_wording("fallback_no_permission", private=private)
                except discord.HTTPException as exc:
                    if exc.code != TOO_MANY_THREADS:
                        raise
                    reason = interview_wording("fallback_too_many_threads")
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
            study=study,
        )
        self.track(turn.session)
        self.touched.add(turn.session.id)
        try:
            for started in self.hooks("session_started"):
                await started(turn.session, **links)
            await self._post_opening(target.send, turn, user)
        except Exception:
            await self._abandon(turn.session)
            raise
        if thread is not None:
            note = interview_wording(
                "started_in_thread",
                thread=thread.mention,
                intent=self.settings.message_content_intent,
            )
        else:
            note = interview_wording("thread_fallback", reason=reason)
        await interaction.followup.send(note, ephemeral=private)

    async def _open_thread(
        self,
        channel: discord.TextChannel,
        scenario: Scenario,
        user: discord.abc.User,
        private: bool,
    ) -> discord.Thread:
        name = truncate(
            interview_wording("thread_name", scenario=scenario.spec, name=user.display_name), 100
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

    async def _start_in_dm(
        self,
        interaction: discord.Interaction,
        scenario: Scenario,
        mode: str,
        links: dict[str, Any] | None = None,
        *,
        study: bool = False,
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
            study=study,
        )
        self.track(turn.session)
        self.touched.add(turn.session.id)
        try:
            for started in self.hooks("session_started"):
                await started(turn.session, **(links or {"organiser_id": None, "retry_of": None}))
            await self._post_opening(followup_sender(interaction), turn, user)
        except Exception:
            await self._abandon(turn.session)
            raise

    async def _post_opening(self, send: Sender, turn: Turn, user: discord.abc.User) -> None:
        spec = turn.scenario.spec
        candidate = escape_user_text(user.display_name)
        content = interview_wording("welcome", scenario=spec, candidate=candidate)
        if turn.session.mode == "group":
            content += "\n" + interview_wording("group_note", candidate=candidate)
        embed = move_embed(turn.scenario, turn.move, self.footer(turn.session, turn.scenario))
        embeds = [embed]
        if self.interviews.state_of(turn.session).study:
            embeds.insert(0, study_embed(turn.scenario))
        view = session_view(turn.session.id)
        for items in self.hooks("opening_items"):
            for item in items(turn.session):
                view.add_item(item)
        await send(content=truncate(content, CONTENT_LIMIT), embeds=embeds, view=view)

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
                name = truncate(interview_wording("autocomplete_choice", scenario=spec), 100)
                choices.append(app_commands.Choice(name=name, value=spec.id))
        return choices[:25]

    # ------------------------------------------------------------------ answer / end / status
    @interview.command(name="answer", description=interview_wording("cmd_answer"))
    async def answer(self, interaction: discord.Interaction) -> None:
        session = await self.own_session_or_say(interaction)
        if session is None:
            return
        scenario = await self.interviews.scenario_for(session)
        await interaction.response.send_modal(
            AnswerModal(session.id, scenario, self.settings.max_answer_chars)
        )

    @interview.command(name="end", description=interview_wording("cmd_end"))
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
            interview_wording("feedback_posted", channel=f"<#{session.channel_id}>"), ephemeral=True
        )

    @interview.command(name="status", description=interview_wording("cmd_status"))
    async def status(self, interaction: discord.Interaction) -> None:
        session = await self.own_session_or_say(interaction)
        if session is None:
            return
        scenario = await self.interviews.scenario_for(session)
        state = self.interviews.state_of(session)
        text = render_status(scenario, state, self.interviews.clock())
        for lines in self.hooks("status_lines"):
            text += "".join(f"\n{line}" for line in lines(session, scenario, state))
        await interaction.response.send_message(truncate(text, CONTENT_LIMIT), ephemeral=True)

    @interview.command(name="rounds", description=interview_wording("cmd_rounds"))
    async def rounds(self, interaction: discord.Interaction) -> None:
        scenarios = await self.interviews.registry.available(interaction.guild_id)
        embed = info_embed(
            interview_wording("rounds_title", count=len(scenarios)),
            [interview_wording("round_line", scenario=s.spec) for s in scenarios],
            footer=interview_wording("rounds_footer"),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    # ------------------------------------------------------------------ history / forget-me
    @interview.command(name="history", description=interview_wording("cmd_history"))
    @app_commands.describe(page=interview_wording("cmd_history_page"))
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
            embed = info_embed(
                interview_wording("history_title", page=page), [interview_wording("history_empty")]
            )
            return embed, history_view(user_id, page, False, [])
        shown = [self._history_row(r) for r in rows]
        embed = info_embed(
            interview_wording("history_title", page=page),
            [interview_wording("history_row", r=r) for r in shown],
        )
        options = [
            discord.SelectOption(
                label=truncate(interview_wording("history_option", r=r), 100), value=str(r["id"])
            )
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
                await interaction.response.send_message(
                    interview_wording("history_missing"), ephemeral=True
                )
                return
            if session.purged_at is not None or not session.state:
                await interaction.response.send_message(
                    interview_wording("history_purged", session_id=session.id), ephemeral=True
                )
                return
            await interaction.response.defer(thinking=True, ephemeral=True)
            scenario = await self.interviews.scenario_for(session)
            summary = await self.interviews.summary_for(session)
            content = (
                interview_wording("history_open", session_id=session.id)
                if session.is_open
                else None
            )
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

    @interview.command(name="forget-me", description=interview_wording("cmd_forget"))
    async def forget_me(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(
            interview_wording("forget_confirm", days=self.settings.transcript_retention_days),
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
                    interview_wording("exported"),
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
                content=interview_wording("forgotten", counts=counts), view=None
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
                await interaction.response.send_message(
                    interview_wording("session_over"), ephemeral=True
                )
                return
            if session.user_id != str(interaction.user.id):
                await interaction.response.send_message(
                    interview_wording(
                        "not_your_interview", candidate=user_mention(session.user_id)
                    ),
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
            await interaction.response.send_message(
                interview_wording("session_over"), ephemeral=True
            )
            return
        if session.user_id != str(interaction.user.id):
            await interaction.response.send_message(
                interview_wording("not_your_interview", candidate=user_mention(session.user_id)),
                ephemeral=True,
            )
            return
        try:
            self.check_length(text)
        except InterviewError as exc:  # before deferring, so the refusal stays private
            await interaction.response.send_message(
                interview_wording("rejected", reason=str(exc)), ephemeral=True
            )
            return
        claim = self._claim(session.id, text, _sent_at(interaction.id))
        if claim is None:  # the same form submitted twice: taken once
            await interaction.response.send_message(
                interview_wording("duplicate_answer"), ephemeral=True
            )
            return
        taken = False
        try:
            taken = await self._take_form(interaction, session, text)
        finally:
            if not taken:
                self._unclaim(session.id, claim)

    async def _take_form(
        self, interaction: discord.Interaction, session: SessionRecord, text: str
    ) -> bool:
        """Record a form's answer and post the reply; True if the answer was taken."""
        same = interaction.channel_id == int(session.channel_id or 0)
        await interaction.response.defer(thinking=True, ephemeral=not same)
        here = followup_sender(interaction) if same else self.channel_of(session).send
        async with self._intake(session.id):
            if await self._redeliver_first(session.id, here):
                if not same:
                    await interaction.followup.send(
                        interview_wording("answer_posted", channel=f"<#{session.channel_id}>"),
                        ephemeral=True,
                    )
                return False
            turn = await self.interviews.answer(session.id, str(interaction.user.id), text)
            self.touched.add(session.id)
            echo = echo_embed(
                escape_user_text(interaction.user.display_name), turn.session.state["answers"][-1]
            )
            delivered = await self.deliver(here, turn, echo=echo)
        if not delivered:
            # saved, but the reply is stuck: say so (not "try again", which would send it twice)
            with contextlib.suppress(discord.HTTPException):
                await interaction.followup.send(
                    interview_wording("reply_missed_form"), ephemeral=True
                )
        elif not same:
            await interaction.followup.send(
                interview_wording("answer_posted", channel=f"<#{session.channel_id}>"),
                ephemeral=True,
            )
        return True

    # ------------------------------------------------------------------ plain messages
    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None:
            return
        if message.type not in _TAKEN_TYPES:
            return
        try:
            await self._message_answer(message)
        except discord.HTTPException as exc:
            log.warning(
                "answering message %s in %s failed: %s", message.id, message.channel.id, exc
            )

    def _flooding(self, message: discord.Message) -> bool:
        """True if the author is over their message rate (told once per cooldown)."""
        bucket = self._flood.get_bucket(message)
        retry_after = bucket.update_rate_limit() if bucket is not None else None
        if retry_after is None:
            return False
        now = time.monotonic()
        user_id = message.author.id
        if self._slowed.get(user_id, 0.0) > now:
            return True  # already told: the rest of the flood is dropped quietly
        if len(self._slowed) > 1000:
            self._slowed = {u: t for u, t in self._slowed.items() if t > now}
        self._slowed[user_id] = now + retry_after
        self.bot.spawn(  # type: ignore[attr-defined]
            self._say_slow_down(message.channel, retry_after), f"slow-down-{user_id}"
        )
        return True

    @staticmethod
    async def _say_slow_down(channel: discord.abc.Messageable, retry_after: float) -> None:
        try:
            await channel.send(
                interview_wording("slow_down", seconds=max(1, math.ceil(retry_after)))
            )
        except discord.HTTPException as exc:
            log.warning("could not tell a flooding user to slow down: %s", exc)

    async def _message_answer(self, message: discord.Message) -> None:
        channel = message.channel
        user_id = str(message.author.id)
        if isinstance(channel, discord.DMChannel):
            if not self._first_sight(message.id) or self._flooding(message):
                return
            session_id = self.by_channel.get(channel.id)
            if session_id is None:
                found = await self.store.find_open_session(
                    user_id, place_of(message.author.id, None)
                )
                if found is None:
                    ended = self._undelivered_in(channel.id)  # e.g. a summary that failed
                    if ended is not None:
                        await self._redeliver_first(ended, channel.send)
                    elif message.content.strip() or message.attachments:
                        await channel.send(interview_wording("dm_no_session"))
                    return
                self.track(found)
                session_id = found.id
        elif isinstance(channel, discord.Thread) and self.settings.message_content_intent:
            session_id = self.by_channel.get(channel.id)
            if session_id is None or self.open.get(session_id, (None,))[0] != user_id:
                return  # not a session thread, or not the candidate (group mode: ignored)
            if not self._first_sight(message.id) or self._flooding(message):
                return
        else:
            return
        async with self._intake(session_id):
            if self._behind and session_id not in self._caught_up:
                session = await self.store.get_session(session_id)
                if session is not None and session.place.startswith("dm:"):
                    await self._catch_up(session)  # what was missed goes first
            await self._take_message(session_id, message)

    async def _take_message(self, session_id: int, message: discord.Message) -> bool:
        """One plain message as the session's answer (the caller holds its intake lock).

        True if it was taken as an answer.
        """
        channel = message.channel
        text = message.content
        if not text.strip():
            if message.attachments:
                names = [
                    f"`{truncate(a.filename.replace('`', ''), 100)}`" for a in message.attachments
                ]
                await message.reply(
                    truncate(interview_wording("attachment_only", names=names), CONTENT_LIMIT)
                )
            return False
        try:
            self.check_length(text)
        except InterviewError as exc:
            await message.reply(interview_wording("rejected", reason=str(exc)))
            return False
        if await self._redeliver_first(session_id, channel.send):
            return False
        claim = self._claim(session_id, text, _sent_at(message.id))
        if claim is None:  # a double send: taken once, acknowledged quietly
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction(interview_wording("duplicate_reaction"))
            return False
        taken = False
        typing = asyncio.create_task(self._typing(channel))
        try:
            turn = await self.interviews.answer(
                session_id, str(message.author.id), text, message_id=str(message.id)
            )
            taken = True
        except TurnExists:
            return False  # this very message was taken already (replayed, or read back)
        except NoOpenSession:
            self.untrack(session_id)
            return False
        except InterviewError as exc:
            await message.reply(interview_wording("rejected", reason=str(exc)))
            return False
        finally:
            if not taken:
                self._unclaim(session_id, claim)
            with contextlib.suppress(Exception):
                await typing
        self.touched.add(session_id)
        await self.deliver(channel.send, turn)
        return True

    @staticmethod
    async def _typing(channel: discord.abc.Messageable) -> None:
        """One "typing…" signal while the interviewer thinks (lasts ~10 s or until we post)."""
        try:
            await channel.typing()
        except discord.HTTPException as exc:
            log.debug("typing in %s failed: %s", getattr(channel, "id", "?"), exc)

    # ------------------------------------------------------------------ restart and sweep
    def _pacer(self) -> Pacer:
        return Pacer(self.settings.resume_notices_per_second)

    async def resume_open_sessions(self) -> int:
        """Post "resumed" and the open question in every session open before this process.

        Sessions started here (even before on_ready) or answered here since the start are
        left alone; the rest are posted at RESUME_NOTICES_PER_SECOND, so thousands of open
        sessions stay within Discord's rate limits and leave room for live answers.
        """
        sessions = await self.store.open_sessions()
        for session in sessions:
            self.track(session)
        pacer = self._pacer()
        resumed = 0
        for session in sessions:
            if session.id in self.touched or not session.channel_id:
                continue
            await pacer.wait()
            if session.id in self.touched:
                continue  # the user came back on their own while we were pacing
            if await self._post_resumed(session):
                resumed += 1
        if resumed:
            log.info("resumed %d open interview(s)", resumed)
        return resumed

    async def _post_resumed(self, session: SessionRecord) -> bool:
        try:
            scenario = await self.interviews.scenario_for(session)
            state = self.interviews.state_of(session)
        except (UnknownScenario, ValueError, TypeError) as exc:
            log.warning("session %s cannot be resumed: %s", session.id, exc)
            return False
        question = state.question()
        embeds = []
        if question is not None:
            embeds.append(move_embed(scenario, question, self.footer(session, scenario)))
        content = interview_wording("resumed", scenario=scenario.spec, answers=len(state.answers))
        try:
            await self.channel_of(session).send(
                content=content, embeds=embeds, view=session_view(session.id)
            )
        except discord.HTTPException as exc:
            log.warning("could not post the resume of session %s: %s", session.id, exc)
            return False
        return True

    def gateway_reset(self) -> None:
        """A new gateway session (READY after a re-identify): what Discord sent meanwhile is lost.

        From now until each open DM session has been looked back in, that session's next
        message first triggers its own look-back, so answers keep their order; the rest
        are looked back in the background, paced.
        """
        self._generation += 1
        self._caught_up.clear()
        self._behind = True
        self.bot.spawn(self.look_back(), "look-back")  # type: ignore[attr-defined]

    async def look_back(self) -> int:
        """After a gateway re-identify: take the DM answers Discord never delivered.

        Events sent while the bot had no gateway session are not replayed, so each open
        DM session's channel is read after its last recorded answer (paced like the
        resume notices) and the user's messages found there are taken in order, each
        once. Where the history cannot be read the user is asked to resend. Returns the
        number of messages taken.
        """
        generation = self._generation
        async with self._look_back_lock:
            taken = 0
            pacer = self._pacer()
            for session in await self.store.open_sessions():
                if generation != self._generation:
                    break  # another re-identify: its own look-back starts over
                if not session.place.startswith("dm:") or not session.channel_id:
                    continue
                self.track(session)
                if session.id in self._caught_up:
                    continue  # the user's own message got there first
                await pacer.wait()
                async with self._intake(session.id):
                    taken += await self._catch_up(session)
            if generation == self._generation:
                self._behind = False
            if taken:
                log.info("took %d message(s) sent while the gateway was re-identifying", taken)
            return taken

    async def _catch_up(self, session: SessionRecord) -> int:
        """Look back in one DM session, once per re-identify (its intake lock held)."""
        if session.id in self._caught_up:
            return 0
        self._caught_up.add(session.id)
        try:
            return await self._look_back_in(session)
        except discord.HTTPException as exc:
            log.warning("looking back in session %s failed: %s", session.id, exc)
            with contextlib.suppress(discord.HTTPException):
                await self.channel_of(session).send(interview_wording("maybe_missed"))
            return 0

    async def _look_back_in(self, session: SessionRecord) -> int:
        last = await self.store.last_message_id(session.id)
        if last is not None:
            after = int(last)
        else:  # no plain-message answer yet: everything since the session started
            started = datetime.datetime.fromtimestamp(session.started_at, datetime.UTC)
            after = discord.utils.time_snowflake(started)
        channel = self.bot.get_partial_messageable(  # type: ignore[attr-defined]
            int(session.channel_id or 0), type=discord.ChannelType.private
        )
        taken = 0
        async for message in channel.history(
            limit=LOOK_BACK_LIMIT, after=discord.Object(after), oldest_first=True
        ):
            if str(message.author.id) != session.user_id or message.type not in _TAKEN_TYPES:
                continue
            if not self._first_sight(message.id):
                continue  # on_message has it
            taken += await self._take_message(session.id, message)
            if session.id not in self.open:
                break  # that answer ended the interview
        return taken

    async def post_expired(self, session: SessionRecord) -> None:
        """A session the idle sweep closed: its summary, in its channel."""
        self.untrack(session.id)
        if not session.channel_id:
            return
        try:
            scenario = await self.interviews.scenario_for(session)
            summary = await self.interviews.summary_for(session)
            await self.send_summary(
                self.channel_of(session).send,
                session,
                scenario,
                summary,
                [],
                content=interview_wording("timed_out", candidate=user_mention(session.user_id)),
            )
        except (InterviewError, ValueError, discord.HTTPException) as exc:
            log.warning("could not post the summary of expired session %s: %s", session.id, exc)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(InterviewCog(bot))  # type: ignore[arg-type]
