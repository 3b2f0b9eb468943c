"""Start the real InterviewBot against the fake Discord, on a real store.

    async with interview_bot(fake_discord, tmp_path) as h:
        ix = await fake_discord.slash("interview start", {"round": "auto-summarize"})
        ...
        rows = await h.store.transcript(session_id)

`h.bot` is the running bot, `h.store` its store (closed on exit), `h.db` the SQLite
file, so a second `interview_bot(fake, tmp_path)` is a restart on the same database.
The store is a SQLite file in tmp_path, or, for the tests the e2e conftest runs on
PostgreSQL too, a schema of its own there (`database_url`: the same for one test).
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fake_discord import FakeDiscord, StoredMessage, running_client

from bot.bot import InterviewBot, create_bot
from bot.core.scenarios import Catalogue, load_directory
from bot.settings import Settings
from bot.store import Store, open_store

_CATALOGUE: Catalogue | None = None
#: the store of each test's bots, by its tmp_path (set by the e2e conftest)
DATABASE_URLS: dict[Path, str] = {}


def catalogue() -> Catalogue:
    global _CATALOGUE
    if _CATALOGUE is None:
        _CATALOGUE = load_directory(Settings().scenarios_dir)
    return _CATALOGUE


@dataclass
class Harness:
    bot: InterviewBot
    store: Store
    db: Path
    fake: FakeDiscord
    store_url: str = ""


def database_url(tmp_path: Path) -> str:
    """The store the test with this tmp_path runs its bots on."""
    return DATABASE_URLS.get(tmp_path, f"sqlite:///{tmp_path / 'bot.db'}")


async def stored_rows(h: Harness) -> list[tuple[str, tuple[Any, ...]]]:
    """Every row of every table of the bot's store, read from outside it: (table, row)."""
    url = h.store_url
    if url.startswith("sqlite"):
        con = sqlite3.connect(h.db)
        try:
            tables = [
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            ]
            return [(t, row) for t in tables for row in con.execute(f'SELECT * FROM "{t}"')]
        finally:
            con.close()
    import pg_testdb

    return await pg_testdb.table_rows(url)


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url(tmp_path),
        "auto_shard": False,
        "idle_sweep_seconds": 3600,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def _no_identify_delay(shard_id: int | None, *, initial: bool = False) -> None:
    return None


@contextlib.asynccontextmanager
async def interview_bot(
    fake: FakeDiscord,
    tmp_path: Path,
    *,
    sync: bool = True,
    clock: Callable[[], float] = time.time,
    guild_ready_timeout: float = 0.05,
    scenarios: Catalogue | None = None,
    **overrides: Any,
) -> AsyncIterator[Harness]:
    """The product bot, connected to ``fake`` and ready (commands synced globally).

    ``clock`` is the bot's and the store's "now" (a test moves it to let days pass);
    ``guild_ready_timeout`` is how long discord.py waits after READY before on_ready;
    ``scenarios`` replaces the bundled catalogue loaded once for all tests.
    """
    settings = settings_for(tmp_path, **overrides)
    store = await open_store(settings.database_url, clock=clock)
    bot = create_bot(
        settings,
        store,
        scenarios or catalogue(),
        guild_ready_timeout=guild_ready_timeout,
        clock=clock,
    )
    bot.before_identify_hook = _no_identify_delay  # type: ignore[method-assign]
    try:
        async with running_client(bot, fake):
            if sync:
                await bot.tree.sync()
            yield Harness(bot, store, tmp_path / "bot.db", fake, settings.database_url)  # type: ignore[arg-type]
    finally:
        await store.close()


def interview_cog(bot: InterviewBot) -> Any:
    """The running bot's interview cog (an extension's classes are new on each load)."""
    cog = bot.get_cog("Interview")
    assert cog is not None and type(cog).__name__ == "InterviewCog"
    return cog


def thread_of(note: StoredMessage) -> int:
    """The thread id in a "your interview is ready in <#id>" note."""
    match = re.search(r"<#(\d+)>", note.text())
    assert match, note.text()
    return int(match.group(1))


def bot_messages(fake: FakeDiscord) -> list[StoredMessage]:
    """Every message the bot sent, ephemeral or not."""
    return [m for m in fake.messages.values() if m.author_id == fake.bot_id]


def assert_no_pings(fake: FakeDiscord) -> None:
    """Every bot message was sent with mentions disabled."""
    for m in bot_messages(fake):
        assert m.allowed_pings() == {"everyone": False, "users": set(), "roles": set()}, m
