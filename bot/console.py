"""Offline practice and replay in the terminal, on the same core the bot uses."""

from __future__ import annotations

import asyncio
import getpass
import re
import signal
import sys
import threading
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TextIO, TypeVar

from bot.core.interview import InterviewError, InterviewState
from bot.core.interviewer import Interviewer, RuleInterviewer
from bot.core.scenarios import Catalogue, Scenario
from bot.core.summary import summarise
from bot.presenter import resumption, session_title
from bot.render import message, render_move, render_status, render_summary
from bot.sessions import Interviews
from bot.store import SessionRecord

if TYPE_CHECKING:  # rich is imported only when output goes to a terminal
    from rich.console import Console
    from rich.markdown import Markdown

T = TypeVar("T")


class LineReader:
    """Lines from a terminal (with line editing) or from a pipe."""

    def __init__(self, stream: TextIO, out: TextIO, interactive: bool) -> None:
        self.stream = stream
        self.out = out
        self.interactive = interactive

    def readline(self, prompt: str = "") -> str | None:
        """The next line without its newline, or None at end of input."""
        if self.interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = self.stream.readline()
        if not line:
            return None
        return line.rstrip("\n").rstrip("\r")


COMMANDS = ("/end", "/hint", "/status", "/help", "/?")


class Entry(NamedTuple):
    """What the candidate typed: an answer to send, or a command with the answer still pending."""

    kind: Literal["answer", "command"]
    text: str
    pending: int = 0  # lines of an unsent answer kept while a command runs


def read_answers(reader: LineReader) -> Iterator[Entry]:
    """Answers separated by empty lines, and commands on any line.

    A command line (/status, /hint, /help) runs at once, even in the middle of
    an answer, and the lines typed so far stay pending; /end first sends them as
    the last answer. A lone unknown /word is passed on as a command (to be
    refused); inside an answer it is text. End of input sends whatever is
    pending, then stops.
    """
    pending: list[str] = []
    while True:
        line = reader.readline("> " if not pending else "  ")
        if line is None:
            if pending:
                yield Entry("answer", "\n".join(pending))
            return
        stripped = line.strip()
        command = stripped.lower()
        if command in COMMANDS:
            if command == "/end" and pending:
                yield Entry("answer", "\n".join(pending))
                pending = []
            yield Entry("command", command, len(pending))
            continue
        if not pending and stripped.startswith("/") and " " not in stripped:
            yield Entry("command", stripped)
            continue
        if stripped:
            pending.append(line)
        elif pending:
            yield Entry("answer", "\n".join(pending))
            pending = []


def choose_scenario(catalogue: Catalogue, reader: LineReader, out: TextIO) -> Scenario | None:
    """Ask which scenario to practise, by number or id."""
    scenarios = list(catalogue)
    out.write(message("choose_scenario", scenarios=scenarios) + " ")
    out.flush()
    while True:
        choice = reader.readline()
        if choice is None:
            return None
        choice = choice.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(scenarios):
            return scenarios[int(choice) - 1]
        if choice in catalogue.scenarios:
            return catalogue.scenarios[choice]
        out.write(message("unknown_choice", choice=choice[:40]) + "\n")


_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~&])")


def escape_markdown(text: str) -> str:
    """Someone's own words inside Markdown: shown as typed, line breaks kept."""
    escaped = _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
    return "\\\n".join(escaped.splitlines())


def line_markdown(text: str) -> Markdown:
    """rich Markdown where a line break in the text stays a line break on screen, as
    on Discord and in the plain output (the templates break lines on purpose)."""
    from rich.markdown import Markdown

    markdown = Markdown(text, hyperlinks=False)
    for token in markdown.parsed:
        for child in token.children or ():
            if child.type == "softbreak":
                child.type = "hardbreak"
    return markdown


class Screen:
    """Where the console writes. On a terminal the Markdown the bot says is shown
    formatted (rich); piped or redirected, it is the plain Markdown text.

    `Screen.of(stream)` decides by `stream.isatty()`; pass a rich `Console` to decide
    yourself (tests force a terminal into a StringIO that way).
    """

    def __init__(self, out: TextIO, console: Console | None = None) -> None:
        self.out = out
        self.console = console

    @classmethod
    def of(cls, out: TextIO | Screen) -> Screen:
        if isinstance(out, Screen):
            return out
        try:
            tty = out.isatty()
        except (AttributeError, ValueError):
            tty = False
        if not tty:
            return cls(out)
        from rich.console import Console

        return cls(out, Console(file=out, highlight=False, emoji=False))

    @property
    def formatted(self) -> bool:
        return self.console is not None

    def markdown(self, text: str, *, gap: bool = True) -> None:
        """Bot text written in Markdown (interviewer lines, hints, status, feedback).

        `gap`: a blank line after it (off for the last block a command prints).
        """
        if self.console is None:
            self.plain(text, gap=gap)
            return
        self.console.print(line_markdown(text.strip()))
        if gap:
            self.console.print()
        self.out.flush()

    def plain(self, text: str, *, gap: bool = True) -> None:
        """A plain line or block, the same on a terminal and in a pipe."""
        self.out.write(text.rstrip() + ("\n\n" if gap else "\n"))
        self.out.flush()

    def turn(self, who: str, text: str, *, own_words: bool = True) -> None:
        """One speaker's turn: `**Who:** text`; `own_words` text is shown as typed."""
        if self.console is not None and own_words:
            text = escape_markdown(text)
        self.markdown(f"**{who}:** {text}")

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()


