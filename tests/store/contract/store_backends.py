"""The backends the store contract runs against, and how the tests reach each.

A backend is what `Backend` describes: how to open a fresh, empty store on a
clock, and how to list every value it holds (to prove forget-me and retention
leave nothing behind). A new backend adds itself to `BACKENDS` and must pass
the whole contract folder unchanged, as Red-DiscordBot's drivers share one suite.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pg_testdb
from store_helpers import FakeClock, all_values

from bot.store import MemoryStore, SqliteStore, Store
from bot.store.postgres import PostgresStore


@dataclasses.dataclass(frozen=True)
class Backend:
    """How the contract tests reach one backend."""

    name: str
    open: Callable[..., Awaitable[Store]]  # (clock=, retention_days=) -> a fresh, empty store
    every_value: Callable[[Store], list[tuple[str, Any]]]  # (where, value) for all it holds


def _walk(where: str, value: Any) -> Iterator[tuple[str, Any]]:
    """Every scalar inside the memory store's dicts, lists and records."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _walk(f"{where}.{f.name}", getattr(value, f.name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(where, key)
            yield from _walk(f"{where}[{key!r}]", item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(where, item)
    else:
        yield where, value


def _memory_values(store: Store) -> list[tuple[str, Any]]:
    assert isinstance(store, MemoryStore)
    return [
        found
        for name, value in vars(store).items()
        if name.startswith("_") and not callable(value)
        for found in _walk(name, value)
    ]


def _sqlite(path: Path) -> Backend:
    async def open_store(*, clock: FakeClock, retention_days: float = 180) -> Store:
        return await SqliteStore.open(path, clock=clock, retention_days=retention_days)

    def every_value(store: Store) -> list[tuple[str, Any]]:
        return [(table, value) for table, row in all_values(path) for value in row]

    return Backend("sqlite", open_store, every_value)


def _postgresql() -> Backend:
    """A schema of its own on the test server, created by the first open."""
    url: list[str] = []

    async def open_store(*, clock: FakeClock, retention_days: float = 180) -> Store:
        if not url:
            url.append(await pg_testdb.new_store_url("contract"))
        return await PostgresStore.open(url[0], clock=clock, retention_days=retention_days)

    def every_value(store: Store) -> list[tuple[str, Any]]:
        return [(table, value) for table, row in pg_testdb.all_values(url[0]) for value in row]

    return Backend("postgresql", open_store, every_value)


def _memory() -> Backend:
    async def open_store(*, clock: FakeClock, retention_days: float = 180) -> Store:
        return MemoryStore(clock=clock, retention_days=retention_days)

    return Backend("memory", open_store, _memory_values)


BACKENDS: dict[str, Callable[[Path], Backend]] = {
    "sqlite": lambda tmp: _sqlite(tmp / "store.db"),
    "memory": lambda tmp: _memory(),
    "postgresql": lambda tmp: _postgresql(),  # needs the `postgres_url` fixture (conftest)
}
