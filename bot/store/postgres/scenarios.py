"""The PostgreSQL units of work for custom scenarios per server (`ScenarioStore`).

The same rules as the SQLite backend's (see `bot/store/sqlite/scenarios.py`); the
count limit of an upload is checked in the same SERIALIZABLE unit that inserts it,
so two uploads racing for the last place cannot both get it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg

from bot.store.errors import CustomScenarioLimit
from bot.store.postgres.units import rowcount
from bot.store.records import (
    CustomScenarioRecord,
    ScenarioVersion,
    custom_scenario_from_row,
    scenario_version_from_row,
)

if TYPE_CHECKING:
    from bot.store.postgres.units import Work
    from bot.store.records import Clock

T = TypeVar("T")


class PostgresScenarioStore:
    """Custom scenario storage; mixed into PostgresStore (which provides the units)."""

    if TYPE_CHECKING:
        _clock: Clock

        async def _unit(self, work: Work[T]) -> T: ...

        async def _read(self, work: Work[T]) -> T: ...

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
        """Insert or replace one server's scenario; (record, replaced?).

        A new id beyond `max_per_guild` raises CustomScenarioLimit and writes nothing.
        """
        now = self._clock()
        size = len(source.encode("utf-8"))

        async def work(conn: asyncpg.Connection) -> tuple[CustomScenarioRecord, bool]:
            rows = await conn.fetch(
                "SELECT scenario_id FROM custom_scenarios WHERE guild_id = $1", guild_id
            )
            ids = {row[0] for row in rows}
            replaced = scenario_id in ids
            if not replaced and max_per_guild is not None and len(ids) >= max_per_guild:
                raise CustomScenarioLimit(max_per_guild)
            await conn.execute(
                "INSERT INTO custom_scenarios (guild_id, scenario_id, title, round, digest, "
                "source, size_bytes, uploaded_by, uploaded_at) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
                "ON CONFLICT (guild_id, scenario_id) DO UPDATE SET title = excluded.title, "
                "round = excluded.round, digest = excluded.digest, source = excluded.source, "
                "size_bytes = excluded.size_bytes, uploaded_by = excluded.uploaded_by, "
                "uploaded_at = excluded.uploaded_at",
                guild_id,
                scenario_id,
                title,
                round,
                digest,
                source,
                size,
                uploaded_by,
                now,
            )
            record = CustomScenarioRecord(
                guild_id, scenario_id, title, round, digest, source, size, uploaded_by, now
            )
            return record, replaced

        return await self._unit(work)

    async def custom_scenarios(self, guild_id: str) -> list[CustomScenarioRecord]:
        """One server's custom scenarios, by id."""

        async def work(conn: asyncpg.Connection) -> list[CustomScenarioRecord]:
            rows = await conn.fetch(
                "SELECT * FROM custom_scenarios WHERE guild_id = $1 "
                'ORDER BY scenario_id COLLATE "C"',
                guild_id,
            )
            return [custom_scenario_from_row(row) for row in rows]

        return await self._read(work)

    async def get_custom_scenario(
        self, guild_id: str, scenario_id: str
    ) -> CustomScenarioRecord | None:
        async def work(conn: asyncpg.Connection) -> CustomScenarioRecord | None:
            row = await conn.fetchrow(
                "SELECT * FROM custom_scenarios WHERE guild_id = $1 AND scenario_id = $2",
                guild_id,
                scenario_id,
            )
            return custom_scenario_from_row(row) if row is not None else None

        return await self._read(work)

    async def remove_custom_scenario(self, guild_id: str, scenario_id: str) -> bool:
        """Delete one server's scenario; False if it had none by that id."""

        async def work(conn: asyncpg.Connection) -> bool:
            status = await conn.execute(
                "DELETE FROM custom_scenarios WHERE guild_id = $1 AND scenario_id = $2",
                guild_id,
                scenario_id,
            )
            return rowcount(status) > 0

        return await self._unit(work)

    # -- versions --------------------------------------------------------------------

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

        async def work(conn: asyncpg.Connection) -> None:
            await conn.execute(
                "INSERT INTO scenario_versions (digest, scenario_id, guild_id, source, common, "
                "created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (digest) DO NOTHING",
                digest,
                scenario_id,
                guild_id,
                source,
                encoded,
                now,
            )

        await self._unit(work)

    async def scenario_version(self, digest: str) -> ScenarioVersion | None:
        async def work(conn: asyncpg.Connection) -> ScenarioVersion | None:
            row = await conn.fetchrow("SELECT * FROM scenario_versions WHERE digest = $1", digest)
            return scenario_version_from_row(row) if row is not None else None

        return await self._read(work)

    async def open_session_versions(self) -> list[ScenarioVersion]:
        """The stored versions open sessions run on (to rebuild them after a restart)."""

        async def work(conn: asyncpg.Connection) -> list[ScenarioVersion]:
            rows = await conn.fetch(
                "SELECT v.* FROM scenario_versions v WHERE v.digest IN "
                "(SELECT DISTINCT scenario_digest FROM sessions WHERE status = 'open') "
                'ORDER BY v.digest COLLATE "C"'
            )
            return [scenario_version_from_row(row) for row in rows]

        return await self._read(work)

    # -- privacy ---------------------------------------------------------------------

    @staticmethod
    async def _forget_uploader(conn: asyncpg.Connection, user_id: str) -> int:
        """Inside forget_user's unit: the scenarios stay with their server, without the name."""
        status = await conn.execute(
            "UPDATE custom_scenarios SET uploaded_by = NULL WHERE uploaded_by = $1", user_id
        )
        return rowcount(status)

    @staticmethod
    async def _uploads_of(conn: asyncpg.Connection, user_id: str) -> list[dict[str, Any]]:
        """Inside export_user's unit: the scenarios this user uploaded (without the source)."""
        rows = await conn.fetch(
            "SELECT guild_id, scenario_id, title, digest, uploaded_at FROM custom_scenarios "
            "WHERE uploaded_by = $1 ORDER BY uploaded_at",
            user_id,
        )
        return [dict(row) for row in rows]
