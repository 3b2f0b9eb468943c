"""The SQLite store's raw tables, for `bot.store.transfer` (db copy): read in one unit of
the write queue, written in one (the store's own rules run as they always do)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import aiosqlite

from bot.store.sqlite.store import SqliteStore
from bot.store.tables import Row, Table


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqliteTables:
    """`TableIO` of a SqliteStore."""

    def __init__(self, store: SqliteStore) -> None:
        self._store = store
        where = store.where
        self.where = "sqlite:" + (where if where == ":memory:" else str(Path(where).resolve()))

    async def tables(self) -> list[Table]:
        async def work(conn: aiosqlite.Connection) -> list[Table]:
            names = [
                row[0]
                for row in await conn.execute_fetchall(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            found = []
            for name in names:
                columns = await conn.execute_fetchall(f"PRAGMA table_info({_quoted(name)})")
                keys = await conn.execute_fetchall(f"PRAGMA foreign_key_list({_quoted(name)})")
                found.append(
                    Table(
                        name,
                        tuple(c["name"] for c in columns),
                        frozenset(k["table"] for k in keys),
                    )
                )
            return found

        return await self._store._read(work)

    async def read_all(self, tables: Sequence[Table]) -> dict[str, list[Row]]:
        async def work(conn: aiosqlite.Connection) -> dict[str, list[Row]]:
            rows: dict[str, list[Row]] = {}
            for table in tables:
                columns = ", ".join(_quoted(c) for c in table.columns)
                found = await conn.execute_fetchall(f"SELECT {columns} FROM {_quoted(table.name)}")
                rows[table.name] = [tuple(r) for r in found]
            return rows

        return await self._store._read(work)

    async def write_all(
        self, tables: Sequence[Table], rows: dict[str, list[Row]], *, clear: bool
    ) -> None:
        async def work(conn: aiosqlite.Connection) -> None:
            if clear:
                for table in reversed(tables):
                    await conn.execute(f"DELETE FROM {_quoted(table.name)}")
            for table in tables:
                if not rows[table.name]:
                    continue
                columns = ", ".join(_quoted(c) for c in table.columns)
                marks = ", ".join("?" * len(table.columns))
                await conn.executemany(
                    f"INSERT INTO {_quoted(table.name)} ({columns}) VALUES ({marks})",
                    rows[table.name],
                )
            # INTEGER PRIMARY KEY ids continue after the largest one by themselves

        await self._store._unit(work)
