"""Offline practice and replay in the terminal, on the same core the bot uses."""

from __future__ import annotations

import asyncio
import getpass
import signal
import sys
import threading
from collections.abc import Coroutine, Iterator
from typing import Any, TextIO, TypeVar

from bot.core import interview
from bot.core.interview import InterviewError, InterviewState
from bot.core.scenarios import Catalogue, Scenario
from bot.core.summary import summarise
from bot.render import message, render_move, render_status, render_summary
from bot.sessions import Interviews

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


def read_answers(reader: LineReader) -> Iterator[str]:
    """Answers separated by empty lines; a command line (/end…) is yielded alone.

    End of input sends whatever is pending, then stops.
    """
    pending: list[str] = []
    while True:
        line = reader.readline("> " if not pending else "  ")
        if line is None:
            if pending:
                yield "\n".join(pending)
            return
        stripped = line.strip()
        if not pending and stripped.startswith("/") and " " not in stripped:
            yield stripped
            continue
        if stripped:
            pending.append(line)
        elif pending:
            yield "\n".join(pending)
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


def say(out: TextIO, text: str) -> None:
    out.write(text.rstrip() + "\n\n")
    out.flush()


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
    out: TextIO,
    *,
    resume: bool = False,
    restart: bool = False,
    seed: int | None = None,
) -> int:
    """Hold (or resume) one interview in the terminal, stored turn by turn; exit status."""
    user_id, name = console_user()
    store = interviews.store
    existing = portal.call(store.find_open_session(user_id, CONSOLE_PLACE))
    if existing is not None and restart:
        turn = portal.call(interviews.end(existing.id, user_id))
        say(out, message("previous_ended", scenario=turn.scenario.spec))
        existing = None
    if resume:
        if existing is None:
            say(out, message("nothing_to_resume"))
            return 2
        session = existing
        current = interviews.scenario(session.scenario_id)
        state = interviews.state_of(session)
        say(out, message("resuming", scenario=current.spec, answers=len(state.answers)))
        question = state.question()
        if question is not None:
            say(out, render_move(current, question))
    else:
        if existing is not None:
            title = interviews.scenario(existing.scenario_id).spec.title
            say(out, message("unfinished", title=title, answers=existing.turn_count))
            return 2
        if scenario is None:
            return 2
        say(out, message("practice_welcome", scenario=scenario.spec))
        turn = portal.call(interviews.start(user_id, name, CONSOLE_PLACE, scenario.id, seed=seed))
        session, current = turn.session, scenario
        say(out, render_move(current, turn.move))
    return _converse(interviews, portal, session.id, current, reader, out)


def _converse(
    interviews: Interviews,
    portal: Portal,
    session_id: int,
    scenario: Scenario,
    reader: LineReader,
    out: TextIO,
) -> int:
    user_id, _ = console_user()
    old_term = signal.signal(signal.SIGTERM, _terminate)
    old_hup = signal.signal(signal.SIGHUP, _terminate) if hasattr(signal, "SIGHUP") else None
    try:
        try:
            for text in read_answers(reader):
                command = text.lower()
                try:
                    if command == "/end":
                        turn = portal.call(interviews.end(session_id, user_id))
                    elif command == "/hint":
                        turn = portal.call(interviews.hint(session_id, user_id))
                    elif command == "/status":
                        session = portal.call(interviews._require(session_id))
                        state = interviews.state_of(session)
                        say(out, render_status(scenario, state, interviews.clock()))
                        continue
                    elif command in ("/help", "/?"):
                        say(out, message("practice_help"))
                        continue
                    else:
                        turn = portal.call(interviews.answer(session_id, user_id, text))
                except InterviewError as exc:
                    say(out, message("rejected", reason=str(exc)))
                    continue
                say(out, render_move(scenario, turn.move))
                if turn.summary is not None:
                    say(out, render_summary(turn.summary, scenario))
                    return 0
        except KeyboardInterrupt:
            out.write("\n")
        # End of input or Ctrl-C: end the interview with its summary.
        turn = portal.call(interviews.end(session_id, user_id))
        say(out, render_move(scenario, turn.move))
        if turn.summary is not None:
            say(out, render_summary(turn.summary, scenario))
        return 0
    except Terminated:
        say(out, message("terminated"))
        return 143
    finally:
        signal.signal(signal.SIGTERM, old_term)
        if old_hup is not None:
            signal.signal(signal.SIGHUP, old_hup)


def replay(scenario: Scenario, answers: list[str], out: TextIO, seed: int = 0) -> InterviewState:
    """Run scripted answers through the state machine and print the conversation."""
    clock = iter(range(0, 10**9, 30))
    state, move = interview.start(scenario, float(next(clock)), seed)
    say(out, render_move(scenario, move))
    for text in answers:
        if not state.active:
            break
        say(out, f"**Candidate:** {text}")
        try:
            state, move = interview.answer(scenario, state, text, float(next(clock)))
        except InterviewError as exc:
            say(out, message("rejected", reason=str(exc)))
            continue
        say(out, render_move(scenario, move))
    if state.active:
        state, move = interview.end(state, "candidate")
        say(out, render_move(scenario, move))
    say(out, render_summary(summarise(scenario, state), scenario))
    return state


def stdin_reader() -> LineReader:
    return LineReader(sys.stdin, sys.stdout, sys.stdin.isatty())
