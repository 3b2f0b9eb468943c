"""What reaches a session as an answer: DMs, thread messages, the answer form.

Each session takes one thing at a time, in order (its intake lock), so no answer is
taken while the reply to the previous one is still on its way. On top of that:

* each Discord message is taken once (its id is stored with the answer), and after a
  gateway re-identify every open DM session's channel is read back for messages sent
  while the bot was away (`look_back`);
* a reply that could not be delivered goes first: until it arrives, the user's next
  message or form gets the open question instead of being taken as its answer;
* the same answer sent twice within two seconds (a double Enter, a form submitted
  twice) is taken once, the repeat acknowledged quietly;
* a user sending more than `FLOOD_MESSAGES` messages in `FLOOD_SECONDS` seconds is told to
  slow down, once, and the excess is dropped before any database work.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import math
import time
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.interview import AnswerTooLong, InterviewError, check_answer
from bot.exts.interview._delivery import Delivery, followup_sender
from bot.exts.interview._embeds import echo_embed
from bot.exts.interview._resume import Pacer
from bot.exts.interview._tracking import OpenSessions, sent_at
from bot.exts.shared.channels import place_of, session_channel
from bot.exts.shared.embeds import CHOICE_NAME_LIMIT, CONTENT_LIMIT, truncate
from bot.exts.shared.wording import escape_user_text, interview_wording
from bot.sessions import NoOpenSession
from bot.store import SessionRecord, TurnExists

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.interview")

LOOK_BACK_LIMIT = 50  # messages read back per session after a re-identify
TAKEN_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class Intake:
    """Takes answers from messages and forms, one at a time per session."""

    def __init__(self, bot: InterviewBotMixin, sessions: OpenSessions, delivery: Delivery) -> None:
        self.bot = bot
        self.sessions = sessions
        self.delivery = delivery
        self._flood: commands.CooldownMapping[discord.Message] = (
            commands.CooldownMapping.from_cooldown(
                bot.settings.flood_messages, bot.settings.flood_seconds, commands.BucketType.user
            )
        )
        self._slowed: dict[int, float] = {}  # user id -> when their "slow down" ends
        self._look_back_lock = asyncio.Lock()
        self._ready_shards: set[int | None] = set()  # shards (None: unsharded) seen READY
        self._generation = 0  # gateway re-identifies seen
        self._behind = False  # True from a re-identify until every DM session is looked back
        self._caught_up: set[int] = set()  # sessions looked back since the last re-identify

    def check_length(self, text: str) -> str:
        """The answer, or AnswerTooLong (Discord's own limit, below the core's)."""
        limit = self.bot.settings.max_answer_chars
        cleaned = text.strip()
        if len(cleaned) > limit:
            raise AnswerTooLong(
                interview_wording("answer_too_long", length=len(cleaned), limit=limit)
            )
        return check_answer(text)

    # ------------------------------------------------------------------ the answer form
    async def take_form(
        self, interaction: discord.Interaction, session: SessionRecord, text: str
    ) -> None:
        """A submitted answer form (the session is open and the user's)."""
        try:
            self.check_length(text)
        except InterviewError as exc:  # before deferring, so the refusal stays private
            await interaction.response.send_message(
                interview_wording("rejected", reason=str(exc)), ephemeral=True
            )
            return
        claim = self.sessions.claim(session.id, text, sent_at(interaction.id))
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
                self.sessions.unclaim(session.id, claim)

    async def _take_form(
        self, interaction: discord.Interaction, session: SessionRecord, text: str
    ) -> bool:
        """Record a form's answer and post the reply; True if the answer was taken."""
        same = interaction.channel_id == int(session.channel_id or 0)
        await interaction.response.defer(thinking=True, ephemeral=not same)
        here = (
            followup_sender(interaction) if same else session_channel(self.bot, session).send  # type: ignore[arg-type]
        )
        posted = interview_wording("answer_posted", channel=f"<#{session.channel_id}>")
        async with self.sessions.intake(session.id):
            if await self.delivery.redeliver_first(session.id, here):
                if not same:
                    await interaction.followup.send(posted, ephemeral=True)
                return False
            turn = await self.bot.interviews.answer(session.id, str(interaction.user.id), text)
            self.sessions.touched.add(session.id)
            name = escape_user_text(interaction.user.display_name)
            echo = echo_embed(name, turn.session.state["answers"][-1])
            delivered = await self.delivery.deliver(here, turn, echo=echo)
        if not delivered:
            # saved, but the reply is stuck: say so (not "try again", which would send it twice)
            with contextlib.suppress(discord.HTTPException):
                await interaction.followup.send(
                    interview_wording("reply_missed_form"), ephemeral=True
                )
        elif not same:
            await interaction.followup.send(posted, ephemeral=True)
        return True

    # ------------------------------------------------------------------ plain messages
    async def take_message_event(self, message: discord.Message) -> None:
        """`on_message`: a DM, or a message in a session's thread (with the intent on)."""
        if message.author.bot or message.webhook_id is not None:
            return
        if message.type not in TAKEN_TYPES:
            return
        try:
            await self._route(message)
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
        self.bot.spawn(self._say_slow_down(message.channel, retry_after), f"slow-down-{user_id}")
        return True

    @staticmethod
    async def _say_slow_down(channel: discord.abc.Messageable, retry_after: float) -> None:
        try:
            seconds = max(1, math.ceil(retry_after))
            await channel.send(interview_wording("slow_down", seconds=seconds))
        except discord.HTTPException as exc:
            log.warning("could not tell a flooding user to slow down: %s", exc)

    async def _route(self, message: discord.Message) -> None:
        channel = message.channel
        user_id = str(message.author.id)
        if isinstance(channel, discord.DMChannel):
            if not self.sessions.first_sight(message.id) or self._flooding(message):
                return
            session_id = self.sessions.by_channel.get(channel.id)
            if session_id is None:
                place = place_of(message.author.id, None)
                found = await self.bot.store.find_open_session(user_id, place)
                if found is None:
                    ended = self.sessions.undelivered_in(channel.id)  # e.g. a failed summary
                    if ended is not None:
                        await self.delivery.redeliver_first(ended, channel.send)
                    elif message.content.strip() or message.attachments:
                        await channel.send(interview_wording("dm_no_session"))
                    return
                self.sessions.track(found)
                session_id = found.id
        elif isinstance(channel, discord.Thread) and self.bot.settings.message_content_intent:
            session_id = self.sessions.by_channel.get(channel.id)
            if session_id is None or self.sessions.candidate_of(session_id) != user_id:
                return  # not a session thread, or not the candidate (group mode: ignored)
            if not self.sessions.first_sight(message.id) or self._flooding(message):
                return
        else:
            return
        async with self.sessions.intake(session_id):
            if self._behind and session_id not in self._caught_up:
                session = await self.bot.store.get_session(session_id)
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
                    f"`{truncate(a.filename.replace('`', ''), CHOICE_NAME_LIMIT)}`"
                    for a in message.attachments
                ]
                reply = interview_wording("attachment_only", names=names)
                await message.reply(truncate(reply, CONTENT_LIMIT))
            return False
        try:
            self.check_length(text)
        except InterviewError as exc:
            await message.reply(interview_wording("rejected", reason=str(exc)))
            return False
        if await self.delivery.redeliver_first(session_id, channel.send):
            return False
        claim = self.sessions.claim(session_id, text, sent_at(message.id))
        if claim is None:  # a double send: taken once, acknowledged quietly
            with contextlib.suppress(discord.HTTPException):
                await message.add_reaction(interview_wording("duplicate_reaction"))
            return False
        taken = False
        replied = asyncio.Event()
        typing = asyncio.create_task(
            self._typing(channel, self.bot.settings.typing_delay_s, replied)
        )
        try:
            turn = await self.bot.interviews.answer(
                session_id, str(message.author.id), text, message_id=str(message.id)
            )
            taken = True
        except TurnExists:
            return False  # this very message was taken already (replayed, or read back)
        except NoOpenSession:
            self.sessions.untrack(session_id)
            return False
        except InterviewError as exc:
            await message.reply(interview_wording("rejected", reason=str(exc)))
            return False
        finally:
            if not taken:
                self.sessions.unclaim(session_id, claim)
            replied.set()  # a "typing…" not yet sent is not sent; one in flight finishes
            with contextlib.suppress(Exception):
                await typing
        self.sessions.touched.add(session_id)
        await self.delivery.deliver(channel.send, turn)
        return True

    @staticmethod
    async def _typing(
        channel: discord.abc.Messageable, delay: float, replied: asyncio.Event
    ) -> None:
        """One "typing…" signal if the interviewer is still thinking after `delay` seconds
        (it lasts ~10 s or until we post): a quick reply spends no request on it."""
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(replied.wait(), delay)
            if replied.is_set():
                return
        try:
            await channel.typing()
        except discord.HTTPException as exc:
            log.debug("typing in %s failed: %s", getattr(channel, "id", "?"), exc)

    # ------------------------------------------------------------------ after a re-identify
    def gateway_ready(self, shard_id: int | None) -> None:
        """A gateway session got READY; after a shard's first, events were lost: look back.

        Every READY after a shard's first follows a new IDENTIFY (an invalidated session,
        close 4009, or a RESUME that failed), and Discord does not replay what it sent
        while there was no session. (discord.py dispatches "connect" on each READY, before
        the events that follow it, and on_ready only after the guilds have arrived.)
        """
        if shard_id not in self._ready_shards:
            self._ready_shards.add(shard_id)
            return
        log.warning("gateway session %s re-identified: looking back for missed messages", shard_id)
        self.gateway_reset()

    def gateway_reset(self) -> None:
        """What Discord sent while there was no gateway session is lost: look back.

        From now until each open DM session has been looked back in, that session's next
        message first triggers its own look-back, so answers keep their order; the rest
        are looked back in the background, paced.
        """
        self._generation += 1
        self._caught_up.clear()
        self._behind = True
        self.bot.spawn(self.look_back(), "look-back")

    async def look_back(self) -> int:
        """After a gateway re-identify: take the DM answers Discord never delivered.

        Each open DM session's channel is read after its last recorded answer (paced
        like the resume notices) and the user's messages found there are taken in
        order, each once. Where the history cannot be read the user is asked to
        resend. Returns the number of messages taken.
        """
        generation = self._generation
        async with self._look_back_lock:
            taken = 0
            pacer = Pacer(self.bot.settings.resume_notices_per_second)
            for session in await self.bot.store.open_sessions():
                if generation != self._generation:
                    break  # another re-identify: its own look-back starts over
                if not session.place.startswith("dm:") or not session.channel_id:
                    continue
                if not self.bot.owns_session(session):
                    continue  # DMs come to shard 0's process: that one looks back
                self.sessions.track(session)
                if session.id in self._caught_up:
                    continue  # the user's own message got there first
                await pacer.wait()
                async with self.sessions.intake(session.id):
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
                channel = session_channel(self.bot, session)  # type: ignore[arg-type]
                await channel.send(interview_wording("maybe_missed"))
            return 0

    async def _look_back_in(self, session: SessionRecord) -> int:
        last = await self.bot.store.last_message_id(session.id)
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
            if str(message.author.id) != session.user_id or message.type not in TAKEN_TYPES:
                continue
            if not self.sessions.first_sight(message.id):
                continue  # on_message has it
            taken += await self._take_message(session.id, message)
            if session.id not in self.sessions.open:
                break  # that answer ended the interview
        return taken
