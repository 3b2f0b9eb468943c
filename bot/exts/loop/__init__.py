"""The five-round interview loop: `/loop start|status|stop` and its DM reminders (see cog.py)."""

from __future__ import annotations

from typing import Any


async def setup(bot: Any) -> None:
    """Extension entry point."""
    from bot.exts.loop.cog import LoopCog

    await bot.add_cog(LoopCog(bot))
