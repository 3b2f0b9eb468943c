"""Run the bot from settings: readable logs, clean SIGTERM/SIGINT, start-up backoff, explicit sync.

`run_bot(settings)` is what `python -m bot run` calls. A start-up that fails for a
reason a retry can fix (network down, Discord 5xx, gateway unreachable) is retried
after an exponential, jittered backoff (`STARTUP_BACKOFF_INITIAL_S` doubling up to
`STARTUP_BACKOFF_MAX_S`, at most `STARTUP_MAX_ATTEMPTS` tries), so a crash-looping
process cannot burn Discord's 1,000 identifies a day. A rejected token or a
privileged intent that is not enabled stops at once: retrying cannot fix those.
Once connected, discord.py reconnects and resumes by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Coroutine
from typing import Any, TypeVar

import aiohttp
import discord

from bot.bot import create_bot
from bot.core.scenarios import ScenarioLoadError, load_directory
from bot.settings import Settings
from bot.store import StoreError, open_store

log = logging.getLogger("bot.launcher")
_T = TypeVar("_T")

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2

RETRYABLE: tuple[type[BaseException], ...] = (
    OSError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    discord.GatewayNotFound,
    discord.ConnectionClosed,
    discord.DiscordServerError,
)


def configure_logging(level: str) -> None:
    """One readable line per event: time, level, logger, message."""
    logging.basicConfig(level=level, format=LOG_FORMAT, datefmt="%Y-%m-%d %H:%M:%S", force=True)
    logging.getLogger("discord.gateway").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("discord.http").setLevel(logging.WARNING)


def backoff_delay(attempt: int, settings: Settings, rng: random.Random | None = None) -> float:
    """Seconds to wait before start-up attempt `attempt + 1` (attempt counts from 1)."""
    base = settings.startup_backoff_initial_s * (2 ** (attempt - 1))
    capped = min(settings.startup_backoff_max_s, base)
    return capped * (0.5 + (rng or random).random() / 2)


def _token(settings: Settings) -> str:
    token = settings.discord_token.get_secret_value() if settings.discord_token else ""
    return token.strip()


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> int:
    """Run until stopped (SIGTERM/SIGINT or `stop`); retry failed start-ups with backoff."""
    token = _token(settings)
    if not token:
        log.error("DISCORD_TOKEN is not set")
        return EXIT_CONFIG
    try:
        catalogue = load_directory(settings.scenarios_dir)
    except ScenarioLoadError as exc:
        log.error("the scenario files have errors: %s", exc)
        return EXIT_CONFIG
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, _on_signal, sig, stop)
    attempt = 0
    try:
        while not stop.is_set():
            attempt += 1
            outcome = await _run_once(settings, token, catalogue, stop)
            if outcome is not None:
                return outcome
            if attempt >= settings.startup_max_attempts:
                log.error("giving up after %d failed start-ups", attempt)
                return EXIT_FAILED
            delay = backoff_delay(attempt, settings)
            log.warning("start-up attempt %d failed; retrying in %.1f s", attempt, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
        return EXIT_OK
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


def _on_signal(sig: signal.Signals, stop: asyncio.Event) -> None:
    log.info("%s received: shutting down", sig.name)
    stop.set()


async def _run_once(
    settings: Settings, token: str, catalogue: Any, stop: asyncio.Event
) -> int | None:
    """One start-up: an exit status, or None when a retry may succeed."""
    try:
        store = await open_store(
            settings.database_url, retention_days=settings.transcript_retention_days
        )
    except StoreError as exc:
        log.error("the session store could not be opened: %s", exc)
        return EXIT_CONFIG
    bot = create_bot(settings, store, catalogue)
    runner = asyncio.create_task(bot.start(token), name="discord-client")
    stopper = asyncio.create_task(stop.wait(), name="stop-signal")
    try:
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            exc = runner.exception()
            if exc is None:
                return EXIT_OK
            return _classify(exc)
        return EXIT_OK
    finally:
        stopper.cancel()
        await bot.close()  # stops background tasks and views, disconnects
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(runner, 10)
        await store.close()
        log.info("stopped: store closed")


def _classify(exc: BaseException) -> int | None:
    if isinstance(exc, discord.LoginFailure):
        log.error("Discord rejected the token (DISCORD_TOKEN): %s", exc)
        return EXIT_CONFIG
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        log.error(
            "MESSAGE_CONTENT_INTENT is on but the Message Content intent is not enabled for "
            "this application in the developer portal: enable it there or set it to false"
        )
        return EXIT_CONFIG
    if isinstance(exc, RETRYABLE):
        log.warning("could not connect to Discord: %r", exc)
        return None
    log.error("the bot stopped on an unexpected error", exc_info=exc)
    return None


def run_event_loop(main: Coroutine[Any, Any, _T]) -> _T:
    """Run `main` to the end on uvloop where it is installed (Linux, macOS), else asyncio's.

    uvloop is a drop-in event loop in C: the bot's own work per answer is the same,
    but the loop and its sockets cost less CPU (gateway events, REST calls).
    """
    try:
        import uvloop
    except ImportError:  # Windows
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def run_bot(settings: Settings) -> int:
    """`python -m bot run`: the exit status."""
    configure_logging(settings.log_level)
    try:
        return run_event_loop(serve(settings))
    except KeyboardInterrupt:
        return EXIT_OK


async def sync_commands_async(settings: Settings, guild_id: int | None = None) -> int:
    """Push the command tree to Discord: to one guild (instant) or globally. Exit status."""
    token = _token(settings)
    if not token:
        log.error("DISCORD_TOKEN is not set")
        return EXIT_CONFIG
    bot = create_bot(settings, None, None, background=False)
    try:
        await bot.login(token)  # runs setup_hook: store, extensions, commands
        if guild_id is not None:
            guild = discord.Object(guild_id)
            bot.tree.copy_global_to(guild=guild)
            synced = await bot.tree.sync(guild=guild)
            log.info("synced %d command(s) to guild %s", len(synced), guild_id)
        else:
            synced = await bot.tree.sync()
            log.info(
                "synced %d global command(s); Discord may take a while to show them", len(synced)
            )
        return EXIT_OK
    except discord.LoginFailure as exc:
        log.error("Discord rejected the token (DISCORD_TOKEN): %s", exc)
        return EXIT_CONFIG
    except discord.HTTPException as exc:
        log.error("command sync failed: %s", exc)
        return EXIT_FAILED
    finally:
        await bot.close()


def sync_commands(settings: Settings, guild_id: int | None = None) -> int:
    """`python -m bot sync [--guild ID]`: the exit status."""
    configure_logging(settings.log_level)
    return asyncio.run(sync_commands_async(settings, guild_id))
