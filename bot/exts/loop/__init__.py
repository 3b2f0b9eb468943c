"""The five-round interview loop: `/loop start|status|stop` and its DM reminders (see cog.py)."""

from __future__ import annotations

from discord.ext import commands

from bot.exts.loop.cog import LoopCog


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(LoopCog(bot))  # type: ignore[arg-type]
