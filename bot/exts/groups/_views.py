"""Study-group components with stable custom ids (they work after a restart).

`gp:retry:<sid>` Retry on a summary · `gp:join:<sid>` Join panel on a group session ·
`gp:rate:<sid>:<page>` open (a page of) the panelist's rating form ·
`gp:rsel:<sid>:<criterion>` one criterion's met/partly/missed select ·
`gp:done:<sid>` submit ratings · `gp:note:<sid>` open the note form (`gp:notem:<sid>`) ·
`gp:cmp:<uid>:<sid>` compare a session with another attempt.

Each checks who may use it in `interaction_check` (`bot.exts.shared.items`: Retry is
the candidate's, Join anyone else's, rating and notes the panel's, Compare the menu
owner's) and hands the press to the groups cog (`PanelActions`).
"""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

from bot.exts.shared.items import OwnedItem, SessionItem, form_submission, store_of
from bot.exts.shared.wording import groups_wording
from bot.store import SessionRecord

GROUPS_COG = "Groups"
NOTE_FIELD = "note_text"
NOTE_MODAL_RE = re.compile(r"gp:notem:(?P<sid>[0-9]+)")
RATINGS = ("met", "partly", "missed")
SELECTS_PER_PAGE = 4


class PanelActions(Protocol):
    """What the groups cog does with a press that passed its item's checks."""

    async def on_group_button(
        self, interaction: discord.Interaction, action: str, session: SessionRecord
    ) -> None: ...

    async def open_rating_form(
        self, interaction: discord.Interaction, session: SessionRecord, page: int
    ) -> None: ...

    async def rate(
        self,
        interaction: discord.Interaction,
        session: SessionRecord,
        criterion_id: str,
        rating: str,
    ) -> None: ...

    async def compare(
        self, interaction: discord.Interaction, user_id: int, session_id: int, other: int
    ) -> None: ...


def _actions(interaction: discord.Interaction) -> PanelActions:
    return cast(PanelActions, interaction.client.get_cog(GROUPS_COG))  # type: ignore[attr-defined]


async def panelist_refusal(interaction: discord.Interaction, session: SessionRecord) -> str | None:
    """Why this user may not rate (or note) this session, or None: a panelist of an ended
    group session."""
    uid = str(interaction.user.id)
    if session.mode != "group" or session.user_id == uid:
        return groups_wording("rate_not_allowed")
    if session.is_open:
        return groups_wording("rate_after_end")
    panel = await store_of(interaction.client).panelists(session.id)
    if not any(p.user_id == uid for p in panel):
        return groups_wording("rate_join_first")
    return None


class GroupSessionItem(SessionItem[Any], template=r"(?!)"):
    """A study-group component acting on one session."""

    def missing(self) -> str:
        return groups_wording("session_missing")


class GroupButton(
    GroupSessionItem, template=r"gp:(?P<action>retry|join|done|note):(?P<sid>[0-9]+)"
):
    """Retry (the candidate), Join panel (anyone else), Submit ratings and Add a note
    (the panel)."""

    STYLES = {  # noqa: RUF012
        "retry": discord.ButtonStyle.primary,
        "join": discord.ButtonStyle.secondary,
        "done": discord.ButtonStyle.success,
        "note": discord.ButtonStyle.secondary,
    }

    def __init__(self, action: str, session_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label=groups_wording("button", key=action),
                style=self.STYLES[action],
                custom_id=f"gp:{action}:{session_id}",
            )
        )
        self.action = action
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str]
    ) -> GroupButton:
        return cls(match["action"], int(match["sid"]))

    async def session_refusal(
        self, interaction: discord.Interaction, session: SessionRecord
    ) -> str | None:
        own = session.user_id == str(interaction.user.id)
        if self.action == "retry":
            return None if own else groups_wording("retry_not_yours")
        if self.action == "join":
            return groups_wording("join_own") if own else None
        return await panelist_refusal(interaction, session)

    async def act(self, interaction: discord.Interaction) -> None:
        await _actions(interaction).on_group_button(interaction, self.action, self.session)


class RateButton(GroupSessionItem, template=r"gp:rate:(?P<sid>[0-9]+):(?P<page>[0-9]+)"):
    """Open the rating form (page `page` of the criteria); only for the panel."""

    def __init__(self, session_id: int, page: int = 0, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label or groups_wording("button", key="rate"),
                style=discord.ButtonStyle.success if page == 0 else discord.ButtonStyle.secondary,
                custom_id=f"gp:rate:{session_id}:{page}",
            )
        )
        self.session_id = session_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str]
    ) -> RateButton:
        return cls(int(match["sid"]), int(match["page"]), item.label)

    async def session_refusal(
        self, interaction: discord.Interaction, session: SessionRecord
    ) -> str | None:
        return await panelist_refusal(interaction, session)

    async def act(self, interaction: discord.Interaction) -> None:
        await _actions(interaction).open_rating_form(interaction, self.session, self.page)


