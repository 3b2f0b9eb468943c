"""The interview's embeds: the interviewer's move, study mode's rubric, the echoed answer,
the rubric summary. Discord's limits and the generic helpers are in `bot.exts.shared.embeds`.
"""

from __future__ import annotations

import discord

from bot.core.interview import Move
from bot.core.scenarios import Scenario
from bot.core.summary import Summary
from bot.exts.shared.embeds import (
    AUTHOR_LIMIT,
    COLOURS,
    DESCRIPTION_LIMIT,
    FOOTER_LIMIT,
    EmbedBuilder,
    cut_marker,
    truncate,
)
from bot.exts.shared.wording import escape_user_text, interview_wording, summary_wording
from bot.render import render


def move_embed(scenario: Scenario, move: Move, footer: str | None = None) -> discord.Embed:
    """An interviewer move: the persona as author, the lines as description."""
    persona = scenario.spec.persona
    description = render("discord/move.md.j2", scenario=scenario.spec, move=move)
    embed = discord.Embed(
        description=truncate(description, DESCRIPTION_LIMIT, cut_marker()),
        colour=COLOURS.get(move.kind, COLOURS["info"]),
    )
    if move.kind == "hint":
        embed.title = interview_wording("hint_title")
    else:
        embed.set_author(name=truncate(f"{persona.name} · {persona.role}", AUTHOR_LIMIT))
    if footer:
        embed.set_footer(text=truncate(footer, FOOTER_LIMIT))
    return embed


def study_embed(scenario: Scenario) -> discord.Embed:
    """Study mode: what the panel scores, shown with the opening when the candidate asks."""
    text = interview_wording("study_rubric", scenario=scenario.spec)
    return discord.Embed(
        description=truncate(text, DESCRIPTION_LIMIT, cut_marker()), colour=COLOURS["study"]
    )


def echo_embed(display_name: str, text: str) -> discord.Embed:
    """The candidate's answer, shown back (escaped) when it came through a form."""
    embed = discord.Embed(
        description=truncate(escape_user_text(text), DESCRIPTION_LIMIT, cut_marker()),
        colour=COLOURS["echo"],
    )
    embed.set_author(
        name=truncate(interview_wording("answered_by", name=display_name), AUTHOR_LIMIT)
    )
    return embed


def summary_embeds(summary: Summary) -> list[discord.Embed]:
    """The rubric summary: criteria with evidence, anti-patterns, verdicts, next step."""
    builder = EmbedBuilder(
        title=summary_wording("title", summary),
        colour=COLOURS["summary"],
        description=summary_wording("description", summary),
        footer=summary_wording("footer"),
    )
    for row in summary.criteria:
        builder.add_field(
            summary_wording("criterion_name", row),
            summary_wording("criterion_value", row, escape_user_text, summary.enough),
        )
    if summary.enough:
        for ap in summary.antipatterns:
            builder.add_field(
                summary_wording("antipattern_name", ap), summary_wording("antipattern_value", ap)
            )
        for verdict in summary.verdicts:
            builder.add_field(
                summary_wording("verdict_name", verdict), summary_wording("verdict_value", verdict)
            )
        builder.add_field(summary_wording("next_name"), summary_wording("next_value", summary))
    return builder.build()
