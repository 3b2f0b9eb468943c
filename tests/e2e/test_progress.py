"""Progress through the fake Discord: the chart (a real PNG, drawn off the event loop), the
weakest criteria and the drill, and the per-answer timers (with an injected clock)."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fake_discord import FakeDiscord
from interview_harness import interview_bot
from matplotlib import image as mpimg
from test_interview_flow import INTENT, UI, is_move

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _one_interview(fake: FakeDiscord, dm: int, answer: str) -> None:
    ix = await fake.slash("interview start", {"round": "auto-summarize"}, dm=True)
    await ix.wait_reply(predicate=is_move)
    since = fake.checkpoint()
    await fake.user_message(dm, answer)
    await fake.wait_for_message(dm, predicate=is_move, since=since)
    end = await fake.slash("interview end", dm=True)
    await end.wait_reply(predicate=lambda m: bool(m.attachments))


async def test_progress_chart_is_a_png_drawn_in_a_thread(
    fake_discord: FakeDiscord, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_discord
    threads: list[tuple[str, str]] = []
    to_thread = asyncio.to_thread

    async def spy(func: Any, /, *args: Any, **kwargs: Any) -> Any:
        def run() -> Any:
            threads.append((func.__name__, threading.current_thread().name))
            return func(*args, **kwargs)

        return await to_thread(run)

    monkeypatch.setattr(asyncio, "to_thread", spy)
    async with interview_bot(fake, tmp_path):
        empty = await fake.slash("interview progress", dm=True)
        assert "No finished interviews yet" in (await empty.wait_reply()).content

        dm = fake.dm_channel_for(fake.alice)
        await _one_interview(fake, dm, UI)
        await _one_interview(fake, dm, INTENT)

        ix = await fake.slash("interview progress", dm=True)
        reply = await ix.wait_reply(predicate=lambda m: bool(m.attachments))
        assert reply.ephemeral
        assert reply.attachments[0]["filename"] == "progress.png"
        png = reply.file_bytes("progress.png")
        assert png.startswith(PNG_SIGNATURE)
        pixels = mpimg.imread(io.BytesIO(png), format="png")
        assert pixels.shape[1] == 1100 and pixels.shape[0] >= 350
        charts = [where for name, where in threads if name == "render_chart"]  # scoring too
        assert len(charts) == 1 and charts[0] != threading.main_thread().name

        embed = reply.embeds[0]
        assert embed["image"]["url"] == "attachment://progress.png"
        text = reply.text()
        assert "2 finished interviews" in text
        assert "Your three weakest criteria" in text and "1. **" in text and "3. **" in text
        assert "`/interview start round:auto-summarize`" in text


async def test_answer_timer_nudges_once_per_mark_and_status_shows_the_budget(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    now = [time.time()]
    async with interview_bot(fake, tmp_path, clock=lambda: now[0]) as h:
        pace = h.bot.get_cog("Pace")
        dm = fake.dm_channel_for(fake.alice)
        ix = await fake.slash("interview start", {"round": "auto-summarize"}, dm=True)
        await ix.wait_reply(predicate=is_move)  # pace for auto-summarize: [3, 5] minutes

        assert await pace.check_pace() == 0
        now[0] += 3 * 60 + 5
        since = fake.checkpoint()
        assert await pace.check_pace() == 1
        nudge = await fake.wait_for_message(dm, predicate=lambda m: "⏳" in m.content, since=since)
        assert "open 3 min" in nudge.content and "about 3 is typical" in nudge.content
        assert await pace.check_pace() == 0  # said once
        now[0] += 2 * 60
        assert await pace.check_pace() == 1
        late = fake.find_messages(dm, predicate=lambda m: "⏳" in m.content, since=since)
        assert len(late) == 2 and "past the 5 minutes" in late[-1].content

        status = await fake.slash("interview status", dm=True)
        text = (await status.wait_reply()).content
        assert "This answer: 5 min 5 s so far (pace for this round: 3–5 min per answer)" in text
        assert "Time budget: " in text and " of 30 min left" in text

        # an answer starts a new clock for the next question
        since = fake.checkpoint()
        await fake.user_message(dm, UI)
        await fake.wait_for_message(dm, predicate=is_move, since=since)
        now[0] += 60
        assert await pace.check_pace() == 0
