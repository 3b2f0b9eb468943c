"""A fake Discord (gateway + REST) on 127.0.0.1 that the *real* discord.py client talks to.

Quick start
===========

The ``fake_discord`` fixture (``tests/e2e/conftest.py``) starts a :class:`FakeDiscord` on a
random port with one guild "Study Group" (``fake.guild_id``), a text channel ``#general``
(``fake.channel_id``) and a user ``alice`` (``fake.alice``, a user dict); it points
discord.py at the fake from the test side only (monkeypatches ``discord.http.Route.BASE``
and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``; see ``patch_discord``) and stops
it afterwards.  ``running_client`` starts any ``discord.Client``/``Bot`` against it, waits
for ``on_ready`` and closes the client on exit::

    from fake_discord import FakeDiscord, running_client

    async def test_flow(fake_discord: FakeDiscord):
        bot = make_bot(guild_ready_timeout=0.05)   # else on_ready waits 2 s for guilds
        async with running_client(bot, fake_discord):
            await bot.tree.sync(guild=discord.Object(fake_discord.guild_id))
            ix = await fake_discord.slash("interview start", {"round": "ml-metrics"})
            cb = await ix.wait_callback()          # body of POST /interactions/.../callback
            reply = await ix.wait_reply()          # StoredMessage: original or 1st followup
            ix2 = await fake_discord.click(reply, "iv:answer")   # press a button on it
            modal = await ix2.wait_modal()         # the bot answered with a modal
            ix3 = await fake_discord.submit_modal(ix2, {"answer_text": "my answer"})
            msg = await ix3.wait_message(channel_id=thread_id)   # any later bot message
            assert "pushback" in msg.text()

Driving the bot
===============
Each returns a :class:`FakeInteraction` (``await``-able helpers below) or a
:class:`StoredMessage`:

* ``slash(name, options, user=, channel_id=, dm=)`` -- ``"interview start"`` is a
  subcommand, three words a subcommand group; option values typed from Python (str, int,
  float, bool) or given as ``{"type": .., "value": ..}``.  Commands the client synced get
  their id and (guild sync) ``data.guild_id`` automatically.
* ``autocomplete(name, options, focused="round")`` -> ``await ix.wait_choices()``.
* ``click(message, custom_id, values=None, user=)`` -- waits until the client has
  registered the view (a click can otherwise outrun discord.py storing it).
* ``submit_modal(ix_that_got_the_modal, {custom_id: value})`` (or a modal dict).
* ``user_message(channel_id, content, user=)`` -- MESSAGE_CREATE; in a guild the content
  is blanked unless the client identified with the message-content intent or the bot is
  mentioned (as on Discord).  ``dm_channel_for(user)`` gives a user's DM channel id.
* ``dispatch(event, data)`` any gateway event; ``send_interaction(payload)`` a raw one
  (builders for users, members, channels, guilds, messages and every interaction type
  are in ``discord_payloads.py``).
* World: ``add_guild``, ``add_text_channel``, ``add_user(name, guild_id=)``,
  ``set_bot_permissions(guild_id, perms, everyone=)`` (thread creation and sends are
  checked against the bot's guild permissions; channel overwrites are not modelled).

Observing it
============
* ``FakeInteraction``: ``wait_callback()``, ``wait_reply()``, ``wait_original()``,
  ``wait_followup(n)``, ``wait_modal()``, ``wait_choices()``, ``wait_message(channel_id)``;
  ``callbacks``, ``original``, ``followups``, ``latency`` (dispatch -> callback seconds).
* ``requests`` -- every REST call as :class:`RecordedRequest` (method, path relative to
  ``/api/v10``, query, json, multipart ``files``, status, response); unknown routes are
  recorded too and answered 404.  ``find_requests`` / ``wait_for_request(method,
  "/channels/*/messages", predicate=, since=, status=)``.
* ``messages`` (id -> :class:`StoredMessage`: ``content``, ``embeds``, ``components``,
  ``attachments``, ``file_bytes(name)``, ``allowed_mentions``, ``allowed_pings()``,
  ``text()``, ``custom_ids()``, ``history`` of edits, ``deleted``); ``find_messages`` /
  ``wait_for_message(channel_id, predicate=, since=fake.checkpoint())`` -- by default
  only the bot's messages; "thinking" placeholders never match.
* ``channels``, ``threads_created``, ``thread_members``, ``commands`` (synced, by guild id
  or ``None``), ``gateway_received`` (ops the client sent), ``identifies``, ``resumes``.
* ``wait_until(condition, timeout, what)`` for anything else, fake- or client-side.

Faults
======
* ``fail_next("POST", "/channels/*/messages", count=1)`` -> 429 with JSON
  ``retry_after`` (0.05 s), ``Via`` and ``X-RateLimit-*`` headers: discord.py sleeps and
  retries.  ``fail_next(..., error=50007)`` / ``50013`` / ``160006`` ... -> Discord's JSON
  error with its HTTP status; ``count=None`` = until ``clear_faults()``.
* ``close_dms(user_id)`` -- sends to that user's DM fail with 403 50007.
* ``drop_gateway()`` -- closes the socket; the client RESUMEs at READY's
  ``resume_gateway_url`` and events dispatched meanwhile are replayed.
  ``drop_gateway(4009, new_session=True)`` -- the session timed out: the RESUME gets
  op 9 and the client identifies anew; what happened meanwhile is never delivered.
  ``send_reconnect()`` (op 7 -> RESUME), ``invalidate_session()`` (op 9 -> a new
  IDENTIFY, which discord.py delays by 5 s unless ``client.before_identify_hook`` is
  overridden).
* Shards: ``FakeDiscord(shards=N)`` is what ``/gateway/bot`` recommends; each IDENTIFY
  (its ``shard`` field) opens that shard's own session (``sessions``), a guild's events
  go to shard ``(guild_id >> 22) % count`` (``shard_for``), DMs and DM interactions to
  shard 0 only, and an event for a shard nobody holds is kept in ``unrouted``.
  ``identify_interval=5.0`` (0 = off) answers an IDENTIFY with op 9 when another in its
  bucket (``shard % max_concurrency``) came less than that before (``identify_rejections``).
  ``drop_gateway``, ``send_reconnect`` and ``invalidate_session`` take ``shard=`` (default:
  every shard).
* A callback later than ``interaction_deadline`` (3 s) gets 404 10062, a second callback
  400 40060, as on Discord.
* Every request body is checked against Discord's published OpenAPI schema (cut to the
  routes served, ``discord_api.py``): one Discord would reject gets its 400 50035 with
  the errors by field, and is kept in ``schema_rejections`` (``check_schema=False`` to
  turn it off).

discord.py 2.7 facts honoured
=============================
A plain ``Client`` never calls ``/gateway/bot`` (``AutoShardedClient`` does, and gets this
fake's URL); plain-text gateway frames are accepted although it asks for zlib-stream;
login is ``GET /users/@me`` then ``GET /oauth2/applications/@me``; JSON replies carry
exactly ``Content-Type: application/json``; interaction callbacks come with
``?with_response=1`` and the reply carries ``interaction.response_message_id`` and
``resource.message``; interaction payloads carry ``application_id``, ``version``,
``attachment_size_limit`` and, for guild-synced commands, ``data.guild_id``.  The bot's
own non-ephemeral messages are echoed as MESSAGE_CREATE when its intents ask for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import fnmatch
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import aiohttp
import discord
import discord_payloads as P
import yarl
from aiohttp import web
from discord_api import RequestChecker

log = logging.getLogger("fake_discord")

# internal waits are woken by the fake's own notifications; the poll is only a safety net
_SLOW_POLL = 0.25

API_PREFIX = "/api/v10"

KNOWN_ERRORS: dict[int, tuple[int, str]] = {
    10003: (404, "Unknown Channel"),
    10008: (404, "Unknown Message"),
    10013: (404, "Unknown User"),
    10062: (404, "Unknown interaction"),
    40060: (400, "Interaction has already been acknowledged."),
    50001: (403, "Missing Access"),
    50007: (403, "Cannot send messages to this user"),
    50013: (403, "Missing Permissions"),
    50035: (400, "Invalid Form Body"),
    50083: (400, "Operation cannot be performed on an archived thread."),
    160002: (400, "Cannot reply without permission to read message history"),
    160005: (400, "Thread is locked"),
    160006: (400, "Maximum number of active threads reached"),
}

PERM = discord.Permissions
DEFAULT_EVERYONE_PERMS = PERM(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    create_public_threads=True,
    create_private_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_application_commands=True,
).value
DEFAULT_BOT_PERMS = (
    PERM(DEFAULT_EVERYONE_PERMS) | PERM(manage_threads=True, manage_messages=True)
).value


class FakeDiscordError(AssertionError):
    pass


# --------------------------------------------------------------------------- records


@dataclass
class UploadedFile:
    field: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass
class RecordedRequest:
    method: str
    path: str  # relative to the API base, e.g. "/channels/1/messages"
    query: dict[str, str]
    json: Any
    files: list[UploadedFile]
    headers: dict[str, str]
    status: int = 0
    response: Any = None
    at: float = field(default_factory=time.monotonic)

    def matches(self, method: str | None = None, path: str | None = None) -> bool:
        if method is not None and method != "*" and method.upper() != self.method:
            return False
        return path is None or _path_match(path, self.path)

    def __repr__(self) -> str:
        return f"<{self.method} {self.path} -> {self.status}>"


def _path_match(pattern: str | re.Pattern[str], path: str) -> bool:
    if isinstance(pattern, re.Pattern):
        return pattern.fullmatch(path) is not None
    return fnmatch.fnmatchcase(path, pattern)


@dataclass
class StoredMessage:
    """A message as the fake stores it: ``data`` is exactly what Discord would return."""

    data: dict[str, Any]
    allowed_mentions: Any = None
    files: dict[str, bytes] = field(default_factory=dict)  # attachment id -> bytes
    history: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    interaction_id: int | None = None
    seq: int = 0  # creation order, for checkpoints
    created_at: float = field(default_factory=time.monotonic)

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def channel_id(self) -> int:
        return int(self.data["channel_id"])

    @property
    def author_id(self) -> int:
        return int(self.data["author"]["id"])

    @property
    def content(self) -> str:
        return self.data.get("content") or ""

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.data.get("embeds") or []

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.data.get("components") or []

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return self.data.get("attachments") or []

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & P.FLAG_EPHEMERAL)

    @property
    def loading(self) -> bool:
        return bool(self.flags & P.FLAG_LOADING)

    def custom_ids(self) -> list[str]:
        return [c["custom_id"] for c in P.walk_components(self.components) if "custom_id" in c]

    def file_bytes(self, name_or_index: str | int = 0) -> bytes:
        atts = self.attachments
        if isinstance(name_or_index, int):
            att = atts[name_or_index]
        else:
            att = next(a for a in atts if a["filename"] == name_or_index)
        return self.files[str(att["id"])]

    def allowed_pings(self) -> dict[str, Any]:
        """Who this message may ping, from its text and ``allowed_mentions``.

        ``{"everyone": bool, "users": {ids}, "roles": {ids}}``; Discord's rule: without
        ``allowed_mentions`` every mention in the content pings.  (The bot's
        MENTION_EVERYONE permission is ignored: this is what the bot *allowed*.)
        """
        text = self.text()
        users = {int(u) for u in re.findall(r"<@!?(\d+)>", text)}
        roles = {int(r) for r in re.findall(r"<@&(\d+)>", text)}
        everyone = bool(re.search(r"@(everyone|here)\b", text))
        am = self.allowed_mentions
        if am is None:
            return {"everyone": everyone, "users": users, "roles": roles}
        parse = set(am.get("parse") or [])
        allowed_users = users if "users" in parse else users & {int(u) for u in am.get("users", [])}
        allowed_roles = roles if "roles" in parse else roles & {int(r) for r in am.get("roles", [])}
        return {
            "everyone": everyone and "everyone" in parse,
            "users": allowed_users,
            "roles": allowed_roles,
        }

    def text(self) -> str:
        """Content plus every embed's visible text, for loose assertions."""
        parts = [self.content]
        for e in self.embeds:
            parts += [e.get("title", ""), e.get("description", "")]
            for f in e.get("fields", []):
                parts += [f.get("name", ""), f.get("value", "")]
            parts.append((e.get("footer") or {}).get("text", ""))
        return "\n".join(p for p in parts if p)

    def __repr__(self) -> str:
        return f"<StoredMessage {self.id} ch={self.channel_id} {self.content[:40]!r}>"


