"""What a store backend is: three protocols and the `Store` that combines them.

`SessionStore` (users, settings, sessions, turns, history, ratings), `GroupStore`
(links, panels, progress, loops) and `ScenarioStore` (custom scenarios and the
versions sessions run on) are what callers program against; `Store` adds the
units that span all of them (export, forget-me, the sweep) and closing.

Every method is one atomic unit of work that returns only after it has
committed: a caller that replies after it returns never acknowledges a change a
crash could lose. A unit that raises wrote nothing. Backends raise the errors of
`bot.store.errors`, never their driver's. The contract suite in
`tests/store/contract/` is what a backend must pass.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from types import TracebackType
from typing import Any, Protocol, Self

from bot.store.records import (
    DEFAULT_CLAIM_LEASE_S,
    Clock,
    CriterionStat,
    CustomScenarioRecord,
    EndStatus,
    ExchangeRecord,
    LeaderboardRow,
    LoopRecord,
    LoopRound,
    Mode,
    NewTurn,
    Owns,
    Panelist,
    PeerRating,
    Rating,
    Results,
    Role,
    ScenarioCriterionStat,
    ScenarioVersion,
    ScorePoint,
    SessionLinks,
    SessionRecord,
    Summariser,
    SweepResult,
    TurnRecord,
    UserRecord,
)


class SessionStore(Protocol):
    """Users, settings, sessions and their turns, history, statistics and peer ratings."""

    # users and settings
    @abstractmethod
    async def upsert_user(self, user_id: str, display_name: str) -> UserRecord:
        """Create the user or refresh their display name and last-seen time."""

    @abstractmethod
    async def get_user(self, user_id: str) -> UserRecord | None:
        """The user, or None."""

    @abstractmethod
    async def set_user_setting(self, user_id: str, name: str, value: bool) -> UserRecord:
        """Set `dm_reminders` or `leaderboard_opt_in` (creating the user if needed)."""

    @abstractmethod
    async def get_guild_settings(self, guild_id: str) -> dict[str, Any]:
        """All settings of a guild, as a dict of JSON values."""

    @abstractmethod
    async def set_guild_setting(self, guild_id: str, key: str, value: Any) -> None:
        """Set one guild setting to a JSON value (None removes it)."""

    # sessions and turns
    @abstractmethod
    async def start_session(
        self,
        user_id: str,
        place: str,
        scenario_id: str,
        scenario_digest: str,
        state: dict[str, Any],
        *,
        mode: Mode = "solo",
        channel_id: str | None = None,
        guild_id: str | None = None,
        time_budget_s: int | None = None,
        display_name: str | None = None,
        opening: Sequence[NewTurn] = (),
        retry_of: int | None = None,
        organiser_id: str | None = None,
    ) -> SessionRecord:
        """Open a session with its opening turns and links, in one unit.

        Raises SessionConflict (writing nothing) if the user has one open in `place`.
        """

    @abstractmethod
    async def record_turn(
        self,
        session_id: int,
        role: Role,
        author_id: str | None,
        text: str,
        new_state: dict[str, Any],
        *,
        message_id: str | None = None,
    ) -> TurnRecord:
        """Append a turn and set the session's state in one unit.

        `message_id` is the Discord message the turn came from; a second turn from the
        same message raises TurnExists and records nothing.
        """

    @abstractmethod
    async def record_exchange(
        self,
        session_id: int,
        expected_turn_count: int,
        turns: Sequence[NewTurn],
        state: dict[str, Any],
        *,
        end_status: EndStatus | None = None,
        results: Results | None = None,
    ) -> ExchangeRecord:
        """Append `turns`, set the state and, with `end_status`, end the session: one unit.

        The session must still have `expected_turn_count` turns, else StaleSession;
        a closed session raises SessionClosed, a repeated message TurnExists. Any of
        them leaves nothing written.
        """

    @abstractmethod
    async def last_message_id(self, session_id: int) -> str | None:
        """The Discord message id of the session's latest turn that has one, or None."""

    @abstractmethod
    async def save_state(self, session_id: int, state: dict[str, Any]) -> None:
        """Set an open session's state without a turn."""

    @abstractmethod
    async def end_session(
        self,
        session_id: int,
        status: EndStatus = "ended",
        state: dict[str, Any] | None = None,
        results: Results | None = None,
    ) -> SessionRecord:
        """Close an open session, storing its final state and rubric results."""

    @abstractmethod
    async def get_session(self, session_id: int) -> SessionRecord | None:
        """The session, or None."""

    @abstractmethod
    async def get_results(self, session_id: int) -> dict[str, Any] | None:
        """The stored rubric results in the plain-dict form, or None if there are none."""

    @abstractmethod
    async def open_sessions(self) -> list[SessionRecord]:
        """Every open session, oldest first (to resume after a restart)."""

    @abstractmethod
    async def find_open_session(self, user_id: str, place: str) -> SessionRecord | None:
        """The user's open session in `place`, or None."""

    @abstractmethod
    async def transcript(self, session_id: int) -> list[TurnRecord]:
        """A session's turns in order."""

    # history and statistics
    @abstractmethod
    async def user_history(
        self, user_id: str, limit: int = 10, offset: int = 0
    ) -> list[SessionRecord]:
        """The user's sessions, newest first, one page."""

    @abstractmethod
    async def criterion_hit_rates(
        self, user_id: str, *, bucket_days: float = 7.0
    ) -> list[CriterionStat]:
        """Per-criterion hit rates per period of `bucket_days`, oldest period first."""

    @abstractmethod
    async def weakest_criteria(
        self, user_id: str, n: int = 3, *, min_attempts: int = 1
    ) -> list[CriterionStat]:
        """The user's `n` criteria with the lowest hit rate (then mean score)."""

    @abstractmethod
    async def leaderboard(
        self, guild_id: str, since: float | None = None, *, limit: int = 10
    ) -> list[LeaderboardRow]:
        """Opted-in users of a guild by average overall score of ended sessions."""

    # peer ratings
    @abstractmethod
    async def add_peer_rating(
        self, session_id: int, rater_id: str, criterion_id: str, rating: Rating
    ) -> PeerRating:
        """Record (or replace) a rater's rating of one criterion in a session."""

    @abstractmethod
    async def peer_ratings(self, session_id: int) -> list[PeerRating]:
        """All peer ratings of a session."""


