"""Transcript -> per-criterion met/score/evidence and the anti-patterns seen.

Deterministic and explainable: each criterion's score is the best score of the
rules (declared in the scenario file) that hold somewhere in the transcript,
and its evidence is the sentences those rules matched in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise
from weakref import WeakKeyDictionary

from bot.core.detectors import Analysis, Lexicon, Rule, concepts_used
from bot.core.scenarios import Scenario
from bot.core.text import Document, Hit, Sentence, analyse, clause_breaks

EVIDENCE_CHARS = 240
_CONCRETE_KINDS = ("percent", "latency", "duration", "money", "population")

# An answer with no substance: "idk", "pass", "no idea", an emoji or two.
_NON_ANSWER = re.compile(
    r"^\W*(?:sorry\W*)?(?:i\s*d(?:on'?t|unno)\s*k(?:now)?|idk|dunno|no\s+idea|not\s+sure|pass|skip|"
    r"n/?a|nothing|no\s+clue|\?+|ok(?:ay)?|yes|no|hmm+|um+)\W*$",
    re.I,
)


# A question that is really a request: "could you stretch the sign-on to $30k?"
_REQUEST = re.compile(
    r"^\W*(?:could|can|would|will|may|might)\s+\w"  # an ask: "could equity go to 0.05 %?"
    r"|\b(?:could|can|would)\s+\w+(?:\s+\w+)?\s+(?:go|be|get|rise|move|come|increase|stretch)\b"
    r"|\b(?:could|can|would|will|may|might)\s+"
    r"(?:(?:we|you|i|it|that|this|part|some|my|our|the|about)\b|\$?\d[\d,.]*k?\b)"
    r"|\b(?:is|would)\s+it\s+(?:be\s+)?possible\b|\bwould\s+you\s+be\s+open\b"
    r"|\bany\s+chance\b|\bhow\s+about\b|\bwhat\s+about\b",
    re.I,
)


# A sentence that ends in "?" asks something only if it is built as a question: it opens
# (after a filler or two) with a question word or an auxiliary verb, or ends on a tag
# ("…, right?"). Anything else is a statement said with a rising tone, as nervous
# speakers do ("from about 40% to maybe 46%?"), and is scored like any statement.
_ASKING_START = re.compile(
    r"^\W*(?:(?:so|and|but|or|ok(?:ay)?|well|um+|uh+|hmm+|like|then|also|now|sorry|wait)\W+){0,3}"
    r"(?:who|whom|whose|what|what's|which|when|where|why|how|should|shall|could|can|would|will|"
    r"do|does|did|is|isn't|are|aren't|was|were|am|have|has|had|may|might|must|shouldn't|"
    r"couldn't|can't|wouldn't|won't|don't|doesn't|didn't|any|anything|ever)\b",
    re.I,
)
_ASKING_TAG = re.compile(
    r"\b(?:right|yeah|yes|no|ok(?:ay)?|correct|true|agreed|fair|"
    r"(?:is|are|was|were|do|does|did|would|could|should|will|can|have|has)n't\s+\w+|"
    r"(?:do|don't)\s+you\s+think|you\s+know|(?:does\s+that\s+|that\s+)?makes?\s+sense|"
    r"sounds?\s+(?:right|ok(?:ay)?|good|fair|reasonable)|or\s+not|or\s+what)\W*$",
    re.I,
)


# A statement hedged at its end ("…they stop scrolling back, I think?"): the speaker
# commits to it with a rising tone; it asks the interviewer nothing.
_HEDGE_TAG = re.compile(
    r"(?:^|[\s,;(])(?:i\s+(?:think|guess|believe|suppose|reckon|hope|assume)|i'd\s+(?:say|guess|think)|"
    r"maybe|probably|perhaps|hopefully|presumably|or\s+so|give\s+or\s+take|ish)\W*$",
    re.I,
)


def hedged(text: str) -> bool:
    """True if a sentence not built as a question ends on a hedge ("…, I think?")."""
    return bool(_HEDGE_TAG.search(text.rstrip(" ?!)\"'")))


def asks(text: str) -> bool:
    """True if a sentence ending in "?" is built as a question (see `_ASKING_START`);
    after a lead-in with a colon ("Before I answer: what's…?"), the part after it."""
    last = text.rsplit(":", 1)[-1]
    return bool(
        _ASKING_START.match(text)
        or (last is not text and _ASKING_START.match(last))
        or _ASKING_TAG.search(text.rstrip(" ?!)\"'"))
    )


@dataclass(frozen=True)
class CriterionResult:
    id: str
    met: bool
    score: float
    evidence: tuple[str, ...] = ()

    def status(self, partial_score: float) -> str:
        """met / partly / missed, for the summary."""
        if self.met:
            return "met"
        return "partly" if self.score >= partial_score else "missed"


@dataclass(frozen=True)
class ScoreResult:
    scenario: str
    criteria: dict[str, CriterionResult]
    antipatterns: tuple[str, ...]
    antipattern_evidence: dict[str, tuple[str, ...]] = field(default_factory=dict)
    substantive: bool = True

    def to_contract(self, transcript_id: str) -> dict[str, object]:
        """The `score` command's output line (rubric contract)."""
        return {
            "id": transcript_id,
            "scenario": self.scenario,
            "criteria": {
                cid: {"met": r.met, "score": round(r.score, 3), "evidence": list(r.evidence)}
                for cid, r in self.criteria.items()
            },
            "antipatterns": list(self.antipatterns),
        }


