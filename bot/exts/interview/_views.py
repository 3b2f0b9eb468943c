"""Buttons, selects and the answer form, with stable custom ids that survive restarts.

Every component is a `DynamicItem`: its custom id carries what it acts on
(`iv:answer:<session_id>`, `iv:hist:<user_id>:<page>` ...), the bot registers the
classes once (`Client.add_dynamic_items`), and a click on a message sent before a
restart reaches the same code. No view keeps a timer task, so shutdown leaves none.
The answer form's submissions are handled by the cog's `on_interaction` listener by
custom id (`iv:modal:<session_id>`), so a form opened before a restart still counts.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.scenarios import Scenario
from bot.exts._cogs import cog_of
from bot.exts.shared.wording import interview_wording

if TYPE_CHECKING:
    from bot.exts.interview.cog import InterviewCog

MODAL_PREFIX = "iv:modal:"
ANSWER_FIELD = "answer_text"
MODAL_RE = re.compile(r"iv:modal:(?P<sid>[0-9]+)")


def _cog(interaction: discord.Interaction) -> InterviewCog:
    return cog_of(interaction, "Interview")  # type: ignore[no-any-return]


class SessionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"iv:(?P<action>answer|hint|end):(?P<sid>[0-9]+)",
):
    """Answer / Hint / End on an interviewer message."""

    STYLES = {  # noqa: RUF012
        "answer": discord.ButtonStyle.primary,
        "hint": discord.ButtonStyle.secondary,
        "end": discord.ButtonStyle.danger,
    }

    def __init__(self, action: str, session_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=interview_wording("button", key=action),
                style=self.STYLES[action],
                custom_id=f"iv:{action}:{session_id}",
            )
        )
        self.action = action
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> SessionButton:
        return cls(match["action"], int(match["sid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).on_session_button(interaction, self.action, self.session_id)


class HistoryPage(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"iv:hist:(?P<uid>[0-9]+):(?P<page>[0-9]+):(?P<dir>prev|next)",
):
    """Previous / Next on a history page (only for the user it was made for)."""

    def __init__(self, user_id: int, page: int, direction: str, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=interview_wording("button", key=direction),
                style=discord.ButtonStyle.secondary,
                custom_id=f"iv:hist:{user_id}:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.user_id = user_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> HistoryPage:
        return cls(int(match["uid"]), int(match["page"]), match["dir"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).on_history_page(interaction, self.user_id, self.page)


class HistoryOpen(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"iv:histopen:(?P<uid>[0-9]+)",
):
    """Pick one past interview to see its feedback."""

    def __init__(self, user_id: int, options: list[discord.SelectOption] | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"iv:histopen:{user_id}",
                placeholder=interview_wording("button", key="open"),
                options=options or [discord.SelectOption(label="-", value="0")],
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Select[Any],
        match: re.Match[str],
    ) -> HistoryOpen:
        return cls(int(match["uid"]), list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        session_id = int(values[0]) if values else 0
        await _cog(interaction).on_history_open(interaction, self.user_id, session_id)


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"iv:forget:(?P<uid>[0-9]+):(?P<action>yes|export)",
):
    """Confirm forget-me, or export first."""

    def __init__(self, user_id: int, action: str) -> None:
        super().__init__(
            discord.ui.Button(
                label=interview_wording("button", key="forget" if action == "yes" else "export"),
                style=discord.ButtonStyle.danger
                if action == "yes"
                else discord.ButtonStyle.secondary,
                custom_id=f"iv:forget:{user_id}:{action}",
            )
        )
        self.user_id = user_id
        self.action = action

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Button[Any],
        match: re.Match[str],
    ) -> ForgetButton:
        return cls(int(match["uid"]), match["action"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).on_forget_button(interaction, self.user_id, self.action)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    SessionButton,
    HistoryPage,
    HistoryOpen,
    ForgetButton,
)


def session_view(session_id: int) -> discord.ui.View:
    """The buttons under every interviewer message."""
    view = discord.ui.View(timeout=None)
    for action in ("answer", "hint", "end"):
        view.add_item(SessionButton(action, session_id))
    return view


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


def forget_view(user_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton(user_id, "yes"))
    view.add_item(ForgetButton(user_id, "export"))
    return view


class AnswerModal(discord.ui.Modal):
    """The answer form: one paragraph field up to `max_chars` (Discord allows 4,000).

    Its submission is handled by the cog's `on_interaction` listener (see the module
    docstring), so `on_submit` does nothing here.
    """

    def __init__(self, session_id: int, scenario: Scenario, max_chars: int) -> None:
        super().__init__(
            title=interview_wording("modal_title", scenario=scenario.spec)[:45],
            custom_id=f"{MODAL_PREFIX}{session_id}",
            timeout=None,
        )
        self.answer: discord.ui.TextInput[AnswerModal] = discord.ui.TextInput(
            label=interview_wording("modal_label"),
            style=discord.TextStyle.paragraph,
            custom_id=ANSWER_FIELD,
            placeholder=interview_wording("modal_placeholder")[:100],
            max_length=min(4000, max_chars),
            required=True,
        )
        self.add_item(self.answer)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        return None


def modal_answer(interaction: discord.Interaction) -> tuple[int, str] | None:
    """(session id, text) if this interaction is a submitted answer form."""
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    match = MODAL_RE.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return None
    text = ""
    stack = list(data.get("components", []))
    while stack:
        comp = stack.pop(0)
        if comp.get("custom_id") == ANSWER_FIELD:
            text = str(comp.get("value") or "")
            break
        stack.extend(comp.get("components", []))
        if "component" in comp:
            stack.append(comp["component"])
    return int(match["sid"]), text
