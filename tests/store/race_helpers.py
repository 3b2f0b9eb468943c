"""Start several processes that open one fresh store at the same moment (migration race)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot import PROJECT_ROOT

HELPER = Path(__file__).parent / "migrate_now.py"


def open_at_once(url: str, processes: int = 3, timeout: float = 60.0) -> list[str]:
    """Each process's last line ("OPENED" or "FAILED …"), after all opened `url` together."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(HELPER), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        for _ in range(processes)
    ]
    try:
        for proc in procs:  # every one imported and waiting
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            assert line == "READY", line + proc.stdout.read()
        for proc in procs:  # then all at once
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outcomes = []
        for proc in procs:
            out, _ = proc.communicate(timeout=timeout)
            lines = [line for line in out.splitlines() if line.strip()]
            outcomes.append(lines[-1] if lines else f"exit {proc.returncode}, no output")
        return outcomes
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
