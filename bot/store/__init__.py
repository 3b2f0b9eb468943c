"""The durable session store: `await open_store(settings.database_url)`.

Callers program against the protocols of `bot.store.protocols` (`Store` and its
parts) with the records of `bot.store.records` and the errors of
`bot.store.errors`; every method is one atomic unit of work that returns only
after it has committed. `MemoryStore` is a complete in-memory backend (for tests
and quick use). `open_store` picks the backend from the URL scheme: SQLite
(`sqlite:///relative.db`, `sqlite:////absolute.db`, `sqlite:///:memory:`; query
options `synchronous=full|normal` and `busy_timeout_ms=N`) or PostgreSQL
(`postgresql://user:password@host:5432/dbname`, for several bot processes on one
database; query option `pool_size=N`, others go to asyncpg).
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, unquote, urlsplit

from bot.store.errors import (
    ConstraintViolation,
    CustomScenarioLimit,
    LoopExists,
    NotAPanelist,
    SessionClosed,
    SessionConflict,
    SessionNotFound,
    StaleSession,
    StoreClosedError,
    StoreError,
    StoreVersionError,
    TurnExists,
)
from bot.store.memory import MemoryStore
from bot.store.protocols import GroupStore, ScenarioStore, SessionStore, Store
from bot.store.records import (
    Clock,
    CriterionStat,
    CustomScenarioRecord,
    ExchangeRecord,
    LeaderboardRow,
    LoopRecord,
    LoopRound,
    NewTurn,
    Owns,
    Panelist,
    PeerRating,
    ScenarioCriterionStat,
    ScenarioVersion,
    ScorePoint,
    SessionLinks,
    SessionRecord,
    SweepResult,
    TurnRecord,
    UserRecord,
)
from bot.store.sqlite import SqliteStore

__all__ = [
    "ConstraintViolation",
    "CriterionStat",
    "CustomScenarioLimit",
    "CustomScenarioRecord",
    "ExchangeRecord",
    "GroupStore",
    "LeaderboardRow",
    "LoopExists",
    "LoopRecord",
    "LoopRound",
    "MemoryStore",
    "NewTurn",
    "NotAPanelist",
    "Owns",
    "Panelist",
    "PeerRating",
    "ScenarioCriterionStat",
    "ScenarioStore",
    "ScenarioVersion",
    "ScorePoint",
    "SessionClosed",
    "SessionConflict",
    "SessionLinks",
    "SessionNotFound",
    "SessionRecord",
    "SessionStore",
    "SqliteStore",
    "StaleSession",
    "Store",
    "StoreClosedError",
    "StoreError",
    "StoreVersionError",
    "SweepResult",
    "TurnExists",
    "TurnRecord",
    "UserRecord",
    "open_store",
    "sqlite_path",
]


def sqlite_path(url: str) -> str:
    """The file path in a `sqlite:///...` URL (`:memory:` passes through)."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        raise StoreError(f"not a sqlite URL: {url!r}")
    if parts.netloc:
        raise StoreError(
            f"DATABASE_URL {url!r}: use sqlite:///relative/path.db or sqlite:////absolute/path.db"
        )
    path = unquote(parts.path)
    if not path or path == "/":
        raise StoreError(f"DATABASE_URL {url!r} names no database file")
    # sqlite:///x.db -> "/x.db" -> "x.db" (relative); sqlite:////abs/x.db -> "//abs/x.db" -> "/abs"
    return path[1:]


async def open_store(url: str, *, retention_days: float = 180, clock: Clock = time.time) -> Store:
    """Open the store named by DATABASE_URL, creating and migrating it as needed."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "sqlite":
        options = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
        unknown = set(options) - {"synchronous", "busy_timeout_ms"}
        if unknown:
            raise StoreError(f"DATABASE_URL: unknown option(s) {sorted(unknown)}")
        try:
            busy = int(options.get("busy_timeout_ms", 5000))
        except ValueError:
            raise StoreError("DATABASE_URL: busy_timeout_ms must be an integer") from None
        return await SqliteStore.open(
            sqlite_path(url),
            retention_days=retention_days,
            clock=clock,
            synchronous=options.get("synchronous", "full"),
            busy_timeout_ms=busy,
        )
    if scheme in ("postgres", "postgresql"):
        from bot.store.postgres import PostgresStore

        return await PostgresStore.open(url, retention_days=retention_days, clock=clock)
    raise StoreError(
        f"DATABASE_URL: unknown scheme {scheme or '(none)'!r}; "
        "use sqlite:///file.db or postgresql://user@host/dbname"
    )
