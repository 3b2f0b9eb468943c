"""Evidence quotes a candidate can read: whole words, the figure kept, and hedged
statements ("…, I think?") scored as the statements they are."""

from __future__ import annotations

from bot.core.scorer import EVIDENCE_CHARS, hedged, score_answers, shorten
from bot.core.text import Hit, analyse, clause_breaks

MONITORING = (
    "Once it's live, I'd watch acceptance and the number of 'this sounds wrong' reports every "
    "day; if reports go over 0.5% of rewrites or acceptance drops 3 points week over week, it "
    "pages the on-call ML engineer and we roll back to the previous model."
)


def _hits_on(text: str, *words: str) -> list[Hit]:
    return [Hit("w", text.index(w), text.index(w) + len(w), 0) for w in words]


def _parts(quote: str) -> list[str]:
    return [p.strip("… ") for p in quote.split(" … ")]


def test_a_long_quote_leaves_out_whole_clauses_not_half_words() -> None:
    """Found by playing: every clause matched, joined they ran past the limit and the
    quote ended "…we roll back to the prev…"."""
    doc = analyse([MONITORING])
    hits = _hits_on(MONITORING, "live", "watch", "0.5%", "pages", "roll back")
    quote = shorten(doc, doc.sentences[0], hits)
    assert len(quote) <= EVIDENCE_CHARS + 2  # with its two ellipses
    assert "0.5%" in quote and "roll back to the previous model" in quote
    for part in _parts(quote):
        assert part in MONITORING  # whole clauses of the answer, nothing cut inside a word
        start = MONITORING.index(part)
        end = start + len(part)
        assert start == 0 or not MONITORING[start - 1].isalnum()
        assert end == len(MONITORING) or not MONITORING[end].isalnum()


def test_one_very_long_clause_is_cut_at_a_word_and_keeps_its_figure() -> None:
    text = (
        "We would " + "carefully and patiently " * 12 + "look at the share of summaries "
        "that people keep open for more than ten seconds which should rise to 38 percent "
        + "over the following weeks "
        * 6
    )
    doc = analyse([text])
    quote = shorten(doc, doc.sentences[0], _hits_on(text, "38 percent"))
    assert len(quote) <= EVIDENCE_CHARS + 2  # with its two ellipses
    assert "38 percent" in quote
    for part in _parts(quote):
        assert part in text
        start = text.index(part)
        end = start + len(part)
        assert start == 0 or not text[start - 1].isalnum()
        assert end == len(text) or not text[end].isalnum()


def test_a_short_sentence_is_quoted_whole() -> None:
    text = "If reports pass 0.5% of rewrites, the on-call engineer is paged."
    doc = analyse([text])
    assert shorten(doc, doc.sentences[0], _hits_on(text, "0.5%")) == text


def test_a_statement_ending_in_a_hedge_tag_is_scored(catalogue) -> None:
    """ "…, I think?" hedges a claim; it is not a question back to the interviewer."""
    scenario = catalogue.get("auto-summarize")
    said = (
        "People open the summary to see what they have to do. If the summary leads with the "
        "decisions and who owns them, they stop scrolling back through the thread"
    )
    plain = score_answers(scenario, [said + "."]).criteria["causal_mechanism"]
    assert plain.met
    for hedge in (", I think?", ", I guess?", ", maybe?"):
        assert score_answers(scenario, [said + hedge]).criteria["causal_mechanism"].met, hedge
    for asked in (", right?", "?"):  # a tag question, a bare rising tone with no figure
        assert not score_answers(scenario, [said + asked]).criteria["causal_mechanism"].met
    question = "Should the summary lead with the decisions so they stop scrolling back, I think?"
    assert not score_answers(scenario, [question]).criteria["causal_mechanism"].met


def test_hedged_is_a_tag_at_the_end_only() -> None:
    assert hedged("AUC went to 0.9, I think?")
    assert hedged("they'd keep it open, probably?")
    assert not hedged("I think we should ship it?")  # the hedge opens it: still rising, no tag
    assert not hedged("Should we do that?")


def test_a_thousands_comma_is_not_a_clause_break() -> None:
    """Found by playing: "…a random half of roughly 30 … and we switch everyone over…" cut
    "30,000 active users" at its comma."""
    text = "We'd give it to a random half of roughly 30,000 active users, then stop at 10:30."
    doc = analyse([text])
    breaks = [text[a:b] for a, b in clause_breaks(doc.text, doc.sentences[0])]
    assert breaks == [","]


def test_the_experiment_quote_keeps_the_population(catalogue) -> None:
    answer = (
        "We'd give the new version to a random half of roughly 30,000 active users for two "
        "weeks, the rest keep today's summary, and we switch everyone over only if the drop in "
        "quick closes is at least 3 points and the 95% interval doesn't cross zero."
    )
    result = score_answers(catalogue.get("auto-summarize"), [answer])
    plan = result.criteria["experiment_plan"]
    assert plan.met
    assert any("30,000 active users" in quote for quote in plan.evidence), plan.evidence
