"""Verdicts that follow meaning (issue 10, part 5): bias-complaint, impact-resume,
values-alignment and comp-negotiation.

The first cases are the issue's own misjudgements; the rest are paraphrases (the
substance in plain words) and fluff (the topic's words without the substance),
written for these tests, one per kind of mistake the detectors used to make.
Each asserts one criterion met or not met, or one anti-pattern present or not.
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


ISSUE = [
    # praise from engineering leadership for speed and accuracy is not a product outcome
    case(
        "impact-resume",
        "product_outcome",
        False,
        "The system was a lot faster and more accurate, which the engineering leadership "
        "really appreciated.",
    ),
    # the tool stopped from sending on its own, the user picks and edits: the writer stays author
    case(
        "values-alignment",
        "mission_link",
        True,
        "I stopped our email tool from auto-sending AI replies; the user always picks and edits "
        "the draft before anything goes out.",
    ),
    # a salary-only candidate at $205k, then $200k: no figure inside the band
    case(
        "comp-negotiation",
        "anchor_base",
        False,
        "I need the base at $205k. That's my number.",
        "Fine, $200k then, but I won't go below that.",
    ),
    case(
        "comp-negotiation",
        "ap:salary_only",
        True,
        "I need the base at $205k. That's my number.",
        "Fine, $200k then, but I won't go below that.",
    ),
]

IMPACT_RESUME = [
    # speed of the system, praise from leadership or the CTO: not a user or business effect
    case(
        "impact-resume",
        "product_outcome",
        False,
        "Inference got three times faster after we distilled the model, and the infra folks "
        "were thrilled.",
    ),
    case(
        "impact-resume",
        "product_outcome",
        False,
        "Customers were really impressed by how quick it got, and my manager said it was a "
        "great launch.",
    ),
    case(
        "impact-resume",
        "product_outcome",
        False,
        "The pipeline now processes documents in minutes, and the platform team saved 20 GPU "
        "hours a week.",
    ),
    # what the people using it did differently: sooner, stopped a chore, did more of the job
    case(
        "impact-resume",
        "product_outcome",
        True,
        "With the drafts in place, recruiters stopped rewriting every job ad from scratch, and "
        "hiring managers filled roles about a week sooner.",
    ),
    case(
        "impact-resume",
        "product_outcome",
        True,
        "Dispatchers planned routes in half the time, so drivers got out of the depot earlier.",
    ),
    case(
        "impact-resume",
        "product_outcome",
        True,
        "The point was that shoppers found the right size first time, so fewer of them sent "
        "things back and the return costs fell.",
    ),
    # a lift said in words, above the bar; one percent is below it
    case(
        "impact-resume",
        "quantified_lift",
        True,
        "Checkout completion went from fifty-two percent to fifty-nine after we launched it.",
    ),
    case(
        "impact-resume",
        "quantified_lift",
        False,
        "Checkout completion went up a bit, maybe one percent.",
    ),
    # data kept in-house, not trained on; sources shown and a person before anything went out
    case(
        "impact-resume",
        "risk_framing",
        True,
        "Privacy was the big worry, so every transcript stayed on the customer's own servers "
        "and nothing was ever used to train the model.",
    ),
    case(
        "impact-resume",
        "risk_framing",
        True,
        "Trust was the risk, so before launch every suggestion showed its source and nothing "
        "went out without the agent approving it.",
    ),
    # "risky clauses" is the product's domain, dashboards and "data-driven" are not safeguards
    case(
        "impact-resume",
        "risk_framing",
        False,
        "It was a contract analysis tool that highlighted risky clauses for lawyers, and "
        "renewals went up 6%.",
    ),
    case(
        "impact-resume",
        "risk_framing",
        False,
        "We were super data-driven and had dashboards for everything, and leadership was happy.",
    ),
    # newspapers are not research papers
    case(
        "impact-resume",
        "ap:research_resume",
        False,
        "I shipped a headline suggester at a newspaper group; we ran it on three papers for a "
        "month and click-through rose 6%.",
    ),
    case(
        "impact-resume",
        "ap:research_resume",
        True,
        "I have a PhD in NLP and I've published four papers on summarization at ACL and EMNLP.",
    ),
    case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        "We shaved response time from four seconds to under one and accuracy went up to 92%.",
    ),
]

VALUES_ALIGNMENT = [
    # automation taken out, the person picks and edits: mission link
    case(
        "values-alignment",
        "mission_link",
        True,
        "At my last job I turned off the feature that posted AI answers in the forum "
        "automatically; now a moderator reads each draft, changes what she wants and posts it "
        "under her own name.",
    ),
    case(
        "values-alignment",
        "mission_link",
        True,
        "We killed one-click full rewrites in the essay app. The student now gets three "
        "suggestions per paragraph and chooses which, if any, to keep.",
    ),
    # buzzwords, beliefs, or a bot that picks and sends: no mission link
    case(
        "values-alignment",
        "mission_link",
        False,
        "Human-in-the-loop, co-creation, explainability: every feature I build goes through "
        "that lens.",
    ),
    case(
        "values-alignment",
        "mission_link",
        False,
        "We automated the whole reply flow so agents don't have to touch anything; the bot "
        "picks the answer and sends it.",
    ),
    # a childhood story, a hypothetical with no example, "everything we built": no concrete example
    case(
        "values-alignment",
        "concrete_example",
        False,
        "When I was a child my grandmother told me stories every night, and I think tools "
        "should be like that, warm and encouraging.",
    ),
    case(
        "values-alignment",
        "concrete_example",
        False,
        "I haven't really had a case like that in my own work. But here I'd make the assistant "
        "offer suggestions instead of rewriting whole paragraphs.",
    ),
    case(
        "values-alignment",
        "concrete_example",
        False,
        "Everything we built at my company was about empowering people.",
    ),
    case(
        "values-alignment",
        "concrete_example",
        True,
        "At a recipe startup I was on, we had a model that wrote full blog posts; I changed it "
        "so it only suggested an outline and the cook wrote the rest.",
    ),
    # the cost as a missed target and an unhappy boss; "drop in a snippet" is not a drop
    case(
        "values-alignment",
        "tradeoff",
        True,
        "I blocked auto-posting so reviewers write their own summaries with the model's help.",
        "We paid for that: our weekly posts number sat under the goal for a whole quarter and "
        "my director was not thrilled.",
    ),
    case(
        "values-alignment",
        "tradeoff",
        False,
        "At my last job I removed auto-reply from the inbox so agents write their own answers. "
        "Agents can drop in saved snippets, and honestly nothing was lost.",
    ),
    # value statements with nothing behind them; value talk after a real example is not slogans
    case(
        "values-alignment",
        "ap:generic_values",
        True,
        "I care a lot about respecting the writer and keeping humans in the loop, and I'd keep "
        "that in mind in every roadmap discussion.",
    ),
    case(
        "values-alignment",
        "ap:generic_values",
        True,
        "People first, always. AI should assist, never lead.",
    ),
    case(
        "values-alignment",
        "ap:generic_values",
        False,
        "At my last job I kept summaries as suggestions the nurse edits before saving.",
        "For me that is what augmenting creativity looks like: the nurse still decides what "
        "goes in the chart.",
    ),
    case(
        "values-alignment",
        "ap:generic_values",
        True,
        "Creativity is what makes us human, and great tools amplify it.",
        "Okay, a decision. At my last job I kept the support bot in draft-only mode: it "
        "drafted, the agent edited and sent.",
    ),
]

COMP_NEGOTIATION = [
    # figures said in words, inside and outside the band
    case(
        "comp-negotiation",
        "anchor_base",
        True,
        "One seventy-two is fine for base, honestly, I'm not going to push there.",
    ),
    case(
        "comp-negotiation",
        "anchor_base",
        False,
        "Honestly I was hoping for more than 172, something like 195 feels fair to me.",
    ),
    case("comp-negotiation", "anchor_base", False, "Okay, so the base. I'd want one ninety-five."),
    case("comp-negotiation", "anchor_base", True, "The base is more than fair, I'm happy with it."),
    # the figure one sentence after "base"; an in-band or last-listed base ask is not salary-only
    case(
        "comp-negotiation",
        "ap:salary_only",
        True,
        "Let's talk about the base first.",
        "I'm currently at $170k and I'd need $215k to move, that's really the only thing I "
        "care about.",
    ),
    case(
        "comp-negotiation",
        "ap:salary_only",
        False,
        "Base at one seventy-five would be nice, but the equity is what I really want to talk "
        "about.",
    ),
    case(
        "comp-negotiation",
        "ap:salary_only",
        False,
        "Equity is my main ask: point oh five if paid conversion rises two percent in a year.",
        "And if there's room, base at one eighty-five. But that's third on my list.",
    ),
    case(
        "comp-negotiation",
        "sign_on",
        True,
        "On the sign-on, could we go to thirty k? I'm walking away from a retention bonus.",
    ),
    case(
        "comp-negotiation",
        "equity_for_impact",
        True,
        "Equity-wise, I'd ask for point oh five, vesting only if weekly active writers grow "
        "three percent by the end of year one.",
    ),
    # loving conferences, or courses taken, is not asking to redirect part of the sign-on
    case(
        "comp-negotiation",
        "budget_flex",
        False,
        "I'd want a higher sign-on, say $30k.",
        "And I really enjoy going to conferences, they're so energising.",
    ),
    case(
        "comp-negotiation",
        "budget_flex",
        False,
        "Training matters to me. I did 3 courses last year.",
    ),
    case(
        "comp-negotiation",
        "budget_flex",
        True,
        "Could part of the sign-on, maybe four thousand, go toward a conference and a course "
        "next year?",
    ),
]

BIAS_COMPLAINT = [
    # paired inputs that differ only in the group, a gap held under a bar
    case(
        "bias-complaint",
        "measurement_strategy",
        True,
        "I'd take 2,000 real support messages, make a copy of each that reads as non-native "
        "English with the same content, and compare how polite the suggested replies are. The "
        "bar is a gap under 2 points on a 100-point politeness score.",
    ),
    # how often the biased output happens on a fixed set, and the rate it must get under
    case(
        "bias-complaint",
        "measurement_strategy",
        True,
        "I'd measure it on a fixed set of four hundred product briefs: how often the output "
        "assumes a gender the brief never mentioned. I want that under two percent.",
    ),
    case(
        "bias-complaint",
        "measurement_strategy",
        False,
        "We'd measure bias rigorously with the right fairness metrics and make sure it's fixed.",
    ),
    # reassurance with nothing behind it is apology-only; a human in the loop is not an apology
    case(
        "bias-complaint",
        "ap:apology_only",
        True,
        "I'd tell them we hear you and we're committed to doing better, and thank them for "
        "raising it.",
    ),
    case(
        "bias-complaint",
        "ap:apology_only",
        False,
        "We'd keep a human in the loop and take it very seriously going forward.",
    ),
]

CASES = ISSUE + IMPACT_RESUME + VALUES_ALIGNMENT + COMP_NEGOTIATION + BIAS_COMPLAINT


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