class Portal:
    """An event loop in a background thread, so the blocking terminal loop can await the store.

    Ctrl-C stays a plain KeyboardInterrupt in the main thread; the store's
    writes run to completion on the loop thread either way.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class Terminated(Exception):
    """SIGTERM or SIGHUP: stop now, leave the session open to resume."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated(signum)


def console_user() -> tuple[str, str]:
    """The local user's id and display name in the store."""
    name = getpass.getuser() or "you"
    return f"console:{name}", name


CONSOLE_PLACE = "console"


def practice(
    interviews: Interviews,
    portal: Portal,
    scenario: Scenario | None,
    reader: LineReader,
    out: TextIO | Screen,
    *,
    resume: bool = False,
    restart: bool = False,
    seed: int | None = None,
    study: bool = False,
) -> int:
    """Hold (or resume) one interview in the terminal, stored turn by turn; exit status."""
    screen = Screen.of(out)
    user_id, name = console_user()
    store = interviews.store
    existing = portal.call(store.find_open_session(user_id, CONSOLE_PLACE))
    if existing is not None and restart:
        turn = portal.call(interviews.end(existing.id, user_id))
        screen.plain(message("previous_ended", scenario=turn.scenario.spec))
        existing = None
    if resume:
        if existing is None:
            screen.plain(message("nothing_to_resume"))
            return 2
        where = portal.call(resumption(interviews, existing))  # on its own scenario version
        session, current = existing, where.scenario
        screen.plain(message("resuming", scenario=current.spec, answers=where.answers))
        if where.question is not None:
            screen.markdown(render_move(current, where.question))
    else:
        if existing is not None:
            screen.plain(unfinished_notice(interviews, portal, existing))
            return 2
        if scenario is None:
            return 2
        screen.plain(message("practice_welcome", scenario=scenario.spec))
        if study:
            screen.markdown(message("study_rubric", scenario=scenario.spec))
        turn = portal.call(
            interviews.start(user_id, name, CONSOLE_PLACE, scenario.id, seed=seed, study=study)
        )
        session, current = turn.session, turn.scenario
        screen.markdown(render_move(current, turn.move))
    return _converse(interviews, portal, session.id, current, reader, screen)


def unfinished_notice(interviews: Interviews, portal: Portal, session: SessionRecord) -> str:
    """The notice of an unfinished interview, titled by the scenario version it runs on."""
    title = portal.call(session_title(interviews, session))
    return message("unfinished", title=title, answers=session.turn_count)


def _converse(
    interviews: Interviews,
    portal: Portal,
    session_id: int,
    scenario: Scenario,
    reader: LineReader,
    screen: Screen,
) -> int:
    user_id, _ = console_user()
    old_term = signal.signal(signal.SIGTERM, _terminate)
    old_hup = signal.signal(signal.SIGHUP, _terminate) if hasattr(signal, "SIGHUP") else None
    try:
        try:
            for entry in read_answers(reader):
                try:
                    if entry.kind == "answer":
                        turn = portal.call(interviews.answer(session_id, user_id, entry.text))
                    elif entry.text == "/end":
                        turn = portal.call(interviews.end(session_id, user_id))
                    elif entry.text == "/hint":
                        turn = portal.call(interviews.hint(session_id, user_id))
                    elif entry.text == "/status":
                        session = portal.call(interviews.store.get_session(session_id))
                        if session is not None:
                            state = interviews.state_of(session)
                            screen.markdown(render_status(scenario, state, interviews.clock()))
                        turn = None
                    elif entry.text in ("/help", "/?"):
                        screen.plain(message("practice_help"))
                        turn = None
                    else:
                        screen.plain(message("unknown_command", command=entry.text[:40]))
                        continue
                except InterviewError as exc:
                    screen.plain(message("rejected", reason=str(exc)))
                    continue
                if turn is not None:
                    screen.markdown(render_move(scenario, turn.move))
                    if turn.summary is not None:
                        screen.markdown(render_summary(turn.summary, scenario))
                        return 0
                if entry.pending:
                    screen.plain(message("answer_kept", lines=entry.pending))
        except KeyboardInterrupt:
            screen.write("\n")
        # End of input or Ctrl-C: end the interview with its summary.
        turn = portal.call(interviews.end(session_id, user_id))
        screen.markdown(render_move(scenario, turn.move))
        if turn.summary is not None:
            screen.markdown(render_summary(turn.summary, scenario))
        return 0
    except Terminated:
        screen.plain(message("terminated"))
        return 143
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if old_hup is not None:
            signal.signal(signal.SIGHUP, old_hup)


def replay(
    scenario: Scenario,
    answers: list[str],
    out: TextIO | Screen,
    seed: int = 0,
    interviewer: Interviewer | None = None,
) -> InterviewState:
    """Run scripted answers past an interviewer (the rule engine) and print the conversation."""
    screen = Screen.of(out)
    interviewer = interviewer or RuleInterviewer()
    clock = iter(range(0, 10**9, 30))
    state, move = interviewer.open(scenario, float(next(clock)), seed)
    screen.markdown(render_move(scenario, move))
    for text in answers:
        if not state.active:
            break
        screen.turn("Candidate", text)
        try:
            state, move = interviewer.respond(scenario, state, text, float(next(clock)))
        except InterviewError as exc:
            screen.plain(message("rejected", reason=str(exc)))
            continue
        screen.markdown(render_move(scenario, move))
    if state.active:
        state, move = interviewer.close(scenario, state, "candidate")
        screen.markdown(render_move(scenario, move))
    screen.markdown(render_summary(summarise(scenario, state), scenario))
    return state


def stdin_reader() -> LineReader:
    return LineReader(sys.stdin, sys.stdout, sys.stdin.isatty())
