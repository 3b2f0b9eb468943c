"""The interview feature on Discord: commands, buttons, the answer form, history and
forget-me (see cog.py for how its modules divide the work)."""

from __future__ import annotations

from typing import Any

from discord.ext import commands

from bot.exts.interview import _history, _privacy
from bot.exts.interview._buttons import SessionButton
from bot.exts.interview.cog import InterviewCog

DYNAMIC_ITEMS: tuple[type[Any], ...] = (
    SessionButton,
    *_history.DYNAMIC_ITEMS,
    *_privacy.DYNAMIC_ITEMS,
)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: the cogs and their restart-proof components."""
    await bot.add_cog(InterviewCog(bot))  # type: ignore[arg-type]
    await bot.add_cog(_history.HistoryCog(bot))  # type: ignore[arg-type]
    await bot.add_cog(_privacy.PrivacyCog(bot))  # type: ignore[arg-type]
    bot.add_dynamic_items(*DYNAMIC_ITEMS)


async def teardown(bot: commands.Bot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
