"""Numbered SQL migrations (`migrations/NNNN_name.sql`), tracked by PRAGMA user_version.

Each file runs in its own `BEGIN IMMEDIATE … COMMIT` together with the bump of
`user_version`, so a crash mid-upgrade leaves the database at the previous
version, never half-migrated.
"""

from __future__ import annotations

import re
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
    current = await read_version(conn)
    if current > latest:
        raise version_error(where, current, latest)
    before = current
    for migration in migrations[current:target]:
        script = (
            "BEGIN IMMEDIATE;\n"
            f"{migration.sql}\n;\n"
            f"PRAGMA user_version = {migration.version};\n"
            "COMMIT;\n"
        )
        try:
            await conn.executescript(script)
        except Exception as exc:
            if conn.in_transaction:
                await conn.rollback()
            raise StoreError(f"migration {migration.name} failed on {where}: {exc}") from exc
        current = migration.version
    return before, current
