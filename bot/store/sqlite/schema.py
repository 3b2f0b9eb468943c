"""Numbered SQL migrations (`migrations/NNNN_name.sql`), tracked by PRAGMA user_version.

Each file runs in its own `BEGIN IMMEDIATE … COMMIT` together with the bump of
`user_version`, so a crash mid-upgrade leaves the database at the previous
version, never half-migrated. The version is read again after `BEGIN IMMEDIATE`
has taken the write lock, so two processes migrating a fresh file at once take
turns and the second finds the step done (reading it before the lock let both
run the same step: "table users already exists").
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

import aiosqlite

from bot.store.errors import StoreError, StoreVersionError

_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_TRANSACTION_WORDS = re.compile(r"^\s*(BEGIN|COMMIT|END|ROLLBACK)\b", re.I | re.M)


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: version N takes the database from N-1 to N."""

    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """Every migration shipped with the package, in order; checks the numbering."""
    folder = resources.files("bot.store.sqlite").joinpath("migrations")
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


def statements(sql: str) -> Iterator[str]:
    """The statements of a script, one by one (a `;` inside a string or comment stays)."""
    buffer = ""
    for piece in sql.split(";"):
        buffer += piece + ";"
        if sqlite3.complete_statement(buffer):
            if _has_code(buffer):
                yield buffer.strip()
            buffer = ""
    if _has_code(buffer.rstrip(";")):
        raise StoreError(f"incomplete SQL statement at the end of a migration: {buffer.strip()!r}")


def _has_code(text: str) -> bool:
    """False for whitespace, `;` and comments only."""
    lines = (line.split("--", 1)[0] for line in text.splitlines())
    return bool("".join(lines).strip(" \t\r\n;"))


def latest_version() -> int:
    """The schema version this code writes."""
    return len(load_migrations())


def version_error(where: str, found: int, latest: int) -> StoreVersionError:
    """The one-line refusal for a database from a newer bot."""
    return StoreVersionError(
        f"{where} has schema version {found}, newer than this interview-bot understands "
        f"(up to {latest}); upgrade interview-bot or point DATABASE_URL at another file. "
        "The database was not modified."
    )


async def read_version(conn: aiosqlite.Connection) -> int:
    """PRAGMA user_version (a read: it does not modify the file)."""
    rows = list(await conn.execute_fetchall("PRAGMA user_version"))
    return int(rows[0][0])


async def migrate(
    conn: aiosqlite.Connection, where: str, *, target: int | None = None
) -> tuple[int, int]:
    """Apply pending migrations up to `target` (default: all); return (before, after).

    The connection must be in autocommit mode (isolation_level=None).
    """
    migrations = load_migrations()
    latest = len(migrations)
    target = latest if target is None else target
    before = await read_version(conn)
    if before > latest:
        raise version_error(where, before, latest)
    current = before
    while current < target:
        # statement by statement: executescript would COMMIT the BEGIN IMMEDIATE first
        await conn.execute("BEGIN IMMEDIATE")
        name = f"to version {current + 1}"
        try:
            current = await read_version(conn)  # under the write lock: maybe done already
            if current > latest:
                raise version_error(where, current, latest)
            if current >= target:
                await conn.execute("COMMIT")
                break
            migration = migrations[current]
            name = migration.name
            for statement in statements(migration.sql):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {migration.version}")
            await conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                await conn.rollback()
            if isinstance(exc, StoreError):
                raise
            raise StoreError(f"migration {name} failed on {where}: {exc}") from exc
        current = migration.version
    return before, current
