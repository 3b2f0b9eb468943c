"""`/loop`: a full interview loop like the real one, five rounds over about 30 days.

The schedule lives in the store (`loops`, `loop_rounds`). A due reminder is
claimed with a lease (LOOP_CLAIM_LEASE_S) in the unit of work that finds it, and
recorded as delivered once the DM went out, so the periodic check, the start-up
catch-up and other bot processes on the database do not send it twice; one missed
while the bot was down is sent once, late. At-least-once: a process that dies
between the DM and recording it leaves a lease that runs out, and the reminder is
sent again; one that dies before the DM loses nothing. A DM refused by the user's
privacy settings (50007) is recorded and shown in `/loop status`, not retried; any
other failure releases the claim for the next check. A round is done by the first
finished attempt at its scenario after the loop started; when all five are done
the report is sent, claimed the same way.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.scenarios import Scenario
from bot.exts.errors import DMS_CLOSED
from bot.exts.shared.embeds import COLOURS, EmbedBuilder
from bot.exts.shared.wording import groups_wording
from bot.store import LoopExists, LoopRecord, LoopRound

if TYPE_CHECKING:
    from bot.bot import InterviewBotMixin

log = logging.getLogger("bot.loop")

DAY_S = 86_400.0
#: The loop's rounds in order (negotiation last) and the days after the start each is due.
ROUNDS = (
    "recruiter-screen",
    "product-sense",
    "technical-deep-dive",
    "bias-role-play",
    "negotiation",
)
FALLBACK_ROUND = "values"
DAY_OFFSETS = (0, 7, 14, 21, 28)
LATE_S = 3600.0


class LoopCog(commands.Cog, name="Loop"):
    """Five rounds, a few days apart, with DM reminders and a closing report."""

    loop_group = app_commands.Group(name="loop", description=groups_wording("cmd_loop"))

    def __init__(self, bot: InterviewBotMixin) -> None:
        self.bot = bot
        self.interviews = bot.interviews
        self.store = bot.interviews.store
        self.caught_up = asyncio.Event()  # set after the start-up catch-up has run

    async def cog_load(self) -> None:
        if self.bot.background:
            self.bot.spawn(self._reminders(), "loop-reminders")

    def now(self) -> float:
        return self.interviews.clock()

    # ------------------------------------------------------------------ the plan
    def plan(self, start: float) -> list[tuple[str, float]]:
        """(scenario id, due time) for each round that has a bundled scenario."""
        out: list[tuple[str, float]] = []
        used: set[str] = set()
        for round_name, days in zip(ROUNDS, DAY_OFFSETS, strict=True):
            options = sorted(
                (s for s in self.interviews.catalogue.by_round(round_name) if s.id not in used),
                key=lambda s: s.id,
            ) or sorted(self.interviews.catalogue.by_round(FALLBACK_ROUND), key=lambda s: s.id)
            if options:
                used.add(options[0].id)
                out.append((options[0].id, start + days * DAY_S))
        return out

    def scenario(self, scenario_id: str) -> Scenario | None:
        return self.interviews.catalogue.scenarios.get(scenario_id)

    # ------------------------------------------------------------------ commands
    @loop_group.command(name="start", description=groups_wording("cmd_loop_start"))
    async def start(self, interaction: discord.Interaction) -> None:
        user = interaction.user
        await self.bot.store.upsert_user(str(user.id), user.display_name)
        await self.bot.store.set_user_setting(str(user.id), "dm_reminders", True)
        try:
            loop = await self.store.start_loop(str(user.id), self.plan(self.now()), now=self.now())
        except LoopExists:
            await interaction.response.send_message(groups_wording("loop_exists"), ephemeral=True)
            return
        await interaction.response.send_message(
            groups_wording("loop_started", first=self._round_view(loop.rounds[0])),
            embeds=self.status_embeds(loop),
            ephemeral=True,
        )

    @loop_group.command(name="status", description=groups_wording("cmd_loop_status"))
    async def status(self, interaction: discord.Interaction) -> None:
        loop = await self.store.latest_loop(str(interaction.user.id))
        if loop is None:
            await interaction.response.send_message(groups_wording("loop_none"), ephemeral=True)
            return
        embeds = self.status_embeds(loop)
        if loop.status == "done":
            embeds += await self.report_embeds(loop)
        await interaction.response.send_message(embeds=embeds[:10], ephemeral=True)

    @loop_group.command(name="stop", description=groups_wording("cmd_loop_stop"))
    async def stop(self, interaction: discord.Interaction) -> None:
        loop = await self.store.stop_loop(str(interaction.user.id), now=self.now())
        await interaction.response.send_message(
            groups_wording("loop_stopped", stopped=loop is not None), ephemeral=True
        )

    # ------------------------------------------------------------------ embeds
    def _round_view(self, rnd: LoopRound) -> dict[str, Any]:
        scenario = self.scenario(rnd.scenario_id)
        return {
            "seq": rnd.seq,
            "scenario_id": rnd.scenario_id,
            "title": scenario.spec.title if scenario else rnd.scenario_id,
            "round": scenario.spec.round if scenario else "",
            "due": int(rnd.due_at),
            "session_id": rnd.session_id,
            "overall": None if rnd.overall is None else round(rnd.overall),
            "reminded": rnd.reminded_at is not None,
            "error": rnd.remind_error,
        }

    def status_embeds(self, loop: LoopRecord) -> list[discord.Embed]:
        builder = EmbedBuilder(
            title=groups_wording("loop_title", status=loop.status),
            colour=COLOURS["info"],
            description=groups_wording(
                "loop_description",
                loop=loop,
                done=sum(1 for r in loop.rounds if r.session_id is not None),
                total=len(loop.rounds),
            ),
        )
        for rnd in loop.rounds:
            view = self._round_view(rnd)
            builder.add_field(
                groups_wording("loop_round_name", r=view),
                groups_wording("loop_round_value", r=view),
            )
        return builder.build()

    async def report_embeds(self, loop: LoopRecord) -> list[discord.Embed]:
        """Across all rounds: each score, the average, and the criteria missed."""
        scores = [r.overall for r in loop.rounds if r.overall is not None]
        views = [self._round_view(r) for r in loop.rounds]
        missed: list[str] = []
        for rnd in loop.rounds:
            results = await self.bot.store.get_results(rnd.session_id) if rnd.session_id else None
            scenario = self.scenario(rnd.scenario_id)
            for cid, res in ((results or {}).get("criteria") or {}).items():
                if not res.get("met") and scenario is not None:
                    try:
                        missed.append(scenario.criterion(cid).spec.label)
                    except KeyError:
                        missed.append(cid)
        builder = EmbedBuilder(
            title=groups_wording("report_title"),
            colour=COLOURS["summary"],
            description=groups_wording(
                "report_description",
                rounds=len(loop.rounds),
                average=round(sum(scores) / len(scores)) if scores else 0,
                best=max(views, key=lambda v: v["overall"] or 0),
                worst=min(views, key=lambda v: v["overall"] or 0),
            ),
        )
        for rnd in loop.rounds:
            view = self._round_view(rnd)
            builder.add_field(
                groups_wording("report_round_name", r=view),
                groups_wording("report_round_value", r=view),
            )
        builder.add_field(
            groups_wording("report_missed_name"),
            groups_wording("report_missed_value", missed=missed),
        )
        return builder.build()

    # ------------------------------------------------------------------ reminders
    async def _reminders(self) -> None:
        await cast(Any, self.bot).wait_until_ready()
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("loop reminders failed")
            finally:
                self.caught_up.set()
            await asyncio.sleep(self.bot.settings.idle_sweep_seconds)

    async def tick(self, now: float | None = None) -> int:
        """Send the reminders now due and the reports of finished loops; how many DMs went."""
        at = self.now() if now is None else now
        lease = self.bot.settings.loop_claim_lease_s
        sent = 0
        for rnd in await self.store.claim_due_reminders(at, lease_s=lease):
            if await self._remind(rnd, at):
                sent += 1
        for loop in await self.store.claim_finished_loops(at, lease_s=lease):
            if await self._report(loop):
                sent += 1
        return sent

    async def _report(self, loop: LoopRecord) -> bool:
        """DM a claimed loop's report; complete the claim unless the failure may pass."""
        embeds = self.status_embeds(loop) + await self.report_embeds(loop)
        result = await self._dm(loop.user_id, groups_wording("report_dm"), embeds[:10])
        if result is False:
            await self.store.release_loop_report(loop.id)  # try again next time
            return False
        # sent, or DMs closed: the report stays in `/loop status` either way
        await self.store.complete_loop_report(loop.id, now=self.now())
        return result is True

    async def _remind(self, rnd: LoopRound, at: float) -> bool:
        if rnd.claimed_until is not None and self.now() >= rnd.claimed_until:
            # the lease ran out while earlier DMs of this check went (rate limits): another
            # process may hold it now; if none does, the next check takes it again
            log.warning("lease on loop %s round %s ran out before its DM", rnd.loop_id, rnd.seq)
            return False
        loop = await self.store.get_loop(rnd.loop_id)
        if loop is None:
            return False
        user = await self.bot.store.get_user(loop.user_id)
        if user is None or not user.dm_reminders:
            await self.store.note_reminder_error(rnd.loop_id, rnd.seq, "reminders_off")
            return False
        content = groups_wording(
            "reminder",
            r=self._round_view(rnd),
            total=len(loop.rounds),
            late=at - rnd.due_at > LATE_S,
        )
        result = await self._dm(loop.user_id, content, [])
        if result is True:
            await self.store.complete_reminder(rnd.loop_id, rnd.seq, now=self.now())
            return True
        if result == "dms_closed":
            await self.store.note_reminder_error(rnd.loop_id, rnd.seq, "dms_closed")
        else:
            await self.store.release_reminder(rnd.loop_id, rnd.seq)  # try again next time
        return False

    async def _dm(self, user_id: str, content: str, embeds: list[discord.Embed]) -> bool | str:
        """True if sent; "dms_closed" if the user's settings refuse it; False otherwise."""
        client = cast(Any, self.bot)
        try:
            channel = await client.create_dm(discord.Object(int(user_id)))
            await channel.send(content=content, embeds=embeds)
            return True
        except discord.Forbidden as exc:
            if exc.code == DMS_CLOSED:
                log.info("user %s does not accept DMs; reminder recorded as undelivered", user_id)
                return "dms_closed"
            log.warning("DM to %s refused: %s", user_id, exc)
            return False
        except discord.HTTPException as exc:
            log.warning("DM to %s failed, will retry: %s", user_id, exc)
            return False
