"""The scorer's shortcuts give exactly what the plain way gives.

Each speed-up in `bot.core.text`, `bot.core.detectors` and `bot.core._regex_plan`
replaces a plain computation (a regex over every character, a pattern tried at
every word, negation worked out span by span) with a cheaper one that must give
the same answer. These tests run both on every labelled answer we have plus a
deterministic set of awkward generated texts, and compare.
"""

from __future__ import annotations

import random
import re
from itertools import chain

import pytest

from bot.core._regex_plan import (
    anchor_positions,
    literal_prefixes,
    plan_for,
    search_planned,
)
from bot.core.detectors import _FIRST_WORD, Analysis, Lexicon
from bot.core.scenarios import Catalogue, load_file, read_common
from bot.core.text import (
    _CLAUSE_BREAK,
    _NEGATION_TOKENS,
    _NORMALISE,
    _SENTENCE_BREAK,
    QUANTITY_PATTERNS,
    TOKEN,
    NegationScope,
    QuantityScan,
    Sentence,
    _in_number,
    _sentence_breaks,
    analyse,
    clause_breaks,
    compile_phrases,
    digit_positions,
    find_quantities,
    is_negated,
    normalise,
    split_sentences,
    tokenise,
)
from tests.conftest import DATA, SCENARIOS, load_jsonl

FRAGMENTS = [
    "We ran an A/B test on 20k users",
    " - ",
    "\n\n- ",
    "\n1. ",
    "don't",
    "isn't",
    " not ",
    " but ",
    "BUT",
    "while",
    "whereas",
    "though",
    "no more than",
    "from 30% to 36%",
    "p95 < 300 ms",
    "$172k",
    "$ 185,000",
    "0.05",
    "3.5x",
    "a third of a second",
    "a hundred",
    "a few",
    "one in ten",
    "e.g.",
    "?",
    "!",
    '"',
    ")",
    "]",
    ",",
    ";",
    ":",
    "(",
    "\t",
    "\u2028",
    "\u00a0",
    "naïve",
    "İ",
    "👍",
    "✅",
    "→",
    "—",
    "’s",
    "writer's own voice",
    "teams versus enterprise",
    "x = foo.bar(",
    "import os",
    "```",
    "c++",
    "in-region",
    "on-call",
    "sign-off",
    "1,000",
    "10.",
    ".5",
    "±5",
    "_",
    "abc_def",
    "2024",
    "a cent",
    "a dozen",
    "half a",
    "doubled",
    "from about 4.1 to 4.3",
    "p99",
    "$ 30k",
    "~5",
    "-3 points",
    "20 users",
    "5\nusers",
]


