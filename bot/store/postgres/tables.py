"""The PostgreSQL store's raw tables, for `bot.store.transfer` (db copy): read in one
snapshot, written in one transaction with COPY, identities moved past the copied ids."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import asyncpg

from bot.store.postgres.schema import VERSION_TABLE
from bot.store.postgres.store import PostgresStore
from bot.store.tables import Row, Table


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _as_bool(value: Any) -> Any:
    return value if value is None else bool(value)


def _as_int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _as_float(value: Any) -> Any:
    return float(value) if isinstance(value, int) else value


#: what a value from another backend becomes in a column of this type (SQLite keeps
#: booleans as 0/1; COPY wants exactly Python's type for each column)
_COERCE: dict[str, Callable[[Any], Any]] = {
    "boolean": _as_bool,
    "smallint": _as_int,
    "integer": _as_int,
    "bigint": _as_int,
    "double precision": _as_float,
    "real": _as_float,
}


class PostgresTables:
    """`TableIO` of a PostgresStore."""

    def __init__(self, store: PostgresStore) -> None:
        self._store = store
        self.where = store.where

    async def tables(self) -> list[Table]:
        async def work(conn: asyncpg.Connection) -> list[Table]:
            columns = await conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name <> $1 "
                "ORDER BY table_name, ordinal_position",
                VERSION_TABLE,
            )
            refs = await conn.fetch(
                "SELECT c.relname AS name, f.relname AS refers_to FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid "
                "WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace"
            )
            names: dict[str, list[str]] = {}
            for row in columns:
                names.setdefault(row["table_name"], []).append(row["column_name"])
            refers: dict[str, set[str]] = {}
            for row in refs:
                refers.setdefault(row["name"], set()).add(row["refers_to"])
            return [
                Table(name, tuple(cols), frozenset(refers.get(name, ())))
                for name, cols in sorted(names.items())
            ]

        return await self._store._units.read(work)

    async def read_all(self, tables: Sequence[Table]) -> dict[str, list[Row]]:
        async def work(conn: asyncpg.Connection) -> dict[str, list[Row]]:
            rows: dict[str, list[Row]] = {}
            for table in tables:
                columns = ", ".join(_quoted(c) for c in table.columns)
                found = await conn.fetch(f"SELECT {columns} FROM {_quoted(table.name)}")
                rows[table.name] = [tuple(r.values()) for r in found]
            return rows

        return await self._store._units.read(work)

    async def write_all(
        self, tables: Sequence[Table], rows: dict[str, list[Row]], *, clear: bool
    ) -> None:
        async def work(conn: asyncpg.Connection) -> None:
            schema = await conn.fetchval("SELECT current_schema()")
            if clear:
                names = ", ".join(_quoted(t.name) for t in tables)
                await conn.execute(f"TRUNCATE {names}")
            types = {
                (r["table_name"], r["column_name"]): r["data_type"]
                for r in await conn.fetch(
                    "SELECT table_name, column_name, data_type FROM information_schema.columns "
                    "WHERE table_schema = current_schema()"
                )
            }
            for table in tables:
                if not rows[table.name]:
                    continue
                coerce = [_COERCE.get(types[(table.name, c)], lambda v: v) for c in table.columns]
                records = [
                    tuple(f(v) for f, v in zip(coerce, row, strict=True))
                    for row in rows[table.name]
                ]
                await conn.copy_records_to_table(
                    table.name, records=records, columns=list(table.columns), schema_name=schema
                )
            identities = await conn.fetch(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND is_identity = 'YES'"
            )
            for row in identities:  # the next id is one past the largest copied
                table, column = _quoted(row["table_name"]), _quoted(row["column_name"])
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence($1, $2), "
                    f"COALESCE((SELECT MAX({column}) FROM {table}), 0) + 1, false)",
                    table,
                    row["column_name"],
                )

        await self._store._units.run(work, isolation="read_committed")
