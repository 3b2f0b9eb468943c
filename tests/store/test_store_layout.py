"""Where the store's parts live: records, errors, protocols and the memory backend import
no database driver; only the backend packages do, each its own driver."""

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


BACKEND_DRIVERS = {"sqlite/": {"aiosqlite", "sqlite3"}, "postgres/": {"asyncpg"}}


def test_each_backend_package_holds_its_own_driver_imports_and_no_other() -> None:
    users: dict[str, set[str]] = {}
    for path in STORE.rglob("*.py"):
        drivers = {m.split(".")[0] for m in imported_modules(path)} & DRIVERS
        if drivers:
            users[str(path.relative_to(STORE))] = drivers
    assert any(u.startswith("sqlite/") for u in users), users
    assert any(u.startswith("postgres/") for u in users), users
    for user, drivers in users.items():
        allowed = next((d for p, d in BACKEND_DRIVERS.items() if user.startswith(p)), set())
        assert drivers <= allowed, (user, drivers)
