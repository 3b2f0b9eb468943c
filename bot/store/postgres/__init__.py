"""The PostgreSQL backend of the store: `PostgresStore`, its units of work, schema and
migrations (the same numbers as SQLite's). Selected by `DATABASE_URL=postgresql://…`."""

from __future__ import annotations

from bot.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