class GroupStore(Protocol):
    """Retry lineage, panels and their notes, progress figures, interview loops."""

    # session links
    @abstractmethod
    async def set_session_links(
        self, session_id: int, *, retry_of: int | None = None, organiser_id: str | None = None
    ) -> None:
        """Record the attempt a session retries and who organised it (None keeps a value)."""

    @abstractmethod
    async def session_links(self, session_id: int) -> SessionLinks:
        """The session's links (all None when it has none)."""

    @abstractmethod
    async def set_panel_message(self, session_id: int, message_id: str | None) -> None:
        """Remember the bot-vs-panel message of a session, to edit it later."""

    @abstractmethod
    async def attempts(self, user_id: str, scenario_id: str) -> list[tuple[int, float, float]]:
        """The user's finished attempts at a scenario: (id, ended_at, overall), newest first."""

    # panel
    @abstractmethod
    async def join_panel(self, session_id: int, user_id: str, display_name: str) -> bool:
        """Add a member to a session's panel; False if they were on it already."""

    @abstractmethod
    async def panelists(self, session_id: int) -> list[Panelist]:
        """A session's panel in joining order."""

    @abstractmethod
    async def set_panel_note(self, session_id: int, user_id: str, note: str) -> None:
        """Set (or replace) a panelist's one note on a session; NotAPanelist otherwise."""

    # progress
    @abstractmethod
    async def criterion_rates_by_scenario(self, user_id: str) -> list[ScenarioCriterionStat]:
        """Per (scenario, criterion) hit rates over the user's finished sessions, weakest first."""

    @abstractmethod
    async def score_series(self, user_id: str, limit: int = 200) -> list[ScorePoint]:
        """The overall score of each of the user's finished sessions, oldest first."""

    # loops
    @abstractmethod
    async def start_loop(
        self, user_id: str, plan: Sequence[tuple[str, float]], *, now: float | None = None
    ) -> LoopRecord:
        """Schedule a loop: (scenario id, due time) per round; LoopExists if one is active."""

    @abstractmethod
    async def latest_loop(self, user_id: str) -> LoopRecord | None:
        """The user's active loop (its rounds linked to finished sessions), else their last."""

    @abstractmethod
    async def get_loop(self, loop_id: int) -> LoopRecord | None:
        """A loop by id, with its rounds."""

    @abstractmethod
    async def stop_loop(self, user_id: str, *, now: float | None = None) -> LoopRecord | None:
        """Stop the user's active loop (no more reminders); None if there is none."""

    @abstractmethod
    async def claim_due_reminders(
        self, now: float | None = None, *, lease_s: float = DEFAULT_CLAIM_LEASE_S
    ) -> list[LoopRound]:
        """Claim the reminders to send: due rounds of active loops, not done, not yet
        delivered, not given up (error noted) and not under a live lease. Each is leased
        to the caller in this same unit (`claimed_until = now + lease_s`), so no other
        claimer, in this process or another, gets it until the lease runs out.

        At-least-once: the caller must `complete_reminder` after the DM went out,
        `release_reminder` on a passing failure, `note_reminder_error` on a final one.
        A claimer that dies (or freezes) before either loses nothing: the round is
        claimable again once its lease has run out, and it does not hold up the others.
        """

    @abstractmethod
    async def complete_reminder(self, loop_id: int, seq: int, *, now: float | None = None) -> None:
        """The reminder was delivered: record when (`reminded_at`); it is never claimed again."""

    @abstractmethod
    async def release_reminder(self, loop_id: int, seq: int) -> None:
        """End the lease of a reminder whose DM failed for a passing reason: the next claim
        takes it again. (A reminder already delivered stays delivered.)"""

    @abstractmethod
    async def note_reminder_error(self, loop_id: int, seq: int, error: str) -> None:
        """Record why a claimed reminder cannot be delivered and give it up (never claimed
        again)."""

    @abstractmethod
    async def claim_finished_loops(
        self, now: float | None = None, *, lease_s: float = DEFAULT_CLAIM_LEASE_S
    ) -> list[LoopRecord]:
        """Claim the end-of-loop reports to send: active loops whose every round is done
        (marked done here) and done loops whose report was never completed, unless under
        a live lease; each is leased to the caller as `claim_due_reminders` leases rounds.
        The caller must `complete_loop_report` after sending (or giving up on) it, or
        `release_loop_report` on a passing failure."""

    @abstractmethod
    async def complete_loop_report(self, loop_id: int, *, now: float | None = None) -> None:
        """The loop's report was sent (or given up): record `reported_at`; never claimed again."""

    @abstractmethod
    async def release_loop_report(self, loop_id: int) -> None:
        """End the lease on a loop's report after a passing failure: the next claim retries."""


