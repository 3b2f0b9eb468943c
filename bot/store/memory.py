"""The store in plain Python dicts: a complete backend that keeps nothing on disk.

`MemoryStore` implements every unit of `Store` with the same rules as the SQLite
backend: one open session per user and place, a Discord message taken once per
session, the turn-count check of an exchange, foreign keys (a link to no session
is a ConstraintViolation, deleting a session takes its turns, results, ratings,
links and panel with it), the same orderings, forget-me and retention. It passes
the store contract suite, so tests can run against it, and it is the reference a
new backend is compared with.

Each unit runs without an `await` between its first read and its last write, so
on one event loop it is atomic and isolated; a unit checks everything that can
fail before it changes anything, so one that raises wrote nothing. States and
settings are kept as JSON text, as a database would, so a caller never shares a
dict with the store.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.core import jsontext
from bot.store.errors import (
    ConstraintViolation,
    CustomScenarioLimit,
    LoopExists,
    NotAPanelist,
    SessionClosed,
    SessionConflict,
    SessionNotFound,
    StaleSession,
    StoreClosedError,
    TurnExists,
)
from bot.store.protocols import Store
from bot.store.records import (
    DEFAULT_CLAIM_LEASE_S,
    END_STATUSES,
    MODES,
    RATINGS,
    ROLES,
    USER_SETTINGS,
    Clock,
    CriterionStat,
    CustomScenarioRecord,
    EndStatus,
    ExchangeRecord,
    LeaderboardRow,
    LoopRecord,
    LoopRound,
    Mode,
    NewTurn,
    Owns,
    Panelist,
    PeerRating,
    Rating,
    Results,
    Role,
    RubricRows,
    ScenarioCriterionStat,
    ScenarioVersion,
    ScorePoint,
    SessionLinks,
    SessionRecord,
    Summariser,
    SweepResult,
    TurnRecord,
    UserRecord,
    check_lease,
    rubric_rows,
)

DAY_S = 86_400.0


def _not_null(**values: Any) -> None:
    """A required value that is missing breaks the data's rules, as NOT NULL would."""
    for name, value in values.items():
        if value is None:
            raise ConstraintViolation(f"memory store: {name} may not be null")


def _check_turns(turns: Iterable[NewTurn]) -> None:
    for turn in turns:
        if turn.role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {turn.role!r}")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


@dataclass(slots=True)
class _User:
    id: str
    display_name: str
    created_at: float
    last_seen_at: float
    dm_reminders: bool = False
    leaderboard_opt_in: bool = False

    def record(self) -> UserRecord:
        return UserRecord(
            self.id,
            self.display_name,
            self.dm_reminders,
            self.leaderboard_opt_in,
            self.created_at,
            self.last_seen_at,
        )


@dataclass(slots=True)
class _Session:
    id: int
    user_id: str | None
    place: str
    channel_id: str | None
    guild_id: str | None
    scenario_id: str
    scenario_digest: str
    mode: str
    state: str  # JSON
    status: str
    started_at: float
    updated_at: float
    ended_at: float | None
    time_budget_s: int | None
    turn_count: int = 0
    overall: float | None = None
    purged_at: float | None = None

    def record(self) -> SessionRecord:
        return SessionRecord(
            id=self.id,
            user_id=self.user_id,
            place=self.place,
            channel_id=self.channel_id,
            guild_id=self.guild_id,
            scenario_id=self.scenario_id,
            scenario_digest=self.scenario_digest,
            mode=self.mode,
            state=jsontext.loads(self.state),
            status=self.status,
            started_at=self.started_at,
            updated_at=self.updated_at,
            ended_at=self.ended_at,
            time_budget_s=self.time_budget_s,
            turn_count=self.turn_count,
            overall=self.overall,
            purged_at=self.purged_at,
        )


@dataclass(slots=True)
class _Criterion:
    met: bool
    score: float
    evidence: tuple[str, ...]


@dataclass(slots=True)
class _Rating:
    id: int
    session_id: int
    rater_id: str | None
    criterion_id: str
    rating: str
    created_at: float

    def record(self) -> PeerRating:
        return PeerRating(
            self.session_id, self.rater_id, self.criterion_id, self.rating, self.created_at
        )


@dataclass(slots=True)
class _Links:
    retry_of: int | None = None
    organiser_id: str | None = None
    panel_message_id: str | None = None


@dataclass(slots=True)
class _Seat:
    joined_at: float
    note: str | None = None
    noted_at: float | None = None


@dataclass(slots=True)
class _Loop:
    id: int
    user_id: str
    status: str
    started_at: float
    ended_at: float | None = None
    reported_at: float | None = None
    report_claimed_until: float | None = None


@dataclass(slots=True)
class _Round:
    loop_id: int
    seq: int
    scenario_id: str
    due_at: float
    reminded_at: float | None = None
    remind_error: str | None = None
    session_id: int | None = None
    claimed_until: float | None = None


