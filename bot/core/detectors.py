"""The detector building blocks that scenario files declare.

A detector is a list of rules; a rule is an expression evaluated over a scope
(one sentence, a window of sentences, one answer, or the whole transcript).
Expressions, written in TOML as strings and inline tables:

- `"concept"`                      a non-negated mention of a concept (phrase list)
- `{ negated = "concept" }`        a negated mention ("I wouldn't run an A/B test")
- `{ mention = "concept" }`        a mention, negated or not
- `{ q = "percent" }`              a quantity of a kind (see `text.QUANTITY_KINDS`)
- `{ all = [e, ...] }`             every sub-expression holds in the scope
- `{ any = [e, ...] }`             at least one holds
- `{ at_least = 2, of = [e, ...] }` at least n hold
- `{ not = e }`                    e does not hold anywhere in the scope

Sentences that are questions back to the interviewer or keyword stuffing are
left out before any rule looks at them (see `analyse_for`).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence, Set
from dataclasses import dataclass, replace
from itertools import compress
from typing import Any, Protocol

from bot.core._regex_plan import (
    RawPlan,
    anchor_positions,
    literal_prefixes,
    plan_for,
    search_planned,
    word_keys,
)
from bot.core.linear import LinearPattern
from bot.core.text import (
    QUANTITY_KINDS,
    Document,
    Hit,
    NegationScope,
    QuantityScan,
    compile_phrases,
    digit_positions,
    linear_phrase,
    make_hit,
    needs_linear_engine,
    raw_body,
    tokenise,
)

SCOPES = ("sentence", "window", "answer", "transcript")
_EMPTY: dict[int, list[Hit]] = {}


class DetectorError(ValueError):
    """A detector expression is malformed; `path` says where."""

    def __init__(self, message: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.path = path


# --- expressions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConceptRef:
    name: str
    mode: str = "affirmed"  # affirmed | negated | mention


@dataclass(frozen=True, slots=True)
class QuantityRef:
    kind: str


@dataclass(frozen=True, slots=True)
class AllOf:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class AtLeast:
    n: int
    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class NotExpr:
    part: Expr


Expr = ConceptRef | QuantityRef | AllOf | AnyOf | AtLeast | NotExpr


def parse_expr(raw: Any, concepts: set[str], path: tuple[str | int, ...] = ()) -> Expr:
    """Turn the TOML form of an expression into an Expr, checking every name."""
    if isinstance(raw, str):
        if raw not in concepts:
            raise DetectorError(f"unknown concept {raw!r}", path)
        return ConceptRef(raw)
    if not isinstance(raw, dict) or not raw:
        raise DetectorError("an expression is a concept name or a table like {all = [...]}", path)
    keys = set(raw)
    if keys in ({"negated"}, {"mention"}):
        key = next(iter(keys))
        name = raw[key]
        if not isinstance(name, str) or name not in concepts:
            raise DetectorError(f"unknown concept {name!r}", (*path, key))
        return ConceptRef(name, key)
    if keys == {"q"}:
        kind = raw["q"]
        if kind not in QUANTITY_KINDS:
            known = ", ".join(sorted(QUANTITY_KINDS))
            raise DetectorError(f"unknown quantity kind {kind!r} (known: {known})", (*path, "q"))
        return QuantityRef(kind)
    if keys in ({"all"}, {"any"}):
        key = next(iter(keys))
        parts = _parse_list(raw[key], concepts, (*path, key))
        return AllOf(parts) if key == "all" else AnyOf(parts)
    if keys == {"at_least", "of"}:
        n = raw["at_least"]
        parts = _parse_list(raw["of"], concepts, (*path, "of"))
        if not isinstance(n, int) or not 1 <= n <= len(parts):
            raise DetectorError(f"at_least must be 1..{len(parts)}", (*path, "at_least"))
        return AtLeast(n, parts)
    if keys == {"not"}:
        return NotExpr(parse_expr(raw["not"], concepts, (*path, "not")))
    raise DetectorError(f"unknown expression keys {sorted(keys)}", path)


def _parse_list(raw: Any, concepts: set[str], path: tuple[str | int, ...]) -> tuple[Expr, ...]:
    if not isinstance(raw, list) or not raw:
        raise DetectorError("expected a non-empty list of expressions", path)
    return tuple(parse_expr(item, concepts, (*path, i)) for i, item in enumerate(raw))


def concepts_used(expr: Expr) -> set[str]:
    """Every concept name an expression refers to."""
    if isinstance(expr, ConceptRef):
        return {expr.name}
    if isinstance(expr, QuantityRef):
        return set()
    if isinstance(expr, NotExpr):
        return concepts_used(expr.part)
    out: set[str] = set()
    for part in expr.parts:
        out |= concepts_used(part)
    return out


# --- rules -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """An expression, where it must hold, and the score it earns."""

    when: Expr
    scope: str = "sentence"
    window: int = 2
    score: float = 1.0


# --- evaluation --------------------------------------------------------------


_HAS_QUANTITY: dict[int, tuple[Expr, bool]] = {}


def _has_quantity(expr: Expr) -> bool:
    """Does the expression look at a quantity anywhere (costly to find)? Cached."""
    known = _HAS_QUANTITY.get(id(expr))
    if known is not None and known[0] is expr:
        return known[1]
    if len(_HAS_QUANTITY) > 50_000:
        _HAS_QUANTITY.clear()
    found = _looks_at_quantity(expr)
    _HAS_QUANTITY[id(expr)] = (expr, found)
    return found


def _looks_at_quantity(expr: Expr) -> bool:
    if isinstance(expr, QuantityRef):
        return True
    if isinstance(expr, ConceptRef):
        return False
    if isinstance(expr, NotExpr):
        return _looks_at_quantity(expr.part)
    return any(_looks_at_quantity(part) for part in expr.parts)


_BY_COST: dict[int, tuple[AllOf, tuple[tuple[Expr, ...], tuple[Expr, ...]]]] = {}


def _parts_by_cost(expr: AllOf) -> tuple[tuple[Expr, ...], tuple[Expr, ...]]:
    """An `all`'s parts without a quantity in them, then those with one (in order). Cached."""
    known = _BY_COST.get(id(expr))
    if known is not None and known[0] is expr:
        return known[1]
    if len(_BY_COST) > 50_000:
        _BY_COST.clear()
    split = (
        tuple(part for part in expr.parts if not _has_quantity(part)),
        tuple(part for part in expr.parts if _has_quantity(part)),
    )
    _BY_COST[id(expr)] = (expr, split)
    return split


