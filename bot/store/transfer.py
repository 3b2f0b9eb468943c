"""`python -m bot db copy SRC DST`: every table of one store copied into another.

The way a deployment moves from SQLite to PostgreSQL (or back) without losing
history. Both stores are opened as the bot opens them (created and migrated to
this code's schema, so their tables and columns match), the source is read in one
snapshot and the target written in one transaction: a copy that fails leaves the
target as it was. Identities (PostgreSQL's id sequences) continue after the
highest copied id. Stop the bot while copying: a unit it commits to the source
after the snapshot is not copied.

Idempotent: a target that already holds exactly the source's rows is left alone
("nothing to do"). Any other non-empty target is refused unless `replace` is
given, which empties it first (in the same transaction). Rows are compared as
values (a PostgreSQL boolean equals SQLite's 0/1), so a copy there and back
compares equal to where it started. The rows are held in memory while copying.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bot.store.errors import StoreError
from bot.store.protocols import Store
from bot.store.tables import Row, Table


class TableIO(Protocol):
    """A backend's raw access to its own tables, for copying (not a unit of the store)."""

    where: str

    async def tables(self) -> list[Table]:
        """Every table of the store's schema (not the backend's own bookkeeping)."""
        ...

    async def read_all(self, tables: Sequence[Table]) -> dict[str, list[Row]]:
        """Every row of `tables` (columns in the Table's order), in one snapshot."""
        ...

    async def write_all(
        self, tables: Sequence[Table], rows: dict[str, list[Row]], *, clear: bool
    ) -> None:
        """In one transaction: (if `clear`) empty the tables, insert `rows`, reset ids."""
        ...


class CopyRefused(StoreError):
    """The target holds other rows and `replace` was not given; nothing was written."""

    def __init__(self, where: str, counts: dict[str, int]) -> None:
        held = ", ".join(f"{n} {t}" for t, n in counts.items() if n)
        super().__init__(f"{where} is not empty ({held})")
        self.counts = counts


@dataclass
class CopyReport:
    """What a copy did: rows per table (in copy order), and whether it wrote anything."""

    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    changed: bool = False
    replaced: bool = False
    seconds: float = 0.0


def table_io(store: Store) -> TableIO:
    """The raw table access of a store opened by `open_store`."""
    from bot.store.sqlite import SqliteStore

    if isinstance(store, SqliteStore):
        from bot.store.sqlite.tables import SqliteTables

        return SqliteTables(store)
    from bot.store.postgres import PostgresStore

    if isinstance(store, PostgresStore):
        from bot.store.postgres.tables import PostgresTables

        return PostgresTables(store)
    raise StoreError(f"cannot copy the tables of a {type(store).__name__}")


def copy_order(tables: Sequence[Table]) -> list[Table]:
    """Tables ordered so each comes after those it refers to (then by name)."""
    by_name = {t.name: t for t in tables}
    done: list[Table] = []
    placed: set[str] = set()
    while len(done) < len(by_name):
        ready = sorted(
            name
            for name, t in by_name.items()
            if name not in placed and (t.refers_to - {name}) & by_name.keys() <= placed
        )
        if not ready:
            raise StoreError(f"tables refer to each other in a circle: {sorted(by_name)}")
        for name in ready:
            done.append(by_name[name])
            placed.add(name)
    return done


def same_rows(a: dict[str, list[Row]], b: dict[str, list[Row]]) -> bool:
    """True when both hold the same rows per table, in any order (values compared)."""
    return a.keys() == b.keys() and all(Counter(a[t]) == Counter(b[t]) for t in a)


def matched_tables(source: list[Table], target: list[Table], where: str) -> list[Table]:
    """The source's tables, in copy order, once the target is checked to have the same."""
    theirs = {t.name: set(t.columns) for t in target}
    ours = {t.name: set(t.columns) for t in source}
    if ours != theirs:
        missing = sorted(set(ours) ^ set(theirs))
        columns = sorted(n for n in ours.keys() & theirs.keys() if ours[n] != theirs[n])
        raise StoreError(
            f"{where} has another schema (tables differ: {missing or 'none'}; "
            f"columns differ in: {columns or 'none'}); both must be at the same version"
        )
    return copy_order(source)


async def copy_stores(source: Store, target: Store, *, replace: bool = False) -> CopyReport:
    """Copy every row of `source` into `target` (see the module's docstring)."""
    started = time.perf_counter()
    src, dst = table_io(source), table_io(target)
    if src.where == dst.where:
        raise StoreError(f"the source and the target are the same database ({src.where})")
    tables = matched_tables(await src.tables(), await dst.tables(), dst.where)
    rows = await src.read_all(tables)
    report = CopyReport(src.where, dst.where, {t.name: len(rows[t.name]) for t in tables})
    held = await dst.read_all(tables)
    if same_rows(rows, held):
        report.seconds = time.perf_counter() - started
        return report  # already a copy (or both empty): nothing to do
    if any(held.values()):
        if not replace:
            raise CopyRefused(dst.where, {t: len(r) for t, r in held.items()})
        report.replaced = True
    await dst.write_all(tables, rows, clear=report.replaced)
    if not same_rows(rows, await dst.read_all(tables)):
        raise StoreError(f"the copy in {dst.where} does not match the source")
    report.changed = True
    report.seconds = time.perf_counter() - started
    return report


async def copy_urls(source_url: str, target_url: str, *, replace: bool = False) -> CopyReport:
    """Open both stores from their URLs (creating and migrating them), copy, close."""
    from bot.store import open_store

    source = await open_store(source_url)
    try:
        target = await open_store(target_url)
        try:
            return await copy_stores(source, target, replace=replace)
        finally:
            await target.close()
    finally:
        await source.close()
