"""Where a raw `re:` phrase can match, worked out once from the regex itself.

A raw phrase is searched over the whole transcript. Python's regex engine
steps through every character for each such search, which made a handful of
raw phrases cost more than all the indexed phrases together. Here each raw
regex is read with the standard library's regex parser to find:

- its *anchors*: what the first required character of a match must be (a
  digit, a rare symbol, a literal word) and how many optional characters may
  come before it. A search then only tries the few positions just before each
  anchor occurrence, with exactly the engine's own leftmost, non-overlapping
  semantics.
- its *required literals*: texts every match must contain (one of each set);
  a transcript without them cannot match at all.

The plan is only used on ASCII text, where case-insensitive matching is plain
lower-casing and `\\d` is 0-9; anything the plan cannot prove falls back to an
ordinary full search.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from re import _compiler, _parser  # type: ignore[attr-defined]
from re import _constants as c  # type: ignore[attr-defined]
from typing import Any

from bot.core.linear import LinearPattern
from bot.core.text import find_all, leftmost_matches

_ASCII = [chr(i) for i in range(128)]
_DIGITS = frozenset(string.digits)
_MAX_PREFIXES = 64
_MAX_LEAD = 8
_MAX_SYMBOLS = 8


class _GiveUp(Exception):
    """The regex has a shape this planner does not reason about."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """Every match starts at most `lead` characters before an occurrence of this.

    `kind` is "digit" (one of `chars`), "symbols" (one of `chars`) or
    "literal" (`text`, lower-case when the regex ignores case).
    """

    kind: str
    lead: int
    chars: frozenset[str] = frozenset()
    text: str = ""
    word_start: bool = False  # only where a word starts (a \\b comes right before)
    whole: bool = False  # the literal's first word is a whole token (a non-word char follows)
    lead_chars: frozenset[str] | None = None  # what the optional lead can be made of (None: any)


@dataclass(frozen=True, slots=True)
class RawPlan:
    """How to search one raw regex cheaply; `anchors` is None when it cannot be.

    `pattern` is what runs the search: the regex planned from, or its RE2 twin
    (`bot.core.linear`), which is given no anchors.
    """

    pattern: re.Pattern[str] | LinearPattern
    anchors: tuple[Anchor, ...] | None
    required: tuple[frozenset[str], ...]
    ignore_case: bool


def plan_for(pattern: re.Pattern[str]) -> RawPlan:
    """Work out the anchors and required literals of a compiled regex."""
    parsed = _parser.parse(pattern.pattern, pattern.flags)
    flags = parsed.state.flags
    ignore_case = bool(flags & re.IGNORECASE)
    planner = _Planner(parsed.state, flags, ignore_case)
    anchors: tuple[Anchor, ...] | None
    try:
        if parsed.getwidth()[0] == 0:
            raise _GiveUp  # may match the empty string: finditer's rules differ
        anchors = tuple(planner.first(list(parsed.data), 0, False, [], frozenset()))
    except _GiveUp:
        anchors = None
    try:
        required = tuple(planner.required(list(parsed.data)))
    except _GiveUp:
        required = ()
    return RawPlan(pattern, anchors, required, ignore_case)


class _Planner:
    def __init__(self, state: Any, flags: int, ignore_case: bool) -> None:
        self.state = state
        self.flags = flags
        self.ignore_case = ignore_case

    def width(self, items: list[Any]) -> tuple[int, int]:
        return _parser.SubPattern(self.state, items).getwidth()

    def ascii_set(self, item: Any) -> frozenset[str]:
        """The ASCII characters one single-character item matches (asked of the engine)."""
        compiled = _compiler.compile(_parser.SubPattern(self.state, [item]), self.flags)
        return frozenset(ch for ch in _ASCII if compiled.match(ch))

    def first(
        self,
        items: list[Any],
        lead: int,
        bounded: bool = False,
        after: list[Any] | None = None,
        lead_chars: frozenset[str] | None = None,
    ) -> list[Anchor]:
        """Anchors of the first required item of `items`, `lead` optional chars in.

        `bounded`: a word boundary (`\\b`) comes right before `items`; `after`:
        what follows `items` in the enclosing pattern (None: not known).
        """
        for index, item in enumerate(items):
            low, high = self.width([item])
            op, av = item
            if low == 0:
                if high == 0:  # \b, lookarounds: no character taken
                    bounded = bounded or (op is c.AT and av is c.AT_BOUNDARY)
                    continue
                try:
                    return self.optional_paths(
                        item, items[index + 1 :], lead, bounded, after, lead_chars
                    )
                except _GiveUp:
                    pass
                if high >= c.MAXREPEAT or lead + high > _MAX_LEAD:
                    raise _GiveUp
                lead += high
                taken = self.item_chars(item)
                lead_chars = None if taken is None or lead_chars is None else lead_chars | taken
                bounded = False
                continue
            if op is c.LITERAL:
                return [self.literal_anchor(items[index:], lead, bounded, after, lead_chars)]
            if op in (c.IN, c.ANY, c.NOT_LITERAL):
                chars = self.ascii_set(item)
                if chars <= _DIGITS:
                    return [
                        Anchor(
                            "digit",
                            lead,
                            chars,
                            word_start=bounded and lead == 0,
                            lead_chars=lead_chars,
                        )
                    ]
                if len(chars) <= _MAX_SYMBOLS and not any(ch.isalnum() for ch in chars):
                    return [Anchor("symbols", lead, chars, lead_chars=lead_chars)]
                raise _GiveUp
            if op is c.SUBPATTERN:
                _group, add_flags, del_flags, sub = av
                if add_flags or del_flags:
                    raise _GiveUp
                return self.first(
                    list(sub.data), lead, bounded, _then(items[index + 1 :], after), lead_chars
                )
            if op is c.ATOMIC_GROUP:
                return self.first(
                    list(av.data), lead, bounded, _then(items[index + 1 :], after), lead_chars
                )
            if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                once = av[1] == 1
                return self.first(
                    list(av[2].data),
                    lead,
                    bounded,
                    (_then(items[index + 1 :], after) if once else None),
                    lead_chars,
                )
            if op is c.BRANCH:
                out: list[Anchor] = []
                for alternative in av[1]:
                    if alternative.getwidth()[0] == 0:
                        raise _GiveUp
                    out.extend(
                        self.first(
                            list(alternative.data),
                            lead,
                            bounded,
                            _then(items[index + 1 :], after),
                            lead_chars,
                        )
                    )
                return out
            raise _GiveUp
        raise _GiveUp

    def optional_paths(
        self,
        item: Any,
        rest: list[Any],
        lead: int,
        bounded: bool,
        after: list[Any] | None,
        lead_chars: frozenset[str] | None,
    ) -> list[Anchor]:
        """Anchors of an optional item as two paths: taken, or skipped."""
        op, av = item
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[1] >= 1:
            inner = list(av[2].data)
        elif op is c.SUBPATTERN and not (av[1] or av[2]):
            inner = list(av[3].data)
        else:
            raise _GiveUp
        return self.first(inner + rest, lead, bounded, after, lead_chars) + self.first(
            rest, lead, bounded, after, lead_chars
        )

    def item_chars(self, item: Any) -> frozenset[str] | None:
        """The ASCII characters an optional one-character item (or a repeat of
        one) may take, or None when it is something larger."""
        op, av = item
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            inner = list(av[2].data)
            if len(inner) != 1:
                return None
            item = inner[0]
            op = item[0]
        if op in (c.LITERAL, c.IN, c.ANY, c.NOT_LITERAL):
            return self.ascii_set(item)
        return None

    def literal_run(self, items: list[Any]) -> str:
        """The literal text a run of LITERAL items spells (lower-case if ignoring case)."""
        text = ""
        for op, av in items:
            if op is not c.LITERAL or av >= 128:
                break
            text += chr(av)
        return text.lower() if self.ignore_case else text

    def literal_anchor(
        self,
        items: list[Any],
        lead: int,
        bounded: bool,
        after: list[Any] | None,
        lead_chars: frozenset[str] | None,
    ) -> Anchor:
        first = self.ascii_set(items[0])
        word_start = bounded and lead == 0 and bool(first) and all(_is_word(ch) for ch in first)
        if first and first <= _DIGITS:
            return Anchor("digit", lead, first, word_start=word_start, lead_chars=lead_chars)
        text = self.literal_run(items)
        if not text or (len(text) == 1 and text.isalpha() and not word_start):
            raise _GiveUp  # a non-ASCII or a single letter: too common or unprovable
        whole = self.ends_word(text, _then(items[len(text) :], after))
        return Anchor(
            "literal",
            lead,
            text=text,
            word_start=word_start,
            whole=whole,
            lead_chars=lead_chars,
        )

    def ends_word(self, text: str, following: list[Any] | None) -> bool:
        """Does a non-word character (or the end of a word) follow the literal's first word?"""
        key = _WORD_PREFIX.match(text)
        if key is None:
            return False
        if key.end() < len(text):
            return True  # the literal itself goes on with a non-word character
        for op, av in following or ():
            if op is c.AT:
                return av is c.AT_BOUNDARY
            if op in (c.ASSERT, c.ASSERT_NOT):
                continue
            if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                inner = list(av[2].data)
                if len(inner) != 1 or not _non_word_item(inner[0]):
                    return False
                if av[0] >= 1:
                    return True
                continue  # optional: what comes next decides
            return _non_word_item((op, av))
        return False  # the match may end here, in the middle of a word

    def required(self, items: list[Any]) -> list[frozenset[str]]:
        """Sets of literals; every match contains at least one literal of each set."""
        out: list[frozenset[str]] = []
        index = 0
        while index < len(items):
            item = items[index]
            op, av = item
            if self.width([item])[0] == 0:
                index += 1
                continue
            if op is c.LITERAL:
                run = self.literal_run(items[index:])
                if run:
                    out.append(frozenset([run]))
                    index += len(run)
                    continue
            elif op is c.SUBPATTERN and not (av[1] or av[2]):
                out.extend(self.required(list(av[3].data)))
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
                out.extend(self.required(list(av[2].data)))
            elif op is c.BRANCH:
                options: set[str] = set()
                for alternative in av[1]:
                    found = self.required(list(alternative.data))
                    if not found:
                        options = set()
                        break
                    options |= min(found, key=lambda s: (len(s), -min(map(len, s))))
                if options:
                    out.append(frozenset(options))
            index += 1
        return out


