"""`/interview progress`: a PNG chart of the user's criteria and scores, and what to drill.

The chart is drawn by matplotlib (Agg) in a worker thread (`asyncio.to_thread`), so the
event loop keeps serving interviews while it renders.
"""

from __future__ import annotations

import asyncio
import io
import logging
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.scenarios import Scenario
from bot.exts.progress._chart import ChartData, render_chart
from bot.exts.shared.commands import (
    add_interview_subcommands,
    interview_subcommand,
    remove_interview_subcommands,
    subcommands_of,
)
from bot.exts.shared.embeds import COLOURS, FIELD_VALUE_LIMIT, truncate
from bot.exts.shared.wording import groups_wording
from bot.store import ScenarioCriterionStat

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.progress")

CHART_NAME = "progress.png"


class ProgressCog(commands.Cog, name="Progress"):
    """The user's progress over their finished interviews."""

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.interviews = bot.interviews
        self.store = bot.interviews.store
        self.subcommands = subcommands_of(self)

    async def cog_load(self) -> None:
        add_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]

    async def cog_unload(self) -> None:
        remove_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]

    async def _scenarios(self, guild_id: int | None) -> dict[str, Scenario]:
        known = {s.id: s for s in self.interviews.catalogue}
        try:
            known.update({s.id: s for s in await self.interviews.registry.available(guild_id)})
        except Exception as exc:  # custom rounds are a bonus here, never a failure
            log.info("custom scenarios unavailable for progress: %s", exc)
        return known

    @staticmethod
    def _label(stat: ScenarioCriterionStat, scenarios: dict[str, Scenario]) -> str:
        scenario = scenarios.get(stat.scenario_id)
        if scenario is None:
            return f"{stat.criterion_id} ({stat.scenario_id})"
        try:
            label = scenario.criterion(stat.criterion_id).spec.label
        except KeyError:
            label = stat.criterion_id
        return f"{label} ({scenario.spec.title})"

    @interview_subcommand("progress", groups_wording("cmd_progress"))
    async def progress_cmd(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        uid = str(interaction.user.id)
        stats = await self.store.criterion_rates_by_scenario(uid)
        scores = await self.store.score_series(uid)
        if not stats or not scores:
            await interaction.followup.send(groups_wording("progress_empty"), ephemeral=True)
            return
        scenarios = await self._scenarios(interaction.guild_id)
        data = ChartData(
            rates=tuple((truncate(self._label(s, scenarios), 60), s.rate) for s in stats),
            scores=tuple((p.ended_at, p.overall) for p in scores),
            rates_title=groups_wording("chart_rates_title"),
            scores_title=groups_wording("chart_scores_title"),
            rate_axis=groups_wording("chart_rate_axis"),
            score_axis=groups_wording("chart_score_axis"),
        )
        png = await asyncio.to_thread(render_chart, data)
        weakest = stats[:3]
        drill = scenarios.get(weakest[0].scenario_id)
        overall = [p.overall for p in scores]
        embed = discord.Embed(
            title=groups_wording("progress_title"),
            description=groups_wording(
                "progress_description",
                sessions=len(scores),
                average=round(sum(overall) / len(overall)),
                latest=round(overall[-1]),
                best=round(max(overall)),
            ),
            colour=COLOURS["info"],
        )
        embed.add_field(
            name=groups_wording("weakest_name"),
            value=truncate(
                "\n".join(
                    groups_wording("weakest_line", rank=i, label=self._label(s, scenarios), s=s)
                    for i, s in enumerate(weakest, start=1)
                ),
                FIELD_VALUE_LIMIT,
            ),
            inline=False,
        )
        embed.add_field(
            name=groups_wording("drill_name"),
            value=truncate(
                groups_wording(
                    "drill_value",
                    scenario=drill.spec if drill else None,
                    scenario_id=weakest[0].scenario_id,
                    label=self._label(weakest[0], scenarios),
                ),
                FIELD_VALUE_LIMIT,
            ),
            inline=False,
        )
        embed.set_image(url=f"attachment://{CHART_NAME}")
        await interaction.followup.send(
            embed=embed, file=discord.File(io.BytesIO(png), filename=CHART_NAME), ephemeral=True
        )
