"""Study groups: panel mode, Retry and compare, server settings and the leaderboard.

The cog registers interview hooks (`bot.exts.shared.hooks`: a start check for the
server settings, Join panel on a group session's opening, the change, the panel and
Retry / Rate / Compare under the feedback) and starts retries through the interview
extension's starter (which stores the retry lineage with the session); it adds
`/interview settings`, `/interview leaderboard` and `/interview leaderboard-opt-in`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.panel import AttemptDelta, PanelComparison, compare_attempts, compare_panel
from bot.core.scenarios import Scenario
from bot.core.summary import Summary
from bot.exts.groups._views import (
    CompareSelect,
    GroupButton,
    NoteModal,
    RateButton,
    note_submission,
    panelist_refusal,
    rating_view,
)
from bot.exts.shared.channels import session_channel
from bot.exts.shared.commands import (
    add_interview_subcommands,
    interview_subcommand,
    remove_interview_subcommands,
    subcommands_of,
)
from bot.exts.shared.embeds import CHOICE_NAME_LIMIT, COLOURS, EmbedBuilder, info_embed, truncate
from bot.exts.shared.hooks import SummaryExtras
from bot.exts.shared.items import reported
from bot.exts.shared.wording import escape_user_text, groups_wording, status_mark
from bot.presenter import shown_day
from bot.store import NotAPanelist, SessionRecord

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.groups")

DAY_S = 86_400.0
LEADERBOARD_DAYS = 30
SESSION_CHANNEL = "session_channel_id"
GROUP_ROLE = "group_role_id"


class GroupsCog(commands.Cog, name="Groups"):
    """Panels, retries, comparisons, server settings and the leaderboard."""

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.interviews = bot.interviews
        self.store = bot.interviews.store
        self.subcommands = subcommands_of(self)

    async def cog_load(self) -> None:
        add_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]
        self.bot.interview_hooks.register(
            self,
            start_check=self.start_refusal,
            opening_items=self.opening_items,
            summary_extras=self.summary_extras,
        )

    async def cog_unload(self) -> None:
        self.bot.interview_hooks.unregister(self)
        remove_interview_subcommands(self.bot.tree, self.subcommands)  # type: ignore[attr-defined]

    def now(self) -> float:
        return self.interviews.clock()

    # ------------------------------------------------------------------ hooks
    async def start_refusal(
        self, interaction: discord.Interaction, mode: str, candidate: discord.abc.User
    ) -> str | None:
        """Why this start is not allowed here (server settings, candidate), or None."""
        if candidate.id != interaction.user.id:
            if interaction.guild_id is None:
                return groups_wording("candidate_needs_server")
            if candidate.bot:
                return groups_wording("candidate_is_bot")
        if interaction.guild_id is None:
            return None
        settings = await self.bot.store.get_guild_settings(str(interaction.guild_id))
        member = interaction.user
        admin = isinstance(member, discord.Member) and member.guild_permissions.manage_guild
        channel_id = settings.get(SESSION_CHANNEL)
        if channel_id and not admin:
            here = interaction.channel
            ids = {interaction.channel_id, getattr(here, "parent_id", None)}
            if int(channel_id) not in ids:
                return groups_wording("wrong_channel", channel=f"<#{channel_id}>")
        role_id = settings.get(GROUP_ROLE)
        if role_id and mode == "group" and not admin:
            roles = {r.id for r in getattr(member, "roles", [])}
            if int(role_id) not in roles:
                return groups_wording("needs_role", role=f"<@&{role_id}>")
        return None

    def opening_items(self, session: SessionRecord) -> list[discord.ui.Item[Any]]:
        """Join panel on a group session's opening."""
        return [GroupButton("join", session.id)] if session.mode == "group" else []

    async def summary_extras(
        self, session: SessionRecord, scenario: Scenario, summary: Summary, *, live: bool
    ) -> SummaryExtras:
        """The change since the retried attempt, the panel, and Retry / Rate / Compare."""
        embeds: list[discord.Embed] = []
        items: list[discord.ui.Item[Any]] = []
        links = await self.store.session_links(session.id)
        if links.retry_of is not None:
            delta = await self._delta(links.retry_of, summary)
            if delta is not None:
                embeds.extend(delta_embeds(delta, links.retry_of, session.id))
        if session.mode == "group" and not live:
            panel = await self.panel_embeds(session, summary)
            embeds.extend(panel)
        if session.status == "open":
            return SummaryExtras(embeds, items)
        items.append(GroupButton("retry", session.id))
        if session.mode == "group" and live:
            items.append(RateButton(session.id))
            items.append(GroupButton("note", session.id))
        if not live and session.user_id:
            others = [
                a
                for a in await self.store.attempts(session.user_id, session.scenario_id)
                if a[0] != session.id
            ][:25]
            if others:
                options = [
                    discord.SelectOption(
                        label=truncate(
                            groups_wording("compare_option", sid=sid, when=shown_day(at), score=ov),
                            CHOICE_NAME_LIMIT,
                        ),
                        value=str(sid),
                    )
                    for sid, at, ov in others
                ]
                items.append(CompareSelect(int(session.user_id), session.id, options))
        return SummaryExtras(embeds, items)

    async def _statuses(self, session_id: int) -> tuple[dict[str, str], int] | None:
        """A session's per-criterion statuses and overall score, or None if unavailable."""
        session = await self.store.get_session(session_id)
        if session is None or not session.state:
            return None
        try:
            await self.interviews.scenario_for(session)
            summary = await self.interviews.summary_for(session)
        except Exception as exc:  # an unknown or broken old scenario: no comparison
            log.info("no statuses for session %s: %s", session_id, exc)
            return None
        return {r.id: r.status for r in summary.criteria}, summary.overall

    async def _delta(self, before_id: int, after: Summary) -> AttemptDelta | None:
        before = await self._statuses(before_id)
        if before is None:
            return None
        statuses, overall = before
        return compare_attempts(statuses, after.criteria, overall, after.overall)

    async def panel_comparison(
        self, session: SessionRecord, summary: Summary
    ) -> tuple[PanelComparison, list[tuple[str, str]]]:
        """The bot vs panel comparison and the panel's notes as (name, note)."""
        ratings = await self.bot.store.peer_ratings(session.id)
        comparison = compare_panel(
            summary.criteria, [(r.rater_id, r.criterion_id, r.rating) for r in ratings]
        )
        notes = [
            (p.display_name or groups_wording("someone"), p.note)
            for p in await self.store.panelists(session.id)
            if p.note
        ]
        return comparison, notes

    async def panel_embeds(self, session: SessionRecord, summary: Summary) -> list[discord.Embed]:
        comparison, notes = await self.panel_comparison(session, summary)
        if not comparison.rated and not notes:
            return []
        return panel_embeds(comparison, notes, summary.scenario_title)

    # ------------------------------------------------------------------ buttons and forms
    async def on_group_button(
        self, interaction: discord.Interaction, action: str, session: SessionRecord
    ) -> None:
        """Retry, Join panel, Add a note or Submit ratings (the button checked who pressed)."""
        if action == "retry":
            await self._retry(interaction, session)
        elif action == "join":
            await self._join(interaction, session)
        elif action == "note":
            await self._note_form(interaction, session)
        else:
            await self._submit(interaction, session)

    async def _retry(self, interaction: discord.Interaction, session: SessionRecord) -> None:
        scenario = await self.interviews.scenario_in(interaction.guild_id, session.scenario_id)
        await self.bot.interview_hooks.start_interview(
            interaction, scenario, session.mode, retry_of=session.id
        )

    async def _join(self, interaction: discord.Interaction, session: SessionRecord) -> None:
        user = interaction.user
        fresh = await self.store.join_panel(session.id, str(user.id), user.display_name)
        key = "joined" if fresh else "joined_already"
        await interaction.response.send_message(
            groups_wording(key, open=session.is_open), ephemeral=True
        )

    async def open_rating_form(
        self, interaction: discord.Interaction, session: SessionRecord, page: int
    ) -> None:
        """A page of the panelist's rating form, with their ratings so far."""
        scenario = await self.interviews.scenario_for(session)
        criteria = [(c.id, c.spec.label) for c in scenario.criteria]
        mine = {
            r.criterion_id: r.rating
            for r in await self.bot.store.peer_ratings(session.id)
            if r.rater_id == str(interaction.user.id)
        }
        view = rating_view(session.id, criteria, mine, page)
        text = groups_wording("rate_intro", scenario=scenario.spec, count=len(criteria))
        message = interaction.message
        if message is None or not message.flags.ephemeral:
            await interaction.response.send_message(text, view=view, ephemeral=True)
        else:
            await interaction.response.edit_message(content=text, view=view)

    async def rate(
        self,
        interaction: discord.Interaction,
        session: SessionRecord,
        criterion_id: str,
        rating: str,
    ) -> None:
        await self.bot.store.add_peer_rating(
            session.id,
            str(interaction.user.id),
            criterion_id,
            rating,  # type: ignore[arg-type]
        )
        await interaction.response.defer()

    async def _submit(self, interaction: discord.Interaction, session: SessionRecord) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.refresh_panel_message(session)
        await interaction.followup.send(groups_wording("ratings_saved"), ephemeral=True)

    async def _note_form(self, interaction: discord.Interaction, session: SessionRecord) -> None:
        uid = str(interaction.user.id)
        panel = await self.store.panelists(session.id)
        mine = next((p.note for p in panel if p.user_id == uid), None)
        await interaction.response.send_modal(NoteModal(session.id, mine))

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A submitted note form (read by custom id, so forms from before a restart count)."""
        parsed = note_submission(interaction)
        if parsed is None:
            return
        sid, note = parsed
        async with reported(interaction):
            session = await self.bot.store.get_session(sid)
            refusal = (
                groups_wording("session_missing")
                if session is None
                else await panelist_refusal(interaction, session)
            )
            if refusal is not None or session is None:
                await interaction.response.send_message(refusal, ephemeral=True)
                return
            try:
                await self.store.set_panel_note(sid, str(interaction.user.id), note)
            except NotAPanelist:
                await interaction.response.send_message(
                    groups_wording("rate_join_first"), ephemeral=True
                )
                return
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self.refresh_panel_message(session)
            await interaction.followup.send(groups_wording("note_saved"), ephemeral=True)

    async def refresh_panel_message(self, session: SessionRecord) -> None:
        """Post (or edit) the one bot-vs-panel message in the session's channel."""
        if not session.channel_id:
            return
        await self.interviews.scenario_for(session)
        summary = await self.interviews.summary_for(session)
        embeds = await self.panel_embeds(session, summary)
        if not embeds:
            return
        channel = session_channel(self.bot, session)  # type: ignore[arg-type]
        links = await self.store.session_links(session.id)
        if links.panel_message_id:
            message = channel.get_partial_message(int(links.panel_message_id))  # type: ignore[attr-defined]
            try:
                await message.edit(embeds=embeds[:10])
                return
            except discord.NotFound:
                pass
        posted = await channel.send(embeds=embeds[:10])
        await self.store.set_panel_message(session.id, str(posted.id))

    async def compare(
        self, interaction: discord.Interaction, user_id: int, sid: int, other: int
    ) -> None:
        """Two of the user's attempts side by side (the menu checked it is theirs)."""
        first, second = sorted((sid, other))
        sessions = [await self.bot.store.get_session(x) for x in (first, second)]
        if any(s is None or s.user_id != str(user_id) for s in sessions):
            await interaction.response.send_message(
                groups_wording("session_missing"), ephemeral=True
            )
            return
        later = sessions[1]
        assert later is not None
        await self.interviews.scenario_for(later)
        after = await self.interviews.summary_for(later)
        delta = await self._delta(first, after)
        if delta is None:
            await interaction.response.send_message(
                groups_wording("compare_unavailable"), ephemeral=True
            )
            return
        await interaction.response.send_message(
            embeds=delta_embeds(delta, first, second)[:10], ephemeral=True
        )

    # ------------------------------------------------------------------ settings
    @interview_subcommand("settings", groups_wording("cmd_settings"))
    @app_commands.describe(
        channel=groups_wording("cmd_settings_channel"),
        group_role=groups_wording("cmd_settings_role"),
        reset=groups_wording("cmd_settings_reset"),
    )
    @app_commands.choices(
        reset=[
            app_commands.Choice(
                name=groups_wording("reset_choice", key="channel"), value="channel"
            ),
            app_commands.Choice(name=groups_wording("reset_choice", key="role"), value="role"),
            app_commands.Choice(name=groups_wording("reset_choice", key="all"), value="all"),
        ]
    )
    async def settings_cmd(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        group_role: discord.Role | None = None,
        reset: app_commands.Choice[str] | None = None,
    ) -> None:
        if interaction.guild_id is None:
            await interaction.response.send_message(groups_wording("server_only"), ephemeral=True)
            return
        if not interaction.permissions.manage_guild:
            await interaction.response.send_message(
                groups_wording("settings_admin_only"), ephemeral=True
            )
            return
        gid = str(interaction.guild_id)
        store = self.bot.store
        if reset is not None and reset.value in ("channel", "all"):
            await store.set_guild_setting(gid, SESSION_CHANNEL, None)
        if reset is not None and reset.value in ("role", "all"):
            await store.set_guild_setting(gid, GROUP_ROLE, None)
        if channel is not None:
            await store.set_guild_setting(gid, SESSION_CHANNEL, str(channel.id))
        if group_role is not None:
            await store.set_guild_setting(gid, GROUP_ROLE, str(group_role.id))
        current = await store.get_guild_settings(gid)
        changed = reset is not None or channel is not None or group_role is not None
        await interaction.response.send_message(
            groups_wording(
                "settings_now",
                changed=changed,
                channel=f"<#{current[SESSION_CHANNEL]}>" if current.get(SESSION_CHANNEL) else None,
                role=f"<@&{current[GROUP_ROLE]}>" if current.get(GROUP_ROLE) else None,
            ),
            ephemeral=True,
        )

    # ------------------------------------------------------------------ leaderboard
    @interview_subcommand("leaderboard", groups_wording("cmd_leaderboard"))
    async def leaderboard_cmd(self, interaction: discord.Interaction) -> None:
        if interaction.guild_id is None:
            await interaction.response.send_message(groups_wording("server_only"), ephemeral=True)
            return
        since = self.now() - LEADERBOARD_DAYS * DAY_S
        rows = await self.bot.store.leaderboard(str(interaction.guild_id), since, limit=10)
        lines = [
            groups_wording(
                "leaderboard_row",
                rank=i,
                name=escape_user_text(r.display_name) or f"<@{r.user_id}>",
                sessions=r.sessions,
                average=round(r.average_score),
            )
            for i, r in enumerate(rows, start=1)
        ] or [groups_wording("leaderboard_empty")]
        embed = info_embed(
            groups_wording("leaderboard_title", days=LEADERBOARD_DAYS),
            lines,
            footer=groups_wording("leaderboard_footer"),
        )
        await interaction.response.send_message(embed=embed)

    @interview_subcommand("leaderboard-opt-in", groups_wording("cmd_opt_in"))
    @app_commands.describe(state=groups_wording("cmd_opt_in_state"))
    @app_commands.choices(
        state=[
            app_commands.Choice(name="on", value="on"),
            app_commands.Choice(name="off", value="off"),
        ]
    )
    async def opt_in_cmd(
        self, interaction: discord.Interaction, state: app_commands.Choice[str]
    ) -> None:
        user = interaction.user
        await self.bot.store.upsert_user(str(user.id), user.display_name)
        on = state.value == "on"
        await self.bot.store.set_user_setting(str(user.id), "leaderboard_opt_in", on)
        await interaction.response.send_message(groups_wording("opted", on=on), ephemeral=True)


