"""The store contract: every test in this folder runs once per backend (`store_backends`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from store_backends import BACKENDS, Backend
from store_helpers import FakeClock

from bot.store import Store


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    return BACKENDS[request.param](tmp_path)


@pytest.fixture
async def store(backend: Backend, clock: FakeClock) -> AsyncIterator[Store]:
    s = await backend.open(clock=clock, retention_days=180)
    try:
        yield s
    finally:
        await s.close()
