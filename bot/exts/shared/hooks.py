"""How features extend interviews and hear about them, without importing each other.

Two mechanisms, as in Red-DiscordBot and RoboDanny:

* **Hooks** (`InterviewHooks`, on the bot as `bot.interview_hooks`): what another feature
  adds to an interview and the interview extension waits for: a reason to refuse a
  start, work done when a session starts, buttons on the opening, embeds and buttons
  under the feedback, lines in `/interview status`. Each is a typed callable a cog
  registers in `cog_load` (`hooks.register(self, ...)`) and drops in `cog_unload`
  (`hooks.unregister(self)`); the registry belongs to the bot, so the order in which
  the extensions load does not matter. The interview extension registers the one
  service others call, `start_interview` (Retry starts a round through it).

* **Events** (`bot.dispatch(name, ...)`, heard by `@commands.Cog.listener("on_" + name)`):
  notifications nobody waits for. The names and arguments are below; `dispatch_*`
  send them with the right arguments.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    import discord

    from bot.core.interview import InterviewState
    from bot.core.scenarios import Scenario
    from bot.core.summary import Summary
    from bot.store import SessionRecord


# ---------------------------------------------------------------------- events
#: The idle sweep closed a session past its time budget: `(session: SessionRecord)`.
SESSION_EXPIRED = "interview_session_expired"
#: The sessions open before this process were resumed (or that failed): `(count: int)`.
SESSIONS_RESUMED = "interview_sessions_resumed"
#: Everything stored about a user is about to be deleted: `(user_id: str)`.
USER_FORGETTING = "interview_user_forgetting"


class Dispatcher(Protocol):
    def dispatch(self, event_name: str, /, *args: Any, **kwargs: Any) -> None: ...


def dispatch_session_expired(bot: Dispatcher, session: SessionRecord) -> None:
    """Tell the features a session was closed by the idle sweep (its summary is due)."""
    bot.dispatch(SESSION_EXPIRED, session)


def dispatch_sessions_resumed(bot: Dispatcher, count: int) -> None:
    """Tell the features the restart notices went out (`count` sessions resumed)."""
    bot.dispatch(SESSIONS_RESUMED, count)


def dispatch_user_forgetting(bot: Dispatcher, user_id: str) -> None:
    """Tell the features a user's data is being deleted (drop what you hold about them)."""
    bot.dispatch(USER_FORGETTING, user_id)


# ---------------------------------------------------------------------- hooks
@dataclass(frozen=True)
class StartLinks:
    """Who a session was started by (when not the candidate) and which attempt it retries."""

    organiser_id: str | None = None
    retry_of: int | None = None


@dataclass(frozen=True)
class SummaryExtras:
    """What a feature adds under a session's feedback."""

    embeds: list[discord.Embed] = field(default_factory=list)
    items: list[discord.ui.Item[Any]] = field(default_factory=list)


class StartCheck(Protocol):
    """Why this start is refused here (shown to the user), or None to allow it."""

    async def __call__(
        self, interaction: discord.Interaction, mode: str, candidate: discord.abc.User
    ) -> str | None: ...


class SessionStarted(Protocol):
    """A session was stored; runs before its opening is posted (a failure abandons it)."""

    async def __call__(self, session: SessionRecord, links: StartLinks) -> None: ...


class OpeningItems(Protocol):
    """Buttons to add under a session's opening message."""

    def __call__(self, session: SessionRecord) -> list[discord.ui.Item[Any]]: ...


class SummaryExtrasHook(Protocol):
    """Embeds and buttons to add under the feedback (`live`: False when reopened later)."""

    async def __call__(
        self, session: SessionRecord, scenario: Scenario, summary: Summary, *, live: bool
    ) -> SummaryExtras: ...


class StatusLines(Protocol):
    """Lines to add to `/interview status`."""

    def __call__(
        self, session: SessionRecord, scenario: Scenario, state: InterviewState
    ) -> list[str]: ...


class InterviewStarter(Protocol):
    """Start `scenario` from an interaction (the interview extension provides it)."""

    async def __call__(
        self,
        interaction: discord.Interaction,
        scenario: Scenario,
        mode: str,
        *,
        candidate: discord.abc.User | None = None,
        retry_of: int | None = None,
    ) -> None: ...


H = TypeVar("H")


class HookList(Generic[H]):
    """Hooks of one kind, in registration order, each remembered with its owner."""

    def __init__(self) -> None:
        self._entries: list[tuple[object, H]] = []

    def add(self, owner: object, hook: H) -> None:
        self._entries.append((owner, hook))

    def drop(self, owner: object) -> None:
        self._entries = [(o, h) for o, h in self._entries if o is not owner]

    def __iter__(self) -> Iterator[H]:
        return iter([hook for _, hook in self._entries])

    def __len__(self) -> int:
        return len(self._entries)


class InterviewNotLoaded(RuntimeError):
    """A feature asked to start an interview while the interview extension is not loaded."""


class InterviewHooks:
    """The hooks of every loaded feature, and the interview extension's starter."""

    def __init__(self) -> None:
        self.start_checks: HookList[StartCheck] = HookList()
        self.session_started: HookList[SessionStarted] = HookList()
        self.opening_items: HookList[OpeningItems] = HookList()
        self.summary_extras: HookList[SummaryExtrasHook] = HookList()
        self.status_lines: HookList[StatusLines] = HookList()
        self._starter: tuple[object, InterviewStarter] | None = None

    def register(
        self,
        owner: object,
        *,
        start_check: StartCheck | None = None,
        session_started: SessionStarted | None = None,
        opening_items: OpeningItems | None = None,
        summary_extras: SummaryExtrasHook | None = None,
        status_lines: StatusLines | None = None,
        starter: InterviewStarter | None = None,
    ) -> None:
        """Add `owner`'s hooks (a cog, in its `cog_load`)."""
        if start_check is not None:
            self.start_checks.add(owner, start_check)
        if session_started is not None:
            self.session_started.add(owner, session_started)
        if opening_items is not None:
            self.opening_items.add(owner, opening_items)
        if summary_extras is not None:
            self.summary_extras.add(owner, summary_extras)
        if status_lines is not None:
            self.status_lines.add(owner, status_lines)
        if starter is not None:
            self._starter = (owner, starter)

    def unregister(self, owner: object) -> None:
        """Drop every hook `owner` registered (in its `cog_unload`)."""
        for hooks in (
            self.start_checks,
            self.session_started,
            self.opening_items,
            self.summary_extras,
            self.status_lines,
        ):
            hooks.drop(owner)
        if self._starter is not None and self._starter[0] is owner:
            self._starter = None

    async def start_interview(
        self,
        interaction: discord.Interaction,
        scenario: Scenario,
        mode: str,
        *,
        candidate: discord.abc.User | None = None,
        retry_of: int | None = None,
    ) -> None:
        """Start an interview through the interview extension (e.g. Retry)."""
        if self._starter is None:
            raise InterviewNotLoaded("the interview extension is not loaded")
        await self._starter[1](interaction, scenario, mode, candidate=candidate, retry_of=retry_of)
