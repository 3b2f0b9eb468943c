"""Verdicts that follow meaning, round 8 (issue 10, part 5): bias-complaint and
comp-negotiation.

One case per kind of mistake fixed in this round, each with its near miss, written for
these tests in our own words (not copied from any labelled set):

- an "apologetic" tone blamed on the output is the bias reported, not the speaker's apology;
- an opening apology that points at the plan the user will be told ("...and tell her what
  happens next") is past the apology when the plan follows; alone it is still the anti-pattern;
- examples added in(to) the training data and a filter put after the model are remediation;
  a bare "then debias" is the goal restated, not a method;
- a base ask the speaker says they would not walk away over is not the main ask;
- asking to be put at a figure inside the band anchors the base;
- calling the offered base "light" is not accepting it.
"""

from __future__ import annotations

import pytest

from bot.core.scorer import score_answers
from tests.core.meaning_cases import Case, case, case_ids
from tests.core.meaning_cases import verdict as _verdict

BIAS = [
    # the output's apologetic tone is what the user reported; the answer then remediates
    case(
        "bias-complaint",
        "ap:apology_only",
        False,
        "A tenant says the lease-letter helper made his repair request sound apologetic and "
        "timid, while his neighbour's came out firm, and he writes in Jamaican English.",
        "We stop the helper from changing tone in repair requests and retrain the tone model "
        "with more letters written in Caribbean English.",
    ),
    # the speaker's own apology with nothing behind it is still the anti-pattern
    case(
        "bias-complaint",
        "ap:apology_only",
        True,
        "I'd apologise to him straight away and tell him we're looking into it.",
        "Mostly I want him to feel we care about this.",
    ),
    # an opening apology that points at the plan, with the plan in the next answers
    case(
        "bias-complaint",
        "ap:apology_only",
        False,
        "I'm sorry this happened to you, and I'd tell him what we're changing.",
        "We add a filter after the model that blocks rewrites which change the register of a "
        "request, and fine-tune on paired letters that differ only in dialect.",
    ),
    # ... but pointing at a plan that never comes is still only an apology
    case(
        "bias-complaint",
        "ap:apology_only",
        True,
        "I'm sorry this happened to you, and I'd tell him what happens next.",
        "We really value reports like his and we take them seriously.",
    ),
    # examples added in the training data: augmentation
    case(
        "bias-complaint",
        "mitigation_plan",
        True,
        "To fix it we add a few thousand Caribbean English letters into the training data "
        "for the tone model.",
    ),
    # a filter placed after the model: post-processing
    case(
        "bias-complaint",
        "mitigation_plan",
        True,
        "We'd put a filter after the model that drops any rewrite making a request more "
        "deferential than the original.",
    ),
    # a bare "debias" is the goal, not a method
    case(
        "bias-complaint",
        "mitigation_plan",
        False,
        "Escalate it to the trust team first, they own these reports.",
        "Next step: debias. Then we run it past our ethics principles and keep going.",
    ),
    # debiasing said with what it is done to
    case(
        "bias-complaint",
        "mitigation_plan",
        True,
        "We'd debias the training data by reweighting the letters from under-represented dialects.",
    ),
]

COMP = [
    # a small base nudge the speaker would not walk away over is not the main ask
    case(
        "comp-negotiation",
        "ap:salary_only",
        False,
        "What I care about is equity: 0.05% if paid seats on my surfaces grow 5% in year one.",
        "On base I'd ask for $182k, but it isn't something I'd walk away over.",
    ),
    case(
        "comp-negotiation",
        "ap:salary_only",
        False,
        "Base could go to $183k, though honestly it's not a hill I'd die on.",
    ),
    # ... while a base ask above the band said as the deal-breaker is
    case(
        "comp-negotiation",
        "ap:salary_only",
        True,
        "The base is a deal-breaker for me: I need $195k or I walk.",
    ),
    # asking to be put at a figure inside the band anchors the base
    case(
        "comp-negotiation",
        "anchor_base",
        True,
        "Alright, I hear that five percent is the most you can move. Put me at $178k and "
        "I'll leave that part there.",
    ),
    case(
        "comp-negotiation",
        "anchor_base",
        True,
        "Understood on the ceiling. Then let's do one seventy-eight and talk about equity.",
    ),
    # ... but not at a figure above it
    case(
        "comp-negotiation",
        "anchor_base",
        False,
        "Put me at $190k on base and I'll sign today.",
    ),
    # the offered base called light is not accepted
    case(
        "comp-negotiation",
        "anchor_base",
        False,
        "Straight up, $172k is light for the scope of this role.",
    ),
    case(
        "comp-negotiation",
        "anchor_base",
        False,
        "The $172k base is on the low side for what I'd be carrying.",
    ),
]

CASES = BIAS + COMP


@pytest.mark.parametrize(
    "c",
    CASES,
    ids=case_ids(CASES),
)
def test_verdict_follows_meaning(catalogue, c: Case) -> None:
    got, detail = _verdict(catalogue, c)
    assert got == c.want, (c.answers, detail)


