"""Verdicts that follow meaning (issue 10, part 5), round 8: values-alignment and impact-lens.

Cases written for these tests, one or more per kind of mistake the detectors made on
the round-8 tuning batches: the substance said in other words (should count) and near
misses that use the topic's words without the substance (should not). Each asserts one
criterion met or not met, or one anti-pattern present or not.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from bot.core.scorer import score_answers


class Case(NamedTuple):
    scenario: str
    label: str  # a criterion id, or "ap:<anti-pattern id>"
    want: bool
    answers: tuple[str, ...]


def case(scenario: str, label: str, want: bool, *answers: str) -> Case:
    return Case(scenario, label, want, answers)


VA, IL = "values-alignment", "impact-lens"

CASES = [
    # --- values-alignment: mission_link -------------------------------------------------
    # the model turns out the whole piece ready to go: that replaces the writer
    case(
        VA,
        "mission_link",
        False,
        "At a travel startup I shipped a one-click itinerary writer: the agent enters the dates and "
        "the AI generates the entire trip email, ready to send.",
        "Nearly all of them went out as generated, which we saw as a win for the agents.",
    ),
    # ... but a decision that blocked it is a link
    case(
        VA,
        "mission_link",
        True,
        "At a travel startup I killed the one-click itinerary email the AI wrote in full; now it "
        "suggests a paragraph at a time and the agent picks and edits each one.",
    ),
    # ... while a writer who writes it all is the author
    case(
        VA,
        "mission_link",
        True,
        "Students write the entire essay in their own words and the tool only points at weak "
        "arguments.",
    ),
    # a person who only samples the model's letters is not their author
    case(
        VA,
        "mission_link",
        False,
        "At an insurer we launched a model that writes the claim-decline emails. An adjuster "
        "spot-checks one in fifty before the batch goes out, so it's augmenting the team, not "
        "replacing it.",
    ),
    # a sample on top of a per-item gate still leaves the person in charge
    case(
        VA,
        "mission_link",
        True,
        "In our contract tool no suggested clause lands in the draft unless the lawyer accepts it, "
        "and a QA lead spot-checks a sample of accepted clauses every month.",
    ),
    # a motto about AI in general is not a product behaviour
    case(
        VA,
        "mission_link",
        False,
        "Machines propose, people choose. That's the lens I bring to every planning meeting, though "
        "I haven't had to make that call on a real feature.",
    ),
    # restating the principle's own name is no link
    case(
        VA,
        "mission_link",
        False,
        "Augmenting human creativity is the guiding light for me. Writers are the heart of every "
        "story and AI should only ever be the supporting cast.",
    ),
    # the tool does nothing the person did not choose (a proposal, not from experience)
    case(
        VA,
        "mission_link",
        True,
        "I'd redesign the shorten button so the edit appears as a tracked change next to the text. "
        "Your original stays in place, and the tool never applies an edit you didn't accept.",
    ),
    # --- values-alignment: concrete_example, tradeoff ----------------------------------------
    case(
        VA,
        "concrete_example",
        True,
        "At the hospital we rolled out a model that drafts discharge notes for the ward nurses.",
    ),
    # somebody else missing a payment is no cost of the principle
    case(
        VA,
        "tradeoff",
        False,
        "We built reminder emails for tenants who've missed a payment; the housing officer picks "
        "the tone and edits every one before it is sent.",
    ),
    # --- values-alignment: generic_values ------------------------------------------------
    # a list of abstract values is a slogan
    case(
        VA,
        "ap:generic_values",
        True,
        "People worry AI will take their jobs, and I get that.",
        "So my compass is simple: honesty, curiosity and craft.",
    ),
    # a turn of belief statements with nothing behind it, next to a real decision elsewhere
    case(
        VA,
        "ap:generic_values",
        True,
        "At a legal-tech startup I decided the assistant only marks risky clauses; the lawyer "
        "rewrites them.",
        "Beyond that, I truly believe writing is about people. AI should stay humble, always.",
    ),
    # a belief sentence next to a product behaviour in the same turn is backed by it
    case(
        VA,
        "ap:generic_values",
        False,
        "In my podcast job I decided the tool only highlights filler words.",
        "We show a preview of every cut, and the host listens before accepting it. I believe "
        "hosts must own their show.",
    ),
    # --- impact-lens: iteration --------------------------------------------------------
    # the result held against the prediction, broken down, feeding the next bet
    case(
        IL,
        "iteration",
        True,
        "Say we predicted a four point lift and it came in at one. I'd split the result by plan "
        "type, and if the teams on the free plan carried all of it, the next bet would target them "
        "with its own predicted number.",
    ),
    case(
        IL,
        "iteration",
        True,
        "Last year we predicted 15% fewer escalations and got 6%. Nearly all of it came from "
        "English tickets, so the next prediction was about translation quality.",
    ),
    # a predicted landing figure is a hypothesis, not a result held against one
    case(
        IL,
        "iteration",
        False,
        "I'd expect the reply rate lands at about 30%, up from 24%. The next step is an A/B test on "
        "new teams.",
    ),
    case(
        IL,
        "iteration",
        True,
        "If it lands at 2 points instead of the 5 I predicted, I'd look at which segments moved, "
        "and the next hypothesis would target the one that didn't.",
    ),
    # a placeholder for learning is not a post-mortem
    case(
        IL,
        "iteration",
        False,
        "After the test we'd take what we learned into the next version.",
    ),
    # --- impact-lens: experiment_plan ------------------------------------------------------
    # the interval rule told with its "not" is still a decision rule
    case(
        IL,
        "experiment_plan",
        True,
        "We'd randomly assign 6,000 teachers to two arms for a term and keep it only if the "
        "interval on the difference doesn't cross zero.",
    ),
    case(
        IL,
        "experiment_plan",
        True,
        "I'd give the feature to a random 2,000 of our 4,000 clinics and ship it only if we're 95% "
        "sure the lift isn't zero.",
    ),
    # groups compared for fairness are not a controlled experiment
    case(
        IL,
        "experiment_plan",
        False,
        "The bar is that tone scores can't differ by more than two points between any two groups "
        "of 500 writers.",
    ),
    # --- impact-lens: safety_guardrails ------------------------------------------------------
    # the domain of the product is not regulation
    case(
        IL,
        "safety_guardrails",
        False,
        "My bet: a legal-drafting assistant for lawyers lifts paid seats by 4 percent.",
    ),
    # legal review named among the teams to coordinate is scheduling
    case(
        IL,
        "safety_guardrails",
        False,
        "Mostly I'd coordinate: run the stand-ups and make sure legal review and design hit their "
        "milestones.",
    ),
    # a fairness check across language groups is a guardrail
    case(
        IL,
        "safety_guardrails",
        True,
        "We'd compare acceptance parity across the four first-language groups and hold the launch "
        "if any group trails by more than 5 points.",
    ),
    # --- impact-lens: timeline_manager ------------------------------------------------------
    case(
        IL,
        "ap:timeline_manager",
        True,
        "Honestly, where I'd add value is the roadmap: pilot April, launch June, and nobody is "
        "ever surprised.",
    ),
    case(
        IL,
        "ap:timeline_manager",
        True,
        "My focus would be keeping design, legal and sales on the same page, with a weekly sync "
        "and a clear timeline for v2.",
    ),
    # dates that serve a metric are not the anti-pattern
    case(
        IL,
        "ap:timeline_manager",
        False,
        "The roadmap only matters because the reply rate should go from 20% to 26% by June.",
    ),
]


def _verdict(catalogue, c: Case) -> tuple[bool, object]:
    result = score_answers(catalogue.get(c.scenario), list(c.answers))
    if c.label.startswith("ap:"):
        return c.label[3:] in result.antipatterns, result.antipatterns
    criterion = result.criteria[c.label]
    return criterion.met, (criterion.score, criterion.evidence)


@pytest.mark.parametrize(
    "c",
    CASES,
    ids=[f"{c.scenario}:{c.label}:{'met' if c.want else 'not'}:{i}" for i, c in enumerate(CASES)],
)
def test_verdict_follows_meaning(catalogue, c: Case) -> None:
    got, detail = _verdict(catalogue, c)
    assert got == c.want, (c.answers, detail)
