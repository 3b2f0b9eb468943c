"""Where a session lives on Discord."""

from __future__ import annotations

from typing import Protocol

import discord

from bot.store import SessionRecord


class ChannelSource(Protocol):
    def get_channel(self, id: int, /) -> object: ...

    def get_partial_messageable(
        self, id: int, *, guild_id: int | None = None, type: discord.ChannelType | None = None
    ) -> discord.PartialMessageable: ...


def session_channel(client: ChannelSource, session: SessionRecord) -> discord.abc.Messageable:
    """The session's thread, channel or DM (from the cache, else a partial one to send to)."""
    channel_id = int(session.channel_id or 0)
    channel = client.get_channel(channel_id)
    if isinstance(channel, discord.abc.Messageable):
        return channel
    return client.get_partial_messageable(channel_id)


def place_of(user_id: int, guild_id: int | None) -> str:
    """Where a user's open session lives: one per server and one in DMs."""
    return f"guild:{guild_id}" if guild_id is not None else f"dm:{user_id}"
