"""Custom interview rounds per server and the owner's hot reload on Discord (see cog.py)."""

from __future__ import annotations

from bot.exts.scenarios_admin.cog import setup

__all__ = ["setup"]