def word_keys(plan: RawPlan) -> dict[str, bool] | None:
    """The words a raw regex can only match at, or None.

    Maps each lower-case word ("" for any word led by a digit) to True when a
    match needs that exact token, False when a token that starts with it.
    Set only when every match starts where a word starts.
    """
    if not plan.anchors:
        return None
    keys: dict[str, bool] = {}
    for anchor in plan.anchors:
        if not anchor.word_start or anchor.lead:
            return None
        if anchor.kind == "digit":
            keys[""] = False
            continue
        word = _WORD_PREFIX.match(anchor.text)
        if anchor.kind != "literal" or word is None:
            return None
        key = word.group().lower()
        keys[key] = keys.get(key, True) and anchor.whole
    return keys


def _then(items: list[Any], after: list[Any] | None) -> list[Any] | None:
    return None if after is None else items + after


_NON_WORD_CATEGORIES = frozenset([c.CATEGORY_SPACE, c.CATEGORY_NOT_WORD])


def _non_word_item(item: Any) -> bool:
    """Does this one-character item only ever match non-word characters (any text)?"""
    op, av = item
    if op is c.LITERAL:
        return not _is_word(chr(av))
    if op is c.IN:
        for member_op, member in av:
            if member_op is c.LITERAL and not _is_word(chr(member)):
                continue
            if member_op is c.CATEGORY and member in _NON_WORD_CATEGORIES:
                continue
            return False
        return True
    return False


