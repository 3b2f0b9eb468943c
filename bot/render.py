"""The jinja2 environment over the templates directory: every sentence the bot says.

The directory is `TEMPLATES_DIR` (`settings.templates_dir`, default `templates/` of the
checkout); a bot or command started with other settings calls `use_templates`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from bot import PROJECT_ROOT
from bot.core.interview import InterviewState, Move
from bot.core.scenarios import Scenario
from bot.core.summary import Summary
from bot.settings import SettingsError, get_settings

DEFAULT_TEMPLATES = PROJECT_ROOT / "templates"

_chosen: Path | None = None


def use_templates(directory: Path | None) -> None:
    """Render from `directory` from now on (the settings a bot was created with);
    None: follow TEMPLATES_DIR again."""
    global _chosen
    _chosen = None if directory is None else Path(directory)


def templates_dir() -> Path:
    """The directory chosen by `use_templates`, else TEMPLATES_DIR from the environment.

    Settings that do not load fall back to the checkout's `templates/`: the command
    that needs them reports the error itself.
    """
    if _chosen is not None:
        return _chosen
    try:
        return get_settings().templates_dir
    except SettingsError:
        return DEFAULT_TEMPLATES


def environment(directory: Path | None = None) -> jinja2.Environment:
    """The environment over `directory` (default: `templates_dir()`)."""
    return _environment(directory or templates_dir())


@lru_cache(maxsize=4)
def _environment(directory: Path) -> jinja2.Environment:
    """A strict environment: an undefined name in a template is an error, not blank text."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(directory)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )
    env.filters["pct"] = lambda v: f"{round(float(v) * 100)}%"
    return env


@lru_cache(maxsize=32)
def _module_in(directory: Path, name: str) -> Any:
    return _environment(directory).get_template(name).make_module()


def template_module(name: str) -> Any:
    """A template's macros, as attributes (cached: templates do not change while running)."""
    return _module_in(templates_dir(), name)


def render(name: str, **context: Any) -> str:
    """Render one template file to text, trimmed."""
    return environment().get_template(name).render(**context).strip()


def message(macro_name: str, /, **context: Any) -> str:
    """One of the short lines in `text/messages.md.j2`, by macro name."""
    macro = getattr(template_module("text/messages.md.j2"), macro_name)
    return str(macro(**context)).strip()


def render_move(scenario: Scenario, move: Move, *, speaker: bool = True) -> str:
    """The interviewer's move as Markdown; `speaker=False` leaves out their name."""
    return render("text/move.md.j2", scenario=scenario.spec, move=move, speaker=speaker)


def render_summary(summary: Summary, scenario: Scenario) -> str:
    """The rubric summary as Markdown."""
    return render("text/summary.md.j2", s=summary, scenario=scenario.spec)


def render_transcript(
    scenario: Scenario, turns: list[tuple[str, str]], summary: Summary | None = None
) -> str:
    """The whole conversation as a Markdown document: (speaker, text) pairs."""
    return render("text/transcript.md.j2", scenario=scenario.spec, turns=turns, s=summary)


def render_status(scenario: Scenario, state: InterviewState, now: float) -> str:
    left = int(state.time_left(now))
    return render(
        "text/status.md.j2",
        scenario=scenario.spec,
        state=state,
        step_number=state.step + 1,
        steps=len(scenario.spec.steps),
        minutes_left=left // 60,
        seconds_left=left % 60,
    )