class _BySentence(Protocol):
    """Hits by sentence index: a dict, or a `QuantityScan` that finds them as asked."""

    def get(self, si: int, default: None = None, /) -> list[Hit] | None: ...


class _QuantityTables(dict[str, QuantityScan]):
    """Quantity hits by kind and sentence, found as far as a rule asks (`QuantityScan`)."""

    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc

    def __missing__(self, kind: str) -> QuantityScan:
        starts = self.doc.quantities.starts_for(kind)
        table = self[kind] = QuantityScan(self.doc, kind, starts)
        return table


class Analysis:
    """A document plus the concept hits one scenario's detectors need.

    Whether a hit is negated is settled lazily: hits in a sentence with any
    negation word wait in `_pending` until a rule looks at that concept in
    that sentence (most never are), then go to the affirmed or negated table.
    """

    def __init__(self, doc: Document, lexicon: Lexicon) -> None:
        self.doc = doc
        self.excluded: set[int] = set()
        self._affirmed: dict[str, dict[int, list[Hit]]] = {n: {} for n in lexicon.patterns}
        self._negated: dict[str, dict[int, list[Hit]]] = {n: {} for n in lexicon.patterns}
        self._pending: dict[str, dict[int, list[tuple[int, int]]]] = {}
        self._negation = negation = NegationScope(doc)
        maybe_negated = negation.sentences
        starts = doc._starts
        for name, spans in lexicon.scan(doc.text, doc.words, doc.positions).items():
            pos = self._affirmed[name]
            pending: dict[int, list[tuple[int, int]]] | None = None
            for span in spans:
                start = span[0]
                si = bisect_right(starts, start) - 1
                if si < 0:
                    si = 0
                if si in maybe_negated:
                    if pending is None:
                        pending = self._pending[name] = {}
                    waiting = pending.get(si)
                    if waiting is None:
                        pending[si] = [span]
                    else:
                        waiting.append(span)
                    continue
                hit = make_hit((name, start, span[1], si, False))
                bucket = pos.get(si)
                if bucket is None:
                    pos[si] = [hit]
                else:
                    bucket.append(hit)
        self.quantities = _QuantityTables(doc)

    @property
    def affirmed(self) -> dict[str, dict[int, list[Hit]]]:
        """Non-negated hits by concept and sentence (every pending hit settled)."""
        self._settle_all()
        return self._affirmed

    @property
    def negated(self) -> dict[str, dict[int, list[Hit]]]:
        """Negated hits by concept and sentence (every pending hit settled)."""
        self._settle_all()
        return self._negated

    def _settle_all(self) -> None:
        for name, pending in list(self._pending.items()):
            self._settle(name, pending, list(pending))

    def _settle(self, name: str, pending: dict[int, list[tuple[int, int]]], where: Any) -> None:
        """Decide negation for the concept's waiting hits in the sentences `where`."""
        negated = self._negation.negated
        for si in [si for si in pending if si in where]:
            for start, end in pending.pop(si):
                is_negated = negated(start, end, si)
                table = (self._negated if is_negated else self._affirmed)[name]
                table.setdefault(si, []).append(make_hit((name, start, end, si, is_negated)))
        if not pending:
            del self._pending[name]

    def span_counts(self, name: str) -> dict[int, int]:
        """How many matches of a concept each sentence has, negated or not."""
        counts: dict[int, int] = {}
        for table in (
            self._affirmed.get(name, _EMPTY),
            self._negated.get(name, _EMPTY),
            self._pending.get(name, _EMPTY),
        ):
            for si, items in table.items():
                counts[si] = counts.get(si, 0) + len(items)
        return counts

    def spans_in(self, name: str, si: int) -> list[tuple[int, int]]:
        """Every (start, end) of a concept in one sentence, negated or not."""
        out = [(h.start, h.end) for h in self._affirmed.get(name, _EMPTY).get(si, ())]
        out += [(h.start, h.end) for h in self._negated.get(name, _EMPTY).get(si, ())]
        out += self._pending.get(name, {}).get(si, ())
        return out

    def exclude(self, sentence_indices: set[int]) -> None:
        """Leave these sentences out of every rule (questions, stuffing)."""
        self.excluded |= sentence_indices

    # Each evaluation returns the evidence hits, or None when the expression fails.
    def evaluate(self, expr: Expr, sentences: range) -> list[Hit] | None:
        kind = type(expr)
        if kind is ConceptRef:
            name = expr.name
            pending = self._pending.get(name)
            if pending:
                self._settle(name, pending, sentences)
            mode = expr.mode
            if mode == "affirmed":
                return self._collect((self._affirmed.get(name, _EMPTY),), sentences)
            tables = []
            if mode == "mention":
                tables.append(self._affirmed.get(name, _EMPTY))
            if mode in ("negated", "mention"):
                tables.append(self._negated.get(name, _EMPTY))
            return self._collect(tables, sentences)
        if kind is QuantityRef:
            return self._collect((self.quantities[expr.kind],), sentences)
        if isinstance(expr, AllOf):
            found: list[Hit] = []
            for part in expr.parts:
                hits = self.evaluate(part, sentences)
                if hits is None:
                    return None
                found.extend(hits)
            return found
        if isinstance(expr, AnyOf | AtLeast):
            need = 1 if isinstance(expr, AnyOf) else expr.n
            found = []
            ok = 0
            for part in expr.parts:
                hits = self.evaluate(part, sentences)
                if hits is not None:
                    ok += 1
                    found.extend(hits)
            return found if ok >= need else None
        if isinstance(expr, NotExpr):
            return None if self.evaluate(expr.part, sentences) is not None else []
        raise TypeError(f"not an expression: {expr!r}")

    def holds(self, expr: Expr, sentences: range) -> bool:
        """Whether `evaluate(expr, sentences)` finds the expression holding, without
        gathering the hits: it stops at the first hit, the first failing part of
        an `all` and the first holding part of an `any`."""
        kind = type(expr)
        if kind is ConceptRef:
            name = expr.name  # type: ignore[union-attr]
            pending = self._pending.get(name)
            if pending:
                self._settle(name, pending, sentences)
            mode = expr.mode  # type: ignore[union-attr]
            if mode == "affirmed":  # the common case, `_any_hit` written out
                table = self._affirmed.get(name)
                if table:
                    excluded = self.excluded
                    for si in sentences:
                        if si not in excluded and table.get(si):
                            return True
                return False
            if mode == "negated":
                return self._any_hit(self._negated.get(name, _EMPTY), sentences)
            return self._any_hit(self._affirmed.get(name, _EMPTY), sentences) or self._any_hit(
                self._negated.get(name, _EMPTY), sentences
            )
        if kind is QuantityRef:
            return self._any_hit(self.quantities[expr.kind], sentences)  # type: ignore[union-attr]
        # plain loops, not all()/any() over generators: quicker, and this is the hot path
        if kind is AllOf:
            for part in expr.parts:  # type: ignore[union-attr]  # noqa: SIM110
                if not self.holds(part, sentences):
                    return False
            return True
        if kind is AnyOf:
            for part in expr.parts:  # type: ignore[union-attr]  # noqa: SIM110
                if self.holds(part, sentences):
                    return True
            return False
        if kind is AtLeast:
            need = expr.n  # type: ignore[union-attr]
            for part in expr.parts:  # type: ignore[union-attr]
                if self.holds(part, sentences):
                    need -= 1
                    if need <= 0:
                        return True
            return False
        if kind is NotExpr:
            return not self.holds(expr.part, sentences)  # type: ignore[union-attr]
        raise TypeError(f"not an expression: {expr!r}")

    def _any_hit(self, table: _BySentence | dict[int, list[Hit]], sentences: range) -> bool:
        """Does the table hold a hit in a sentence of `sentences` not left out?"""
        if not table:
            return False
        excluded = self.excluded
        for si in sentences:  # noqa: SIM110 (a loop: quicker than any() over a generator)
            if si not in excluded and table.get(si):
                return True
        return False

    def _collect(self, tables: Sequence[_BySentence], sentences: range) -> list[Hit] | None:
        found: list[Hit] = []
        excluded = self.excluded
        single = len(sentences) == 1
        for table in tables:
            if not table:
                continue
            if single:
                si = sentences[0]
                hits = table.get(si)
                if hits and si not in excluded:
                    found.extend(hits)
                continue
            for si in sentences:
                if si in excluded:
                    continue
                hits = table.get(si)
                if hits:
                    found.extend(hits)
        return found or None

    def units(self, rule: Rule) -> list[range]:
        """The sentence ranges a rule is tried on, by its scope."""
        n = len(self.doc.sentences)
        if rule.scope == "sentence":
            return [range(i, i + 1) for i in range(n) if i not in self.excluded]
        if rule.scope == "window":
            return [range(i, min(n, i + rule.window)) for i in range(n)]
        if rule.scope == "answer":
            out = []
            start = 0
            for i in range(1, n + 1):
                if i == n or self.doc.sentences[i].answer != self.doc.sentences[start].answer:
                    out.append(range(start, i))
                    start = i
            return out
        return [range(0, n)] if n else []

    def support(self, expr: Expr, same_sentence: bool) -> Set[int] | None:
        """Sentences a unit must take in for `expr` to hold there (None: no limit).

        With `same_sentence` (sentence scope) every part of an `all` must be in
        the one sentence; otherwise (wider units) the unit must at least take
        in a sentence of its rarest part. Concept parts are free to look up;
        parts with a quantity in them are found only when no concept part
        limits the unit.
        """
        # Returned sets are never changed in place: dict key views stand in for sets.
        kind = type(expr)
        if kind is ConceptRef:
            name = expr.name
            waiting = self._pending.get(name)  # may go either way: counted for both
            mode = expr.mode
            if mode == "affirmed":
                keys = self._affirmed.get(name, _EMPTY).keys()
            elif mode == "negated":
                keys = self._negated.get(name, _EMPTY).keys()
            else:
                keys = self._affirmed.get(name, _EMPTY).keys() | self._negated.get(name, _EMPTY)
            return keys | waiting.keys() if waiting else keys
        if kind is QuantityRef:
            return self.quantities[expr.kind].keys()
        if kind is NotExpr:
            return None
        if kind is AllOf:
            found: Set[int] | None = None
            for parts in _parts_by_cost(expr):  # type: ignore[arg-type]
                for part in parts:
                    limit = self.support(part, same_sentence)
                    if limit is None:
                        continue
                    if found is None:
                        found = limit
                    elif same_sentence:
                        found = found & limit
                    elif len(limit) < len(found):
                        found = limit
                    if not found:
                        return found
                if found is not None:
                    return found
            return None
        union: set[int] = set()
        for part in expr.parts:  # any / at_least: one part at least
            limit = self.support(part, same_sentence)
            if limit is None:
                return None
            union.update(limit)
        return union

    def witness(self, expr: Expr, unit: range) -> list[int]:
        """A few sentences of `unit` that together make `expr` hold there.

        The evidence for a match over several sentences: one sentence that holds
        the whole expression if there is one, else a greedy cover of the parts of
        an `all` (or `at_least`), so a sentence that only shares a word with the
        rule is never quoted. `not` parts have no witness.
        """
        kind = type(expr)
        if kind is NotExpr:
            return []
        if len(unit) == 1 and unit[0] not in self.excluded and self.holds(expr, unit):
            return [unit[0]]  # `_alone` would find just this sentence
        alone = self._alone(expr, unit)
        if alone:
            return [alone[0]]
        if kind is AnyOf:
            for part in expr.parts:
                if self.holds(part, unit):
                    return self.witness(part, unit)
            return []
        if kind is AllOf or kind is AtLeast:
            parts = [p for p in expr.parts if type(p) is not NotExpr]
            need = len(parts) if kind is AllOf else expr.n
            holding = [p for p in parts if self.holds(p, unit)]
            where = {id(p): set(self._alone(p, unit)) for p in holding}
            chosen: list[int] = []
            covered: list[Expr] = []
            while len(covered) < need:
                open_parts = [p for p in holding if p not in covered]
                if not open_parts:
                    break
                counts: dict[int, int] = {}
                for p in open_parts:
                    for si in where[id(p)]:
                        counts[si] = counts.get(si, 0) + 1
                if counts:
                    best = min(counts, key=lambda si: (-counts[si], si))
                    chosen.append(best)
                    covered += [p for p in open_parts if best in where[id(p)]]
                    continue
                part = open_parts[0]  # holds only across sentences: its own witness
                chosen += self.witness(part, unit)
                covered.append(part)
            return sorted(set(chosen))
        return []

    def _alone(self, expr: Expr, unit: range) -> list[int]:
        """Sentences of `unit` where `expr` holds on its own, in order."""
        limit = self.support(expr, True)
        candidates = unit if limit is None else sorted(set(unit) & set(limit))
        return [
            si
            for si in candidates
            if si not in self.excluded and self.holds(expr, range(si, si + 1))
        ]

    def match(self, rule: Rule) -> tuple[list[Hit], range] | None:
        """The first unit where the rule holds, with its evidence hits."""
        unit = self.match_unit(rule)
        if unit is None:
            return None
        hits = self.evaluate(rule.when, unit)
        assert hits is not None
        return hits, unit

    def match_unit(self, rule: Rule) -> range | None:
        """The first unit where the rule holds (`match` without the hits)."""
        expr = rule.when
        scope = rule.scope
        limit = self.support(expr, scope == "sentence")
        if limit is not None:
            limit -= self.excluded  # hits there never count
            if not limit:
                return None
        n = len(self.doc.sentences)
        holds = self.holds
        units: list[range]
        if scope == "sentence":
            if limit is None:
                limit = set(range(n)) - self.excluded
            for si in sorted(limit):  # each unit is a sentence of `limit`
                unit = range(si, si + 1)
                if holds(expr, unit):
                    return unit
            return None
        if scope == "window":
            width = rule.window
            starts = (
                range(n)
                if limit is None
                else sorted({i for si in limit for i in range(max(0, si - width + 1), si + 1)})
            )
            units = [range(i, min(n, i + width)) for i in starts]
        else:
            units = self.units(rule)
        for unit in units:
            if limit is not None and limit.isdisjoint(unit):
                continue
            if holds(expr, unit):
                return unit
        return None


