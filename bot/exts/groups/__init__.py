"""Study groups: panel mode, Retry and compare, server settings, the leaderboard (see cog.py)."""

from __future__ import annotations

from typing import Any


async def setup(bot: Any) -> None:
    """Extension entry point: the cog and its restart-proof components."""
    from bot.exts.groups._views import DYNAMIC_ITEMS
    from bot.exts.groups.cog import GroupsCog

    await bot.add_cog(GroupsCog(bot))
    bot.add_dynamic_items(*DYNAMIC_ITEMS)


async def teardown(bot: Any) -> None:
    from bot.exts.groups._views import DYNAMIC_ITEMS

    bot.remove_dynamic_items(*DYNAMIC_ITEMS)
