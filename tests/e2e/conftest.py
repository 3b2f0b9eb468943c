"""Fixtures for end-to-end tests against the fake Discord (see fake_discord.py).

Every test of a module that runs the product bot (it imports `interview_bot`) runs
twice: on a SQLite file and on PostgreSQL (a schema of its own on the test server;
marked `postgresql`, so under CI=true it may not be skipped).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import interview_harness
from fake_discord import FakeDiscord

STORES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "e2e_store" in metafunc.fixturenames and hasattr(metafunc.module, "interview_bot"):
        metafunc.parametrize("e2e_store", STORES, indirect=True)


@pytest.fixture(autouse=True)
async def e2e_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The DATABASE_URL of this test's bots (see `interview_harness.database_url`)."""
    kind = getattr(request, "param", "sqlite")
    if kind == "postgresql":
        request.getfixturevalue("postgres_url")  # a server, or a skip (a failure in CI)
        import pg_testdb

        url = await pg_testdb.new_store_url("e2e")
    else:
        url = f"sqlite:///{tmp_path / 'bot.db'}"
    interview_harness.DATABASE_URLS[tmp_path] = url
    try:
        yield url
    finally:
        interview_harness.DATABASE_URLS.pop(tmp_path, None)


@pytest.fixture
async def fake_discord(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    """A started FakeDiscord with discord.py's REST base and gateway URL pointed at it."""
    fake = FakeDiscord()
    await fake.start()
    fake.patch_discord(monkeypatch)
    try:
        yield fake
    finally:
        await fake.stop()