# Per scenario lexicon: the same lexicon cut down to the concepts its rules and
# its stuffing check refer to (the others are never looked at). Keyed weakly by
# the full lexicon, so a reloaded scenario's old lexicon can be freed; None
# means every concept is used (the full lexicon itself).
_USED_LEXICONS: WeakKeyDictionary[Lexicon, Lexicon | None] = WeakKeyDictionary()


def _used_lexicon(scenario: Scenario) -> Lexicon:
    """The scenario's lexicon restricted to the concepts scoring looks at."""
    full = scenario.lexicon
    try:
        cut = _USED_LEXICONS[full]
    except KeyError:
        used = {scenario.spec.scoring.stuffing.concept}
        for item in (*scenario.criteria, *scenario.antipatterns):
            for rule in item.rules:
                used |= concepts_used(rule.when)
        phrases = {name: items for name, items in full.phrases.items() if name in used}
        cut = _USED_LEXICONS[full] = None if len(phrases) == len(full.phrases) else Lexicon(phrases)
    return full if cut is None else cut


def prepare(scenario: Scenario) -> None:
    """Build what scoring `scenario` needs before its first answer (its restricted
    lexicon: 0.1-0.4 s of CPU per round, paid by whoever answers first otherwise)."""
    _used_lexicon(scenario)


def is_prepared(scenario: Scenario) -> bool:
    """Whether `prepare` (or a scoring) has already built what `scenario` needs."""
    return scenario.lexicon in _USED_LEXICONS


def is_non_answer(text: str) -> bool:
    """True for answers with no substance at all ("idk", "pass", "?")."""
    return not text.strip() or bool(_NON_ANSWER.match(text.strip()))


def _evidence(analysis: Analysis, rule: Rule, hits: list[Hit], unit: range) -> tuple[str, ...]:
    """The sentences whose match decided the rule (at most three), in order.

    Only sentences that witness the rule are quoted (see `Analysis.witness`), each
    shortened at clause boundaries around what matched, so the figure that
    earned it stays in.
    """
    doc = analysis.doc
    chosen = analysis.witness(rule.when, unit)
    if not chosen:  # a rule made only of `not` parts: nothing to quote
        return ()
    by_sentence: dict[int, list[Hit]] = {}
    for h in hits:
        by_sentence.setdefault(h.sentence, []).append(h)
    return tuple(shorten(doc, doc.sentences[si], by_sentence.get(si, [])) for si in chosen[:3])


def shorten(doc: Document, sentence: Sentence, hits: list[Hit]) -> str:
    """A sentence cut to EVIDENCE_CHARS at clause boundaries, keeping the matched parts.

    When the matched clauses together are still too long, the ones that carry least
    (no figure, fewest matched parts) are left out, whole, until the rest fits; a
    single clause longer than the limit is cut at a word boundary, around its figure.
    """
    text = sentence.text
    if len(text) <= EVIDENCE_CHARS:
        return text
    base = sentence.start
    cuts = [0]
    for _, end in clause_breaks(doc.text, sentence):
        cuts.append(end - base)
    cuts.append(len(doc.text[base : sentence.end]))
    clauses = [(a, b) for a, b in pairwise(cuts) if b > a]
    inside = [h.start - base for h in hits if base <= h.start < sentence.end]
    hit_counts = [sum(1 for at in inside if a <= at < b) for a, b in clauses]
    marked = [i for i, n in enumerate(hit_counts) if n] or [0]
    raw = doc.text[base : sentence.end]
    first, last = marked[0], marked[-1]
    piece = raw[clauses[first][0] : clauses[last][1]].strip(" ,;:-")
    if len(piece) <= EVIDENCE_CHARS:
        return _ellipsed(piece, clauses[first][0] > 0, clauses[last][1] < len(raw))
    parts = {i: raw[clauses[i][0] : clauses[i][1]].strip(" ,;:-") for i in marked}

    def joined(kept: list[int]) -> str:
        # neighbouring clauses stay as written; " … " marks what was left out between
        runs: list[list[int]] = []
        for i in kept:
            if runs and runs[-1][-1] == i - 1:
                runs[-1].append(i)
            else:
                runs.append([i])
        return " … ".join(
            raw[clauses[run[0]][0] : clauses[run[-1]][1]].strip(" ,;:-") for run in runs
        )

    keep = list(marked)
    while len(keep) > 1 and len(joined(keep)) > EVIDENCE_CHARS:
        # leave out the clause that carries least: no figure, fewest matched parts, longest
        keep.remove(min(keep, key=lambda i: (_has_digit(parts[i]), hit_counts[i], -len(parts[i]))))
    piece = joined(keep)
    lead = clauses[keep[0]][0] > 0
    tail = clauses[keep[-1]][1] < len(raw)
    if len(piece) > EVIDENCE_CHARS:  # one very long clause: a word-bounded window on it
        piece, cut_front, cut_back = _window(piece, EVIDENCE_CHARS - 2)
        lead, tail = lead or cut_front, tail or cut_back
    return _ellipsed(piece, lead, tail)