# --- round 9 (dev10 misjudgements and the played interview in PLAY9), by kind, in our own words:
# - a figure above the band asked for without naming the base ("Can you do 195?", "hoping for
#   more... 200") is a base push: in this offer only the base, or the total, comes in that size;
# - the offered base turned down ("doesn't work for me") or pushed up ("more than $172k") does not
#   anchor it, and a push to raise the base earns no part of anchor_base;
# - a sign-on figure with hundreds ("$26,500") is a figure;
# - learning named as a value is not a budget-flex ask;
# - an apology followed by a list of value labels (responsible AI, fairness, transparency,
#   human-in-the-loop) is still apology only: the list is keyword stuffing, not a plan.
ROUND9 = [
    case("comp-negotiation", "ap:salary_only", True, "Appreciate the offer. Could you do 190?"),
    case(
        "comp-negotiation",
        "ap:salary_only",
        True,
        "Honestly I think I'm worth more than that. Another company offered me 210.",
    ),
    # near misses: the figure is the total, an equity target, or a sign-on; or in the band
    case(
        "comp-negotiation",
        "ap:salary_only",
        False,
        "So the total comes to about 195 in year one, and I was hoping for more equity.",
    ),
    case(
        "comp-negotiation",
        "ap:salary_only",
        False,
        "I'm hoping for more equity: 0.05% if we hit 200 paying teams by next summer.",
    ),
    case(
        "comp-negotiation",
        "ap:salary_only",
        False,
        "Could you do $178k? I know 190 is out of reach with the band.",
    ),
    case(
        "comp-negotiation",
        "anchor_base",
        False,
        "Thanks for walking me through it. Honestly $172k doesn't work for me.",
    ),
    case(
        "comp-negotiation",
        "anchor_base",
        False,
        "I'd like a base of more than $172k for this role.",
    ),
    case(
        "comp-negotiation",
        "anchor_base",
        True,
        "Given the band, could we bump the base to $178k and leave it there?",
    ),
    case(
        "comp-negotiation",
        "anchor_base",
        True,
        "Honestly the $172k base works for me as it stands.",
    ),
    case(
        "comp-negotiation",
        "sign_on",
        True,
        "Could the sign-on come up to $27,500 to cover the move?",
    ),
    case("comp-negotiation", "sign_on", False, "The sign-on at $23,000 is fine as it is, thanks."),
    case("comp-negotiation", "budget_flex", False, "I value learning as a core part of who I am."),
    case(
        "comp-negotiation",
        "budget_flex",
        True,
        "Could $3k of the sign-on be set aside for a conference in my first year?",
    ),
    case(
        "bias-complaint",
        "ap:apology_only",
        True,
        "I'm so sorry this happened. Our answer is responsible AI: fairness, transparency, "
        "accountability, human-in-the-loop.",
        "We'll keep improving it over time.",
    ),
    case(
        "bias-complaint",
        "ap:apology_only",
        False,
        "I'm so sorry this happened, and here is what we change. We'd add human-in-the-loop "
        "review of flagged letters every week by the trust team.",
    ),
    case(
        "bias-complaint",
        "mitigation_plan",
        True,
        "Holistically, we'd rebalance the training data so letters from women make up half.",
    ),
]


@pytest.mark.parametrize(
    "c",
    ROUND9,
    ids=case_ids(ROUND9, "r9:"),
)
def test_verdict_follows_meaning_round9(catalogue, c: Case) -> None:
    got, detail = _verdict(catalogue, c)
    assert got == c.want, (c.answers, detail)


# The weak salary-only candidate of the played interview (PLAY9): the bare "Can you do 195?" is
# already the base push, and wanting "a higher salary" earns no part of anchoring the base.
PLAYED = [
    "Thanks for the offer! I was hoping for more though. Can you do 195?",
    "I really think I'm worth more than that. My friend at another company got 200.",
    "I don't know, I just want a higher salary.",
    "ok",
]


def test_played_salary_only_candidate(catalogue) -> None:
    scenario = catalogue.get("comp-negotiation")
    first = score_answers(scenario, PLAYED[:1], require_substance=False)
    assert "salary_only" in first.antipatterns, first.antipattern_evidence
    whole = score_answers(scenario, PLAYED)
    assert "salary_only" in whole.antipatterns
    anchor = whole.criteria["anchor_base"]
    assert anchor.score == 0.0, anchor.evidence


@pytest.mark.parametrize(
    "answer",
    [
        "I don't know, I just want a higher salary for this role.",
        "I'd need to be at $205k base before I could move.",
        "To be straight with you, $172k doesn't work for me at all.",
    ],
)
def test_base_push_earns_no_part_of_anchor(catalogue, answer: str) -> None:
    anchor = score_answers(catalogue.get("comp-negotiation"), [answer]).criteria["anchor_base"]
    assert anchor.score == 0.0, anchor.evidence


def test_neutral_base_talk_keeps_its_part(catalogue) -> None:
    answer = "Base I'd have to sit with, I haven't worked that part out yet."
    anchor = score_answers(catalogue.get("comp-negotiation"), [answer]).criteria["anchor_base"]
    assert anchor.score == 0.4, anchor.evidence
