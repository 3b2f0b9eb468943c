"""`/scenario upload|list|show|remove|reload`: custom rounds per server and the hot reload.

A custom round is a scenario file (TOML, data only: parsed, never executed)
uploaded by a member with **Manage Server**. It is validated by the same loader
as the bundled files, stored in the database for that server only, and offered
by `/interview start` there. A refused file leaves nothing stored. The bot's
owner can `/scenario reload` the bundled files; a broken edit is reported and
the old catalogue kept. Open interviews always keep the version they started with.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.scenarios import Scenario, ScenarioLoadError, warnings_for
from bot.exts.scenarios_admin._text import error_messages
from bot.exts.shared.embeds import CONTENT_LIMIT, info_embed, text_file, truncate
from bot.exts.shared.wording import escape_user_text, scenario_admin_wording, user_mention
from bot.store import CustomScenarioLimit, CustomScenarioRecord, ScenarioStore

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.scenarios_admin")

MAX_WARNINGS_SHOWN = 10


class ScenariosAdminCog(commands.Cog, name="ScenariosAdmin"):
    """Custom interview rounds per server; the owner's hot reload of the bundled files."""

    scenario = app_commands.Group(
        name="scenario",
        description=scenario_admin_wording("cmd_group"),
        default_permissions=discord.Permissions(manage_guild=True),
    )

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.settings = bot.settings
        self.interviews = bot.interviews
        self.registry = bot.interviews.registry
        self.store: ScenarioStore | None = bot.interviews.store

    # ------------------------------------------------------------------ checks
    @staticmethod
    async def _refuse(interaction: discord.Interaction, text: str) -> None:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)

    async def _admin_in_guild(self, interaction: discord.Interaction) -> bool:
        """In a server, by a member with Manage Server (checked here, not only by Discord)."""
        if interaction.guild_id is None or self.store is None:
            await self._refuse(interaction, scenario_admin_wording("guild_only"))
            return False
        if not interaction.permissions.manage_guild:
            await self._refuse(interaction, scenario_admin_wording("not_admin"))
            return False
        return True

    async def _uploader(self, user_id: str | None) -> str:
        return user_mention(user_id) if user_id else scenario_admin_wording("someone_forgotten")

    # ------------------------------------------------------------------ upload
    @scenario.command(name="upload", description=scenario_admin_wording("cmd_upload"))
    @app_commands.describe(file=scenario_admin_wording("cmd_upload_file"))
    async def upload(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        if not await self._admin_in_guild(interaction):
            return
        assert self.store is not None and interaction.guild_id is not None
        filename = escape_user_text(file.filename)[:100]
        limit = self.settings.custom_scenario_max_bytes
        if not file.filename.lower().endswith(".toml"):
            await self._refuse(interaction, scenario_admin_wording("not_toml", filename=filename))
            return
        if file.size > limit:  # refused before anything is downloaded
            await self._refuse(
                interaction,
                scenario_admin_wording("too_big", filename=filename, size=file.size, limit=limit),
            )
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            data = await file.read()
        except (discord.HTTPException, discord.NotFound) as exc:
            log.warning("downloading %s failed: %s", file.url, exc)
            await self._refuse(
                interaction, scenario_admin_wording("download_failed", filename=filename)
            )
            return
        if len(data) > limit:
            await self._refuse(
                interaction,
                scenario_admin_wording("too_big", filename=filename, size=len(data), limit=limit),
            )
            return
        try:
            source = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            await self._refuse(interaction, scenario_admin_wording("not_text", filename=filename))
            return
        try:
            scenario = await asyncio.to_thread(self.registry.parse_custom, source, file.filename)
        except ScenarioLoadError as exc:
            lines = [str(e) for e in exc.errors]
            lead = scenario_admin_wording("refused", filename=filename, count=len(lines))
            for text in error_messages(lead, lines):
                await interaction.followup.send(text, ephemeral=True)
            return
        guild_id = str(interaction.guild_id)
        per_guild = self.settings.custom_scenarios_per_guild
        try:
            _, replaced = await self.store.save_custom_scenario(
                guild_id,
                scenario.id,
                title=scenario.spec.title,
                round=scenario.spec.round,
                digest=scenario.digest,
                source=source,
                uploaded_by=str(interaction.user.id),
                max_per_guild=per_guild,
            )
        except CustomScenarioLimit:
            await self._refuse(interaction, scenario_admin_wording("too_many", limit=per_guild))
            return
        self.registry.forget_guild_cache(guild_id)
        self.registry.add_custom(guild_id, scenario, source)
        count = len(await self.registry.custom(guild_id))
        log.info(
            "server %s: %s custom scenario %s (%s) by %s",
            guild_id,
            "replaced" if replaced else "added",
            scenario.id,
            scenario.digest,
            interaction.user.id,
        )
        text = scenario_admin_wording(
            "uploaded", scenario=_escaped(scenario), replaced=replaced, count=count, limit=per_guild
        )
        warnings = warnings_for(scenario)
        if warnings:
            shown = [f"- {escape_user_text(w)}" for w in warnings[:MAX_WARNINGS_SHOWN]]
            text += (
                "\n"
                + scenario_admin_wording("warnings_intro", count=len(warnings))
                + "\n"
                + "\n".join(shown)
            )
        await interaction.followup.send(truncate(text, CONTENT_LIMIT), ephemeral=True)

    # ------------------------------------------------------------------ list / show
    @scenario.command(name="list", description=scenario_admin_wording("cmd_list"))
    async def list_(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None or self.store is None:
            await self._refuse(interaction, scenario_admin_wording("guild_only"))
            return
        records = await self.store.custom_scenarios(str(interaction.guild_id))
        lines = [
            scenario_admin_wording(
                "list_line", record=_escaped_record(r), uploader=await self._uploader(r.uploaded_by)
            )
            for r in records
        ]
        limit = self.settings.custom_scenarios_per_guild
        embed = info_embed(
            scenario_admin_wording("list_title", count=len(records), limit=limit),
            lines or [scenario_admin_wording("list_empty")],
            footer=scenario_admin_wording("list_footer", bundled=len(self.interviews.catalogue)),
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @scenario.command(name="show", description=scenario_admin_wording("cmd_show"))
    @app_commands.describe(id=scenario_admin_wording("cmd_show_id"))
    async def show(self, interaction: discord.Interaction, id: str) -> None:
        scenario_id = id.strip()
        guild_id = interaction.guild_id
        record: CustomScenarioRecord | None = None
        scenario = self.interviews.catalogue.scenarios.get(scenario_id)
        if scenario is None and guild_id is not None and self.store is not None:
            record = await self.store.get_custom_scenario(str(guild_id), scenario_id)
            scenario = (await self.registry.custom(guild_id)).get(scenario_id)
        if scenario is None:
            await self._refuse(
                interaction,
                scenario_admin_wording(
                    "unknown_round", scenario_id=escape_user_text(scenario_id[:60])
                ),
            )
            return
        if record is None:
            kind = scenario_admin_wording("kind_bundled")
            source = self.registry.source_of(scenario)
        else:
            kind = scenario_admin_wording(
                "kind_custom", uploader=await self._uploader(record.uploaded_by)
            )
            source = record.source
        spec = _escaped(scenario)
        body = scenario_admin_wording(
            "show_body",
            scenario=spec,
            kind=kind,
            steps=[f"`{s.id}`" for s in scenario.spec.steps],
            criteria=[escape_user_text(c.spec.label) for c in scenario.criteria],
            antipatterns=[escape_user_text(a.spec.label) for a in scenario.antipatterns],
        )
        embed = info_embed(
            scenario_admin_wording("show_title", scenario=spec),
            [body],
            footer=scenario_admin_wording("show_footer", digest=scenario.digest),
        )
        if source is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
            return
        await interaction.response.send_message(
            embed=embed, file=text_file(source, f"{scenario.id}.toml"), ephemeral=True
        )

    # ------------------------------------------------------------------ remove
    @scenario.command(name="remove", description=scenario_admin_wording("cmd_remove"))
    @app_commands.describe(id=scenario_admin_wording("cmd_remove_id"))
    async def remove(self, interaction: discord.Interaction, id: str) -> None:
        if not await self._admin_in_guild(interaction):
            return
        assert self.store is not None and interaction.guild_id is not None
        scenario_id = id.strip()
        guild_id = str(interaction.guild_id)
        if not await self.store.remove_custom_scenario(guild_id, scenario_id):
            await self._refuse(
                interaction,
                scenario_admin_wording(
                    "unknown_custom", scenario_id=escape_user_text(scenario_id[:60])
                ),
            )
            return
        self.registry.drop_custom(guild_id, scenario_id)
        log.info(
            "server %s: removed custom scenario %s by %s",
            guild_id,
            scenario_id,
            interaction.user.id,
        )
        await interaction.response.send_message(
            scenario_admin_wording("removed", scenario_id=scenario_id), ephemeral=True
        )

    @show.autocomplete("id")
    async def show_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        scenarios = await self.registry.available(interaction.guild_id)
        return _choices(scenarios, current)

    @remove.autocomplete("id")
    async def remove_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        scenarios = list((await self.registry.custom(interaction.guild_id)).values())
        return _choices(scenarios, current)

    # ------------------------------------------------------------------ reload
    @scenario.command(name="reload", description=scenario_admin_wording("cmd_reload"))
    async def reload(self, interaction: discord.Interaction) -> None:
        bot: commands.Bot = self.bot  # type: ignore[assignment]
        if not await bot.is_owner(interaction.user):
            await self._refuse(interaction, scenario_admin_wording("not_owner"))
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        try:
            report = await self.registry.reload(self.settings.scenarios_dir)
        except ScenarioLoadError as exc:
            lines = [str(e) for e in exc.errors]
            for text in error_messages(
                scenario_admin_wording("reload_failed", count=len(lines)), lines
            ):
                await interaction.followup.send(text, ephemeral=True)
            log.warning("scenario reload refused: %d error(s)", len(lines))
            return
        log.info(
            "scenario reload by %s: changed %s, added %s, removed %s",
            interaction.user.id,
            report.changed,
            report.added,
            report.removed,
        )
        await interaction.followup.send(
            truncate(scenario_admin_wording("reloaded", report=report), CONTENT_LIMIT),
            ephemeral=True,
        )


def _choices(scenarios: list[Scenario], current: str) -> list[app_commands.Choice[str]]:
    needle = current.strip().lower()
    out = []
    for s in scenarios:
        spec = s.spec
        if needle in f"{spec.id} {spec.title} {spec.round}".lower():
            out.append(
                app_commands.Choice(name=truncate(f"{spec.id}: {spec.title}", 100), value=spec.id)
            )
    return out[:25]


def _escaped(scenario: Scenario) -> dict[str, object]:
    """The fields the templates show, escaped (a custom file is user text)."""
    spec = scenario.spec
    return {
        "id": spec.id,
        "title": escape_user_text(spec.title),
        "round": spec.round,
        "description": escape_user_text(spec.description),
        "time_budget_minutes": spec.time_budget_minutes,
        "persona": {
            "name": escape_user_text(spec.persona.name),
            "role": escape_user_text(spec.persona.role),
        },
    }


def _escaped_record(record: CustomScenarioRecord) -> dict[str, object]:
    return {
        "scenario_id": record.scenario_id,
        "title": escape_user_text(record.title),
        "round": record.round,
        "uploaded_at": record.uploaded_at,
    }


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(ScenariosAdminCog(bot))  # type: ignore[arg-type]
