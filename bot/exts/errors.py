"""One central error handler: every failed interaction gets a plain-language ephemeral reply.

`report(interaction, error)` is installed as the command tree's `on_error` and is also
called for every button and select (`bot.exts.shared.items`) and form. It answers
whether or not the interaction was already answered (followup vs first response), logs
unexpected errors with their traceback, and turns Discord's known error codes into
something the user can act on.
"""

from __future__ import annotations

import logging

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.interview import InterviewError
from bot.exts.shared.wording import interview_wording
from bot.store import SessionConflict, StoreClosedError

log = logging.getLogger("bot.errors")

DMS_CLOSED = 50007
MISSING_PERMISSIONS = 50013
MISSING_ACCESS = 50001
UNKNOWN_INTERACTION = 10062
THREAD_ARCHIVED = 50083
THREAD_LOCKED = 160005
TOO_MANY_THREADS = 160006

KNOWN_CODES: dict[int, str] = {
    DMS_CLOSED: "error_dms_closed",
    MISSING_PERMISSIONS: "error_missing_permissions",
    MISSING_ACCESS: "error_missing_permissions",
    THREAD_ARCHIVED: "error_thread_locked",
    THREAD_LOCKED: "error_thread_locked",
    TOO_MANY_THREADS: "error_too_many_threads",
    UNKNOWN_INTERACTION: "error_interaction_expired",
}


def unwrap(error: BaseException) -> BaseException:
    """The underlying error of app-command and extension wrappers."""
    wrappers = (
        app_commands.CommandInvokeError,
        app_commands.TransformerError,
        commands.CommandInvokeError,
    )
    while isinstance(error, wrappers):
        inner = getattr(error, "original", None) or error.__cause__
        if inner is None or inner is error:
            break
        error = inner
    return error


def describe(error: BaseException) -> tuple[str, bool]:
    """(plain-language message, expected?) for an error; unexpected ones get a traceback."""
    error = unwrap(error)
    if isinstance(error, InterviewError):
        return str(error), True
    if isinstance(error, SessionConflict):
        return interview_wording(
            "already_open", where=interview_wording("where_channel", channel="here")
        ), True
    if isinstance(error, discord.HTTPException) and error.code in KNOWN_CODES:
        return interview_wording(KNOWN_CODES[error.code]), True
    if isinstance(error, app_commands.NoPrivateMessage | app_commands.CommandNotFound):
        return interview_wording("error_not_here"), True
    if isinstance(error, app_commands.CommandOnCooldown):
        return interview_wording("error_cooldown", seconds=round(error.retry_after, 1)), True
    if isinstance(error, app_commands.BotMissingPermissions | app_commands.MissingPermissions):
        return interview_wording("error_missing_permissions"), True
    if isinstance(error, StoreClosedError):
        return interview_wording("error_generic"), True
    return interview_wording("error_generic"), False


async def report(interaction: discord.Interaction, error: BaseException) -> None:
    """Log the error and tell the user, ephemerally, whatever state the interaction is in."""
    text, expected = describe(error)
    where = _where(interaction)
    if expected:
        log.info("%s: %s", where, unwrap(error))
    else:
        log.error("%s failed", where, exc_info=unwrap(error))
    inner = unwrap(error)
    if isinstance(inner, discord.NotFound) and inner.code == UNKNOWN_INTERACTION:
        return  # the interaction is gone: there is nobody to answer
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as exc:
        log.warning("%s: could not send the error message either: %s", where, exc)


async def on_app_command_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    """The command tree's error handler."""
    await report(interaction, error)


def _where(interaction: discord.Interaction) -> str:
    command = interaction.command.qualified_name if interaction.command else None
    data = interaction.data or {}
    label = command or data.get("custom_id") or interaction.type.name
    return f"interaction {interaction.id} ({label}) by user {interaction.user.id}"


async def setup(bot: commands.Bot) -> None:
    bot.tree.on_error = on_app_command_error  # type: ignore[method-assign]


async def teardown(bot: commands.Bot) -> None:
    bot.tree.on_error = app_commands.CommandTree.on_error.__get__(bot.tree)  # type: ignore[method-assign]
