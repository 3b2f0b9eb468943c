"""A store's tables as plain data, for copying between backends (`bot.store.transfer`).

No driver here: each backend describes its own tables with these (`sqlite/tables.py`,
`postgres/tables.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """One table of a store: its columns (in a fixed order) and the tables it refers to."""

    name: str
    columns: tuple[str, ...]
    refers_to: frozenset[str] = frozenset()