class ScenarioStore(Protocol):
    """Custom scenarios per server, and the source of every version a session started on."""

    @abstractmethod
    async def save_custom_scenario(
        self,
        guild_id: str,
        scenario_id: str,
        *,
        title: str,
        round: str,
        digest: str,
        source: str,
        uploaded_by: str | None,
        max_per_guild: int | None = None,
    ) -> tuple[CustomScenarioRecord, bool]:
        """Insert or replace one server's scenario; (record, replaced?).

        A new id beyond `max_per_guild` raises CustomScenarioLimit and writes nothing.
        """

    @abstractmethod
    async def custom_scenarios(self, guild_id: str) -> list[CustomScenarioRecord]:
        """One server's custom scenarios, by id."""

    @abstractmethod
    async def get_custom_scenario(
        self, guild_id: str, scenario_id: str
    ) -> CustomScenarioRecord | None:
        """One server's scenario by id, or None."""

    @abstractmethod
    async def remove_custom_scenario(self, guild_id: str, scenario_id: str) -> bool:
        """Delete one server's scenario; False if it had none by that id."""

    @abstractmethod
    async def save_scenario_version(
        self,
        digest: str,
        scenario_id: str,
        source: str,
        *,
        guild_id: str | None = None,
        common: dict[str, list[str]] | None = None,
    ) -> None:
        """Keep the source of a version a session starts with (the first copy wins)."""

    @abstractmethod
    async def scenario_version(self, digest: str) -> ScenarioVersion | None:
        """A stored version by digest, or None."""

    @abstractmethod
    async def open_session_versions(self) -> list[ScenarioVersion]:
        """The stored versions open sessions run on (to rebuild them after a restart)."""


class Store(SessionStore, GroupStore, ScenarioStore, Protocol):
    """The whole store: the three protocols, privacy and housekeeping across them, closing."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @abstractmethod
    async def export_user(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the user, as JSON-able data."""

    @abstractmethod
    async def forget_user(self, user_id: str) -> dict[str, int]:
        """Delete or anonymise every row naming the user; return what was done."""

    @abstractmethod
    async def sweep(
        self,
        now: float | None = None,
        *,
        summarise: Summariser | None = None,
        owns: Owns | None = None,
    ) -> SweepResult:
        """Expire sessions idle past their budget; purge transcripts past retention.

        `owns`, if given, gets each idle session (as it is while open) and says
        whether this process owns it: only owned sessions are
        expired (and summarised); the others stay open for their owner's sweep.
        None owns everything. Purging is global (idempotent, whoever runs it).
        """

    @abstractmethod
    async def reserve_identify_slot(
        self, bucket: int, interval: float, clock: Clock | None = None
    ) -> float:
        """Reserve the next gateway identify turn of `bucket`: its time (`clock`'s, default
        the store's), for the caller to sleep until.

        The turn is `max(now, last turn + interval)`, `now` read inside the unit, and
        becomes the bucket's last turn, atomically across every process on the
        database: no two turns of one bucket are less than `interval` apart (Discord:
        5 s, else op 9). A turn in the past is no wait.
        """

    @abstractmethod
    async def close(self) -> None:
        """Finish in-flight work and close; later calls raise StoreClosedError. Idempotent."""
