"""The PostgreSQL units of work for study groups, progress and loops (`GroupStore`).

`PostgresGroupStore` is mixed into `PostgresStore`. Reminders and loop reports are
claims with a lease: one `UPDATE … FROM (SELECT … FOR UPDATE SKIP LOCKED) RETURNING`
leases the rows it takes, so claimers in several processes split the due rows and
none is taken twice within a lease; the claimer completes it after sending, and a
claimer that dies leaves a lease that runs out (at-least-once). Linking finished
sessions to loop rounds runs under an advisory lock of its own (one linker at a
time, each seeing the last one's links), as one set-based statement: per loop and
scenario, the n-th pending round takes the n-th earliest finished attempt not
counted yet, as the SQLite backend's round-by-round walk does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

from bot.store.errors import LoopExists, NotAPanelist, SessionNotFound
from bot.store.postgres.units import rowcount
from bot.store.records import (
    DEFAULT_CLAIM_LEASE_S,
    LoopRecord,
    LoopRound,
    Panelist,
    ScenarioCriterionStat,
    ScorePoint,
    SessionLinks,
    check_lease,
)

if TYPE_CHECKING:
    from bot.store.postgres.units import Work
    from bot.store.records import Clock

T = TypeVar("T")

LINK_LOCK = 0x1B7E_57_0002  # advisory lock key: one linker of loop rounds at a time

_ROUND_SELECT = (
    "SELECT r.*, s.overall AS overall FROM loop_rounds r "
    "LEFT JOIN sessions s ON s.id = r.session_id "
)

_LINK_ROUNDS = """
WITH active AS (
    SELECT id, user_id, started_at FROM loops
     WHERE status = 'active' AND ($1::text IS NULL OR user_id = $1::text)
), pending AS (
    SELECT r.loop_id, r.seq, r.scenario_id,
           row_number() OVER (PARTITION BY r.loop_id, r.scenario_id ORDER BY r.seq) AS n
      FROM loop_rounds r JOIN active a ON a.id = r.loop_id
     WHERE r.session_id IS NULL
), candidates AS (
    SELECT a.id AS loop_id, s.scenario_id, s.id AS session_id,
           row_number() OVER (PARTITION BY a.id, s.scenario_id ORDER BY s.ended_at, s.id) AS n
      FROM active a JOIN sessions s ON s.user_id = a.user_id
     WHERE s.status <> 'open' AND s.started_at >= a.started_at
       AND EXISTS (SELECT 1 FROM pending p
                    WHERE p.loop_id = a.id AND p.scenario_id = s.scenario_id)
       AND NOT EXISTS (SELECT 1 FROM loop_rounds x
                        WHERE x.loop_id = a.id AND x.session_id = s.id)
)
UPDATE loop_rounds SET session_id = c.session_id
  FROM pending p
  JOIN candidates c ON c.loop_id = p.loop_id AND c.scenario_id = p.scenario_id AND c.n = p.n
 WHERE loop_rounds.loop_id = p.loop_id AND loop_rounds.seq = p.seq
