"""The SQLite units of work for study groups, progress and loops (`GroupStore`).

`SqliteGroupStore` is mixed into `SqliteStore`; every public method is one unit
of work on its write queue. Tables: `session_links` (retry lineage, organiser,
the bot-vs-panel message), `panelists` (with one note each), `loops` and
`loop_rounds` (the five-round loop; a reminder or report is claimed with a lease in
the same unit that finds it due, and marked delivered by the claimer after sending:
at-least-once, see `GroupStore.claim_due_reminders`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar

import aiosqlite

from bot.store.errors import LoopExists, NotAPanelist, SessionNotFound
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
    from collections.abc import Coroutine

    from bot.store.records import Clock
    from bot.store.sqlite.write_queue import Work

T = TypeVar("T")


async def _rows(
    conn: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()
) -> list[sqlite3.Row]:
    return list(await conn.execute_fetchall(sql, tuple(params)))


def _round(row: sqlite3.Row) -> LoopRound:
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


_ROUND_SELECT = (
    "SELECT r.*, s.overall AS overall FROM loop_rounds r "
    "LEFT JOIN sessions s ON s.id = r.session_id "
)


class SqliteGroupStore:
    """Panel, retry lineage, progress figures, loop schedules; mixed into SqliteStore."""

    if TYPE_CHECKING:
        _clock: Clock

        def _unit(self, work: Work[T]) -> Coroutine[Any, Any, T]: ...

        def _read(self, work: Work[T]) -> Coroutine[Any, Any, T]: ...

    async def _update_row(self, sql: str, params: tuple[Any, ...]) -> None:
        """One single-row UPDATE as a unit of its own (a lease ended, a delivery recorded)."""

        async def work(conn: aiosqlite.Connection) -> None:
            await conn.execute(sql, params)

        await self._unit(work)

    # -- session links ---------------------------------------------------------------

    async def set_session_links(
        self, session_id: int, *, retry_of: int | None = None, organiser_id: str | None = None
    ) -> None:
        """Record the attempt a session retries and who organised it for the candidate."""

        async def work(conn: aiosqlite.Connection) -> None:
            if not await _rows(conn, "SELECT 1 FROM sessions WHERE id = ?", (session_id,)):
                raise SessionNotFound(f"no session {session_id}")
            await conn.execute(
                "INSERT INTO session_links (session_id, retry_of, organiser_id) VALUES (?, ?, ?) "
                "ON CONFLICT (session_id) DO UPDATE SET "
                "retry_of = COALESCE(excluded.retry_of, retry_of), "
                "organiser_id = COALESCE(excluded.organiser_id, organiser_id)",
                (session_id, retry_of, organiser_id),
            )

        await self._unit(work)

    async def session_links(self, session_id: int) -> SessionLinks:
        """The session's links (all None when it has none)."""

        async def work(conn: aiosqlite.Connection) -> SessionLinks:
            rows = await _rows(
                conn, "SELECT * FROM session_links WHERE session_id = ?", (session_id,)
            )
            if not rows:
                return SessionLinks(session_id, None, None, None)
            row = rows[0]
            return SessionLinks(
                session_id, row["retry_of"], row["organiser_id"], row["panel_message_id"]
            )

        return await self._read(work)

    async def set_panel_message(self, session_id: int, message_id: str | None) -> None:
        """Remember the bot-vs-panel message of a session, to edit it later."""

        async def work(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO session_links (session_id, panel_message_id) VALUES (?, ?) "
                "ON CONFLICT (session_id) DO UPDATE SET "
                "panel_message_id = excluded.panel_message_id",
                (session_id, message_id),
            )

        await self._unit(work)

    async def attempts(self, user_id: str, scenario_id: str) -> list[tuple[int, float, float]]:
        """The user's finished attempts at a scenario: (id, ended_at, overall), newest first."""

        async def work(conn: aiosqlite.Connection) -> list[tuple[int, float, float]]:
            rows = await _rows(
                conn,
                "SELECT id, ended_at, overall FROM sessions WHERE user_id = ? AND scenario_id = ? "
                "AND status != 'open' AND purged_at IS NULL ORDER BY ended_at DESC, id DESC",
                (user_id, scenario_id),
            )
            return [(r["id"], r["ended_at"], r["overall"] or 0.0) for r in rows]

        return await self._read(work)

    # -- panel -----------------------------------------------------------------------

    async def join_panel(self, session_id: int, user_id: str, display_name: str) -> bool:
        """Add a member to a session's panel; False if they were on it already."""
        now = self._clock()

        async def work(conn: aiosqlite.Connection) -> bool:
            if not await _rows(conn, "SELECT 1 FROM sessions WHERE id = ?", (session_id,)):
                raise SessionNotFound(f"no session {session_id}")
            await conn.execute(
                "INSERT INTO users (id, display_name, created_at, last_seen_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
                "display_name = excluded.display_name, last_seen_at = excluded.last_seen_at",
                (user_id, display_name, now, now),
            )
            cursor = await conn.execute(
                "INSERT INTO panelists (session_id, user_id, joined_at) VALUES (?, ?, ?) "
                "ON CONFLICT (session_id, user_id) DO NOTHING",
                (session_id, user_id, now),
            )
            return cursor.rowcount == 1

        return await self._unit(work)

    async def panelists(self, session_id: int) -> list[Panelist]:
        """A session's panel in joining order."""

        async def work(conn: aiosqlite.Connection) -> list[Panelist]:
            rows = await _rows(
                conn,
                "SELECT p.*, COALESCE(u.display_name, '') AS display_name FROM panelists p "
                "LEFT JOIN users u ON u.id = p.user_id WHERE p.session_id = ? "
                "ORDER BY p.joined_at, p.user_id",
                (session_id,),
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

        async def work(conn: aiosqlite.Connection) -> None:
            cursor = await conn.execute(
                "UPDATE panelists SET note = ?, noted_at = ? WHERE session_id = ? AND user_id = ?",
                (text or None, now, session_id, user_id),
            )
            if cursor.rowcount != 1:
                raise NotAPanelist(f"{user_id} is not on the panel of session {session_id}")

        await self._unit(work)

    # -- progress --------------------------------------------------------------------

    async def criterion_rates_by_scenario(self, user_id: str) -> list[ScenarioCriterionStat]:
        """Per (scenario, criterion) hit rates over the user's finished sessions, weakest first."""

        async def work(conn: aiosqlite.Connection) -> list[ScenarioCriterionStat]:
            rows = await _rows(
                conn,
                "SELECT s.scenario_id, r.criterion_id, COUNT(*) AS attempts, SUM(r.met) AS hits, "
                "AVG(r.score) AS mean_score FROM rubric_results r "
                "JOIN sessions s ON s.id = r.session_id "
                "WHERE s.user_id = ? AND s.status != 'open' "
                "GROUP BY s.scenario_id, r.criterion_id "
                "ORDER BY CAST(SUM(r.met) AS REAL) / COUNT(*), AVG(r.score), "
                "s.scenario_id, r.criterion_id",
                (user_id,),
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

        async def work(conn: aiosqlite.Connection) -> list[ScorePoint]:
            rows = await _rows(
                conn,
                "SELECT * FROM (SELECT id, scenario_id, ended_at, overall FROM sessions "
                "WHERE user_id = ? AND status != 'open' AND overall IS NOT NULL "
                "ORDER BY ended_at DESC, id DESC LIMIT ?) ORDER BY ended_at, id",
                (user_id, max(0, limit)),
            )
            return [
                ScorePoint(r["id"], r["scenario_id"], r["ended_at"], r["overall"]) for r in rows
            ]

        return await self._read(work)

    # -- loops -----------------------------------------------------------------------

    @staticmethod
    async def _loop(conn: aiosqlite.Connection, row: sqlite3.Row) -> LoopRecord:
        rounds = await _rows(
            conn, _ROUND_SELECT + "WHERE r.loop_id = ? ORDER BY r.seq", (row["id"],)
        )
        return LoopRecord(
            id=row["id"],
            user_id=row["user_id"],
            status=row["status"],
            started_at=row["started_at"],
            ended_at=row["ended_at"],
            reported_at=row["reported_at"],
            rounds=tuple(_round(r) for r in rounds),
        )

    @staticmethod
    async def _link_rounds(conn: aiosqlite.Connection, user_id: str | None = None) -> None:
        """Attach finished sessions to the rounds of active loops, in round order.

        A round is done by the earliest finished attempt at its scenario made after
        the loop started and not already counted for another round of that loop.
        """
        where, params = ("AND user_id = ?", (user_id,)) if user_id else ("", ())
        for loop in await _rows(
            conn, f"SELECT * FROM loops WHERE status = 'active' {where}", params
        ):
            pending = await _rows(
                conn,
                "SELECT seq, scenario_id FROM loop_rounds WHERE loop_id = ? AND session_id IS NULL "
                "ORDER BY seq",
                (loop["id"],),
            )
            for rnd in pending:
                found = await _rows(
                    conn,
                    "SELECT id FROM sessions WHERE user_id = ? AND scenario_id = ? "
                    "AND status != 'open' AND started_at >= ? AND id NOT IN "
                    "(SELECT session_id FROM loop_rounds WHERE loop_id = ? "
                    "AND session_id IS NOT NULL) ORDER BY ended_at, id LIMIT 1",
                    (loop["user_id"], rnd["scenario_id"], loop["started_at"], loop["id"]),
                )
                if found:
                    await conn.execute(
                        "UPDATE loop_rounds SET session_id = ? WHERE loop_id = ? AND seq = ?",
                        (found[0]["id"], loop["id"], rnd["seq"]),
                    )

    async def start_loop(
        self, user_id: str, plan: Sequence[tuple[str, float]], *, now: float | None = None
    ) -> LoopRecord:
        """Schedule a loop: (scenario id, due time) per round. The first round, due now,
        counts as reminded. Raises LoopExists if the user has an active loop."""
        at = self._clock() if now is None else now
        if not plan:
            raise ValueError("a loop needs at least one round")

        async def work(conn: aiosqlite.Connection) -> LoopRecord:
            active = await _rows(
                conn, "SELECT id FROM loops WHERE user_id = ? AND status = 'active'", (user_id,)
            )
            if active:
                raise LoopExists(f"user {user_id} already has active loop {active[0]['id']}")
            await conn.execute(
                "INSERT INTO users (id, display_name, created_at, last_seen_at) "
                "VALUES (?, '', ?, ?) ON CONFLICT (id) DO NOTHING",
                (user_id, at, at),
            )
            row = (
                await _rows(
                    conn,
                    "INSERT INTO loops (user_id, status, started_at) VALUES (?, 'active', ?) "
                    "RETURNING *",
                    (user_id, at),
                )
            )[0]
            await conn.executemany(
                "INSERT INTO loop_rounds (loop_id, seq, scenario_id, due_at, reminded_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [
                    (row["id"], i, sid, due, at if due <= at else None)
                    for i, (sid, due) in enumerate(plan, start=1)
                ],
            )
            return await self._loop(conn, row)

        return await self._unit(work)

    async def latest_loop(self, user_id: str) -> LoopRecord | None:
        """The user's active loop (its rounds linked to finished sessions), else their last one."""

        async def work(conn: aiosqlite.Connection) -> LoopRecord | None:
            await self._link_rounds(conn, user_id)
            rows = await _rows(
                conn,
                "SELECT * FROM loops WHERE user_id = ? "
                "ORDER BY status = 'active' DESC, started_at DESC, id DESC LIMIT 1",
                (user_id,),
            )
            return await self._loop(conn, rows[0]) if rows else None

        return await self._unit(work)

    async def get_loop(self, loop_id: int) -> LoopRecord | None:
        """A loop by id, with its rounds."""

        async def work(conn: aiosqlite.Connection) -> LoopRecord | None:
            rows = await _rows(conn, "SELECT * FROM loops WHERE id = ?", (loop_id,))
            return await self._loop(conn, rows[0]) if rows else None

        return await self._read(work)

    async def stop_loop(self, user_id: str, *, now: float | None = None) -> LoopRecord | None:
        """Stop the user's active loop (no more reminders); None if there is none."""
        at = self._clock() if now is None else now

        async def work(conn: aiosqlite.Connection) -> LoopRecord | None:
            rows = await _rows(
                conn,
                "UPDATE loops SET status = 'stopped', ended_at = ? "
                "WHERE user_id = ? AND status = 'active' RETURNING *",
                (at, user_id),
            )
            return await self._loop(conn, rows[0]) if rows else None

        return await self._unit(work)

    async def claim_due_reminders(
        self, now: float | None = None, *, lease_s: float = DEFAULT_CLAIM_LEASE_S
    ) -> list[LoopRound]:
        """Lease the due rounds of active loops not done, delivered, given up nor under a
        live lease, in the unit that finds them (BEGIN IMMEDIATE: one claimer at a time).
        Finished sessions are linked first, so a round done early is skipped."""
        at = self._clock() if now is None else now
        until = at + check_lease(lease_s)

        async def claim(conn: aiosqlite.Connection) -> list[LoopRound]:
            await self._link_rounds(conn)
            rows = await _rows(
                conn,
                _ROUND_SELECT + "JOIN loops l ON l.id = r.loop_id WHERE l.status = 'active' "
                "AND r.reminded_at IS NULL AND r.remind_error IS NULL "
                "AND r.session_id IS NULL AND r.due_at <= ? "
                "AND (r.claimed_until IS NULL OR r.claimed_until <= ?) "
                "ORDER BY r.due_at, r.loop_id, r.seq",
                (at, at),
            )
            if rows:
                await conn.executemany(
                    "UPDATE loop_rounds SET claimed_until = ? WHERE loop_id = ? AND seq = ?",
                    [(until, r["loop_id"], r["seq"]) for r in rows],
                )
            return [replace(_round(r), claimed_until=until) for r in rows]

        return await self._unit(claim)

    async def complete_reminder(self, loop_id: int, seq: int, *, now: float | None = None) -> None:
        """The reminder was delivered: never claimed again."""
        at = self._clock() if now is None else now
        await self._update_row(
            "UPDATE loop_rounds SET reminded_at = COALESCE(reminded_at, ?), "
            "claimed_until = NULL WHERE loop_id = ? AND seq = ?",
            (at, loop_id, seq),
        )

    async def release_reminder(self, loop_id: int, seq: int) -> None:
        """End the lease of a reminder whose DM failed for a passing reason: claimable now."""
        await self._update_row(
            "UPDATE loop_rounds SET claimed_until = NULL WHERE loop_id = ? AND seq = ?",
            (loop_id, seq),
        )

    async def note_reminder_error(self, loop_id: int, seq: int, error: str) -> None:
        """Record why a claimed reminder cannot be delivered; it is given up."""
        await self._update_row(
            "UPDATE loop_rounds SET remind_error = ?, claimed_until = NULL "
            "WHERE loop_id = ? AND seq = ?",
            (error, loop_id, seq),
        )

    async def claim_finished_loops(
        self, now: float | None = None, *, lease_s: float = DEFAULT_CLAIM_LEASE_S
    ) -> list[LoopRecord]:
        """Active loops whose every round is done (marked done here) and done loops whose
        report is not yet completed, unless under a live lease: leased in this unit."""
        at = self._clock() if now is None else now
        until = at + check_lease(lease_s)

        async def work(conn: aiosqlite.Connection) -> list[LoopRecord]:
            await self._link_rounds(conn)
            rows = await _rows(
                conn,
                "UPDATE loops SET status = 'done', ended_at = COALESCE(ended_at, ?), "
                "report_claimed_until = ? WHERE reported_at IS NULL "
                "AND (report_claimed_until IS NULL OR report_claimed_until <= ?) "
                "AND (status = 'done' OR (status = 'active' AND NOT EXISTS (SELECT 1 "
                "FROM loop_rounds r WHERE r.loop_id = loops.id AND r.session_id IS NULL))) "
                "RETURNING *",
                (at, until, at),
            )
            return [await self._loop(conn, row) for row in sorted(rows, key=lambda r: r["id"])]

        return await self._unit(work)

    async def complete_loop_report(self, loop_id: int, *, now: float | None = None) -> None:
        """The loop's report was sent (or given up): never claimed again."""
        at = self._clock() if now is None else now
        await self._update_row(
            "UPDATE loops SET reported_at = COALESCE(reported_at, ?), "
            "report_claimed_until = NULL WHERE id = ?",
            (at, loop_id),
        )

    async def release_loop_report(self, loop_id: int) -> None:
        """End the lease on a loop's report after a passing failure: claimable now."""
        await self._update_row(
            "UPDATE loops SET report_claimed_until = NULL WHERE id = ?", (loop_id,)
        )

    # -- privacy (called by SqliteStore inside its own units) ------------------------

    @staticmethod
    async def _export_groups(conn: aiosqlite.Connection, user_id: str) -> dict[str, Any]:
        """The user's panels, notes, loops and session links, for export_user."""
        joined = await _rows(
            conn, "SELECT * FROM panelists WHERE user_id = ? ORDER BY joined_at", (user_id,)
        )
        received = await _rows(
            conn,
            "SELECT p.session_id, p.note, p.noted_at FROM panelists p "
            "JOIN sessions s ON s.id = p.session_id "
            "WHERE s.user_id = ? AND p.note IS NOT NULL ORDER BY p.session_id, p.noted_at",
            (user_id,),
        )
        links = await _rows(
            conn,
            "SELECT l.* FROM session_links l JOIN sessions s ON s.id = l.session_id "
            "WHERE s.user_id = ? OR l.organiser_id = ? ORDER BY l.session_id",
            (user_id, user_id),
        )
        loops = await _rows(
            conn, "SELECT * FROM loops WHERE user_id = ? ORDER BY started_at", (user_id,)
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
            "loops": [(await SqliteGroupStore._loop(conn, r)).to_dict() for r in loops],
        }

    @staticmethod
    async def _forget_groups(conn: aiosqlite.Connection, user_id: str) -> dict[str, int]:
        """Delete the user's panel seats (with their notes) and loops; clear them as organiser."""
        seats = await conn.execute("DELETE FROM panelists WHERE user_id = ?", (user_id,))
        loops = await conn.execute("DELETE FROM loops WHERE user_id = ?", (user_id,))
        organised = await conn.execute(
            "UPDATE session_links SET organiser_id = NULL WHERE organiser_id = ?", (user_id,)
        )
        return {
            "panel_seats_deleted": seats.rowcount,
            "loops_deleted": loops.rowcount,
            "sessions_unlinked_as_organiser": organised.rowcount,
        }

    @staticmethod
    async def _purge_groups(conn: aiosqlite.Connection, session_ids: Sequence[int]) -> None:
        """Retention: purged sessions lose their panel (names and notes) and organiser."""
        marks = ",".join("?" * len(session_ids))
        await conn.execute(f"DELETE FROM panelists WHERE session_id IN ({marks})", session_ids)
        await conn.execute(
            f"UPDATE session_links SET organiser_id = NULL, panel_message_id = NULL "
            f"WHERE session_id IN ({marks})",
            session_ids,
        )
