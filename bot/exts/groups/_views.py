"""Study-group components with stable custom ids (they work after a restart).

`gp:retry:<sid>` Retry on a summary · `gp:join:<sid>` Join panel on a group session ·
`gp:rate:<sid>:<page>` open (a page of) the panelist's rating form ·
`gp:rsel:<sid>:<criterion>` one criterion's met/partly/missed select ·
`gp:done:<sid>` submit ratings · `gp:note:<sid>` open the note form (`gp:notem:<sid>`) ·
`gp:cmp:<uid>:<sid>` compare a session with another attempt.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.exts._cogs import cog_of
from bot.exts.shared.wording import groups_wording

if TYPE_CHECKING:
    from bot.exts.groups.cog import GroupsCog

NOTE_FIELD = "note_text"
NOTE_MODAL_RE = re.compile(r"gp:notem:(?P<sid>[0-9]+)")
RATINGS = ("met", "partly", "missed")
SELECTS_PER_PAGE = 4


def _cog(interaction: discord.Interaction) -> GroupsCog:
    return cog_of(interaction, "Groups")  # type: ignore[no-any-return]


class GroupButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"gp:(?P<action>retry|join|done|note):(?P<sid>[0-9]+)",
):
    """Retry, Join panel, Submit ratings, Add a note."""

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
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> GroupButton:
        return cls(match["action"], int(match["sid"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).on_button(interaction, self.action, self.session_id)


class RateButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"gp:rate:(?P<sid>[0-9]+):(?P<page>[0-9]+)",
):
    """Open the rating form (page `page` of the criteria)."""

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
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> RateButton:
        return cls(int(match["sid"]), int(match["page"]), item.label)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _cog(interaction).on_rate_form(interaction, self.session_id, self.page)


class RatingSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"gp:rsel:(?P<sid>[0-9]+):(?P<cid>[a-z][a-z0-9_-]*)",
):
    """One criterion: met / partly / missed."""

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
        cls, interaction: discord.Interaction, item: discord.ui.Select[Any], match: re.Match[str]
    ) -> RatingSelect:
        return cls(int(match["sid"]), match["cid"])

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        rating = values[0] if values else ""
        await _cog(interaction).on_rating(interaction, self.session_id, self.criterion_id, rating)


class CompareSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"gp:cmp:(?P<uid>[0-9]+):(?P<sid>[0-9]+)",
):
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
        self.user_id = user_id
        self.session_id = session_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select[Any], match: re.Match[str]
    ) -> CompareSelect:
        return cls(int(match["uid"]), int(match["sid"]), list(item.options))

    async def callback(self, interaction: discord.Interaction) -> None:
        values = self.item.values
        other = int(values[0]) if values else 0
        await _cog(interaction).on_compare(interaction, self.user_id, self.session_id, other)


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
    if interaction.type is not discord.InteractionType.modal_submit:
        return None
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    match = NOTE_MODAL_RE.fullmatch(str(data.get("custom_id", "")))
    if match is None:
        return None
    stack = list(data.get("components", []))
    while stack:
        comp = stack.pop(0)
        if comp.get("custom_id") == NOTE_FIELD:
            return int(match["sid"]), str(comp.get("value") or "")
        stack.extend(comp.get("components", []))
        if "component" in comp:
            stack.append(comp["component"])
    return int(match["sid"]), ""


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
