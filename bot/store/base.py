"""The store's records, errors and backend-neutral interface.

`Store` is what the shells (console, Discord extensions) program against;
`SqliteStore` is the one backend today, and a PostgreSQL one can implement the
same methods later. Times are UTC seconds since the epoch (floats).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from types import TracebackType
from typing import Any, Literal, Self

Role = Literal["candidate", "interviewer", "system"]
Mode = Literal["solo", "group"]
Status = Literal["open", "ended", "expired"]
Rating = Literal["met", "partly", "missed"]

ROLES: frozenset[str] = frozenset({"candidate", "interviewer", "system"})
MODES: frozenset[str] = frozenset({"solo", "group"})
STATUSES: frozenset[str] = frozenset({"open", "ended", "expired"})
RATINGS: frozenset[str] = frozenset({"met", "partly", "missed"})
USER_SETTINGS: frozenset[str] = frozenset({"dm_reminders", "leaderboard_opt_in"})

Clock = Callable[[], float]
#: Rubric results as plain data:
#: {"criteria": {cid: {"met": bool, "score": float, "evidence": [str]}},
#:  "antipatterns": [ids], "overall": float}
Results = Mapping[str, Any]
#: Called by `sweep` for each session it expires; returns rubric results or None.
Summariser = Callable[["SessionRecord"], Results | None]


class StoreError(Exception):
    """Something the store cannot do; the message is one readable line."""


class StoreVersionError(StoreError):
    """The database was written by a newer version of the bot; it was left untouched."""


class StoreClosedError(StoreError):
    """The store is closed (or closing) and takes no more work."""


class SessionNotFound(StoreError, LookupError):
    """No session has that id."""


class SessionClosed(StoreError):
    """The session is no longer open (ended, expired by the sweep, or purged)."""


class TurnExists(StoreError):
    """That Discord message was already recorded as a turn of the session (taken once)."""


class SessionConflict(StoreError):
    """The user already has an open session in that place; `existing` is it."""

    def __init__(self, existing: SessionRecord) -> None:
        super().__init__(
            f"user {existing.user_id} already has open session {existing.id} "
            f"({existing.scenario_id}) in {existing.place}: resume it or end it first"
        )
        self.existing = existing


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A person, as last seen, with their settings."""

    id: str
    display_name: str
    dm_reminders: bool
    leaderboard_opt_in: bool
    created_at: float
    last_seen_at: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """One interview: who, where, which scenario, its state and status."""

    id: int
    user_id: str | None
    place: str
    channel_id: str | None
    guild_id: str | None
    scenario_id: str
    scenario_digest: str
    mode: str
    state: dict[str, Any]
    status: str
    started_at: float
    updated_at: float
    ended_at: float | None
    time_budget_s: int | None
    turn_count: int = 0
    overall: float | None = None
    purged_at: float | None = None

    @property
    def is_open(self) -> bool:
        """True while turns can still be recorded."""
        return self.status == "open"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class TurnRecord:
    """One message in a session; `seq` runs 1, 2, 3 ... per session."""

    session_id: int
    seq: int
    role: str
    author_id: str | None
    text: str
    created_at: float
    message_id: str | None = None  # the Discord message it came from, if any

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class PeerRating:
    """A study-group member's rating of one criterion in someone's session."""

    session_id: int
    rater_id: str | None
    criterion_id: str
    rating: str
    created_at: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class CriterionStat:
    """How often a criterion was met; `period_start` is set for trends over time."""

    criterion_id: str
    attempts: int
    hits: int
    mean_score: float
    period_start: float | None = None

    @property
    def rate(self) -> float:
        """Fraction of attempts in which the criterion was met."""
        return self.hits / self.attempts if self.attempts else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form (with the rate)."""
        return {**asdict(self), "rate": self.rate}


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    """One opted-in user's standing in a guild."""

    user_id: str
    display_name: str
    sessions: int
    average_score: float


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What a sweep did: the sessions it expired (for their summaries) and purges."""

    expired: list[SessionRecord] = field(default_factory=list)
    purged: int = 0


class Store(abc.ABC):
    """Durable sessions, turns, scores and settings. Every method is one unit of work.

    Writes return only after their transaction has committed, so a caller that
    replies after `record_turn` returns never acknowledges a turn that a crash
    could lose.
    """

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # users and settings
    @abc.abstractmethod
    async def upsert_user(self, user_id: str, display_name: str) -> UserRecord:
        """Create the user or refresh their display name and last-seen time."""

    @abc.abstractmethod
    async def get_user(self, user_id: str) -> UserRecord | None:
        """The user, or None."""

    @abc.abstractmethod
    async def set_user_setting(self, user_id: str, name: str, value: bool) -> UserRecord:
        """Set `dm_reminders` or `leaderboard_opt_in` (creating the user if needed)."""

    @abc.abstractmethod
    async def get_guild_settings(self, guild_id: str) -> dict[str, Any]:
        """All settings of a guild, as a dict of JSON values."""

    @abc.abstractmethod
    async def set_guild_setting(self, guild_id: str, key: str, value: Any) -> None:
        """Set one guild setting to a JSON value (None removes it)."""

    # sessions and turns
    @abc.abstractmethod
    async def start_session(
        self,
        user_id: str,
        place: str,
        scenario_id: str,
        scenario_digest: str,
        state: dict[str, Any],
        *,
        mode: Mode = "solo",
        channel_id: str | None = None,
        guild_id: str | None = None,
        time_budget_s: int | None = None,
        display_name: str | None = None,
    ) -> SessionRecord:
        """Open a session; raise SessionConflict if the user has one open in `place`."""

    @abc.abstractmethod
    async def record_turn(
        self,
        session_id: int,
        role: Role,
        author_id: str | None,
        text: str,
        new_state: dict[str, Any],
        *,
        message_id: str | None = None,
    ) -> TurnRecord:
        """Append a turn and set the session's state in one committed transaction.

        `message_id` is the Discord message the turn came from; a second turn from the
        same message raises TurnExists and records nothing.
        """

    @abc.abstractmethod
    async def last_message_id(self, session_id: int) -> str | None:
        """The Discord message id of the session's latest turn that has one, or None."""

    @abc.abstractmethod
    async def save_state(self, session_id: int, state: dict[str, Any]) -> None:
        """Set an open session's state without a turn (e.g. a hint taken)."""

    @abc.abstractmethod
    async def end_session(
        self,
        session_id: int,
        status: Literal["ended", "expired"] = "ended",
        state: dict[str, Any] | None = None,
        results: Results | None = None,
    ) -> SessionRecord:
        """Close an open session, storing its final state and rubric results."""

    @abc.abstractmethod
    async def get_session(self, session_id: int) -> SessionRecord | None:
        """The session, or None."""

    @abc.abstractmethod
    async def get_results(self, session_id: int) -> dict[str, Any] | None:
        """The stored rubric results in the plain-dict form, or None if there are none."""

    @abc.abstractmethod
    async def open_sessions(self) -> list[SessionRecord]:
        """Every open session, oldest first (to resume after a restart)."""

    @abc.abstractmethod
    async def find_open_session(self, user_id: str, place: str) -> SessionRecord | None:
        """The user's open session in `place`, or None."""

    @abc.abstractmethod
    async def transcript(self, session_id: int) -> list[TurnRecord]:
        """A session's turns in order."""

    # history and statistics
    @abc.abstractmethod
    async def user_history(
        self, user_id: str, limit: int = 10, offset: int = 0
    ) -> list[SessionRecord]:
        """The user's sessions, newest first, one page."""

    @abc.abstractmethod
    async def criterion_hit_rates(
        self, user_id: str, *, bucket_days: float = 7.0
    ) -> list[CriterionStat]:
        """Per-criterion hit rates per period of `bucket_days`, oldest period first."""

    @abc.abstractmethod
    async def weakest_criteria(
        self, user_id: str, n: int = 3, *, min_attempts: int = 1
    ) -> list[CriterionStat]:
        """The user's `n` criteria with the lowest hit rate (then mean score)."""

    @abc.abstractmethod
    async def leaderboard(
        self, guild_id: str, since: float | None = None, *, limit: int = 10
    ) -> list[LeaderboardRow]:
        """Opted-in users of a guild by average overall score of ended sessions."""

    # peer ratings
    @abc.abstractmethod
    async def add_peer_rating(
        self, session_id: int, rater_id: str, criterion_id: str, rating: Rating
    ) -> PeerRating:
        """Record (or replace) a rater's rating of one criterion in a session."""

    @abc.abstractmethod
    async def peer_ratings(self, session_id: int) -> list[PeerRating]:
        """All peer ratings of a session."""

    # privacy and housekeeping
    @abc.abstractmethod
    async def export_user(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the user, as JSON-able data."""

    @abc.abstractmethod
    async def forget_user(self, user_id: str) -> dict[str, int]:
        """Delete or anonymise every row naming the user; return what was done."""

    @abc.abstractmethod
    async def sweep(
        self, now: float | None = None, *, summarise: Summariser | None = None
    ) -> SweepResult:
        """Expire sessions idle past their budget; purge transcripts past retention."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Finish in-flight work, checkpoint, close. Idempotent."""
