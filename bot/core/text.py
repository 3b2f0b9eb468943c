"""Text analysis shared by the detectors: sentences, clauses, quantities, negation.

Everything here is pure and deterministic. A transcript is analysed once into a
`Document`; detectors then only look up hits by sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import KeysView
from dataclasses import dataclass, field
from functools import partial
from itertools import accumulate, compress, islice
from typing import NamedTuple

from bot.core.linear import SPACE_CLASS, WORD_CLASS, LinearPattern

# --- sentences ---------------------------------------------------------------

# A sentence ends at . ! ? followed by space, or at a line break; a bullet or
# numbered item starts a new one. Decimals ("4.1") and "p<0.05" never split, nor
# does a quoted question the sentence goes on after.
_SENTENCE_BREAK = re.compile(
    r"\s*\n+\s*(?:[-*•]\s|\d+[.)]\s)?\s*|(?<=[.!?])\s+"
    # a quote that ends in ? or ! and goes on in lower case is inside the sentence:
    # "…fewer 'have you tried restarting?' replies"
    r"|(?<=[.!?])[\"')\]’”]+\s+(?![a-z])|\s+(?=-\s)"
)


@dataclass(slots=True)
class Sentence:
    """One sentence of one answer, with its character span in the document text."""

    index: int
    answer: int
    start: int
    end: int
    text: str
    is_question: bool = False
    is_stuffing: bool = False


class Hit(NamedTuple):
    """One match of a concept or a quantity in the document text."""

    name: str
    start: int
    end: int
    sentence: int
    negated: bool = False


# Builds a Hit from a 5-tuple without a Python-level __new__ (hits are made by the thousand).
make_hit = partial(tuple.__new__, Hit)


@dataclass
class Document:
    """A transcript analysed for the detectors: text, sentences and lookups."""

    text: str
    answers: list[str]
    sentences: list[Sentence]
    answer_offsets: list[int]
    quantities: Quantities = field(init=False)  # set by `analyse`
    words: list[str] = field(default_factory=list)  # lower-case \w+ tokens, in order
    positions: list[int] = field(default_factory=list)  # where each token starts
    _starts: list[int] = field(default_factory=list)

    def sentence_at(self, pos: int) -> int:
        """Index of the sentence containing character `pos`."""
        return max(0, bisect_right(self._starts, pos) - 1)

    def has_words(self, n: int) -> bool:
        """At least `n` words (runs of letters, digits and `'%$./-`), counting no further."""
        return sum(1 for _ in islice(_WORD.finditer(self.text), n)) >= n


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’%$./-]*")

# Separator between answers in the joined text: a paragraph break, so a
# sentence or clause never spans two answers.
ANSWER_SEPARATOR = "\n\n"


def _sentence_breaks(text: str) -> list[tuple[int, int]]:
    """The spans `_SENTENCE_BREAK.finditer(text)` gives, found by trying it only
    where a break can start.

    A break starts right after . ! ?, or where a run of white space begins that
    holds a line break or comes before "- ". Those places are found with
    `str.find`; the regex itself then decides at each, leftmost first, so the
    result is the same as scanning every character.
    """
    anchors: list[tuple[int, int]] = []  # (latest start, earliest start)
    for mark in ".!?":
        anchors += [(at + 1, at + 1) for at in find_all(text, mark)]
    size = len(text)
    for mark in "\n-":
        at = text.find(mark)
        while at >= 0:
            # the last white-space character the break may start from: the line
            # break itself, or the one before "- "
            last = at if mark == "\n" else at - 1
            if mark == "\n" or (
                last >= 0 and text[last].isspace() and at + 1 < size and text[at + 1].isspace()
            ):
                first = last
                while first > 0 and text[first - 1].isspace():
                    first -= 1
                anchors.append((last, first))
            at = text.find(mark, at + 1)
    if not anchors:
        return []
    anchors.sort()
    match = _SENTENCE_BREAK.match
    out: list[tuple[int, int]] = []
    covered = 0
    for last, first in anchors:
        if last < covered:
            continue
        found = match(text, max(first, covered))
        if found is not None:
            out.append(found.span())
            covered = found.end()
    return out


def split_sentences(text: str, answer: int, offset: int, first_index: int) -> list[Sentence]:
    """Split one answer into sentences, keeping absolute character spans."""
    out: list[Sentence] = []
    pos = 0
    pieces: list[tuple[int, int]] = []
    for start, end in _sentence_breaks(text):
        pieces.append((pos, start))
        pos = end
    pieces.append((pos, len(text)))
    for start, end in pieces:
        chunk = text[start:end]
        if chunk and not chunk[0].isspace() and not chunk[-1].isspace():
            stripped, s = chunk, start  # the usual case: breaks took the white space
        else:
            stripped = chunk.strip()
            if not stripped:
                continue
            s = start + len(chunk) - len(chunk.lstrip())
        e = s + len(stripped)
        # positional: index, answer, start, end, text, is_question
        out.append(
            Sentence(
                first_index + len(out),
                answer,
                offset + s,
                offset + e,
                stripped,
                stripped.rstrip(" )\"'").endswith("?"),
            )
        )
    return out


def analyse(answers: list[str]) -> Document:
    """Build the Document for a list of candidate answers."""
    parts: list[str] = []
    sentences: list[Sentence] = []
    offsets: list[int] = []
    pos = 0
    for i, answer in enumerate(answers):
        cleaned = normalise(answer)
        offsets.append(pos)
        sentences.extend(split_sentences(cleaned, i, pos, len(sentences)))
        parts.append(cleaned)
        pos += len(cleaned) + len(ANSWER_SEPARATOR)
    text = ANSWER_SEPARATOR.join(parts)
    doc = Document(text=text, answers=parts, sentences=sentences, answer_offsets=offsets)
    doc._starts = [s.start for s in sentences]
    doc.words, doc.positions = tokenise(text)
    doc.quantities = Quantities(doc)
    return doc


# ASCII text to tokens: upper case to lower, every non-word character (not \\w) to a space.
_ASCII_TOKEN_BYTES = bytes(
    ord(ch.lower()) if (ch.isalnum() or ch == "_") else ord(" ")
    for ch in (chr(i) for i in range(128))
) + bytes(range(128, 256))


def tokenise(text: str) -> tuple[list[str], list[int]]:
    """The lower-case \\w+ tokens of a text and where each starts.

    ASCII text (nearly every answer) goes through a byte translation table
    and `str.split`, several times quicker than a regex over every
    character; other text takes the regex.
    """
    if not text.isascii():
        # tokens of the text itself, lower-cased one by one: lower-casing the
        # whole text first can change its length ("İ" becomes two characters)
        # and shift every offset after it
        found = [(m[0].lower(), m.start()) for m in TOKEN.finditer(text)]
        return [w for w, _ in found], [p for _, p in found]
    parts = text.encode("ascii").translate(_ASCII_TOKEN_BYTES).decode("ascii").split(" ")
    # part k starts after the k parts before it and the k spaces between them
    starts = accumulate([len(part) + 1 for part in parts], initial=0)
    return list(compress(parts, parts)), list(compress(starts, parts))


_NORMALISE = str.maketrans(
    {
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "‑": "-",
        "‐": "-",
        "–": "-",
        "—": ", ",
        "→": "->",
        "×": "x",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
    }
)


def normalise(text: str) -> str:
    """Unify quotes, dashes, arrows and odd spaces so patterns stay simple."""
    if text.isascii():
        return text  # every character it changes is outside ASCII
    return text.translate(_NORMALISE)


# --- clauses and negation ----------------------------------------------------

_CLAUSE_BREAK = re.compile(r"[,;:()\[\]]|\s-\s|\bbut\b|\bwhile\b|\bwhereas\b|\bthough\b", re.I)


def _in_number(text: str, start: int, end: int) -> bool:
    """A comma or colon between two digits ("30,000 users", "10:30"): part of a number,
    not a clause break."""
    return (
        end == start + 1
        and start > 0
        and end < len(text)
        and text[start] in ",:"
        and text[start - 1].isdigit()
        and text[end].isdigit()
    )


NEGATION_CUES = re.compile(
    r"\b(?:not|no|never|nor|neither|without|cannot|can't|won't|wouldn't|don't|doesn't|"
    r"didn't|isn't|aren't|shouldn't|couldn't|haven't|hasn't|nothing|none|nobody|"
    r"instead\s+of|rather\s+than|skip(?:ping)?|avoid(?:ing)?|against|forget|"
    r"wouldnt|dont|doesnt|didnt|isnt|arent|cant|wont)\b",
    re.I,
)
# A negation after the concept: "guardrails aren't really a PM call".
POST_NEGATION = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:isn't|aren't|is\s+not|are\s+not|wasn't|won't\s+be|"
    r"not\s+needed|unnecessary|doesn't\s+matter|don't\s+matter|isnt|arent)\b",
    re.I,
)
NEGATION_WINDOW_WORDS = 5
CLAUSE_OPENING_WORDS = 4
CLAUSE_NEGATION = re.compile(
    r"\b(?:don't|do\s+not|won't|wouldn't|would\s+not|will\s+not|never|nor|neither|can't|cannot|"
    r"not\s+going\s+to|rather\s+not|no\s+need|dont|wont|wouldnt|cant)\b",
    re.I,
)
# "no more than 30 minutes", "never longer than a day": a bound, not a negation.
_BOUND = re.compile(
    r"\b(?:no|not|never)\s+(?:more|less|longer|later|fewer|worse|higher|lower|older)\s+than\b",
    re.I,
)
_BOUND_START = re.compile(r"\b(?:no|not|never)\s*$", re.I)
_THAN = re.compile(r"\s+than\b", re.I)
_NOT_ONLY = re.compile(r"\bnot\s+(?:just|only|merely)\b", re.I)


_NEGATION_TOKENS = frozenset(
    [
        "not",
        "no",
        "never",
        "nor",
        "neither",
        "without",
        "cannot",
        "nothing",
        "none",
        "nobody",
        "instead",
        "rather",
        "skip",
        "skipping",
        "avoid",
        "avoiding",
        "against",
        "forget",
        "t",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "cant",
        "wont",
        "wouldnt",
        "unnecessary",
        "needed",
        "matter",
    ]
)


_CLAUSE_BREAK_MARKS = ",;:()[]"
_CLAUSE_BREAK_WORDS = ("but", "while", "whereas", "though")


def clause_breaks(text: str, sentence: Sentence) -> list[tuple[int, int]]:
    """Where clauses break in a sentence (absolute spans), for `is_negated`.

    The same spans as `_CLAUSE_BREAK.finditer` over the sentence; on ASCII
    text the regex is only tried where a break can start (found with
    `str.find`), leftmost first.
    """
    base = sentence.start
    piece = text[base : sentence.end]
    if not piece.isascii():
        found = [(base + m.start(), base + m.end()) for m in _CLAUSE_BREAK.finditer(piece)]
        return [(a, b) for a, b in found if not _in_number(text, a, b)]
    lowered = piece.lower()
    starts: list[int] = []
    for needle in (*_CLAUSE_BREAK_MARKS, *_CLAUSE_BREAK_WORDS):
        starts += find_all(lowered, needle)
    starts += [at - 1 for at in find_all(piece, "-") if at]  # "\s-\s": the space before
    starts.sort()
    return [
        (base + a, base + b)
        for a, b in leftmost_matches(_CLAUSE_BREAK, piece, starts)
        if not _in_number(text, base + a, base + b)
    ]


def find_all(haystack: str, needle: str) -> list[int]:
    """Every position where `needle` occurs (overlapping ones too), in order."""
    out = []
    find = haystack.find
    at = find(needle)
    while at >= 0:
        out.append(at)
        at = find(needle, at + 1)
    return out


def leftmost_matches(
    pattern: re.Pattern[str] | LinearPattern, text: str, starts: list[int]
) -> list[tuple[int, int]]:
    """What `pattern.finditer(text)` gives, when every match starts at one of the
    sorted `starts` and none is empty: tried there, leftmost first, never
    inside the previous match."""
    match = pattern.match
    out: list[tuple[int, int]] = []
    covered = 0
    for at in starts:
        if at < covered:
            continue
        found = match(text, at)
        if found is not None:
            covered = found.end()
            out.append((at, covered))
    return out


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _inside_word(text: str, pos: int) -> bool:
    if 0 < pos < len(text):
        before, at = text[pos - 1], text[pos]
        return (before.isalnum() or before == "_") and (at.isalnum() or at == "_")
    return False


def _clause_bounds(
    text: str, start: int, end: int, sentence: Sentence, breaks: list[tuple[int, int]] | None
) -> tuple[int, int]:
    """Where the clause around `text[start:end]` begins and ends.

    With the sentence's `breaks` known this is a lookup; spans that start or
    end inside a word or a break are worked out from the text itself, as
    before, so the answer never depends on the shortcut.
    """
    s_start, s_end = sentence.start, sentence.end
    if breaks is not None and not _inside_word(text, start) and not _inside_word(text, end):
        clause_start, clause_end = s_start, s_end
        for b_start, b_end in breaks:
            if b_end <= start:
                clause_start = b_end
            elif b_start < start or (b_start < end < b_end):
                break  # a break across the span's edge: work it out the long way
            elif b_start >= end:
                clause_end = b_start
                return clause_start, clause_end
        else:
            return clause_start, clause_end
    before = text[s_start:start]
    found = [
        m
        for m in _CLAUSE_BREAK.finditer(before)
        if not _in_number(text, s_start + m.start(), s_start + m.end())
    ]
    clause_start = s_start + found[-1].end() if found else s_start
    after = text[end:s_end]
    cut = next(
        (
            m
            for m in _CLAUSE_BREAK.finditer(after)
            if not _in_number(text, end + m.start(), end + m.end())
        ),
        None,
    )
    clause_end = end + cut.start() if cut else s_end
    return clause_start, clause_end


def is_negated(
    text: str,
    start: int,
    end: int,
    sentence: Sentence,
    breaks: list[tuple[int, int]] | None = None,
) -> bool:
    """True when a negation cue governs the span `text[start:end]`.

    The scope is the clause around the span: up to five words before it, or a
    copula + "not" right after it ("guardrails aren't really a PM call").
    `breaks` (from `clause_breaks`) saves finding the clause again per span.
    """
    clause_start, clause_end = _clause_bounds(text, start, end, sentence, breaks)
    return _negated_in_clause(text, start, end, clause_start, clause_end, True, True)


def _negated_in_clause(
    text: str,
    start: int,
    end: int,
    clause_start: int,
    clause_end: int,
    cue_before: bool,
    cue_after: bool,
) -> bool:
    if cue_before:
        words = _unquoted(text[clause_start:start]).split()
        window = " ".join(words[-NEGATION_WINDOW_WORDS:])
        # "not just X but Y", "not only X" and "no more than X" do not negate X.
        window = _BOUND.sub(" ", window)
        if _BOUND_START.search(window) and _THAN.match(text, end):
            window = _BOUND_START.sub(" ", window)  # the match is the bound: "no older than"
        if NEGATION_CUES.search(window) and not _NOT_ONLY.search(window):
            return True
        # "I wouldn't tie this to one number like acceptance rate": a clause that opens
        # with a negated verb negates everything in it.
        opening = " ".join(words[:CLAUSE_OPENING_WORDS])
        if len(words) > NEGATION_WINDOW_WORDS and CLAUSE_NEGATION.search(opening):
            return True
    return cue_after and bool(POST_NEGATION.search(_unquoted(text[end:clause_end])))


# A quoted phrase is a name, not the speaker's negation: returns marked 'not as
# described', the "no-show" rate. An opening quote follows no word character (so the
# apostrophe of "don't" opens nothing) and the closing one is followed by none.
_QUOTED = re.compile(
    r"""(?<!\w)'(?=\S)[^'\n]{1,80}?(?<=\S)'(?!\w)"""
    r"""|(?<!\w)"(?=\S)[^"\n]{1,80}?(?<=\S)"(?!\w)"""
    r"|\u201c[^\u201d\n]{1,80}\u201d|\u2018[^\u2019\n]{1,80}\u2019(?!\w)"
)


