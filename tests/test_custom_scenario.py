"""End-to-end checks for the custom data-platform-pm scenario (tests/data/custom/).

Everything goes through the CLI, the way a scenario author uses it.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "data" / "custom" / "data-platform-pm.toml"
LABELLED = REPO / "tests" / "data" / "custom" / "data-platform-pm.jsonl"
COMMON = REPO / "scenarios" / "_common.toml"
SCENARIO_ID = "data-platform-pm"

PRACTICE_ANSWERS = [
    "The first consumer is the support reply-suggestion model, and the platform succeeds "
    "when its acceptance rate goes from 22% to 30% within two quarters.",
    "Ticket events need to be fresh within 15 minutes, and at least 99.5% of a day's "
    "tickets must be present.",
    "We hash emails and phone numbers at ingestion and delete raw events after 30 days.",
    "We start with support as a pilot for six weeks, and expand to search only once the "
    "freshness target holds.",
]


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    shutil.copy(COMMON, tmp_path / "_common.toml")
    shutil.copy(FIXTURE, tmp_path / FIXTURE.name)
    return tmp_path


def run_bot(*args: str, env_extra: dict | None = None, stdin: str | None = None):
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=REPO,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def criterion_ids() -> set[str]:
    data = tomllib.loads(FIXTURE.read_text(encoding="utf-8"))
    return {c["id"] for c in data["criteria"]}


def test_validate_passes(scenario_dir: Path) -> None:
    result = run_bot("scenarios", "validate", str(scenario_dir / FIXTURE.name))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 scenario file OK" in result.stdout


def test_practice_interview_gives_feedback(scenario_dir: Path) -> None:
    env = {
        "SCENARIOS_DIR": str(scenario_dir),
        "DATABASE_URL": f"sqlite:///{scenario_dir / 'db.db'}",
    }
    stdin = "\n\n".join(PRACTICE_ANSWERS) + "\n\n"
    result = run_bot("practice", "--scenario", SCENARIO_ID, env_extra=env, stdin=stdin)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "## Feedback" in out, out
    feedback = out.split("## Feedback", 1)[1]
    assert re.search(r"^- \[met\]", feedback, re.MULTILINE), feedback
    assert (scenario_dir / "db.db").exists()


def test_score_contract(scenario_dir: Path) -> None:
    line = {
        "id": "contract-1",
        "scenario": SCENARIO_ID,
        "answers": PRACTICE_ANSWERS[:2],
    }
    result = run_bot(
        "score",
        "-",
        env_extra={"SCENARIOS_DIR": str(scenario_dir)},
        stdin=json.dumps(line) + "\n",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = [x for x in result.stdout.splitlines() if x.strip()]
    assert len(lines) == 1, result.stdout
    out = json.loads(lines[0])
    assert out["id"] == "contract-1"
    assert out["scenario"] == SCENARIO_ID
    assert "error" not in out
    assert set(out["criteria"]) == criterion_ids()
    for cid, verdict in out["criteria"].items():
        assert isinstance(verdict["met"], bool), cid
        assert 0.0 <= verdict["score"] <= 1.0, cid
        assert isinstance(verdict["evidence"], list), cid
    assert out["criteria"]["consumer_metric"]["met"] is True
    assert out["criteria"]["data_quality_sla"]["met"] is True
    assert out["criteria"]["privacy_controls"]["met"] is False
    assert isinstance(out["antipatterns"], list)


def test_lint_answers_macro_f1(scenario_dir: Path) -> None:
    result = run_bot("scenarios", "lint-answers", str(scenario_dir / FIXTURE.name), str(LABELLED))
    assert result.returncode == 0, result.stdout + result.stderr
    match = re.search(r"macro-F1 criteria\s+([0-9.]+)", result.stdout)
    assert match, result.stdout
    assert float(match.group(1)) >= 0.85, result.stdout
    labelled = sum(1 for x in LABELLED.read_text().splitlines() if x.strip())
    assert labelled >= 14
    assert f"{SCENARIO_ID}: {labelled} labelled transcripts" in result.stdout
