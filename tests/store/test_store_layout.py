"""Where the store's parts live: records, errors, protocols and the memory backend import
no database driver; only the SQLite package does."""

from __future__ import annotations

import ast
from pathlib import Path

from bot import PROJECT_ROOT

STORE = PROJECT_ROOT / "bot" / "store"
NEUTRAL = ["records.py", "errors.py", "protocols.py", "memory.py"]
DRIVERS = {"aiosqlite", "sqlite3", "asyncpg", "psycopg", "psycopg2"}


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_backend_neutral_modules_import_no_driver_nor_a_backend() -> None:
    for name in NEUTRAL:
        modules = imported_modules(STORE / name)
        assert not {m.split(".")[0] for m in modules} & DRIVERS, name
        assert not any(m.startswith("bot.store.sqlite") for m in modules), name


def test_the_sqlite_package_holds_every_driver_import_of_the_store() -> None:
    users = {
        str(path.relative_to(STORE))
        for path in STORE.rglob("*.py")
        if {m.split(".")[0] for m in imported_modules(path)} & DRIVERS
    }
    assert users and all(u.startswith("sqlite/") for u in users), users
