"""JSON text with orjson: the store's columns and the interview state.

orjson (a compiled library) writes dataclasses and tuples directly and reads and
writes several times faster than the standard `json`, which matters because every
answer writes the whole interview state. Its output is compact UTF-8 (what
`json.dumps(..., ensure_ascii=False, separators=(",", ":"))` gives); keys that are
not strings are written as strings, as `json` does. discord.py uses orjson too
when it is installed, for everything it reads from and sends to Discord.
"""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS
loads = orjson.loads


def dumps(value: Any) -> str:
    """`value` (plain data, dataclasses, tuples) as compact JSON text.

    A dataclass's fields come in the order they are declared, a dict's keys in
    insertion order: the same value always gives the same text.
    """
    return orjson.dumps(value, option=_OPTIONS).decode()


def plain(value: Any) -> Any:
    """`value` as the plain data JSON gives back (dataclasses to dicts, tuples to lists)."""
    return orjson.loads(orjson.dumps(value, option=_OPTIONS))
