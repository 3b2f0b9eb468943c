"""The `/interview` command group, which several extensions add subcommands to.

A cog marks its subcommands with `@interview_subcommand(name, description)` (other
`app_commands` decorators such as `describe`, `choices` and `autocomplete` work as
usual underneath), builds them with `subcommands_of(self)` and adds them in
`cog_load` (`add_interview_subcommands`), removing them in `cog_unload`. The group
is made by whichever extension loads first and goes with its last subcommand, so
the extensions may load (and unload) in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from discord import app_commands

from bot.exts.shared.wording import interview_wording

INTERVIEW_GROUP = "interview"

Subcommand = app_commands.Command[Any, Any, Any]
F = TypeVar("F", bound=Callable[..., Any])
_MARK = "__interview_subcommand__"


def interview_subcommand(name: str, description: str) -> Callable[[F], F]:
    """Mark a cog method as the subcommand `/interview <name>`."""

    def mark(callback: F) -> F:
        setattr(callback, _MARK, (name, description))
        return callback

    return mark


def subcommands_of(cog: object) -> list[Subcommand]:
    """The cog's marked methods as commands bound to the cog, in the order defined."""
    commands: list[Subcommand] = []
    for attr, value in vars(type(cog)).items():
        marked = getattr(value, _MARK, None)
        if marked is not None:
            name, description = marked
            commands.append(
                app_commands.Command(
                    name=name, description=description, callback=getattr(cog, attr)
                )
            )
    return commands


def interview_group(tree: app_commands.CommandTree[Any]) -> app_commands.Group:
    """The tree's `/interview` group, made and added to the tree if it is not there yet."""
    group = tree.get_command(INTERVIEW_GROUP)
    if isinstance(group, app_commands.Group):
        return group
    group = app_commands.Group(name=INTERVIEW_GROUP, description=interview_wording("cmd_group"))
    tree.add_command(group)
    return group


def add_interview_subcommands(
    tree: app_commands.CommandTree[Any], commands: Iterable[Subcommand]
) -> None:
    """Put an extension's subcommands under `/interview` (in its cog's `cog_load`)."""
    group = interview_group(tree)
    for command in commands:
        group.add_command(command, override=True)


def remove_interview_subcommands(
    tree: app_commands.CommandTree[Any], commands: Iterable[Subcommand]
) -> None:
    """Take them out again (in `cog_unload`); the group goes with its last subcommand."""
    group = tree.get_command(INTERVIEW_GROUP)
    if not isinstance(group, app_commands.Group):
        return
    for command in commands:
        if group.get_command(command.name) is command:
            group.remove_command(command.name)
    if not group.commands:
        tree.remove_command(INTERVIEW_GROUP)
