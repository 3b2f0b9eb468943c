"""`/interview history`: the user's past interviews, a page at a time, and one reopened.

The rows come from `bot.presenter` (the same as `python -m bot history`, times in
UTC); the menu and the page buttons are made for one user (`OwnedItem`) and work
after a restart (custom ids `iv:hist:<user>:<page>:<prev|next>`, `iv:histopen:<user>`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.exts.interview._delivery import followup_sender, send_feedback
from bot.exts.shared.commands import (
    add_interview_subcommands,
    interview_subcommand,
    remove_interview_subcommands,
    subcommands_of,
)
from bot.exts.shared.embeds import CHOICE_NAME_LIMIT, info_embed, truncate
from bot.exts.shared.items import OwnedItem
from bot.exts.shared.wording import interview_wording
from bot.presenter import history_rows, transcript_purged

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

HISTORY_PAGE = 10


class HistoryCog(commands.Cog, name="History"):
    """The user's past interviews."""

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.subcommands = subcommands_of(self)

    @classmethod
    def of(cls, client: discord.Client) -> HistoryCog:
        cog = client.get_cog(cls.__cog_name__)  # type: ignore[attr-defined]
        if not isinstance(cog, cls):
            raise RuntimeError("the history cog is not loaded")
        return cog

    async def cog_load(self) -> None:
        add_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]

    async def cog_unload(self) -> None:
        remove_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]

    @interview_subcommand("history", interview_wording("cmd_history"))
    @app_commands.describe(page=interview_wording("cmd_history_page"))
    async def history(
        self, interaction: discord.Interaction, page: app_commands.Range[int, 1, 1000] = 1
    ) -> None:
        embed, view = await self.page(interaction.user.id, page)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    async def page(self, user_id: int, page: int) -> tuple[discord.Embed, discord.ui.View]:
        """One page of the user's interviews, newest first, with its menu and buttons."""
        page = max(1, page)
        sessions = await self.bot.store.user_history(
            str(user_id), limit=HISTORY_PAGE + 1, offset=(page - 1) * HISTORY_PAGE
        )
        more = len(sessions) > HISTORY_PAGE
        rows = await history_rows(self.bot.interviews, sessions[:HISTORY_PAGE])
        title = interview_wording("history_title", page=page)
        if not rows:
            embed = info_embed(title, [interview_wording("history_empty")])
            return embed, history_view(user_id, page, False, [])
        embed = info_embed(title, [interview_wording("history_row", r=r) for r in rows])
        options = [
            discord.SelectOption(
                label=truncate(interview_wording("history_option", r=r), CHOICE_NAME_LIMIT),
                value=str(r.id),
            )
            for r in rows
        ]
        return embed, history_view(user_id, page, more, options)

    async def reopen(self, interaction: discord.Interaction, user_id: int, session_id: int) -> None:
        """One past interview: its feedback and transcript, only for its candidate."""
        session = await self.bot.store.get_session(session_id)
        if session is None or session.user_id != str(user_id):
            await interaction.response.send_message(
                interview_wording("history_missing"), ephemeral=True
            )
            return
        if transcript_purged(session):
            await interaction.response.send_message(
                interview_wording("history_purged", session_id=session.id), ephemeral=True
            )
            return
        await interaction.response.defer(thinking=True, ephemeral=True)
        scenario = await self.bot.interviews.scenario_for(session)
        summary = await self.bot.interviews.summary_for(session)
        content = (
            interview_wording("history_open", session_id=session.id) if session.is_open else None
        )
        await send_feedback(
            self.bot,
            followup_sender(interaction, ephemeral=True),
            session,
            scenario,
            summary,
            [],
            content=content,
            live=False,
        )


class HistoryItem(OwnedItem[Any], template=r"(?!)"):
    """A history menu's component: only for the user it was made for."""

    def not_yours(self) -> str:
        return interview_wording("not_your_button")


class HistoryPage(
    HistoryItem, template=r"iv:hist:(?P<uid>[0-9]+):(?P<page>[0-9]+):(?P<dir>prev|next)"
):
    """Previous / Next on a history page."""

    def __init__(self, user_id: int, page: int, direction: str, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=interview_wording("button", key=direction),
                style=discord.ButtonStyle.secondary,
                custom_id=f"iv:hist:{user_id}:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.owner_id = user_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str]
    ) -> HistoryPage:
        return cls(int(match["uid"]), int(match["page"]), match["dir"])

    async def act(self, interaction: discord.Interaction) -> None:
        embed, view = await HistoryCog.of(interaction.client).page(self.owner_id, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


class HistoryOpen(HistoryItem, template=r"iv:histopen:(?P<uid>[0-9]+)"):
    """Pick one past interview to see its feedback."""

    def __init__(self, user_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"iv:histopen:{user_id}",
                placeholder=interview_wording("button", key="open"),
                options=options or [discord.SelectOption(label="-", value="0")],
            )
        )
        self.owner_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str]
    ) -> HistoryOpen:
        return cls(int(match["uid"]), list(item.options))

    async def act(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        session_id = int(values[0]) if values else 0
        await HistoryCog.of(interaction.client).reopen(interaction, self.owner_id, session_id)


def history_view(
    user_id: int, page: int, more: bool, options: list[discord.SelectOption]
) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if options:
        view.add_item(HistoryOpen(user_id, options))
    if page > 1 or more:
        view.add_item(HistoryPage(user_id, page - 1, "prev", disabled=page <= 1))
        view.add_item(HistoryPage(user_id, page + 1, "next", disabled=not more))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (HistoryPage, HistoryOpen)
