"""`practice --study` shows the rubric before the interview; plain `practice` does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

LABELS = ("Concrete mitigation plan", "Bias measurement with a target", "Human-in-the-loop review")


def practise(tmp_path: Path, *flags: str) -> str:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"}
    out = subprocess.run(
        [sys.executable, "-m", "bot", "practice", "--scenario", "bias-complaint", *flags],
        input="/end\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_practice_keeps_the_rubric_for_the_feedback(tmp_path: Path) -> None:
    shown = practise(tmp_path)
    before_feedback = shown.split("## Feedback")[0]
    assert "Study mode" not in before_feedback
    assert not any(label in before_feedback for label in LABELS)


def test_practice_study_shows_the_rubric_first(tmp_path: Path) -> None:
    shown = practise(tmp_path, "--study")
    before_opening = shown.split("**Leila Haddad**")[0]
    assert "Study mode" in before_opening
    assert all(label in before_opening for label in LABELS)
