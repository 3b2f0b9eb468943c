"""Store units of work for study groups, progress and loops (issue 5)."""

from __future__ import annotations


class GroupStoreMixin:
    """Panel, retry lineage, loop schedules; mixed into SqliteStore."""
