"""Progress: `/interview progress` (cog.py) and the per-answer timers (pace.py)."""

from __future__ import annotations

from typing import Any


async def setup(bot: Any) -> None:
    """Extension entry point: one cog per feature."""
    from bot.exts.progress.cog import ProgressCog
    from bot.exts.progress.pace import PaceCog

    await bot.add_cog(ProgressCog(bot))
    await bot.add_cog(PaceCog(bot))
