"""The command line, run as a user runs it: `python -m bot ...` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import DATA, SCENARIOS


@pytest.fixture(autouse=True)
def own_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's commands use their own SQLite file, and never the real data directory."""
    db = tmp_path / "cli.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{db}")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    return db


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    base.update(extra)
    return base


def bot(*args: str, stdin: str = "", cwd: Path | None = None, **extra: str):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env(**extra),
        timeout=60,
    )


def test_score_follows_the_contract(tmp_path: Path) -> None:
    rows = [json.loads(x) for x in (DATA / "public_sample.jsonl").read_text().splitlines()][:7]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    proc = bot("score", str(src), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == [r["id"] for r in rows]
    for o in out:
        assert set(o) == {"id", "scenario", "criteria", "antipatterns"}
        for c in o["criteria"].values():
            assert isinstance(c["met"], bool) and 0 <= c["score"] <= 1
            assert isinstance(c["evidence"], list)


def test_score_reports_bad_lines_and_keeps_going(tmp_path: Path) -> None:
    lines = [
        '{"id": "ok", "scenario": "auto-summarize", "answers": ["We randomise 20k users."]}',
        "{not json",
        '{"id": "u", "scenario": "no-such-round", "answers": ["x"]}',
        '{"id": "e", "scenario": "auto-summarize", "answers": []}',
        '{"id": "t", "scenario": "auto-summarize", "answers": [42]}',
        "[1, 2]",
        '{"id": "ok2", "scenario": "auto-summarize", "answers": ["idk"]}',
    ]
    proc = bot("score", "-", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 1
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["ok", None, "u", "e", "t", None, "ok2"]
    assert "criteria" in out[0] and "criteria" in out[-1]
    assert "not valid JSON" in out[1]["error"]
    assert "unknown scenario" in out[2]["error"]
    assert "no answers" in out[3]["error"]
    assert "list of strings" in out[4]["error"]
    assert "JSON object" in out[5]["error"]


def test_score_answers_a_blank_line_so_output_lines_up_with_input() -> None:
    good = '{"id": "%s", "scenario": "auto-summarize", "answers": ["We randomise 20k users."]}'
    lines = [good % "a", "", good % "b", "   ", good % "c", ""]
    proc = bot("score", "-", stdin="\n".join(lines) + "\n")
    assert proc.returncode == 1
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(out) == len(lines)
    assert [o["id"] for o in out] == ["a", None, "b", None, "c", None]
    assert out[1] == {"id": None, "error": "line 2: blank line"}
    assert out[3]["error"] == "line 4: blank line" and out[5]["error"] == "line 6: blank line"
    assert all("criteria" in out[i] for i in (0, 2, 4))


def test_score_missing_file_is_a_usage_error() -> None:
    proc = bot("score", "/nonexistent/file.jsonl")
    assert proc.returncode == 2 and "cannot read" in proc.stderr


def test_validate_bundled_and_broken(tmp_path: Path) -> None:
    proc = bot("scenarios", "validate")
    assert proc.returncode == 0, proc.stdout
    assert "OK" in proc.stdout
    good = (SCENARIOS / "auto-summarize.toml").read_text()
    broken = good.replace("time_budget_minutes = 30", "").replace('"product-sense"', '"lunch"')
    (tmp_path / "_common.toml").write_text((SCENARIOS / "_common.toml").read_text())
    (tmp_path / "broken.toml").write_text(broken)
    (tmp_path / "syntax.toml").write_text("id = \n")
    proc = bot("scenarios", "validate", str(tmp_path))
    assert proc.returncode == 1
    assert "broken.toml" in proc.stdout and "time_budget_minutes" in proc.stdout
    assert "unknown round 'lunch'" in proc.stdout
    assert "syntax.toml:1:" in proc.stdout
    assert "3 errors found" in proc.stdout


def test_validate_warns_about_a_slow_raw_phrase_but_loads_it(tmp_path: Path) -> None:
    good = (SCENARIOS / "auto-summarize.toml").read_text()
    slow = good.replace("causal_link = [", 'causal_link = ["re:[a-z]+\\\\d", ', 1)
    (tmp_path / "_common.toml").write_text((SCENARIOS / "_common.toml").read_text())
    (tmp_path / "slow.toml").write_text(slow)
    proc = bot("scenarios", "validate", str(tmp_path))
    assert proc.returncode == 0, proc.stdout  # a warning, not an error
    assert "slow.toml: warning: concept 'causal_link'" in proc.stdout
    assert "searched through every whole answer" in proc.stdout
    assert "1 scenario file OK, 1 warning." in proc.stdout


def test_practice_from_piped_input_ends_with_a_summary() -> None:
    answers = (
        "I'd move the summarize button into the toolbar and make it green, in a sidebar card.\n\n"
        "People summarise long threads to see what is asked of them.\n"
        "If the summary leads with that, I predict acceptance rises from 27% to 33%.\n"
    )  # no trailing blank line: end of input submits the pending answer
    proc = bot("practice", "--scenario", "auto-summarize", stdin=answers)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Not a UI redesign, but a hypothesis about user intent." in out
    assert "## Feedback: Improve auto-summarize" in out
    assert "[met]    **Hypothesis about user intent**" in out


def test_practice_commands_hint_status_end() -> None:
    proc = bot("practice", "--round", "product-sense", stdin="/status\n/hint\n/end\nnever read\n")
    assert proc.returncode == 0, proc.stderr
    assert "step 1 of" in proc.stdout
    assert "*Hint" in proc.stdout
    assert "let's stop here" in proc.stdout
    assert "not enough in your answers to score" in proc.stdout


def test_practice_without_a_choice_and_no_terminal_says_what_to_do() -> None:
    proc = bot("practice", stdin="")
    assert proc.returncode == 2
    assert "--scenario" in proc.stdout


def test_practice_unknown_scenario() -> None:
    proc = bot("practice", "--scenario", "nope")
    assert proc.returncode == 2 and "Unknown scenario" in proc.stdout


def test_ctrl_c_ends_cleanly_with_the_summary() -> None:
    proc = start_practice()
    send_and_wait_for_reply(proc, ANSWER)  # the answer is stored before the reply
    assert proc.stdin is not None
    proc.stdin.write("half an answer\n")  # typed, not sent: Ctrl-C drops it
    proc.stdin.flush()
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "## Feedback" in out
    assert "Traceback" not in err
    stored = bot("history", "1").stdout  # what was sent before Ctrl-C is kept
    assert f"**You:** {ANSWER}" in stored
    assert "half an answer" not in stored


def test_replay_json_script(tmp_path: Path) -> None:
    script = tmp_path / "answers.json"
    script.write_text(json.dumps(["idk", "Primary metric: acceptance rate from 30% to 36%."]))
    proc = bot("replay", "--scenario", "auto-summarize", str(script))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("**Candidate:**") == 2
    assert "## Feedback" in proc.stdout


def test_run_without_token_explains_and_exits_2(tmp_path: Path) -> None:
    proc = bot("run", cwd=tmp_path)
    assert proc.returncode == 2
    assert "DISCORD_TOKEN" in proc.stderr and "python -m bot practice" in proc.stderr


@pytest.mark.parametrize(
    ("var", "value", "expected"),
    [("LOG_LEVEL", "LOUD", "LOG_LEVEL"), ("DATABASE_URL", "mysql://x", "DATABASE_URL")],
)
def test_bad_setting_is_one_clear_line(tmp_path: Path, var: str, value: str, expected: str) -> None:
    proc = bot("run", cwd=tmp_path, **{var: value})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and "Traceback" not in proc.stderr


ALL_SCENARIOS = sorted(p.stem for p in SCENARIOS.glob("*.toml") if not p.name.startswith("_"))


@pytest.mark.parametrize("scenario", ALL_SCENARIOS)
def test_a_full_practice_interview_for_every_scenario(scenario: str) -> None:
    answers = "\n\n".join(
        [
            "I'm not sure where to start, honestly.",
            "I would talk to users and look at the data we have, then decide with the team.",
            "We would measure it and see whether it worked for the users over a month or two.",
        ]
        * 6
    )
    proc = bot("practice", "--scenario", scenario, stdin=answers)
    assert proc.returncode == 0, proc.stderr
    assert "## Feedback" in proc.stdout
    assert "Traceback" not in proc.stderr
    assert proc.stdout.count("[missed]") + proc.stdout.count("[partly]") >= 1


ANSWER = (
    "People want the asks first; I predict acceptance rises 20% for them, because they keep it."
)


def start_practice() -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "practice", "--scenario", "auto-summarize"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )


def send_and_wait_for_reply(proc: subprocess.Popen[str], text: str) -> str:
    """Send one answer and read until the interviewer's reply to it has been printed."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(text + "\n\n")
    proc.stdin.flush()
    seen = []
    while True:
        line = proc.stdout.readline()
        assert line, "the practice process ended early"
        seen.append(line)
        if line.startswith("**Dana Okafor:**"):
            return "".join(seen)


def test_sigkill_then_resume_loses_nothing_acknowledged() -> None:
    proc = start_practice()
    reply = send_and_wait_for_reply(proc, ANSWER)
    assert "Dana Okafor" in reply
    proc.kill()  # SIGKILL right after the reply: nothing acknowledged may be lost
    proc.wait(timeout=10)

    again = bot("practice", "--scenario", "auto-summarize")
    assert again.returncode == 2 and "unfinished interview" in again.stdout

    resumed = bot("practice", "--resume", stdin="/end\n")
    assert resumed.returncode == 0, resumed.stderr
    assert "1 answer already recorded" in resumed.stdout
    assert "[met]    **Hypothesis about user intent**" in resumed.stdout

    listing = bot("history")
    assert "#1" in listing.stdout and "Improve auto-summarize" in listing.stdout
    shown = bot("history", "1")
    assert f"**You:** {ANSWER}" in shown.stdout
    assert "## Feedback" in shown.stdout


def test_sigterm_stops_cleanly_and_the_session_can_be_resumed() -> None:
    proc = start_practice()
    send_and_wait_for_reply(proc, ANSWER)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143, err
    assert "--resume" in out and "Traceback" not in err
    resumed = bot("practice", "--resume", stdin="")
    assert resumed.returncode == 0
    assert "1 answer already recorded" in resumed.stdout


def test_new_ends_the_unfinished_one_and_starts_another() -> None:
    proc = start_practice()
    send_and_wait_for_reply(proc, ANSWER)
    proc.kill()
    proc.wait(timeout=10)
    fresh = bot("practice", "--new", "--scenario", "bias-complaint", stdin="/end\n")
    assert fresh.returncode == 0, fresh.stderr
    assert "is ended and saved" in fresh.stdout
    listing = bot("history").stdout
    assert "#1" in listing and "#2" in listing and "[ended]" in listing


def test_resume_with_nothing_to_resume() -> None:
    proc = bot("practice", "--resume")
    assert proc.returncode == 2 and "no unfinished interview" in proc.stdout


def test_history_when_empty_and_unknown_id() -> None:
    assert "No interviews yet" in bot("history").stdout
    missing = bot("history", "42")
    assert missing.returncode == 1 and "No interview #42" in missing.stdout


def test_history_page_past_the_end_says_so(tmp_path: Path) -> None:
    for _ in range(2):
        done = bot("practice", "--new", "--scenario", "auto-summarize", stdin="/end\n")
        assert done.returncode == 0, done.stderr
    assert "#2" in bot("history", "--page", "1").stdout
    past = bot("history", "--page", "2")
    assert past.returncode == 1
    assert "Page 2 is past the end: you have 2 interviews, 1 page." in past.stdout
    assert "No interviews yet" not in past.stdout
    empty = bot("history", "--page", "3", DATABASE_URL=f"sqlite:///{tmp_path / 'empty.db'}")
    assert empty.returncode == 0 and "No interviews yet" in empty.stdout


ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def times_in(data: object, key: str = "") -> list[tuple[str, object]]:
    """(key, value) of every value under a key that names a time, at any depth."""
    if isinstance(data, dict):
        return [kv for k, v in data.items() for kv in times_in(v, k)]
    if isinstance(data, list):
        return [kv for v in data for kv in times_in(v, key)]
    return [(key, data)] if key.endswith("_at") or key == "last_activity" else []


def test_export_writes_times_as_iso_8601_utc() -> None:
    before = time.time()
    assert bot("practice", "--scenario", "auto-summarize", stdin=ANSWER + "\n").returncode == 0
    data = json.loads(bot("export").stdout)
    times = times_in(data)
    keys = {k for k, _ in times}
    assert {"exported_at", "started_at", "ended_at", "created_at", "last_seen_at"} <= keys
    assert {"updated_at", "last_activity"} <= keys
    for key, value in times:
        assert value is None or (isinstance(value, str) and ISO_UTC.match(value)), (key, value)
    exported = datetime.strptime(data["exported_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(exported.timestamp() - before) < 60

    def floats(value: object) -> list[float]:
        if isinstance(value, dict):
            return [n for v in value.values() for n in floats(v)]
        if isinstance(value, list):
            return [n for v in value for n in floats(v)]
        return [value] if isinstance(value, float) else []

    assert not [n for n in floats(data) if n > 10**8]  # no epoch seconds left anywhere


def test_iso_times_converts_every_time_key_and_nothing_else() -> None:
    from bot.presenter import iso_times

    data = {
        "exported_at": 0,
        "sessions": [{"ended_at": None, "time_budget_s": 1800, "state": {"last_activity": 1.5}}],
        "flag": True,
        "score": 0.5,
    }
    assert iso_times(data) == {
        "exported_at": "1970-01-01T00:00:00Z",
        "sessions": [
            {
                "ended_at": None,
                "time_budget_s": 1800,
                "state": {"last_activity": "1970-01-01T00:00:01Z"},
            }
        ],
        "flag": True,
        "score": 0.5,
    }


def without_database_url(**extra: str) -> dict[str, str]:
    values = {k: v for k, v in env().items() if k != "DATABASE_URL"}
    values.update(extra)
    return values


def test_the_default_database_is_in_the_user_data_directory(tmp_path: Path) -> None:
    """`history` sees the interview from any working directory; DATABASE_URL still wins."""
    home, data = tmp_path / "home", tmp_path / "data"
    one, two = tmp_path / "one", tmp_path / "two"
    for d in (home, one, two):
        d.mkdir()
    where = {"HOME": str(home), "XDG_DATA_HOME": str(data)}

    def run(*args: str, cwd: Path, stdin: str = "", **extra: str):
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=cwd,
            env=without_database_url(**where, **extra),
            timeout=60,
        )

    assert not data.exists()
    done = run("practice", "--scenario", "auto-summarize", cwd=one, stdin=ANSWER + "\n")
    assert done.returncode == 0, done.stderr
    assert (data / "interview-bot" / "interview-bot.db").is_file()
    assert not list(one.iterdir()) and not list(home.iterdir())  # nothing in the cwd or ~
    listing = run("history", cwd=two)
    assert "#1" in listing.stdout and "Improve auto-summarize" in listing.stdout
    elsewhere = run("history", cwd=two, DATABASE_URL=f"sqlite:///{tmp_path / 'other.db'}")
    assert "No interviews yet" in elsewhere.stdout


def test_default_database_url_follows_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.settings import Settings
    from bot.store import sqlite_path

    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "my data#1"))
    monkeypatch.chdir(tmp_path)  # no .env here
    url = Settings().database_url
    assert sqlite_path(url) == str(tmp_path / "my data#1" / "interview-bot" / "interview-bot.db")
    assert not (tmp_path / "my data#1").exists()  # computing it creates nothing
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.db")
    assert Settings().database_url == "sqlite:///elsewhere.db"


def test_export_then_forget_me(own_database: Path, tmp_path: Path) -> None:
    done = bot("practice", "--scenario", "auto-summarize", stdin=ANSWER + "\n")
    assert done.returncode == 0
    out = tmp_path / "me.json"
    assert bot("export", str(out)).returncode == 0
    data = json.loads(out.read_text())
    assert ANSWER in json.dumps(data)

    refused = bot("forget-me")
    assert refused.returncode == 2 and "--yes" in refused.stdout
    assert "#1" in bot("history").stdout

    gone = bot("forget-me", "--yes")
    assert gone.returncode == 0 and "nothing stored names you" in gone.stdout
    assert "No interviews yet" in bot("history").stdout
    import sqlite3

    user = f"console:{__import__('getpass').getuser()}"
    with sqlite3.connect(own_database) as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            for row in db.execute(f"SELECT * FROM {table}"):
                assert user not in map(str, row), table
                assert ANSWER not in map(str, row), table


def test_lint_answers_reports_precision_recall_and_misses(tmp_path: Path) -> None:
    rows = [
        {
            "id": "a",
            "scenario": "auto-summarize",
            "answers": ["Primary metric: acceptance rate from 30% to 36% for email threads."],
            "labels": {"criteria": ["primary_metric"], "antipatterns": []},
        },
        {
            "id": "b",
            "answers": ["Move the button to the toolbar and make the summary card green."],
            "labels": {"criteria": ["hypothesis"], "antipatterns": ["ui_only"]},
        },
    ]
    answers = tmp_path / "labelled.jsonl"
    answers.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    proc = bot("scenarios", "lint-answers", str(SCENARIOS / "auto-summarize.toml"), str(answers))
    assert proc.returncode == 0, proc.stdout
    assert "2 labelled transcripts" in proc.stdout
    assert "auto-summarize:primary_metric" in proc.stdout
    assert "b: auto-summarize:hypothesis missed" in proc.stdout
    answers.write_text(
        '{"id": "x", "answers": ["y"], "labels": {"criteria": ["nope"]}}\nnot json\n'
    )
    bad = bot("scenarios", "lint-answers", str(SCENARIOS / "auto-summarize.toml"), str(answers))
    assert bad.returncode == 1
    assert (
        "unknown label(s) ['nope']" in bad.stdout and ":2: not a labelled transcript" in bad.stdout
    )


def test_validate_warns_about_weak_spots(tmp_path: Path) -> None:
    good = (SCENARIOS / "auto-summarize.toml").read_text()
    weak = re.sub(r'pushbacks = \[\s*"Not a UI redesign[^]]*\]', "pushbacks = []", good)
    weak = weak.replace('criteria = ["primary_metric"]', 'criteria = ["hypothesis"]')
    assert "Not a UI redesign" not in weak
    (tmp_path / "_common.toml").write_text((SCENARIOS / "_common.toml").read_text())
    (tmp_path / "weak.toml").write_text(weak)
    proc = bot("scenarios", "validate", str(tmp_path / "weak.toml"))
    assert proc.returncode == 0
    assert "ui_only" in proc.stdout and "no pushback" in proc.stdout
    assert "step 'metric' is unreachable" in proc.stdout
    assert "primary_metric" in proc.stdout and "not targeted by any step" in proc.stdout


def test_the_terminal_sweeps_only_its_own_idle_sessions(own_database: Path) -> None:
    """Run on a database a bot shares, a command closes the idle console interview but
    leaves the idle Discord ones open: the bot closes those, posting their summaries where
    they ran (closed here, nobody would ever see them)."""
    import asyncio

    from bot.store import SqliteStore

    long_ago = time.time() - 3 * 24 * 3600

    async def open_three() -> dict[str, int]:
        async with await SqliteStore.open(own_database, clock=lambda: long_ago) as store:
            ids = {}
            for name, place, guild in (
                ("console", "console", None),
                ("dm", "dm:42", None),
                ("server", "guild:7", "7"),
            ):
                session = await store.start_session(
                    f"u-{name}", place, "auto-summarize", "d", {}, guild_id=guild, time_budget_s=60
                )
                ids[name] = session.id
            return ids

    async def statuses(ids: dict[str, int]) -> dict[str, str]:
        async with await SqliteStore.open(own_database) as store:
            found = {name: await store.get_session(sid) for name, sid in ids.items()}
            return {name: s.status for name, s in found.items() if s is not None}

    ids = asyncio.run(open_three())
    assert bot("history").returncode == 0
    assert asyncio.run(statuses(ids)) == {"console": "expired", "dm": "open", "server": "open"}
