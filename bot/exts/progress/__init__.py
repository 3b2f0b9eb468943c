"""Progress: `/interview progress` (cog.py) and the per-answer timers (pace.py)."""

from __future__ import annotations

from discord.ext import commands

from bot.exts.progress.cog import ProgressCog
from bot.exts.progress.pace import PaceCog


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: one cog per feature."""
    await bot.add_cog(ProgressCog(bot))  # type: ignore[arg-type]
    await bot.add_cog(PaceCog(bot))  # type: ignore[arg-type]
