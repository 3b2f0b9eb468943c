"""The rubric scorer: meaning over keywords, and the labelled-set report."""

from __future__ import annotations

import pytest

from bot.core.evaluation import evaluate
from bot.core.scorer import is_non_answer, score_answers
from tests.conftest import DATA, load_jsonl


def met(scenario, *answers: str) -> set[str]:
    result = score_answers(scenario, list(answers))
    return {cid for cid, r in result.criteria.items() if r.met}


STRONG = (
    "Lawyers hit summarise to find obligations and dates, so an obligations-first summary "
    "raises copy-through by about 15% relative. Primary metric: copy-through rate, 18% -> 21%. "
    "Why it moves: if the deadline is right there in the summary, copying it is the obvious next "
    "action for the lawyer. We randomise 400 workspaces and need the 95% CI to exclude zero. "
    "Contracts run 40 pages and our ceiling is two cents a summary, which rules out sending the "
    "whole text to the large model, so only obligation clauses go to it."
)


def test_a_strong_answer_meets_every_criterion(auto_summarize) -> None:
    result = score_answers(auto_summarize, [STRONG])
    assert {c for c, r in result.criteria.items() if r.met} == {
        "hypothesis",
        "primary_metric",
        "causal_mechanism",
        "experiment_plan",
        "compute_constraint",
    }
    assert all(0.0 <= r.score <= 1.0 for r in result.criteria.values())
    exp = result.criteria["experiment_plan"]
    assert exp.score == 1.0 and any("400 workspaces" in e for e in exp.evidence)


def test_negated_mentions_earn_nothing(auto_summarize) -> None:
    answer = (
        "I wouldn't tie this to one success number like acceptance rate going up 5%. "
        "No A/B test on 20k users either, and I'm not going to pretend compute matters."
    )
    assert met(auto_summarize, answer) == set()


def test_keyword_stuffing_earns_nothing(auto_summarize) -> None:
    answer = (
        "I'd be hypothesis-driven: metric-first, a causal mechanism, a controlled experiment with "
        "statistical power and a confidence interval, and compute-aware about latency."
    )
    assert met(auto_summarize, answer) == set()


def test_a_question_back_earns_nothing(auto_summarize) -> None:
    answer = (
        "What's the current acceptance rate, 30%? And would we A/B test on 20k users at 95% "
        "confidence, or is there no experimentation platform?"
    )
    assert met(auto_summarize, answer) == set()


def test_a_figure_said_with_a_rising_tone_still_counts(auto_summarize) -> None:
    """Uptalk is a statement: "…from about 30% to maybe 36%?" commits to a target. A question
    built as one (a question word, an auxiliary first, a tag, or after "Before I answer:")
    and a figure-less "…need to feel nicer?" stay questions back."""
    metric = "The number I'd own is summary acceptance, from about 30% to maybe 36%?"
    assert "primary_metric" in met(auto_summarize, metric)
    for asked in (
        "Before I answer: what's summary acceptance today, from about 30% to 36%?",
        "Would summary acceptance from about 30% to 36% be the right target?",
        "The target is summary acceptance from about 30% to 36%, right?",
    ):
        assert "primary_metric" not in met(auto_summarize, asked), asked
    vague = "I think summary acceptance is the one number that matters, it should go up?"
    assert "primary_metric" not in met(auto_summarize, vague)


@pytest.mark.parametrize("text", ["idk", "I don't know", "pass", "?", "  ", "no idea."])
def test_non_answers(auto_summarize, text: str) -> None:
    assert is_non_answer(text)
    result = score_answers(auto_summarize, [text])
    assert not result.substantive
    assert not any(r.met for r in result.criteria.values())


def test_one_liner_is_not_enough_to_score(auto_summarize) -> None:
    result = score_answers(auto_summarize, ["shorter summaries = happier users."])
    assert not result.substantive and not any(r.met for r in result.criteria.values())


def test_paraphrase_without_the_keywords_meets_the_experiment(auto_summarize) -> None:
    answer = (
        "We'd flip a coin for each of our roughly 900 support teams, heads they get it and "
        "tails they don't, and we only believe it if the gap survives the usual 95 per cent bar."
    )
    assert "experiment_plan" in met(auto_summarize, answer)


def test_experiment_needs_a_population_and_a_decision_rule(auto_summarize) -> None:
    answer = "Then we A/B test the new summary against the old one and see how it goes, honestly."
    assert "experiment_plan" not in met(auto_summarize, answer)
    result = score_answers(auto_summarize, [answer])
    assert result.criteria["experiment_plan"].status(0.3) == "partly"


def test_a_turn_can_complete_an_earlier_one(auto_summarize) -> None:
    first = "Primary metric: summary acceptance, from 30% to 35%, on 10% of traffic, ~50k users."
    second = "We'd A/B it and ship only if the 95% confidence interval excludes zero."
    assert "experiment_plan" not in met(auto_summarize, first)
    assert "experiment_plan" in met(auto_summarize, first, second)


def test_huge_input_is_scored_quickly_and_safely(auto_summarize) -> None:
    huge = (STRONG + " ") * 200  # ~100 KB
    result = score_answers(auto_summarize, [huge, "@everyone **bold** <@123>"])
    assert result.criteria["experiment_plan"].met
    assert all(len(e) <= 200 for r in result.criteria.values() for e in r.evidence)


