"""Discord's published API schema as a request-body check for the fake Discord.

``discord_api_spec/openapi-subset.json`` is Discord's own OpenAPI 3.1 description of
its HTTP API (the ``discord-api-spec`` repository, MIT licence: ``LICENSE`` beside it),
cut to the operations the fake serves that take a body, with every component schema
they reference. :class:`RequestChecker` validates a request body against it with
``jsonschema`` and answers what Discord answers to a body it rejects: a 400 with code
50035 and the errors nested by field (``{"content": {"_errors": [...]}}``).

Regenerate the subset from a newer spec (the file itself is 1.2 MB)::

    python tests/e2e/discord_api.py path/to/openapi.json

Where the spec's own README says the docs win, the docs' rule is applied on top: a
message's ``content`` is at most 2,000 characters (the schema says 4,000), and a
message's embeds hold at most 6,000 characters together. Integer fields take
integer-parseable strings and snowflakes take integers, as Discord does, and a union
(``oneOf``) takes a value of any one of its forms.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jsonschema
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match

HERE = Path(__file__).parent / "discord_api_spec"
SUBSET = HERE / "openapi-subset.json"

#: (method, path) of every operation with a body that the fake serves.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("post", "/users/@me/channels"),
    ("put", "/applications/{application_id}/commands"),
    ("post", "/applications/{application_id}/commands"),
    ("put", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("post", "/applications/{application_id}/guilds/{guild_id}/commands"),
    ("post", "/interactions/{interaction_id}/{interaction_token}/callback"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("post", "/webhooks/{webhook_id}/{webhook_token}"),
    ("patch", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    ("patch", "/channels/{channel_id}"),
    ("post", "/channels/{channel_id}/messages"),
    ("patch", "/channels/{channel_id}/messages/{message_id}"),
    ("post", "/channels/{channel_id}/threads"),
    ("post", "/channels/{channel_id}/messages/{message_id}/threads"),
)

#: The docs win: message content is limited to 2,000 characters, not the schema's 4,000.
DOCS_CONTENT_LIMIT = 2000
DOCS_CONTENT_SCHEMAS = ("MessageCreateRequest", "MessageEditRequestPartial")
EMBEDS_TOTAL_LIMIT = 6000

_CODES = {
    "maxLength": "BASE_TYPE_MAX_LENGTH",
    "minLength": "BASE_TYPE_MIN_LENGTH",
    "maxItems": "BASE_TYPE_MAX_LENGTH",
    "minItems": "BASE_TYPE_MIN_LENGTH",
    "required": "BASE_TYPE_REQUIRED",
    "type": "BASE_TYPE_BAD_TYPE",
    "enum": "BASE_TYPE_CHOICES",
    "const": "BASE_TYPE_CHOICES",
    "maximum": "NUMBER_TYPE_MAX",
    "minimum": "NUMBER_TYPE_MIN",
    "pattern": "BASE_TYPE_BAD_FORMAT",
}


# --------------------------------------------------------------------------- extraction


def _refs(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                out.add(value.rsplit("/", 1)[-1])
            else:
                _refs(value, out)
    elif isinstance(node, list):
        for value in node:
            _refs(value, out)


def extract(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The part of Discord's spec the fake checks: OPERATIONS' bodies and their schemas."""
    schemas = spec["components"]["schemas"]
    paths: dict[str, dict[str, Any]] = {}
    needed: set[str] = set()
    for method, path in OPERATIONS:
        operation = spec["paths"][path][method]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        paths.setdefault(path, {})[method] = {"requestBody": body}
        _refs(body, needed)
    todo = list(needed)
    while todo:
        found: set[str] = set()
        _refs(schemas[todo.pop()], found)
        todo += sorted(found - needed)
        needed |= found
    return {
        "openapi": spec["openapi"],
        "info": {
            **spec["info"],
            "x-subset": "operations with a body that tests/e2e/fake_discord.py serves",
        },
        "paths": paths,
        "components": {"schemas": {name: schemas[name] for name in sorted(needed)}},
    }


# --------------------------------------------------------------------------- checking


def _is_integer(checker: Any, instance: Any) -> bool:
    """Discord takes integer-parseable strings for integer fields."""
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    if isinstance(instance, float):
        return instance.is_integer()
    return isinstance(instance, str) and re.fullmatch(r"-?[0-9]+", instance) is not None


_Validator = jsonschema.validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