def _generated(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        pieces = rng.choices(FRAGMENTS, k=rng.randint(1, 12))
        out.append(" ".join(pieces) if rng.random() < 0.5 else "".join(pieces))
    return out


def _labelled_answers() -> list[str]:
    files = chain(
        DATA.glob("*.jsonl"), (DATA / "adversarial").glob("*.jsonl"), DATA.glob("*/*.jsonl")
    )
    seen: dict[str, None] = {}
    for path in files:
        for row in load_jsonl(path):
            for answer in row["answers"]:
                seen.setdefault(answer, None)
    return list(seen)


ANSWERS = _labelled_answers()
TEXTS = [normalise(a) for a in ANSWERS] + _generated(1500, seed=7)


@pytest.fixture(scope="module")
def lexicons(catalogue: Catalogue) -> list[Lexicon]:
    custom = load_file(DATA / "custom" / "data-platform-pm.toml", read_common(SCENARIOS))
    return [s.lexicon for s in catalogue] + [custom.lexicon]


def test_there_is_enough_to_compare() -> None:
    assert len(ANSWERS) > 400
    assert any(not t.isascii() for t in TEXTS) and any("\n" in t for t in TEXTS)


def test_normalise_leaves_ascii_alone() -> None:
    # `normalise` skips ASCII text: that is only right while it maps no ASCII character
    assert all(code > 127 for code in _NORMALISE)
    assert normalise("it’s – fine") == "it's - fine"


def test_tokens_match_the_regex() -> None:
    for text in TEXTS + [t.upper() for t in TEXTS[:200]]:
        found = [(m[0].lower(), m.start()) for m in TOKEN.finditer(text)]
        words, positions = tokenise(text)
        assert list(zip(words, positions, strict=True)) == found, text


def test_sentence_breaks_match_the_regex() -> None:
    for text in TEXTS:
        expected = [m.span() for m in _SENTENCE_BREAK.finditer(text)]
        assert _sentence_breaks(text) == expected, text


def test_clause_breaks_match_the_regex() -> None:
    for text in TEXTS:
        sentence = Sentence(0, 0, 0, len(text), text)
        # a comma or colon between two digits ("30,000") is part of a number, not a break
        expected = [
            m.span() for m in _CLAUSE_BREAK.finditer(text) if not _in_number(text, *m.span())
        ]
        assert clause_breaks(text, sentence) == expected, text


def test_negation_scope_agrees_with_is_negated() -> None:
    rng = random.Random(11)
    checked = negated = 0
    for answer in TEXTS:
        doc = analyse([answer])
        scope = NegationScope(doc)
        # the scorer only looks closer at sentences with a negation word in them
        with_cue = {
            doc.sentence_at(m.start())
            for m in TOKEN.finditer(doc.text.lower())
            if m[0] in _NEGATION_TOKENS
        }
        for sentence in doc.sentences:
            # every word start, and some random spans (which may start mid-word)
            spans = [
                (m.start(), m.end()) for m in TOKEN.finditer(doc.text, sentence.start, sentence.end)
            ]
            for _ in range(3):
                if sentence.end - sentence.start > 2:
                    a = rng.randrange(sentence.start, sentence.end - 1)
                    spans.append((a, rng.randrange(a + 1, sentence.end + 1)))
            for start, end in spans:
                expected = sentence.index in with_cue and is_negated(doc.text, start, end, sentence)
                assert scope.negated(start, end, sentence.index) == expected, (
                    doc.text,
                    doc.text[start:end],
                )
                checked += 1
                negated += expected
    assert checked > 10_000 and negated > 500


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("Notion is not the point here.", "tion is"),  # "No|tion": a cue from half a word
        ("We tried Motion, not Notion.", "tion"),
        ("Hist is wrong; the xarent is fine.", "xa"),
        ("Nobody cares; notably it is fine.", "tably"),
    ],
)
def test_negation_of_spans_cut_inside_a_word(text: str, span: str) -> None:
    doc = analyse([text])
    start = doc.text.index(span)
    end = start + len(span)
    sentence = doc.sentences[doc.sentence_at(start)]
    scope = NegationScope(doc)
    expected = sentence.index in scope.sentences and is_negated(doc.text, start, end, sentence)
    assert scope.negated(start, end, sentence.index) == expected


def test_sentences_match_the_plain_split() -> None:
    for text in TEXTS + [f"  {t}  " for t in TEXTS[:300]]:
        pieces, pos = [], 0
        for m in _SENTENCE_BREAK.finditer(text):
            pieces.append((pos, m.start()))
            pos = m.end()
        pieces.append((pos, len(text)))
        expected = []
        for start, end in pieces:
            chunk = text[start:end]
            stripped = chunk.strip()
            if stripped:
                lead = len(chunk) - len(chunk.lstrip())
                expected.append((start + lead, start + lead + len(stripped), stripped))
        found = [(s.start, s.end, s.text) for s in split_sentences(text, 0, 0, 0)]
        assert found == expected, text


def test_pruned_quantity_starts_find_the_same_quantities() -> None:
    for text in TEXTS:
        doc = analyse([text])
        reference = find_quantities(doc)  # every start tried for every kind
        for kind, hits in reference.items():
            assert doc.quantities[kind] == hits, (kind, text)