# What a phrase is matched with: Python's `re`, or RE2 where `re` could take
# more than linear time (`bot.core.linear`).
Matcher = re.Pattern[str] | LinearPattern
_Entry = tuple[str, "Matcher | None"]  # None: the word itself is the whole phrase


def _for(plan: RawPlan, matcher: Matcher) -> RawPlan:
    """A raw search plan for the matcher that will run it.

    RE2 is searched through the whole text in one linear pass: tried at each
    anchor instead, a pattern that runs on to the end of the text would cost
    the text's length at every anchor. The required texts still rule out
    answers it cannot match.
    """
    if matcher is plan.pattern:
        return plan
    return replace(plan, pattern=matcher, anchors=None)


# At one word: its phrases, the second words of pairs it starts, its `leftmost` regexes.
_Hot = tuple[tuple[_Entry, ...], frozenset[str] | None, tuple[_Entry, ...]] | tuple[()]


_MAX_CACHED_WORDS = 200_000
_FIRST_WORD = re.compile(r"\w+")


def _whole_leading_token(word: str) -> str | None:
    """The token a phrase word starts with, if a match must contain all of it.

    "reason" and "5%" give "reason" and "5"; "reason*" (may go on) and ".."
    give None.
    """
    stem = word.rstrip("*")
    token = _FIRST_WORD.match(stem)
    if token is None or token.start() != 0 or word == "..":
        return None
    if token.end() == len(stem) and word.endswith("*"):
        return None
    return token.group().lower()


