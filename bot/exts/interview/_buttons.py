"""Answer / Hint / End under every interviewer message, and the answer form.

Each button is a dynamic item: its custom id carries the session (`iv:answer:<id>`),
the extension registers the class once, and a click on a message sent before a
restart reaches the same code. `SessionButton` (a `SessionItem`) lets only the
candidate of an open session through, in `interaction_check`, and hands the click to
the interview cog (`SessionActions`). The form's submissions are read by the cog's
`on_interaction` listener by custom id (`iv:modal:<id>`), so a form opened before a
restart still counts.
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot.core.scenarios import Scenario
from bot.exts.shared.items import SessionItem, form_submission
from bot.exts.shared.wording import interview_wording, user_mention
from bot.store import SessionRecord

INTERVIEW_COG = "Interview"
MODAL_PREFIX = "iv:modal:"
ANSWER_FIELD = "answer_text"
MODAL_RE = re.compile(r"iv:modal:(?P<sid>[0-9]+)")
ACTIONS = ("answer", "hint", "end")


class SessionActions(Protocol):
    """What the interview cog does with a press (the session is open and the user's)."""

    async def on_session_button(
        self, interaction: discord.Interaction, action: str, session: SessionRecord
    ) -> None: ...


class SessionButton(
    SessionItem[discord.ui.Button[Any]],
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

    def missing(self) -> str:
        return interview_wording("session_over")

    async def session_refusal(
        self, interaction: discord.Interaction, session: SessionRecord
    ) -> str | None:
        return session_refusal(interaction, session)

    async def act(self, interaction: discord.Interaction) -> None:
        actions = cast(SessionActions, interaction.client.get_cog(INTERVIEW_COG))  # type: ignore[attr-defined]
        await actions.on_session_button(interaction, self.action, self.session)


def session_refusal(interaction: discord.Interaction, session: SessionRecord) -> str | None:
    """Why this user may not act on this session now (over, or not theirs), or None."""
    if not session.is_open:
        return interview_wording("session_over")
    if session.user_id != str(interaction.user.id):
        return interview_wording("not_your_interview", candidate=user_mention(session.user_id))
    return None


def session_view(session_id: int) -> discord.ui.View:
    """The buttons under every interviewer message."""
    view = discord.ui.View(timeout=None)
    for action in ACTIONS:
        view.add_item(SessionButton(action, session_id))
    return view


class AnswerModal(discord.ui.Modal):
    """The answer form: one paragraph field up to `max_chars` (Discord allows 4,000).

    Its submission is read by the cog's `on_interaction` listener (see the module
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


def submitted_answer(interaction: discord.Interaction) -> tuple[int, str] | None:
    """(session id, text) if this interaction is a submitted answer form."""
    submitted = form_submission(interaction, MODAL_RE, ANSWER_FIELD)
    if submitted is None:
        return None
    match, text = submitted
    return int(match["sid"]), text
