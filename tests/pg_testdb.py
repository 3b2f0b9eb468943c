"""Fresh PostgreSQL stores for the tests, on the server the `postgres_url` fixture gives.

Each test that needs PostgreSQL gets an empty place of its own: a schema
(`new_store_url`: the URL's `search_path` option, which the store hands to the
server, puts every table there; ten times quicker to make than a database) or, for
the tests about a whole database, a database (`new_database`). Both are named with
this run's prefix, so the session fixture drops them all at the end. `all_values`
reads every row of every table from outside the store (as `store_helpers.all_values`
does for SQLite), without touching the running event loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

#: the URL of the server's maintenance database, set by the `postgres_url` fixture
ADMIN_URL: str | None = None
RUN_PREFIX = f"ibtest_{os.getpid()}_{uuid.uuid4().hex[:6]}"
URL_VARIABLES = ("TEST_DATABASE_URL", "PG_TEST_URL")


def given_url() -> str | None:
    """A server named in the environment (`TEST_DATABASE_URL` or `PG_TEST_URL`), if any."""
    for name in URL_VARIABLES:
        value = os.environ.get(name, "").strip()
        if value:
            return value
    return None


def admin_url() -> str:
    if ADMIN_URL is None:
        raise RuntimeError("no PostgreSQL server: request the postgres_url fixture first")
    return ADMIN_URL


def database_url(base: str, name: str) -> str:
    """`base` with its database name replaced by `name`."""
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def schema_of(url: str) -> str:
    """The schema a store URL puts its tables in (its search_path, else public)."""
    return dict(parse_qsl(urlsplit(url).query)).get("search_path", "public")


def _name(label: str) -> str:
    return f"{RUN_PREFIX}_{label}_{uuid.uuid4().hex[:10]}"[:63]


async def new_store_url(label: str = "store") -> str:
    """Create an empty schema on the server; return a store URL whose tables go there."""
    name = _name(label)
    conn = await asyncpg.connect(admin_url())
    try:
        await conn.execute(f'CREATE SCHEMA "{name}"')
    finally:
        await conn.close()
    parts = urlsplit(admin_url())
    query = [*parse_qsl(parts.query), ("search_path", name)]
    return urlunsplit(parts._replace(query=urlencode(query)))


async def new_database(label: str = "db") -> str:
    """Create an empty database; return its URL."""
    name = _name(label)
    conn = await asyncpg.connect(admin_url())
    try:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    finally:
        await conn.close()
    return database_url(admin_url(), name)


async def drop_run_databases(base: str) -> None:
    """Drop every schema and database this test run created (ending their connections)."""
    conn = await asyncpg.connect(base)
    try:
        schemas = await conn.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE $1", RUN_PREFIX + "%"
        )
        for (name,) in schemas:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        names = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", RUN_PREFIX + "%"
        )
        for (name,) in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def run_sync(coro: Any) -> Any:
    """Run a coroutine to the end on a loop of its own (from sync code inside a test)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def table_rows(url: str) -> list[tuple[str, tuple[Any, ...]]]:
    """Every row of every table of the store at `url`, as (table, row)."""
    conn = await asyncpg.connect(url)
    try:
        tables = [
            r[0]
            for r in await conn.fetch(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1",
                schema_of(url),
            )
        ]
        found = []
        for table in tables:
            for row in await conn.fetch(f'SELECT * FROM "{table}"'):
                found.append((table, tuple(row.values())))
        return found
    finally:
        await conn.close()


def all_values(url: str) -> list[tuple[str, tuple[Any, ...]]]:
    """`table_rows`, callable from sync code while an event loop runs."""
    return run_sync(table_rows(url))
