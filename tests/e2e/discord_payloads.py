"""Builders for Discord API payloads (gateway + REST shapes) used by the fake Discord.

Everything here returns plain ``dict`` objects shaped like Discord API v10 JSON, with
snowflakes as strings, exactly as the real gateway sends them.  They are deliberately
independent of the fake server so that unit tests can also feed them straight into
discord.py objects.

The interaction builders include the fields discord.py 2.7 *requires*
(``application_id``, ``version``, ``attachment_size_limit``, ``token``) and, for commands
synced to one guild, ``data.guild_id`` (otherwise ``CommandTree`` looks the command up
among the global commands and reports ``CommandNotFound``).
"""

from __future__ import annotations

import datetime
import itertools
import secrets
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

DISCORD_EPOCH_MS = 1420070400000

# Interaction types
PING = 1
APPLICATION_COMMAND = 2
MESSAGE_COMPONENT = 3
APPLICATION_COMMAND_AUTOCOMPLETE = 4
MODAL_SUBMIT = 5

# Channel types
GUILD_TEXT = 0
DM = 1
PUBLIC_THREAD = 11
PRIVATE_THREAD = 12

# Application command option types
SUB_COMMAND = 1
SUB_COMMAND_GROUP = 2
STRING = 3
INTEGER = 4
BOOLEAN = 5
USER = 6
CHANNEL = 7
ROLE = 8
MENTIONABLE = 9
NUMBER = 10
ATTACHMENT = 11

# Gateway intents (bits) the fake cares about
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12
INTENT_MESSAGE_CONTENT = 1 << 15

# Message flags
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

_lock = threading.Lock()
_seq = itertools.count(1)


def snowflake() -> int:
    """A fresh, strictly increasing snowflake id (as an ``int``)."""
    with _lock:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(_seq) & 0x3FFFFF)


def iso_now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def new_token() -> str:
    return "itok-" + secrets.token_urlsafe(24)


def _sid(value: int | str | None) -> str | None:
    return None if value is None else str(value)


# --------------------------------------------------------------------------- entities


