"""Embeds and message parts built from rendered templates, kept inside Discord's limits.

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

from bot.core.interview import Move
from bot.core.scenarios import Scenario
from bot.core.summary import Summary
from bot.exts.interview._text import esc, say, summary_part
from bot.render import render

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


def clip(text: str, limit: int, marker: str = "…") -> str:
    """`text` cut to `limit` characters, ending in a visible marker when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))].rstrip() + marker


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


def pack(embeds: Iterable[discord.Embed]) -> list[list[discord.Embed]]:
    """Group embeds into messages: at most 10 and 6,000 characters a message."""
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
        self._new(self.title, clip(self.description, DESCRIPTION_LIMIT, _cut()))

    def _new(self, title: str, description: str | None = None) -> None:
        embed = discord.Embed(
            title=clip(title, TITLE_LIMIT), description=description or None, colour=self.colour
        )
        self.embeds.append(embed)

    def add_field(self, name: str, value: str) -> None:
        name = clip(name, FIELD_NAME_LIMIT) or "\u200b"
        value = clip(value, FIELD_VALUE_LIMIT, _cut()) or "\u200b"
        current = self.embeds[-1]
        # leave room for the footer on whichever embed ends up last
        room = EMBED_TOTAL_LIMIT - len(self.footer) - embed_size(current)
        if len(current.fields) >= FIELDS_PER_EMBED or len(name) + len(value) > room:
            self._new(summary_part("continued", self.title))
        self.embeds[-1].add_field(name=name, value=value, inline=False)

    def build(self) -> list[discord.Embed]:
        if self.footer:
            self.embeds[-1].set_footer(text=clip(self.footer, FOOTER_LIMIT))
        return self.embeds


def _cut() -> str:
    return "\n" + summary_part("truncated")


def move_embed(scenario: Scenario, move: Move, footer: str | None = None) -> discord.Embed:
    """An interviewer move: the persona as author, the lines as description."""
    persona = scenario.spec.persona
    description = render("discord/move.md.j2", scenario=scenario.spec, move=move)
    embed = discord.Embed(
        description=clip(description, DESCRIPTION_LIMIT, _cut()),
        colour=COLOURS.get(move.kind, COLOURS["info"]),
    )
    if move.kind == "hint":
        embed.title = say("hint_title")
    else:
        embed.set_author(name=clip(f"{persona.name} · {persona.role}", AUTHOR_LIMIT))
    if footer:
        embed.set_footer(text=clip(footer, FOOTER_LIMIT))
    return embed


def study_embed(scenario: Scenario) -> discord.Embed:
    """Study mode: what the panel scores, shown with the opening when the candidate asks."""
    text = say("study_rubric", scenario=scenario.spec)
    return discord.Embed(description=clip(text, DESCRIPTION_LIMIT, _cut()), colour=COLOURS["study"])


def echo_embed(display_name: str, text: str) -> discord.Embed:
    """The candidate's answer, shown back (escaped) when it came through a form."""
    embed = discord.Embed(
        description=clip(esc(text), DESCRIPTION_LIMIT, _cut()), colour=COLOURS["echo"]
    )
    embed.set_author(name=clip(say("answered_by", name=display_name), AUTHOR_LIMIT))
    return embed


def info_embed(title: str, lines: Iterable[str], footer: str = "") -> discord.Embed:
    """A list (rounds, history) as one embed; cut visibly if it would not fit."""
    embed = discord.Embed(
        title=clip(title, TITLE_LIMIT),
        description=clip("\n".join(lines), DESCRIPTION_LIMIT, _cut()) or None,
        colour=COLOURS["info"],
    )
    if footer:
        embed.set_footer(text=clip(footer, FOOTER_LIMIT))
    return embed


def summary_embeds(summary: Summary) -> list[discord.Embed]:
    """The rubric summary: criteria with evidence, anti-patterns, verdicts, next step."""
    builder = EmbedBuilder(
        title=summary_part("title", summary),
        colour=COLOURS["summary"],
        description=summary_part("description", summary),
        footer=summary_part("footer"),
    )
    for row in summary.criteria:
        builder.add_field(
            summary_part("criterion_name", row),
            summary_part("criterion_value", row, esc, summary.enough),
        )
    if summary.enough:
        for ap in summary.antipatterns:
            builder.add_field(
                summary_part("antipattern_name", ap), summary_part("antipattern_value", ap)
            )
        for verdict in summary.verdicts:
            builder.add_field(
                summary_part("verdict_name", verdict), summary_part("verdict_value", verdict)
            )
        builder.add_field(summary_part("next_name"), summary_part("next_value", summary))
    return builder.build()


def text_file(text: str, filename: str) -> discord.File:
    """A UTF-8 text attachment."""
    return discord.File(io.BytesIO(text.encode("utf-8")), filename=filename)