def _has_digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


def _window(text: str, limit: int) -> tuple[str, bool, bool]:
    """At most `limit` characters of `text`, cut at word boundaries, keeping its first
    figure in view; with whether the front and the back were cut."""
    digit = next((i for i, ch in enumerate(text) if ch.isdigit()), 0)
    start = 0 if digit < limit * 2 // 3 else text.find(" ", max(0, digit - limit // 3)) + 1
    end = start + limit
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + limit // 2 else end
    return text[start:end].strip(" ,;:-"), start > 0, end < len(text)


def _ellipsed(piece: str, lead: bool, tail: bool) -> str:
    return f"{'…' if lead else ''}{piece}{'…' if tail else ''}"


def _best(
    analysis: Analysis, rules: tuple[Rule, ...], evidence: bool = True
) -> tuple[float, tuple[str, ...]]:
    best_score = 0.0
    best_evidence: tuple[str, ...] = ()
    for rule in rules:
        if rule.score <= best_score:
            continue
        unit = analysis.match_unit(rule)
        if unit is not None:
            best_score = rule.score
            if evidence:
                hits = analysis.evaluate(rule.when, unit)
                assert hits is not None
                best_evidence = _evidence(analysis, rule, hits, unit)
            else:
                best_evidence = ()
            if best_score >= 1.0:
                break
    return best_score, best_evidence


def _has_figure(analysis: Analysis, sentence: int) -> bool:
    """Whether a sentence holds a real figure: a percentage, latency, duration, money or
    a population ("300 ms p95", "20k users")."""
    return analysis.doc.quantities.possible_in(sentence) and any(
        analysis.quantities[k].get(sentence) for k in _CONCRETE_KINDS
    )


def mark_excluded(analysis: Analysis, scenario: Scenario) -> None:
    """Leave out questions back to the interviewer and keyword-stuffed sentences."""
    doc = analysis.doc
    stuffing = scenario.spec.scoring.stuffing
    excluded = set()
    keep_requests = scenario.spec.scoring.keep_requests
    text = doc.text
    jargon_counts = analysis.span_counts(stuffing.concept)
    for s in doc.sentences:
        # a question back is left out, but a figure said with a rising tone is still a
        # claim ("…to maybe 46%?"), as is a statement that ends on a hedge ("…, I think?"),
        # and a request stays where the round keeps them
        if (
            s.is_question
            and (asks(s.text) or not (hedged(s.text) or _has_figure(analysis, s.index)))
            and not (keep_requests and _REQUEST.search(s.text))
        ):
            excluded.add(s.index)
            continue
        if jargon_counts.get(s.index, 0) < stuffing.min_distinct:
            continue  # too few jargon words to be stuffing
        spans = analysis.spans_in(stuffing.concept, s.index)
        terms = {text[start:end].lower() for start, end in spans}
        # a sentence with a real figure in it ("300 ms p95", "20k users") is not stuffing
        if len(terms) >= stuffing.min_distinct and not _has_figure(analysis, s.index):
            s.is_stuffing = True
            excluded.add(s.index)
    analysis.exclude(excluded)


def score_answers(
    scenario: Scenario,
    answers: list[str],
    *,
    require_substance: bool = True,
    evidence: bool = True,
) -> ScoreResult:
    """Score a transcript (the candidate's answers, in order) against a scenario.

    `require_substance=False` scores even a transcript shorter than the scenario's
    `min_words` (the interviewer uses it to see what one short answer did).
    `evidence=False` leaves every evidence empty: the verdicts are the same, and
    the interviewer, which quotes nothing mid-interview, saves a third of the work.
    """
    substantive_answers = [a for a in answers if not is_non_answer(a)]
    doc = analyse(substantive_answers)
    analysis = Analysis(doc, _used_lexicon(scenario))
    mark_excluded(analysis, scenario)
    scoring = scenario.spec.scoring
    substantive = doc.has_words(scoring.min_words) if require_substance else bool(doc.sentences)
    criteria: dict[str, CriterionResult] = {}
    for c in scenario.criteria:
        if substantive:
            score, quotes = _best(analysis, c.rules, evidence)
        else:
            score, quotes = 0.0, ()
        criteria[c.id] = CriterionResult(c.id, score >= scoring.pass_score, score, quotes)
    found: list[str] = []
    ap_evidence: dict[str, tuple[str, ...]] = {}
    for a in scenario.antipatterns:
        score, quotes = _best(analysis, a.rules, evidence)
        if score >= scoring.pass_score:
            found.append(a.id)
            ap_evidence[a.id] = quotes
    return ScoreResult(scenario.id, criteria, tuple(found), ap_evidence, substantive=substantive)
