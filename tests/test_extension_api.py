"""The extensions' API: hooks and commands registered by each extension, in any load order."""

from __future__ import annotations

from pathlib import Path

import pytest
from discord import app_commands

import bot.bot as host
from bot.bot import EXTENSIONS, create_bot
from bot.exts.shared.hooks import InterviewHooks, InterviewNotLoaded
from bot.settings import Settings
from bot.store import open_store

INTERVIEW_SUBCOMMANDS = {"start", "answer", "end", "status", "rounds", "history", "forget-me"}
OTHER_SUBCOMMANDS = {"settings", "leaderboard", "leaderboard-opt-in", "progress"}


def subcommands(bot: object) -> set[str]:
    group = bot.tree.get_command("interview")  # type: ignore[attr-defined]
    if not isinstance(group, app_commands.Group):
        return set()
    return {c.name for c in group.commands}


async def test_extensions_load_and_unload_in_any_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(host, "EXTENSIONS", tuple(reversed(EXTENSIONS)))
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=f"sqlite:///{tmp_path / 'x.db'}", auto_shard=False
    )
    store = await open_store(settings.database_url)
    bot = create_bot(settings, store, background=False)
    try:
        await bot.setup_hook()  # groups and progress load before the interview extension
        assert subcommands(bot) == INTERVIEW_SUBCOMMANDS | OTHER_SUBCOMMANDS
        hooks = bot.interview_hooks
        assert len(hooks.start_checks) == 1 and len(hooks.summary_extras) == 1
        assert len(hooks.status_lines) == 1 and len(hooks.opening_items) == 1
        dynamic = {cls.__name__ for cls in bot._connection._view_store._dynamic_items.values()}
        assert {"SessionButton", "HistoryPage", "ForgetButton", "GroupButton"} <= dynamic

        await bot.unload_extension("bot.exts.interview")
        assert subcommands(bot) == OTHER_SUBCOMMANDS
        with pytest.raises(InterviewNotLoaded):
            await hooks.start_interview(None, None, "solo")  # type: ignore[arg-type]
        dynamic = {cls.__name__ for cls in bot._connection._view_store._dynamic_items.values()}
        assert "SessionButton" not in dynamic and "GroupButton" in dynamic

        await bot.unload_extension("bot.exts.groups")
        assert len(hooks.start_checks) == 0 and len(hooks.summary_extras) == 0
        await bot.unload_extension("bot.exts.progress")
        assert bot.tree.get_command("interview") is None  # gone with its last subcommand
        assert len(hooks.status_lines) == 0

        await bot.load_extension("bot.exts.interview")
        assert subcommands(bot) == INTERVIEW_SUBCOMMANDS
    finally:
        await bot.close()
        await store.close()


async def test_hooks_are_dropped_by_owner_and_called_in_order() -> None:
    hooks = InterviewHooks()
    first, second = object(), object()
    calls: list[str] = []

    async def refuse(interaction: object, mode: str, candidate: object) -> str | None:
        calls.append("first")
        return None

    async def refuse_too(interaction: object, mode: str, candidate: object) -> str | None:
        calls.append("second")
        return "no"

    hooks.register(first, start_check=refuse)
    hooks.register(second, start_check=refuse_too)
    reasons = [await check(None, "solo", None) for check in hooks.start_checks]  # type: ignore[arg-type]
    assert reasons == [None, "no"] and calls == ["first", "second"]
    hooks.unregister(first)
    assert list(hooks.start_checks) == [refuse_too]
