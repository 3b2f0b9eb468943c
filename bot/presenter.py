"""What the terminal and Discord show about sessions, decided once for both shells.

The shells word it (their own templates); what they show comes from here: history
rows, whether a transcript was purged, where a resumed interview stands, and export
data. Every session is shown on its own scenario version (the one it started with,
kept in the store), never on whatever the scenario file says now, so a session
whose file was edited or deleted still resumes, lists and reopens.

Times: every time shown is UTC (the templates say so), the same on every machine and
in every shell; exports write ISO 8601 UTC (`2026-12-06T08:15:02Z`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.interview import InterviewState, Move
from bot.core.scenarios import Scenario
from bot.sessions import Interviews, UnknownScenario
from bot.store import SessionRecord


def shown_time(epoch: float) -> str:
    """A time as the shells show it: `2026-12-06 08:15`, in UTC."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M")


def shown_day(epoch: float | None) -> str:
    """A day as the shells show it: `2026-12-06`, in UTC."""
    return datetime.fromtimestamp(epoch or 0, UTC).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class HistoryRow:
    """One past interview in a history listing."""

    id: int
    when: str
    title: str
    status: str
    overall: int | None


async def session_title(interviews: Interviews, session: SessionRecord) -> str:
    """The title of the scenario version a session ran on (its id if none can be found)."""
    try:
        return (await interviews.scenario_for(session)).spec.title
    except UnknownScenario:
        return session.scenario_id


async def history_rows(interviews: Interviews, sessions: list[SessionRecord]) -> list[HistoryRow]:
    """History rows, newest first as given."""
    return [
        HistoryRow(
            id=session.id,
            when=shown_time(session.started_at),
            title=await session_title(interviews, session),
            status=session.status,
            overall=None if session.overall is None else round(session.overall),
        )
        for session in sessions
    ]


def transcript_purged(session: SessionRecord) -> bool:
    """True once the retention period deleted the transcript (only the scores remain)."""
    return session.purged_at is not None or not session.state


@dataclass(frozen=True)
class Resumption:
    """Where an open interview stands: its own scenario version, the answers so far and
    the question still open (None if the interviewer is not waiting for an answer)."""

    session: SessionRecord
    scenario: Scenario
    state: InterviewState
    question: Move | None

    @property
    def answers(self) -> int:
        return len(self.state.answers)


async def resumption(interviews: Interviews, session: SessionRecord) -> Resumption:
    """How to pick up `session` where it stopped (UnknownScenario if no version is left)."""
    scenario = await interviews.scenario_for(session)
    state = interviews.state_of(session)
    return Resumption(session, scenario, state, state.question())


def iso_times(data: Any, key: str = "") -> Any:
    """`data` with every time (a number under a key ending in `_at`, or `last_activity`,
    at any depth) as an ISO 8601 UTC string: 2026-12-06T08:15:02Z."""
    if isinstance(data, dict):
        return {k: iso_times(v, str(k)) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [iso_times(v, key) for v in data]
    is_time = key.endswith("_at") or key == "last_activity"
    if is_time and isinstance(data, int | float) and not isinstance(data, bool):
        try:
            return datetime.fromtimestamp(data, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (OverflowError, OSError, ValueError):
            return data
    return data


async def export_json(interviews: Interviews, user_id: str) -> str:
    """Everything stored about a user as JSON, times in ISO 8601 UTC (both shells' export)."""
    data = iso_times(await interviews.store.export_user(user_id))
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
