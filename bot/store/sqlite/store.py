"""The SQLite backend: one aiosqlite connection, one writer task, group commit.

Every public method is one unit of work run by the `WriteQueue` (see there);
the group, progress and loop units come from `SqliteGroupStore`, the custom
scenario units from `SqliteScenarioStore`. The schema is the numbered SQL files
in `migrations/` (`schema.py`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Coroutine, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.core import jsontext
from bot.store.errors import (
    SessionClosed,
    SessionConflict,
    SessionNotFound,
    StoreError,
    TurnExists,
    exchange_refusal,
)
from bot.store.protocols import Store
from bot.store.records import (
    END_STATUSES,
    MODES,
    RATINGS,
    ROLES,
    USER_SETTINGS,
    Clock,
    CriterionStat,
    EndStatus,
    ExchangeRecord,
    LeaderboardRow,
    Mode,
    NewTurn,
    Owns,
    PeerRating,
    Rating,
    Results,
    Role,
    RubricRows,
    SessionRecord,
    Summariser,
    SweepResult,
    TurnRecord,
    UserRecord,
    rating_from_row,
    rubric_rows,
    session_from_row,
    turn_from_row,
    user_from_row,
)
from bot.store.sqlite.groups import SqliteGroupStore
from bot.store.sqlite.scenarios import SqliteScenarioStore
from bot.store.sqlite.schema import latest_version, migrate, read_version, version_error
from bot.store.sqlite.write_queue import Work, WriteQueue, store_error

T = TypeVar("T")

DAY_S = 86_400.0
SYNCHRONOUS = frozenset({"off", "normal", "full", "extra"})
_SESSION_COLUMNS = (
    "id, user_id, place, channel_id, guild_id, scenario_id, scenario_digest, mode, state, "
    "status, started_at, updated_at, ended_at, time_budget_s, turn_count, overall, purged_at"
)


def _raise_turn_exists(
    exc: sqlite3.IntegrityError, session_id: int, message_ids: Iterable[str | None]
) -> None:
    """TurnExists if the insert broke the one-turn-per-message rule (else nothing)."""
    given = [m for m in message_ids if m is not None]
    if given and "message_id" in str(exc):
        raise TurnExists(f"message {given[0]} is already a turn of session {session_id}") from None


def _check_roles(turns: Iterable[NewTurn]) -> None:
    """Refuse an unknown role before the unit starts."""
    for turn in turns:
        if turn.role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {turn.role!r}")


class SqliteStore(SqliteScenarioStore, SqliteGroupStore, Store):
    """The store on one SQLite file (WAL, foreign keys, busy timeout)."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        where: str,
        *,
        retention_days: float = 180,
        clock: Clock = time.time,
    ) -> None:
        """Use `SqliteStore.open`; this wraps an already configured connection."""
        self._conn = conn
        self.where = where
        self.retention_days = retention_days
        self._clock = clock
        self._queue = WriteQueue(conn, where)
        self._closed = False

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        retention_days: float = 180,
        clock: Clock = time.time,
        synchronous: str = "full",
        busy_timeout_ms: int = 5000,
        migrate_to: int | None = None,
    ) -> SqliteStore:
        """Open (creating if needed) and migrate the database at `path`.

        A database from a newer schema raises StoreVersionError before anything
        is written to it. `migrate_to` stops at an older version (for tests).
        """
        synchronous = synchronous.lower()
        if synchronous not in SYNCHRONOUS:
            raise StoreError(f"synchronous must be one of {sorted(SYNCHRONOUS)}, not {synchronous}")
        where = str(path)
        memory = where == ":memory:"
        if not memory:
            Path(where).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = await aiosqlite.connect(where, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {where}: {exc}") from exc
        try:
            conn.row_factory = sqlite3.Row
            try:
                version = await read_version(conn)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{where} is not a usable SQLite database: {exc}") from exc
            latest = latest_version()
            if version > latest:
                raise version_error(where, version, latest)
            await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if not memory:
                mode = next(iter(await conn.execute_fetchall("PRAGMA journal_mode = WAL")))[0]
                if str(mode).lower() != "wal":
                    raise StoreError(f"{where}: could not switch to WAL mode (got {mode})")
            await conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
            await conn.execute("PRAGMA foreign_keys = ON")
            await migrate(conn, where, target=migrate_to)
        except sqlite3.Error as exc:
            await conn.close()
            raise store_error(exc, where) from exc
        except BaseException:
            await conn.close()
            raise
        return cls(conn, where, retention_days=retention_days, clock=clock)

    # -- the unit of work ------------------------------------------------------------

    def _unit(self, work: Work[T]) -> Coroutine[Any, Any, T]:
        """`work` as one unit of work on the write queue (group commit), to await."""
        return self._queue.run(work)

    def _read(self, work: Work[T]) -> Coroutine[Any, Any, T]:
        """A read: the same path as writes, so it only ever sees committed data."""
        return self._queue.run(work)

    # -- users and settings ----------------------------------------------------------

    @staticmethod
    async def _ensure_user(
        conn: aiosqlite.Connection, user_id: str, display_name: str | None, now: float
    ) -> None:
        if display_name is None:
            await conn.execute(
                "INSERT INTO users (id, display_name, created_at, last_seen_at) "
                "VALUES (?, '', ?, ?) ON CONFLICT (id) DO NOTHING",
                (user_id, now, now),
            )
        else:
            await conn.execute(
                "INSERT INTO users (id, display_name, created_at, last_seen_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "display_name = excluded.display_name, last_seen_at = excluded.last_seen_at",
                (user_id, display_name, now, now),
            )

    @staticmethod
    async def _get_user(conn: aiosqlite.Connection, user_id: str) -> UserRecord | None:
        rows = list(await conn.execute_fetchall("SELECT * FROM users WHERE id = ?", (user_id,)))
        return user_from_row(rows[0]) if rows else None

    async def upsert_user(self, user_id: str, display_name: str) -> UserRecord:
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> UserRecord:
            await self._ensure_user(conn, user_id, display_name, now)
            user = await self._get_user(conn, user_id)
            assert user is not None
            return user

        return await self._unit(work)

    async def get_user(self, user_id: str) -> UserRecord | None:
        return await self._read(lambda conn: self._get_user(conn, user_id))

    async def set_user_setting(self, user_id: str, name: str, value: bool) -> UserRecord:
        if name not in USER_SETTINGS:
            raise ValueError(f"unknown user setting {name!r}; known: {sorted(USER_SETTINGS)}")
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> UserRecord:
            await self._ensure_user(conn, user_id, None, now)
            await conn.execute(f"UPDATE users SET {name} = ? WHERE id = ?", (int(value), user_id))
            user = await self._get_user(conn, user_id)
            assert user is not None
            return user

        return await self._unit(work)

    async def get_guild_settings(self, guild_id: str) -> dict[str, Any]:
        async def work(conn: aiosqlite.Connection) -> dict[str, Any]:
            rows = await conn.execute_fetchall(
                "SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)
            )
            return {row["key"]: jsontext.loads(row["value"]) for row in rows}

        return await self._read(work)

    async def set_guild_setting(self, guild_id: str, key: str, value: Any) -> None:
        encoded = None if value is None else jsontext.dumps(value)

        async def work(conn: aiosqlite.Connection) -> None:
            if encoded is None:
                await conn.execute(
                    "DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
                )
            else:
                await conn.execute(
                    "INSERT INTO guild_settings (guild_id, key, value) VALUES (?, ?, ?) "
                    "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                    (guild_id, key, encoded),
                )

        await self._unit(work)

    # -- sessions and turns ----------------------------------------------------------

    @staticmethod
    async def _get_session(conn: aiosqlite.Connection, session_id: int) -> SessionRecord | None:
        rows = list(
            await conn.execute_fetchall(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE id = ?", (session_id,)
            )
        )
        return session_from_row(rows[0]) if rows else None

    @staticmethod
    async def _find_open(
        conn: aiosqlite.Connection, user_id: str, place: str
    ) -> SessionRecord | None:
        rows = list(
            await conn.execute_fetchall(
                f"SELECT {_SESSION_COLUMNS} FROM sessions "
                "WHERE user_id = ? AND place = ? AND status = 'open'",
                (user_id, place),
            )
        )
        return session_from_row(rows[0]) if rows else None

    async def _not_open(self, conn: aiosqlite.Connection, session_id: int) -> StoreError:
        session = await self._get_session(conn, session_id)
        if session is None:
            return SessionNotFound(f"no session {session_id}")
        return SessionClosed(f"session {session_id} is {session.status}, not open")

    @staticmethod
    async def _insert_turns(
        conn: aiosqlite.Connection,
        session_id: int,
        after_seq: int,
        turns: Sequence[NewTurn],
        now: float,
    ) -> tuple[TurnRecord, ...]:
        """Insert `turns` numbered from `after_seq + 1`; TurnExists for a message seen before."""
        records = tuple(
            TurnRecord(session_id, after_seq + i, t.role, t.author_id, t.text, now, t.message_id)
            for i, t in enumerate(turns, start=1)
        )
        try:
            await conn.executemany(
                "INSERT INTO turns (session_id, seq, role, author_id, text, created_at, "
                "message_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (r.session_id, r.seq, r.role, r.author_id, r.text, r.created_at, r.message_id)
                    for r in records
                ],
            )
        except sqlite3.IntegrityError as exc:
            _raise_turn_exists(exc, session_id, [t.message_id for t in turns])
            raise
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
        _check_roles(opening)
        encoded = jsontext.dumps(state)
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> SessionRecord:
            existing = await self._find_open(conn, user_id, place)
            if existing is not None:
                raise SessionConflict(existing)
            await self._ensure_user(conn, user_id, display_name, now)
            rows = list(
                await conn.execute_fetchall(
                    "INSERT INTO sessions (user_id, place, channel_id, guild_id, scenario_id, "
                    "scenario_digest, mode, state, status, started_at, updated_at, "
                    "time_budget_s, turn_count) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?) "
                    f"RETURNING {_SESSION_COLUMNS}",
                    (
                        user_id,
                        place,
                        channel_id,
                        guild_id,
                        scenario_id,
                        scenario_digest,
                        mode,
                        encoded,
                        now,
                        now,
                        time_budget_s,
                        len(opening),
                    ),
                )
            )
            session = session_from_row(rows[0])
            if opening:
                await self._insert_turns(conn, session.id, 0, opening, now)
            if retry_of is not None or organiser_id is not None:
                await conn.execute(
                    "INSERT INTO session_links (session_id, retry_of, organiser_id) "
                    "VALUES (?, ?, ?)",
                    (session.id, retry_of, organiser_id),
                )
            return session

        return await self._unit(work)

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
        if role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {role!r}")
        encoded = jsontext.dumps(new_state)
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> TurnRecord:
            rows = list(
                await conn.execute_fetchall(
                    "UPDATE sessions SET state = ?, updated_at = ?, turn_count = turn_count + 1 "
                    "WHERE id = ? AND status = 'open' RETURNING turn_count",
                    (encoded, now, session_id),
                )
            )
            if not rows:
                raise await self._not_open(conn, session_id)
            seq = int(rows[0][0])
            try:
                await conn.execute(
                    "INSERT INTO turns (session_id, seq, role, author_id, text, created_at, "
                    "message_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (session_id, seq, role, author_id, text, now, message_id),
                )
            except sqlite3.IntegrityError as exc:
                _raise_turn_exists(exc, session_id, [message_id])
                raise
            return TurnRecord(session_id, seq, role, author_id, text, now, message_id)

        return await self._unit(work)

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
        _check_roles(turns)
        if end_status is not None and end_status not in END_STATUSES:
            raise ValueError(f"a session ends as 'ended' or 'expired', not {end_status!r}")
        encoded = jsontext.dumps(state)
        checked = None if results is None else rubric_rows(results)
        added = tuple(turns)
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> ExchangeRecord:
            rows = list(
                await conn.execute_fetchall(
                    "UPDATE sessions SET state = ?, updated_at = ?, "
                    "turn_count = turn_count + ?, status = ?, ended_at = ? "
                    "WHERE id = ? AND status = 'open' AND turn_count = ? "
                    f"RETURNING {_SESSION_COLUMNS}",
                    (
                        encoded,
                        now,
                        len(added),
                        end_status or "open",
                        None if end_status is None else now,
                        session_id,
                        expected_turn_count,
                    ),
                )
            )
            if not rows:
                found = await self._get_session(conn, session_id)
                raise exchange_refusal(found, session_id, expected_turn_count)
            session = session_from_row(rows[0])
            records = await self._insert_turns(conn, session_id, expected_turn_count, added, now)
            if checked is not None:
                await self._store_results(conn, session_id, checked)
                session = replace(session, overall=checked.overall)
            return ExchangeRecord(session, records)

        return await self._unit(work)

    async def last_message_id(self, session_id: int) -> str | None:
        async def work(conn: aiosqlite.Connection) -> str | None:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT message_id FROM turns WHERE session_id = ? "
                    "AND message_id IS NOT NULL ORDER BY seq DESC LIMIT 1",
                    (session_id,),
                )
            )
            return str(rows[0][0]) if rows else None

        return await self._read(work)

    async def save_state(self, session_id: int, state: dict[str, Any]) -> None:
        encoded = jsontext.dumps(state)
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> None:
            rows = list(
                await conn.execute_fetchall(
                    "UPDATE sessions SET state = ?, updated_at = ? "
                    "WHERE id = ? AND status = 'open' RETURNING id",
                    (encoded, now, session_id),
                )
            )
            if not rows:
                raise await self._not_open(conn, session_id)

        await self._unit(work)

    @staticmethod
    @staticmethod
    async def _store_results(conn: aiosqlite.Connection, session_id: int, rows: RubricRows) -> None:
        await conn.execute("DELETE FROM rubric_results WHERE session_id = ?", (session_id,))
        await conn.execute("DELETE FROM antipatterns_seen WHERE session_id = ?", (session_id,))
        if rows.criteria:
            await conn.executemany(
                "INSERT INTO rubric_results (session_id, criterion_id, met, score, evidence) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (session_id, cid, int(met), score, jsontext.dumps(list(evidence)))
                    for cid, met, score, evidence in rows.criteria
                ],
            )
        if rows.antipatterns:
            await conn.executemany(
                "INSERT INTO antipatterns_seen (session_id, antipattern_id) VALUES (?, ?)",
                [(session_id, a) for a in rows.antipatterns],
            )
        await conn.execute(
            "UPDATE sessions SET overall = ? WHERE id = ?", (rows.overall, session_id)
        )

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
        checked = None if results is None else rubric_rows(results)
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> SessionRecord:
            rows = list(
                await conn.execute_fetchall(
                    "UPDATE sessions SET status = ?, state = COALESCE(?, state), "
                    "updated_at = ?, ended_at = ? WHERE id = ? AND status = 'open' RETURNING id",
                    (status, encoded, now, now, session_id),
                )
            )
            if not rows:
                raise await self._not_open(conn, session_id)
            if checked is not None:
                await self._store_results(conn, session_id, checked)
            session = await self._get_session(conn, session_id)
            assert session is not None
            return session

        return await self._unit(work)

    async def get_session(self, session_id: int) -> SessionRecord | None:
        return await self._read(lambda conn: self._get_session(conn, session_id))

    @staticmethod
    async def _get_results(conn: aiosqlite.Connection, session_id: int) -> dict[str, Any] | None:
        criteria = await conn.execute_fetchall(
            "SELECT criterion_id, met, score, evidence FROM rubric_results "
            "WHERE session_id = ? ORDER BY criterion_id",
            (session_id,),
        )
        antipatterns = await conn.execute_fetchall(
            "SELECT antipattern_id FROM antipatterns_seen WHERE session_id = ? "
            "ORDER BY antipattern_id",
            (session_id,),
        )
        overall = list(
            await conn.execute_fetchall("SELECT overall FROM sessions WHERE id = ?", (session_id,))
        )
        crit = {
            row["criterion_id"]: {
                "met": bool(row["met"]),
                "score": row["score"],
                "evidence": jsontext.loads(row["evidence"]),
            }
            for row in criteria
        }
        aps = [row[0] for row in antipatterns]
        total = overall[0][0] if overall else None
        if not crit and not aps and total is None:
            return None
        return {"criteria": crit, "antipatterns": aps, "overall": total}

    async def get_results(self, session_id: int) -> dict[str, Any] | None:
        return await self._read(lambda conn: self._get_results(conn, session_id))

    async def _sessions(self, where: str, params: Iterable[Any] = ()) -> list[SessionRecord]:
        async def work(conn: aiosqlite.Connection) -> list[SessionRecord]:
            rows = await conn.execute_fetchall(
                f"SELECT {_SESSION_COLUMNS} FROM sessions {where}", tuple(params)
            )
            return [session_from_row(row) for row in rows]

        return await self._read(work)

    async def open_sessions(self) -> list[SessionRecord]:
        return await self._sessions("WHERE status = 'open' ORDER BY started_at, id")

    async def find_open_session(self, user_id: str, place: str) -> SessionRecord | None:
        return await self._read(lambda conn: self._find_open(conn, user_id, place))

    async def transcript(self, session_id: int) -> list[TurnRecord]:
        async def work(conn: aiosqlite.Connection) -> list[TurnRecord]:
            rows = await conn.execute_fetchall(
                "SELECT * FROM turns WHERE session_id = ? ORDER BY seq", (session_id,)
            )
            return [turn_from_row(row) for row in rows]

        return await self._read(work)

    # -- history and statistics ------------------------------------------------------

    async def user_history(
        self, user_id: str, limit: int = 10, offset: int = 0
    ) -> list[SessionRecord]:
        return await self._sessions(
            "WHERE user_id = ? ORDER BY started_at DESC, id DESC LIMIT ? OFFSET ?",
            (user_id, max(0, limit), max(0, offset)),
        )

    async def criterion_hit_rates(
        self, user_id: str, *, bucket_days: float = 7.0
    ) -> list[CriterionStat]:
        if bucket_days <= 0:
            raise ValueError("bucket_days must be positive")
        bucket = bucket_days * DAY_S

        async def work(conn: aiosqlite.Connection) -> list[CriterionStat]:
            rows = await conn.execute_fetchall(
                "SELECT CAST(s.ended_at / ? AS INTEGER) AS period, r.criterion_id, "
                "COUNT(*) AS attempts, SUM(r.met) AS hits, AVG(r.score) AS mean_score "
                "FROM rubric_results r JOIN sessions s ON s.id = r.session_id "
                "WHERE s.user_id = ? AND s.ended_at IS NOT NULL "
                "GROUP BY period, r.criterion_id ORDER BY period, r.criterion_id",
                (bucket, user_id),
            )
            return [
                CriterionStat(
                    criterion_id=row["criterion_id"],
                    attempts=row["attempts"],
                    hits=row["hits"],
                    mean_score=row["mean_score"],
                    period_start=row["period"] * bucket,
                )
                for row in rows
            ]

        return await self._read(work)

    async def weakest_criteria(
        self, user_id: str, n: int = 3, *, min_attempts: int = 1
    ) -> list[CriterionStat]:
        async def work(conn: aiosqlite.Connection) -> list[CriterionStat]:
            rows = await conn.execute_fetchall(
                "SELECT r.criterion_id, COUNT(*) AS attempts, SUM(r.met) AS hits, "
                "AVG(r.score) AS mean_score "
                "FROM rubric_results r JOIN sessions s ON s.id = r.session_id "
                "WHERE s.user_id = ? GROUP BY r.criterion_id HAVING COUNT(*) >= ? "
                "ORDER BY CAST(SUM(r.met) AS REAL) / COUNT(*), AVG(r.score), r.criterion_id "
                "LIMIT ?",
                (user_id, min_attempts, max(0, n)),
            )
            return [
                CriterionStat(row["criterion_id"], row["attempts"], row["hits"], row["mean_score"])
                for row in rows
            ]

        return await self._read(work)

    async def leaderboard(
        self, guild_id: str, since: float | None = None, *, limit: int = 10
    ) -> list[LeaderboardRow]:
        async def work(conn: aiosqlite.Connection) -> list[LeaderboardRow]:
            rows = await conn.execute_fetchall(
                "SELECT u.id, u.display_name, COUNT(*) AS n, AVG(s.overall) AS avg_score "
                "FROM sessions s JOIN users u ON u.id = s.user_id "
                "WHERE s.guild_id = ? AND s.status = 'ended' AND s.overall IS NOT NULL "
                "AND u.leaderboard_opt_in = 1 AND (? IS NULL OR s.ended_at >= ?) "
                "GROUP BY u.id ORDER BY avg_score DESC, n DESC, u.id LIMIT ?",
                (guild_id, since, since, max(0, limit)),
            )
            return [
                LeaderboardRow(row["id"], row["display_name"], row["n"], row["avg_score"])
                for row in rows
            ]

        return await self._read(work)

    # -- peer ratings ----------------------------------------------------------------

    async def add_peer_rating(
        self, session_id: int, rater_id: str, criterion_id: str, rating: Rating
    ) -> PeerRating:
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {sorted(RATINGS)}, not {rating!r}")
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> PeerRating:
            if await self._get_session(conn, session_id) is None:
                raise SessionNotFound(f"no session {session_id}")
            await self._ensure_user(conn, rater_id, None, now)
            await conn.execute(
                "INSERT INTO peer_ratings (session_id, rater_id, criterion_id, rating, created_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id, rater_id, criterion_id) "
                "WHERE rater_id IS NOT NULL DO UPDATE SET rating = excluded.rating, "
                "created_at = excluded.created_at",
                (session_id, rater_id, criterion_id, rating, now),
            )
            return PeerRating(session_id, rater_id, criterion_id, rating, now)

        return await self._unit(work)

    async def peer_ratings(self, session_id: int) -> list[PeerRating]:
        async def work(conn: aiosqlite.Connection) -> list[PeerRating]:
            rows = await conn.execute_fetchall(
                "SELECT * FROM peer_ratings WHERE session_id = ? ORDER BY id", (session_id,)
            )
            return [rating_from_row(row) for row in rows]

        return await self._read(work)

    # -- privacy ---------------------------------------------------------------------

    async def export_user(self, user_id: str) -> dict[str, Any]:
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> dict[str, Any]:
            user = await self._get_user(conn, user_id)
            session_rows = await conn.execute_fetchall(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE user_id = ? "
                "ORDER BY started_at, id",
                (user_id,),
            )
            sessions = []
            for row in session_rows:
                session = session_from_row(row)
                turns = await conn.execute_fetchall(
                    "SELECT * FROM turns WHERE session_id = ? ORDER BY seq", (session.id,)
                )
                ratings = await conn.execute_fetchall(
                    "SELECT * FROM peer_ratings WHERE session_id = ? ORDER BY id", (session.id,)
                )
                sessions.append(
                    {
                        **session.to_dict(),
                        "turns": [turn_from_row(t).to_dict() for t in turns],
                        "results": await self._get_results(conn, session.id),
                        # who rated is the rater's data; what they said about you is yours
                        "peer_ratings_received": [
                            {
                                k: v
                                for k, v in rating_from_row(r).to_dict().items()
                                if k != "rater_id"
                            }
                            for r in ratings
                        ],
                    }
                )
            elsewhere = await conn.execute_fetchall(
                "SELECT t.* FROM turns t JOIN sessions s ON s.id = t.session_id "
                "WHERE t.author_id = ? AND s.user_id IS NOT ? ORDER BY t.session_id, t.seq",
                (user_id, user_id),
            )
            given = await conn.execute_fetchall(
                "SELECT * FROM peer_ratings WHERE rater_id = ? ORDER BY id", (user_id,)
            )
            return {
                "user_id": user_id,
                "exported_at": now,
                "user": None if user is None else user.to_dict(),
                "sessions": sessions,
                "turns_in_other_sessions": [turn_from_row(t).to_dict() for t in elsewhere],
                "peer_ratings_given": [rating_from_row(r).to_dict() for r in given],
                "custom_scenarios_uploaded": await self._uploads_of(conn, user_id),
                **await self._export_groups(conn, user_id),
            }

        return await self._read(work)

    async def forget_user(self, user_id: str) -> dict[str, int]:
        """Delete the user's sessions, their turns and settings; anonymise the rest.

        Kept, without their name: group sessions they owned that hold other
        people's turns (owner cleared, their own turns blanked), their turns in
        other people's sessions (blanked) and the ratings they gave on other
        people's sessions (rater cleared: the figure is the other user's feedback).
        Kept sessions they owned are ended and their state emptied; the opaque
        state JSON of other people's sessions is not rewritten.
        """

        async def work(conn: aiosqlite.Connection) -> dict[str, int]:
            async def count(sql: str, params: tuple[Any, ...]) -> int:
                cursor = await conn.execute(sql, params)
                return cursor.rowcount

            groups = await self._forget_groups(conn, user_id)
            kept = await count(
                "UPDATE sessions SET user_id = NULL, place = 'forgotten', state = '{}', "
                "status = CASE status WHEN 'open' THEN 'ended' ELSE status END, "
                "ended_at = COALESCE(ended_at, updated_at) "
                "WHERE user_id = ? AND mode = 'group' AND EXISTS (SELECT 1 FROM turns t "
                "WHERE t.session_id = sessions.id AND t.author_id IS NOT NULL "
                "AND t.author_id != ?)",
                (user_id, user_id),
            )
            deleted = await count("DELETE FROM sessions WHERE user_id = ?", (user_id,))
            turns = await count(
                "UPDATE turns SET author_id = NULL, text = '[removed]', message_id = NULL "
                "WHERE author_id = ?",
                (user_id,),
            )
            ratings = await count(
                "UPDATE peer_ratings SET rater_id = NULL WHERE rater_id = ?", (user_id,)
            )
            users = await count("DELETE FROM users WHERE id = ?", (user_id,))
            uploads = await self._forget_uploader(conn, user_id)
            return {
                "users_deleted": users,
                "sessions_deleted": deleted,
                "sessions_anonymised": kept,
                "turns_anonymised": turns,
                "ratings_anonymised": ratings,
                "scenarios_anonymised": uploads,
                **groups,
            }

        return await self._unit(work)

    # -- housekeeping ----------------------------------------------------------------

    async def sweep(
        self,
        now: float | None = None,
        *,
        summarise: Summariser | None = None,
        owns: Owns | None = None,
    ) -> SweepResult:
        """Expire idle sessions and purge old transcripts, in one transaction.

        A session expires when `updated_at + time_budget_s` has passed (sessions
        without a budget never idle out) and `owns` (None: everything) accepts its
        guild id. `summarise`, if given, is called with each expiring session and
        its results are stored with the expiry. Ended or expired sessions older than
        `retention_days` lose their turns, state, evidence, place and owner; their
        rubric figures stay, anonymous.
        """
        at = self._clock() if now is None else now
        cutoff = at - self.retention_days * DAY_S

        async def work(conn: aiosqlite.Connection) -> SweepResult:
            rows = await conn.execute_fetchall(
                f"SELECT {_SESSION_COLUMNS} FROM sessions WHERE status = 'open' "
                "AND time_budget_s IS NOT NULL AND updated_at + time_budget_s <= ? "
                "ORDER BY id",
                (at,),
            )
            expired: list[SessionRecord] = []
            for row in rows:
                session = session_from_row(row)
                if owns is not None and not owns(session):
                    continue  # another process's: left open for its own sweep
                results = await summarise(session) if summarise is not None else None
                await conn.execute(
                    "UPDATE sessions SET status = 'expired', ended_at = ?, updated_at = ? "
                    "WHERE id = ?",
                    (at, at, session.id),
                )
                if results is not None:
                    await self._store_results(conn, session.id, rubric_rows(results))
                fresh = await self._get_session(conn, session.id)
                assert fresh is not None
                expired.append(fresh)
            old = [
                row[0]
                for row in await conn.execute_fetchall(
                    "SELECT id FROM sessions WHERE status != 'open' AND purged_at IS NULL "
                    "AND ended_at < ?",
                    (cutoff,),
                )
            ]
            if old:
                marks = ",".join("?" * len(old))
                await conn.execute(f"DELETE FROM turns WHERE session_id IN ({marks})", old)
                await self._purge_groups(conn, old)
                await conn.execute(
                    f"UPDATE rubric_results SET evidence = '[]' WHERE session_id IN ({marks})", old
                )
                await conn.execute(
                    f"UPDATE peer_ratings SET rater_id = NULL WHERE session_id IN ({marks})", old
                )
                await conn.execute(
                    "UPDATE sessions SET user_id = NULL, place = 'purged', channel_id = NULL, "
                    f"state = '{{}}', purged_at = ? WHERE id IN ({marks})",
                    (at, *old),
                )
            return SweepResult(expired=expired, purged=len(old))

        return await self._unit(work)

    async def reserve_identify_slot(
        self, bucket: int, interval: float, clock: Clock | None = None
    ) -> float:
        read_clock = clock or self._clock

        async def work(conn: aiosqlite.Connection) -> float:
            # "now" is read holding the write lock (BEGIN IMMEDIATE), not when queued: a
            # unit that waited on another process does not reserve a turn already past
            at = read_clock()
            rows = await conn.execute_fetchall(
                "INSERT INTO identify_slots (bucket, turn_at) VALUES (?, ?)"
                " ON CONFLICT (bucket) DO UPDATE"
                " SET turn_at = MAX(excluded.turn_at, identify_slots.turn_at + ?)"
                " RETURNING turn_at",
                (bucket, at, interval),
            )
            return float(next(iter(rows))[0])

        return await self._unit(work)

    async def close(self) -> None:
        """Refuse new work, let in-flight units commit, checkpoint the WAL, close."""
        if self._closed:
            return
        await self._queue.drain()
        async with self._queue.lock:
            if self._closed:
                return
            self._closed = True
            try:
                if self.where != ":memory:":
                    await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                await self._conn.close()