class RatingSelect(GroupSessionItem, template=r"gp:rsel:(?P<sid>[0-9]+):(?P<cid>[a-z][a-z0-9_-]*)"):
    """One criterion: met / partly / missed; only for the panel."""

    def __init__(
        self,
        session_id: int,
        criterion_id: str,
        label: str = "",
        current: str | None = None,
    ) -> None:
        options = [
            discord.SelectOption(
                label=groups_wording("rating_option", label=label, rating=r)[:100],
                value=r,
                default=r == current,
            )
            for r in RATINGS
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"gp:rsel:{session_id}:{criterion_id}",
                placeholder=groups_wording("rating_placeholder", label=label)[:150],
                options=options,
            )
        )
        self.session_id = session_id
        self.criterion_id = criterion_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str]
    ) -> RatingSelect:
        return cls(int(match["sid"]), match["cid"])

    @property
    def rating(self) -> str:
        values = self.item.values
        return values[0] if values else ""

    async def session_refusal(
        self, interaction: discord.Interaction, session: SessionRecord
    ) -> str | None:
        if self.rating not in RATINGS:
            return self.missing()
        return await panelist_refusal(interaction, session)

    async def act(self, interaction: discord.Interaction) -> None:
        await _actions(interaction).rate(interaction, self.session, self.criterion_id, self.rating)


class CompareSelect(OwnedItem[Any], template=r"gp:cmp:(?P<uid>[0-9]+):(?P<sid>[0-9]+)"):
    """Compare the session on screen with another attempt at the same scenario."""

    def __init__(
        self, user_id: int, session_id: int, options: list[discord.SelectOption] | None = None
    ) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=f"gp:cmp:{user_id}:{session_id}",
                placeholder=groups_wording("compare_placeholder"),
                options=options or [discord.SelectOption(label="-", value="0")],
            )
        )
        self.owner_id = user_id
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: Any, match: re.Match[str]
    ) -> CompareSelect:
        return cls(int(match["uid"]), int(match["sid"]), list(item.options))

    def not_yours(self) -> str:
        return groups_wording("not_your_menu")

    async def act(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        other = int(values[0]) if values else 0
        await _actions(interaction).compare(interaction, self.owner_id, self.session_id, other)


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    GroupButton,
    RateButton,
    RatingSelect,
    CompareSelect,
)


class NoteModal(discord.ui.Modal):
    """A panelist's one note; submissions are handled by custom id in the cog's listener."""

    def __init__(self, session_id: int, current: str | None) -> None:
        super().__init__(
            title=groups_wording("note_title")[:45],
            custom_id=f"gp:notem:{session_id}",
            timeout=None,
        )
        self.note: discord.ui.TextInput[NoteModal] = discord.ui.TextInput(
            label=groups_wording("note_label")[:45],
            style=discord.TextStyle.paragraph,
            custom_id=NOTE_FIELD,
            default=current,
            max_length=1000,
            required=True,
        )
        self.add_item(self.note)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        return None


def note_submission(interaction: discord.Interaction) -> tuple[int, str] | None:
    """(session id, note) if this interaction is a submitted note form."""
    submitted = form_submission(interaction, NOTE_MODAL_RE, NOTE_FIELD)
    if submitted is None:
        return None
    match, note = submitted
    return int(match["sid"]), note


def rating_view(
    session_id: int, criteria: list[tuple[str, str]], current: dict[str, str], page: int
) -> discord.ui.View:
    """One page of the rating form: a select per criterion, then pages / note / submit."""
    view = discord.ui.View(timeout=None)
    pages = max(1, -(-len(criteria) // SELECTS_PER_PAGE))
    page = min(max(0, page), pages - 1)
    start = page * SELECTS_PER_PAGE
    for cid, label in criteria[start : start + SELECTS_PER_PAGE]:
        view.add_item(RatingSelect(session_id, cid, label, current.get(cid)))
    if page > 0:
        view.add_item(RateButton(session_id, page - 1, groups_wording("button", key="prev")))
    if page < pages - 1:
        view.add_item(RateButton(session_id, page + 1, groups_wording("button", key="next")))
    view.add_item(GroupButton("note", session_id))
    view.add_item(GroupButton("done", session_id))
    return view
