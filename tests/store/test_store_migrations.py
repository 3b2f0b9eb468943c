"""Migrations on a real file: fresh, upgrade from the first schema, newer-version refusal."""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

import pytest
from race_helpers import open_at_once
from store_helpers import T0, FakeClock, raw_rows

from bot.store import SqliteStore, StoreError, StoreVersionError, open_store, sqlite_path
from bot.store.sqlite.schema import latest_version, load_migrations, statements


def test_migrations_are_numbered_without_gaps() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert len(migrations) >= 2
    assert migrations[0].name == "0001_initial.sql"


async def test_fresh_database_gets_every_migration_wal_and_foreign_keys(db_path: Path) -> None:
    store = await SqliteStore.open(db_path)
    try:
        conn = store._conn
        assert next(iter(await conn.execute_fetchall("PRAGMA journal_mode")))[0] == "wal"
        assert next(iter(await conn.execute_fetchall("PRAGMA foreign_keys")))[0] == 1
        assert next(iter(await conn.execute_fetchall("PRAGMA busy_timeout")))[0] == 5000
    finally:
        await store.close()
    assert raw_rows(db_path, "PRAGMA user_version") == [(latest_version(),)]
    tables = {r[0] for r in raw_rows(db_path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {
        "users",
        "guild_settings",
        "sessions",
        "turns",
        "rubric_results",
        "antipatterns_seen",
        "peer_ratings",
    } <= tables
    # reopening an up-to-date database changes nothing
    store = await SqliteStore.open(db_path)
    await store.close()
    assert raw_rows(db_path, "PRAGMA user_version") == [(latest_version(),)]


async def test_upgrade_from_first_schema_keeps_rows_and_backfills(db_path: Path) -> None:
    old = await SqliteStore.open(db_path, migrate_to=1)
    await old.close()
    assert raw_rows(db_path, "PRAGMA user_version") == [(1,)]
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("INSERT INTO users VALUES ('u1', 'Ada', ?, ?)", (T0, T0))
        conn.execute("INSERT INTO users VALUES ('u2', 'Bo', ?, ?)", (T0, T0))
        conn.execute(
            "INSERT INTO sessions (id, user_id, place, scenario_id, scenario_digest, mode, state, "
            "status, started_at, updated_at, time_budget_s) VALUES "
            "(7, 'u1', 'dm:u1', 'auto-summarize', 'd1', 'solo', ?, 'open', ?, ?, 900)",
            ('{"step": 2}', T0, T0),
        )
        conn.executemany(
            "INSERT INTO turns VALUES (7, ?, ?, ?, ?, ?)",
            [
                (1, "interviewer", None, "Tell me about the product.", T0),
                (2, "candidate", "u1", "It summarises threads.", T0 + 1),
            ],
        )
        # the first schema allowed duplicate ratings; the upgrade keeps the latest
        conn.executemany(
            "INSERT INTO peer_ratings (session_id, rater_id, criterion_id, rating, created_at) "
            "VALUES (7, 'u2', 'metrics', ?, ?)",
            [("missed", T0), ("met", T0 + 5)],
        )
    conn.close()

    clock = FakeClock(T0 + 10)
    store = await SqliteStore.open(db_path, clock=clock)
    try:
        session = await store.get_session(7)
        assert session is not None
        assert session.state == {"step": 2}
        assert session.turn_count == 2  # backfilled from the turns
        assert session.status == "open" and session.time_budget_s == 900
        turn = await store.record_turn(7, "interviewer", None, "And the metric?", {"step": 3})
        assert turn.seq == 3
        assert [t.text for t in await store.transcript(7)] == [
            "Tell me about the product.",
            "It summarises threads.",
            "And the metric?",
        ]
        user = await store.get_user("u1")
        assert user is not None and user.display_name == "Ada"
        assert user.dm_reminders is False and user.leaderboard_opt_in is False
        user = await store.set_user_setting("u1", "leaderboard_opt_in", True)
        assert user.leaderboard_opt_in is True
        ratings = await store.peer_ratings(7)
        assert [(r.rater_id, r.rating) for r in ratings] == [("u2", "met")]
        await store.set_guild_setting("g1", "channel", "123")
        assert await store.get_guild_settings("g1") == {"channel": "123"}
    finally:
        await store.close()
    assert raw_rows(db_path, "PRAGMA user_version") == [(latest_version(),)]


@pytest.mark.parametrize("wal", [True, False], ids=["wal-file", "rollback-journal-file"])
async def test_newer_database_is_refused_and_untouched(db_path: Path, wal: bool) -> None:
    newer = latest_version() + 1
    if wal:
        store = await SqliteStore.open(db_path)
        await store.start_session("u1", "console", "s", "d", {"x": 1})
        await store.close()
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE IF NOT EXISTS future_thing (x)")
    conn.execute(f"PRAGMA user_version = {newer}")
    conn.commit()
    conn.close()
    before_bytes = db_path.read_bytes()
    before_mtime = os.stat(db_path).st_mtime_ns
    before_dir = sorted(p.name for p in db_path.parent.iterdir())

    with pytest.raises(StoreVersionError) as info:
        await SqliteStore.open(db_path)
    message = str(info.value)
    assert f"schema version {newer}" in message
    assert "newer" in message and "not modified" in message

    assert db_path.read_bytes() == before_bytes
    assert os.stat(db_path).st_mtime_ns == before_mtime
    assert sorted(p.name for p in db_path.parent.iterdir()) == before_dir
    assert raw_rows(db_path, "PRAGMA user_version") == [(newer,)]


async def test_a_file_that_is_not_a_database_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite at all, just text " * 100)
    with pytest.raises(StoreError, match="not a usable SQLite database"):
        await SqliteStore.open(path)


def test_sqlite_urls_map_to_paths() -> None:
    assert sqlite_path("sqlite:///interview-bot.db") == "interview-bot.db"
    assert sqlite_path("sqlite:///data/bot.db") == "data/bot.db"
    assert sqlite_path("sqlite:////var/lib/bot.db") == "/var/lib/bot.db"
    assert sqlite_path("sqlite:///:memory:") == ":memory:"
    with pytest.raises(StoreError):
        sqlite_path("sqlite://host/bot.db")
    with pytest.raises(StoreError):
        sqlite_path("sqlite:///")


async def test_open_store_from_url_and_unknown_schemes(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "bot.db"
    store = await open_store(f"sqlite:///{path}?synchronous=normal")
    try:
        assert isinstance(store, SqliteStore)
        assert next(iter(await store._conn.execute_fetchall("PRAGMA synchronous")))[0] == 1
    finally:
        await store.close()
    assert path.exists()
    refused = re.escape("cannot connect to postgresql://u:***@127.0.0.1:1/")
    with pytest.raises(StoreError, match=refused) as info:
        await open_store("postgresql://u:secret@127.0.0.1:1/bot")  # nothing listens on port 1
    assert "secret" not in str(info.value)
    with pytest.raises(StoreError, match="unknown scheme 'mysql'"):
        await open_store("mysql://localhost/bot")
    with pytest.raises(StoreError, match="unknown option"):
        await open_store(f"sqlite:///{path}?journal=off")


async def test_in_memory_store_works_for_quick_use() -> None:
    async with await open_store("sqlite:///:memory:") as store:
        session = await store.start_session("u", "console", "s", "d", {})
        await store.record_turn(session.id, "candidate", "u", "hello", {"n": 1})
        assert len(await store.transcript(session.id)) == 1


def test_processes_migrating_a_fresh_file_at_once_all_succeed(tmp_path: Path) -> None:
    for attempt in range(4):  # each round a fresh file: the race is at the very first open
        path = tmp_path / f"race{attempt}.db"
        outcomes = open_at_once(f"sqlite:///{path}", processes=3)
        assert outcomes == ["OPENED"] * 3, outcomes
        assert raw_rows(path, "PRAGMA user_version") == [(latest_version(),)]
        tables = {r[0] for r in raw_rows(path, "SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"users", "sessions", "turns", "loops"} <= tables


def test_migration_statements_split_at_the_right_semicolons() -> None:
    sql = (
        "-- a comment; with a semicolon\n"
        "CREATE TABLE a (x TEXT DEFAULT 'semi;colon');\n"
        "UPDATE a SET x = 'y'; -- trailing; comment\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'z'; END;\n"
        "-- the end\n"
    )
    assert list(statements(sql)) == [
        "-- a comment; with a semicolon\nCREATE TABLE a (x TEXT DEFAULT 'semi;colon');",
        "UPDATE a SET x = 'y';",
        "-- trailing; comment\nCREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = 'z'; END;",
    ]
    with pytest.raises(StoreError, match="incomplete"):
        list(statements("CREATE TABLE b (x TEXT DEFAULT 'open"))
    for migration in load_migrations():  # every shipped file splits into whole statements
        assert all(sqlite3.complete_statement(s) for s in statements(migration.sql))
