"""The PostgreSQL backend's units of work: one transaction each, retried when PostgreSQL
says another transaction got in the way.

A write unit runs SERIALIZABLE: PostgreSQL aborts it with SQLSTATE 40001
(serialization failure) or 40P01 (deadlock) when it raced another, and the unit is
run again from the start on a fresh transaction, after a short random pause that
grows with each try. The same goes for a unique violation of an index that guards
"one open session per user and place" or "one active loop per user": the retry
reads what the winner wrote and raises the store's own error (SessionConflict,
LoopExists). Queue-like claims run READ COMMITTED with `FOR UPDATE SKIP LOCKED`
(see the claims), reads REPEATABLE READ READ ONLY (one snapshot, never aborted).

Each unit runs in a task of its own that the caller awaits through a shield, so a
cancelled caller never cuts a unit in half; `close()` waits for the units in
flight. A read first waits for the writes this store started before it (those of
cancelled callers included), so what a process wrote is what it reads next, as
with SQLite's single queue; writes do not wait for each other. Driver errors never
leave this module: an integrity error becomes ConstraintViolation, anything else
from asyncpg (or a lost connection) StoreError.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

import asyncpg

from bot.store.errors import ConstraintViolation, StoreClosedError, StoreError

T = TypeVar("T")
Work = Callable[[asyncpg.Connection], Awaitable[T]]
#: "statement": no BEGIN/COMMIT around the work, for a unit that is one SQL statement
#: (atomic on its own, at READ COMMITTED): two round trips fewer
Isolation = Literal["serializable", "repeatable_read", "read_committed", "statement"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 60  # tries of one unit before its conflict is reported as a StoreError
FIRST_PAUSE_S = 0.002
MAX_PAUSE_S = 0.1
RETRY_STATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock detected
#: unique indexes that guard a rule a unit checks first: a violation means a concurrent
#: unit won the race, and the retry sees its row (and raises the store's own error)
GUARD_INDEXES = frozenset({"sessions_one_open", "loops_one_active"})


def retryable(exc: BaseException) -> bool:
    """True for the errors that mean "another transaction got in the way": try again."""
    if not isinstance(exc, asyncpg.PostgresError):
        return False
    if exc.sqlstate in RETRY_STATES:
        return True
    return (
        isinstance(exc, asyncpg.UniqueViolationError)
        and getattr(exc, "constraint_name", None) in GUARD_INDEXES
    )


def store_error(exc: BaseException, where: str) -> BaseException:
    """The store's own exception for a driver error (others pass through)."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        mapped: StoreError = ConstraintViolation(f"{where}: {exc}")
    elif isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError | OSError):
        mapped = StoreError(f"{where}: {type(exc).__name__}: {exc}")
    elif isinstance(exc, asyncio.TimeoutError):
        mapped = StoreError(f"{where}: timed out waiting for the database")
    else:
        return exc
    mapped.__cause__ = exc
    return mapped


async def keep_session_state(conn: asyncpg.Connection) -> None:
    """The pool's reset of a connection given back: nothing beyond asyncpg's own rollback
    of an open transaction. The store leaves no session state behind (no SET, LISTEN,
    cursors or session-level advisory locks: its locks are transaction-scoped), so
    asyncpg's default reset query would cost every unit one more round trip for nothing.
    """


def rowcount(status: str) -> int:
    """The row count in a command tag such as 'UPDATE 3' or 'INSERT 0 1'."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


class Units:
    """Runs units of work on a connection pool, each in its own retried transaction."""

    def __init__(self, pool: asyncpg.Pool, where: str) -> None:
        self._pool = pool
        self.where = where
        self._inflight: set[asyncio.Task[Any]] = set()
        self._writes: set[asyncio.Task[Any]] = set()
        self.closing = False
        self.retries = 0  # conflicts retried, for benchmarks and tests

    async def run(self, work: Work[T], *, isolation: Isolation = "serializable") -> T:
        """Run `work` in one transaction (retried on conflicts); return after COMMIT."""
        return await self._spawn(work, isolation, readonly=False)

    async def read(self, work: Work[T]) -> T:
        """Run `work` in one read-only snapshot (REPEATABLE READ READ ONLY), after the
        writes already in flight have ended."""
        return await self._spawn(work, "repeatable_read", readonly=True)

    async def _spawn(self, work: Work[T], isolation: Isolation, *, readonly: bool) -> T:
        if self.closing:
            raise StoreClosedError(f"the store on {self.where} is closed")
        earlier = list(self._writes) if readonly else []
        task = asyncio.create_task(self._attempts(work, isolation, readonly, earlier))
        self._inflight.add(task)
        if not readonly:
            self._writes.add(task)
        task.add_done_callback(self._done)
        return await asyncio.shield(task)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._inflight.discard(task)
        self._writes.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: a caller that was cancelled never will

    async def _attempts(
        self,
        work: Work[T],
        isolation: Isolation,
        readonly: bool,
        earlier: list[asyncio.Task[Any]],
    ) -> T:
        if earlier:
            await asyncio.wait(earlier)
        pause = FIRST_PAUSE_S
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                if isolation == "statement":
                    async with self._pool.acquire() as conn:
                        return await work(conn)
                async with (
                    self._pool.acquire() as conn,
                    conn.transaction(isolation=isolation, readonly=readonly),
                ):
                    return await work(conn)
            except BaseException as exc:
                if attempt < MAX_ATTEMPTS and retryable(exc):
                    self.retries += 1
                    await asyncio.sleep(random.uniform(0, pause))
                    pause = min(pause * 2, MAX_PAUSE_S)
                    continue
                if retryable(exc):
                    raise StoreError(
                        f"{self.where}: gave up after {attempt} conflicting tries: {exc}"
                    ) from exc
                mapped = store_error(exc, self.where)
                if mapped is exc:
                    raise
                raise mapped from exc
        raise AssertionError("unreachable")  # pragma: no cover

    async def drain(self) -> None:
        """Refuse new units and wait until every unit in flight has ended."""
        self.closing = True
        while self._inflight:
            with contextlib.suppress(BaseException):
                await asyncio.gather(*list(self._inflight), return_exceptions=True)