def test_scoring_is_deterministic(auto_summarize) -> None:
    a = score_answers(auto_summarize, [STRONG]).to_contract("x")
    b = score_answers(auto_summarize, [STRONG]).to_contract("x")
    assert a == b


def test_ui_only_antipattern_and_its_absence(auto_summarize) -> None:
    ui = "Move the summarize button into the toolbar, give it a sparkle icon and a green card."
    assert score_answers(auto_summarize, [ui]).antipatterns == ("ui_only",)
    assert score_answers(auto_summarize, [STRONG]).antipatterns == ()


LABELLED = ["train.jsonl", "public_sample.jsonl"]
ADVERSARIAL = sorted((DATA / "adversarial").glob("*.jsonl"))


def _report(catalogue, rows, title: str):
    """The evaluation of one labelled set (`python -m bot scenarios report` prints them all)."""
    rows = [r for r in rows if r["scenario"] in catalogue.scenarios]
    return evaluate(catalogue, rows)


@pytest.mark.parametrize("name", LABELLED)
def test_labelled_sets_reach_the_targets(catalogue, name: str) -> None:
    report = _report(catalogue, load_jsonl(DATA / name), name)
    assert report.criteria_macro_f1 >= 0.85, report.table()
    assert report.antipatterns_macro_f1 >= 0.90, report.table()


BLIND = sorted((DATA / "blind").glob("*.jsonl"))


def test_blind_validation_set(catalogue) -> None:
    """84 transcripts labelled by someone who never saw the detectors.

    Measured before any detector was tuned on them: criteria 0.907, anti-patterns
    0.942 (the best estimate of held-out quality); tuning since keeps them here.
    """
    rows = [row for path in BLIND for row in load_jsonl(path)]
    assert len(rows) >= 80
    report = _report(catalogue, rows, "blind validation set")
    assert report.criteria_macro_f1 >= 0.85, report.table()
    assert report.antipatterns_macro_f1 >= 0.90, report.table()


def test_own_adversarial_cases(catalogue) -> None:
    rows = [row for path in ADVERSARIAL for row in load_jsonl(path)]
    assert rows, "tests/data/adversarial/*.jsonl holds the project's own labelled cases"
    report = _report(catalogue, rows, "adversarial")
    assert report.criteria_macro_f1 >= 0.80, report.table()
    assert report.antipatterns_macro_f1 >= 0.80, report.table()


HELDOUT_CRITERIA = 0.92
HELDOUT_ANTIPATTERNS = 0.93
HELDOUT = sorted((DATA / "heldout").glob("*.jsonl"))


def test_heldout_blind_set(catalogue) -> None:
    """210 transcripts (30 a scenario: half fluent fluff, half strong answers in plain
    words) written and labelled from the rubric contract by annotators who never saw the
    detectors; nobody tuning the detectors has looked at them.

    Before the meaning fixes of issue 10: criteria 0.871, anti-patterns 0.843; after three
    tuning rounds on 446 dev transcripts from other annotators: 0.919 and 0.871; after
    round 7: 0.924 and 0.914; after rounds 8 and 9 (dev8-dev12, the last aimed at one weak
    anti-pattern a file): 0.939 and 0.951 (the milestone is 0.93 and 0.95). The floors
    below only guard against a regression.
    """
    rows = [row for path in HELDOUT for row in load_jsonl(path)]
    assert len(rows) == 210
    assert all(sum(r["scenario"] == s for r in rows) == 30 for s in catalogue.scenarios)
    report = _report(catalogue, rows, "held-out blind set")
    assert report.criteria_macro_f1 >= HELDOUT_CRITERIA, report.table()
    assert report.antipatterns_macro_f1 >= HELDOUT_ANTIPATTERNS, report.table()


def test_an_ask_phrased_as_a_question_counts_where_requests_are_kept(catalogue) -> None:
    """In the negotiation, "could equity go to 0.045 %?" is an ask, not a question back."""
    scenario = catalogue.get("comp-negotiation")
    answers = [
        "If active clinicians go up four percent by the end of my first year, could equity go "
        "to 0.045 percent?",
        "Could about $3,000 of the sign-on be earmarked for a clinical informatics course?",
    ]
    result = score_answers(scenario, answers)
    assert result.criteria["equity_for_impact"].met
    assert result.criteria["budget_flex"].met
    assert not score_answers(
        catalogue.get("auto-summarize"), ["Could you tell me more?"]
    ).substantive


def test_scoring_without_evidence_gives_the_same_verdicts(catalogue) -> None:
    """The interviewer scores with `evidence=False` mid-interview: every verdict (met, score,
    anti-patterns) must be what the summary's scoring with evidence says, on every prefix."""
    compared = 0
    for row in load_jsonl(DATA / "public_sample.jsonl"):
        scenario = catalogue.get(row["scenario"])
        for k in range(1, len(row["answers"]) + 1):
            answers = row["answers"][:k]
            full = score_answers(scenario, answers, require_substance=False)
            lean = score_answers(scenario, answers, require_substance=False, evidence=False)
            assert {c: (r.met, r.score) for c, r in lean.criteria.items()} == {
                c: (r.met, r.score) for c, r in full.criteria.items()
            }
            assert lean.antipatterns == full.antipatterns
            assert all(not r.evidence for r in lean.criteria.values())
            assert not any(lean.antipattern_evidence.values())
            compared += any(r.evidence for r in full.criteria.values())
    assert compared > 20  # the comparison covered prefixes that quote evidence
