"""Commands work on any line, even inside a multi-line answer; the pending text stays pending."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.console import Entry, LineReader, read_answers
from bot.render import message


def entries(text: str) -> list[Entry]:
    return list(read_answers(LineReader(io.StringIO(text), io.StringIO(), interactive=False)))


def test_answers_are_separated_by_empty_lines_and_end_of_input_sends_the_rest() -> None:
    assert entries("one\ntwo\n\n\nthree") == [
        Entry("answer", "one\ntwo"),
        Entry("answer", "three"),
    ]


@pytest.mark.parametrize("command", ["/status", "/hint", "/help", "/?"])
def test_a_command_inside_an_answer_runs_and_the_answer_stays_pending(command: str) -> None:
    assert entries(f"first line\n{command}\nsecond line\n\n") == [
        Entry("command", command, pending=1),
        Entry("answer", "first line\nsecond line"),
    ]


def test_end_inside_an_answer_sends_it_first_then_ends() -> None:
    assert entries("first line\nsecond line\n/end\nnever read\n")[:2] == [
        Entry("answer", "first line\nsecond line"),
        Entry("command", "/end", pending=0),
    ]


def test_commands_are_recognised_in_any_case_and_with_spaces_around() -> None:
    assert entries("  /STATUS  \n") == [Entry("command", "/status")]
    assert entries("/End\n") == [Entry("command", "/end")]


def test_a_lone_unknown_slash_word_is_a_command_to_refuse_but_inside_an_answer_it_is_text() -> None:
    assert entries("/stats\n") == [Entry("command", "/stats")]
    assert entries("the logs are in\n/var/log\n\n") == [
        Entry("answer", "the logs are in\n/var/log")
    ]
    assert entries("/status of the rollout is green\n\n") == [
        Entry("answer", "/status of the rollout is green")
    ]


def test_help_says_what_end_does_with_pending_text() -> None:
    text = message("practice_help")
    assert "any line" in text
    assert "/end     send what you typed so far as your last answer, then stop" in text


# -- the real program, piped ---------------------------------------------------------


def bot(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'input.db'}", XDG_DATA_HOME=str(tmp_path / "data")
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_status_typed_inside_an_answer_is_not_part_of_it(tmp_path: Path) -> None:
    typed = (
        "People want the asks first.\n"
        "/status\n"
        "I predict acceptance rises from 27% to 33% for them.\n"
        "\n"
        "/end\n"
    )
    proc = bot(tmp_path, "practice", "--scenario", "auto-summarize", stdin=typed)
    assert proc.returncode == 0, proc.stderr
    assert "step 1 of" in proc.stdout  # the status ran
    assert "Your answer so far, 1 line, is kept" in proc.stdout
    shown = bot(tmp_path, "history", "1").stdout
    assert (
        "**You:** People want the asks first.\n"
        "I predict acceptance rises from 27% to 33% for them.\n" in shown
    )
    assert "/status" not in shown


def test_end_inside_an_answer_sends_it_as_the_last_answer(tmp_path: Path) -> None:
    typed = "People want the asks first;\nI predict acceptance rises from 27% to 33%.\n/end\n"
    proc = bot(tmp_path, "practice", "--scenario", "auto-summarize", stdin=typed)
    assert proc.returncode == 0, proc.stderr
    assert "let's stop here" in proc.stdout
    assert "[met]    **Hypothesis about user intent**" in proc.stdout
    shown = bot(tmp_path, "history", "1").stdout
    assert "**You:** People want the asks first;\nI predict acceptance" in shown
    assert "/end" not in shown


def test_an_unknown_command_is_refused_not_sent(tmp_path: Path) -> None:
    proc = bot(tmp_path, "practice", "--scenario", "auto-summarize", stdin="/stats\n/end\n")
    assert proc.returncode == 0, proc.stderr
    assert '"/stats" is not a command' in proc.stdout
    assert "**You:**" not in bot(tmp_path, "history", "1").stdout
