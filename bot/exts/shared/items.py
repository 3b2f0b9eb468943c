"""Bases for the restart-proof buttons and selects, and the parsing of submitted forms.

discord.py only logs what a component's callback raises (and treats an exception in
`interaction_check` as a silent refusal), so the user would see "This interaction
failed". `ReportingItem` runs a component's checks in `interaction_check` and its work
in `act`, and sends anything either raises to the central error handler
(`bot.exts.errors.report`) once; `OwnedItem` and `SessionItem` add the ownership
checks every such component needs.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from typing import Any, TypeVar, cast

import discord

from bot.exts.errors import report
from bot.store import SessionRecord, Store

ItemT = TypeVar("ItemT", bound=discord.ui.Item[Any])

NEVER = r"(?!)"  # the bases' own template: no custom id matches it


class ReportingItem(discord.ui.DynamicItem[ItemT], template=NEVER):
    """A dynamic item whose refusals and errors reach the user, each once.

    Subclasses give their own `template` and implement `act`; `refusal` says why the
    user may not use it (sent to them privately) or returns None.
    """

    async def refusal(self, interaction: discord.Interaction) -> str | None:
        return None

    async def act(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError

    async def interaction_check(self, interaction: discord.Interaction, /) -> bool:
        try:
            reason = await self.refusal(interaction)
            if reason is not None:
                await interaction.response.send_message(reason, ephemeral=True)
        except Exception as exc:
            await report(interaction, exc)
            return False
        return reason is None

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await self.act(interaction)
        except Exception as exc:
            await report(interaction, exc)


class OwnedItem(ReportingItem[ItemT], template=NEVER):
    """A component made for one user (a menu of their history, their forget-me)."""

    owner_id: int

    def not_yours(self) -> str:
        """What another user pressing it is told."""
        raise NotImplementedError

    async def refusal(self, interaction: discord.Interaction) -> str | None:
        return None if interaction.user.id == self.owner_id else self.not_yours()


class SessionItem(ReportingItem[ItemT], template=NEVER):
    """A component acting on one session: `refusal` loads it (as `self.session`) first.

    `missing` is what the user is told when the session is gone; `session_refusal`
    adds the checks of the subclass (who may press it, and when).
    """

    session_id: int
    session: SessionRecord

    def missing(self) -> str:
        raise NotImplementedError

    async def session_refusal(
        self, interaction: discord.Interaction, session: SessionRecord
    ) -> str | None:
        return None

    async def refusal(self, interaction: discord.Interaction) -> str | None:
        session = await store_of(interaction.client).get_session(self.session_id)
        if session is None:
            return self.missing()
        self.session = session
        return await self.session_refusal(interaction, session)


def store_of(client: discord.Client) -> Store:
    """The store of the bot a component was pressed on."""
    return cast(Any, client).store  # type: ignore[no-any-return]


@contextlib.asynccontextmanager
async def reported(interaction: discord.Interaction) -> AsyncIterator[None]:
    """Anything the block raises goes to the central error handler (for listeners)."""
    try:
        yield
    except Exception as exc:
        await report(interaction, exc)


def form_submission(
    interaction: discord.Interaction, custom_id: re.Pattern[str], field_id: str
) -> tuple[re.Match[str], str] | None:
    """(the form's custom id matched, the field's text) if this is that form submitted."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    match = custom_id.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return None
    stack = list(data.get("components", []))
    while stack:
        component = stack.pop(0)
        if component.get("custom_id") == field_id:
            return match, str(component.get("value") or "")
        stack.extend(component.get("components", []))
        if "component" in component:
            stack.append(component["component"])
    return match, ""
