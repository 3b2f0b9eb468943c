"""The PostgreSQL backend's own rules: migrations (fresh, upgrade, newer refused, a race of
processes on a fresh database), column types that keep times and figures exact, the URL."""

from __future__ import annotations

import re

import asyncpg
import pg_testdb
import pytest
from race_helpers import open_at_once
from store_helpers import T0, FakeClock

from bot.store import StoreError, StoreVersionError, open_store
from bot.store.postgres import PostgresStore
from bot.store.postgres.schema import latest_version, load_migrations
from bot.store.sqlite.schema import load_migrations as sqlite_migrations

pytestmark = pytest.mark.postgresql

TABLES = {
    "users",
    "sessions",
    "turns",
    "rubric_results",
    "antipatterns_seen",
    "peer_ratings",
    "guild_settings",
    "custom_scenarios",
    "scenario_versions",
    "session_links",
    "panelists",
    "loops",
    "loop_rounds",
    "identify_slots",
}


@pytest.fixture
async def url(postgres_url: str) -> str:
    return await pg_testdb.new_store_url("schema")


async def fetch(url: str, sql: str, *args: object) -> list[tuple[object, ...]]:
    conn = await asyncpg.connect(url)
    try:
        return [tuple(r.values()) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def catalogue(url: str) -> list[tuple[object, ...]]:
    """Every table and column of the store's schema, and its version rows."""
    schema = pg_testdb.schema_of(url)
    columns = await fetch(
        url,
        "SELECT table_name, column_name, data_type, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1, 2",
        schema,
    )
    return columns + await fetch(url, "SELECT version, name FROM schema_version ORDER BY 1")


def test_the_migrations_match_sqlites_number_for_number() -> None:
    ours = [(m.version, m.name) for m in load_migrations()]
    assert ours == [(m.version, m.name) for m in sqlite_migrations()]
    for migration in load_migrations():  # none of SQLite's dialect crept in
        sql = "\n".join(line.split("--")[0] for line in migration.sql.upper().splitlines())
        for word in ("WITHOUT ROWID", " REAL", "IS NOT ?", "AUTOINCREMENT"):
            assert word not in sql, (migration.name, word)
        # an id is an identity column: INTEGER PRIMARY KEY numbers rows only in SQLite
        assert not re.search(r"\bID\s+(INTEGER|BIGINT)\s+PRIMARY KEY", sql), migration.name


async def test_a_fresh_database_gets_every_migration(url: str) -> None:
    store = await open_store(url)
    await store.close()
    schema = pg_testdb.schema_of(url)
    tables = await fetch(
        url, "SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema
    )
    assert {t[0] for t in tables} == TABLES | {"schema_version"}
    versions = await fetch(url, "SELECT version, name FROM schema_version ORDER BY version")
    assert versions == [(m.version, m.name) for m in load_migrations()]
    types = dict(
        await fetch(
            url,
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = $1",
            schema,
        )
    )
    assert types["sessions.started_at"] == "double precision"  # REAL would round times
    assert types["turns.created_at"] == "double precision"
    assert types["rubric_results.met"] == "boolean"
    identities = await fetch(
        url,
        "SELECT table_name FROM information_schema.columns "
        "WHERE table_schema = $1 AND is_identity = 'YES' ORDER BY 1",
        schema,
    )
    assert identities == [("loops",), ("peer_ratings",), ("sessions",)]
    before = await catalogue(url)
    store = await open_store(url)  # reopening an up-to-date database changes nothing
    await store.close()
    assert await catalogue(url) == before


async def test_upgrade_from_the_first_schema_keeps_rows_and_backfills(url: str) -> None:
    old = await PostgresStore.open(url, migrate_to=1)
    await old.close()
    assert await fetch(url, "SELECT max(version) FROM schema_version") == [(1,)]
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(
            "INSERT INTO users VALUES ('u1', 'Ada', $1, $1), ('u2', 'Bo', $1, $1)", T0
        )
        await conn.execute(
            "INSERT INTO sessions (id, user_id, place, scenario_id, scenario_digest, mode, "
            "state, status, started_at, updated_at, time_budget_s) VALUES "
            "(7, 'u1', 'dm:u1', 'auto-summarize', 'd1', 'solo', '{\"step\": 2}', 'open', $1, $1, "
            "900)",
            T0,
        )
        await conn.executemany(
            "INSERT INTO turns VALUES (7, $1, $2, $3, $4, $5)",
            [
                (1, "interviewer", None, "Tell me about the product.", T0),
                (2, "candidate", "u1", "It summarises threads.", T0 + 1),
            ],
        )
        await conn.executemany(  # the first schema allowed duplicate ratings
            "INSERT INTO peer_ratings (session_id, rater_id, criterion_id, rating, created_at) "
            "VALUES (7, 'u2', 'metrics', $1, $2)",
            [("missed", T0), ("met", T0 + 5)],
        )
    finally:
        await conn.close()
    store = await PostgresStore.open(url, clock=FakeClock(T0 + 10))
    try:
        session = await store.get_session(7)
        assert session is not None and session.state == {"step": 2}
        assert session.turn_count == 2  # backfilled from the turns
        turn = await store.record_turn(7, "interviewer", None, "And the metric?", {"step": 3})
        assert turn.seq == 3
        user = await store.get_user("u1")
        assert user is not None and user.dm_reminders is False
        assert [(r.rater_id, r.rating) for r in await store.peer_ratings(7)] == [("u2", "met")]
    finally:
        await store.close()
    assert await fetch(url, "SELECT max(version) FROM schema_version") == [(latest_version(),)]


async def test_a_newer_database_is_refused_and_untouched(url: str) -> None:
    store = await open_store(url)
    await store.start_session("u1", "console", "s", "d", {"x": 1})
    await store.close()
    newer = latest_version() + 1
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE future_thing (x integer)")
        await conn.execute(
            "INSERT INTO schema_version (version, name) VALUES ($1, 'future')", newer
        )
    finally:
        await conn.close()
    before = await catalogue(url), await fetch(url, "SELECT * FROM sessions")

    with pytest.raises(StoreVersionError) as info:
        await open_store(url)
    message = str(info.value)
    assert f"schema version {newer}" in message and "not modified" in message
    assert (await catalogue(url), await fetch(url, "SELECT * FROM sessions")) == before


async def test_processes_migrating_a_fresh_database_at_once_all_succeed(
    postgres_url: str,
) -> None:
    for _ in range(2):
        url = await pg_testdb.new_database("race")
        outcomes = open_at_once(url, processes=3)
        assert outcomes == ["OPENED"] * 3, outcomes
        versions = await fetch(url, "SELECT version FROM schema_version ORDER BY version")
        assert versions == [(m.version,) for m in load_migrations()]  # each step ran once


async def test_times_and_figures_come_back_exact_and_as_floats(url: str) -> None:
    clock = FakeClock(1_765_000_000.75)  # REAL (4 bytes) would give 1765000064.0
    store = await PostgresStore.open(url, clock=clock)
    try:
        session = await store.start_session("u1", "dm:u1", "s", "d", {}, guild_id="g")
        assert session.started_at == 1_765_000_000.75
        again = await store.get_session(session.id)
        assert again is not None and again.started_at == 1_765_000_000.75
        await store.set_user_setting("u1", "leaderboard_opt_in", True)
        results = {"criteria": {"a": {"met": True, "score": 0.7, "evidence": []}}, "overall": 0.7}
        await store.end_session(session.id, results=results)
        board = await store.leaderboard("g")  # `since` is a NULL the server must type
        assert type(board[0].average_score) is float and board[0].average_score == 0.7
        weakest = await store.weakest_criteria("u1")
        assert type(weakest[0].mean_score) is float and type(weakest[0].hits) is int
        rates = await store.criterion_hit_rates("u1", bucket_days=1)
        # the period is floored, as SQLite's CAST(x AS INTEGER) truncates positive times
        assert rates[0].period_start == (1_765_000_000.75 // 86_400) * 86_400
        assert type(rates[0].period_start) is float
    finally:
        await store.close()


async def test_url_options_and_errors(url: str) -> None:
    store = await open_store(url.replace("postgresql://", "postgres://", 1) + "&pool_size=2")
    try:
        assert isinstance(store, PostgresStore) and store._pool.get_max_size() == 2
        await store.upsert_user("u", "U")
    finally:
        await store.close()
    with pytest.raises(StoreError, match="pool_size must be an integer"):
        await open_store(url + "&pool_size=many")
    missing = pg_testdb.database_url(pg_testdb.admin_url(), "no_such_database_here")
    with pytest.raises(StoreError, match="cannot connect"):
        await open_store(missing)
