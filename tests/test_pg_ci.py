"""Under CI=true a skipped PostgreSQL test fails the run; elsewhere it is a plain skip."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TEST = """
import pytest

@pytest.mark.postgresql
def test_needs_a_server():
    pytest.skip("PostgreSQL: no server here")

def test_other_skips_stay_skips():
    pytest.skip("not about PostgreSQL")
"""


def run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(TEST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(Path(__file__).parent)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "pg_ci", "-p", "no:cacheprovider", "."],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_skipped_postgresql_test_fails_under_ci(tmp_path: Path) -> None:
    done = run(tmp_path, "true")
    assert done.returncode == 1, done.stdout
    assert "1 failed, 1 skipped" in done.stdout
    assert "may not be skipped under CI=true: Skipped: PostgreSQL: no server here" in done.stdout


def test_outside_ci_it_is_a_skip(tmp_path: Path) -> None:
    done = run(tmp_path, None)
    assert done.returncode == 0, done.stdout
    assert "2 skipped" in done.stdout
