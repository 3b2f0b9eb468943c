"""The event-loop watchdog: a warning for a stall over the threshold, none below it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import pytest

from bot.watchdog import watch_event_loop


def stalls(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.watchdog"]


def stalled_ms(message: str) -> int:
    return int(message.split("stalled for ")[1].split(" ms")[0])


async def run_watchdog(*blocks: float, gap: float = 0.05, quiet: float = 1.0) -> None:
    """The watchdog runs while the loop is blocked `blocks` seconds each, `gap` apart."""
    task = asyncio.create_task(watch_event_loop(quiet=quiet))
    await asyncio.sleep(gap)
    for block in blocks:
        time.sleep(block)  # holds the event loop, as a slow synchronous call would
        await asyncio.sleep(gap)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_a_stall_over_100_ms_is_a_warning_with_its_length(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.watchdog")
    await run_watchdog(0.25)
    found = stalls(caplog)
    assert len(found) == 1, found
    assert 230 <= stalled_ms(found[0]) <= 350, found
    assert "over 100 ms" in found[0]


async def test_short_holds_are_not_reported(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.watchdog")
    await run_watchdog(0.03, 0.05, 0.06)
    assert stalls(caplog) == []


async def test_stalls_in_a_row_are_reported_once_a_second_and_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.watchdog")
    await run_watchdog(0.15, 0.2, 0.15, gap=0.05, quiet=0.4)
    found = stalls(caplog)
    assert len(found) == 2, found
    assert "more since the last report" not in found[0]
    assert "(1 more since the last report, the longest 2" in found[1], found
