"""A terminal interview resumes, lists and reopens on the scenario version it started with,
even after its scenario file was changed or deleted (the version is kept in the store)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.console import CONSOLE_PLACE, console_user
from bot.core.scenarios import load_directory
from bot.sessions import Interviews
from bot.store import open_store

ANSWER = (
    "People summarise long threads to find out what is asked of them. If the summary leads "
    "with an 'asks for you' line, I predict acceptance rises 20%, because they get their "
    "answer without opening the thread, so they keep the summary."
)
PERSONA = "Dana Okafor"  # auto-summarize's interviewer, as the session started with her


def scenarios_copy(tmp_path: Path) -> Path:
    target = tmp_path / "scenarios"
    target.mkdir()
    for name in ("_common.toml", "auto-summarize.toml", "bias-complaint.toml"):
        shutil.copy(PROJECT_ROOT / "scenarios" / name, target / name)
    return target


async def start_console_interview(database_url: str, scenarios: Path) -> int:
    """What `python -m bot practice --scenario auto-summarize` stores, then one answer."""
    store = await open_store(database_url)
    try:
        interviews = Interviews(store, load_directory(scenarios))
        user_id, name = console_user()
        turn = await interviews.start(user_id, name, CONSOLE_PLACE, "auto-summarize", seed=3)
        assert turn.scenario.spec.persona.name == PERSONA
        await interviews.answer(turn.session.id, user_id, ANSWER)
        return turn.session.id
    finally:
        await store.close()


def run_bot(*args: str, scenarios: Path, database_url: str, stdin: str = ""):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(SCENARIOS_DIR=str(scenarios), DATABASE_URL=database_url)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


@pytest.mark.parametrize("change", ["deleted", "changed"])
def test_resume_runs_on_the_stored_version_after_the_file_changed(
    change: str, tmp_path: Path
) -> None:
    scenarios = scenarios_copy(tmp_path)
    database_url = f"sqlite:///{tmp_path / 'console.db'}"
    session_id = asyncio.run(start_console_interview(database_url, scenarios))

    path = scenarios / "auto-summarize.toml"
    if change == "deleted":
        path.unlink()
    else:
        text = path.read_text(encoding="utf-8")
        assert PERSONA in text
        path.write_text(text.replace(PERSONA, "Rui Costa"), encoding="utf-8")

    again = run_bot(
        "practice", "--scenario", "bias-complaint", scenarios=scenarios, database_url=database_url
    )
    assert again.returncode == 2, again.stderr
    assert "unfinished interview: Improve auto-summarize" in again.stdout

    resumed = run_bot(
        "practice", "--resume", scenarios=scenarios, database_url=database_url, stdin="/end\n"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    assert "Resuming Improve auto-summarize: 1 answer already recorded" in resumed.stdout
    assert PERSONA in resumed.stdout and "Rui Costa" not in resumed.stdout
    assert "## Feedback" in resumed.stdout

    listing = run_bot("history", scenarios=scenarios, database_url=database_url)
    assert listing.returncode == 0, listing.stderr
    assert f"#{session_id}" in listing.stdout and "Improve auto-summarize" in listing.stdout
    shown = run_bot("history", str(session_id), scenarios=scenarios, database_url=database_url)
    assert shown.returncode == 0, shown.stderr
    assert f"**{PERSONA}:**" in shown.stdout and ANSWER[:40] in shown.stdout