"""


def _round(row: asyncpg.Record) -> LoopRound:
    return LoopRound(
        loop_id=row["loop_id"],
        seq=row["seq"],
        scenario_id=row["scenario_id"],
        due_at=row["due_at"],
        reminded_at=row["reminded_at"],
        remind_error=row["remind_error"],
        session_id=row["session_id"],
        overall=row["overall"],
        claimed_until=row["claimed_until"],
    )


class PostgresGroupStore:
    """Panel, retry lineage, progress figures, loop schedules; mixed into PostgresStore."""

    if TYPE_CHECKING:
        _clock: Clock

        async def _unit(self, work: Work[T]) -> T: ...

        async def _claim(self, work: Work[T]) -> T: ...

        async def _row_unit(self, work: Work[T]) -> T: ...

        async def _read(self, work: Work[T]) -> T: ...

    async def _update_row(self, sql: str, *args: Any) -> None:
        """One single-row UPDATE as a unit of its own (a lease ended, a delivery recorded)."""

        async def work(conn: asyncpg.Connection) -> None:
            await conn.execute(sql, *args)

        await self._row_unit(work)

    # -- session links ---------------------------------------------------------------

    async def set_session_links(
        self, session_id: int, *, retry_of: int | None = None, organiser_id: str | None = None
    ) -> None:
        """Record the attempt a session retries and who organised it for the candidate."""

        async def work(conn: asyncpg.Connection) -> None:
            if await conn.fetchval("SELECT 1 FROM sessions WHERE id = $1", session_id) is None:
                raise SessionNotFound(f"no session {session_id}")
            await conn.execute(
                "INSERT INTO session_links (session_id, retry_of, organiser_id) "
                "VALUES ($1, $2, $3) ON CONFLICT (session_id) DO UPDATE SET "
                "retry_of = COALESCE(excluded.retry_of, session_links.retry_of), "
                "organiser_id = COALESCE(excluded.organiser_id, session_links.organiser_id)",
                session_id,
                retry_of,
                organiser_id,
            )

        await self._unit(work)

    async def session_links(self, session_id: int) -> SessionLinks:
        """The session's links (all None when it has none)."""

        async def work(conn: asyncpg.Connection) -> SessionLinks:
            row = await conn.fetchrow(
                "SELECT * FROM session_links WHERE session_id = $1", session_id
            )
            if row is None:
                return SessionLinks(session_id, None, None, None)
            return SessionLinks(
                session_id, row["retry_of"], row["organiser_id"], row["panel_message_id"]
            )

        return await self._read(work)

    async def set_panel_message(self, session_id: int, message_id: str | None) -> None:
        """Remember the bot-vs-panel message of a session, to edit it later."""

        async def work(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO session_links (session_id, panel_message_id) VALUES ($1, $2) "
                "ON CONFLICT (session_id) DO UPDATE SET "
                "panel_message_id = excluded.panel_message_id",
                session_id,
                message_id,
            )

        await self._unit(work)

    async def attempts(self, user_id: str, scenario_id: str) -> list[tuple[int, float, float]]:
        """The user's finished attempts at a scenario: (id, ended_at, overall), newest first."""

        async def work(conn: asyncpg.Connection) -> list[tuple[int, float, float]]:
            rows = await conn.fetch(
                "SELECT id, ended_at, overall FROM sessions WHERE user_id = $1 "
                "AND scenario_id = $2 AND status <> 'open' AND purged_at IS NULL "
                "ORDER BY ended_at DESC, id DESC",
                user_id,
                scenario_id,
            )
            return [(r["id"], r["ended_at"], r["overall"] or 0.0) for r in rows]

        return await self._read(work)

    # -- panel -----------------------------------------------------------------------

    async def join_panel(self, session_id: int, user_id: str, display_name: str) -> bool:
        """Add a member to a session's panel; False if they were on it already."""
        now = self._clock()

        async def work(conn: asyncpg.Connection) -> bool:
            if await conn.fetchval("SELECT 1 FROM sessions WHERE id = $1", session_id) is None:
                raise SessionNotFound(f"no session {session_id}")
            await conn.execute(
                "INSERT INTO users (id, display_name, created_at, last_seen_at) "
                "VALUES ($1, $2, $3, $3) ON CONFLICT (id) DO UPDATE SET "
                "display_name = excluded.display_name, last_seen_at = excluded.last_seen_at",
                user_id,
                display_name,
                now,
            )
            status = await conn.execute(
                "INSERT INTO panelists (session_id, user_id, joined_at) VALUES ($1, $2, $3) "
                "ON CONFLICT (session_id, user_id) DO NOTHING",
                session_id,
                user_id,
                now,
            )
            return rowcount(status) == 1

        return await self._unit(work)

    async def panelists(self, session_id: int) -> list[Panelist]:
        """A session's panel in joining order."""

        async def work(conn: asyncpg.Connection) -> list[Panelist]:
            rows = await conn.fetch(
                "SELECT p.*, COALESCE(u.display_name, '') AS display_name FROM panelists p "
                "LEFT JOIN users u ON u.id = p.user_id WHERE p.session_id = $1 "
                'ORDER BY p.joined_at, p.user_id COLLATE "C"',
                session_id,
            )
            return [
                Panelist(
                    r["session_id"],
                    r["user_id"],
                    r["display_name"],
                    r["joined_at"],
                    r["note"],
                    r["noted_at"],
                )
                for r in rows
            ]

        return await self._read(work)

    async def set_panel_note(self, session_id: int, user_id: str, note: str) -> None:
        """Set (or replace) a panelist's one note on a session."""
        now = self._clock()
        text = note.strip()

        async def work(conn: asyncpg.Connection) -> None:
            status = await conn.execute(
                "UPDATE panelists SET note = $1, noted_at = $2 "
                "WHERE session_id = $3 AND user_id = $4",
                text or None,
                now,
                session_id,
                user_id,
            )
            if rowcount(status) != 1:
                raise NotAPanelist(f"{user_id} is not on the panel of session {session_id}")

        await self._unit(work)

    # -- progress --------------------------------------------------------------------

    async def criterion_rates_by_scenario(self, user_id: str) -> list[ScenarioCriterionStat]:
        """Per (scenario, criterion) hit rates over the user's finished sessions, weakest first."""

        async def work(conn: asyncpg.Connection) -> list[ScenarioCriterionStat]:
            rows = await conn.fetch(
                "SELECT s.scenario_id, r.criterion_id, COUNT(*) AS attempts, "
                "COUNT(*) FILTER (WHERE r.met) AS hits, "
                "AVG(r.score)::double precision AS mean_score FROM rubric_results r "
                "JOIN sessions s ON s.id = r.session_id "
                "WHERE s.user_id = $1 AND s.status <> 'open' "
                "GROUP BY s.scenario_id, r.criterion_id "
                "ORDER BY (COUNT(*) FILTER (WHERE r.met))::double precision / COUNT(*), "
                'AVG(r.score), s.scenario_id COLLATE "C", r.criterion_id COLLATE "C"',
                user_id,
            )
            return [
                ScenarioCriterionStat(
                    r["scenario_id"], r["criterion_id"], r["attempts"], r["hits"], r["mean_score"]
                )
                for r in rows
            ]

        return await self._read(work)

    async def score_series(self, user_id: str, limit: int = 200) -> list[ScorePoint]:
        """The overall score of each of the user's finished sessions, oldest first."""

        async def work(conn: asyncpg.Connection) -> list[ScorePoint]:
            rows = await conn.fetch(
                "SELECT * FROM (SELECT id, scenario_id, ended_at, overall FROM sessions "
                "WHERE user_id = $1 AND status <> 'open' AND overall IS NOT NULL "
                "ORDER BY ended_at DESC, id DESC LIMIT $2) AS recent ORDER BY ended_at, id",
                user_id,
                max(0, limit),
            )
            return [
                ScorePoint(r["id"], r["scenario_id"], r["ended_at"], r["overall"]) for r in rows
            ]

        return await self._read(work)

    # -- loops -----------------------------------------------------------------------

    @staticmethod
    async def _loop(conn: asyncpg.Connection, row: asyncpg.Record) -> LoopRecord:
        rounds = await conn.fetch(_ROUND_SELECT + "WHERE r.loop_id = $1 ORDER BY r.seq", row["id"])
        return LoopRecord(
            id=row["id"],
            user_id=row["user_id"],
            status=row["status"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            reported_at=row["reported_at"],
            rounds=tuple(_round(r) for r in rounds),
        )

    async def _link_rounds(self, user_id: str | None = None) -> None:
        """Attach finished sessions to the rounds of active loops (one linker at a time).

        READ COMMITTED after the lock: the statement sees every link committed before.
        """

        async def work(conn: asyncpg.Connection) -> None:
            await conn.execute("SELECT pg_advisory_xact_lock($1)", LINK_LOCK)
            await conn.execute(_LINK_ROUNDS, user_id)

        await self._claim(work)

    async def start_loop(
        self, user_id: str, plan: Sequence[tuple[str, float]], *, now: float | None = None
    ) -> LoopRecord:
        """Schedule a loop: (scenario id, due time) per round. The first round, due now,
        counts as reminded. Raises LoopExists if the user has an active loop."""
        at = self._clock() if now is None else now
        if not plan:
            raise ValueError("a loop needs at least one round")

        async def work(conn: asyncpg.Connection) -> LoopRecord:
            active = await conn.fetchval(
                "SELECT id FROM loops WHERE user_id = $1 AND status = 'active'", user_id
            )
            if active is not None:
                raise LoopExists(f"user {user_id} already has active loop {active}")
            await conn.execute(
                "INSERT INTO users (id, display_name, created_at, last_seen_at) "
                "VALUES ($1, '', $2, $2) ON CONFLICT (id) DO NOTHING",
                user_id,
                at,
            )
            row = await conn.fetchrow(
                "INSERT INTO loops (user_id, status, started_at) VALUES ($1, 'active', $2) "
                "RETURNING *",
                user_id,
                at,
            )
            await conn.executemany(
                "INSERT INTO loop_rounds (loop_id, seq, scenario_id, due_at, reminded_at) "
                "VALUES ($1, $2, $3, $4, $5)",
                [
                    (row["id"], i, sid, due, at if due <= at else None)
                    for i, (sid, due) in enumerate(plan, start=1)
                ],
            )
            return await self._loop(conn, row)

        return await self._unit(work)

    async def latest_loop(self, user_id: str) -> LoopRecord | None:
        """The user's active loop (its rounds linked to finished sessions), else their last one."""
        await self._link_rounds(user_id)

        async def work(conn: asyncpg.Connection) -> LoopRecord | None:
            row = await conn.fetchrow(
                "SELECT * FROM loops WHERE user_id = $1 "
                "ORDER BY status = 'active' DESC, started_at DESC, id DESC LIMIT 1",
                user_id,
            )
            return await self._loop(conn, row) if row is not None else None

        return await self._read(work)

    async def get_loop(self, loop_id: int) -> LoopRecord | None:
        """A loop by id, with its rounds."""

        async def work(conn: asyncpg.Connection) -> LoopRecord | None:
            row = await conn.fetchrow("SELECT * FROM loops WHERE id = $1", loop_id)
            return await self._loop(conn, row) if row is not None else None

        return await self._read(work)

    async def stop_loop(self, user_id: str, *, now: float | None = None) -> LoopRecord | None:
        """Stop the user's active loop (no more reminders); None if there is none."""
        at = self._clock() if now is None else now

        async def work(conn: asyncpg.Connection) -> LoopRecord | None:
            row = await conn.fetchrow(
                "UPDATE loops SET status = 'stopped', ended_at = $1 "
                "WHERE user_id = $2 AND status = 'active' RETURNING *",
                at,
                user_id,
            )
            return await self._loop(conn, row) if row is not None else None

        return await self._unit(work)

    async def claim_due_reminders(
        self, now: float | None = None, *, lease_s: float = DEFAULT_CLAIM_LEASE_S
    ) -> list[LoopRound]:
        """Lease the due rounds of active loops not done, delivered, given up nor under a
        live lease, by the claim itself: rows another claimer holds locked are skipped,
        not waited for. Finished sessions are linked first, so a round done early is
        skipped."""
        at = self._clock() if now is None else now
        until = at + check_lease(lease_s)
        await self._link_rounds()

        async def claim(conn: asyncpg.Connection) -> list[LoopRound]:
            rows = await conn.fetch(
                "UPDATE loop_rounds SET claimed_until = $2 FROM ("
                "SELECT r.loop_id, r.seq FROM loop_rounds r JOIN loops l ON l.id = r.loop_id "
                "WHERE l.status = 'active' AND r.reminded_at IS NULL "
                "AND r.remind_error IS NULL AND r.session_id IS NULL AND r.due_at <= $1 "
                "AND (r.claimed_until IS NULL OR r.claimed_until <= $1) "
                "FOR UPDATE OF r SKIP LOCKED) AS due "
                "WHERE loop_rounds.loop_id = due.loop_id AND loop_rounds.seq = due.seq "
                "RETURNING loop_rounds.*, NULL::double precision AS overall",
                at,
                until,
            )
            rounds = [_round(r) for r in rows]
            return sorted(rounds, key=lambda r: (r.due_at, r.loop_id, r.seq))

        return await self._claim(claim)

    async def complete_reminder(self, loop_id: int, seq: int, *, now: float | None = None) -> None:
        """The reminder was delivered: never claimed again."""
        at = self._clock() if now is None else now
        await self._update_row(
            "UPDATE loop_rounds SET reminded_at = COALESCE(reminded_at, $1), "
            "claimed_until = NULL WHERE loop_id = $2 AND seq = $3",
            at,
            loop_id,
            seq,
        )

    async def release_reminder(self, loop_id: int, seq: int) -> None:
        """End the lease of a reminder whose DM failed for a passing reason: claimable now."""
        await self._update_row(
            "UPDATE loop_rounds SET claimed_until = NULL WHERE loop_id = $1 AND seq = $2",
            loop_id,
            seq,
        )

    async def note_reminder_error(self, loop_id: int, seq: int, error: str) -> None:
        """Record why a claimed reminder cannot be delivered; it is given up."""
        await self._update_row(
            "UPDATE loop_rounds SET remind_error = $1, claimed_until = NULL "
            "WHERE loop_id = $2 AND seq = $3",
            error,
            loop_id,
            seq,
        )

    async def claim_finished_loops(
        self, now: float | None = None, *, lease_s: float = DEFAULT_CLAIM_LEASE_S
    ) -> list[LoopRecord]:
        """Active loops whose every round is done (marked done here) and done loops whose
        report is not yet completed, unless under a live lease: leased by the claim."""
        at = self._clock() if now is None else now
        until = at + check_lease(lease_s)
        await self._link_rounds()

        async def claim(conn: asyncpg.Connection) -> list[LoopRecord]:
            rows = await conn.fetch(
                "UPDATE loops SET status = 'done', ended_at = COALESCE(loops.ended_at, $1), "
                "report_claimed_until = $2 FROM ("
                "SELECT l.id FROM loops l WHERE l.reported_at IS NULL "
                "AND (l.report_claimed_until IS NULL OR l.report_claimed_until <= $1) "
                "AND (l.status = 'done' OR (l.status = 'active' AND NOT EXISTS "
                "(SELECT 1 FROM loop_rounds r WHERE r.loop_id = l.id AND r.session_id IS NULL))) "
                "FOR UPDATE OF l SKIP LOCKED) AS finished "
                "WHERE loops.id = finished.id RETURNING loops.*",
                at,
                until,
            )
            return [await self._loop(conn, row) for row in sorted(rows, key=lambda r: r["id"])]

        return await self._claim(claim)

    async def complete_loop_report(self, loop_id: int, *, now: float | None = None) -> None:
        """The loop's report was sent (or given up): never claimed again."""
        at = self._clock() if now is None else now
        await self._update_row(
            "UPDATE loops SET reported_at = COALESCE(reported_at, $1), "
            "report_claimed_until = NULL WHERE id = $2",
            at,
            loop_id,
        )

    async def release_loop_report(self, loop_id: int) -> None:
        """End the lease on a loop's report after a passing failure: claimable now."""
        await self._update_row(
            "UPDATE loops SET report_claimed_until = NULL WHERE id = $1", loop_id
        )

    # -- privacy (called by PostgresStore inside its own units) ----------------------

    @staticmethod
    async def _export_groups(conn: asyncpg.Connection, user_id: str) -> dict[str, Any]:
        """The user's panels, notes, loops and session links, for export_user."""
        joined = await conn.fetch(
            "SELECT * FROM panelists WHERE user_id = $1 ORDER BY joined_at", user_id
        )
        received = await conn.fetch(
            "SELECT p.session_id, p.note, p.noted_at FROM panelists p "
            "JOIN sessions s ON s.id = p.session_id "
            "WHERE s.user_id = $1 AND p.note IS NOT NULL ORDER BY p.session_id, p.noted_at",
            user_id,
        )
        links = await conn.fetch(
            "SELECT l.* FROM session_links l JOIN sessions s ON s.id = l.session_id "
            "WHERE s.user_id = $1 OR l.organiser_id = $1 ORDER BY l.session_id",
            user_id,
        )
        loops = await conn.fetch(
            "SELECT * FROM loops WHERE user_id = $1 ORDER BY started_at", user_id
        )
        return {
            "panels_joined": [
                {k: r[k] for k in ("session_id", "joined_at", "note", "noted_at")} for r in joined
            ],
            # who wrote a note is the panelist's data; what they wrote about you is yours
            "panel_notes_received": [dict(r) for r in received],
            "session_links": [
                {
                    "session_id": r["session_id"],
                    "retry_of": r["retry_of"],
                    "organised_by_you": r["organiser_id"] == user_id,
                }
                for r in links
            ],
            "loops": [(await PostgresGroupStore._loop(conn, r)).to_dict() for r in loops],
        }

    @staticmethod
    async def _forget_groups(conn: asyncpg.Connection, user_id: str) -> dict[str, int]:
        """Delete the user's panel seats (with their notes) and loops; clear them as organiser."""
        seats = await conn.execute("DELETE FROM panelists WHERE user_id = $1", user_id)
        loops = await conn.execute("DELETE FROM loops WHERE user_id = $1", user_id)
        organised = await conn.execute(
            "UPDATE session_links SET organiser_id = NULL WHERE organiser_id = $1", user_id
        )
        return {
            "panel_seats_deleted": rowcount(seats),
            "loops_deleted": rowcount(loops),
            "sessions_unlinked_as_organiser": rowcount(organised),
        }

    @staticmethod
    async def _purge_groups(conn: asyncpg.Connection, session_ids: Sequence[int]) -> None:
        """Retention: purged sessions lose their panel (names and notes) and organiser."""
        ids = list(session_ids)
        await conn.execute("DELETE FROM panelists WHERE session_id = ANY($1::bigint[])", ids)
        await conn.execute(
            "UPDATE session_links SET organiser_id = NULL, panel_message_id = NULL "
            "WHERE session_id = ANY($1::bigint[])",
            ids,
        )