class FakeInteraction:
    """An interaction the test dispatched, and everything the bot did in answer."""

    def __init__(self, fake: FakeDiscord, payload: dict[str, Any]) -> None:
        self.fake = fake
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.channel_id = int(payload["channel_id"])
        self.guild_id = int(payload["guild_id"]) if "guild_id" in payload else None
        self.user: dict[str, Any] = payload.get("member", {}).get("user") or payload["user"]
        self.source_message_id: int | None = (
            int(payload["message"]["id"]) if payload.get("message") else None
        )
        self.dispatched_at = time.monotonic()
        self.callbacks: list[dict[str, Any]] = []
        self.callback_at: float | None = None
        self.original_message_id: int | None = None
        self.followup_ids: list[int] = []
        self.modal: dict[str, Any] | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.checkpoint = 0

    # -- state
    @property
    def callback(self) -> dict[str, Any] | None:
        return self.callbacks[0] if self.callbacks else None

    @property
    def latency(self) -> float | None:
        return None if self.callback_at is None else self.callback_at - self.dispatched_at

    @property
    def original(self) -> StoredMessage | None:
        if self.original_message_id is None:
            return None
        return self.fake.messages.get(self.original_message_id)

    @property
    def followups(self) -> list[StoredMessage]:
        return [self.fake.messages[i] for i in self.followup_ids]

    # -- waiting
    async def wait_callback(self, timeout: float = 5.0) -> dict[str, Any]:
        await self.fake.wait_until(
            lambda: bool(self.callbacks), timeout, f"callback for {self}", poll=_SLOW_POLL
        )
        return self.callbacks[0]

    async def wait_modal(self, timeout: float = 5.0) -> dict[str, Any]:
        await self.fake.wait_until(
            lambda: self.modal is not None, timeout, f"modal for {self}", poll=_SLOW_POLL
        )
        assert self.modal is not None
        return self.modal

    async def wait_choices(self, timeout: float = 5.0) -> list[dict[str, Any]]:
        await self.fake.wait_until(
            lambda: self.choices is not None,
            timeout,
            f"autocomplete choices for {self}",
            poll=_SLOW_POLL,
        )
        assert self.choices is not None
        return self.choices

    async def wait_original(
        self,
        predicate: Callable[[StoredMessage], bool] | None = None,
        timeout: float = 5.0,
    ) -> StoredMessage:
        """The response message, once it is no longer "thinking" (and matches predicate)."""

        def ok() -> bool:
            m = self.original
            if m is None or m.loading:
                return False
            return predicate is None or predicate(m)

        await self.fake.wait_until(ok, timeout, f"original response of {self}", poll=_SLOW_POLL)
        assert self.original is not None
        return self.original

    async def wait_followup(self, n: int = 1, timeout: float = 5.0) -> StoredMessage:
        await self.fake.wait_until(
            lambda: len(self.followup_ids) >= n,
            timeout,
            f"followup #{n} of {self}",
            poll=_SLOW_POLL,
        )
        return self.fake.messages[self.followup_ids[n - 1]]

    async def wait_reply(
        self,
        predicate: Callable[[StoredMessage], bool] | None = None,
        timeout: float = 5.0,
    ) -> StoredMessage:
        """First visible message the bot produced for this interaction.

        The non-loading original response, else a followup, else (for component clicks
        answered with UPDATE_MESSAGE / deferred update) the updated source message.
        """

        def find() -> StoredMessage | None:
            cands = []
            if self.original is not None and not self.original.loading:
                cands.append(self.original)
            cands += self.followups
            for m in cands:
                if predicate is None or predicate(m):
                    return m
            return None

        await self.fake.wait_until(
            lambda: find() is not None, timeout, f"reply to {self}", poll=_SLOW_POLL
        )
        result = find()
        assert result is not None
        return result

    async def wait_message(
        self,
        channel_id: int | None = None,
        predicate: Callable[[StoredMessage], bool] | None = None,
        timeout: float = 5.0,
    ) -> StoredMessage:
        """Any message created after this interaction was dispatched (e.g. in a new thread)."""
        return await self.fake.wait_for_message(
            channel_id=channel_id, predicate=predicate, since=self.checkpoint, timeout=timeout
        )

    def __repr__(self) -> str:
        return f"<FakeInteraction {self.id} type={self.type}>"


@dataclass
class Fault:
    method: str
    path: str | re.Pattern[str]
    remaining: int | None  # None = forever
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    hits: int = 0


@dataclass
class GatewaySession:
    session_id: str
    intents: int
    shard: list[int] | None
    seq: int = 0
    buffer: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------- the fake


