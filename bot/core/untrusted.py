"""What a scenario from someone the bot cannot trust may cost: uploads to a server.

A bundled scenario is code review's business; an uploaded one is written by any
server admin, and it is scored on every answer of every interview of that round,
inside the bot that serves all servers. So an upload is held to limits that
bound what scoring it can cost, whatever the answer:

- its raw regexes run on RE2, which is linear in the text (`bot.core.linear`):
  its `re:` phrases become `re2:` phrases, and one RE2 cannot take (look-arounds,
  back-references, `\\Z`, possessive or atomic groups) or that can match empty
  text is refused with its line;
- its plain phrases are compiled by the bot itself, with RE2 wherever `re`
  could backtrack (`text.needs_linear_engine`);
- the number and size of its phrases, regexes and rules is capped (`Limits`):
  how many phrases a word starts (each is tried wherever that word occurs),
  how large each regex's program is, how deep and how large its rules are.

`check` lists every problem as (key path, message, phrase); the loader turns
them into `file:line: [key] message` errors like any other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from re import _parser  # type: ignore[attr-defined]
from typing import Any

from bot.core.linear import LinearPattern, refusal
from bot.core.text import RAW_PREFIXES, raw_body

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Limits:
    """The caps on an uploaded scenario (the bundled files all fit within them)."""

    phrases: int = 1500  # phrases in the file's own concepts, all together
    phrase_chars: int = 1000  # one phrase (a raw regex included)
    phrase_words: int = 12  # words of one plain phrase (`..` counts as one)
    same_first_word: int = 60  # phrases starting with one word, in all concepts
    raw: int = 60  # raw regexes
    program: int = 2500  # RE2 program size of one raw regex
    programs: int = 40_000  # RE2 program sizes of all raw regexes
    depth: int = 8  # nesting of all / any / at_least / not in one rule
    parts: int = 60  # expression parts of one rule
    rules: int = 120  # rules of all criteria and anti-patterns
    weighted_parts: int = 1000  # expression parts of all rules, a window rule's times its width


LIMITS = Limits()


@dataclass(frozen=True)
class Problem:
    """One limit an upload breaks: where (key path, and the phrase if it is one) and why."""

    path: Path
    message: str
    phrase: str | None = None


def linear_phrases(concepts: dict[str, list[str]]) -> dict[str, list[str]]:
    """The concepts with every raw `re:` phrase turned into a `re2:` phrase (RE2)."""
    out: dict[str, list[str]] = {}
    for name, items in concepts.items():
        out[name] = [
            "re2:" + body if (body := raw_body(p)) is not None and p.startswith("re:") else p
            for p in items
        ]
    return out


def check(spec: Any, limits: Limits = LIMITS) -> list[Problem]:
    """Every limit a validated scenario spec (`ScenarioSpec`) breaks as an upload."""
    problems: list[Problem] = []
    problems += _check_phrases(spec.concepts, limits)
    problems += _check_rules(spec, limits)
    return problems


def _check_phrases(concepts: dict[str, list[str]], limits: Limits) -> Iterator[Problem]:
    total = sum(len(items) for items in concepts.values())
    if total > limits.phrases:
        yield Problem(
            ("concepts",),
            f"{total:,} phrases in all; an uploaded round may have at most {limits.phrases:,}",
        )
    firsts: dict[str, list[tuple[str, int]]] = {}
    raw_count = 0
    programs = 0
    for name, items in concepts.items():
        for index, phrase in enumerate(items):
            path: Path = ("concepts", name, index)
            if len(phrase) > limits.phrase_chars:
                yield Problem(
                    path,
                    f"phrase {index + 1} of concept {name!r} is {len(phrase):,} characters; "
                    f"an uploaded round's phrases may have at most {limits.phrase_chars:,}",
                    phrase,
                )
                continue
            body = raw_body(phrase)
            if body is None:
                words = phrase.split()
                if len(words) > limits.phrase_words:
                    yield Problem(
                        path,
                        f"phrase {phrase[:60]!r} of concept {name!r} has {len(words)} words; "
                        f"an uploaded round's phrases may have at most {limits.phrase_words}",
                        phrase,
                    )
                if words:
                    firsts.setdefault(words[0].rstrip("*").lower(), []).append((name, index))
                continue
            raw_count += 1
            problem, size = _check_raw(body, name, phrase, limits)
            if problem is not None:
                yield Problem(path, problem, phrase)
            programs += size
    if raw_count > limits.raw:
        yield Problem(
            ("concepts",),
            f"{raw_count} raw regexes (re:) in all; an uploaded round may have at most "
            f"{limits.raw}",
        )
    if programs > limits.programs:
        yield Problem(
            ("concepts",),
            f"the raw regexes are too large together (RE2 program size {programs:,}); an "
            f"uploaded round's may add up to {limits.programs:,}",
        )
    for word, where in sorted(firsts.items()):
        if len(where) > limits.same_first_word:
            name, index = where[limits.same_first_word]
            yield Problem(
                ("concepts", name, index),
                f"{len(where)} phrases start with the word {word!r}; in an uploaded round at "
                f"most {limits.same_first_word} may (each is tried wherever that word occurs)",
                concepts[name][index],
            )


def _check_raw(body: str, name: str, phrase: str, limits: Limits) -> tuple[str | None, int]:
    """Why RE2 cannot serve one uploaded raw regex (or None), and its program size."""
    label = f"raw regex in concept {name!r}"
    try:
        re.compile(body, re.IGNORECASE)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"bad pattern in concept {name!r}: {exc}", 0
    reason = refusal(body)
    if reason is not None:
        return (
            f"{label} cannot run on RE2, the linear-time engine of uploaded rounds ({reason}): "
            "look-arounds, back-references and \\Z are not available there (see 'Uploaded "
            "rounds' in docs/scenarios.md)",
            0,
        )
    if _can_match_empty(body):
        return f"{label} can match empty text, which never counts: make it need a character", 0
    size = LinearPattern(body).program_size
    if size > limits.program:
        return (
            f"{label} is too large (RE2 program size {size:,}; an uploaded round's may be "
            f"at most {limits.program:,}): split it into several phrases",
            size,
        )
    return None, size


def _can_match_empty(body: str) -> bool:
    """Can some match of `body` be empty (`a*`, `x?`, `\\b`)? Its shortest match, per
    the standard library's own regex parser."""
    return bool(_parser.parse(body, re.IGNORECASE).getwidth()[0] == 0)


