"""Fixtures for the store tests: a real SQLite file in tmp_path and a settable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from store_helpers import FakeClock

from bot.store import SqliteStore


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
async def store(db_path: Path, clock: FakeClock) -> AsyncIterator[SqliteStore]:
    s = await SqliteStore.open(db_path, clock=clock, retention_days=180)
    try:
        yield s
    finally:
        await s.close()
