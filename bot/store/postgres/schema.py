"""Numbered SQL migrations (`migrations/NNNN_name.sql`), tracked in `schema_version`.

The files carry the same numbers as the SQLite backend's: version N means the same
tables, columns and rules on both. Each step runs in its own transaction that
first takes a transaction-scoped advisory lock (`pg_advisory_xact_lock`) and only
then reads the version, so two processes migrating a fresh database at once take
turns: the second finds the work done. DDL is transactional in PostgreSQL, so a
crash mid-step leaves the previous version, never half a migration. A database
from a newer bot is refused before anything is written to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import asyncpg

from bot.store.errors import StoreError, StoreVersionError

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_TRANSACTION_WORDS = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK|START)\b", re.I | re.M)
#: the advisory lock key every migrating process takes (any fixed bigint will do)
MIGRATION_LOCK = 0x1B7E_57_0001
VERSION_TABLE = "schema_version"


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: version N takes the database from N-1 to N."""

    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Every migration shipped with the package, in order; checks the numbering."""
    folder = resources.files("bot.store.postgres").joinpath("migrations")
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if not match:
            continue
        sql = entry.read_text(encoding="utf-8")
        if _TRANSACTION_WORDS.search(sql):
            raise StoreError(f"migration {entry.name} must not manage transactions itself")
        found.append(Migration(int(match.group(1)), entry.name, sql))
    found.sort(key=lambda m: m.version)
    expected = list(range(1, len(found) + 1))
    if [m.version for m in found] != expected:
        names = ", ".join(m.name for m in found)
        raise StoreError(f"migrations must be numbered 0001, 0002, ... without gaps: {names}")
    return found


def latest_version() -> int:
    """The schema version this code writes."""
    return len(load_migrations())


def version_error(where: str, found: int, latest: int) -> StoreVersionError:
    """The one-line refusal for a database from a newer bot."""
    return StoreVersionError(
        f"{where} has schema version {found}, newer than this interview-bot understands "
        f"(up to {latest}); upgrade interview-bot or point DATABASE_URL at another database. "
        "The database was not modified."
    )


async def read_version(conn: asyncpg.Connection) -> int:
    """The schema version (0 for an empty database); a read that changes nothing."""
    # a plain query of pg_class, not to_regclass: that looks the name up in a cache that
    # may still say "no such table" after another process created it (no lock taken)
    exists = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = $1 AND n.nspname = ANY (current_schemas(false)))",
        VERSION_TABLE,
    )
    if not exists:
        return 0
    found = await conn.fetchval(f"SELECT COALESCE(MAX(version), 0) FROM {VERSION_TABLE}")
    return int(found)


async def migrate(
    conn: asyncpg.Connection, where: str, *, target: int | None = None
) -> tuple[int, int]:
    """Apply pending migrations up to `target` (default: all); return (before, after).

    Safe to run from several processes at once: each step takes the migration lock
    before it reads the version.
    """
    migrations = load_migrations()
    latest = len(migrations)
    target = latest if target is None else target
    before = await read_version(conn)
    if before > latest:
        raise version_error(where, before, latest)
    current = before
    while current < target:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
            current = await read_version(conn)
            if current > latest:
                raise version_error(where, current, latest)
            if current >= target:
                break
            migration = migrations[current]
            if current == 0:
                await conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version integer PRIMARY KEY, "
                    "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
                )
            try:
                await conn.execute(migration.sql)
            except asyncpg.PostgresError as exc:
                raise StoreError(f"migration {migration.name} failed on {where}: {exc}") from exc
            await conn.execute(
                f"INSERT INTO {VERSION_TABLE} (version, name) VALUES ($1, $2)",
                migration.version,
                migration.name,
            )
            current = migration.version
    return before, current
