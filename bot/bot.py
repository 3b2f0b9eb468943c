"""The discord.py bot: opens the store, loads the extensions, runs the idle sweep.

`create_bot(settings, ...)` returns an `AutoShardedInterviewBot` (shards when Discord
asks, or `SHARD_COUNT`) or, with `AUTO_SHARD=false`, a single-connection
`InterviewBot`. With `SHARD_IDS` the process holds only those shards of
`SHARD_COUNT` (several processes share one database): `bot.owns(guild_id)` says
which sessions are its own, and identifies wait for turns reserved in the
database so processes starting together draw no op 9. Both mention nobody
unless a message says so (`allowed_mentions` is none for the whole client) and
run the idle sweep that closes sessions past their time budget (the interview
extension posts their summaries, on the `interview_session_expired` event). What
the features do is theirs: each extension registers its commands, its
restart-proof components and its hooks (`bot.interview_hooks`, see
`bot.exts.shared.hooks`); the bot knows none of them by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord.ext import commands

from bot.core.scenarios import Catalogue, load_directory
from bot.core.scorer import prepare
from bot.exts.shared.hooks import InterviewHooks, dispatch_session_expired
from bot.render import use_templates
from bot.sessions import Interviews
from bot.settings import Settings
from bot.sharding import IdentifyGate, Ownership
from bot.store import SessionRecord, Store, open_store
from bot.watchdog import watch_event_loop

log = logging.getLogger("bot")

EXTENSIONS = (
    "bot.exts.errors",
    "bot.exts.interview",
    "bot.exts.scenarios_admin",
    "bot.exts.groups",
    "bot.exts.progress",
    "bot.exts.loop",
)


def intents_for(settings: Settings) -> discord.Intents:
    """The least the bot needs: guilds, guild and DM messages; message content if enabled."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = settings.message_content_intent
    return intents


