"""The store's own exceptions: every backend raises these, never its driver's errors."""

from __future__ import annotations

from bot.store.records import SessionRecord


class StoreError(Exception):
    """Something the store cannot do; the message is one readable line."""


class StoreVersionError(StoreError):
    """The database was written by a newer version of the bot; it was left untouched."""


class StoreClosedError(StoreError):
    """The store is closed (or closing) and takes no more work."""


class ConstraintViolation(StoreError):
    """A write broke a rule of the data (a missing value, a reference to nothing);
    nothing of its unit was written."""


class SessionNotFound(StoreError, LookupError):
    """No session has that id."""


class SessionClosed(StoreError):
    """The session is no longer open (ended, expired by the sweep, or purged)."""


class TurnExists(StoreError):
    """That Discord message was already recorded as a turn of the session (taken once)."""


class StaleSession(StoreError):
    """The session moved on since it was read: its turn count is not the one expected.

    Another process, or a second submit, advanced it first; nothing was written.
    Re-read the session and decide again.
    """

    def __init__(self, session_id: int, expected: int, found: int) -> None:
        super().__init__(
            f"session {session_id} has {found} turns, not the {expected} this change expected"
        )
        self.session_id = session_id
        self.expected = expected
        self.found = found


class SessionConflict(StoreError):
    """The user already has an open session in that place; `existing` is it."""

    def __init__(self, existing: SessionRecord) -> None:
        super().__init__(
            f"user {existing.user_id} already has open session {existing.id} "
            f"({existing.scenario_id}) in {existing.place}: resume it or end it first"
        )
        self.existing = existing


class NotAPanelist(StoreError):
    """Only members who joined a session's panel may rate it or leave a note."""


class LoopExists(StoreError):
    """The user already has an active loop."""


class CustomScenarioLimit(StoreError):
    """The server already has as many custom scenarios as it may keep."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"a server may keep at most {limit} custom scenarios")
        self.limit = limit


def exchange_refusal(
    found: SessionRecord | None, session_id: int, expected_turn_count: int
) -> StoreError:
    """Why an exchange's compare-and-set moved no row, from the session as it now is:
    gone, no longer open, or moved on past the turn count expected."""
    if found is None:
        return SessionNotFound(f"no session {session_id}")
    if not found.is_open:
        return SessionClosed(f"session {session_id} is {found.status}, not open")
    return StaleSession(session_id, expected_turn_count, found.turn_count)