class MemoryStore(Store):
    """Every store unit on dicts in this process; nothing survives `close()`."""

    def __init__(self, *, retention_days: float = 180, clock: Clock = time.time) -> None:
        self.retention_days = retention_days
        self._clock = clock
        self._closed = False
        self._identify_slots: dict[int, float] = {}  # bucket -> last reserved identify turn
        self._users: dict[str, _User] = {}
        self._guild_settings: dict[str, dict[str, str]] = defaultdict(dict)  # JSON values
        self._sessions: dict[int, _Session] = {}
        self._turns: dict[int, list[TurnRecord]] = defaultdict(list)
        self._criteria: dict[int, dict[str, _Criterion]] = defaultdict(dict)
        self._antipatterns: dict[int, set[str]] = defaultdict(set)
        self._ratings: list[_Rating] = []
        self._links: dict[int, _Links] = {}
        self._panel: dict[int, dict[str, _Seat]] = defaultdict(dict)
        self._loops: dict[int, _Loop] = {}
        self._rounds: dict[int, list[_Round]] = defaultdict(list)
        self._custom: dict[str, dict[str, CustomScenarioRecord]] = defaultdict(dict)
        self._versions: dict[str, tuple[ScenarioVersion, str]] = {}  # digest -> (v, common)
        self._next_id = {"session": 1, "rating": 1, "loop": 1}

    def _work(self) -> None:
        """Every unit starts here: a closed store takes no more work."""
        if self._closed:
            raise StoreClosedError("the memory store is closed")

    def _new_id(self, kind: str) -> int:
        value = self._next_id[kind]
        self._next_id[kind] = value + 1
        return value

    # -- users and settings ----------------------------------------------------------

    def _ensure_user(self, user_id: str, display_name: str | None, now: float) -> _User:
        user = self._users.get(user_id)
        if user is None:
            user = self._users[user_id] = _User(user_id, display_name or "", now, now)
        elif display_name is not None:
            user.display_name = display_name
            user.last_seen_at = now
        return user

    async def upsert_user(self, user_id: str, display_name: str) -> UserRecord:
        self._work()
        return self._ensure_user(user_id, display_name, self._clock()).record()

    async def get_user(self, user_id: str) -> UserRecord | None:
        self._work()
        user = self._users.get(user_id)
        return None if user is None else user.record()

    async def set_user_setting(self, user_id: str, name: str, value: bool) -> UserRecord:
        if name not in USER_SETTINGS:
            raise ValueError(f"unknown user setting {name!r}; known: {sorted(USER_SETTINGS)}")
        self._work()
        user = self._ensure_user(user_id, None, self._clock())
        setattr(user, name, bool(value))
        return user.record()

    async def get_guild_settings(self, guild_id: str) -> dict[str, Any]:
        self._work()
        return {k: jsontext.loads(v) for k, v in self._guild_settings.get(guild_id, {}).items()}

    async def set_guild_setting(self, guild_id: str, key: str, value: Any) -> None:
        encoded = None if value is None else jsontext.dumps(value)
        self._work()
        if encoded is None:
            self._guild_settings.get(guild_id, {}).pop(key, None)
        else:
            self._guild_settings[guild_id][key] = encoded

    # -- sessions and turns ----------------------------------------------------------

    def _find_open(self, user_id: str, place: str) -> _Session | None:
        for session in self._sessions.values():
            if session.status == "open" and session.user_id == user_id and session.place == place:
                return session
        return None

    def _open_session(self, session_id: int) -> _Session:
        session = self._sessions.get(session_id)
        if session is None:
            raise SessionNotFound(f"no session {session_id}")
        if session.status != "open":
            raise SessionClosed(f"session {session_id} is {session.status}, not open")
        return session

    def _check_new_turns(self, session_id: int | None, turns: Sequence[NewTurn]) -> None:
        """Text present, and no message already a turn of the session (nor twice here)."""
        seen = (
            set()
            if session_id is None
            else {t.message_id for t in self._turns.get(session_id, ()) if t.message_id}
        )
        for turn in turns:
            _not_null(text=turn.text)
            if turn.message_id is None:
                continue
            if turn.message_id in seen:
                raise TurnExists(
                    f"message {turn.message_id} is already a turn of session {session_id}"
                )
            seen.add(turn.message_id)

    def _append_turns(
        self, session: _Session, turns: Sequence[NewTurn], now: float
    ) -> tuple[TurnRecord, ...]:
        records = tuple(
            TurnRecord(
                session.id, session.turn_count + i, t.role, t.author_id, t.text, now, t.message_id
            )
            for i, t in enumerate(turns, start=1)
        )
        self._turns[session.id].extend(records)
        session.turn_count += len(records)
        return records

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
        opening: Sequence[NewTurn] = (),
        retry_of: int | None = None,
        organiser_id: str | None = None,
    ) -> SessionRecord:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {sorted(MODES)}, not {mode!r}")
        _check_turns(opening)
        encoded = jsontext.dumps(state)
        now = self._clock()
        self._work()
        existing = self._find_open(user_id, place)
        if existing is not None:
            raise SessionConflict(existing.record())
        _not_null(user_id=user_id, place=place, scenario_id=scenario_id, digest=scenario_digest)
        self._check_new_turns(None, opening)
        if retry_of is not None and retry_of not in self._sessions:
            raise ConstraintViolation(f"memory store: retry_of {retry_of} is no session")
        self._ensure_user(user_id, display_name, now)
        session = _Session(
            id=self._new_id("session"),
            user_id=user_id,
            place=place,
            channel_id=channel_id,
            guild_id=guild_id,
            scenario_id=scenario_id,
            scenario_digest=scenario_digest,
            mode=mode,
            state=encoded,
            status="open",
            started_at=now,
            updated_at=now,
            ended_at=None,
            time_budget_s=time_budget_s,
        )
        self._sessions[session.id] = session
        self._append_turns(session, opening, now)
        if retry_of is not None or organiser_id is not None:
            self._links[session.id] = _Links(retry_of, organiser_id)
        return session.record()

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
        turn = NewTurn(role, author_id, text, message_id)
        _check_turns((turn,))
        encoded = jsontext.dumps(new_state)
        now = self._clock()
        self._work()
        session = self._open_session(session_id)
        self._check_new_turns(session_id, (turn,))
        session.state, session.updated_at = encoded, now
        (record,) = self._append_turns(session, (turn,), now)
        return record

    async def record_exchange(
        self,
        session_id: int,
        expected_turn_count: int,
        turns: Sequence[NewTurn],
        state: dict[str, Any],
        *,
        end_status: EndStatus | None = None,
        results: Results | None = None,
    ) -> ExchangeRecord:
        _check_turns(turns)
        if end_status is not None and end_status not in END_STATUSES:
            raise ValueError(f"a session ends as 'ended' or 'expired', not {end_status!r}")
        encoded = jsontext.dumps(state)
        rows = None if results is None else rubric_rows(results)
        now = self._clock()
        self._work()
        session = self._open_session(session_id)
        if session.turn_count != expected_turn_count:
            raise StaleSession(session_id, expected_turn_count, session.turn_count)
        self._check_new_turns(session_id, turns)
        session.state, session.updated_at = encoded, now
        records = self._append_turns(session, turns, now)
        if end_status is not None:
            session.status, session.ended_at = end_status, now
        if rows is not None:
            self._store_results(session, rows)
        return ExchangeRecord(session.record(), records)

    async def last_message_id(self, session_id: int) -> str | None:
        self._work()
        for turn in reversed(self._turns.get(session_id, [])):
            if turn.message_id is not None:
                return turn.message_id
        return None

    async def save_state(self, session_id: int, state: dict[str, Any]) -> None:
        encoded = jsontext.dumps(state)
        now = self._clock()
        self._work()
        session = self._open_session(session_id)
        session.state, session.updated_at = encoded, now

    def _store_results(self, session: _Session, rows: RubricRows) -> None:
        self._criteria[session.id] = {
            cid: _Criterion(met, score, evidence) for cid, met, score, evidence in rows.criteria
        }
        self._antipatterns[session.id] = set(rows.antipatterns)
        session.overall = rows.overall

    async def end_session(
        self,
        session_id: int,
        status: EndStatus = "ended",
        state: dict[str, Any] | None = None,
        results: Results | None = None,
    ) -> SessionRecord:
        if status not in END_STATUSES:
            raise ValueError(f"a session ends as 'ended' or 'expired', not {status!r}")
        encoded = None if state is None else jsontext.dumps(state)
        rows = None if results is None else rubric_rows(results)
        now = self._clock()
        self._work()
        session = self._open_session(session_id)
        session.status, session.updated_at, session.ended_at = status, now, now
        if encoded is not None:
            session.state = encoded
        if rows is not None:
            self._store_results(session, rows)
        return session.record()

    async def get_session(self, session_id: int) -> SessionRecord | None:
        self._work()
        session = self._sessions.get(session_id)
        return None if session is None else session.record()

    def _results(self, session_id: int) -> dict[str, Any] | None:
        criteria = self._criteria.get(session_id, {})
        crit = {
            cid: {"met": c.met, "score": c.score, "evidence": list(c.evidence)}
            for cid, c in sorted(criteria.items())
        }
        antipatterns = sorted(self._antipatterns.get(session_id, ()))
        session = self._sessions.get(session_id)
        total = None if session is None else session.overall
        if not crit and not antipatterns and total is None:
            return None
        return {"criteria": crit, "antipatterns": antipatterns, "overall": total}

    async def get_results(self, session_id: int) -> dict[str, Any] | None:
        self._work()
        return self._results(session_id)

    async def open_sessions(self) -> list[SessionRecord]:
        self._work()
        found = [s for s in self._sessions.values() if s.status == "open"]
        return [s.record() for s in sorted(found, key=lambda s: (s.started_at, s.id))]

    async def find_open_session(self, user_id: str, place: str) -> SessionRecord | None:
        self._work()
        session = self._find_open(user_id, place)
        return None if session is None else session.record()

    async def transcript(self, session_id: int) -> list[TurnRecord]:
        self._work()
        return list(self._turns.get(session_id, []))

    # -- history and statistics ------------------------------------------------------

    async def user_history(
        self, user_id: str, limit: int = 10, offset: int = 0
    ) -> list[SessionRecord]:
        self._work()
        mine = [s for s in self._sessions.values() if s.user_id == user_id]
        mine.sort(key=lambda s: (s.started_at, s.id), reverse=True)
        start = max(0, offset)
        return [s.record() for s in mine[start : start + max(0, limit)]]

    def _rubric_of(self, sessions: Iterable[_Session]) -> list[tuple[_Session, str, _Criterion]]:
        return [(s, cid, c) for s in sessions for cid, c in self._criteria.get(s.id, {}).items()]

    async def criterion_hit_rates(
        self, user_id: str, *, bucket_days: float = 7.0
    ) -> list[CriterionStat]:
        if bucket_days <= 0:
            raise ValueError("bucket_days must be positive")
        bucket = bucket_days * DAY_S
        self._work()
        sessions = (
            s for s in self._sessions.values() if s.user_id == user_id and s.ended_at is not None
        )
        groups: dict[tuple[int, str], list[_Criterion]] = defaultdict(list)
        for session, cid, criterion in self._rubric_of(sessions):
            assert session.ended_at is not None
            groups[(int(session.ended_at / bucket), cid)].append(criterion)
        return [
            CriterionStat(
                cid,
                len(found),
                sum(c.met for c in found),
                _mean([c.score for c in found]),
                period_start=period * bucket,
            )
            for (period, cid), found in sorted(groups.items())
        ]

    async def weakest_criteria(
        self, user_id: str, n: int = 3, *, min_attempts: int = 1
    ) -> list[CriterionStat]:
        self._work()
        sessions = (s for s in self._sessions.values() if s.user_id == user_id)
        groups: dict[str, list[_Criterion]] = defaultdict(list)
        for _, cid, criterion in self._rubric_of(sessions):
            groups[cid].append(criterion)
        stats = [
            CriterionStat(
                cid, len(found), sum(c.met for c in found), _mean([c.score for c in found])
            )
            for cid, found in groups.items()
            if len(found) >= min_attempts
        ]
        stats.sort(key=lambda s: (s.hits / s.attempts, s.mean_score, s.criterion_id))
        return stats[: max(0, n)]

    async def leaderboard(
        self, guild_id: str, since: float | None = None, *, limit: int = 10
    ) -> list[LeaderboardRow]:
        self._work()
        scores: dict[str, list[float]] = defaultdict(list)
        for s in self._sessions.values():
            user = self._users.get(s.user_id) if s.user_id is not None else None
            if (
                user is not None
                and user.leaderboard_opt_in
                and s.guild_id == guild_id
                and s.status == "ended"
                and s.overall is not None
                and (since is None or (s.ended_at is not None and s.ended_at >= since))
            ):
                scores[user.id].append(s.overall)
        rows = [
            LeaderboardRow(uid, self._users[uid].display_name, len(found), _mean(found))
            for uid, found in scores.items()
        ]
        rows.sort(key=lambda r: (-r.average_score, -r.sessions, r.user_id))
        return rows[: max(0, limit)]

    # -- peer ratings ----------------------------------------------------------------

    async def add_peer_rating(
        self, session_id: int, rater_id: str, criterion_id: str, rating: Rating
    ) -> PeerRating:
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {sorted(RATINGS)}, not {rating!r}")
        now = self._clock()
        self._work()
        if session_id not in self._sessions:
            raise SessionNotFound(f"no session {session_id}")
        self._ensure_user(rater_id, None, now)
        for row in self._ratings:
            key = (row.session_id, row.rater_id, row.criterion_id)
            if key == (session_id, rater_id, criterion_id):
                row.rating, row.created_at = rating, now
                return row.record()
        row = _Rating(self._new_id("rating"), session_id, rater_id, criterion_id, rating, now)
        self._ratings.append(row)
        return row.record()

    async def peer_ratings(self, session_id: int) -> list[PeerRating]:
        self._work()
        return [r.record() for r in self._ratings if r.session_id == session_id]

    # -- session links ---------------------------------------------------------------

    async def set_session_links(
        self, session_id: int, *, retry_of: int | None = None, organiser_id: str | None = None
    ) -> None:
        self._work()
        if session_id not in self._sessions:
            raise SessionNotFound(f"no session {session_id}")
        if retry_of is not None and retry_of not in self._sessions:
            raise ConstraintViolation(f"memory store: retry_of {retry_of} is no session")
        links = self._links.setdefault(session_id, _Links())
        links.retry_of = retry_of if retry_of is not None else links.retry_of
        links.organiser_id = organiser_id if organiser_id is not None else links.organiser_id

    async def session_links(self, session_id: int) -> SessionLinks:
        self._work()
        links = self._links.get(session_id, _Links())
        return SessionLinks(session_id, links.retry_of, links.organiser_id, links.panel_message_id)

    async def set_panel_message(self, session_id: int, message_id: str | None) -> None:
        self._work()
        if session_id not in self._sessions:
            raise ConstraintViolation(f"memory store: session {session_id} does not exist")
        self._links.setdefault(session_id, _Links()).panel_message_id = message_id

    async def attempts(self, user_id: str, scenario_id: str) -> list[tuple[int, float, float]]:
        self._work()
        found = [
            s
            for s in self._sessions.values()
            if s.user_id == user_id
            and s.scenario_id == scenario_id
            and s.status != "open"
            and s.purged_at is None
        ]
        found.sort(key=lambda s: (s.ended_at or 0.0, s.id), reverse=True)
        return [(s.id, s.ended_at or 0.0, s.overall or 0.0) for s in found]

    # -- panel -----------------------------------------------------------------------

    async def join_panel(self, session_id: int, user_id: str, display_name: str) -> bool:
        now = self._clock()
        self._work()
        if session_id not in self._sessions:
            raise SessionNotFound(f"no session {session_id}")
        self._ensure_user(user_id, display_name, now)
        seats = self._panel[session_id]
        if user_id in seats:
            return False
        seats[user_id] = _Seat(now)
        return True

    async def panelists(self, session_id: int) -> list[Panelist]:
        self._work()
        seats = sorted(
            self._panel.get(session_id, {}).items(), key=lambda i: (i[1].joined_at, i[0])
        )
        return [
            Panelist(
                session_id,
                uid,
                user.display_name if (user := self._users.get(uid)) else "",
                seat.joined_at,
                seat.note,
                seat.noted_at,
            )
            for uid, seat in seats
        ]

    async def set_panel_note(self, session_id: int, user_id: str, note: str) -> None:
        now = self._clock()
        text = note.strip()
        self._work()
        seat = self._panel.get(session_id, {}).get(user_id)
        if seat is None:
            raise NotAPanelist(f"{user_id} is not on the panel of session {session_id}")
        seat.note, seat.noted_at = text or None, now

    # -- progress --------------------------------------------------------------------

    async def criterion_rates_by_scenario(self, user_id: str) -> list[ScenarioCriterionStat]:
        self._work()
        sessions = (
            s for s in self._sessions.values() if s.user_id == user_id and s.status != "open"
        )
        groups: dict[tuple[str, str], list[_Criterion]] = defaultdict(list)
        for session, cid, criterion in self._rubric_of(sessions):
            groups[(session.scenario_id, cid)].append(criterion)
        stats = [
            ScenarioCriterionStat(
                sid, cid, len(found), sum(c.met for c in found), _mean([c.score for c in found])
            )
            for (sid, cid), found in groups.items()
        ]
        stats.sort(key=lambda s: (s.hits / s.attempts, s.mean_score, s.scenario_id, s.criterion_id))
        return stats

    async def score_series(self, user_id: str, limit: int = 200) -> list[ScorePoint]:
        self._work()
        found = [
            s
            for s in self._sessions.values()
            if s.user_id == user_id and s.status != "open" and s.overall is not None
        ]
        found.sort(key=lambda s: (s.ended_at or 0.0, s.id), reverse=True)
        newest = sorted(found[: max(0, limit)], key=lambda s: (s.ended_at or 0.0, s.id))
        return [
            ScorePoint(s.id, s.scenario_id, s.ended_at or 0.0, s.overall or 0.0) for s in newest
        ]

    # -- loops -----------------------------------------------------------------------

    def _loop(self, loop: _Loop) -> LoopRecord:
        rounds = tuple(
            LoopRound(
                r.loop_id,
                r.seq,
                r.scenario_id,
                r.due_at,
                r.reminded_at,
                r.remind_error,
                r.session_id,
                self._overall(r.session_id),
                r.claimed_until,
            )
            for r in self._rounds.get(loop.id, [])
        )
        return LoopRecord(
            loop.id,
            loop.user_id,
            loop.status,
            loop.started_at,
            loop.ended_at,
            loop.reported_at,
            rounds,
        )

    def _overall(self, session_id: int | None) -> float | None:
        session = None if session_id is None else self._sessions.get(session_id)
        return None if session is None else session.overall

    def _link_rounds(self, user_id: str | None = None) -> None:
        """Attach finished sessions to the rounds of active loops, in round order.

        A round is done by the earliest finished attempt at its scenario made after
        the loop started and not already counted for another round of that loop.
        """
        for loop in self._loops.values():
            if loop.status != "active" or (user_id and loop.user_id != user_id):
                continue
            rounds = self._rounds.get(loop.id, [])
            used = {r.session_id for r in rounds if r.session_id is not None}
            for rnd in rounds:
                if rnd.session_id is not None:
                    continue
                found = [
                    s
                    for s in self._sessions.values()
                    if s.user_id == loop.user_id
                    and s.scenario_id == rnd.scenario_id
                    and s.status != "open"
                    and s.started_at >= loop.started_at
                    and s.id not in used
                ]
                if found:
                    first = min(found, key=lambda s: (s.ended_at or 0.0, s.id))
                    rnd.session_id = first.id
                    used.add(first.id)

    async def start_loop(
        self, user_id: str, plan: Sequence[tuple[str, float]], *, now: float | None = None
    ) -> LoopRecord:
        at = self._clock() if now is None else now
        if not plan:
            raise ValueError("a loop needs at least one round")
        self._work()
        for loop in self._loops.values():
            if loop.user_id == user_id and loop.status == "active":
                raise LoopExists(f"user {user_id} already has active loop {loop.id}")
        self._ensure_user(user_id, None, at)
        loop = _Loop(self._new_id("loop"), user_id, "active", at)
        self._loops[loop.id] = loop
        self._rounds[loop.id] = [
            _Round(loop.id, seq, sid, due, at if due <= at else None)
            for seq, (sid, due) in enumerate(plan, start=1)
        ]
        return self._loop(loop)

    async def latest_loop(self, user_id: str) -> LoopRecord | None:
        self._work()
        self._link_rounds(user_id)
        mine = [loop for loop in self._loops.values() if loop.user_id == user_id]
        if not mine:
            return None
        return self._loop(max(mine, key=lambda x: (x.status == "active", x.started_at, x.id)))

    async def get_loop(self, loop_id: int) -> LoopRecord | None:
        self._work()
        loop = self._loops.get(loop_id)
        return None if loop is None else self._loop(loop)

    async def stop_loop(self, user_id: str, *, now: float | None = None) -> LoopRecord | None:
        at = self._clock() if now is None else now
        self._work()
        for loop in self._loops.values():
            if loop.user_id == user_id and loop.status == "active":
                loop.status, loop.ended_at = "stopped", at
                return self._loop(loop)
        return None

    async def claim_due_reminders(
        self, now: float | None = None, *, lease_s: float = DEFAULT_CLAIM_LEASE_S
    ) -> list[LoopRound]:
        at = self._clock() if now is None else now
        until = at + check_lease(lease_s)
        self._work()
        self._link_rounds()
        due = [
            r
            for loop in self._loops.values()
            if loop.status == "active"
            for r in self._rounds.get(loop.id, [])
            if r.reminded_at is None
            and r.remind_error is None
            and r.session_id is None
            and r.due_at <= at
            and (r.claimed_until is None or r.claimed_until <= at)
        ]
        due.sort(key=lambda r: (r.due_at, r.loop_id, r.seq))
        for rnd in due:
            rnd.claimed_until = until
        return [
            LoopRound(r.loop_id, r.seq, r.scenario_id, r.due_at, None, None, None, None, until)
            for r in due
        ]

    def _round(self, loop_id: int, seq: int) -> _Round | None:
        return next((r for r in self._rounds.get(loop_id, []) if r.seq == seq), None)

    async def complete_reminder(self, loop_id: int, seq: int, *, now: float | None = None) -> None:
        at = self._clock() if now is None else now
        self._work()
        rnd = self._round(loop_id, seq)
        if rnd is not None:
            rnd.reminded_at = at if rnd.reminded_at is None else rnd.reminded_at
            rnd.claimed_until = None

    async def release_reminder(self, loop_id: int, seq: int) -> None:
        self._work()
        rnd = self._round(loop_id, seq)
        if rnd is not None:
            rnd.claimed_until = None

    async def note_reminder_error(self, loop_id: int, seq: int, error: str) -> None:
        self._work()
        rnd = self._round(loop_id, seq)
        if rnd is not None:
            rnd.remind_error, rnd.claimed_until = error, None

    async def claim_finished_loops(
        self, now: float | None = None, *, lease_s: float = DEFAULT_CLAIM_LEASE_S
    ) -> list[LoopRecord]:
        at = self._clock() if now is None else now
        until = at + check_lease(lease_s)
        self._work()
        self._link_rounds()
        claimed = []
        for loop in sorted(self._loops.values(), key=lambda x: x.id):
            if loop.reported_at is not None or (
                loop.report_claimed_until is not None and loop.report_claimed_until > at
            ):
                continue
            rounds = self._rounds.get(loop.id, [])
            finished = loop.status == "active" and all(r.session_id is not None for r in rounds)
            if finished or loop.status == "done":
                loop.status, loop.report_claimed_until = "done", until
                loop.ended_at = at if loop.ended_at is None else loop.ended_at
                claimed.append(self._loop(loop))
        return claimed

    async def complete_loop_report(self, loop_id: int, *, now: float | None = None) -> None:
        at = self._clock() if now is None else now
        self._work()
        loop = self._loops.get(loop_id)
        if loop is not None:
            loop.reported_at = at if loop.reported_at is None else loop.reported_at
            loop.report_claimed_until = None

    async def release_loop_report(self, loop_id: int) -> None:
        self._work()
        loop = self._loops.get(loop_id)
        if loop is not None:
            loop.report_claimed_until = None

    # -- custom scenarios ------------------------------------------------------------

    async def save_custom_scenario(
        self,
        guild_id: str,
        scenario_id: str,
        *,
        title: str,
        round: str,
        digest: str,
        source: str,
        uploaded_by: str | None,
        max_per_guild: int | None = None,
    ) -> tuple[CustomScenarioRecord, bool]:
        now = self._clock()
        size = len(source.encode("utf-8"))
        self._work()
        _not_null(title=title, round=round, digest=digest)
        mine = self._custom[guild_id]
        replaced = scenario_id in mine
        if not replaced and max_per_guild is not None and len(mine) >= max_per_guild:
            raise CustomScenarioLimit(max_per_guild)
        record = CustomScenarioRecord(
            guild_id, scenario_id, title, round, digest, source, size, uploaded_by, now
        )
        mine[scenario_id] = record
        return record, replaced

    async def custom_scenarios(self, guild_id: str) -> list[CustomScenarioRecord]:
        self._work()
        return [r for _, r in sorted(self._custom.get(guild_id, {}).items())]

    async def get_custom_scenario(
        self, guild_id: str, scenario_id: str
    ) -> CustomScenarioRecord | None:
        self._work()
        return self._custom.get(guild_id, {}).get(scenario_id)

    async def remove_custom_scenario(self, guild_id: str, scenario_id: str) -> bool:
        self._work()
        return self._custom.get(guild_id, {}).pop(scenario_id, None) is not None

    async def save_scenario_version(
        self,
        digest: str,
        scenario_id: str,
        source: str,
        *,
        guild_id: str | None = None,
        common: dict[str, list[str]] | None = None,
    ) -> None:
        now = self._clock()
        encoded = jsontext.dumps(common or {})
        self._work()
        _not_null(scenario_id=scenario_id, source=source)
        if digest not in self._versions:
            version = ScenarioVersion(digest, scenario_id, guild_id, source, {}, now)
            self._versions[digest] = (version, encoded)

    def _version(self, digest: str) -> ScenarioVersion | None:
        found = self._versions.get(digest)
        if found is None:
            return None
        version, common = found
        return replace(version, common=jsontext.loads(common))

    async def scenario_version(self, digest: str) -> ScenarioVersion | None:
        self._work()
        return self._version(digest)

    async def open_session_versions(self) -> list[ScenarioVersion]:
        self._work()
        digests = {s.scenario_digest for s in self._sessions.values() if s.status == "open"}
        found = (self._version(d) for d in sorted(digests & set(self._versions)))
        return [v for v in found if v is not None]

    # -- privacy ---------------------------------------------------------------------

    async def export_user(self, user_id: str) -> dict[str, Any]:
        now = self._clock()
        self._work()
        user = self._users.get(user_id)
        mine = sorted(
            (s for s in self._sessions.values() if s.user_id == user_id),
            key=lambda s: (s.started_at, s.id),
        )
        sessions = [
            {
                **s.record().to_dict(),
                "turns": [t.to_dict() for t in self._turns.get(s.id, [])],
                "results": self._results(s.id),
                # who rated is the rater's data; what they said about you is yours
                "peer_ratings_received": [
                    {k: v for k, v in r.record().to_dict().items() if k != "rater_id"}
                    for r in self._ratings
                    if r.session_id == s.id
                ],
            }
            for s in mine
        ]
        elsewhere = [
            t.to_dict()
            for sid in sorted(self._turns)
            if self._sessions[sid].user_id != user_id
            for t in self._turns[sid]
            if t.author_id == user_id
        ]
        uploads = sorted(
            (r for guild in self._custom.values() for r in guild.values()),
            key=lambda r: (r.uploaded_at, r.guild_id, r.scenario_id),
        )
        return {
            "user_id": user_id,
            "exported_at": now,
            "user": None if user is None else user.record().to_dict(),
            "sessions": sessions,
            "turns_in_other_sessions": elsewhere,
            "peer_ratings_given": [
                r.record().to_dict() for r in self._ratings if r.rater_id == user_id
            ],
            "custom_scenarios_uploaded": [
                {
                    "guild_id": r.guild_id,
                    "scenario_id": r.scenario_id,
                    "title": r.title,
                    "digest": r.digest,
                    "uploaded_at": r.uploaded_at,
                }
                for r in uploads
                if r.uploaded_by == user_id
            ],
            **self._export_groups(user_id),
        }

    def _export_groups(self, user_id: str) -> dict[str, Any]:
        joined = sorted(
            (
                (seat.joined_at, sid, seat)
                for sid, seats in self._panel.items()
                for uid, seat in seats.items()
                if uid == user_id
            ),
            key=lambda x: (x[0], x[1]),
        )
        received = sorted(
            (
                (sid, seat.noted_at or 0.0, seat)
                for sid, seats in self._panel.items()
                if self._sessions[sid].user_id == user_id
                for seat in seats.values()
                if seat.note is not None
            ),
            key=lambda x: (x[0], x[1]),
        )
        links = [
            (sid, links)
            for sid, links in sorted(self._links.items())
            if self._sessions[sid].user_id == user_id or links.organiser_id == user_id
        ]
        loops = sorted(
            (loop for loop in self._loops.values() if loop.user_id == user_id),
            key=lambda x: (x.started_at, x.id),
        )
        return {
            "panels_joined": [
                {"session_id": sid, "joined_at": at, "note": s.note, "noted_at": s.noted_at}
                for at, sid, s in joined
            ],
            # who wrote a note is the panelist's data; what they wrote about you is yours
            "panel_notes_received": [
                {"session_id": sid, "note": s.note, "noted_at": s.noted_at}
                for sid, _, s in received
            ],
            "session_links": [
                {
                    "session_id": sid,
                    "retry_of": link.retry_of,
                    "organised_by_you": link.organiser_id == user_id,
                }
                for sid, link in links
            ],
            "loops": [self._loop(loop).to_dict() for loop in loops],
        }

    def _delete_session(self, session_id: int) -> None:
        """Delete a session and what hangs on it (the foreign keys' cascades)."""
        del self._sessions[session_id]
        for table in (self._turns, self._criteria, self._antipatterns, self._links, self._panel):
            table.pop(session_id, None)
        self._ratings = [r for r in self._ratings if r.session_id != session_id]
        for links in self._links.values():
            if links.retry_of == session_id:
                links.retry_of = None
        for rounds in self._rounds.values():
            for rnd in rounds:
                if rnd.session_id == session_id:
                    rnd.session_id = None

    async def forget_user(self, user_id: str) -> dict[str, int]:
        """Delete the user's sessions, their turns and settings; anonymise the rest.

        Kept, without their name: group sessions they owned that hold other
        people's turns (owner cleared, their own turns blanked), their turns in
        other people's sessions (blanked) and the ratings they gave on other
        people's sessions (rater cleared).
        """
        self._work()
        seats = 0
        for panel in self._panel.values():
            seats += panel.pop(user_id, None) is not None
        their_loops = [i for i, loop in self._loops.items() if loop.user_id == user_id]
        for loop_id in their_loops:
            del self._loops[loop_id]
            self._rounds.pop(loop_id, None)
        organised = 0
        for links in self._links.values():
            if links.organiser_id == user_id:
                links.organiser_id = None
                organised += 1
        kept = 0
        for s in self._sessions.values():
            others = any(
                t.author_id is not None and t.author_id != user_id
                for t in self._turns.get(s.id, [])
            )
            if s.user_id == user_id and s.mode == "group" and others:
                s.user_id, s.place, s.state = None, "forgotten", "{}"
                if s.status == "open":
                    s.status = "ended"
                s.ended_at = s.updated_at if s.ended_at is None else s.ended_at
                kept += 1
        doomed = [sid for sid, s in self._sessions.items() if s.user_id == user_id]
        for sid in doomed:
            self._delete_session(sid)
        turns = 0
        for session_turns in self._turns.values():
            for i, t in enumerate(session_turns):
                if t.author_id == user_id:
                    session_turns[i] = replace(t, author_id=None, text="[removed]", message_id=None)
                    turns += 1
        ratings = 0
        for rating in self._ratings:
            if rating.rater_id == user_id:
                rating.rater_id = None
                ratings += 1
        users = int(self._users.pop(user_id, None) is not None)
        uploads = 0
        for guild in self._custom.values():
            for sid, record in guild.items():
                if record.uploaded_by == user_id:
                    guild[sid] = replace(record, uploaded_by=None)
                    uploads += 1
        return {
            "users_deleted": users,
            "sessions_deleted": len(doomed),
            "sessions_anonymised": kept,
            "turns_anonymised": turns,
            "ratings_anonymised": ratings,
            "scenarios_anonymised": uploads,
            "panel_seats_deleted": seats,
            "loops_deleted": len(their_loops),
            "sessions_unlinked_as_organiser": organised,
        }

    # -- housekeeping ----------------------------------------------------------------

    def _idle(self, at: float, owns: Owns | None) -> list[_Session]:
        """Open sessions `owns` accepts whose time budget has run out by `at`, by id."""
        return sorted(
            (
                s
                for s in self._sessions.values()
                if s.status == "open"
                and s.time_budget_s is not None
                and s.updated_at + s.time_budget_s <= at
                and (owns is None or owns(s.record()))
            ),
            key=lambda s: s.id,
        )

    async def sweep(
        self,
        now: float | None = None,
        *,
        summarise: Summariser | None = None,
        owns: Owns | None = None,
    ) -> SweepResult:
        """Expire idle sessions (those `owns` accepts) and purge old transcripts, in one unit.

        Summaries are made (and checked) before anything changes, so a summariser
        that raises leaves the store as it was.
        """
        at = self._clock() if now is None else now
        cutoff = at - self.retention_days * DAY_S
        made: dict[int, Results | None] = {}
        if summarise is not None:  # every summary first: awaiting them lets others run
            while missing := [x for x in self._idle(at, owns) if x.id not in made]:
                for session in missing:
                    made[session.id] = await summarise(session.record())
        self._work()  # from here on nothing awaits: the unit is atomic
        idle = self._idle(at, owns)
        summaries: list[RubricRows | None] = []
        for session in idle:
            results = made.get(session.id)
            summaries.append(None if results is None else rubric_rows(results))
        expired = []
        for session, rows in zip(idle, summaries, strict=True):
            session.status, session.ended_at, session.updated_at = "expired", at, at
            if rows is not None:
                self._store_results(session, rows)
            expired.append(session.record())
        old = [
            s
            for s in self._sessions.values()
            if s.status != "open"
            and s.purged_at is None
            and s.ended_at is not None
            and s.ended_at < cutoff
        ]
        for s in old:
            self._turns.pop(s.id, None)
            self._panel.pop(s.id, None)
            links = self._links.get(s.id)
            if links is not None:
                links.organiser_id = links.panel_message_id = None
            for criterion in self._criteria.get(s.id, {}).values():
                criterion.evidence = ()
            for rating in self._ratings:
                if rating.session_id == s.id:
                    rating.rater_id = None
            s.user_id, s.place, s.channel_id, s.state, s.purged_at = None, "purged", None, "{}", at
        return SweepResult(expired=expired, purged=len(old))

    async def reserve_identify_slot(
        self, bucket: int, interval: float, clock: Clock | None = None
    ) -> float:
        self._work()
        at = (clock or self._clock)()
        turn = max(at, self._identify_slots.get(bucket, float("-inf")) + interval)
        self._identify_slots[bucket] = turn
        return turn

    async def close(self) -> None:
        """Take no more work (what was stored is dropped with the object). Idempotent."""
        self._closed = True
