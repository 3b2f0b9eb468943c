"""The store's records: what every backend takes and returns, as plain frozen data.

No driver is imported here (nor anywhere a caller needs to look): a backend maps
its rows to these. Times are UTC seconds since the epoch (floats).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, Protocol

from bot.core import jsontext

Role = Literal["candidate", "interviewer", "system"]
Mode = Literal["solo", "group"]
Status = Literal["open", "ended", "expired"]
EndStatus = Literal["ended", "expired"]
Rating = Literal["met", "partly", "missed"]
LoopStatus = Literal["active", "done", "stopped"]

ROLES: frozenset[str] = frozenset({"candidate", "interviewer", "system"})
MODES: frozenset[str] = frozenset({"solo", "group"})
STATUSES: frozenset[str] = frozenset({"open", "ended", "expired"})
END_STATUSES: frozenset[str] = frozenset({"ended", "expired"})
RATINGS: frozenset[str] = frozenset({"met", "partly", "missed"})
USER_SETTINGS: frozenset[str] = frozenset({"dm_reminders", "leaderboard_opt_in"})

Clock = Callable[[], float]
#: Rubric results as plain data:
#: {"criteria": {cid: {"met": bool, "score": float, "evidence": [str]}},
#:  "antipatterns": [ids], "overall": float}
Results = Mapping[str, Any]
#: Awaited by `sweep` for each session it expires; returns rubric results or None.
#: (A coroutine, so the scoring behind it can run off the event loop.)
Summariser = Callable[["SessionRecord"], Awaitable[Results | None]]
#: Given an open session, says whether this process owns it (its guild's shard, or
#: shard 0 for DMs: `bot.sharding`; the terminal owns only console sessions);
#: `sweep` expires only what its caller owns.
Owns = Callable[["SessionRecord"], bool]
#: How long a claim on a reminder or loop report lasts by default (seconds): a claimer
#: that has neither completed nor released it by then is taken to have died.
DEFAULT_CLAIM_LEASE_S = 300.0


def check_lease(lease_s: float) -> float:
    """`lease_s` as a float; ValueError unless it is a positive number of seconds."""
    lease = float(lease_s)
    if not lease > 0:  # NaN too
        raise ValueError(f"a claim lease must be positive, not {lease_s!r}")
    return lease


# -- users, sessions, turns -----------------------------------------------------------


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
class NewTurn:
    """A turn to append (its seq and time are the store's to give)."""

    role: Role
    author_id: str | None
    text: str
    message_id: str | None = None  # the Discord message it came from, if any


@dataclass(frozen=True, slots=True)
class ExchangeRecord:
    """What one exchange committed: the session as it now is and the turns appended."""

    session: SessionRecord
    turns: tuple[TurnRecord, ...]


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
class RubricRows:
    """Rubric results checked and flattened for storage (built before a unit starts)."""

    criteria: tuple[tuple[str, bool, float, tuple[str, ...]], ...]  # id, met, score, evidence
    antipatterns: tuple[str, ...]  # sorted, each once
    overall: float | None


def rubric_rows(results: Results) -> RubricRows:
    """Check plain-dict rubric results (a malformed one raises here, writing nothing)."""
    criteria = results.get("criteria") or {}
    rows = tuple(
        (
            str(cid),
            bool(result["met"]),
            float(result["score"]),
            tuple(str(e) for e in result.get("evidence", [])),
        )
        for cid, result in criteria.items()
    )
    antipatterns = tuple(sorted({str(a) for a in results.get("antipatterns") or []}))
    overall = results.get("overall")
    return RubricRows(rows, antipatterns, None if overall is None else float(overall))


# -- history and statistics -----------------------------------------------------------


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


# -- study groups, progress, loops ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionLinks:
    """What links a session to others: the attempt it retries, who organised it."""

    session_id: int
    retry_of: int | None
    organiser_id: str | None
    panel_message_id: str | None


@dataclass(frozen=True, slots=True)
class Panelist:
    """A member on a group session's panel, with their note if any."""

    session_id: int
    user_id: str
    display_name: str
    joined_at: float
    note: str | None
    noted_at: float | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ScenarioCriterionStat:
    """A criterion's record for one user, within the scenario that defines it."""

    scenario_id: str
    criterion_id: str
    attempts: int
    hits: int
    mean_score: float

    @property
    def rate(self) -> float:
        """Fraction of attempts in which the criterion was met."""
        return self.hits / self.attempts if self.attempts else 0.0


@dataclass(frozen=True, slots=True)
class ScorePoint:
    """One finished session's overall score, for a chart over time."""

    session_id: int
    scenario_id: str
    ended_at: float
    overall: float


@dataclass(frozen=True, slots=True)
class LoopRound:
    """One round of a loop: which scenario, when it is due, and what became of it.

    `reminded_at` is when its reminder was delivered (recorded by `complete_reminder`;
    the first round counts as reminded when the loop starts), `remind_error` why it
    was given up.
    """

    loop_id: int
    seq: int
    scenario_id: str
    due_at: float
    reminded_at: float | None
    remind_error: str | None
    session_id: int | None
    overall: float | None = None
    claimed_until: float | None = None  # a claimer's lease on sending it (None: no lease)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class LoopRecord:
    """A user's interview loop and its rounds in order."""

    id: int
    user_id: str
    status: str
    started_at: float
    ended_at: float | None
    reported_at: float | None
    rounds: tuple[LoopRound, ...]

    @property
    def next_round(self) -> LoopRound | None:
        """The first round not done yet, or None once every round is done."""
        return next((r for r in self.rounds if r.session_id is None), None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {**asdict(self), "rounds": [r.to_dict() for r in self.rounds]}


# -- custom scenarios -----------------------------------------------------------------


@dataclass(frozen=True)
class CustomScenarioRecord:
    """One stored custom scenario of one server."""

    guild_id: str
    scenario_id: str
    title: str
    round: str
    digest: str
    source: str
    size_bytes: int
    uploaded_by: str | None
    uploaded_at: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return asdict(self)


@dataclass(frozen=True)
class ScenarioVersion:
    """The source (and shared concepts) of one scenario version, by digest."""

    digest: str
    scenario_id: str
    guild_id: str | None
    source: str
    common: dict[str, list[str]]
    created_at: float


# -- rows to records (both backends' rows are read by column name) ------------------


class Row(Protocol):
    """A database row read by column name (sqlite3.Row, asyncpg.Record)."""

    def __getitem__(self, key: str, /) -> Any: ...


def session_from_row(row: Row) -> SessionRecord:
    return SessionRecord(
        id=row["id"],
        user_id=row["user_id"],
        place=row["place"],
        channel_id=row["channel_id"],
        guild_id=row["guild_id"],
        scenario_id=row["scenario_id"],
        scenario_digest=row["scenario_digest"],
        mode=row["mode"],
        state=jsontext.loads(row["state"]),
        status=row["status"],
        started_at=row["started_at"],
        updated_at=row["updated_at"],
        ended_at=row["ended_at"],
        time_budget_s=row["time_budget_s"],
        turn_count=row["turn_count"],
        overall=row["overall"],
        purged_at=row["purged_at"],
    )


def turn_from_row(row: Row) -> TurnRecord:
    return TurnRecord(
        session_id=row["session_id"],
        seq=row["seq"],
        role=row["role"],
        author_id=row["author_id"],
        text=row["text"],
        created_at=row["created_at"],
        message_id=row["message_id"],
    )


def user_from_row(row: Row) -> UserRecord:
    return UserRecord(
        id=row["id"],
        display_name=row["display_name"],
        dm_reminders=bool(row["dm_reminders"]),
        leaderboard_opt_in=bool(row["leaderboard_opt_in"]),
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
    )


def rating_from_row(row: Row) -> PeerRating:
    return PeerRating(
        session_id=row["session_id"],
        rater_id=row["rater_id"],
        criterion_id=row["criterion_id"],
        rating=row["rating"],
        created_at=row["created_at"],
    )


def custom_scenario_from_row(row: Row) -> CustomScenarioRecord:
    return CustomScenarioRecord(
        guild_id=row["guild_id"],
        scenario_id=row["scenario_id"],
        title=row["title"],
        round=row["round"],
        digest=row["digest"],
        source=row["source"],
        size_bytes=row["size_bytes"],
        uploaded_by=row["uploaded_by"],
        uploaded_at=row["uploaded_at"],
    )


def scenario_version_from_row(row: Row) -> ScenarioVersion:
    return ScenarioVersion(
        digest=row["digest"],
        scenario_id=row["scenario_id"],
        guild_id=row["guild_id"],
        source=row["source"],
        common=jsontext.loads(row["common"]),
        created_at=row["created_at"],
    )
