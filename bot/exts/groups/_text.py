"""Wording of study groups, progress, timers and loops: `templates/discord/groups.md.j2`."""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.render import environment


@cache
def _module() -> Any:
    return environment().get_template("discord/groups.md.j2").make_module()


def gsay(macro: str, /, **context: Any) -> str:
    """One macro of `discord/groups.md.j2`, trimmed."""
    return str(getattr(_module(), macro)(**context)).strip()


def mark(status: str | None) -> str:
    """A status with its symbol (met / partly / missed / split), or a dash."""
    return gsay("mark", status=status or "")
