"""Embeds and message parts kept inside Discord's limits, for every extension.

Limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
content 2,000 characters; an embed's title 256, description 4,096, 25 fields, field name
256 and value 1,024, footer 2,048, author 256; all embeds of one message 6,000 in all and
at most 10 of them. Anything longer is split across embeds and messages, or cut with a
visible marker, never rejected by Discord.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field

import discord

from bot.exts.shared.wording import summary_wording

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELDS_PER_EMBED = 25
FOOTER_LIMIT = 2048
AUTHOR_LIMIT = 256
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
CHOICE_NAME_LIMIT = 100  # a select option's label, an autocomplete choice, a thread name

COLOURS: dict[str, int] = {
    "opening": 0x5865F2,
    "pushback": 0xE67E22,
    "probe": 0x3498DB,
    "next_step": 0x2ECC71,
    "hint": 0x95A5A6,
    "coach": 0x95A5A6,
    "study": 0x9B59B6,
    "end": 0xF1C40F,
    "summary": 0xF1C40F,
    "echo": 0x4F545C,
    "info": 0x5865F2,
}


def truncate(text: str, limit: int, marker: str = "…") -> str:
    """`text` cut to `limit` characters, ending in a visible marker when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))].rstrip() + marker


def cut_marker() -> str:
    """What ends a description or field value that had to be cut."""
    return "\n" + summary_wording("truncated")


def split_text(text: str, limit: int = CONTENT_LIMIT) -> list[str]:
    """Split text into chunks of at most `limit`, at paragraph, line or word breaks."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit))
        if cut < limit // 2:
            cut = rest.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def embed_size(embed: discord.Embed) -> int:
    """The characters Discord counts toward the 6,000 total."""
    return len(embed)


def embeds_by_message(embeds: Iterable[discord.Embed]) -> list[list[discord.Embed]]:
    """The embeds grouped into messages: at most 10 and 6,000 characters a message."""
    messages: list[list[discord.Embed]] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        n = embed_size(embed)
        if current and (len(current) >= EMBEDS_PER_MESSAGE or size + n > EMBED_TOTAL_LIMIT):
            messages.append(current)
            current, size = [], 0
        current.append(embed)
        size += n
    if current:
        messages.append(current)
    return messages


@dataclass
class EmbedBuilder:
    """Adds fields to embeds, opening a continuation embed before any limit is hit."""

    title: str
    colour: int
    description: str = ""
    footer: str = ""
    embeds: list[discord.Embed] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._new(self.title, truncate(self.description, DESCRIPTION_LIMIT, cut_marker()))

    def _new(self, title: str, description: str | None = None) -> None:
        embed = discord.Embed(
            title=truncate(title, TITLE_LIMIT), description=description or None, colour=self.colour
        )
        self.embeds.append(embed)

    def add_field(self, name: str, value: str) -> None:
        name = truncate(name, FIELD_NAME_LIMIT) or "\u200b"
        value = truncate(value, FIELD_VALUE_LIMIT, cut_marker()) or "\u200b"
        current = self.embeds[-1]
        # leave room for the footer on whichever embed ends up last
        room = EMBED_TOTAL_LIMIT - len(self.footer) - embed_size(current)
        if len(current.fields) >= FIELDS_PER_EMBED or len(name) + len(value) > room:
            self._new(summary_wording("continued", self.title))
        self.embeds[-1].add_field(name=name, value=value, inline=False)

    def build(self) -> list[discord.Embed]:
        if self.footer:
            self.embeds[-1].set_footer(text=truncate(self.footer, FOOTER_LIMIT))
        return self.embeds


def info_embed(title: str, lines: Iterable[str], footer: str = "") -> discord.Embed:
    """A list (rounds, history) as one embed; cut visibly if it would not fit."""
    embed = discord.Embed(
        title=truncate(title, TITLE_LIMIT),
        description=truncate("\n".join(lines), DESCRIPTION_LIMIT, cut_marker()) or None,
        colour=COLOURS["info"],
    )
    if footer:
        embed.set_footer(text=truncate(footer, FOOTER_LIMIT))
    return embed


def text_file(text: str, filename: str) -> discord.File:
    """A UTF-8 text attachment."""
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=filename)
