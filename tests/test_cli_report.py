"""`python -m bot scenarios report`: the scorer's precision/recall, outside pytest's output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bot import PROJECT_ROOT


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "scenarios", "report", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=120,
    )


def test_report_on_a_file_prints_the_table_and_the_misses(tmp_path: Path) -> None:
    rows = [
        {
            "id": "r1",
            "scenario": "bias-complaint",
            "answers": ["We're so sorry, we really apologise and we care about every user."],
            "labels": {"criteria": [], "antipatterns": ["apology_only"]},
        },
        {
            "id": "r2",
            "scenario": "bias-complaint",
            "answers": ["I'd apologise."],
            "labels": {"criteria": ["mitigation_plan"], "antipatterns": []},
        },
    ]
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = run(str(path), "--errors")
    assert out.returncode == 0, out.stderr
    assert f"== {path} (2 transcripts)" in out.stdout
    assert "bias-complaint:apology_only" in out.stdout
    assert "fn bias-complaint:mitigation_plan r2" in out.stdout  # the miss is listed
    assert "macro-F1 criteria 0.667" in out.stdout  # 2 of 3 criteria right: empty ones count 1


def test_report_defaults_to_every_labelled_set_of_the_checkout() -> None:
    out = run()
    assert out.returncode == 0, out.stderr
    for name in ("train.jsonl", "public_sample.jsonl", "heldout", "dev", "adversarial"):
        assert f"== {name} (" in out.stdout


def test_report_on_a_missing_path_says_so() -> None:
    out = run("no/such/file.jsonl")
    assert out.returncode != 0
    assert "no such file or directory" in out.stderr
