"""The SQLite backend's single writer: queued units of work, group commit.

aiosqlite runs every statement on one worker thread, so coroutines sharing the
connection share its transaction: an `await` between two statements lets
another task's statements join. Here no coroutine touches the connection
itself: each unit of work is queued to a single writer task that runs the
queued units one after another, under an asyncio.Lock, inside one
`BEGIN IMMEDIATE … COMMIT`, and only then resolves their callers. A unit that
raises rolls the batch back; the others are replayed without it. So each unit
is atomic and isolated, no caller hears "done" before COMMIT, and a commit
(and its fsync) is shared by every unit that was waiting. A caller cancelled
mid-write does not cut its unit in half; `drain()` waits for the queue to empty.

Driver errors never leave this module: `sqlite3.IntegrityError` becomes
ConstraintViolation and any other `sqlite3.Error` a StoreError.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiosqlite

from bot.store.errors import ConstraintViolation, StoreClosedError, StoreError

T = TypeVar("T")
Work = Callable[[aiosqlite.Connection], Awaitable[T]]

MAX_BATCH = 256  # units per group-commit transaction


def store_error(exc: BaseException, where: str) -> BaseException:
    """The store's own exception for a driver error (others pass through)."""
    if isinstance(exc, StoreError) or not isinstance(exc, sqlite3.Error):
        return exc
    if isinstance(exc, sqlite3.IntegrityError):
        mapped: StoreError = ConstraintViolation(f"{where}: {exc}")
    else:
        mapped = StoreError(f"{where}: {exc}")
    mapped.__cause__ = exc
    return mapped


def _settle(
    future: asyncio.Future[Any], *, result: Any = None, exc: BaseException | None = None
) -> None:
    """Resolve a unit's future unless its waiter is gone."""
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


def _raise_if_cancelled(exc: BaseException) -> None:
    """Let cancellation of the writer propagate after the batch is settled."""
    if isinstance(exc, asyncio.CancelledError):
        raise exc


class WriteQueue:
    """Runs units of work on one connection, one writer task, group commit."""

    def __init__(self, conn: aiosqlite.Connection, where: str) -> None:
        self._conn = conn
        self.where = where
        self.lock = asyncio.Lock()  # held while a batch runs; close() takes it last
        self._pending: deque[tuple[Work[Any], asyncio.Future[Any]]] = deque()
        self._writer: asyncio.Task[None] | None = None
        self.closing = False

    async def run(self, work: Work[T]) -> T:
        """Run `work` atomically; return (or raise) only after its transaction has ended.

        The unit joins the queue of the single writer task, which runs queued
        units back to back inside one `BEGIN IMMEDIATE … COMMIT` (group commit).
        A unit that raises makes the writer roll back and replay the others, so
        no failed unit leaves a trace and none sees another's failure. Cancelling
        the caller does not cancel the unit. Reads take the same path, so they
        only ever see committed data.
        """
        if self.closing:
            raise StoreClosedError(f"the store on {self.where} is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((work, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain(), name="store-writer")
        return await asyncio.shield(future)

    async def drain(self) -> None:
        """Refuse new units and wait until every queued one has ended."""
        self.closing = True
        while self._writer is not None:
            await asyncio.shield(self._writer)

    async def _drain(self) -> None:
        """The writer: run queued units in batches until the queue is empty."""
        try:
            while self._pending:
                count = min(MAX_BATCH, len(self._pending))
                batch = [self._pending.popleft() for _ in range(count)]
                async with self.lock:
                    await self._run_batch(batch)
        finally:
            self._writer = None
            while self._pending:  # only if the writer was cancelled: never strand a caller
                _, future = self._pending.popleft()
                _settle(future, exc=StoreClosedError("the store's writer was cancelled"))

    async def _rollback(self) -> None:
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self._conn.execute("ROLLBACK")

    async def _run_batch(self, batch: list[tuple[Work[Any], asyncio.Future[Any]]]) -> None:
        """One transaction for the whole batch; settle each future after COMMIT."""
        if not batch:
            return
        conn = self._conn
        try:
            await conn.execute("BEGIN IMMEDIATE")
        except BaseException as exc:
            for _, future in batch:
                _settle(future, exc=store_error(exc, self.where))
            _raise_if_cancelled(exc)
            return
        results: list[Any] = []
        for index, (work, future) in enumerate(batch):
            try:
                results.append(await work(conn))
            except BaseException as exc:
                await self._rollback()
                if isinstance(exc, asyncio.CancelledError):
                    for _, f in batch:
                        _settle(f, exc=StoreClosedError("the store's writer was cancelled"))
                    raise
                # the units before this one saw the same data: replay them; this
                # one failed on exactly the state they leave, so its error stands
                await self._run_batch(batch[:index])
                _settle(future, exc=store_error(exc, self.where))
                await self._run_batch(batch[index + 1 :])
                return
        try:
            await conn.execute("COMMIT")
        except BaseException as exc:
            await self._rollback()
            for _, future in batch:
                _settle(future, exc=store_error(exc, self.where))
            _raise_if_cancelled(exc)
            return
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)
