"""The SQLite backend of the store: `SqliteStore`, its write queue, schema and migrations."""

from __future__ import annotations

from bot.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
