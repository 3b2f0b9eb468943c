"""Study groups: panel mode, Retry and compare, server settings, the leaderboard (see cog.py)."""

from __future__ import annotations

from discord.ext import commands

from bot.exts.groups._views import DYNAMIC_ITEMS
from bot.exts.groups.cog import GroupsCog


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: the cog and its restart-proof components."""
    await bot.add_cog(GroupsCog(bot))  # type: ignore[arg-type]
    bot.add_dynamic_items(*DYNAMIC_ITEMS)


async def teardown(bot: commands.Bot) -> None:
    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