class FakeDiscord:
    def __init__(
        self,
        *,
        application_id: int | None = None,
        bot_name: str = "interview-bot",
        heartbeat_interval_ms: int = 41250,
        interaction_deadline: float = 3.0,
        echo_bot_messages: bool = True,
        shards: int = 1,
        check_schema: bool = True,
        identify_interval: float = 0.0,
        max_concurrency: int = 1,
    ) -> None:
        self.application_id = application_id or P.snowflake()
        self.bot_user = P.user(self.application_id, bot_name, bot=True)
        self.bot_id = self.application_id
        self.owner_user = P.user(P.snowflake(), "owner")
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = interaction_deadline
        self.echo_bot_messages = echo_bot_messages
        self.shards = shards
        # identifies in one bucket (shard % max_concurrency) closer than this get op 9
        # (Discord: 5 s; 0 = no check, as the single-shard tests re-identify at once)
        self.identify_interval = identify_interval
        self.max_concurrency = max_concurrency
        self._last_identify: dict[int, float] = {}  # bucket -> monotonic time
        self.identify_rejections: list[int] = []  # shard ids answered with op 9
        self.unrouted: list[tuple[str, int]] = []  # (event, shard) no session was there for
        self.application_flags = 0

        self.requests: list[RecordedRequest] = []
        self.messages: dict[int, StoredMessage] = {}
        self._by_channel: dict[int, list[StoredMessage]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.guilds: dict[int, dict[str, Any]] = {}  # id -> {"name", "roles", "members"}
        self.users: dict[int, dict[str, Any]] = {self.bot_id: self.bot_user}
        self.dm_channels: dict[int, int] = {}  # user id -> channel id
        self.threads_created: list[dict[str, Any]] = []
        self.thread_members: dict[int, set[int]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id/None -> cmds
        self.interactions: dict[int, FakeInteraction] = {}
        self.interactions_by_token: dict[str, FakeInteraction] = {}
        self.closed_dms: set[int] = set()
        self.faults: list[Fault] = []
        # request bodies are checked against Discord's published schema (discord_api.py)
        self.schema = RequestChecker.bundled() if check_schema else None
        self.schema_rejections: list[RecordedRequest] = []
        self.gateway_received: list[dict[str, Any]] = []
        self.identifies = 0
        self.resumes = 0
        self.connections = 0

        self.sessions: dict[int, GatewaySession] = {}  # shard id -> its gateway session
        self._wss: dict[int, web.WebSocketResponse] = {}  # shard id -> its live socket
        self._all_ws: set[web.WebSocketResponse] = set()
        self._changed: asyncio.Condition | None = None
        self._msg_seq = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        # the discord.py client under test (set by running_client); used only to wait
        # until it has registered a view/modal before a click/submit is dispatched
        self.client: discord.Client | None = None

        # default world
        self.guild_id = self.add_guild("Study Group")
        self.channel_id = self.add_text_channel(self.guild_id, "general")
        self.alice = self.add_user("alice", guild_id=self.guild_id)

    # ------------------------------------------------------------------ URLs / lifecycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + API_PREFIX

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    async def start(self) -> FakeDiscord:
        self._changed = asyncio.Condition()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get("/gateway/", self._gateway_handler)
        app.router.add_get("/gateway", self._gateway_handler)
        app.router.add_get("/attachments/{tail:.*}", self._attachment_handler)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest_handler)
        app.router.add_route("*", "/{tail:.*}", self._unknown_handler)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        for ws in list(self._all_ws):
            with contextlib.suppress(Exception):
                await ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def patch_discord(self, monkeypatch: Any) -> None:
        """Point discord.py at this fake (REST base + default gateway), test side only."""
        import discord.gateway
        import discord.http

        monkeypatch.setattr(discord.http.Route, "BASE", self.api_base)
        monkeypatch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(self.gateway_url)
        )

    # ------------------------------------------------------------------ waiting
    async def _notify(self) -> None:
        if self._changed is None:
            return
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 5.0,
        what: str = "condition",
        *,
        poll: float | None = 0.02,
    ) -> None:
        """Wait until ``condition()`` holds (fake or client state); FakeDiscordError if not."""
        assert self._changed is not None, "FakeDiscord not started"
        try:
            async with asyncio.timeout(timeout), self._changed:
                # woken by the fake's own state changes; polled for client-side state
                while not condition():
                    if poll is None:  # only the fake's own state matters: no polling
                        await self._changed.wait()
                        continue
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._changed.wait(), poll)
        except TimeoutError:
            recent = self.requests[-8:]
            raise FakeDiscordError(
                f"timed out after {timeout}s waiting for {what}; last requests: {recent}"
            ) from None

    def checkpoint(self) -> int:
        """A marker: pass as ``since=`` to only see messages created after this point."""
        return self._msg_seq

    def request_checkpoint(self) -> int:
        return len(self.requests)

    def find_requests(
        self,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        *,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        since: int = 0,
        status: int | None = None,
    ) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests[since:]
            if r.matches(method, path)
            and (status is None or r.status == status)
            and (predicate is None or predicate(r))
        ]

    async def wait_for_request(
        self,
        method: str | None = None,
        path: str | re.Pattern[str] | None = None,
        *,
        predicate: Callable[[RecordedRequest], bool] | None = None,
        since: int = 0,
        status: int | None = None,
        timeout: float = 5.0,
    ) -> RecordedRequest:
        """First recorded request (from index ``since``) matching method + path glob."""

        def find() -> list[RecordedRequest]:
            return self.find_requests(method, path, predicate=predicate, since=since, status=status)

        await self.wait_until(
            lambda: bool(find()), timeout, f"request {method} {path}", poll=_SLOW_POLL
        )
        return find()[0]

    def find_messages(
        self,
        channel_id: int | None = None,
        *,
        predicate: Callable[[StoredMessage], bool] | None = None,
        since: int = 0,
        author_id: int | None = None,
        include_deleted: bool = False,
    ) -> list[StoredMessage]:
        pool = (
            self.messages.values() if channel_id is None else self._by_channel.get(channel_id, [])
        )
        out = [
            m
            for m in pool
            if m.seq > since
            and (author_id is None or m.author_id == author_id)
            and (include_deleted or not m.deleted)
            and (predicate is None or predicate(m))
        ]
        return sorted(out, key=lambda m: m.seq)

    async def wait_for_message(
        self,
        channel_id: int | None = None,
        *,
        predicate: Callable[[StoredMessage], bool] | None = None,
        since: int = 0,
        author_id: int | None = -1,
        count: int = 1,
        timeout: float = 5.0,
    ) -> StoredMessage:
        """Wait for the ``count``-th message (by the bot unless ``author_id`` given).

        Loading ("thinking") placeholders never match.
        """
        author = self.bot_id if author_id == -1 else author_id

        def pred(m: StoredMessage) -> bool:
            return not m.loading and (predicate is None or predicate(m))

        def find() -> list[StoredMessage]:
            return self.find_messages(channel_id, predicate=pred, since=since, author_id=author)

        await self.wait_until(
            lambda: len(find()) >= count,
            timeout,
            f"message in channel {channel_id}",
            poll=_SLOW_POLL,
        )
        return find()[count - 1]

    # ------------------------------------------------------------------ world building
    def add_guild(
        self,
        name: str,
        *,
        bot_permissions: int = DEFAULT_BOT_PERMS,
        everyone_permissions: int = DEFAULT_EVERYONE_PERMS,
    ) -> int:
        gid = P.snowflake()
        bot_role = P.snowflake()
        self.guilds[gid] = {
            "id": gid,
            "name": name,
            "roles": {
                gid: P.role(gid, "@everyone", permissions=everyone_permissions),
                bot_role: P.role(
                    bot_role, "interview-bot", permissions=bot_permissions, position=1
                ),
            },
            "bot_role": bot_role,
            "members": {self.bot_id: P.member(self.bot_user, roles=[bot_role])},
            "owner_id": int(self.owner_user["id"]),
        }
        if self.session is not None:
            self._schedule(self.dispatch("GUILD_CREATE", self.guild_payload(gid)))
        return gid

    def add_text_channel(self, guild_id: int, name: str) -> int:
        cid = P.snowflake()
        pos = sum(1 for c in self.channels.values() if c.get("guild_id") == str(guild_id))
        self.channels[cid] = P.text_channel(cid, guild_id, name, position=pos)
        if self.session is not None:
            self._schedule(self.dispatch("CHANNEL_CREATE", self.channels[cid]))
        return cid

    def add_user(self, username: str, *, guild_id: int | None = None) -> dict[str, Any]:
        u = P.user(P.snowflake(), username)
        self.users[int(u["id"])] = u
        if guild_id is not None:
            self.guilds[guild_id]["members"][int(u["id"])] = P.member(u)
            if self.session is not None:
                self._schedule(
                    self.dispatch(
                        "GUILD_MEMBER_ADD",
                        {
                            **self.guilds[guild_id]["members"][int(u["id"])],
                            "guild_id": str(guild_id),
                        },
                    )
                )
        return u

    def guild_payload(self, guild_id: int) -> dict[str, Any]:
        g = self.guilds[guild_id]
        chans = [
            c
            for c in self.channels.values()
            if c.get("guild_id") == str(guild_id) and c["type"] not in (11, 12)
        ]
        threads = [
            c
            for c in self.channels.values()
            if c.get("guild_id") == str(guild_id) and c["type"] in (11, 12)
        ]
        return P.guild(
            guild_id,
            g["name"],
            owner_id=g["owner_id"],
            channels=chans,
            roles=list(g["roles"].values()),
            members=list(g["members"].values()),
            threads=threads,
        )

    def bot_permissions(self, guild_id: int) -> int:
        g = self.guilds[guild_id]
        member = g["members"][self.bot_id]
        value = int(g["roles"][guild_id]["permissions"])
        for rid in member["roles"]:
            value |= int(g["roles"][int(rid)]["permissions"])
        if value & PERM(administrator=True).value:
            return PERM.all().value
        return value

    def member_permissions(self, guild_id: int, user_id: int) -> int:
        g = self.guilds[guild_id]
        member = g["members"].get(user_id)
        value = int(g["roles"][guild_id]["permissions"])
        for rid in (member or {}).get("roles", []):
            value |= int(g["roles"][int(rid)]["permissions"])
        return value

    async def set_bot_permissions(
        self, guild_id: int, permissions: int, *, everyone: int | None = None
    ) -> None:
        """Set the bot role's (and optionally @everyone's) permissions.

        The bot's effective permissions are the union of both roles, as on Discord. The
        client is told via GUILD_ROLE_UPDATE so its cache agrees.
        """
        g = self.guilds[guild_id]
        changed = [g["roles"][g["bot_role"]]]
        changed[0]["permissions"] = str(permissions)
        if everyone is not None:
            g["roles"][guild_id]["permissions"] = str(everyone)
            changed.append(g["roles"][guild_id])
        if self.session is not None:
            for r in changed:
                await self.dispatch("GUILD_ROLE_UPDATE", {"guild_id": str(guild_id), "role": r})

    def dm_channel_for(self, user: Mapping[str, Any] | int) -> int:
        uid = int(user["id"]) if isinstance(user, Mapping) else int(user)
        if uid not in self.dm_channels:
            cid = P.snowflake()
            self.channels[cid] = P.dm_channel(cid, self.users.get(uid) or P.user(uid))
            self.dm_channels[uid] = cid
        return self.dm_channels[uid]

    def close_dms(self, user_id: int) -> None:
        """Messages the bot sends to this user's DM fail with 403 50007."""
        self.closed_dms.add(int(user_id))

    def _schedule(self, coro: Any) -> None:
        asyncio.get_running_loop().create_task(coro)

    # ------------------------------------------------------------------ faults
    def fail_next(
        self,
        method: str,
        path: str | re.Pattern[str],
        *,
        count: int | None = 1,
        status: int | None = None,
        error: int | None = None,
        message: str | None = None,
        retry_after: float = 0.05,
        is_global: bool = False,
    ) -> Fault:
        """Make the next ``count`` requests matching ``method`` + ``path`` glob fail.

        Default is a 429 with JSON ``retry_after`` and ``Via``/``X-RateLimit-*`` headers
        (discord.py sleeps and retries).  ``error=50007`` etc. gives Discord's JSON error
        with the usual HTTP status (403 for 50007/50013).
        """
        headers: dict[str, str] = {}
        if error is None and (status is None or status == 429):
            status = 429
            body: dict[str, Any] = {
                "message": message or "You are being rate limited.",
                "retry_after": retry_after,
                "global": is_global,
                "code": 0,
            }
            headers = {
                "Via": "1.1 google",
                "Retry-After": str(max(1, round(retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": "fakebucket",
                "X-RateLimit-Scope": "global" if is_global else "user",
            }
            if is_global:
                headers["X-RateLimit-Global"] = "true"
        else:
            known_status, known_msg = KNOWN_ERRORS.get(error or 0, (400, "Bad Request"))
            status = status or known_status
            body = {"message": message or known_msg, "code": error or 0}
        fault = Fault(method.upper(), path, count, status, body, headers)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self.faults.clear()

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method not in ("*", method) or not _path_match(fault.path, path):
                continue
            if fault.remaining is not None:
                if fault.remaining <= 0:
                    continue
                fault.remaining -= 1
            fault.hits += 1
            return fault
        return None

    # ------------------------------------------------------------------ gateway
    async def _gateway_handler(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.connections += 1
        self._all_ws.add(ws)
        try:
            await self._send(
                ws, {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
            )
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                self.gateway_received.append(payload)
                await self._on_gateway_op(ws, payload)
                await self._notify()
        finally:
            self._all_ws.discard(ws)
            for shard, live in list(self._wss.items()):
                if live is ws:
                    del self._wss[shard]
            await self._notify()
        return ws

    async def _send(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        if not ws.closed:
            await ws.send_str(json.dumps(payload))

    async def _on_gateway_op(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        if op == 1:  # heartbeat
            await self._send(ws, {"op": 11})
        elif op == 2:  # identify
            shard_field = d.get("shard")
            shard = int(shard_field[0]) if shard_field else 0
            if self._identify_too_soon(shard):
                self.identify_rejections.append(shard)
                await self._send(ws, {"op": 9, "d": False})
                return
            self.identifies += 1
            session = GatewaySession(
                session_id=f"fake-session-{P.snowflake()}",
                intents=int(d.get("intents", 0)),
                shard=shard_field,
            )
            self.sessions[shard] = session
            self._wss[shard] = ws
            guilds = [gid for gid in self.guilds if self.shard_of_guild(gid) == shard]
            ready = {
                "v": 10,
                "user": self.bot_user,
                "session_id": session.session_id,
                "resume_gateway_url": self.gateway_url,
                "session_type": "normal",
                "guilds": [{"id": str(gid), "unavailable": True} for gid in guilds],
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "application": {"id": str(self.application_id), "flags": self.application_flags},
                "geo_ordered_rtc_regions": [],
            }
            if session.shard is not None:
                ready["shard"] = session.shard
            await self.dispatch("READY", ready, shard=shard)
            for gid in guilds:
                await self.dispatch("GUILD_CREATE", self.guild_payload(gid), shard=shard)
        elif op == 6:  # resume
            self.resumes += 1
            found = [
                (shard, s)
                for shard, s in self.sessions.items()
                if s.session_id == d.get("session_id")
            ]
            if not found:
                await self._send(ws, {"op": 9, "d": False})
                return
            shard, s = found[0]
            self._wss[shard] = ws
            last = int(d.get("seq") or 0)
            for event in s.buffer:
                if event["s"] > last:
                    await self._send(ws, event)
            await self.dispatch("RESUMED", {}, shard=shard)
        elif op == 8:  # request guild members
            gid = int(d["guild_id"])
            members = list(self.guilds.get(gid, {}).get("members", {}).values())
            await self.dispatch(
                "GUILD_MEMBERS_CHUNK",
                {
                    "guild_id": str(gid),
                    "members": members,
                    "chunk_index": 0,
                    "chunk_count": 1,
                    "nonce": d.get("nonce"),
                },
            )

    # -- shards: a guild's events go to shard (guild_id >> 22) % count, the rest to 0
    @property
    def shard_count(self) -> int:
        """The shard count the connected client identified with (1 if unsharded)."""
        for s in self.sessions.values():
            if s.shard:
                return int(s.shard[1])
        return 1

    def shard_of_guild(self, guild_id: int | str) -> int:
        return (int(guild_id) >> 22) % self.shard_count

    def shard_for(self, event: str, data: Mapping[str, Any]) -> int:
        """The shard Discord sends this event to: its guild's, or 0 (DMs, DM interactions)."""
        if event in ("GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE") and "id" in data:
            return self.shard_of_guild(data["id"])
        guild_id = data.get("guild_id")
        return 0 if guild_id is None else self.shard_of_guild(guild_id)

    def _identify_too_soon(self, shard: int) -> bool:
        if self.identify_interval <= 0:
            return False
        bucket = shard % self.max_concurrency
        now = time.monotonic()
        last = self._last_identify.get(bucket)
        self._last_identify[bucket] = now  # a rejected attempt counts too, as on Discord
        return last is not None and now - last < self.identify_interval

    @property
    def session(self) -> GatewaySession | None:
        """Shard 0's session, else any (None: the client has not identified)."""
        return self.sessions.get(0) or next(iter(self.sessions.values()), None)

    @property
    def _ws(self) -> web.WebSocketResponse | None:
        return self._wss.get(0) or next(iter(self._wss.values()), None)

    async def dispatch(
        self, event: str, data: Mapping[str, Any], *, shard: int | None = None
    ) -> int:
        """Send a DISPATCH event to its shard's session (by the guild formula unless
        ``shard``); buffered (and replayed on RESUME) if that session is disconnected.
        An event for a shard nobody identified is dropped (kept in ``unrouted``)."""
        if not self.sessions:
            raise FakeDiscordError("no gateway session: the client has not identified")
        target = self.shard_for(event, data) if shard is None else shard
        s = self.sessions.get(target)
        if s is None:
            self.unrouted.append((event, target))
            return 0
        s.seq += 1
        frame = {"op": 0, "t": event, "s": s.seq, "d": data}
        s.buffer.append(frame)
        ws = self._wss.get(target)
        if ws is not None and not ws.closed:
            try:
                await ws.send_str(json.dumps(frame))
            except (ConnectionResetError, RuntimeError):
                log.debug("dispatch of %s failed; will replay on resume", event)
        return s.seq

    def _shards(self, shard: int | None) -> list[int]:
        return sorted(self._wss if shard is None else [shard])

    async def drop_gateway(
        self, code: int = 4000, *, new_session: bool = False, shard: int | None = None
    ) -> None:
        """Close the gateway socket of ``shard`` (default: every shard); resumable close
        codes make the client RESUME.

        ``new_session=True`` also forgets the session, as Discord does on close 4009
        (session timed out): the client's RESUME is answered with op 9 and it identifies
        anew; events meanwhile are never delivered.
        """
        for n in self._shards(shard):
            ws = self._wss.pop(n, None)
            if new_session:
                self.sessions.pop(n, None)
            if ws is not None:
                await ws.close(code=code, message=b"fake drop")

    async def send_reconnect(self, shard: int | None = None) -> None:
        for n in self._shards(shard):
            await self._send(self._wss[n], {"op": 7, "d": None})

    async def invalidate_session(self, resumable: bool = False, shard: int | None = None) -> None:
        for n in self._shards(shard):
            if not resumable:
                self.sessions.pop(n, None)
            await self._send(self._wss[n], {"op": 9, "d": resumable})

    async def wait_for_identify(self, n: int = 1, timeout: float = 5.0) -> None:
        await self.wait_until(
            lambda: self.identifies >= n, timeout, f"IDENTIFY #{n}", poll=_SLOW_POLL
        )

    async def wait_for_resume(self, n: int = 1, timeout: float = 10.0) -> None:
        await self.wait_until(
            lambda: self.resumes >= n and self._ws is not None,
            timeout,
            f"RESUME #{n}",
            poll=_SLOW_POLL,
        )

    @property
    def connected(self) -> bool:
        return bool(self._wss) and all(not ws.closed for ws in self._wss.values())

    def intents(self) -> int:
        return self.session.intents if self.session else 0

    # ------------------------------------------------------------------ driving the bot
    def _member_payload(self, guild_id: int, user: Mapping[str, Any]) -> dict[str, Any]:
        uid = int(user["id"])
        g = self.guilds[guild_id]
        base = g["members"].get(uid) or P.member(user)
        mp = copy.deepcopy(base)
        mp["user"] = dict(user)
        mp["permissions"] = str(self.member_permissions(guild_id, uid))
        return mp

    def _context(
        self,
        user: Mapping[str, Any] | None,
        channel_id: int | None,
        dm: bool,
    ) -> dict[str, Any]:
        user = dict(user or self.alice)
        self.users.setdefault(int(user["id"]), user)
        if dm:
            cid = self.dm_channel_for(user) if channel_id is None else channel_id
        else:
            cid = channel_id or self.channel_id
        chan = self.channels[cid]
        ctx: dict[str, Any] = {
            "application_id": self.application_id,
            "user": user,
            "channel": chan,
        }
        if "guild_id" in chan:
            gid = int(chan["guild_id"])
            ctx["guild_id"] = gid
            ctx["member_payload"] = self._member_payload(gid, user)
            ctx["app_permissions"] = self.bot_permissions(gid)
        else:
            ctx["app_permissions"] = PERM(
                send_messages=True, embed_links=True, attach_files=True
            ).value
        return ctx

    def _command(self, name: str, guild_id: int | None) -> tuple[int | None, int | None]:
        """(command id, guild id it is synced to) from the synced commands, if any."""
        top = name.split()[0]
        if guild_id is not None:
            for c in self.commands.get(guild_id, []):
                if c["name"] == top:
                    return int(c["id"]), guild_id
        for c in self.commands.get(None, []):
            if c["name"] == top:
                return int(c["id"]), None
        return None, None

    async def send_interaction(self, payload: dict[str, Any]) -> FakeInteraction:
        """Dispatch a raw INTERACTION_CREATE payload and track the bot's answers to it."""
        ix = FakeInteraction(self, payload)
        ix.checkpoint = self.checkpoint()
        self.interactions[ix.id] = ix
        self.interactions_by_token[ix.token] = ix
        await self.dispatch("INTERACTION_CREATE", payload)
        return ix

    async def slash(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        user: Mapping[str, Any] | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        command_guild_id: int | bool | None = True,
        resolved: Mapping[str, Any] | None = None,
    ) -> FakeInteraction:
        """Invoke ``/name`` (``"interview start"``: subcommand; three words: group).

        ``command_guild_id=True`` looks the command up in what the client synced (guild
        commands get ``data.guild_id``); pass an id or ``None`` to force it.
        """
        ctx = self._context(user, channel_id, dm)
        cmd_id, cmd_guild = self._command(name, ctx.get("guild_id"))
        if command_guild_id is not True:
            cmd_guild = command_guild_id  # type: ignore[assignment]
        payload = P.slash_command_interaction(
            name,
            options,
            command_id=cmd_id,
            command_guild_id=cmd_guild,
            resolved=resolved,
            **ctx,
        )
        return await self.send_interaction(payload)

    async def autocomplete(
        self,
        name: str,
        options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
        *,
        focused: str,
        user: Mapping[str, Any] | None = None,
        channel_id: int | None = None,
        dm: bool = False,
        command_guild_id: int | bool | None = True,
    ) -> FakeInteraction:
        ctx = self._context(user, channel_id, dm)
        cmd_id, cmd_guild = self._command(name, ctx.get("guild_id"))
        if command_guild_id is not True:
            cmd_guild = command_guild_id  # type: ignore[assignment]
        payload = P.autocomplete_interaction(
            name, options, focused=focused, command_id=cmd_id, command_guild_id=cmd_guild, **ctx
        )
        return await self.send_interaction(payload)

    async def click(
        self,
        message: StoredMessage | int,
        custom_id: str,
        *,
        user: Mapping[str, Any] | None = None,
        values: Sequence[str] | None = None,
        require_component: bool = True,
    ) -> FakeInteraction:
        """Press button ``custom_id`` (or choose ``values`` in a select) on a stored message."""
        msg = self.messages[message] if isinstance(message, int) else message
        if require_component and custom_id not in msg.custom_ids():
            raise FakeDiscordError(f"{msg} has no component {custom_id!r}: {msg.custom_ids()}")
        ch = self.channels[msg.channel_id]
        ctx = self._context(user, msg.channel_id, "guild_id" not in ch)
        payload = P.component_interaction(msg.data, custom_id, values=values, **ctx)
        ctype = int(payload["data"]["component_type"])

        def known(store: Any) -> bool:
            key = (ctype, custom_id)
            return (
                key in store._views.get(msg.id, {})
                or key in store._views.get(None, {})
                or any(p.fullmatch(custom_id) for p in store._dynamic_items)
            )

        await self._settle(known)
        return await self.send_interaction(payload)

    def _view_store(self) -> Any:
        return getattr(getattr(self.client, "_connection", None), "_view_store", None)

    async def _settle(self, known: Callable[[Any], bool], max_wait: float = 1.0) -> None:
        """Give the client time to register a view/modal it just sent.

        discord.py stores a view only after the HTTP reply that created its message has
        been processed, so a click dispatched at once can outrun it (a human cannot).
        With a client attached we poll its ViewStore; otherwise we pause briefly.
        """
        store = self._view_store()
        if store is None:
            await asyncio.sleep(0.05)
            return
        deadline = time.monotonic() + max_wait
        while time.monotonic() < deadline:
            try:
                if known(store):
                    return
            except Exception:  # ViewStore internals changed: fall back to a pause
                await asyncio.sleep(0.05)
                return
            await asyncio.sleep(0.005)

    async def submit_modal(
        self,
        modal_source: FakeInteraction | Mapping[str, Any],
        values: Mapping[str, Any],
        *,
        user: Mapping[str, Any] | None = None,
    ) -> FakeInteraction:
        """Submit the modal the bot opened in answer to ``modal_source`` (or a modal dict)."""
        if isinstance(modal_source, FakeInteraction):
            if modal_source.modal is None:
                raise FakeDiscordError(f"{modal_source} was not answered with a modal")
            modal = modal_source.modal
            channel_id: int | None = modal_source.channel_id
            user = user or modal_source.user
            src_msg = (
                self.messages[modal_source.source_message_id].data
                if modal_source.source_message_id in self.messages
                else None
            )
        else:
            modal, channel_id, src_msg = modal_source, None, None
        ch = self.channels[channel_id or self.channel_id]
        ctx = self._context(user, channel_id, "guild_id" not in ch)
        payload = P.modal_submit_interaction(modal, values, message_payload=src_msg, **ctx)
        await self._settle(lambda store: modal["custom_id"] in store._modals)
        return await self.send_interaction(payload)

    async def user_message(
        self,
        channel_id: int,
        content: str,
        *,
        user: Mapping[str, Any] | None = None,
        mentions: Sequence[Mapping[str, Any]] = (),
        attachments: Sequence[tuple[str, bytes]] = (),
    ) -> StoredMessage:
        """A user posts ``content`` in a channel: stored and dispatched as MESSAGE_CREATE.

        Like Discord, a guild message reaches a client without the message-content intent
        with empty content unless it mentions the bot. ``attachments`` are (filename,
        bytes) pairs, served at their ``url``.
        """
        user = dict(user or self.alice)
        self.users.setdefault(int(user["id"]), user)
        ch = self.channels[channel_id]
        gid = int(ch["guild_id"]) if "guild_id" in ch else None
        mp = self._member_payload(gid, user) if gid else None
        files = [
            UploadedFile(f"files[{i}]", name, None, blob)
            for i, (name, blob) in enumerate(attachments)
        ]
        atts, blobs = self._build_attachments(None, files, channel_id)
        data = P.message(
            P.snowflake(),
            channel_id,
            user,
            content,
            guild_id=gid,
            member_payload=mp,
            mentions=mentions,
            attachments=atts,
        )
        stored = self._store(StoredMessage(data=data, files=blobs))
        await self._echo("MESSAGE_CREATE", stored, from_user=True)
        return stored

    # ------------------------------------------------------------------ message storage
    def _store(self, msg: StoredMessage) -> StoredMessage:
        self._msg_seq += 1
        msg.seq = self._msg_seq
        self.messages[msg.id] = msg
        self._by_channel.setdefault(msg.channel_id, []).append(msg)
        ch = self.channels.get(msg.channel_id)
        if ch is not None:
            ch["last_message_id"] = str(msg.id)
            if ch["type"] in (11, 12):
                ch["message_count"] += 1
        return msg

    def _wants(self, channel: Mapping[str, Any]) -> bool:
        intents = self.intents()
        if "guild_id" in channel:
            return bool(intents & P.INTENT_GUILD_MESSAGES)
        return bool(intents & P.INTENT_DIRECT_MESSAGES)

    async def _echo(self, event: str, msg: StoredMessage, *, from_user: bool = False) -> None:
        if self.session is None or msg.ephemeral:
            return
        ch = self.channels.get(msg.channel_id, {})
        if not self._wants(ch):
            return
        if not from_user and not self.echo_bot_messages:
            return
        data = copy.deepcopy(msg.data)
        mentioned = any(int(m["id"]) == self.bot_id for m in data.get("mentions", []))
        if (
            "guild_id" in ch
            and not (self.intents() & P.INTENT_MESSAGE_CONTENT)
            and msg.author_id != self.bot_id
            and not mentioned
        ):
            data.update(content="", embeds=[], attachments=[], components=[])
        await self.dispatch(event, data)

    def _build_attachments(
        self,
        spec: list[dict[str, Any]] | None,
        files: list[UploadedFile],
        channel_id: int,
        existing: list[dict[str, Any]] | None = None,
    ) -> tuple[list[dict[str, Any]], dict[str, bytes]]:
        by_field = {}
        for f in files:
            m = re.fullmatch(r"files\[(\d+)\]|file(\d*)", f.field)
            if m:
                idx = m.group(1) or m.group(2) or "0"
                by_field[int(idx)] = f
        existing_by_id = {str(a["id"]): a for a in existing or []}
        out: list[dict[str, Any]] = []
        blobs: dict[str, bytes] = {}

        def new_att(f: UploadedFile, meta: Mapping[str, Any]) -> dict[str, Any]:
            aid = str(P.snowflake())
            filename = meta.get("filename") or f.filename or "file"
            blobs[aid] = f.data
            att = {
                "id": aid,
                "filename": filename,
                "size": len(f.data),
                "url": f"{self.base_url}/attachments/{channel_id}/{aid}/{filename}",
                "proxy_url": f"{self.base_url}/attachments/{channel_id}/{aid}/{filename}",
                "content_type": f.content_type or "application/octet-stream",
            }
            if meta.get("description"):
                att["description"] = meta["description"]
            return att

        if spec is None:
            out = list(existing or [])
            for idx in sorted(by_field):
                out.append(new_att(by_field[idx], {}))
            return out, blobs
        for meta in spec:
            key = str(meta.get("id"))
            if key in existing_by_id:
                out.append(existing_by_id[key])
            elif key.isdigit() and int(key) in by_field:
                out.append(new_att(by_field[int(key)], meta))
        return out, blobs

    def _message_from_body(
        self,
        body: Mapping[str, Any],
        files: list[UploadedFile],
        channel_id: int,
        *,
        interaction_id: int | None = None,
        extra_flags: int = 0,
    ) -> StoredMessage:
        ch = self.channels.get(channel_id, {})
        gid = int(ch["guild_id"]) if "guild_id" in ch else None
        attachments, blobs = self._build_attachments(body.get("attachments"), files, channel_id)
        data = P.message(
            P.snowflake(),
            channel_id,
            self.bot_user,
            body.get("content") or "",
            guild_id=gid,
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            attachments=attachments,
            flags=int(body.get("flags") or 0) | extra_flags,
            webhook_id=self.application_id if interaction_id else None,
            type=20 if interaction_id else 0,
        )
        if body.get("message_reference"):
            data["message_reference"] = body["message_reference"]
            data["type"] = 19
        if body.get("poll"):
            data["poll"] = body["poll"]
        msg = StoredMessage(
            data=data,
            allowed_mentions=body.get("allowed_mentions"),
            files=blobs,
            interaction_id=interaction_id,
        )
        return self._store(msg)

    def _edit_message(
        self, msg: StoredMessage, body: Mapping[str, Any], files: list[UploadedFile]
    ) -> None:
        msg.history.append(copy.deepcopy(msg.data))
        for key in ("content", "embeds", "components"):
            if key in body:
                msg.data[key] = (
                    body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        if "flags" in body and body["flags"] is not None:
            msg.data["flags"] = int(body["flags"]) | (msg.flags & P.FLAG_EPHEMERAL)
        if "allowed_mentions" in body:
            msg.allowed_mentions = body["allowed_mentions"]
        if "attachments" in body or files:
            atts, blobs = self._build_attachments(
                body.get("attachments"), files, msg.channel_id, existing=msg.attachments
            )
            msg.data["attachments"] = atts
            msg.files.update(blobs)
        msg.data["flags"] = msg.flags & ~P.FLAG_LOADING
        msg.data["edited_timestamp"] = P.iso_now()

    # ------------------------------------------------------------------ REST plumbing
    @staticmethod
    def _json(
        data: Any, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> web.Response:
        hdrs = {"Content-Type": "application/json", **(headers or {})}
        return web.Response(status=status, body=json.dumps(data).encode(), headers=hdrs)

    @staticmethod
    def _error(code: int, message: str | None = None, status: int | None = None) -> web.Response:
        known_status, known_msg = KNOWN_ERRORS.get(code, (400, "Bad Request"))
        return FakeDiscord._json(
            {"message": message or known_msg, "code": code}, status=status or known_status
        )

    async def _parse_body(self, request: web.Request) -> tuple[Any, list[UploadedFile]]:
        files: list[UploadedFile] = []
        if not request.body_exists:
            return None, files
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("multipart/"):
            body: Any = None
            reader = await request.multipart()
            while True:
                part = await reader.next()
                if part is None:
                    break
                assert isinstance(part, aiohttp.BodyPartReader)
                raw = await part.read(decode=False)
                if part.name == "payload_json":
                    body = json.loads(raw)
                else:
                    files.append(
                        UploadedFile(
                            field=part.name or "",
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(raw),
                        )
                    )
            return body, files
        raw = await request.read()
        if not raw:
            return None, files
        try:
            return json.loads(raw), files
        except ValueError:
            return raw.decode("utf-8", "replace"), files

    async def _rest_handler(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        method = request.method.upper()
        body, files = await self._parse_body(request)
        rec = RecordedRequest(
            method=method,
            path=path,
            query=dict(request.query),
            json=body,
            files=files,
            headers=dict(request.headers),
        )
        fault = self._take_fault(method, path)
        invalid = self.schema.check(method, path, body) if self.schema is not None else None
        if fault is not None:
            response = self._json(fault.body, status=fault.status, headers=fault.headers)
        elif invalid is not None:  # what Discord answers to a body its schema rejects
            log.warning("fake discord: %s %s rejected by the API schema: %s", method, path, invalid)
            self.schema_rejections.append(rec)
            response = self._json(invalid, status=400)
        else:
            try:
                response = await self._route(rec)
            except Exception as exc:  # a bug in the fake: surface it loudly
                log.exception("fake discord handler crashed for %s %s", method, path)
                response = self._json({"message": f"fake crashed: {exc!r}", "code": 0}, 500)
        rec.status = response.status
        if isinstance(response, web.Response) and response.body is not None:
            with contextlib.suppress(Exception):
                rec.response = json.loads(response.body)  # type: ignore[arg-type]
        self.requests.append(rec)
        await self._notify()
        return response

    async def _unknown_handler(self, request: web.Request) -> web.StreamResponse:
        rec = RecordedRequest(
            method=request.method.upper(),
            path=request.path,
            query=dict(request.query),
            json=None,
            files=[],
            headers=dict(request.headers),
            status=404,
        )
        self.requests.append(rec)
        await self._notify()
        return self._json({"message": "404: Not Found", "code": 0}, status=404)

    async def _attachment_handler(self, request: web.Request) -> web.StreamResponse:
        parts = request.match_info["tail"].split("/")
        for msg in self.messages.values():
            if len(parts) >= 2 and parts[1] in msg.files:
                return web.Response(body=msg.files[parts[1]])
        return web.Response(status=404)

    _ROUTES: ClassVar[list[tuple[str, re.Pattern[str], str]]] = []

    async def _route(self, rec: RecordedRequest) -> web.Response:
        for method, pattern, name in self._ROUTES:
            if method != rec.method:
                continue
            m = pattern.fullmatch(rec.path)
            if m:
                handler = getattr(self, name)
                return await handler(rec, **m.groupdict())
        return self._json({"message": "404: Not Found (fake discord route)", "code": 0}, 404)

    # ------------------------------------------------------------------ REST: login / meta
    async def r_get_me(self, rec: RecordedRequest) -> web.Response:
        if not rec.headers.get("Authorization", "").startswith("Bot "):
            return self._json({"message": "401: Unauthorized", "code": 0}, 401)
        return self._json(self.bot_user)

    async def r_get_application(self, rec: RecordedRequest) -> web.Response:
        return self._json(
            {
                "id": str(self.application_id),
                "name": self.bot_user["username"],
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": False,
                "bot_require_code_grant": False,
                "verify_key": "00" * 32,
                "flags": self.application_flags,
                "owner": self.owner_user,
                "team": None,
                "bot": self.bot_user,
                "interactions_endpoint_url": None,
                "redirect_uris": [],
                "rpc_origins": [],
                "tags": [],
                "approximate_guild_count": len(self.guilds),
            }
        )

    async def r_gateway(self, rec: RecordedRequest) -> web.Response:
        return self._json({"url": self.gateway_url.rstrip("/")})

    async def r_gateway_bot(self, rec: RecordedRequest) -> web.Response:
        return self._json(
            {
                "url": self.gateway_url.rstrip("/"),
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 86_400_000,
                    "max_concurrency": self.max_concurrency,
                },
            }
        )

    async def r_get_user(self, rec: RecordedRequest, user_id: str) -> web.Response:
        u = self.users.get(int(user_id))
        return self._json(u) if u else self._error(10013)

    async def r_get_member(self, rec: RecordedRequest, guild_id: str, user_id: str) -> web.Response:
        g = self.guilds.get(int(guild_id))
        mem = g["members"].get(int(user_id)) if g else None
        return (
            self._json(mem)
            if mem
            else self._json({"message": "Unknown Member", "code": 10007}, 404)
        )

    async def r_get_guild(self, rec: RecordedRequest, guild_id: str) -> web.Response:
        if int(guild_id) not in self.guilds:
            return self._json({"message": "Unknown Guild", "code": 10004}, 404)
        return self._json(self.guild_payload(int(guild_id)))

    # ------------------------------------------------------------------ REST: commands
    def _store_commands(
        self, guild_id: int | None, body: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        old = {c["name"]: c for c in self.commands.get(guild_id, [])}
        out = []
        for cmd in body or []:
            c = dict(cmd)
            c["id"] = old.get(c["name"], {}).get("id") or str(P.snowflake())
            c["application_id"] = str(self.application_id)
            c.setdefault("type", 1)
            c.setdefault("description", "")
            c.setdefault("options", [])
            c["version"] = str(P.snowflake())
            c.setdefault("default_member_permissions", None)
            c.setdefault("dm_permission", True)
            c.setdefault("nsfw", False)
            if guild_id is not None:
                c["guild_id"] = str(guild_id)
            out.append(c)
        self.commands[guild_id] = out
        return out

    async def r_put_commands(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> web.Response:
        gid = int(guild_id) if guild_id else None
        return self._json(self._store_commands(gid, rec.json or []))

    async def r_get_commands(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> web.Response:
        return self._json(self.commands.get(int(guild_id) if guild_id else None, []))

    async def r_post_command(
        self, rec: RecordedRequest, app_id: str, guild_id: str | None = None
    ) -> web.Response:
        gid = int(guild_id) if guild_id else None
        current = [c for c in self.commands.get(gid, []) if c["name"] != rec.json["name"]]
        stored = self._store_commands(gid, [*current, rec.json])
        return self._json(next(c for c in stored if c["name"] == rec.json["name"]), 201)

    # ------------------------------------------------------------------ REST: interactions
    def _callback_reply(
        self, ix: FakeInteraction, rtype: int, msg: StoredMessage | None, loading: bool = False
    ) -> web.Response:
        interaction: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        if msg is not None:
            interaction["response_message_id"] = str(msg.id)
            interaction["response_message_loading"] = loading
            interaction["response_message_ephemeral"] = msg.ephemeral
        resource: dict[str, Any] = {"type": rtype}
        if msg is not None and rtype in (4, 5, 7):
            resource["message"] = msg.data
        return self._json({"interaction": interaction, "resource": resource})

    async def r_callback(self, rec: RecordedRequest, iid: str, token: str) -> web.Response:
        ix = self.interactions.get(int(iid))
        if ix is None or ix.token != token:
            return self._error(10062)
        if time.monotonic() - ix.dispatched_at > self.interaction_deadline:
            return self._error(10062)
        if ix.callbacks:
            return self._error(40060)
        body = rec.json or {}
        rtype = int(body.get("type", 0))
        data = body.get("data") or {}
        ix.callback_at = time.monotonic()
        result: web.Response
        if rtype in (4, 5):
            flags = P.FLAG_LOADING if rtype == 5 else 0
            msg = self._message_from_body(
                data, rec.files, ix.channel_id, interaction_id=ix.id, extra_flags=flags
            )
            msg.data["interaction_metadata"] = {
                "id": str(ix.id),
                "type": ix.type,
                "user": ix.user,
                "authorizing_integration_owners": ix.payload.get(
                    "authorizing_integration_owners", {}
                ),
            }
            ix.original_message_id = msg.id
            result = self._callback_reply(ix, rtype, msg, loading=rtype == 5)
            if rtype == 4:
                await self._echo("MESSAGE_CREATE", msg)
        elif rtype in (6, 7):
            src = self.messages.get(ix.source_message_id or 0)
            if src is None:
                return self._error(10008)
            ix.original_message_id = src.id
            if rtype == 7:
                self._edit_message(src, data, rec.files)
                await self._echo("MESSAGE_UPDATE", src)
            result = self._callback_reply(ix, rtype, src if rtype == 7 else None)
        elif rtype == 8:
            ix.choices = list(data.get("choices") or [])
            result = self._callback_reply(ix, rtype, None)
        elif rtype == 9:
            ix.modal = dict(data)
            result = self._callback_reply(ix, rtype, None)
        elif rtype == 1:
            result = self._callback_reply(ix, rtype, None)
        else:
            return self._json({"message": f"unsupported callback type {rtype}", "code": 50035}, 400)
        ix.callbacks.append(body)
        if rec.query.get("with_response", "").lower() not in ("1", "true"):
            return web.Response(status=204)  # what Discord sends without ?with_response
        return result

    def _ix_for_webhook(self, app_id: str, token: str) -> FakeInteraction | None:
        if int(app_id) != self.application_id:
            return None
        return self.interactions_by_token.get(token)

    async def r_original_get(self, rec: RecordedRequest, app_id: str, token: str) -> web.Response:
        ix = self._ix_for_webhook(app_id, token)
        if ix is None or ix.original is None:
            return self._error(10008)
        return self._json(ix.original.data)

    async def r_original_patch(self, rec: RecordedRequest, app_id: str, token: str) -> web.Response:
        ix = self._ix_for_webhook(app_id, token)
        if ix is None:
            return self._json({"message": "Unknown Webhook", "code": 10015}, 404)
        if ix.original is None:
            return self._error(10008)
        self._edit_message(ix.original, rec.json or {}, rec.files)
        await self._echo("MESSAGE_UPDATE", ix.original)
        return self._json(ix.original.data)

    async def r_original_delete(
        self, rec: RecordedRequest, app_id: str, token: str
    ) -> web.Response:
        ix = self._ix_for_webhook(app_id, token)
        if ix is None or ix.original is None:
            return self._error(10008)
        return await self._delete(ix.original)

    async def r_followup(self, rec: RecordedRequest, app_id: str, token: str) -> web.Response:
        ix = self._ix_for_webhook(app_id, token)
        if ix is None:
            return self._json({"message": "Unknown Webhook", "code": 10015}, 404)
        if not ix.callbacks:
            return self._error(10062)
        msg = self._message_from_body(
            rec.json or {}, rec.files, ix.channel_id, interaction_id=ix.id
        )
        ix.followup_ids.append(msg.id)
        await self._echo("MESSAGE_CREATE", msg)
        if rec.query.get("wait", "").lower() in ("true", "1"):
            return self._json(msg.data)
        return web.Response(status=204)

    async def r_webhook_msg_get(
        self, rec: RecordedRequest, app_id: str, token: str, mid: str
    ) -> web.Response:
        msg = self.messages.get(int(mid))
        return self._json(msg.data) if msg and not msg.deleted else self._error(10008)

    async def r_webhook_msg_patch(
        self, rec: RecordedRequest, app_id: str, token: str, mid: str
    ) -> web.Response:
        msg = self.messages.get(int(mid))
        if msg is None or msg.deleted:
            return self._error(10008)
        self._edit_message(msg, rec.json or {}, rec.files)
        await self._echo("MESSAGE_UPDATE", msg)
        return self._json(msg.data)

    async def r_webhook_msg_delete(
        self, rec: RecordedRequest, app_id: str, token: str, mid: str
    ) -> web.Response:
        msg = self.messages.get(int(mid))
        if msg is None or msg.deleted:
            return self._error(10008)
        return await self._delete(msg)

    # ------------------------------------------------------------------ REST: channels
    def _check_send(
        self, channel_id: int, body: Mapping[str, Any], files: list
    ) -> web.Response | None:
        ch = self.channels.get(channel_id)
        if ch is None:
            return self._error(10003)
        if ch["type"] == P.DM:
            recipient = int(ch["recipients"][0]["id"])
            if recipient in self.closed_dms:
                return self._error(50007)
            return None
        perms = PERM(self.bot_permissions(int(ch["guild_id"])))
        if ch["type"] in (11, 12):
            meta = ch["thread_metadata"]
            if meta.get("locked") and not perms.manage_threads:
                return self._error(160005)
            if not perms.send_messages_in_threads:
                return self._error(50013)
            meta["archived"] = False
        elif not perms.send_messages:
            return self._error(50013)
        if files and not perms.attach_files:
            return self._error(50013)
        return None

    async def r_create_message(self, rec: RecordedRequest, cid: str) -> web.Response:
        body = rec.json or {}
        err = self._check_send(int(cid), body, rec.files)
        if err is not None:
            return err
        msg = self._message_from_body(body, rec.files, int(cid))
        await self._echo("MESSAGE_CREATE", msg)
        return self._json(msg.data)

    async def r_get_message(self, rec: RecordedRequest, cid: str, mid: str) -> web.Response:
        msg = self.messages.get(int(mid))
        if msg is None or msg.deleted or msg.channel_id != int(cid):
            return self._error(10008)
        return self._json(msg.data)

    async def r_list_messages(self, rec: RecordedRequest, cid: str) -> web.Response:
        """Channel history as Discord pages it: ``limit`` (1-100) next to ``after`` or
        ``before`` (default: the newest), always newest first."""
        if int(cid) not in self.channels:
            return self._error(10003)
        limit = int(rec.query.get("limit", 50))
        if not 1 <= limit <= 100 or "around" in rec.query:
            return self._error(50035)
        msgs = sorted(
            (m for m in self.find_messages(int(cid), author_id=None) if not m.ephemeral),
            key=lambda m: m.id,
        )
        if "after" in rec.query:
            after = int(rec.query["after"])
            page = [m for m in msgs if m.id > after][:limit]
        else:
            before = int(rec.query.get("before", 1 << 63))
            page = [m for m in msgs if m.id < before][-limit:]
        return self._json([m.data for m in reversed(page)])

    async def r_edit_message(self, rec: RecordedRequest, cid: str, mid: str) -> web.Response:
        msg = self.messages.get(int(mid))
        if msg is None or msg.deleted or msg.channel_id != int(cid):
            return self._error(10008)
        self._edit_message(msg, rec.json or {}, rec.files)
        await self._echo("MESSAGE_UPDATE", msg)
        return self._json(msg.data)

    async def _delete(self, msg: StoredMessage) -> web.Response:
        msg.deleted = True
        if self.session is not None and self._wants(self.channels.get(msg.channel_id, {})):
            data = {"id": str(msg.id), "channel_id": str(msg.channel_id)}
            if "guild_id" in msg.data:
                data["guild_id"] = msg.data["guild_id"]
            await self.dispatch("MESSAGE_DELETE", data)
        return web.Response(status=204)

    async def r_delete_message(self, rec: RecordedRequest, cid: str, mid: str) -> web.Response:
        msg = self.messages.get(int(mid))
        if msg is None or msg.deleted:
            return self._error(10008)
        return await self._delete(msg)

    async def r_typing(self, rec: RecordedRequest, cid: str) -> web.Response:
        if int(cid) not in self.channels:
            return self._error(10003)
        return web.Response(status=204)

    async def r_reaction(self, rec: RecordedRequest, **_: str) -> web.Response:
        return web.Response(status=204)

    async def r_get_channel(self, rec: RecordedRequest, cid: str) -> web.Response:
        ch = self.channels.get(int(cid))
        return self._json(ch) if ch else self._error(10003)

    async def r_edit_channel(self, rec: RecordedRequest, cid: str) -> web.Response:
        ch = self.channels.get(int(cid))
        if ch is None:
            return self._error(10003)
        body = rec.json or {}
        if ch["type"] in (11, 12):
            meta = ch["thread_metadata"]
            for key in ("archived", "locked", "auto_archive_duration", "invitable"):
                if key in body:
                    meta[key] = body[key]
            if "archived" in body:
                meta["archive_timestamp"] = P.iso_now()
        for key in ("name", "topic", "rate_limit_per_user"):
            if key in body:
                ch[key] = body[key]
        if self.session is not None and "guild_id" in ch:
            event = "THREAD_UPDATE" if ch["type"] in (11, 12) else "CHANNEL_UPDATE"
            await self.dispatch(event, ch)
        return self._json(ch)

    async def r_delete_channel(self, rec: RecordedRequest, cid: str) -> web.Response:
        ch = self.channels.pop(int(cid), None)
        if ch is None:
            return self._error(10003)
        if self.session is not None and "guild_id" in ch:
            event = "THREAD_DELETE" if ch["type"] in (11, 12) else "CHANNEL_DELETE"
            await self.dispatch(event, ch)
        return self._json(ch)

    async def _create_thread(
        self, parent_id: int, body: Mapping[str, Any], *, from_message: int | None
    ) -> web.Response:
        parent = self.channels.get(parent_id)
        if parent is None:
            return self._error(10003)
        if "guild_id" not in parent or parent["type"] in (11, 12):
            return self._json({"message": "Invalid channel type", "code": 50024}, 400)
        gid = int(parent["guild_id"])
        private = from_message is None and int(body.get("type", 12)) == P.PRIVATE_THREAD
        perms = PERM(self.bot_permissions(gid))
        needed = perms.create_private_threads if private else perms.create_public_threads
        if not needed:
            return self._error(50013)
        tid = from_message or P.snowflake()
        if tid in self.channels:
            return self._json(
                {"message": "A thread has already been created for this message", "code": 160004},
                400,
            )
        thread = P.thread_channel(
            tid,
            gid,
            parent_id,
            self.bot_id,
            str(body.get("name", "thread"))[:100],
            private=private,
            auto_archive_duration=int(body.get("auto_archive_duration") or 1440),
            invitable=bool(body.get("invitable", True)),
        )
        thread["member"] = {
            "id": str(tid),
            "user_id": str(self.bot_id),
            "join_timestamp": P.iso_now(),
            "flags": 0,
        }
        self.channels[tid] = thread
        self.thread_members[tid] = {self.bot_id}
        self.threads_created.append(thread)
        if self.session is not None:
            await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return self._json(thread, 201)

    async def r_create_thread(self, rec: RecordedRequest, cid: str) -> web.Response:
        return await self._create_thread(int(cid), rec.json or {}, from_message=None)

    async def r_create_thread_from_message(
        self, rec: RecordedRequest, cid: str, mid: str
    ) -> web.Response:
        if int(mid) not in self.messages:
            return self._error(10008)
        return await self._create_thread(int(cid), rec.json or {}, from_message=int(mid))

    async def r_thread_member_add(self, rec: RecordedRequest, cid: str, uid: str) -> web.Response:
        ch = self.channels.get(int(cid))
        if ch is None or ch["type"] not in (11, 12):
            return self._error(10003)
        user_id = self.bot_id if uid == "@me" else int(uid)
        self.thread_members.setdefault(int(cid), set()).add(user_id)
        ch["member_count"] = len(self.thread_members[int(cid)])
        return web.Response(status=204)

    async def r_thread_member_remove(
        self, rec: RecordedRequest, cid: str, uid: str
    ) -> web.Response:
        user_id = self.bot_id if uid == "@me" else int(uid)
        self.thread_members.setdefault(int(cid), set()).discard(user_id)
        return web.Response(status=204)

    async def r_create_dm(self, rec: RecordedRequest) -> web.Response:
        rid = int((rec.json or {}).get("recipient_id", 0))
        if rid not in self.users:
            return self._error(10013)
        return self._json(self.channels[self.dm_channel_for(rid)])


def _compile_routes() -> list[tuple[str, re.Pattern[str], str]]:
    S = r"(?P<{}>[^/]+)"
    app = S.format("app_id")
    tok = S.format("token")
    cid = S.format("cid")
    mid = S.format("mid")
    gid = S.format("guild_id")
    table = [
        ("GET", "/users/@me", "r_get_me"),
        ("GET", "/oauth2/applications/@me", "r_get_application"),
        ("GET", "/applications/@me", "r_get_application"),
        ("GET", "/gateway", "r_gateway"),
        ("GET", "/gateway/bot", "r_gateway_bot"),
        ("GET", "/users/" + S.format("user_id"), "r_get_user"),
        ("POST", "/users/@me/channels", "r_create_dm"),
        ("GET", f"/guilds/{gid}", "r_get_guild"),
        ("GET", f"/guilds/{gid}/members/" + S.format("user_id"), "r_get_member"),
        ("PUT", f"/applications/{app}/commands", "r_put_commands"),
        ("GET", f"/applications/{app}/commands", "r_get_commands"),
        ("POST", f"/applications/{app}/commands", "r_post_command"),
        ("PUT", f"/applications/{app}/guilds/{gid}/commands", "r_put_commands"),
        ("GET", f"/applications/{app}/guilds/{gid}/commands", "r_get_commands"),
        ("POST", f"/applications/{app}/guilds/{gid}/commands", "r_post_command"),
        ("POST", "/interactions/" + S.format("iid") + f"/{tok}/callback", "r_callback"),
        ("GET", f"/webhooks/{app}/{tok}/messages/@original", "r_original_get"),
        ("PATCH", f"/webhooks/{app}/{tok}/messages/@original", "r_original_patch"),
        ("DELETE", f"/webhooks/{app}/{tok}/messages/@original", "r_original_delete"),
        ("POST", f"/webhooks/{app}/{tok}", "r_followup"),
        ("GET", f"/webhooks/{app}/{tok}/messages/{mid}", "r_webhook_msg_get"),
        ("PATCH", f"/webhooks/{app}/{tok}/messages/{mid}", "r_webhook_msg_patch"),
        ("DELETE", f"/webhooks/{app}/{tok}/messages/{mid}", "r_webhook_msg_delete"),
        ("GET", f"/channels/{cid}", "r_get_channel"),
        ("PATCH", f"/channels/{cid}", "r_edit_channel"),
        ("DELETE", f"/channels/{cid}", "r_delete_channel"),
        ("POST", f"/channels/{cid}/messages", "r_create_message"),
        ("GET", f"/channels/{cid}/messages", "r_list_messages"),
        ("GET", f"/channels/{cid}/messages/{mid}", "r_get_message"),
        ("PATCH", f"/channels/{cid}/messages/{mid}", "r_edit_message"),
        ("DELETE", f"/channels/{cid}/messages/{mid}", "r_delete_message"),
        ("POST", f"/channels/{cid}/typing", "r_typing"),
        ("POST", f"/channels/{cid}/threads", "r_create_thread"),
        ("POST", f"/channels/{cid}/messages/{mid}/threads", "r_create_thread_from_message"),
        ("PUT", f"/channels/{cid}/thread-members/" + S.format("uid"), "r_thread_member_add"),
        ("DELETE", f"/channels/{cid}/thread-members/" + S.format("uid"), "r_thread_member_remove"),
        ("PUT", f"/channels/{cid}/messages/{mid}/reactions/.+", "r_reaction"),
        ("DELETE", f"/channels/{cid}/messages/{mid}/reactions/.+", "r_reaction"),
    ]
    return [(m, re.compile(p), n) for m, p, n in table]


FakeDiscord._ROUTES = _compile_routes()


# --------------------------------------------------------------------------- client helper


@contextlib.asynccontextmanager
async def running_client(
    client: discord.Client,
    fake: FakeDiscord,
    *,
    token: str = "fake-token",
    timeout: float = 10.0,
) -> AsyncIterator[discord.Client]:
    """Start ``client`` against ``fake``; wait for ``on_ready``; close it cleanly on exit.

    Use ``guild_ready_timeout=0.05`` on the client, or ``on_ready`` waits 2 s for guilds.
    """
    task = asyncio.create_task(client.start(token), name="fake-discord-client")
    fake.client = client
    try:
        deadline = time.monotonic() + timeout
        while not client.is_ready():
            if task.done():
                task.result()  # re-raise the start-up error
                raise FakeDiscordError("client.start() returned before READY")
            if time.monotonic() > deadline:
                raise FakeDiscordError(f"client not ready after {timeout}s")
            await asyncio.sleep(0.01)
        yield client
    finally:
        fake.client = None
        await client.close()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, timeout=5)


def iter_requests(
    requests: Iterable[RecordedRequest], method: str, path: str
) -> list[RecordedRequest]:
    return [r for r in requests if r.matches(method, path)]