_WORD_PREFIX = re.compile(r"\w+")


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def literal_prefixes(regex: str) -> set[str] | None:
    """The lower-case literal texts that every match of `regex` starts with.

    None when some match may start with something other than a literal
    (a character class, `\\d`, an optional part). Zero-width assertions
    (`\\b`, lookarounds) are skipped. Used to index raw patterns by word.
    """

    def walk(items: list[Any], start: set[tuple[str, bool]]) -> set[tuple[str, bool]]:
        out = start
        for op, av in items:
            if not any(is_open for _, is_open in out):
                break
            if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
                continue
            if op is c.LITERAL:
                out = {(t + chr(av).lower(), True) if o else (t, o) for t, o in out}
            elif op is c.SUBPATTERN:
                out = walk(list(av[3]), out)
            elif op is c.BRANCH:
                merged: set[tuple[str, bool]] = set()
                for alternative in av[1]:
                    merged |= walk(list(alternative), out)
                out = merged
            else:
                out = {(t, False) for t, _ in out}
            if len(out) > _MAX_PREFIXES:
                return {("", False)}
        return out

    try:
        parsed = _parser.parse(regex, re.I)
    except re.error:
        return None
    found = {t for t, _ in walk(list(parsed), {("", True)})}
    if not found or "" in found:
        return None
    return found


def anchor_positions(plan: RawPlan, text: str, lowered: str, digits: list[int]) -> list[int]:
    """Sorted positions where a match of `plan` may start (ASCII text only)."""
    assert plan.anchors is not None
    haystack = lowered if plan.ignore_case else text
    starts: set[int] = set()
    for anchor in plan.anchors:
        lead = anchor.lead
        if anchor.kind == "digit":
            chars = anchor.chars
            hits = [p for p in digits if text[p] in chars] if chars != _DIGITS else digits
        elif anchor.kind == "symbols":
            hits = [p for ch in anchor.chars for p in find_all(text, ch)]
        else:
            hits = find_all(haystack, anchor.text)
        if anchor.word_start:
            hits = [p for p in hits if not p or not _is_word(text[p - 1])]
        if lead:
            lead_chars = anchor.lead_chars
            for p in hits:
                starts.add(p)
                for back in range(1, min(lead, p) + 1):
                    if lead_chars is not None and text[p - back] not in lead_chars:
                        break  # the optional lead cannot take this character
                    starts.add(p - back)
        else:
            starts.update(hits)
    return sorted(starts)


def search_planned(plan: RawPlan, text: str, starts: list[int]) -> list[tuple[int, int]]:
    """Non-empty, non-overlapping matches, leftmost first: what finditer gives."""
    return leftmost_matches(plan.pattern, text, starts)
