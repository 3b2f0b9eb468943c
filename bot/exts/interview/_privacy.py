"""`/interview forget-me`: a copy of everything stored about the user, then its deletion.

The confirmation's buttons are the user's own (`OwnedItem`, custom ids
`iv:forget:<user>:<yes|export>`). The export is the terminal's (`bot.presenter`:
times in ISO 8601 UTC). Before deleting, the `interview_user_forgetting` event lets
every feature drop what it holds about the user in memory.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.exts.shared.commands import (
    add_interview_subcommands,
    interview_subcommand,
    remove_interview_subcommands,
    subcommands_of,
)
from bot.exts.shared.embeds import text_file
from bot.exts.shared.hooks import dispatch_user_forgetting
from bot.exts.shared.items import OwnedItem
from bot.exts.shared.wording import interview_wording
from bot.presenter import export_json

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

EXPORT_NAME = "interview-bot-export.json"


class PrivacyCog(commands.Cog, name="Privacy"):
    """Export and forget-me on Discord."""

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.subcommands = subcommands_of(self)

    @classmethod
    def of(cls, client: discord.Client) -> PrivacyCog:
        cog = client.get_cog(cls.__cog_name__)  # type: ignore[attr-defined]
        if not isinstance(cog, cls):
            raise RuntimeError("the privacy cog is not loaded")
        return cog

    async def cog_load(self) -> None:
        add_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]

    async def cog_unload(self) -> None:
        remove_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]

    @interview_subcommand("forget-me", interview_wording("cmd_forget"))
    async def forget_me(self, interaction: discord.Interaction) -> None:
        days = self.bot.settings.transcript_retention_days
        await interaction.response.send_message(
            interview_wording("forget_confirm", days=days),
            view=forget_view(interaction.user.id),
            ephemeral=True,
        )

    async def export(self, interaction: discord.Interaction, user_id: int) -> None:
        await interaction.response.defer(thinking=True, ephemeral=True)
        raw = await export_json(self.bot.interviews, str(user_id))
        await interaction.followup.send(
            interview_wording("exported"), file=text_file(raw, EXPORT_NAME), ephemeral=True
        )

    async def forget(self, interaction: discord.Interaction, user_id: int) -> None:
        await interaction.response.defer()
        dispatch_user_forgetting(self.bot, str(user_id))  # type: ignore[arg-type]
        counts = await self.bot.store.forget_user(str(user_id))
        await interaction.edit_original_response(
            content=interview_wording("forgotten", counts=counts), view=None
        )


class ForgetButton(OwnedItem[Any], template=r"iv:forget:(?P<uid>[0-9]+):(?P<action>yes|export)"):
    """Confirm forget-me, or export first."""

    def __init__(self, user_id: int, action: str) -> None:
        yes = action == "yes"
        super().__init__(
            discord.ui.Button(
                label=interview_wording("button", key="forget" if yes else "export"),
                style=discord.ButtonStyle.danger if yes else discord.ButtonStyle.secondary,
                custom_id=f"iv:forget:{user_id}:{action}",
            )
        )
        self.owner_id = user_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str]
    ) -> ForgetButton:
        return cls(int(match["uid"]), match["action"])

    def not_yours(self) -> str:
        return interview_wording("not_your_button")

    async def act(self, interaction: discord.Interaction) -> None:
        privacy = PrivacyCog.of(interaction.client)
        if self.action == "export":
            await privacy.export(interaction, self.owner_id)
        else:
            await privacy.forget(interaction, self.owner_id)


def forget_view(user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton(user_id, "yes"))
    view.add_item(ForgetButton(user_id, "export"))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (ForgetButton,)
