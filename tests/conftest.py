"""Shared fixtures: the bundled scenarios and the labelled data sets."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pg_ci import pytest_configure, pytest_runtest_makereport

from bot import PROJECT_ROOT
from bot.core.scenarios import Catalogue, load_directory

__all__ = ["pytest_configure", "pytest_runtest_makereport"]  # hooks, taken in by pytest

# No test may touch the real user data directory (the default database lives there).
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="interview-bot-test-data-")

DATA = Path(__file__).parent / "data"
SCENARIOS = PROJECT_ROOT / "scenarios"


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_directory(SCENARIOS)


@pytest.fixture(scope="session")
def auto_summarize(catalogue: Catalogue):
    return catalogue.get("auto-summarize")


# -- PostgreSQL -------------------------------------------------------------------------
# Tests marked `postgresql` run against a real server: the one TEST_DATABASE_URL or
# PG_TEST_URL names (`.ci/run` starts one and sets it), else a throwaway cluster this
# session starts itself (tests/postgres_cluster.py). Without either they skip; under
# CI=true such a skip fails the run instead (the hooks of pg_ci.py).


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database, for `pg_testdb.new_database`."""
    import pg_testdb
    import postgres_cluster

    given = pg_testdb.given_url()
    cluster = None
    if given is None:
        try:
            cluster = postgres_cluster.start_cluster()
        except (postgres_cluster.ClusterError, OSError) as exc:
            pytest.skip(f"PostgreSQL: no TEST_DATABASE_URL and no server to start ({exc})")
        given = cluster.url
    pg_testdb.ADMIN_URL = given
    try:
        yield given
    finally:
        pg_testdb.ADMIN_URL = None
        try:
            if cluster is None:
                pg_testdb.run_sync(pg_testdb.drop_run_databases(given))
        finally:
            if cluster is not None:
                cluster.stop()
