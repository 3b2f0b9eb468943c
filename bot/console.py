"""Offline practice and replay in the terminal, on the same core the bot uses."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from typing import TextIO

from bot.core import interview
from bot.core.interview import InterviewError, InterviewState, Move
from bot.core.scenarios import Catalogue, Scenario
from bot.core.summary import summarise
from bot.render import message, render_move, render_status, render_summary

Clock = Callable[[], float]


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


def practice(
    scenario: Scenario,
    reader: LineReader,
    out: TextIO,
    clock: Clock = time.time,
    seed: int = 0,
    on_turn: Callable[[InterviewState, str, Move], None] | None = None,
) -> InterviewState:
    """Hold one interview in the terminal; always ends with the summary."""
    say(out, message("practice_welcome", scenario=scenario.spec))
    state, move = interview.start(scenario, clock(), seed)
    say(out, render_move(scenario, move))
    answers = read_answers(reader)
    try:
        for text in answers:
            command = text.lower()
            try:
                if command == "/end":
                    state, move = interview.end(state, "candidate")
                elif command == "/hint":
                    state, move = interview.hint(scenario, state, clock())
                elif command == "/status":
                    say(out, render_status(scenario, state, clock()))
                    continue
                elif command in ("/help", "/?"):
                    say(out, message("practice_help"))
                    continue
                else:
                    state, move = interview.answer(scenario, state, text, clock())
            except InterviewError as exc:
                say(out, message("rejected", reason=str(exc)))
                continue
            if on_turn is not None:
                on_turn(state, text, move)
            say(out, render_move(scenario, move))
            if move.ends:
                break
    except KeyboardInterrupt:
        out.write("\n")
    if state.active:
        state, move = interview.end(state, "candidate")
        say(out, render_move(scenario, move))
    say(out, render_summary(summarise(scenario, state), scenario))
    return state


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
