"""A warning in the log when the event loop stalls: something held it for too long.

Every Discord user is served by one event loop; anything that runs on it without
yielding (a slow synchronous call, a long regex) makes every other user wait.
`watch_event_loop` is a heartbeat task: it sleeps a short `interval` and measures
how late it wakes up. The lateness is a lower bound on how long the loop could not
run anything, so a stall longer than `threshold + interval` is always reported,
and nothing shorter than `threshold` ever is. It works in production as it is
(asyncio's debug mode, which also times slow callbacks, costs too much to leave on).

Reports are at most one every `quiet` seconds; the ones held back are counted in
the next report.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

log = logging.getLogger("bot.watchdog")

STALL_THRESHOLD_S = 0.1  # warn when the loop stalls longer than 100 ms
HEARTBEAT_S = 0.01
QUIET_S = 1.0


async def watch_event_loop(
    threshold: float = STALL_THRESHOLD_S,
    interval: float = HEARTBEAT_S,
    *,
    quiet: float = QUIET_S,
    clock: Callable[[], float] = time.perf_counter,
) -> None:
    """Run until cancelled: log a warning whenever the loop was held longer than `threshold`."""
    held_back = 0
    worst_held_back = 0.0
    last_report = -quiet
    while True:
        before = clock()
        await asyncio.sleep(interval)
        now = clock()
        late = now - before - interval
        if late <= threshold:
            continue
        if now - last_report < quiet:
            held_back += 1
            worst_held_back = max(worst_held_back, late)
            continue
        more = ""
        if held_back:
            longest = worst_held_back * 1000
            more = f" ({held_back} more since the last report, the longest {longest:.0f} ms)"
        log.warning(
            "event loop stalled for %.0f ms (over %.0f ms): something ran on it without "
            "yielding, and every user waited%s",
            late * 1000,
            threshold * 1000,
            more,
        )
        last_report = now
        held_back = 0
        worst_held_back = 0.0
