"""What this process knows of the open sessions: where they are, what it took, what is owed.

`OpenSessions` is the interview extension's memory between events: the channel that
routes a plain message to its session, the sessions started or answered here (no
"I was restarted" there), one intake lock per session (what reaches a session is
taken one at a time, in order), the last answer taken (a repeat within
`DUPLICATE_WINDOW_S` is one intention), the Discord messages already handled, and
the replies Discord did not take (`Undelivered`).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

import discord

from bot.sessions import Turn
from bot.store import SessionRecord

DUPLICATE_WINDOW_S = 2.0  # the same answer sent again this soon is one intention
SEEN_LIMIT = 10_000  # message ids remembered as already handled by this process

Claim = tuple[str, float]  # (the answer's words, when it was sent)


@dataclass
class Undelivered:
    """A reply that failed to post: retried later, or sent before the user's next answer."""

    turn: Turn
    echo: discord.Embed | None
    retry: asyncio.Task[None] | None = None


def sent_at(snowflake: int) -> float:
    """When a message or interaction was created, from its id (seconds since the epoch)."""
    return discord.utils.snowflake_time(snowflake).timestamp()


def _same_text(text: str) -> str:
    return " ".join(text.split())


class OpenSessions:
    """The open sessions as this process knows them (see the module docstring)."""

    def __init__(self) -> None:
        # session id -> (user id, channel id); the channel (thread or DM) -> session id
        self.open: dict[int, tuple[str | None, int | None]] = {}
        self.by_channel: dict[int, int] = {}
        self.touched: set[int] = set()  # started or answered here: no "I was restarted"
        self.undelivered: dict[int, Undelivered] = {}
        self._intake_locks: dict[int, asyncio.Lock] = {}
        self._last_taken: dict[int, Claim] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()

    def track(self, session: SessionRecord) -> None:
        channel_id = int(session.channel_id) if session.channel_id else None
        self.open[session.id] = (session.user_id, channel_id)
        if channel_id is not None:
            self.by_channel[channel_id] = session.id

    def untrack(self, session_id: int) -> None:
        """The session ended (or is gone): forget it, and a question it still owes."""
        _, channel_id = self.open.pop(session_id, (None, None))
        if channel_id is not None and self.by_channel.get(channel_id) == session_id:
            del self.by_channel[channel_id]
        self._intake_locks.pop(session_id, None)
        self._last_taken.pop(session_id, None)
        pending = self.undelivered.get(session_id)
        if pending is not None and not pending.turn.ended:  # a stale question: never resend it
            del self.undelivered[session_id]
            if pending.retry is not None and pending.retry is not asyncio.current_task():
                pending.retry.cancel()

    def untrack_user(self, user_id: str) -> None:
        for session_id, (owner, _) in list(self.open.items()):
            if owner == user_id:
                self.untrack(session_id)

    def candidate_of(self, session_id: int) -> str | None:
        return self.open.get(session_id, (None, None))[0]

    def intake(self, session_id: int) -> asyncio.Lock:
        """What reaches one session is taken one at a time, in order."""
        lock = self._intake_locks.get(session_id)
        if lock is None:
            lock = self._intake_locks[session_id] = asyncio.Lock()
        return lock

    def first_sight(self, message_id: int) -> bool:
        """False if this process already handled (or dropped) that message."""
        if message_id in self._seen:
            return False
        self._seen[message_id] = None
        if len(self._seen) > SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    def claim(self, session_id: int, text: str, at: float) -> Claim | None:
        """Note `text` as the session's latest answer; None if it repeats the last one.

        Returns the claim, to hand back to `unclaim` if the answer is not taken after all.
        """
        key = _same_text(text)
        last = self._last_taken.get(session_id)
        if last is not None and last[0] == key and abs(at - last[1]) <= DUPLICATE_WINDOW_S:
            return None
        claim = self._last_taken[session_id] = (key, at)
        return claim

    def unclaim(self, session_id: int, claim: Claim) -> None:
        if self._last_taken.get(session_id) is claim:
            del self._last_taken[session_id]

    def undelivered_in(self, channel_id: int) -> int | None:
        """The session whose reply in this channel is still undelivered, if any."""
        for session_id, pending in self.undelivered.items():
            if pending.turn.session.channel_id == str(channel_id):
                return session_id
        return None
