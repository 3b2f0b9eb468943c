"""Store units of work for custom scenarios per server (issue 6)."""

from __future__ import annotations


class ScenarioStoreMixin:
    """Custom scenario storage; mixed into SqliteStore."""
