"""`python -m bot db copy SRC DST`: SQLite into PostgreSQL and back, row for row; a second
run changes nothing; a non-empty target is refused unless --replace; ids continue."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import pg_testdb
import pytest
from store_helpers import T0, FakeClock, all_values

from bot.cli import main
from bot.store import NewTurn, SqliteStore, Store, open_store
from bot.store.postgres import PostgresStore

pytestmark = pytest.mark.postgresql

DAY = 86_400.0
RESULTS = {
    "criteria": {
        "metrics": {"met": True, "score": 0.75, "evidence": ["We track edits; 'quoted'."]},
        "risks": {"met": False, "score": 0.125, "evidence": []},
    },
    "antipatterns": ["jargon"],
    "overall": 62.5,
}


async def populate(store: Store, clock: FakeClock) -> None:
    """A row in every table, with the awkward values: NULLs, floats, quotes, unicode."""
    await store.upsert_user("ada", "Ada Lovelace — ✓")
    await store.set_user_setting("ada", "leaderboard_opt_in", True)
    await store.set_user_setting("bo", "dm_reminders", True)
    await store.set_guild_setting("g1", "practice_channel", "555")
    await store.set_guild_setting("g1", "board", {"size": 10, "on": True})
    await store.save_custom_scenario(
        "g1",
        "mine",
        title="Mine",
        round="values",
        digest="dm",
        source='id = "é"\n',
        uploaded_by="ada",
    )
    await store.save_scenario_version("d1", "auto-summarize", "source 1", common={"c": ["w"]})
    opening = (NewTurn("interviewer", None, "Why?"),)
    done = await store.start_session(
        "ada", "dm:ada", "auto-summarize", "d1", {"step": 1}, opening=opening, time_budget_s=900
    )
    clock.advance(1.25)
    await store.record_exchange(
        done.id, 1, [NewTurn("candidate", "ada", 'Because; "users".', "111")], {"step": 2}
    )
    await store.end_session(done.id, results=RESULTS)
    group = await store.start_session(
        "bo",
        "guild:g1",
        "auto-summarize",
        "d1",
        {},
        mode="group",
        guild_id="g1",
        channel_id="777",
        retry_of=done.id,
        organiser_id="ada",
    )
    await store.record_turn(group.id, "candidate", "ada", "Ada chimes in.", {"n": 1})
    await store.join_panel(group.id, "cy", "Cy")
    await store.set_panel_note(group.id, "cy", "Crisp.")
    await store.set_panel_message(group.id, "888")
    await store.add_peer_rating(group.id, "cy", "metrics", "partly")
    await store.start_loop("ada", [("auto-summarize", T0), ("impact-lens", T0 + 2 * DAY)])
    await store.reserve_identify_slot(0, 5.5)
    clock.advance(3 * DAY)
    (leased,) = await store.claim_due_reminders(lease_s=600)  # a lease in flight is copied
    assert leased.claimed_until == clock.now + 600


async def pg_rows(url: str) -> Counter[tuple[str, tuple[Any, ...]]]:
    """Every row of the PostgreSQL store, read independently of the store and the copy."""
    return Counter(
        (table, tuple(int(v) if isinstance(v, bool) else v for v in row))
        for table, row in await pg_testdb.table_rows(url)
        if table != "schema_version"
    )


def sqlite_rows(path: Path) -> Counter[tuple[str, tuple[Any, ...]]]:
    return Counter((table, tuple(row)) for table, row in all_values(path))


def run(*argv: str) -> int:
    return main(["db", "copy", *argv])


async def test_sqlite_to_postgresql_and_back_row_for_row(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bot.db"
    clock = FakeClock()
    store = await SqliteStore.open(source, clock=clock)
    await populate(store, clock)
    await store.close()
    original = sqlite_rows(source)
    assert len({table for table, _ in original}) == 14  # every table has a row
    target = await pg_testdb.new_store_url("copy")

    assert await asyncio.to_thread(run, f"sqlite:///{source}", target) == 0
    out = capsys.readouterr().out
    assert "Copied" in out and "turns: 3" in out
    copied = await pg_rows(target)
    assert copied == original  # the same rows, value for value (booleans as 0/1)

    # the copy is a working store: figures, history and new ids after the copied ones
    pg = await PostgresStore.open(target, clock=FakeClock(T0 + 10 * DAY))
    try:
        history = await pg.user_history("ada")
        assert history and history[0].overall == 62.5
        assert (await pg.get_results(history[0].id)) == {**RESULTS, "antipatterns": ["jargon"]}
        fresh = await pg.start_session("dee", "dm:dee", "s", "d", {})
        assert fresh.id > max(s.id for s in history)
        await pg.end_session(fresh.id)
        loop = await pg.latest_loop("ada")
        assert loop is not None and [r.reminded_at is not None for r in loop.rounds] == [
            True,
            False,
        ]
        assert loop.rounds[1].claimed_until is not None  # the lease, copied (rows compared above)
        await pg.forget_user("dee")
    finally:
        await pg.close()
    assert await pg_rows(target) == original

    # and back into a new SQLite file: what we started with
    back = tmp_path / "back.db"
    assert await asyncio.to_thread(run, target, f"sqlite:///{back}") == 0
    assert sqlite_rows(back) == original


async def test_a_second_run_changes_nothing(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bot.db"
    clock = FakeClock()
    store = await SqliteStore.open(source, clock=clock)
    await populate(store, clock)
    await store.close()
    target = await pg_testdb.new_store_url("again")
    assert await asyncio.to_thread(run, f"sqlite:///{source}", target) == 0
    capsys.readouterr()
    conn = await asyncpg.connect(target)
    try:
        versions = "SELECT xmin::text, * FROM turns ORDER BY session_id, seq"
        before = await conn.fetch(versions)
        assert await asyncio.to_thread(run, f"sqlite:///{source}", target) == 0
        assert "nothing to do" in capsys.readouterr().out
        assert await conn.fetch(versions) == before  # not even rewritten
    finally:
        await conn.close()
    # SQLite to SQLite too
    other = tmp_path / "other.db"
    for _ in range(2):
        assert await asyncio.to_thread(run, f"sqlite:///{source}", f"sqlite:///{other}") == 0
    assert "nothing to do" in capsys.readouterr().out
    assert sqlite_rows(other) == sqlite_rows(source)


async def test_a_non_empty_target_is_refused_unless_replace(
    tmp_path: Path, postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bot.db"
    clock = FakeClock()
    store = await SqliteStore.open(source, clock=clock)
    await populate(store, clock)
    await store.close()
    target = await pg_testdb.new_store_url("busy")
    busy = await open_store(target)
    await busy.start_session("zed", "dm:zed", "s", "d", {"z": 1})
    await busy.close()
    held = await pg_rows(target)

    assert await asyncio.to_thread(run, f"sqlite:///{source}", target) == 1
    out = capsys.readouterr().out
    assert "not empty" in out and "--replace" in out and "Nothing was written" in out
    assert await pg_rows(target) == held

    assert await asyncio.to_thread(run, f"sqlite:///{source}", target, "--replace") == 0
    assert "replaced" in capsys.readouterr().out
    assert await pg_rows(target) == sqlite_rows(source)

    assert await asyncio.to_thread(run, f"sqlite:///{source}", f"sqlite:///{source}") == 1
    assert "the same database" in capsys.readouterr().out