def _unquoted(text: str) -> str:
    """`text` with every quoted phrase blanked out (same length)."""
    if "'" not in text and '"' not in text and "\u201c" not in text and "\u2018" not in text:
        return text
    return _QUOTED.sub(lambda m: " " * len(m.group()), text)


class NegationScope:
    """Negation decisions for the spans of one document, sharing the work.

    Every cue the negation patterns know contains one of `_NEGATION_TOKENS`,
    so a clause with no such token before (or after) a span needs no pattern
    run on that side; clause breaks are found once per sentence.
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        cues = list(compress(doc.positions, map(_NEGATION_TOKENS.__contains__, doc.words)))
        starts = doc._starts
        self.sentences = {max(0, bisect_right(starts, pos) - 1) for pos in cues}
        # on ASCII text a cue pattern can only match where a cue token is; other
        # text may hold case-folding surprises ("ſkip"), so no shortcut there
        self.cues: list[int] | None = cues if doc.text.isascii() else None
        self._breaks: dict[int, list[tuple[int, int]]] = {}

    def negated(self, start: int, end: int, si: int) -> bool:
        """Is the span `start:end` of sentence `si` negated (as `is_negated` says)?"""
        if si not in self.sentences:
            return False
        doc = self.doc
        sentence = doc.sentences[si]
        breaks = self._breaks.get(si)
        if breaks is None:
            breaks = self._breaks[si] = clause_breaks(doc.text, sentence)
        clause_start, clause_end = _clause_bounds(doc.text, start, end, sentence, breaks)
        cues = self.cues
        if cues is None or _inside_word(doc.text, start) or _inside_word(doc.text, end):
            # a span cut inside a word leaves part of a word next to it, which
            # may read as a cue ("No|tion"): no shortcut then
            before = after = True
        else:
            i = bisect_left(cues, clause_start)
            before = i < len(cues) and cues[i] < start
            j = bisect_left(cues, end)
            after = j < len(cues) and cues[j] < clause_end
            if not (before or after):
                return False
        return _negated_in_clause(doc.text, start, end, clause_start, clause_end, before, after)


# --- quantities --------------------------------------------------------------

_UNIT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_TEEN_WORDS = (
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen",
)  # fmt: skip
_TENS_WORDS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
# Numbers in words: "seven", "seventeen", "thirty-five", "forty thousand", "a hundred".
_NUMBER_WORDS = (
    rf"(?:{'|'.join(_TENS_WORDS)})(?:[\s-](?:{'|'.join(_UNIT_WORDS)})\b)?"
    rf"|{'|'.join(_TEEN_WORDS)}|{'|'.join(_UNIT_WORDS)}"
    r"|hundred|a\s+hundred|a\s+thousand|a\s+dozen|half\s+a|a\s+few"
)
NUM = (
    rf"(?:[~≈+\-±]?\s?\$?\d[\d,]*(?:\.\d+)?\s?(?:k|m|bn|million|thousand)?"
    rf"|(?:{_NUMBER_WORDS})(?:\s+(?:hundred|thousand|million))?(?:\s+and\s+a\s+half)?)"
)
_FRACTION = (
    r"(?:a|one)\s+(?:half|third|quarter|fifth|sixth|seventh|eighth|tenth)|"
    r"half|double[sd]?|doubling|triple[sd]?|\d+(?:\.\d+)?\s?x\b"
)
_POPULATION_NOUNS = (
    r"users?|people|writers?|teams?|accounts?|workspaces?|customers?|students?|"
    r"teachers?|schools?|campaigns?|senders?|sessions?|agents?|orgs?|organi[sz]ations?|"
    r"companies|tenants?|seats?|members?|participants?|respondents?|tickets?|documents?|"
    r"docs?|emails?|clinics?|firms?|reps?|accounts?|sign-?ups?|subscribers?|creators?|"
    r"authors?|editors?|learners?|households?|merchants?|shops?|stores?|devices?|"
    r"installs?|requests?|queries|summaries|threads?|conversations?|chats?|samples?|"
    r"outputs?|suggestions?|rewrites?|drafts?|letters?|replies|messages?|examples?|"
    r"transcripts?|calls?|meetings?|pairs?|prompts?|cases?|groups?|cohorts?|classes?"
)

QUANTITY_PATTERNS: dict[str, re.Pattern[str]] = {
    # a percentage, percentage points, or a relative change
    "percent": re.compile(
        rf"{NUM}\s?(?:%|percent\b|per\s?cent\b|pct\b|percentage\s+points?\b|pp\b|"
        rf"points?\b|pts?\b|basis\s+points\b|bps\b)",
        re.I,
    ),
    "fraction": re.compile(rf"\b(?:{_FRACTION})\b", re.I),
    # "from 30% to 36%", "27 -> 33", "4.1 to 4.3 out of 5", "8 to 10"
    "from_to": re.compile(
        rf"(?:\bfrom\s+(?:about\s+|around\s+|roughly\s+|~)?{NUM}\s?(?:%|percent|points?|pts?)?"
        rf"\s+(?:to|->)\s+{NUM})|(?:{NUM}\s?%?\s?->\s?{NUM})",
        re.I,
    ),
    "duration": re.compile(
        rf"{NUM}\s?(?:ms\b|milli-?seconds?\b|s\b|secs?\b|seconds?\b|minutes?\b|mins?\b)", re.I
    ),
    # a longer span of time: freshness, retention, test length, a rollout phase
    "period": re.compile(
        rf"{NUM}\s?(?:hours?\b|hrs?\b|h\b|days?\b|weeks?\b|wks?\b|months?\b|quarters\b|years?\b)",
        re.I,
    ),
    "latency": re.compile(rf"{NUM}\s?(?:ms\b|milli-?seconds?\b)|\bp9[059]\b|\bp50\b", re.I),
    "money": re.compile(
        rf"\$\s?\d[\d,.]*\s?(?:k|m|bn|million|thousand)?|{NUM}\s?(?:dollars?|cents?|usd|eur|€|£)\b"
        r"|\b(?:a|one|two|three|half\s+a)\s+cents?\b|[€£]\s?\d[\d,.]*",
        re.I,
    ),
    "population": re.compile(
        rf"{NUM}\s?(?:[a-z][\w-]*\s+){{0,2}}?(?:{_POPULATION_NOUNS})\b",
        re.I,
    ),
    "equity": re.compile(r"\d?\.\d+\s?%|0\.0\d+\s?%", re.I),
    "number": re.compile(
        rf"(?<![\w.])\d[\d,]*(?:\.\d+)?\s?(?:k|m)?\b|\b(?:{_NUMBER_WORDS})\b", re.I
    ),
}
QUANTITY_KINDS = frozenset(QUANTITY_PATTERNS)


TOKEN = re.compile(r"\w+")
# Words a quantity can start with (besides digits): number words, fractions, "from".
_QUANTITY_START_WORDS = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        *_TEEN_WORDS,
        *_TENS_WORDS,
        "hundred",
        "a",
        "half",
        "double",
        "doubles",
        "doubled",
        "doubling",
        "triple",
        "tripled",
        "triples",
        "from",
        "p50",
        "p90",
        "p95",
        "p99",
    ]
)
_QUANTITY_LEAD_CHARS = frozenset("$€£~≈+±-.")


# Start words only one kind of quantity can begin with.
_START_WORD_KIND = {
    "from": "from_to",
    "p50": "latency",
    "p90": "latency",
    "p95": "latency",
    "p99": "latency",
    "double": "fraction",
    "doubles": "fraction",
    "doubled": "fraction",
    "doubling": "fraction",
    "triple": "fraction",
    "tripled": "fraction",
    "triples": "fraction",
}
# "a" starts a quantity only before one of these ("a hundred", "a third", "a cent"...).
_AFTER_A = (
    "hundred",
    "thousand",
    "dozen",
    "few",
    "cent",
    "half",
    "third",
    "quarter",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "tenth",
)


def _quantity_starts(doc: Document, prune: bool = True) -> list[tuple[int, str | None]]:
    """Positions where a quantity may start, each with the one kind it is for (or None).

    These are the tokens that are number words (or "from", "p95"...) or start
    with a digit, and the sign or currency character just before one. "from"
    only starts a `from_to`, "p95" a `latency`..., and "a" is left out unless
    a word like "hundred", "third" or "cent" follows. `prune=False` keeps
    every start for every kind (the reference the tests compare against).
    """
    text = doc.text
    words = doc.words
    positions = doc.positions
    last = len(words) - 1
    found: list[tuple[int, str | None]] = []
    for i in compress(range(len(words)), map(_QUANTITY_START_WORDS.__contains__, words)):
        word = words[i]
        if not prune:
            found.append((positions[i], None))
        elif word != "a" or (i < last and words[i + 1].startswith(_AFTER_A)):
            found.append((positions[i], _START_WORD_KIND.get(word)))
    if text.isascii():
        # tokens led by a digit: digits with no word character before them
        found += [
            (p, None)
            for p in digit_positions(text)
            if not p or not (text[p - 1].isalnum() or text[p - 1] == "_")  # `_is_word_char`
        ]
    else:
        found += [
            (pos, None) for word, pos in zip(words, positions, strict=True) if word[0].isdigit()
        ]
    found.sort()
    starts: list[tuple[int, str | None]] = []
    for pos, only in found:
        if pos and text[pos - 1] in _QUANTITY_LEAD_CHARS:
            starts.append((pos - 1, only))
        starts.append((pos, only))
    return starts


# The text `digit_positions` last read and what it found: the raw phrases and the
# quantities of one document both ask for its digits, one right after the other.
_last_digits: tuple[str, list[int]] = ("", [])


def digit_positions(text: str) -> list[int]:
    """Sorted positions of the ASCII digits in `text` (a new list)."""
    global _last_digits
    known = _last_digits
    if known[0] is text:
        return list(known[1])
    out: list[int] = []
    for digit in "0123456789":
        out += find_all(text, digit)
    out.sort()
    _last_digits = (text, out)
    return list(out)


class Quantities(dict[str, list[Hit]]):
    """Quantities by kind, each kind found the first time a rule asks for it."""

    def __init__(self, doc: Document) -> None:
        super().__init__()
        self.doc = doc
        self.starts: list[tuple[int, str | None]] | None = None

    def possible_in(self, si: int) -> bool:
        """Could any quantity start in sentence `si`? (False: none of any kind can.)"""
        if self.starts is None:
            self.starts = _quantity_starts(self.doc)
        starts = self.doc._starts
        begin = starts[si]
        end = starts[si + 1] if si + 1 < len(starts) else len(self.doc.text)
        i = bisect_left(self.starts, (begin,))
        return i < len(self.starts) and self.starts[i][0] < end

    def starts_for(self, kind: str) -> list[int]:
        """Where a quantity of `kind` may start."""
        if self.starts is None:
            self.starts = _quantity_starts(self.doc)
        return [pos for pos, only in self.starts if only is None or only == kind]

    def __missing__(self, kind: str) -> list[Hit]:
        hits = self[kind] = _find_kind(self.doc, kind, self.starts_for(kind))
        return hits


def find_quantities(doc: Document) -> dict[str, list[Hit]]:
    """Every quantity in the document, by kind (leftmost, non-overlapping per kind).

    Tries every start for every kind: the reference the lazy lookup is tested against.
    """
    starts = [pos for pos, _ in _quantity_starts(doc, prune=False)]
    return {kind: _find_kind(doc, kind, starts) for kind in QUANTITY_PATTERNS}


def _find_kind(doc: Document, kind: str, starts: list[int]) -> list[Hit]:
    """One kind of quantity, tried only where a quantity can start."""
    scan = QuantityScan(doc, kind, starts)
    scan.advance(len(doc.text) + 1)
    return scan.hits


class QuantityScan:
    """One kind of quantity, found start by start only as far as asked.

    The starts are tried in order, leftmost first and never inside the last
    match, so asking sentence by sentence gives the same hits as one pass
    over the whole document; a rule that settles early never pays for the
    rest. Reads like a `dict` from sentence index to hits (`get`, `keys`).
    """

    __slots__ = ("by_sentence", "covered", "doc", "hits", "kind", "next", "starts")

    def __init__(self, doc: Document, kind: str, starts: list[int]) -> None:
        self.doc = doc
        self.kind = kind
        self.starts = starts
        self.next = 0  # index of the first start not tried yet
        self.covered = -1  # end of the last match
        self.hits: list[Hit] = []
        self.by_sentence: dict[int, list[Hit]] = {}

    def advance(self, limit: int) -> None:
        """Try every start before position `limit`."""
        starts = self.starts
        i = self.next
        n = len(starts)
        if i >= n or starts[i] >= limit:
            return
        text = self.doc.text
        sentence_starts = self.doc._starts
        match = QUANTITY_PATTERNS[self.kind].match
        kind = self.kind
        covered = self.covered
        hits = self.hits
        by_sentence = self.by_sentence
        while i < n:
            pos = starts[i]
            if pos >= limit:
                break
            i += 1
            if pos < covered:
                continue
            m = match(text, pos)
            if m is None:
                continue
            start, end = m.span()
            if not text[start:end].strip():
                continue
            si = bisect_right(sentence_starts, start) - 1
            if si < 0:
                si = 0
            hit = make_hit((kind, start, end, si, False))
            hits.append(hit)
            bucket = by_sentence.get(si)
            if bucket is None:
                by_sentence[si] = [hit]
            else:
                bucket.append(hit)
            covered = end
        self.next = i
        self.covered = covered

    def get(self, si: int, default: list[Hit] | None = None) -> list[Hit] | None:
        """The hits that start in sentence `si`."""
        starts = self.doc._starts
        self.advance(starts[si + 1] if si + 1 < len(starts) else len(self.doc.text) + 1)
        return self.by_sentence.get(si, default)

    def keys(self) -> KeysView[int]:
        """Every sentence with a hit (finds them all)."""
        self.advance(len(self.doc.text) + 1)
        return self.by_sentence.keys()

    def __bool__(self) -> bool:
        return True  # not known without finding them all: callers ask by sentence


# --- concept phrases ---------------------------------------------------------


_GAP = r"(?:[\s-]+[\w'/%$.-]+){0,3}?"
_LEAD = r"(?<![\w])"
_TAIL = r"(?![\w])"
RAW_PREFIXES = ("re:", "re2:")  # a raw Python regex; a raw regex for the linear engine

# The same phrase parts for RE2 (`linear_phrase`), with Python's \w and \s.
_SEP_LINEAR = rf"[{SPACE_CLASS}-]+"
_STAR_LINEAR = rf"[{WORD_CLASS}'-]*"
_GAP_LINEAR = rf"(?:{_SEP_LINEAR}[{WORD_CLASS}'/%$.-]+){{0,3}}?"


def raw_body(phrase: str) -> str | None:
    """The regex of a raw phrase (`re:` or `re2:`), or None for a plain phrase."""
    for prefix in RAW_PREFIXES:
        if phrase.startswith(prefix):
            return phrase[len(prefix) :]
    return None


def needs_linear_engine(phrase: str) -> bool:
    """Could a backtracking engine take more than linear time on this plain phrase?

    Words are joined by runs of spaces or hyphens, a `word*` ending takes
    hyphens too, and a `..` gap takes up to three words made partly of
    hyphens: wherever two such parts meet, a long run of hyphens can be split
    between them in many ways, and a text that almost matches makes `re` try
    them all (a phrase like `compare .. across` took minutes on "compare"
    followed by 60 hyphens). That happens with a gap, a starred word that is
    not the last, or a word after the first that starts with a hyphen. Such
    phrases are matched by RE2 (`linear_phrase`), with the same results.
    """
    words = phrase.split()
    return (
        ".." in words
        or any(word.endswith("*") for word in words[:-1])
        or any(word.startswith("-") for word in words[1:])
    )


def _phrase_parts(phrase: str, sep: str, star: str, gap: str) -> tuple[str, bool, bool]:
    """The body of a plain phrase's regex, and whether it needs word boundaries
    before (it starts with a word character) and after (it ends with one)."""
    body = ""
    pending_gap = False
    for word in phrase.split():
        if word == "..":
            pending_gap = True
            continue
        token = re.escape(word.rstrip("*")) + (star if word.endswith("*") else "")
        body = body + (gap if pending_gap else "") + sep + token if body else token
        pending_gap = False
    lead = re.match(r"\w", phrase) is not None
    tail = re.search(r"[\w*]$", phrase) is not None and not phrase.endswith("*")
    return body, lead, tail


def linear_phrase(phrase: str) -> LinearPattern:
    """A plain phrase as an RE2 pattern: what `compile_phrases([phrase])` matches."""
    body, lead, tail = _phrase_parts(phrase, _SEP_LINEAR, _STAR_LINEAR, _GAP_LINEAR)
    return LinearPattern(body, lead=lead, tail=tail)


def compile_phrases(phrases: list[str]) -> re.Pattern[str]:
    """Compile a concept's phrase list into one regular expression.

    Phrase syntax: words separated by spaces match any run of spaces or
    hyphens; a trailing `*` matches any word ending (`randomi*`); `..` stands
    for up to three intervening words; a phrase starting with `re:` (or
    `re2:`) is a raw regular expression. Matching is case-insensitive on word
    boundaries.
    """
    alternatives = []
    for phrase in phrases:
        raw = raw_body(phrase)
        if raw is not None:
            alternatives.append(f"(?:{raw})")
            continue
        body, lead, tail = _phrase_parts(phrase, r"[\s-]+", r"[\w'-]*", _GAP)
        alternatives.append((_LEAD if lead else "") + body + (_TAIL if tail else ""))
    return re.compile("|".join(alternatives), re.I)