def user(
    id: int | None = None,
    username: str = "tester",
    *,
    bot: bool = False,
    global_name: str | None = None,
) -> dict[str, Any]:
    return {
        "id": str(id if id is not None else snowflake()),
        "username": username,
        "discriminator": "0",
        "global_name": global_name if global_name is not None else username.title(),
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


def member(
    user_payload: Mapping[str, Any],
    *,
    roles: Iterable[int | str] = (),
    nick: str | None = None,
    permissions: int | None = None,
) -> dict[str, Any]:
    """A guild member. ``permissions`` is only set in interaction payloads."""
    data: dict[str, Any] = {
        "user": dict(user_payload),
        "roles": [str(r) for r in roles],
        "nick": nick,
        "avatar": None,
        "joined_at": iso_now(),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)
    return data


def role(id: int, name: str, *, permissions: int = 0, position: int = 0) -> dict[str, Any]:
    return {
        "id": str(id),
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "icon": None,
        "unicode_emoji": None,
        "flags": 0,
    }


def text_channel(
    id: int,
    guild_id: int,
    name: str = "general",
    *,
    position: int = 0,
    parent_id: int | None = None,
    permission_overwrites: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    return {
        "id": str(id),
        "type": GUILD_TEXT,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "parent_id": _sid(parent_id),
        "permission_overwrites": [dict(o) for o in permission_overwrites],
        "nsfw": False,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "default_auto_archive_duration": 1440,
        "flags": 0,
    }


def thread_channel(
    id: int,
    guild_id: int,
    parent_id: int,
    owner_id: int,
    name: str,
    *,
    private: bool = False,
    auto_archive_duration: int = 1440,
    invitable: bool = True,
    archived: bool = False,
    locked: bool = False,
) -> dict[str, Any]:
    return {
        "id": str(id),
        "type": PRIVATE_THREAD if private else PUBLIC_THREAD,
        "guild_id": str(guild_id),
        "parent_id": str(parent_id),
        "owner_id": str(owner_id),
        "name": name,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "total_message_sent": 0,
        "flags": 0,
        "applied_tags": [],
        "thread_metadata": {
            "archived": archived,
            "auto_archive_duration": auto_archive_duration,
            "archive_timestamp": iso_now(),
            "locked": locked,
            "invitable": invitable,
            "create_timestamp": iso_now(),
        },
    }


def dm_channel(id: int, recipient: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(id),
        "type": DM,
        "last_message_id": None,
        "recipients": [dict(recipient)],
        "flags": 0,
    }


def guild(
    id: int,
    name: str,
    *,
    owner_id: int,
    channels: Sequence[Mapping[str, Any]],
    roles: Sequence[Mapping[str, Any]],
    members: Sequence[Mapping[str, Any]],
    threads: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """A full GUILD_CREATE payload (``member_count == len(members)`` so it counts as chunked)."""
    return {
        "id": str(id),
        "name": name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "owner_id": str(owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [dict(r) for r in roles],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "vanity_url_code": None,
        "description": None,
        "banner": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": None,
        "nsfw_level": 0,
        "premium_progress_bar_enabled": False,
        "joined_at": iso_now(),
        "large": False,
        "unavailable": False,
        "member_count": len(members),
        "voice_states": [],
        "members": [dict(m) for m in members],
        "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in channels],
        "threads": [dict(t) for t in threads],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "locale": "en-US",
    }


def message(
    id: int,
    channel_id: int,
    author: Mapping[str, Any],
    content: str = "",
    *,
    guild_id: int | None = None,
    member_payload: Mapping[str, Any] | None = None,
    embeds: Sequence[Mapping[str, Any]] = (),
    components: Sequence[Mapping[str, Any]] = (),
    attachments: Sequence[Mapping[str, Any]] = (),
    mentions: Sequence[Mapping[str, Any]] = (),
    mention_roles: Sequence[int | str] = (),
    mention_everyone: bool = False,
    flags: int = 0,
    type: int = 0,
    webhook_id: int | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(id),
        "channel_id": str(channel_id),
        "author": dict(author),
        "content": content,
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": mention_everyone,
        "mentions": [dict(m) for m in mentions],
        "mention_roles": [str(r) for r in mention_roles],
        "mention_channels": [],
        "attachments": [dict(a) for a in attachments],
        "embeds": [dict(e) for e in embeds],
        "components": [dict(c) for c in components],
        "reactions": [],
        "pinned": False,
        "type": type,
        "flags": flags,
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if member_payload is not None:
        data["member"] = {k: v for k, v in member_payload.items() if k != "user"}
    if webhook_id is not None:
        data["webhook_id"] = str(webhook_id)
    return data


# --------------------------------------------------------------------------- interactions


def _option_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    return STRING


def command_options(
    options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    *,
    focused: str | None = None,
) -> list[dict[str, Any]]:
    """Turn ``{"round": "x", "count": 3}`` into Discord option dicts.

    Values are typed from Python (str/int/float/bool); pass a dict with ``type`` and
    ``value`` for USER/CHANNEL/ROLE/ATTACHMENT options (and add ``resolved`` yourself).
    A list of ready-made option dicts is passed through.  ``focused`` marks the option
    being autocompleted.
    """
    if options is None:
        return []
    if not isinstance(options, Mapping):
        return [dict(o) for o in options]
    result = []
    for name, value in options.items():
        if isinstance(value, Mapping):
            opt = {"name": name, **value}
        else:
            opt = {"name": name, "type": _option_type(value), "value": value}
        if focused == name:
            opt["focused"] = True
        result.append(opt)
    return result


def command_data(
    name: str,
    options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    *,
    command_id: int | str | None = None,
    guild_id: int | None = None,
    focused: str | None = None,
    resolved: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``data`` of a chat-input command. ``name`` may be "cmd", "cmd sub" or "cmd group sub"."""
    parts = name.split()
    opts = command_options(options, focused=focused)
    if len(parts) == 3:
        opts = [
            {
                "type": SUB_COMMAND_GROUP,
                "name": parts[1],
                "options": [{"type": SUB_COMMAND, "name": parts[2], "options": opts}],
            }
        ]
    elif len(parts) == 2:
        opts = [{"type": SUB_COMMAND, "name": parts[1], "options": opts}]
    elif len(parts) != 1:
        raise ValueError(f"bad command name {name!r}")
    data: dict[str, Any] = {
        "id": str(command_id if command_id is not None else snowflake()),
        "name": parts[0],
        "type": 1,
        "options": opts,
    }
    if guild_id is not None:
        data["guild_id"] = str(guild_id)
    if resolved:
        data["resolved"] = dict(resolved)
    return data


def interaction(
    type: int,
    *,
    application_id: int,
    user: Mapping[str, Any],
    channel: Mapping[str, Any],
    data: Mapping[str, Any] | None = None,
    guild_id: int | None = None,
    member_payload: Mapping[str, Any] | None = None,
    app_permissions: int = 0,
    message: Mapping[str, Any] | None = None,
    locale: str = "en-US",
    id: int | None = None,
    token: str | None = None,
    attachment_size_limit: int = 10 * 1024 * 1024,
) -> dict[str, Any]:
    """A complete INTERACTION_CREATE payload.

    In a guild pass ``guild_id`` and ``member_payload`` (with ``permissions``); in a DM
    leave them out and the ``user`` key is used instead.
    """
    payload: dict[str, Any] = {
        "id": str(id if id is not None else snowflake()),
        "application_id": str(application_id),
        "type": type,
        "token": token or new_token(),
        "version": 1,
        "attachment_size_limit": attachment_size_limit,
        "channel": dict(channel),
        "channel_id": str(channel["id"]),
        "locale": locale,
        "app_permissions": str(app_permissions),
        "entitlements": [],
    }
    if data is not None:
        payload["data"] = dict(data)
    if guild_id is not None:
        payload["guild_id"] = str(guild_id)
        payload["guild_locale"] = "en-US"
        payload["guild"] = {"id": str(guild_id), "locale": "en-US", "features": []}
        payload["context"] = 0
        payload["authorizing_integration_owners"] = {"0": str(guild_id)}
        mp = dict(member_payload or member(user, permissions=0))
        mp["user"] = dict(user)
        mp.setdefault("permissions", "0")
        payload["member"] = mp
    else:
        payload["context"] = 1
        payload["authorizing_integration_owners"] = {"1": str(user["id"])}
        payload["user"] = dict(user)
    if message is not None:
        payload["message"] = dict(message)
    return payload


def slash_command_interaction(
    name: str,
    options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    *,
    command_id: int | str | None = None,
    command_guild_id: int | None = None,
    resolved: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """Chat-input command. ``command_guild_id`` = guild the command was synced to (or None)."""
    data = command_data(
        name, options, command_id=command_id, guild_id=command_guild_id, resolved=resolved
    )
    return interaction(APPLICATION_COMMAND, data=data, **kwargs)


def autocomplete_interaction(
    name: str,
    options: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
    *,
    focused: str,
    command_id: int | str | None = None,
    command_guild_id: int | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    data = command_data(
        name, options, command_id=command_id, guild_id=command_guild_id, focused=focused
    )
    return interaction(APPLICATION_COMMAND_AUTOCOMPLETE, data=data, **kwargs)


def walk_components(components: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    """Depth-first walk over nested components (action rows, labels, containers, sections)."""
    for comp in components:
        yield comp
        if "components" in comp:
            yield from walk_components(comp["components"])
        if "component" in comp:
            yield from walk_components([comp["component"]])
        if "accessory" in comp:
            yield from walk_components([comp["accessory"]])


def find_component(
    components: Iterable[Mapping[str, Any]], custom_id: str
) -> Mapping[str, Any] | None:
    for comp in walk_components(components):
        if comp.get("custom_id") == custom_id:
            return comp
    return None


def component_interaction(
    message_payload: Mapping[str, Any],
    custom_id: str,
    *,
    component_type: int | None = None,
    values: Sequence[str] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """A click on a button (or a select choice) of ``message_payload``."""
    if component_type is None:
        comp = find_component(message_payload.get("components", []), custom_id)
        component_type = int(comp["type"]) if comp is not None else 2
    data: dict[str, Any] = {"custom_id": custom_id, "component_type": component_type}
    if values is not None or component_type in (3, 5, 6, 7, 8):
        data["values"] = list(values or [])
    return interaction(MESSAGE_COMPONENT, data=data, message=message_payload, **kwargs)


def modal_submit_components(
    modal_components: Sequence[Mapping[str, Any]], values: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Mirror the structure of a modal the bot sent, filling in ``values`` by custom_id.

    Text inputs get ``value`` (a string), selects get ``values`` (a list).
    """

    def convert(comp: Mapping[str, Any]) -> dict[str, Any] | None:
        ctype = comp.get("type")
        if ctype == 1:  # action row
            children = [c for c in (convert(x) for x in comp.get("components", [])) if c]
            return {"type": 1, "components": children}
        if ctype == 18:  # label
            inner = convert(comp["component"])
            out = {"type": 18, "component": inner}
            if "id" in comp:
                out["id"] = comp["id"]
            return out
        cid = comp.get("custom_id")
        out = {"type": ctype}
        if "id" in comp:
            out["id"] = comp["id"]
        if cid is None:
            return out
        out["custom_id"] = cid
        if ctype == 4:  # text input
            out["value"] = str(values.get(cid, comp.get("value") or ""))
        else:
            v = values.get(cid, [])
            out["values"] = list(v) if not isinstance(v, str) else [v]
        return out

    return [c for c in (convert(x) for x in modal_components) if c]


def modal_submit_interaction(
    modal: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    message_payload: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> dict[str, Any]:
    """``modal`` is the ``data`` of the bot's type-9 callback (custom_id, title, components)."""
    data = {
        "custom_id": modal["custom_id"],
        "components": modal_submit_components(modal.get("components", []), values),
    }
    return interaction(MODAL_SUBMIT, data=data, message=message_payload, **kwargs)