def _unions_as_any_of(node: Any) -> Any:
    """``oneOf`` read as a plain union: a value of one alternative's form is enough.

    The spec's unions stand for "one of these forms"; with integer-parseable strings
    taken as integers, a nonce such as "123" fits both its string and integer forms,
    which a strict ``oneOf`` would refuse though Discord does not.
    """
    if isinstance(node, dict):
        return {("anyOf" if k == "oneOf" else k): _unions_as_any_of(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_unions_as_any_of(v) for v in node]
    return node


def _as_served(document: Mapping[str, Any]) -> dict[str, Any]:
    """The subset with Discord's leniencies and the docs' stricter limits applied."""
    doc = _unions_as_any_of(copy.deepcopy(dict(document)))
    schemas = doc["components"]["schemas"]
    # snowflakes may be sent as integers (discord.py sends message_reference ids that way)
    schemas["SnowflakeType"] = {
        "anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]
    }
    for name in DOCS_CONTENT_SCHEMAS:
        if name in schemas:
            schemas[name]["properties"]["content"]["maxLength"] = DOCS_CONTENT_LIMIT
    return doc


def _template_regex(path: str) -> re.Pattern[str]:
    parts = [re.escape(p) if not p.startswith("{") else "[^/]+" for p in path.split("/")]
    return re.compile("/".join(parts))


class RequestChecker:
    """Validates request bodies against Discord's schema; Discord's 400 when they fail."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        doc = _as_served(document)
        components = doc["components"]
        self._routes: list[tuple[str, re.Pattern[str], Any]] = []
        for path, methods in doc["paths"].items():
            for method, operation in methods.items():
                schema = {**operation["requestBody"], "components": components}
                validator = _Validator(schema)
                self._routes.append((method.upper(), _template_regex(path), validator))
        # literal segments first: /messages/@original before /messages/{message_id}
        self._routes.sort(key=lambda r: r[1].pattern.count("[^/]+"))

    @classmethod
    @functools.cache
    def bundled(cls) -> RequestChecker:
        return cls(json.loads(SUBSET.read_text(encoding="utf-8")))

    def validator_for(self, method: str, path: str) -> Any | None:
        for route_method, pattern, validator in self._routes:
            if route_method == method and pattern.fullmatch(path):
                return validator
        return None

    def check(self, method: str, path: str, body: Any) -> dict[str, Any] | None:
        """Discord's error body for a request it would reject, or None if it passes."""
        validator = self.validator_for(method.upper(), path)
        if validator is None or body is None:
            return None
        errors = [best_match([e]) if e.context else e for e in validator.iter_errors(body)]
        tree: dict[str, Any] = {}
        for error in errors:
            _add(tree, error.absolute_path, _CODES.get(str(error.validator)), _message(error))
        for where, total in _embed_totals(body):
            if total > EMBEDS_TOTAL_LIMIT:
                _add(
                    tree,
                    where,
                    "MAX_EMBED_SIZE_EXCEEDED",
                    f"Embed size exceeds maximum size of {EMBEDS_TOTAL_LIMIT}",
                )
        if not tree:
            return None
        return {"message": "Invalid Form Body", "code": 50035, "errors": tree}


def _add(tree: dict[str, Any], where: Iterable[Any], code: str | None, message: str) -> None:
    node = tree
    for part in where:
        node = node.setdefault(str(part), {})
    node.setdefault("_errors", []).append({"code": code or "BASE_TYPE_INVALID", "message": message})


def _message(error: ValidationError) -> str:
    limit = error.validator_value
    if error.validator in ("maxLength", "maxItems"):
        return f"Must be {limit} or fewer in length."
    if error.validator in ("minLength", "minItems"):
        return f"Must be {limit} or more in length."
    if error.validator == "required":
        return "This field is required"
    return error.message[:200]


def _embed_totals(body: Any) -> list[tuple[list[str], int]]:
    """(where, characters) for each list of embeds in a message body, nested or not."""
    found: list[tuple[list[str], int]] = []

    def visit(node: Any, where: list[str]) -> None:
        if not isinstance(node, dict):
            return
        embeds = node.get("embeds")
        if isinstance(embeds, list):
            found.append(([*where, "embeds"], sum(_embed_size(e) for e in embeds)))
        data = node.get("data")
        if isinstance(data, dict):
            visit(data, [*where, "data"])

    visit(body, [])
    return found


def _embed_size(embed: Any) -> int:
    if not isinstance(embed, dict):
        return 0

    def text(value: Any) -> int:
        return len(value) if isinstance(value, str) else 0

    size = text(embed.get("title")) + text(embed.get("description"))
    size += text((embed.get("footer") or {}).get("text"))
    size += text((embed.get("author") or {}).get("name"))
    for field in embed.get("fields") or []:
        if isinstance(field, dict):
            size += text(field.get("name")) + text(field.get("value"))
    return size


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/e2e/discord_api.py path/to/openapi.json", file=sys.stderr)
        return 2
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    SUBSET.parent.mkdir(exist_ok=True)
    SUBSET.write_text(json.dumps(extract(spec), indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"wrote {SUBSET} ({SUBSET.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
