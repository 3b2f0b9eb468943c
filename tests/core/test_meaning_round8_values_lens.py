"""Verdicts that follow meaning (issue 10, part 5), round 8: values-alignment and impact-lens.

Cases written for these tests, one or more per kind of mistake the detectors made on
the round-8 tuning batches: the substance said in other words (should count) and near
misses that use the topic's words without the substance (should not). Each asserts one
criterion met or not met, or one anti-pattern present or not.
"""

from __future__ import annotations

import pytest

from bot.core.scorer import score_answers
from tests.core.meaning_cases import Case, case, case_ids
from tests.core.meaning_cases import verdict as _verdict

VA, IL = "values-alignment", "impact-lens"

CASES = [
    # --- values-alignment: mission_link -------------------------------------------------
    # the model turns out the whole piece ready to go: that replaces the writer
    case(
        VA,
        "mission_link",
        False,
        "At a travel startup I shipped a one-click itinerary writer: the agent enters the dates "
        "and "
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
        "Machines propose, people choose. That's the lens I bring to every planning meeting, "
        "though "
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
        "I'd expect the reply rate lands at about 30%, up from 24%. The next step is an A/B test "
        "on "
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


@pytest.mark.parametrize(
    "c",
    CASES,
    ids=case_ids(CASES),
)
def test_verdict_follows_meaning(catalogue, c: Case) -> None:
    got, detail = _verdict(catalogue, c)
    assert got == c.want, (c.answers, detail)


# --- round 9 (dev10 f/g, dev12 l/n, PLAY9): cases written for these tests ---------------

CASES9 = [
    # values-alignment: mission_link
    # a sign-off before the model's output takes effect is the decision (PLAY9)
    case(
        VA,
        "mission_link",
        True,
        "On our contract tool I decided a generated clause would never be added to the agreement "
        "until the lawyer had reviewed and accepted it.",
    ),
    # a motto about AI next to a product named in the next answer is no link (PLAY9)
    case(
        VA,
        "mission_link",
        False,
        "Technology should lift people up, not replace them.",
        "In my last role I looked after the email product for a bank.",
    ),
    case(
        VA,
        "mission_link",
        False,
        "Picture a tired copywriter with forty emails to write. This is augmenting, not replacing.",
    ),
    # the model held to a narrow part, the person writing the real text
    case(
        VA,
        "mission_link",
        True,
        "We changed the poem helper so the assistant only suggests a rhyme or an image, and the "
        "pupil writes the actual line.",
    ),
    # values-alignment: tradeoff, a cost in words and the stakeholder who paid it (PLAY9)
    case(
        VA,
        "tradeoff",
        True,
        "At a legal startup I decided no drafted reply would go out until the paralegal had "
        "approved it.",
        "It made each reply a few minutes slower, and two partner firms complained about it.",
    ),
    # values-alignment: generic_values, the family of the thing leaned on
    case(
        VA,
        "ap:generic_values",
        True,
        "I'm a big believer that good tools disappear and make people shine.",
    ),
    case(
        VA,
        "ap:generic_values",
        True,
        "For me it all comes down to respect. Great teams are built on trust.",
    ),
    case(
        VA,
        "ap:generic_values",
        True,
        "We'd do design thinking: empathy interviews, journey maps, ideate, prototype and test.",
    ),
    case(
        VA,
        "ap:generic_values",
        True,
        "Integrity is everything. Be transparent, be humble, and it follows.",
    ),
    # ... not when the slogan is named only to set it aside for the decision
    case(
        VA,
        "ap:generic_values",
        False,
        "'Human first' is a big word, but for us it meant the suggestion sits beside the text and "
        "they choose which lines to keep.",
    ),
    # "to be honest" is not a value
    case(VA, "ap:generic_values", False, "Did it cost us? Not really, to be honest."),
    # values-alignment: concrete_example
    case(
        VA,
        "concrete_example",
        True,
        "We cut the auto-publish step from the blog tool after the beta.",
    ),
    case(
        VA,
        "concrete_example",
        False,
        "I coached debate until last year, so my background is speeches, not shipping products. "
        "For a speech helper I'd put the comments in the margin.",
    ),
    # impact-lens: timeline_manager, by family
    case(
        IL,
        "ap:timeline_manager",
        True,
        "My bar for success is simple: we delivered what we promised, when we promised.",
    ),
    case(
        IL,
        "ap:timeline_manager",
        True,
        "The story I'd tell leadership is that we hit every milestone we committed to.",
    ),
    case(
        IL,
        "ap:timeline_manager",
        True,
        "The post-mortem covers what slipped and which dependencies hurt us, so next quarter's "
        "plan is tighter.",
    ),
    case(
        IL,
        "ap:timeline_manager",
        True,
        "The last phase is mostly stakeholder management, with a status deck so no partner is "
        "caught "
        "off guard.",
    ),
    # ... not when the timeline role is turned down and the metric claimed
    case(
        IL,
        "ap:timeline_manager",
        False,
        "I don't see this job as chasing dates or running stand-ups. The PM owns the metric.",
    ),
    # impact-lens: iteration, the result traced to its parts and fed forward
    case(
        IL,
        "iteration",
        True,
        "Afterwards I'd check how much of the lift came from a handful of big customers. If it's "
        "concentrated there, the next test targets small teams.",
    ),
    case(
        IL,
        "iteration",
        True,
        "I'd look at where the variance came from: maybe power users gained and new ones didn't, "
        "and the next experiment aims at new users.",
    ),
    # impact-lens: experiment_plan, the two arms said as "half do, half don't"
    case(
        IL,
        "experiment_plan",
        True,
        "We'd alternate by week so half the tickets get the draft and half don't, about 8,000 "
        "tickets each, and keep it only if the 95% interval excludes zero.",
    ),
    # impact-lens: cool_features, liking the question is no hype about a feature
    case(
        IL,
        "ap:cool_features",
        False,
        "The Impact Lens, I love it. Phase one is the bet, phase two the test.",
    ),
]


@pytest.mark.parametrize(
    "c",
    CASES9,
    ids=case_ids(CASES9, "r9:"),
)
def test_verdict_follows_meaning_round9(catalogue, c: Case) -> None:
    got, detail = _verdict(catalogue, c)
    assert got == c.want, (c.answers, detail)


PLAY9_VALUES = (
    "I care a lot about keeping people at the centre of what we build. AI should make people "
    "better, not replace them.",
    "At my last job I ran the product for a note-taking app for doctors. We had a feature that "
    "drafted the visit note from the recording, and I decided the draft would never be saved to "
    "the record until the doctor had read and signed it, even though that slowed things down.",
    "We lost some speed, the notes took about a minute longer per visit, and a couple of clinics "
    "complained. But the doctors trusted it more and usage grew.",
)


def test_play9_mission_link_is_met_by_the_sign_off_decision(catalogue) -> None:
    """PLAY9: met by the sign-off sentence, not by the slogan paired with a product noun."""
    r = score_answers(catalogue.get(VA), list(PLAY9_VALUES))
    ml = r.criteria["mission_link"]
    assert ml.met
    assert any("until the doctor had read and signed it" in q for q in ml.evidence), ml.evidence
    assert not any("not replace them" in q for q in ml.evidence), ml.evidence


def test_play9_tradeoff_with_a_figure_and_a_stakeholder_is_met(catalogue) -> None:
    r = score_answers(catalogue.get(VA), list(PLAY9_VALUES))
    t = r.criteria["tradeoff"]
    assert t.met, (t.score, t.evidence)
    assert not any("not replace them" in q for q in t.evidence), t.evidence


def test_round9_metric_handed_to_others_is_still_the_timeline_role(catalogue) -> None:
    """Someone else owning the metric is no claim of it: the schedule stays the job."""
    c = case(
        IL,
        "ap:timeline_manager",
        True,
        "Data science owns the metric. My job is the roadmap and the launch date, with a weekly "
        "status update to leadership.",
    )
    got, detail = _verdict(catalogue, c)
    assert got, detail
