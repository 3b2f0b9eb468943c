"""The interview feature on Discord: commands, buttons, the answer form, embeds (see cog.py)."""

from __future__ import annotations

from typing import Any


async def setup(bot: Any) -> None:
    """Extension entry point (imported lazily: bot.exts.errors shares this package's wording)."""
    from bot.exts.interview.cog import setup as setup_cog

    await setup_cog(bot)
