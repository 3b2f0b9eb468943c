"""Helpers for the store tests (imported by conftest and the tests)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

T0 = 1_750_000_000.0  # a fixed "now" (June 2025)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


def raw_rows(path: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Read with a plain sqlite3 connection, independent of the store."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def all_values(path: Path) -> list[tuple[str, tuple[object, ...]]]:
    """Every row of every table, as (table, row)."""
    conn = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return [(t, row) for t in tables for row in conn.execute(f"SELECT * FROM {t}")]
    finally:
        conn.close()
