"""The PostgreSQL backend: an asyncpg pool shared by units of work, for several bot processes.

`DATABASE_URL=postgresql://user:password@host:5432/dbname` selects it (query options:
`pool_size=N`, the most connections this process opens, default 10; anything else
goes to asyncpg, e.g. `sslmode=require`). Every public method is one unit of work
(`units.py`): writes SERIALIZABLE and retried when another transaction got in the
way, so the rules SQLite's single writer kept (one open session per user and place,
a turn count that moves once, a reminder claimed once) hold across processes too;
claims and the sweep READ COMMITTED with `FOR UPDATE SKIP LOCKED`, so concurrent
claimers split the work instead of queueing behind each other. The group, progress
and loop units come from `PostgresGroupStore`, the custom scenario units from
`PostgresScenarioStore`; the schema is the numbered SQL files in `migrations/`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from bot.core import jsontext
from bot.store.errors import (
    SessionClosed,
    SessionConflict,
    SessionNotFound,
    StoreError,
    TurnExists,
    exchange_refusal,
)
from bot.store.postgres.groups import PostgresGroupStore
from bot.store.postgres.scenarios import PostgresScenarioStore
from bot.store.postgres.schema import migrate
from bot.store.postgres.units import Units, Work, keep_session_state, rowcount
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

T = TypeVar("T")

DAY_S = 86_400.0
DEFAULT_POOL_SIZE = 10
OWN_OPTIONS = frozenset({"pool_size"})
SESSION_COLUMNS = (
    "id, user_id, place, channel_id, guild_id, scenario_id, scenario_digest, mode, state, "
    "status, started_at, updated_at, ended_at, time_budget_s, turn_count, overall, purged_at"
)


def _turn_records(
    session_id: int, after_seq: int, turns: Sequence[NewTurn], now: float
) -> tuple[TurnRecord, ...]:
    """The records of `turns` numbered from `after_seq + 1`, as they are written."""
    return tuple(
        TurnRecord(session_id, after_seq + i, t.role, t.author_id, t.text, now, t.message_id)
        for i, t in enumerate(turns, start=1)
    )


def _raise_turn_exists(
    exc: asyncpg.UniqueViolationError, session_id: int, turns: Sequence[NewTurn]
) -> None:
    """TurnExists if the insert broke the one-turn-per-message rule (else nothing)."""
    if exc.constraint_name == "turns_one_per_message":
        given = next(t.message_id for t in turns if t.message_id is not None)
        raise TurnExists(f"message {given} is already a turn of session {session_id}") from None


#: an exchange's compare-and-set: the session moves only from the expected turn count
_EXCHANGE_UPDATE = (
    "UPDATE sessions SET state = $1, updated_at = $2, "
    "turn_count = turn_count + $3, status = $4, ended_at = $5 "
    "WHERE id = $6 AND status = 'open' AND turn_count = $7 "
    f"RETURNING {SESSION_COLUMNS}"
)
#: the same and its turns ($8..$11: roles, authors, texts, message ids) in one statement,
#: atomic without BEGIN/COMMIT: no row comes back, and no turn is written, unless the
#: compare-and-set succeeded; a message taken before aborts the whole statement
_EXCHANGE_STATEMENT = (
    f"WITH moved AS ({_EXCHANGE_UPDATE}), "
    "added AS (INSERT INTO turns (session_id, seq, role, author_id, text, created_at, "
    "message_id) SELECT moved.id, $7 + t.n, t.role, t.author_id, t.text, $2, t.message_id "
    "FROM moved, unnest($8::text[], $9::text[], $10::text[], $11::text[]) "
    "WITH ORDINALITY AS t(role, author_id, text, message_id, n)) "
    "SELECT * FROM moved"
)


def redacted(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def split_options(url: str) -> tuple[str, dict[str, str]]:
    """The URL for asyncpg (its own options kept) and the store's options (pool_size)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    own = {k: v for k, v in query if k in OWN_OPTIONS}
    rest = [(k, v) for k, v in query if k not in OWN_OPTIONS]
    scheme = "postgresql" if parts.scheme == "postgres" else parts.scheme
    return urlunsplit(parts._replace(scheme=scheme, query=urlencode(rest))), own


