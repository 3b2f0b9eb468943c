"""The Discord wording: macros of `templates/discord/*.j2`, rendered on demand."""

from __future__ import annotations

from functools import cache
from typing import Any

import discord

from bot.render import environment


@cache
def _module(name: str) -> Any:
    """A template's macros (cached: templates do not change while the bot runs)."""
    return environment().get_template(name).make_module()


def say(macro: str, /, **context: Any) -> str:
    """One macro of `discord/messages.md.j2`, trimmed."""
    return str(getattr(_module("discord/messages.md.j2"), macro)(**context)).strip()


def summary_part(macro: str, /, *args: Any) -> str:
    """One macro of `discord/summary.md.j2`, trimmed."""
    return str(getattr(_module("discord/summary.md.j2"), macro)(*args)).strip()


def esc(text: str) -> str:
    """User text made inert for Discord: no Markdown, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def user_mention(user_id: str | int | None) -> str:
    """A mention (shown as a name, never a ping: the client allows no mentions)."""
    return f"<@{user_id}>" if user_id else "someone"