def test_quantities_asked_sentence_by_sentence_are_the_same() -> None:
    rng = random.Random(5)
    for text in TEXTS[::3]:
        doc = analyse([text, text[::-1]])
        for kind in QUANTITY_PATTERNS:
            full: dict[int, list] = {}
            for hit in doc.quantities[kind]:
                full.setdefault(hit.sentence, []).append(hit)
            scan = QuantityScan(doc, kind, doc.quantities.starts_for(kind))
            order = list(range(len(doc.sentences)))
            rng.shuffle(order)
            for si in order[: len(order) // 2]:  # part of the way, in any order
                assert (scan.get(si) or []) == full.get(si, []), (kind, text)
            assert {k: scan.get(k) for k in list(scan.keys())} == full


def _raw_phrases(lexicon: Lexicon) -> list[tuple[str, str]]:
    return [
        (name, phrase)
        for name, items in lexicon.phrases.items()
        for phrase in items
        if phrase.startswith("re:")
    ]


def test_planned_search_matches_finditer(lexicons: list[Lexicon]) -> None:
    ascii_texts = [t for t in TEXTS if t.isascii()]
    planned = 0
    for lexicon in lexicons:
        for _name, phrase in _raw_phrases(lexicon):
            pattern = compile_phrases([phrase])
            plan = plan_for(pattern)
            if plan.anchors is None:
                continue
            planned += 1
            for text in ascii_texts:
                expected = [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
                starts = anchor_positions(plan, text, text.lower(), digit_positions(text))
                assert search_planned(plan, text, starts) == expected, (phrase, text)
    assert planned > 40


def test_required_texts_are_really_required(lexicons: list[Lexicon]) -> None:
    for lexicon in lexicons:
        for _name, phrase in _raw_phrases(lexicon):
            pattern = compile_phrases([phrase])
            plan = plan_for(pattern)
            for text in TEXTS:
                if not text.isascii():
                    continue
                haystack = text.lower() if plan.ignore_case else text
                if pattern.search(text):
                    for options in plan.required:
                        assert any(lit in haystack for lit in options), (phrase, text)


def _tried_at_word_starts(phrase: str) -> bool:
    """The documented rule for where a phrase may match (docs/scenarios.md): a
    plain phrase that starts with a word character, or a raw regex whose every
    alternative starts with literal word text, is tried at every word start;
    anything else is searched for (leftmost first, not inside its own last
    match). A raw regex that must start at a word (`\\b` first) is indexed by
    word yet must give what the search gives."""
    if not phrase.startswith("re:"):
        return bool(_FIRST_WORD.match(phrase[:1]))
    prefixes = literal_prefixes(phrase[3:])
    return bool(prefixes) and all(_FIRST_WORD.match(p) for p in prefixes)


def _reference_scan(
    phrases: list[tuple[str, re.Pattern[str], bool]], text: str
) -> dict[str, list[tuple[int, int]]]:
    """Every phrase tried at every word start, or searched through the whole text."""
    word_starts = [m.start() for m in _FIRST_WORD.finditer(text)]
    spans: dict[str, list[tuple[int, int]]] = {}
    for name, pattern, at_word_starts in phrases:
        if at_word_starts:
            found = []
            for pos in word_starts:
                m = pattern.match(text, pos)
                if m and m.end() > pos:
                    found.append((pos, m.end()))
        else:
            found = [m.span() for m in pattern.finditer(text) if m.end() > m.start()]
        spans.setdefault(name, []).extend(found)
    out = {}
    for name, items in spans.items():
        items.sort(key=lambda s: (s[0], -s[1]))
        kept: list[tuple[int, int]] = []
        for span in items:
            if not kept or span[0] >= kept[-1][1]:
                kept.append(span)
        if kept:
            out[name] = kept
    return out


def test_word_index_finds_what_trying_everywhere_finds(lexicons: list[Lexicon]) -> None:
    # Words are looked up lower-cased; a letter whose lower case is two
    # characters ("İ") is the one place that differs from the regex's own
    # case folding, so texts with one are left out here.
    texts = [t for t in TEXTS[::4] if all(len(ch.lower()) == 1 for ch in t)]
    for lexicon in lexicons:
        phrases = [
            (name, compile_phrases([phrase]), _tried_at_word_starts(phrase))
            for name, items in lexicon.phrases.items()
            for phrase in items
        ]
        for text in texts:
            assert lexicon.scan(text) == _reference_scan(phrases, text), text


def test_analysis_tables_hold_every_match_once(lexicons: list[Lexicon]) -> None:
    # affirmed + negated + not yet settled = everything the scan found
    lexicon = lexicons[0]
    for text in TEXTS[:300]:
        doc = analyse([text])
        analysis = Analysis(doc, lexicon)
        found = lexicon.scan(doc.text, doc.words, doc.positions)
        for name, spans in found.items():
            counts = analysis.span_counts(name)
            assert sum(counts.values()) == len(spans)
            hits = [
                (h.start, h.end)
                for table in (analysis.affirmed[name], analysis.negated[name])
                for bucket in table.values()
                for h in bucket
            ]
            assert sorted(hits) == spans


def test_unanchored_raw_phrase_is_flagged() -> None:
    lexicon = Lexicon(
        {
            "slow": [r"re:[a-z]+\d"],  # nothing to start from, nothing it must contain
            "fine": [r"re:\bslow\w*", r"re:\d+k\b", r"re:\w+ing\b", "re:👍"],
        }
    )
    assert lexicon.unanchored == [("slow", r"re:[a-z]+\d")]