def _leading_token_pair(stem: str, starred: bool) -> tuple[str, str] | None:
    """The first two whole tokens of a phrase's first word ("a/b" -> a, b), if any.

    The second counts as whole unless a trailing `*` may extend it.
    """
    tokens = list(_FIRST_WORD.finditer(stem))
    if len(tokens) < 2 or tokens[0].start() != 0:
        return None
    second = tokens[1]
    if starred and second.end() == len(stem):
        return None
    return tokens[0].group().lower(), second.group().lower()


class Lexicon:
    """Compiled concept patterns for one scenario (its own plus the common ones).

    Scanning is indexed by word: each plain phrase is filed under its first
    word (or that word's prefix, for `word*`), so a transcript is tokenised
    once and a phrase's pattern is only tried where its first word occurs.
    Raw `re:` phrases and phrases that start with a symbol are searched in
    full.
    """

    def __init__(self, phrases: dict[str, list[str]]) -> None:
        self.phrases = phrases
        self.patterns: dict[str, re.Pattern[str]] = {}
        self.exact: dict[str, list[_Entry]] = {}
        self.prefix: dict[str, list[_Entry]] = {}
        self.raw: list[_Entry] = []
        self.raw_anchors: list[set[str]] = []
        self.raw_plans: list[RawPlan] = []
        self.digit_led: list[_Entry] = []  # raw patterns tried at words led by a digit
        # raw phrases with nothing to anchor on: searched through every whole text
        self.unanchored: list[tuple[str, str]] = []
        # raw regexes indexed by the words they must start at, yet matched as a
        # search would: not again inside their own previous match
        self.leftmost: set[_Entry] = set()  # (concept, regex): the same regex may serve two
        self.pairs: dict[tuple[str, str], list[_Entry]] = {}
        self._cache: dict[str, tuple[_Entry, ...]] = {}  # word -> the phrases filed under it
        self._hot: dict[str, _Hot] = {}  # word -> what scanning does there (`_hot_entry`)
        for name, items in phrases.items():
            try:
                self.patterns[name] = compile_phrases(items)
                for phrase in items:
                    self._file(name, phrase)
            except re.error as exc:
                raise DetectorError(f"bad pattern in concept {name!r}: {exc}", (name,)) from None
        self.prefix_lengths = sorted({len(k) for k in self.prefix})
        seconds: dict[str, set[str]] = {}
        for first, second in self.pairs:
            seconds.setdefault(first, set()).add(second)
        self.pair_seconds = {first: frozenset(found) for first, found in seconds.items()}

    def _file(self, name: str, phrase: str) -> None:
        pattern = compile_phrases([phrase])  # planned from; matched with, unless linear
        raw = raw_body(phrase)
        matcher: Matcher = pattern
        if raw is not None and phrase.startswith("re2:"):
            matcher = LinearPattern(raw)
        elif raw is None and needs_linear_engine(phrase):
            matcher = linear_phrase(phrase)
        entry: _Entry = (name, matcher)  # one object wherever it is filed (see `leftmost`)
        words = phrase.split()
        first = words[0] if words else ""
        stem = first.rstrip("*")
        m = _FIRST_WORD.match(stem)
        if raw is not None:
            plan = plan_for(pattern)
            words = word_keys(plan)
            if words is not None:
                # It can only start where a word starts: tried at those words. One
                # that begins with literal text in every alternative keeps the rule
                # for such phrases (tried at every word start); any other is
                # matched like a search, leftmost first (`leftmost`).
                prefixes = literal_prefixes(raw)
                if not prefixes or not all(_FIRST_WORD.match(p) for p in prefixes):
                    self.leftmost.add(entry)
                for key, whole in words.items():
                    if not key:
                        self.digit_led.append(entry)
                    else:
                        (self.exact if whole else self.prefix).setdefault(key, []).append(entry)
                return
            prefixes = literal_prefixes(raw)
            keys = {_FIRST_WORD.match(p) for p in prefixes} if prefixes else {None}
            if None not in keys:
                # filed under each alternative's first letters; matched at word starts
                for key in {k.group().lower() for k in keys if k is not None}:
                    self.prefix.setdefault(key, []).append(entry)
                return
            if plan.anchors is None and not plan.required and not prefixes:
                self.unanchored.append((name, phrase))
            self._add_raw(name, matcher, prefixes or set(), _for(plan, matcher))
        elif m is None:
            self._add_raw(name, matcher, set(), _for(plan_for(pattern), matcher))
        elif first.endswith("*") and m.group() == stem:
            self.prefix.setdefault(stem.lower(), []).append(entry)
        elif m.group() == stem and len(words) == 1 and not first.endswith("*"):
            # a single plain word: the token itself is the match, no pattern needed
            self.exact.setdefault(stem.lower(), []).append((name, None))
        elif m.group() == stem and len(words) > 1 and (second := _whole_leading_token(words[1])):
            # "the reason", "the 5%": filed under both words, so "the" alone tries nothing
            self.pairs.setdefault((stem.lower(), second), []).append(entry)
        elif (pair := _leading_token_pair(stem, first.endswith("*"))) is not None:
            # "a/b test", "in-region": the first word is itself two tokens
            self.pairs.setdefault(pair, []).append(entry)
        else:
            self.exact.setdefault(m.group().lower(), []).append(entry)

    def _add_raw(self, name: str, pattern: Matcher, prefixes: set[str], plan: RawPlan) -> None:
        self.raw.append((name, pattern))
        self.raw_anchors.append(prefixes)
        self.raw_plans.append(plan)

    def _hot_entry(self, word: str) -> _Hot:
        """What scanning does at `word`: its phrases, the second words of the pairs
        it starts, its `leftmost` regexes; or () for nothing."""
        found = self._hot.get(word)
        if found is None:
            candidates = self._candidates(word)
            entries = tuple(e for e in candidates if e not in self.leftmost)
            searched = tuple(e for e in candidates if e in self.leftmost)
            seconds = self.pair_seconds.get(word)
            found = (entries, seconds, searched) if candidates or seconds else ()
            self._hot[word] = found
        return found

    def _candidates(self, word: str) -> tuple[_Entry, ...]:
        found = self._cache.get(word)
        if found is None:
            entries = list(self.exact.get(word, ()))
            if self.digit_led and word[:1].isdecimal():
                entries.extend(self.digit_led)
            for length in self.prefix_lengths:
                if length > len(word):
                    break
                entries.extend(self.prefix.get(word[:length], ()))
            found = self._cache[word] = tuple(entries)
        return found

    def scan(
        self, text: str, words: list[str] | None = None, positions: list[int] | None = None
    ) -> dict[str, list[tuple[int, int]]]:
        """Every concept's matches in `text`: (start, end), non-overlapping, in order.

        `words` and `positions` are the text's lower-case \\w+ tokens and their
        offsets (`text.tokenise`); only tokens some phrase is filed under are
        visited.
        """
        spans: dict[str, list[tuple[int, int]]] = {}
        if words is None or positions is None:
            words, positions = tokenise(text)
        pairs = self.pairs
        hot = self._hot
        covered: dict[int, int] = {}  # id of a `leftmost` entry -> end of its last match
        last = len(words) - 1
        found_for = list(map(hot.get, words))  # None: a word not seen before
        if None in found_for:
            if len(hot) > _MAX_CACHED_WORDS:
                self._cache.clear()
                hot.clear()
            for i, known in enumerate(found_for):
                if known is None:
                    found_for[i] = self._hot_entry(words[i])
        for i in compress(range(len(words)), found_for):
            entries, seconds, searched = found_for[i]  # type: ignore[misc]
            pos = positions[i]
            if seconds is not None and i < last and words[i + 1] in seconds:
                entries = (*entries, *pairs[(words[i], words[i + 1])])
            for entry in searched:  # like a search: not again inside its last match
                if not covered or pos >= covered.get(id(entry), 0):
                    found = entry[1].match(text, pos)  # type: ignore[union-attr]
                    if found is not None and found.end() > pos:
                        end = found.end()
                        covered[id(entry)] = end
                        items = spans.get(entry[0])
                        if items is None:
                            spans[entry[0]] = [(pos, end)]
                        else:
                            items.append((pos, end))
            for name, pattern in entries:
                if pattern is None:
                    end = pos + len(words[i])
                else:
                    found = pattern.match(text, pos)
                    if found is None:
                        continue
                    end = found.end()
                if end > pos:
                    items = spans.get(name)
                    if items is None:
                        spans[name] = [(pos, end)]
                    else:
                        items.append((pos, end))
        if self.raw:
            self._scan_raw(text, spans)
        for name, items in spans.items():
            if len(items) == 1:
                continue
            # leftmost first, the longest of those that start together, none inside
            # the last one kept: sorted by (start, end), a span replaces the kept
            # one that starts where it does (it is as long or longer)
            items.sort()
            kept: list[tuple[int, int]] = [items[0]]
            for span in items:
                last = kept[-1]
                if span[0] == last[0]:
                    kept[-1] = span
                elif span[0] >= last[1]:
                    kept.append(span)
            spans[name] = kept
        return spans

    def _scan_raw(self, text: str, spans: dict[str, list[tuple[int, int]]]) -> None:
        """The raw phrases searched over the whole text (see `_regex_plan`)."""
        lowered = text.lower()
        if not text.isascii():
            for (name, pattern), anchor in zip(self.raw, self.raw_anchors, strict=True):
                if anchor and not any(a in lowered for a in anchor):
                    continue
                for found in pattern.finditer(text):
                    if found.end() > found.start():
                        spans.setdefault(name, []).append((found.start(), found.end()))
            return
        digits: list[int] | None = None
        in_lowered = lowered.__contains__
        in_text = text.__contains__
        for (name, pattern), plan in zip(self.raw, self.raw_plans, strict=True):
            contains = in_lowered if plan.ignore_case else in_text
            missing = False
            for options in plan.required:
                if not any(map(contains, options)):
                    missing = True  # a text every match needs is not there
                    break
            if missing:
                continue
            if plan.anchors is None:
                found = [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
            else:
                if digits is None:
                    digits = digit_positions(text)
                found = search_planned(plan, text, anchor_positions(plan, text, lowered, digits))
            if found:
                spans.setdefault(name, []).extend(found)

    def __contains__(self, name: object) -> bool:
        return name in self.patterns
