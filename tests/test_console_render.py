"""The terminal shows the bot's Markdown formatted (rich); a pipe gets the plain Markdown text."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

from bot.console import LineReader, Screen, escape_markdown, practice, replay
from bot.render import render_move, render_summary

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
#: What Markdown looks like when it was not rendered.
RAW_MARKERS = ("**", "## ", "*Hint", "*No hint")

ANSWERS = (
    "People want the asks first; I predict acceptance rises from 27% to 33%.\n"
    "/status\n"
    "because they see at once what is asked of them.\n"
    "\n"
    "/hint\n"
    "/end\n"
)


def terminal() -> tuple[Screen, io.StringIO]:
    """A screen that behaves as on a colour terminal, writing into a buffer."""
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=True, color_system="standard", width=100, highlight=False
    )
    return Screen(buffer, console), buffer


def visible(text: str) -> str:
    return ANSI.sub("", text)


@pytest.fixture
def interviews_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    """The CLI's portal and session service over a fresh database in tmp_path."""
    from bot.cli import opened_interviews
    from bot.settings import get_settings

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'render.db'}")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        with opened_interviews() as pair:
            yield pair
    finally:
        get_settings.cache_clear()


def run_practice(interviews_in: tuple, screen: Screen) -> int:
    portal, interviews = interviews_in
    reader = LineReader(io.StringIO(ANSWERS), io.StringIO(), interactive=False)
    scenario = interviews.catalogue.scenarios["auto-summarize"]
    return practice(interviews, portal, scenario, reader, screen, seed=1)


def test_a_terminal_shows_interviewer_hint_status_and_feedback_formatted(
    interviews_in: tuple,
) -> None:
    screen, buffer = terminal()
    assert run_practice(interviews_in, screen) == 0
    raw = buffer.getvalue()
    shown = visible(raw)
    for marker in RAW_MARKERS:
        assert marker not in shown, marker
    assert not re.search(r"^#+ ", shown, re.MULTILINE)
    # the same things are there, formatted: bold name, italic hint, headed feedback
    assert "\x1b[1mDana Okafor" in raw
    assert "\x1b[3mHint" in raw
    assert "step 1 of 4" in shown
    assert "Feedback: Improve auto-summarize" in shown
    assert "• [met]" in shown and "Hypothesis about user intent" in shown
    # line breaks the templates make stay line breaks (not joined into one paragraph)
    assert re.search(r"Hypothesis about user intent *\n +You said:", shown)


def test_a_pipe_gets_exactly_the_markdown_text(interviews_in: tuple) -> None:
    buffer = io.StringIO()
    assert run_practice(interviews_in, Screen.of(buffer)) == 0
    out = buffer.getvalue()
    assert "\x1b[" not in out
    assert "**Dana Okafor** (Group Product Manager, Writer AI): " in out
    assert "\n*Hint (using it costs" in out
    assert "\n**Improve auto-summarize**: step 1 of 4" in out
    assert "\n## Feedback: Improve auto-summarize\n" in out
    assert "- [met]    **Hypothesis about user intent**\n" in out


def test_plain_screen_writes_text_unchanged_and_formatted_one_does_not(auto_summarize) -> None:
    from bot.core import interview

    _, move = interview.start(auto_summarize, 0.0, 0)
    text = render_move(auto_summarize, move)
    plain = io.StringIO()
    Screen.of(plain).markdown(text)
    assert plain.getvalue() == text.rstrip() + "\n\n"
    screen, buffer = terminal()
    screen.markdown(text)
    assert "**" not in visible(buffer.getvalue())


def test_screen_of_decides_by_isatty() -> None:
    class FakeTerminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert not Screen.of(io.StringIO()).formatted
    assert Screen.of(FakeTerminal()).formatted
    screen = Screen.of(io.StringIO())
    assert Screen.of(screen) is screen


def test_candidate_words_are_shown_as_typed_on_a_terminal() -> None:
    words = "2*3*4 is _not_ a [link] #tag &amp; <b>\n1. not a list"
    screen, buffer = terminal()
    screen.turn("You", words)
    shown = visible(buffer.getvalue())
    assert "2*3*4 is _not_ a [link] #tag &amp; <b>" in shown
    assert "\n1. not a list" in shown
    assert "\x1b[1mYou:" in buffer.getvalue()
    plain = io.StringIO()
    Screen.of(plain).turn("You", words)
    assert plain.getvalue() == f"**You:** {words}\n\n"
    assert escape_markdown("a.b") == "a\\.b"


def test_replay_on_a_terminal_has_no_raw_markdown(auto_summarize) -> None:
    screen, buffer = terminal()
    replay(auto_summarize, ["idk", "Primary metric: acceptance from 30% to 36%."], screen)
    shown = visible(buffer.getvalue())
    for marker in RAW_MARKERS:
        assert marker not in shown, marker
    assert "Candidate: idk" in shown


def test_the_summary_without_enough_to_score_renders_too(auto_summarize) -> None:
    from bot.core import interview
    from bot.core.summary import summarise

    state, _ = interview.start(auto_summarize, 0.0, 0)
    state, _ = interview.end(state, "candidate")
    screen, buffer = terminal()
    screen.markdown(render_summary(summarise(auto_summarize, state), auto_summarize))
    shown = visible(buffer.getvalue())
    assert "Feedback: Improve auto-summarize" in shown
    assert "##" not in shown and "**" not in shown


def test_practice_in_a_real_terminal_is_formatted(tmp_path: Path) -> None:
    """`python -m bot practice` with its output on a pseudo-terminal, as a user runs it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 100, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "NO_COLOR"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'tty.db'}",
        XDG_DATA_HOME=str(tmp_path / "data"),
        TERM="xterm-256color",
        COLUMNS="100",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "practice", "--scenario", "auto-summarize"],
        stdin=subprocess.PIPE,
        stdout=slave,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp_path,
    )
    os.close(slave)
    assert proc.stdin is not None
    proc.stdin.write(ANSWERS.encode())
    proc.stdin.close()
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closed: the process is done writing
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    raw = b"".join(chunks).decode("utf-8", "replace")
    shown = visible(raw)
    assert "Dana Okafor" in shown and "Feedback: Improve auto-summarize" in shown
    for marker in RAW_MARKERS:
        assert marker not in shown, marker


def test_piped_output_does_not_import_rich() -> None:
    code = (
        "import io, sys\n"
        "from bot.console import Screen\n"
        "Screen.of(io.StringIO()).markdown('**x**')\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'rich'], 'rich imported'\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
