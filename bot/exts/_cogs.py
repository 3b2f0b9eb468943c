"""Helpers the extensions' persistent views share."""

from __future__ import annotations

from typing import Any

import discord


def cog_of(interaction: discord.Interaction, name: str) -> Any:
    """The loaded cog a persistent view hands its click to (by cog name)."""
    cog = interaction.client.get_cog(name)  # type: ignore[attr-defined]
    if cog is None:
        raise RuntimeError(f"the {name!r} cog is not loaded")
    return cog