# ---------------------------------------------------------------------- embeds
def delta_embeds(delta: AttemptDelta, before_id: int, after_id: int) -> list[discord.Embed]:
    """The change per criterion between two attempts."""
    builder = EmbedBuilder(
        title=groups_wording("delta_title", before=before_id, after=after_id),
        colour=COLOURS["info"],
        description=groups_wording("delta_description", d=delta),
    )
    for row in delta.rows:
        builder.add_field(
            groups_wording("delta_name", row=row),
            groups_wording(
                "delta_value", row=row, before=status_mark(row.before), after=status_mark(row.after)
            ),
        )
    return builder.build()


def panel_embeds(
    comparison: PanelComparison, notes: list[tuple[str, str]], title: str
) -> list[discord.Embed]:
    """The bot's rubric and the panel's side by side, disagreements, agreement, notes."""
    builder = EmbedBuilder(
        title=groups_wording("panel_title", title=title),
        colour=COLOURS["summary"],
        description=groups_wording("panel_description", c=comparison),
        footer=groups_wording("panel_footer"),
    )
    for row in comparison.rows:
        builder.add_field(
            groups_wording("panel_name", row=row),
            groups_wording(
                "panel_value",
                row=row,
                bot=status_mark(row.bot),
                panel=status_mark(row.panel),
                each=", ".join(status_mark(r) for r in row.ratings),
            ),
        )
    if notes:
        builder.add_field(
            groups_wording("notes_name", count=len(notes)),
            "\n".join(
                groups_wording("note_line", name=escape_user_text(n), note=escape_user_text(t))
                for n, t in notes
            ),
        )
    return builder.build()