def _check_rules(spec: Any, limits: Limits) -> Iterator[Problem]:
    rules = 0
    weighted = 0
    for kind, items in (("criteria", spec.criteria), ("antipatterns", spec.antipatterns)):
        for i, item in enumerate(items):
            for j, rule in enumerate(item.rules):
                rules += 1
                path: Path = (kind, i, "rules", j, "when")
                parts, depth = _size(rule.when)
                if depth > limits.depth:
                    yield Problem(
                        path,
                        f"the rule nests all/any/at_least/not {depth} deep; an uploaded round's "
                        f"rules may nest at most {limits.depth} deep",
                    )
                if parts > limits.parts:
                    yield Problem(
                        path,
                        f"the rule has {parts} expression parts; an uploaded round's rules may "
                        f"have at most {limits.parts}",
                    )
                weighted += parts * (rule.window if rule.scope == "window" else 1)
    if rules > limits.rules:
        yield Problem(
            ("criteria",),
            f"{rules} rules in all (criteria and anti-patterns); an uploaded round may have at "
            f"most {limits.rules}",
        )
    if weighted > limits.weighted_parts:
        yield Problem(
            ("criteria",),
            f"the rules have {weighted:,} expression parts in all (a window rule's count once "
            f"per sentence of its window); an uploaded round's may have at most "
            f"{limits.weighted_parts:,}",
        )


def _size(raw: Any, depth: int = 1) -> tuple[int, int]:
    """Expression parts and nesting depth of a rule's `when` (its TOML form)."""
    if not isinstance(raw, dict):
        return 1, depth
    parts, deepest = 1, depth
    for key, value in raw.items():
        children = value if key in ("all", "any", "of") and isinstance(value, list) else None
        if key == "not":
            children = [value]
        for child in children or ():
            n, d = _size(child, depth + 1)
            parts += n
            deepest = max(deepest, d)
    return parts, deepest


def phrase_line(source: str, concept: str, phrase: str | None) -> int | None:
    """Best-effort line of a concept's phrase (or of the concept) in TOML source."""
    lines = source.splitlines()
    key = re.compile(
        rf"""^\s*(?:concepts\s*\.\s*)?(?:{re.escape(concept)}|"{re.escape(concept)}"|"""
        rf"""'{re.escape(concept)}')\s*="""
    )
    start = next((n for n, line in enumerate(lines) if key.match(line)), None)
    if start is None:
        return None
    if phrase is None:
        return start + 1
    written = (phrase, phrase.replace("\\", "\\\\").replace('"', '\\"'))
    for n in range(start, len(lines)):
        if n > start and re.match(r"^\s*(?:[\w\"'.-]+\s*=|\[)", lines[n]):
            break  # the next key or table: the phrase was not found as written
        if any(w in lines[n] for w in written):
            return n + 1
    return start + 1


__all__ = ["LIMITS", "RAW_PREFIXES", "Limits", "Problem", "check", "linear_phrases"]
