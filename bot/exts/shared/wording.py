"""The Discord wording: macros of `templates/discord/*.j2`, rendered on demand."""

from __future__ import annotations

from typing import Any

import discord

from bot.render import template_module


class Wording:
    """The macros of one template file, each called by name and trimmed."""

    def __init__(self, template: str) -> None:
        self.template = template

    def __call__(self, macro: str, /, *args: Any, **context: Any) -> str:
        return str(getattr(template_module(self.template), macro)(*args, **context)).strip()


#: Interviews, their buttons and forms, errors (`discord/messages.md.j2`).
interview_wording = Wording("discord/messages.md.j2")
#: The rubric summary embed (`discord/summary.md.j2`; its macros take positional arguments).
summary_wording = Wording("discord/summary.md.j2")
#: Study groups, progress, answer timers and loops (`discord/groups.md.j2`).
groups_wording = Wording("discord/groups.md.j2")
#: Custom rounds: `/scenario` (`discord/scenarios_admin.md.j2`).
scenario_admin_wording = Wording("discord/scenarios_admin.md.j2")


def escape_user_text(text: str) -> str:
    """User text made inert for Discord: no Markdown, no mentions."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def user_mention(user_id: str | int | None) -> str:
    """A mention (shown as a name, never a ping: the client allows no mentions)."""
    return f"<@{user_id}>" if user_id else interview_wording("someone")


def status_mark(status: str | None) -> str:
    """A criterion's status with its symbol (met / partly / missed / split), or a dash."""
    return groups_wording("mark", status=status or "")