def _check_roles(turns: Iterable[NewTurn]) -> None:
    """Refuse an unknown role before the unit starts."""
    for turn in turns:
        if turn.role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {turn.role!r}")


class PostgresStore(PostgresScenarioStore, PostgresGroupStore, Store):
    """The store on one PostgreSQL database, shared by any number of bot processes."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        where: str,
        *,
        retention_days: float = 180,
        clock: Clock = time.time,
    ) -> None:
        """Use `PostgresStore.open`; this wraps a pool on an up-to-date database."""
        self._pool = pool
        self.where = where
        self.retention_days = retention_days
        self._clock = clock
        self._units = Units(pool, where)
        self._closed = False

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        retention_days: float = 180,
        clock: Clock = time.time,
        migrate_to: int | None = None,
    ) -> PostgresStore:
        """Connect, migrate (under the migration lock) and open a pool.

        A database from a newer schema raises StoreVersionError before anything is
        written to it. `migrate_to` stops at an older version (for tests).
        """
        dsn, options = split_options(url)
        where = redacted(dsn)
        try:
            pool_size = int(options.get("pool_size", DEFAULT_POOL_SIZE))
        except ValueError:
            raise StoreError("DATABASE_URL: pool_size must be an integer") from None
        if not 1 <= pool_size <= 1000:
            raise StoreError("DATABASE_URL: pool_size must be between 1 and 1000")
        try:
            conn = await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            raise StoreError(f"cannot connect to {where}: {exc}") from exc
        try:
            await migrate(conn, where, target=migrate_to)
        except asyncpg.PostgresError as exc:
            raise StoreError(f"cannot migrate {where}: {exc}") from exc
        finally:
            await conn.close()
        try:
            pool = await asyncpg.create_pool(
                dsn, min_size=1, max_size=pool_size, reset=keep_session_state
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            raise StoreError(f"cannot connect to {where}: {exc}") from exc
        return cls(pool, where, retention_days=retention_days, clock=clock)

    # -- the unit of work ------------------------------------------------------------

    async def _unit(self, work: Work[T]) -> T:
        """`work` as one SERIALIZABLE unit, retried on conflicts."""
        return await self._units.run(work)

    async def _row_unit(self, work: Work[T]) -> T:
        """A unit whose rule is one row's compare-and-set: READ COMMITTED, retried too.

        Its first statement is an `UPDATE sessions … WHERE id = $n AND status = 'open'
        [AND turn_count = $m]`: a concurrent unit on the same session waits for the row
        lock and PostgreSQL re-checks the WHERE on the committed row, so exactly one of
        them moves the session (the others find it closed or stale), as under
        SERIALIZABLE. What SERIALIZABLE would add here is only false conflicts: its
        predicate locks cover index pages, so exchanges on *different* sessions abort
        each other (measured: 3.5 retries per turn at 200 concurrent sessions).
        """
        return await self._units.run(work, isolation="read_committed")

    async def _claim(self, work: Work[T]) -> T:
        """A queue-like claim: READ COMMITTED, rows taken with FOR UPDATE SKIP LOCKED."""
        return await self._units.run(work, isolation="read_committed")

    async def _read(self, work: Work[T]) -> T:
        """A read in one snapshot of committed data."""
        return await self._units.read(work)

    # -- users and settings ----------------------------------------------------------

    @staticmethod
    async def _ensure_user(
        conn: asyncpg.Connection, user_id: str, display_name: str | None, now: float
    ) -> None:
        if display_name is None:
            await conn.execute(
                "INSERT INTO users (id, display_name, created_at, last_seen_at) "
                "VALUES ($1, '', $2, $2) ON CONFLICT (id) DO NOTHING",
                user_id,
                now,
            )
        else:
            await conn.execute(
                "INSERT INTO users (id, display_name, created_at, last_seen_at) "
                "VALUES ($1, $2, $3, $3) ON CONFLICT (id) DO UPDATE SET "
                "display_name = excluded.display_name, last_seen_at = excluded.last_seen_at",
                user_id,
                display_name,
                now,
            )

    @staticmethod
    async def _get_user(conn: asyncpg.Connection, user_id: str) -> UserRecord | None:
        row = await conn.fetchrow("SELECT * FROM users WHERE id = $1", user_id)
        return user_from_row(row) if row is not None else None

    async def upsert_user(self, user_id: str, display_name: str) -> UserRecord:
        now = self._clock()

        async def work(conn: asyncpg.Connection) -> UserRecord:
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

        async def work(conn: asyncpg.Connection) -> UserRecord:
            await self._ensure_user(conn, user_id, None, now)
            await conn.execute(f"UPDATE users SET {name} = $1 WHERE id = $2", bool(value), user_id)
            user = await self._get_user(conn, user_id)
            assert user is not None
            return user

        return await self._unit(work)

    async def get_guild_settings(self, guild_id: str) -> dict[str, Any]:
        async def work(conn: asyncpg.Connection) -> dict[str, Any]:
            rows = await conn.fetch(
                "SELECT key, value FROM guild_settings WHERE guild_id = $1", guild_id
            )
            return {row["key"]: jsontext.loads(row["value"]) for row in rows}

        return await self._read(work)

    async def set_guild_setting(self, guild_id: str, key: str, value: Any) -> None:
        encoded = None if value is None else jsontext.dumps(value)

        async def work(conn: asyncpg.Connection) -> None:
            if encoded is None:
                await conn.execute(
                    "DELETE FROM guild_settings WHERE guild_id = $1 AND key = $2", guild_id, key
                )
            else:
                await conn.execute(
                    "INSERT INTO guild_settings (guild_id, key, value) VALUES ($1, $2, $3) "
                    "ON CONFLICT (guild_id, key) DO UPDATE SET value = excluded.value",
                    guild_id,
                    key,
                    encoded,
                )

        await self._unit(work)

    # -- sessions and turns ----------------------------------------------------------

    @staticmethod
    async def _get_session(conn: asyncpg.Connection, session_id: int) -> SessionRecord | None:
        row = await conn.fetchrow(
            f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1", session_id
        )
        return session_from_row(row) if row is not None else None

    @staticmethod
    async def _find_open(
        conn: asyncpg.Connection, user_id: str, place: str
    ) -> SessionRecord | None:
        row = await conn.fetchrow(
            f"SELECT {SESSION_COLUMNS} FROM sessions "
            "WHERE user_id = $1 AND place = $2 AND status = 'open'",
            user_id,
            place,
        )
        return session_from_row(row) if row is not None else None

    async def _not_open(self, conn: asyncpg.Connection, session_id: int) -> StoreError:
        session = await self._get_session(conn, session_id)
        if session is None:
            return SessionNotFound(f"no session {session_id}")
        return SessionClosed(f"session {session_id} is {session.status}, not open")

    @staticmethod
    async def _insert_turns(
        conn: asyncpg.Connection,
        session_id: int,
        after_seq: int,
        turns: Sequence[NewTurn],
        now: float,
    ) -> tuple[TurnRecord, ...]:
        """Insert `turns` numbered from `after_seq + 1`; TurnExists for a message seen before."""
        records = _turn_records(session_id, after_seq, turns, now)
        if not records:
            return records
        sql = (
            "INSERT INTO turns (session_id, seq, role, author_id, text, created_at, "
            "message_id) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        )
        rows = [
            (r.session_id, r.seq, r.role, r.author_id, r.text, r.created_at, r.message_id)
            for r in records
        ]
        try:
            if len(rows) == 1:  # one round trip (executemany costs more for one row)
                await conn.execute(sql, *rows[0])
            else:
                await conn.executemany(sql, rows)
        except asyncpg.UniqueViolationError as exc:
            _raise_turn_exists(exc, session_id, turns)
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

        async def work(conn: asyncpg.Connection) -> SessionRecord:
            existing = await self._find_open(conn, user_id, place)
            if existing is not None:
                raise SessionConflict(existing)
            await self._ensure_user(conn, user_id, display_name, now)
            row = await conn.fetchrow(
                "INSERT INTO sessions (user_id, place, channel_id, guild_id, scenario_id, "
                "scenario_digest, mode, state, status, started_at, updated_at, "
                "time_budget_s, turn_count) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $9, $10, $11) "
                f"RETURNING {SESSION_COLUMNS}",
                user_id,
                place,
                channel_id,
                guild_id,
                scenario_id,
                scenario_digest,
                mode,
                encoded,
                now,
                time_budget_s,
                len(opening),
            )
            session = session_from_row(row)
            if opening:
                await self._insert_turns(conn, session.id, 0, opening, now)
            if retry_of is not None or organiser_id is not None:
                await conn.execute(
                    "INSERT INTO session_links (session_id, retry_of, organiser_id) "
                    "VALUES ($1, $2, $3)",
                    session.id,
                    retry_of,
                    organiser_id,
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
        turn = NewTurn(role, author_id, text, message_id)

        async def work(conn: asyncpg.Connection) -> TurnRecord:
            seq = await conn.fetchval(
                "UPDATE sessions SET state = $1, updated_at = $2, turn_count = turn_count + 1 "
                "WHERE id = $3 AND status = 'open' RETURNING turn_count",
                encoded,
                now,
                session_id,
            )
            if seq is None:
                raise await self._not_open(conn, session_id)
            (record,) = await self._insert_turns(conn, session_id, seq - 1, (turn,), now)
            return record

        return await self._row_unit(work)

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

        update = (
            encoded,
            now,
            len(added),
            end_status or "open",
            None if end_status is None else now,
            session_id,
            expected_turn_count,
        )

        async def refused(conn: asyncpg.Connection) -> StoreError:
            found = await self._get_session(conn, session_id)
            return exchange_refusal(found, session_id, expected_turn_count)

        async def work(conn: asyncpg.Connection) -> ExchangeRecord:
            row = await conn.fetchrow(_EXCHANGE_UPDATE, *update)
            if row is None:
                raise await refused(conn)
            session = session_from_row(row)
            records = await self._insert_turns(conn, session_id, expected_turn_count, added, now)
            if checked is not None:
                await self._store_results(conn, session_id, checked)
                session = replace(session, overall=checked.overall)
            return ExchangeRecord(session, records)

        async def one_statement(conn: asyncpg.Connection) -> ExchangeRecord:
            columns = (
                [t.role for t in added],
                [t.author_id for t in added],
                [t.text for t in added],
                [t.message_id for t in added],
            )
            try:
                row = await conn.fetchrow(_EXCHANGE_STATEMENT, *update, *columns)
            except asyncpg.UniqueViolationError as exc:
                _raise_turn_exists(exc, session_id, added)
                raise
            if row is None:
                raise await refused(conn)
            records = _turn_records(session_id, expected_turn_count, added, now)
            return ExchangeRecord(session_from_row(row), records)

        if checked is None and added:  # an answer and its reply: one statement, one round trip
            return await self._units.run(one_statement, isolation="statement")
        return await self._row_unit(work)

    async def last_message_id(self, session_id: int) -> str | None:
        async def work(conn: asyncpg.Connection) -> str | None:
            found = await conn.fetchval(
                "SELECT message_id FROM turns WHERE session_id = $1 "
                "AND message_id IS NOT NULL ORDER BY seq DESC LIMIT 1",
                session_id,
            )
            return None if found is None else str(found)

        return await self._read(work)

    async def save_state(self, session_id: int, state: dict[str, Any]) -> None:
        encoded = jsontext.dumps(state)
        now = self._clock()

        async def work(conn: asyncpg.Connection) -> None:
            found = await conn.fetchval(
                "UPDATE sessions SET state = $1, updated_at = $2 "
                "WHERE id = $3 AND status = 'open' RETURNING id",
                encoded,
                now,
                session_id,
            )
            if found is None:
                raise await self._not_open(conn, session_id)

        await self._row_unit(work)

    @staticmethod
    async def _store_results(conn: asyncpg.Connection, session_id: int, rows: RubricRows) -> None:
        await conn.execute("DELETE FROM rubric_results WHERE session_id = $1", session_id)
        await conn.execute("DELETE FROM antipatterns_seen WHERE session_id = $1", session_id)
        if rows.criteria:
            await conn.executemany(
                "INSERT INTO rubric_results (session_id, criterion_id, met, score, evidence) "
                "VALUES ($1, $2, $3, $4, $5)",
                [
                    (session_id, cid, met, score, jsontext.dumps(list(evidence)))
                    for cid, met, score, evidence in rows.criteria
                ],
            )
        if rows.antipatterns:
            await conn.executemany(
                "INSERT INTO antipatterns_seen (session_id, antipattern_id) VALUES ($1, $2)",
                [(session_id, a) for a in rows.antipatterns],
            )
        await conn.execute(
            "UPDATE sessions SET overall = $1 WHERE id = $2", rows.overall, session_id
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

        async def work(conn: asyncpg.Connection) -> SessionRecord:
            found = await conn.fetchval(
                "UPDATE sessions SET status = $1, state = COALESCE($2::text, state), "
                "updated_at = $3, ended_at = $3 WHERE id = $4 AND status = 'open' RETURNING id",
                status,
                encoded,
                now,
                session_id,
            )
            if found is None:
                raise await self._not_open(conn, session_id)
            if checked is not None:
                await self._store_results(conn, session_id, checked)
            session = await self._get_session(conn, session_id)
            assert session is not None
            return session

        return await self._row_unit(work)

    async def get_session(self, session_id: int) -> SessionRecord | None:
        return await self._read(lambda conn: self._get_session(conn, session_id))

    @staticmethod
    async def _get_results(conn: asyncpg.Connection, session_id: int) -> dict[str, Any] | None:
        criteria = await conn.fetch(
            "SELECT criterion_id, met, score, evidence FROM rubric_results "
            'WHERE session_id = $1 ORDER BY criterion_id COLLATE "C"',
            session_id,
        )
        antipatterns = await conn.fetch(
            "SELECT antipattern_id FROM antipatterns_seen WHERE session_id = $1 "
            'ORDER BY antipattern_id COLLATE "C"',
            session_id,
        )
        total = await conn.fetchval("SELECT overall FROM sessions WHERE id = $1", session_id)
        crit = {
            row["criterion_id"]: {
                "met": bool(row["met"]),
                "score": row["score"],
                "evidence": jsontext.loads(row["evidence"]),
            }
            for row in criteria
        }
        aps = [row[0] for row in antipatterns]
        if not crit and not aps and total is None:
            return None
        return {"criteria": crit, "antipatterns": aps, "overall": total}

    async def get_results(self, session_id: int) -> dict[str, Any] | None:
        return await self._read(lambda conn: self._get_results(conn, session_id))

    async def _sessions(self, where: str, *params: Any) -> list[SessionRecord]:
        async def work(conn: asyncpg.Connection) -> list[SessionRecord]:
            rows = await conn.fetch(f"SELECT {SESSION_COLUMNS} FROM sessions {where}", *params)
            return [session_from_row(row) for row in rows]

        return await self._read(work)

    async def open_sessions(self) -> list[SessionRecord]:
        return await self._sessions("WHERE status = 'open' ORDER BY started_at, id")

    async def find_open_session(self, user_id: str, place: str) -> SessionRecord | None:
        return await self._read(lambda conn: self._find_open(conn, user_id, place))

    async def transcript(self, session_id: int) -> list[TurnRecord]:
        async def work(conn: asyncpg.Connection) -> list[TurnRecord]:
            rows = await conn.fetch(
                "SELECT * FROM turns WHERE session_id = $1 ORDER BY seq", session_id
            )
            return [turn_from_row(row) for row in rows]

        return await self._read(work)

    # -- history and statistics ------------------------------------------------------

    async def user_history(
        self, user_id: str, limit: int = 10, offset: int = 0
    ) -> list[SessionRecord]:
        return await self._sessions(
            "WHERE user_id = $1 ORDER BY started_at DESC, id DESC LIMIT $2 OFFSET $3",
            user_id,
            max(0, limit),
            max(0, offset),
        )

    async def criterion_hit_rates(
        self, user_id: str, *, bucket_days: float = 7.0
    ) -> list[CriterionStat]:
        if bucket_days <= 0:
            raise ValueError("bucket_days must be positive")
        bucket = float(bucket_days * DAY_S)

        async def work(conn: asyncpg.Connection) -> list[CriterionStat]:
            rows = await conn.fetch(
                "SELECT floor(s.ended_at / $1::double precision) AS period, r.criterion_id, "
                "COUNT(*) AS attempts, COUNT(*) FILTER (WHERE r.met) AS hits, "
                "AVG(r.score)::double precision AS mean_score "
                "FROM rubric_results r JOIN sessions s ON s.id = r.session_id "
                "WHERE s.user_id = $2 AND s.ended_at IS NOT NULL "
                'GROUP BY 1, r.criterion_id ORDER BY 1, r.criterion_id COLLATE "C"',
                bucket,
                user_id,
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
        async def work(conn: asyncpg.Connection) -> list[CriterionStat]:
            rows = await conn.fetch(
                "SELECT r.criterion_id, COUNT(*) AS attempts, "
                "COUNT(*) FILTER (WHERE r.met) AS hits, "
                "AVG(r.score)::double precision AS mean_score "
                "FROM rubric_results r JOIN sessions s ON s.id = r.session_id "
                "WHERE s.user_id = $1 GROUP BY r.criterion_id HAVING COUNT(*) >= $2 "
                "ORDER BY (COUNT(*) FILTER (WHERE r.met))::double precision / COUNT(*), "
                'AVG(r.score), r.criterion_id COLLATE "C" LIMIT $3',
                user_id,
                min_attempts,
                max(0, n),
            )
            return [
                CriterionStat(row["criterion_id"], row["attempts"], row["hits"], row["mean_score"])
                for row in rows
            ]

        return await self._read(work)

    async def leaderboard(
        self, guild_id: str, since: float | None = None, *, limit: int = 10
    ) -> list[LeaderboardRow]:
        async def work(conn: asyncpg.Connection) -> list[LeaderboardRow]:
            rows = await conn.fetch(
                "SELECT u.id, u.display_name, COUNT(*) AS n, "
                "AVG(s.overall)::double precision AS avg_score "
                "FROM sessions s JOIN users u ON u.id = s.user_id "
                "WHERE s.guild_id = $1 AND s.status = 'ended' AND s.overall IS NOT NULL "
                "AND u.leaderboard_opt_in "
                "AND ($2::double precision IS NULL OR s.ended_at >= $2::double precision) "
                'GROUP BY u.id ORDER BY avg_score DESC, n DESC, u.id COLLATE "C" LIMIT $3',
                guild_id,
                since,
                max(0, limit),
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

        async def work(conn: asyncpg.Connection) -> PeerRating:
            if await self._get_session(conn, session_id) is None:
                raise SessionNotFound(f"no session {session_id}")
            await self._ensure_user(conn, rater_id, None, now)
            await conn.execute(
                "INSERT INTO peer_ratings (session_id, rater_id, criterion_id, rating, created_at) "
                "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (session_id, rater_id, criterion_id) "
                "WHERE rater_id IS NOT NULL DO UPDATE SET rating = excluded.rating, "
                "created_at = excluded.created_at",
                session_id,
                rater_id,
                criterion_id,
                rating,
                now,
            )
            return PeerRating(session_id, rater_id, criterion_id, rating, now)

        return await self._unit(work)

    async def peer_ratings(self, session_id: int) -> list[PeerRating]:
        async def work(conn: asyncpg.Connection) -> list[PeerRating]:
            rows = await conn.fetch(
                "SELECT * FROM peer_ratings WHERE session_id = $1 ORDER BY id", session_id
            )
            return [rating_from_row(row) for row in rows]

        return await self._read(work)

    # -- privacy ---------------------------------------------------------------------

    async def export_user(self, user_id: str) -> dict[str, Any]:
        now = self._clock()

        async def work(conn: asyncpg.Connection) -> dict[str, Any]:
            user = await self._get_user(conn, user_id)
            session_rows = await conn.fetch(
                f"SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 "
                "ORDER BY started_at, id",
                user_id,
            )
            sessions = []
            for row in session_rows:
                session = session_from_row(row)
                turns = await conn.fetch(
                    "SELECT * FROM turns WHERE session_id = $1 ORDER BY seq", session.id
                )
                ratings = await conn.fetch(
                    "SELECT * FROM peer_ratings WHERE session_id = $1 ORDER BY id", session.id
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
            elsewhere = await conn.fetch(
                "SELECT t.* FROM turns t JOIN sessions s ON s.id = t.session_id "
                "WHERE t.author_id = $1 AND s.user_id IS DISTINCT FROM $1 "
                "ORDER BY t.session_id, t.seq",
                user_id,
            )
            given = await conn.fetch(
                "SELECT * FROM peer_ratings WHERE rater_id = $1 ORDER BY id", user_id
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

        The same rules as the SQLite backend (see there).
        """

        async def work(conn: asyncpg.Connection) -> dict[str, int]:
            async def count(sql: str, *params: Any) -> int:
                return rowcount(await conn.execute(sql, *params))

            groups = await self._forget_groups(conn, user_id)
            kept = await count(
                "UPDATE sessions SET user_id = NULL, place = 'forgotten', state = '{}', "
                "status = CASE status WHEN 'open' THEN 'ended' ELSE status END, "
                "ended_at = COALESCE(ended_at, updated_at) "
                "WHERE user_id = $1 AND mode = 'group' AND EXISTS (SELECT 1 FROM turns t "
                "WHERE t.session_id = sessions.id AND t.author_id IS NOT NULL "
                "AND t.author_id <> $1)",
                user_id,
            )
            deleted = await count("DELETE FROM sessions WHERE user_id = $1", user_id)
            turns = await count(
                "UPDATE turns SET author_id = NULL, text = '[removed]', message_id = NULL "
                "WHERE author_id = $1",
                user_id,
            )
            ratings = await count(
                "UPDATE peer_ratings SET rater_id = NULL WHERE rater_id = $1", user_id
            )
            users = await count("DELETE FROM users WHERE id = $1", user_id)
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

        Both are claims: the sessions to expire and to purge are taken with
        `FOR UPDATE SKIP LOCKED`, so two sweeps at once (two processes) split them and
        each session is expired, and summarised, once. Only the idle sessions `owns`
        accepts (None: all) are locked and expired; the others are not touched, so
        their owner's sweep is not kept from them. `summarise` gets the session as it
        was while open; its results are stored with the expiry.
        """
        at = self._clock() if now is None else now
        cutoff = at - self.retention_days * DAY_S
        summaries: dict[int, Results | None] = {}  # a retried unit does not summarise again

        async def work(conn: asyncpg.Connection) -> SweepResult:
            idle = await conn.fetch(
                f"SELECT {SESSION_COLUMNS} FROM sessions WHERE status = 'open' "
                "AND time_budget_s IS NOT NULL AND updated_at + time_budget_s <= $1",
                at,
            )
            mine = [row["id"] for row in idle if owns is None or owns(session_from_row(row))]
            # re-checked under the row lock: another sweep may have expired one meanwhile
            due = await conn.fetch(
                f"WITH due AS (SELECT {SESSION_COLUMNS} FROM sessions WHERE status = 'open' "
                "AND time_budget_s IS NOT NULL AND updated_at + time_budget_s <= $1 "
                "AND id = ANY($2::bigint[]) ORDER BY id FOR UPDATE SKIP LOCKED), "
                "expired AS (UPDATE sessions SET status = 'expired', ended_at = $1, "
                "updated_at = $1 FROM due WHERE sessions.id = due.id RETURNING sessions.id) "
                "SELECT due.* FROM due ORDER BY due.id",
                at,
                mine,
            )
            ids = []
            for row in due:
                session = session_from_row(row)
                ids.append(session.id)
                if session.id not in summaries:
                    summaries[session.id] = (
                        await summarise(session) if summarise is not None else None
                    )
                results = summaries[session.id]
                if results is not None:
                    await self._store_results(conn, session.id, rubric_rows(results))
            expired = []
            if ids:
                rows = await conn.fetch(
                    f"SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ANY($1::bigint[]) "
                    "ORDER BY id",
                    ids,
                )
                expired = [session_from_row(row) for row in rows]
            old = [
                row["id"]
                for row in await conn.fetch(
                    "SELECT id FROM sessions WHERE status <> 'open' AND purged_at IS NULL "
                    "AND ended_at < $1 ORDER BY id FOR UPDATE SKIP LOCKED",
                    cutoff,
                )
            ]
            if old:
                await conn.execute("DELETE FROM turns WHERE session_id = ANY($1::bigint[])", old)
                await self._purge_groups(conn, old)
                await conn.execute(
                    "UPDATE rubric_results SET evidence = '[]' "
                    "WHERE session_id = ANY($1::bigint[])",
                    old,
                )
                await conn.execute(
                    "UPDATE peer_ratings SET rater_id = NULL WHERE session_id = ANY($1::bigint[])",
                    old,
                )
                await conn.execute(
                    "UPDATE sessions SET user_id = NULL, place = 'purged', channel_id = NULL, "
                    "state = '{}', purged_at = $1 WHERE id = ANY($2::bigint[])",
                    at,
                    old,
                )
            return SweepResult(expired=expired, purged=len(old))

        return await self._claim(work)

    async def reserve_identify_slot(
        self, bucket: int, interval: float, clock: Clock | None = None
    ) -> float:
        read_clock = clock or self._clock

        async def work(conn: asyncpg.Connection) -> float:
            # "now" is read inside the transaction (again on a retry): a unit that waited
            # for another process does not reserve a turn already past
            at = read_clock()
            turn = await conn.fetchval(
                "INSERT INTO identify_slots (bucket, turn_at) VALUES ($1, $2) "
                "ON CONFLICT (bucket) DO UPDATE "
                "SET turn_at = GREATEST(excluded.turn_at, identify_slots.turn_at + $3) "
                "RETURNING turn_at",
                bucket,
                at,
                float(interval),
            )
            return float(turn)

        return await self._unit(work)

    async def close(self) -> None:
        """Refuse new work, let the units in flight commit, close the pool."""
        if self._closed:
            return
        self._closed = True
        await self._units.drain()
        await self._pool.close()
