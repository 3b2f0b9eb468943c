"""Custom interview rounds per server and the owner's hot reload on Discord (see cog.py)."""

from __future__ import annotations

from typing import Any


async def setup(bot: Any) -> None:
    """Extension entry point."""
    from bot.exts.scenarios_admin.cog import setup as setup_cog

    await setup_cog(bot)
