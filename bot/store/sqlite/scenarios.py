"""The SQLite units of work for custom scenarios per server (`ScenarioStore`).

Custom scenarios are TOML text (data, never code) stored per server; an upload
with an id the server already has replaces it. `scenario_versions` keeps, by
digest, the source of every scenario a session started with, so an open session
can be rebuilt on its own version after a reload, a replacing upload or a restart.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bot.store.errors import CustomScenarioLimit
from bot.store.records import (
    CustomScenarioRecord,
    ScenarioVersion,
    custom_scenario_from_row,
    scenario_version_from_row,
)

if TYPE_CHECKING:
    from collections.abc import Coroutine

    import aiosqlite

    from bot.store.sqlite.write_queue import Work

T = TypeVar("T")


class SqliteScenarioStore:
    """Custom scenario storage; mixed into SqliteStore (which provides the unit of work)."""

    _clock: Callable[[], float]

    if TYPE_CHECKING:

        def _unit(self, work: Work[T]) -> Coroutine[Any, Any, T]: ...

        def _read(self, work: Work[T]) -> Coroutine[Any, Any, T]: ...

    # -- custom scenarios ----------------------------------------------------------------

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
        """Insert or replace one server's scenario; (record, replaced?).

        The count limit is checked in the same transaction: a new id beyond
        `max_per_guild` raises CustomScenarioLimit and nothing is written.
        """
        now = self._clock()
        size = len(source.encode("utf-8"))

        async def work(conn: aiosqlite.Connection) -> tuple[CustomScenarioRecord, bool]:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT scenario_id FROM custom_scenarios WHERE guild_id = ?", (guild_id,)
                )
            )
            ids = {row[0] for row in rows}
            replaced = scenario_id in ids
            if not replaced and max_per_guild is not None and len(ids) >= max_per_guild:
                raise CustomScenarioLimit(max_per_guild)
            await conn.execute(
                "INSERT INTO custom_scenarios (guild_id, scenario_id, title, round, digest, "
                "source, size_bytes, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (guild_id, scenario_id) DO UPDATE SET title = excluded.title, "
                "round = excluded.round, digest = excluded.digest, source = excluded.source, "
                "size_bytes = excluded.size_bytes, uploaded_by = excluded.uploaded_by, "
                "uploaded_at = excluded.uploaded_at",
                (guild_id, scenario_id, title, round, digest, source, size, uploaded_by, now),
            )
            record = CustomScenarioRecord(
                guild_id, scenario_id, title, round, digest, source, size, uploaded_by, now
            )
            return record, replaced

        return await self._unit(work)

    async def custom_scenarios(self, guild_id: str) -> list[CustomScenarioRecord]:
        """One server's custom scenarios, by id."""

        async def work(conn: aiosqlite.Connection) -> list[CustomScenarioRecord]:
            rows = await conn.execute_fetchall(
                "SELECT * FROM custom_scenarios WHERE guild_id = ? ORDER BY scenario_id",
                (guild_id,),
            )
            return [custom_scenario_from_row(row) for row in rows]

        return await self._read(work)

    async def get_custom_scenario(
        self, guild_id: str, scenario_id: str
    ) -> CustomScenarioRecord | None:
        async def work(conn: aiosqlite.Connection) -> CustomScenarioRecord | None:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT * FROM custom_scenarios WHERE guild_id = ? AND scenario_id = ?",
                    (guild_id, scenario_id),
                )
            )
            return custom_scenario_from_row(rows[0]) if rows else None

        return await self._read(work)

    async def remove_custom_scenario(self, guild_id: str, scenario_id: str) -> bool:
        """Delete one server's scenario; False if it had none by that id.

        Sessions already running on it keep their version (`scenario_versions`).
        """

        async def work(conn: aiosqlite.Connection) -> bool:
            cursor = await conn.execute(
                "DELETE FROM custom_scenarios WHERE guild_id = ? AND scenario_id = ?",
                (guild_id, scenario_id),
            )
            return cursor.rowcount > 0

        return await self._unit(work)

    # -- versions --------------------------------------------------------------------------

    async def save_scenario_version(
        self,
        digest: str,
        scenario_id: str,
        source: str,
        *,
        guild_id: str | None = None,
        common: dict[str, list[str]] | None = None,
    ) -> None:
        """Keep the source of a version a session starts with (the first copy wins)."""
        now = self._clock()
        encoded = json.dumps(common or {}, ensure_ascii=False, separators=(",", ":"))

        async def work(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO scenario_versions (digest, scenario_id, guild_id, source, common, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
                (digest, scenario_id, guild_id, source, encoded, now),
            )

        await self._unit(work)

    async def scenario_version(self, digest: str) -> ScenarioVersion | None:
        async def work(conn: aiosqlite.Connection) -> ScenarioVersion | None:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT * FROM scenario_versions WHERE digest = ?", (digest,)
                )
            )
            return scenario_version_from_row(rows[0]) if rows else None

        return await self._read(work)

    async def open_session_versions(self) -> list[ScenarioVersion]:
        """The stored versions open sessions run on (to rebuild them after a restart)."""

        async def work(conn: aiosqlite.Connection) -> list[ScenarioVersion]:
            rows = await conn.execute_fetchall(
                "SELECT v.* FROM scenario_versions v WHERE v.digest IN "
                "(SELECT DISTINCT scenario_digest FROM sessions WHERE status = 'open') "
                "ORDER BY v.digest"
            )
            return [scenario_version_from_row(row) for row in rows]

        return await self._read(work)

    # -- privacy ---------------------------------------------------------------------------

    @staticmethod
    async def _forget_uploader(conn: aiosqlite.Connection, user_id: str) -> int:
        """Inside forget_user's unit: the scenarios stay with their server, without the name."""
        cursor = await conn.execute(
            "UPDATE custom_scenarios SET uploaded_by = NULL WHERE uploaded_by = ?", (user_id,)
        )
        return cursor.rowcount

    @staticmethod
    async def _uploads_of(conn: aiosqlite.Connection, user_id: str) -> list[dict[str, Any]]:
        """Inside export_user's unit: the scenarios this user uploaded (without the source)."""
        rows = await conn.execute_fetchall(
            "SELECT guild_id, scenario_id, title, digest, uploaded_at FROM custom_scenarios "
            "WHERE uploaded_by = ? ORDER BY uploaded_at",
            (user_id,),
        )
        return [dict(row) for row in rows]