class InterviewBotMixin:
    """What both bot classes share; mixed into commands.Bot / commands.AutoShardedBot."""

    settings: Settings
    interviews: Interviews
    interview_hooks: InterviewHooks

    def _init_interview(
        self,
        settings: Settings,
        store: Store | None,
        catalogue: Catalogue | None,
        *,
        background: bool,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        use_templates(settings.templates_dir)
        self._store = store
        self._owns_store = store is None
        self._catalogue = catalogue
        self.background = background  # False: no periodic work (tests, sync)
        self._clock = clock  # every feature's "now" (tests move it: days pass in a second)
        self._tasks: set[asyncio.Task[Any]] = set()
        self.interview_hooks = InterviewHooks()
        self.resumed_sessions = asyncio.Event()  # set on the interview_sessions_resumed event
        self.ownership = Ownership(settings.shard_count, settings.shards)

    # ------------------------------------------------------------------ ownership
    def owns_guild(self, guild_id: int | str) -> bool:
        """Whether this process holds the shard of `guild_id` (always, unless SHARD_IDS)."""
        return self.ownership.owns_guild(guild_id)

    def owns_dms(self) -> bool:
        """Whether this process gets DMs (it holds shard 0, or every shard)."""
        return self.ownership.owns_dms()

    def owns(self, guild_id: int | str | None) -> bool:
        """A session's place: `guild_id`, or None for a DM. Walks of open sessions
        (resume notices, the idle sweep, pace nudges, loop reminders) keep only these."""
        return self.ownership.owns(guild_id)

    def owns_session(self, session: SessionRecord) -> bool:
        """Whether this process acts on `session` (its guild's shard, or shard 0 for DMs):
        `[s for s in await bot.store.open_sessions() if bot.owns_session(s)]`."""
        return self.ownership.owns_session(session)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """Wait for this shard's identify turn, reserved in the database shared by every
        process, so identifies in one bucket are IDENTIFY_INTERVAL_S apart (else op 9)."""
        if self._store is None:  # not opened yet (never, in practice): discord.py's own pause
            await super().before_identify_hook(shard_id, initial=initial)  # type: ignore[misc]
            return
        store = self._store
        gate = IdentifyGate(
            lambda bucket, interval: store.reserve_identify_slot(bucket, interval, time.time),
            max_concurrency=self.settings.identify_max_concurrency,
            interval=self.settings.identify_interval_s,
        )
        await gate.wait_turn(shard_id)

    # ------------------------------------------------------------------ lifecycle
    async def setup_hook(self) -> None:
        bot: commands.Bot = self  # type: ignore[assignment]
        if self._store is None:
            self._store = await open_store(
                self.settings.database_url, retention_days=self.settings.transcript_retention_days
            )
        catalogue = self._catalogue or load_directory(self.settings.scenarios_dir)
        self.interviews = Interviews(
            self._store, catalogue, clock=self._clock, hint_cost=self.settings.hint_cost
        )
        # every bundled round ready to score before the gateway connects: the first
        # answer in each would otherwise wait for it, behind everyone else's
        await asyncio.to_thread(lambda: [prepare(scenario) for scenario in catalogue])
        for name in EXTENSIONS:
            await bot.load_extension(name)
        if self.background:
            self.spawn(self._sweep_loop(), "idle-sweep")
            self.spawn(watch_event_loop(), "loop-watchdog")  # warns of stalls over 100 ms

    @property
    def store(self) -> Store:
        assert self._store is not None, "the store opens in setup_hook"
        return self._store

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """A background task the bot cancels and awaits on close."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task %s failed", task.get_name(), exc_info=task.exception())

    async def _sweep_loop(self) -> None:
        await self.wait_until_ready()  # type: ignore[attr-defined]
        while True:
            await self.sweep_once()
            await asyncio.sleep(self.settings.idle_sweep_seconds)

    async def sweep_once(self) -> int:
        """Close the idle sessions this process owns past their budget (their summaries
        are posted on the `interview_session_expired` event); purge old transcripts."""
        try:
            expired = await self.interviews.sweep(owns=self.owns_session)
        except Exception:
            log.exception("idle sweep failed")
            return 0
        for session in expired:
            dispatch_session_expired(self, session)  # type: ignore[arg-type]
        if expired:
            log.info("idle sweep closed %d interview(s)", len(expired))
        return len(expired)

    async def close(self) -> None:
        """Stop background tasks and views, disconnect, then close the store if it is ours."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for view in list(self.persistent_views):  # type: ignore[attr-defined]
            view.stop()
        await super().close()  # type: ignore[misc]
        await self._cancel_ready_waits()
        if self._owns_store and self._store is not None:
            await self._store.close()

    async def _cancel_ready_waits(self) -> None:
        """discord.py leaves its "waiting for guilds" tasks running if closed before READY."""
        state = getattr(self, "_connection", None)
        waits = [getattr(state, "_ready_task", None)]
        waits += list(getattr(state, "_ready_tasks", {}).values())
        pending = [t for t in waits if isinstance(t, asyncio.Task) and not t.done()]
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: plain messages are only answers (see the interview cog)."""

    async def on_ready(self) -> None:
        user = self.user  # type: ignore[attr-defined]
        guilds = len(self.guilds)  # type: ignore[attr-defined]
        log.info("connected as %s (id %s) to %d server(s)", user, getattr(user, "id", "?"), guilds)

    async def on_interview_sessions_resumed(self, count: int) -> None:
        self.resumed_sessions.set()


def _client_options(settings: Settings, **overrides: Any) -> dict[str, Any]:
    options: dict[str, Any] = {
        "command_prefix": commands.when_mentioned,
        "intents": intents_for(settings),
        "allowed_mentions": discord.AllowedMentions.none(),
        "help_command": None,
        "max_messages": 200,
        "chunk_guilds_at_startup": False,
    }
    options.update(overrides)
    return options


class InterviewBot(InterviewBotMixin, commands.Bot):
    """One gateway connection."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        catalogue: Catalogue | None = None,
        *,
        background: bool = True,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        super().__init__(**_client_options(settings, **options))
        self._init_interview(settings, store, catalogue, background=background, clock=clock)


class AutoShardedInterviewBot(InterviewBotMixin, commands.AutoShardedBot):
    """Shards as Discord recommends (or SHARD_COUNT)."""

    def __init__(
        self,
        settings: Settings,
        store: Store | None = None,
        catalogue: Catalogue | None = None,
        *,
        background: bool = True,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        if settings.shard_count is not None:
            options.setdefault("shard_count", settings.shard_count)
        if settings.shards is not None:
            options.setdefault("shard_ids", list(settings.shards))
        super().__init__(**_client_options(settings, **options))
        self._init_interview(settings, store, catalogue, background=background, clock=clock)


def create_bot(
    settings: Settings,
    store: Store | None = None,
    catalogue: Catalogue | None = None,
    **options: Any,
) -> InterviewBot | AutoShardedInterviewBot:
    """The bot class the settings ask for."""
    sharded = settings.auto_shard or settings.shards is not None  # SHARD_IDS needs shards
    cls = AutoShardedInterviewBot if sharded else InterviewBot
    return cls(settings, store, catalogue, **options)
