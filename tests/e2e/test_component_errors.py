"""A component whose check or work fails tells the user once, through the central handler."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fake_discord import FakeDiscord
from interview_harness import interview_bot
from test_interview_flow import is_move

WENT_WRONG = "went wrong on my side"


async def test_a_failing_button_reaches_the_user_once(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_discord
    async with interview_bot(fake, tmp_path) as h:
        ix = await fake.slash("interview start", {"round": "auto-summarize"}, dm=True)
        opening = await ix.wait_reply(predicate=is_move)
        sid = opening.custom_ids()[0].split(":")[-1]

        async def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("the hint broke")

        # the work fails after the button deferred: one followup says so
        monkeypatch.setattr(h.bot.interviews, "hint", broken)
        hint = await fake.click(opening, f"iv:hint:{sid}")
        said = await hint.wait_reply(predicate=lambda m: WENT_WRONG in m.text())
        assert said.ephemeral
        await asyncio.sleep(0.2)
        assert len(hint.callbacks) == 1 and len(hint.followups) == 1

        # the check fails (reading the session): answered, not swallowed by discord.py
        monkeypatch.setattr(h.store, "get_session", broken)
        end = await fake.click(opening, f"iv:end:{sid}")
        said = await end.wait_reply(predicate=lambda m: WENT_WRONG in m.text())
        assert said.ephemeral
        await asyncio.sleep(0.2)
        assert len(end.callbacks) == 1 and end.followups == []
