"""The real bot in a child OS process, pointed at a fake Discord; and a helper to run one.

Child side (``python tests/e2e/bot_process.py API_BASE GATEWAY_URL [options]``):
`bot.bot.create_bot` with the settings given (``--settings`` JSON: any `Settings`
field, e.g. ``{"database_url": ..., "shard_count": 2, "shard_ids": "0"}``; nothing
is read from ``.env``), discord.py's REST base and default gateway pointed at the
fake. It prints one line per milestone on stdout (logs go to stderr):

- ``READY`` once the bot is ready (after ``tree.sync()`` if ``--sync``);
- ``RESUMED <n>`` when the restart notices are done (`interview_sessions_resumed`);
- on SIGTERM it closes the bot cleanly and prints one JSON line
  ``{"peak_mb": ru_maxrss in MB, "cpu_s": user + system CPU seconds}``, then exits 0.

With ``BENCH_PROFILE=<file>`` in its environment the child runs under cProfile.

Parent side: `BotProcess.start(api_base, gateway, settings, ...)` starts a child
and waits for READY; ``await proc.stop()`` (SIGTERM, the usage report back) or
``await proc.kill()`` (SIGKILL: a crash, nothing flushed). `BotProcess` is also an
async context manager that stops (or, if stopping hangs, kills) the child on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve()

#: the child's settings unless overridden: one connection, no periodic sweep, quiet logs
DEFAULT_SETTINGS: dict[str, Any] = {
    "auto_shard": False,
    "log_level": "WARNING",
    "idle_sweep_seconds": 3600,
}


class BotProcessError(RuntimeError):
    """The child did not start, or did not stop as asked."""


# --------------------------------------------------------------------------- child side


async def run_bot_process(
    api_base: str,
    gateway: str,
    settings_values: Mapping[str, Any],
    *,
    token: str = "fake-token",
    sync: bool = False,
    guild_ready_timeout: float = 0.05,
) -> int:
    """Run the bot until SIGTERM (or until it fails); print READY / RESUMED / usage."""
    import discord.gateway
    import discord.http
    import yarl

    from bot.bot import create_bot
    from bot.launcher import configure_logging
    from bot.settings import Settings

    discord.http.Route.BASE = api_base  # the parent points discord.py at the fake
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway)
    settings = Settings(_env_file=None, **{**DEFAULT_SETTINGS, **settings_values})  # type: ignore[call-arg]
    configure_logging(settings.log_level)
    bot = create_bot(settings, guild_ready_timeout=guild_ready_timeout)

    async def on_resumed(count: int) -> None:
        print(f"RESUMED {count}", flush=True)

    bot.add_listener(on_resumed, "on_interview_sessions_resumed")
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    runner = asyncio.create_task(bot.start(token), name="bot")
    stopping = asyncio.create_task(stop.wait(), name="stop")
    failed = False
    try:
        while not bot.is_ready() and not stop.is_set():
            if runner.done():
                runner.result()  # the start-up error, on stderr
                raise BotProcessError("bot.start() returned before READY")
            await asyncio.sleep(0.01)
        if not stop.is_set():
            if sync:
                await bot.tree.sync()
            print("READY", flush=True)
            await asyncio.wait({runner, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if runner.done() and not stop.is_set():
                runner.result()
                raise BotProcessError("the bot stopped on its own")
    except Exception:
        failed = True
        raise
    finally:
        stopping.cancel()
        await bot.close()
        await asyncio.gather(runner, return_exceptions=True)
        if not failed:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu = usage.ru_utime + usage.ru_stime
            print(json.dumps({"peak_mb": usage.ru_maxrss / 1024, "cpu_s": cpu}), flush=True)
    return 0


def child_main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(description="the bot against a fake Discord")
    parser.add_argument("api_base")
    parser.add_argument("gateway")
    parser.add_argument("--settings", default="{}", help="JSON object of Settings fields")
    parser.add_argument("--token", default="fake-token")
    parser.add_argument("--sync", action="store_true", help="sync commands before READY")
    parser.add_argument("--guild-ready-timeout", type=float, default=0.05)
    args = parser.parse_args(argv)
    values = json.loads(args.settings)

    def run() -> int:
        from bot.launcher import run_event_loop

        return run_event_loop(
            run_bot_process(
                args.api_base,
                args.gateway,
                values,
                token=args.token,
                sync=args.sync,
                guild_ready_timeout=args.guild_ready_timeout,
            )
        )

    profile = os.environ.get("BENCH_PROFILE")  # a file for the child's cProfile
    if profile:
        import cProfile

        result: list[int] = []
        cProfile.runctx("result.append(run())", globals(), {"run": run, "result": result}, profile)
        return result[0] if result else 1
    return run()


# --------------------------------------------------------------------------- parent side


class BotProcess:
    """A running child bot; its stdout lines are collected as they come."""

    def __init__(self, proc: asyncio.subprocess.Process, name: str) -> None:
        self.proc = proc
        self.name = name
        self.lines: list[str] = []  # every stdout line so far
        self.usage: dict[str, float] | None = None  # the JSON report, after stop()
        self.ended = False  # its stdout reached EOF
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read(), name=f"{name}-stdout")

    @classmethod
    async def start(
        cls,
        api_base: str,
        gateway: str,
        settings: Mapping[str, Any],
        *,
        name: str = "bot",
        token: str = "fake-token",
        sync: bool = False,
        guild_ready_timeout: float = 0.05,
        wait_ready: bool = True,
        ready_timeout: float = 60.0,
        env: Mapping[str, str] | None = None,
        stderr: IO[Any] | int | None = None,
    ) -> BotProcess:
        """Start a child (settings: `Settings` fields, JSON-serialisable), by default
        waiting for READY. ``stderr``: where its logs go (default: this process's)."""
        argv = [
            sys.executable,
            str(SCRIPT),
            api_base,
            gateway,
            "--settings",
            json.dumps(dict(settings)),
            "--token",
            token,
            "--guild-ready-timeout",
            str(guild_ready_timeout),
        ]
        if sync:
            argv.append("--sync")
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdout=subprocess.PIPE,
            stderr=stderr,
            cwd=str(ROOT),
            env={**os.environ, **(env or {})},
        )
        child = cls(proc, name)
        if wait_ready:
            try:
                await child.wait_ready(ready_timeout)
            except BaseException:
                await child.kill()
                raise
        return child

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def running(self) -> bool:
        return self.proc.returncode is None

    async def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            raw = await self.proc.stdout.readline()
            async with self._changed:
                if raw:
                    self.lines.append(raw.decode(errors="replace").rstrip("\n"))
                else:
                    self.ended = True
                self._changed.notify_all()
            if not raw:
                return

    async def wait_line(self, prefix: str, timeout: float = 30.0, *, n: int = 1) -> str:
        """The `n`-th stdout line starting with `prefix` (waiting for it)."""

        def found() -> list[str]:
            return [line for line in self.lines if line.startswith(prefix)]

        async def wait() -> str:
            async with self._changed:
                while len(found()) < n and not self.ended:
                    await self._changed.wait()
            if len(found()) >= n:
                return found()[n - 1]
            with contextlib.suppress(TimeoutError):  # its output ended: so does it, soon
                await asyncio.wait_for(self.proc.wait(), 10)
            raise BotProcessError(
                f"{self.name} (pid {self.pid}) ended its output before "
                f"{prefix!r} (exit {self.proc.returncode}): {self.lines!r}"
            )

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            raise BotProcessError(
                f"{self.name} (pid {self.pid}): no {prefix!r} line after {timeout} s"
            ) from None

    async def wait_ready(self, timeout: float = 60.0) -> None:
        await self.wait_line("READY", timeout)

    def count(self, prefix: str) -> int:
        """How many stdout lines so far start with `prefix`."""
        return sum(1 for line in self.lines if line.startswith(prefix))

    async def stop(self, timeout: float = 30.0) -> dict[str, float]:
        """SIGTERM, wait for a clean exit (0) and return its usage report.

        If it does not exit within `timeout` it is killed and BotProcessError raised."""
        if self.running:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.proc.wait(), timeout)
            await asyncio.wait_for(self._reader, 5)
        except TimeoutError:
            await self.kill()
            raise BotProcessError(f"{self.name} did not stop within {timeout} s") from None
        if code != 0:
            raise BotProcessError(f"{self.name} exited {code}: {self.lines!r}")
        reports = [line for line in self.lines if line.startswith("{")]
        if not reports:
            raise BotProcessError(f"{self.name} printed no usage report: {self.lines!r}")
        self.usage = json.loads(reports[-1])
        return self.usage

    async def kill(self) -> None:
        """SIGKILL (a crash: nothing closed, nothing flushed) and reap it."""
        if self.running:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
        await self.proc.wait()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._reader, 5)

    async def __aenter__(self) -> BotProcess:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if not self.running:
            await self.kill()  # reaps, reads to the end
            return
        try:
            await self.stop()
        except BotProcessError:
            if exc[0] is None:
                raise


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(child_main(sys.argv[1:]))
