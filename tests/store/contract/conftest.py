"""The store contract: every test in this folder runs once per backend (`store_backends`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from store_backends import BACKENDS, Backend
from store_helpers import FakeClock

from bot.store import Store


@pytest.fixture(
    params=[
        pytest.param(name, marks=[pytest.mark.postgresql] if name == "postgresql" else [])
        for name in sorted(BACKENDS)
    ]
)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")  # a server, or a skip (a failure in CI)
    return BACKENDS[request.param](tmp_path)


@pytest.fixture
async def store(backend: Backend, clock: FakeClock) -> AsyncIterator[Store]:
    s = await backend.open(clock=clock, retention_days=180)
    try:
        yield s
    finally:
        await s.close()
