"""Verdicts that follow meaning (issue 10, part 5): bias-complaint, impact-resume,
values-alignment and comp-negotiation.

The first cases are the issue's own misjudgements; the rest are paraphrases (the
substance in plain words) and fluff (the topic's words without the substance),
written for these tests, one per kind of mistake the detectors used to make.
Each asserts one criterion met or not met, or one anti-pattern present or not.
"""

from __future__ import annotations

import pytest

from bot.core.scorer import score_answers
from tests.core.meaning_cases import Case, case, case_ids
from tests.core.meaning_cases import verdict as _verdict

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

# Dev set 3 (paraphrase-heavy) showed more kinds of answer the detectors missed or
# over-credited; each kind below is written here in new words of our own.

BIAS_NEW = [
    # a check on the outputs after generation, an instruction to the model, examples added to
    # the tuning data, the model told not to "correct" a group's usage: each is a remediation
    case(
        "bias-complaint",
        "mitigation_plan",
        True,
        "First thing I'd ship is a post-generation check that holds back any rewrite which "
        "swaps the writer's pronouns.",
    ),
    case(
        "bias-complaint",
        "mitigation_plan",
        True,
        "Short term, an instruction to the model not to assume a gender when the source "
        "sentence has none.",
    ),
    case(
        "bias-complaint",
        "mitigation_plan",
        True,
        "Longer term we add a few hundred Scottish English examples to the tuning set.",
    ),
    case(
        "bias-complaint",
        "mitigation_plan",
        True,
        "We'd change it so the grammar checker does not flag double negatives in AAVE as mistakes.",
    ),
    # "be fair" told to the model, or instructions for the support staff, change nothing
    case(
        "bias-complaint",
        "mitigation_plan",
        False,
        "We'd simply tell the model to be fair and more inclusive from now on, and move on.",
    ),
    case(
        "bias-complaint",
        "mitigation_plan",
        False,
        "I'd add an instruction to be more inclusive, and reassure the user we care about this.",
    ),
    case(
        "bias-complaint",
        "mitigation_plan",
        False,
        "I'd give the support team instructions to apologise warmly and thank her for the "
        "feedback.",
    ),
    # a rate stated as a share of the time, or one group counted against another, on a fixed
    # set, with a bar
    case(
        "bias-complaint",
        "measurement_strategy",
        True,
        "We'd run 800 source sentences with no gender through it, and the bar is a neutral "
        "pronoun at least 90% of the time.",
    ),
    case(
        "bias-complaint",
        "measurement_strategy",
        True,
        "Take 500 job ads, tally the masculine-coded words against the feminine-coded ones, and "
        "call it fixed once the difference is 3 points or less.",
    ),
    case(
        "bias-complaint",
        "measurement_strategy",
        True,
        "On 1,200 Finnish sentences with no gender, it should use a neutral pronoun at least "
        "nine times out of ten.",
    ),
    case(
        "bias-complaint",
        "measurement_strategy",
        True,
        "On 700 translated sentences we count she against he for every job title in the "
        "output, aiming for no more than a 5 point difference.",
    ),
    case(
        "bias-complaint",
        "measurement_strategy",
        False,
        "We'd keep an eye on how often it happens and make sure it feels fair to everyone.",
    ),
    # holding a promise back until the facts are in is not a reassurance script
    case(
        "bias-complaint",
        "ap:apology_only",
        False,
        "Before we promise the user anything, I want to know how widespread this is.",
    ),
    case(
        "bias-complaint",
        "ap:apology_only",
        False,
        "Until I promise her anything, I want to understand exactly what she saw and why.",
    ),
    case(
        "bias-complaint",
        "ap:apology_only",
        True,
        "I'd say sorry to her and promise her it will never happen again, and leave it there.",
    ),
]

RESUME_NEW = [
    # the metric named first, its move told in the next sentence with a pronoun
    case(
        "impact-resume",
        "quantified_lift",
        True,
        "The number we lived by was how many quotes turned into bound policies. It climbed from "
        "18% to 24% in two months.",
    ),
    case(
        "impact-resume",
        "quantified_lift",
        True,
        "What we tracked was how often shoppers finished checkout on their phones. That rose "
        "from 52% to 57% after launch.",
    ),
    case(
        "impact-resume",
        "quantified_lift",
        False,
        "What I watched was how fast the service answered each request. It went from 900 ms to "
        "300 ms.",
    ),
    # how often people acted on its output, against the old way
    case(
        "impact-resume",
        "quantified_lift",
        True,
        "Suggested replies got accepted 41% of the time, against 30% for the old templates.",
    ),
    case(
        "impact-resume",
        "quantified_lift",
        True,
        "Invoices it pre-filled were approved on first pass 77 percent of the time, up from 61.",
    ),
    case(
        "impact-resume",
        "quantified_lift",
        False,
        "The classifier was right 92% of the time versus 85% for the old rules engine.",
    ),
    # the people it served had fewer (or more) of something in their work
    case(
        "impact-resume",
        "product_outcome",
        True,
        "Agents fielded fewer repeat calls from the same customers because the first answer "
        "was right.",
    ),
    case(
        "impact-resume",
        "product_outcome",
        True,
        "Once it was live, shift managers faced far fewer last-minute gaps in the rota.",
    ),
    case(
        "impact-resume",
        "product_outcome",
        False,
        "Users got more accurate suggestions, and the model scored higher on our eval set.",
    ),
    # the worry named, and what was done before anyone saw it: data stripped, a person signs
    case(
        "impact-resume",
        "risk_framing",
        True,
        "We were worried it would echo people's medical details, so we scrubbed names and "
        "diagnoses from every note before the text reached the model.",
    ),
    case(
        "impact-resume",
        "risk_framing",
        True,
        "We were scared of it sounding rude, so we pushed a few hundred made-up tickets through "
        "it before any customer saw a reply.",
    ),
    # compliance cleared the data use; when unsure, it held back instead of guessing
    case(
        "impact-resume",
        "risk_framing",
        True,
        "Before we shipped, our compliance team confirmed the call recordings were covered by "
        "the contracts we had with each clinic.",
    ),
    case(
        "impact-resume",
        "risk_framing",
        True,
        "Before launch we made it leave the field blank whenever the model wasn't confident, "
        "rather than guessing at a category.",
    ),
    # a worry about the schedule is not a worry about what the model does
    case(
        "impact-resume",
        "risk_framing",
        False,
        "Leadership was worried about the timeline, so we set up a weekly owner review and "
        "shipped on time.",
    ),
    # monitoring promised for later is not a mitigation before launch
    case(
        "impact-resume",
        "risk_framing",
        False,
        "We'd probably add drift monitoring and a few alerts at some point after the "
        "launch, once things settle down.",
    ),
    case(
        "impact-resume",
        "risk_framing",
        False,
        "Privacy matters a lot to me, and going forward we'll definitely add more alerts and "
        "monitoring.",
    ),
]

VALUES_NEW = [
    # a gate: nothing goes in until the person acts
    case(
        "values-alignment",
        "mission_link",
        True,
        "At a slide-deck startup the assistant drafted speaker notes, but nothing went into "
        "the deck until the speaker clicked it.",
    ),
    case(
        "values-alignment",
        "mission_link",
        True,
        "In the grant-writing tool I owned, the model drafted each section, but no paragraph "
        "was saved unless the applicant okayed it.",
    ),
    # the machine proposes, the person decides or keeps the last say
    case(
        "values-alignment",
        "mission_link",
        True,
        "On our podcast app the tool proposes the cuts, and the host has the final say on each "
        "one.",
    ),
    case(
        "values-alignment",
        "mission_link",
        True,
        "In the lesson planner I ran, it recommends activities and the teacher chooses, every "
        "single time.",
    ),
    # the person restores what the machine hid, or writes part of it themselves
    case(
        "values-alignment",
        "mission_link",
        True,
        "Our cleanup feature hides filler words instead of removing them, and the editor can "
        "bring any of them back with a click.",
    ),
    case(
        "values-alignment",
        "mission_link",
        True,
        "With the wedding-speech helper we shipped you get a few prompts, but you write the "
        "actual toast yourself.",
    ),
    # a decision that took the person out is the opposite of the mission
    case(
        "values-alignment",
        "mission_link",
        False,
        "At my last job reps could edit the drafts, but we switched to auto-sending them "
        "without anyone reviewing, since reps rarely changed anything.",
    ),
    case(
        "values-alignment",
        "mission_link",
        False,
        "Agents used to pick from suggested answers; we then moved the password resets to fully "
        "automatic replies with no human involved.",
    ),
]

COMP_NEW = [
    # a bare figure in thousands as the sign-on ask
    case(
        "comp-negotiation",
        "sign_on",
        True,
        "Sign-on wise, 28 would cover the bonus I forfeit in March.",
    ),
    case(
        "comp-negotiation",
        "sign_on",
        True,
        "For the signing bonus, could we call it 30? That's what I leave behind.",
    ),
    # a count or an age next to the sign-on is not an ask
    case(
        "comp-negotiation",
        "sign_on",
        False,
        "The sign-on matters less to me; I manage 25 engineers and I'm 34, so equity is the thing.",
    ),
    # the sign-on in other words: cash at the start, a lump sum
    case(
        "comp-negotiation",
        "sign_on",
        True,
        "I'd like a bigger lump sum at the start, 30 thousand rather than 23.",
    ),
    case(
        "comp-negotiation",
        "sign_on",
        True,
        "Could you put some more money up front, something like $27k?",
    ),
    # adding an amount to it
    case(
        "comp-negotiation",
        "sign_on",
        True,
        "If you could add a couple thousand to the joining bonus, that would settle it for me.",
    ),
    case(
        "comp-negotiation",
        "sign_on",
        True,
        "Can you add another 3k to the sign-on to cover my relocation?",
    ),
    case(
        "comp-negotiation",
        "sign_on",
        False,
        "Could we add a clause so part of the sign-on goes to a conference?",
    ),
]


# Dev set 4 by kind: an anti-pattern is the answer only when nothing else is offered
# or the speaker does not set it aside.
DEV4_NEW = [
    # apology only: a refund and a kind word, nothing in the product changes
    case(
        "bias-complaint",
        "ap:apology_only",
        True,
        "I'd write to her personally, say how sorry we are and refund her subscription.",
        "We'd also let her know the whole team has read her note. Making her feel heard is "
        "what matters most to me.",
    ),
    # claiming the apology is the whole answer, even if a fix comes after pushback
    case(
        "bias-complaint",
        "ap:apology_only",
        True,
        "We apologise sincerely and give her a free quarter. Honestly, that's my answer: "
        "repair the relationship first.",
        "Okay, beyond that I'd add a filter on outputs that blocks gendered adjectives.",
    ),
    # near-miss: the goodwill gesture is set aside as not the fix, then real changes follow
    case(
        "bias-complaint",
        "ap:apology_only",
        False,
        "Sure, we refund him and say sorry, but a refund won't fix what the next person sees.",
        "So we retrain the rewrite model on a balanced sample and add a classifier after "
        "generation that holds back descriptions tied to accent or origin.",
    ),
    # near-miss: one line of comfort that points straight at the work
    case(
        "bias-complaint",
        "ap:apology_only",
        False,
        "I'd tell her we're on it, and then make sure it actually is.",
        "That means a post-processing filter on suggestions and a weekly sample read by two "
        "reviewers, escalated to me within a day if they disagree.",
    ),
    # engineering metric only: throughput and memory, nothing a user did differently
    case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        "I halved the memory footprint of our ranking model and pushed throughput up 3x on "
        "the same hardware.",
    ),
    # near-miss: the speed figure is why people stopped abandoning the feature
    case(
        "impact-resume",
        "ap:engineering_metric_only",
        False,
        "We brought response time under 150 ms, because above that people gave up and typed "
        "the reply themselves.",
    ),
    # near-miss: the model score is mentioned and explicitly not how the work is judged
    case(
        "impact-resume",
        "ap:engineering_metric_only",
        False,
        "AUC went from 0.81 to 0.88, but that's not how I'd judge it.",
        "What counted: merchants disputed 30% fewer flagged orders in the first two months.",
    ),
    # research résumé: an award and a patent offered as the evidence
    case(
        "impact-resume",
        "ap:research_resume",
        True,
        "My strongest evidence is the best paper award at EMNLP and two granted patents on "
        "retrieval.",
    ),
    # near-miss: the paper is a by-product; the answer is a shipped feature
    case(
        "impact-resume",
        "ap:research_resume",
        False,
        "We did publish a paper on it, but that was a by-product. The product was smart "
        "replies in our helpdesk inbox.",
        "Agents closed 9% more tickets per shift in the test group than in the holdout.",
    ),
    # skills listing: analytics tools as the answer
    case(
        "impact-resume",
        "ap:skills_listing",
        True,
        "I'm strongest in analytics tooling: Mixpanel, Amplitude, Metabase and BigQuery.",
    ),
    # near-miss: the stack is waved past in one clause; the answer is a product decision
    case(
        "impact-resume",
        "ap:skills_listing",
        False,
        "The stack was nothing exotic, Python and Kubernetes. The interesting part was "
        "limiting the assistant to refund questions, where it was reliable.",
        "Refund tickets closed without a human rose 15% in the quarter.",
    ),
    # generic values: a borrowed quote offered as the whole principle
    case(
        "values-alignment",
        "ap:generic_values",
        True,
        "Einstein said imagination is more important than knowledge. That quote is how I "
        "think about AI for writers.",
        "I have it pinned on a sticky note above my desk.",
    ),
    # generic values: a principle framework that only talks about 'a feature' in general
    case(
        "values-alignment",
        "ap:generic_values",
        True,
        "My core principles are honesty, craft and joy. If a feature honours all three, it "
        "helps people rather than replacing them.",
    ),
    # near-miss: a motto, then one decision that kept the writer the author at a cost
    case(
        "values-alignment",
        "ap:generic_values",
        False,
        "My motto is that the writer holds the pen. On our newsletter tool I removed the "
        "auto-send option, so every draft waits for the author to approve it, and weekly "
        "sends dropped about 10%.",
    ),
    # mission link: a claim about every decision is not a product behaviour
    case(
        "values-alignment",
        "mission_link",
        False,
        "Every product decision I make goes through one test: lift people up, never swap them out.",
    ),
    # near-miss for the above: one design where writers keep ownership of their work
    case(
        "values-alignment",
        "mission_link",
        True,
        "I pushed for paragraph suggestions that the author expands by hand, and the writers "
        "kept ownership of their chapters.",
    ),
    # salary only: a base demand above the band, however the reason is phrased
    case(
        "comp-negotiation",
        "ap:salary_only",
        True,
        "Childcare in the city runs about $3,000 a month, so I'd need the base at $199,000 "
        "just to keep our life where it is now.",
    ),
    # anchor: asking the base to 'reflect market rate' is a demand, not acceptance
    case(
        "comp-negotiation",
        "anchor_base",
        False,
        "Market surveys put the median near $215k, so I'd want the base to reflect market rate.",
    ),
    # near-miss: the base is left alone and the ask goes elsewhere
    case(
        "comp-negotiation",
        "ap:salary_only",
        False,
        "The $172k base works for me as it is. What I'd like instead is more equity, tied to "
        "weekly active writers rising 5% in my first year.",
    ),
    # risk framing: drift guarded before launch (live-vs-training comparison, retrain trigger)
    case(
        "impact-resume",
        "risk_framing",
        True,
        "Seasonality was the risk we knew about. Before we launched, we set up a nightly "
        "distribution check of live inputs against the training data, with an automatic "
        "retrain trigger when they diverged.",
    ),
    # risk framing: trust protected before launch, nothing applied without the user
    case(
        "impact-resume",
        "risk_framing",
        True,
        "Trust was my worry. Before launch a small panel of power users tried it, and we made "
        "sure edits are never applied automatically.",
    ),
    # near-miss: drift only handled once the feature was live
    case(
        "impact-resume",
        "risk_framing",
        False,
        "A month after launch the rankings started to slip, drift really, so we retrained and "
        "added monitoring after that.",
    ),
    # near-miss: a research topic (fairness papers) is not a mitigation
    case(
        "impact-resume",
        "risk_framing",
        False,
        "I wrote my thesis on fairness in recommender systems, and privacy is always front of "
        "mind for me.",
    ),
    # product outcome: incidents closed faster is operations, not a user effect
    case(
        "impact-resume",
        "product_outcome",
        False,
        "We added better alerting, so outages now get resolved in about ten minutes instead "
        "of an hour.",
    ),
    # near-miss: a professional user stopped doing a chore because of the feature
    case(
        "impact-resume",
        "product_outcome",
        True,
        "After the clause flags went live, associates stopped sending every lease to a "
        "partner for a first read.",
    ),
]

# Found by playing whole interviews as weak and strong candidates (dev6 round).
PLAYED = [
    # a model result told as a workshop publication: a research résumé, not shipped impact
    case(
        "impact-resume",
        "ap:research_resume",
        True,
        "I led a team that built a transformer model that beat the previous state of the art "
        "on our internal benchmark by 4 points of F1, and we published it at a workshop.",
    ),
    # a quoted return reason is a name, not a negation: the lift counts
    case(
        "impact-resume",
        "quantified_lift",
        True,
        "After the photo checker launched, returns marked 'not as described' dropped from 6.5% "
        "to 4.8% for the sellers using it, against a holdout of sellers without it.",
    ),
]

CASES = (
    PLAYED
    + ISSUE
    + IMPACT_RESUME
    + VALUES_ALIGNMENT
    + COMP_NEGOTIATION
    + BIAS_COMPLAINT
    + BIAS_NEW
    + RESUME_NEW
    + VALUES_NEW
    + COMP_NEW
    + DEV4_NEW
)


@pytest.mark.parametrize(
    "c",
    CASES,
    ids=case_ids(CASES),
)
def test_verdict_follows_meaning(catalogue, c: Case) -> None:
    got, detail = _verdict(catalogue, c)
    assert got == c.want, (c.answers, detail)


def test_thanks_then_measuring_the_bias_is_past_the_apology(catalogue) -> None:
    """Found by playing a strong candidate: thanking the user, then counting how often the
    model guesses a gender, drew the "apology script" pushback; an apology alone still does."""
    scenario = catalogue.get("bias-complaint")
    measured = (
        "First I'd thank her and confirm we're looking into it today. Then I'd pull every "
        "suggestion the model made in the last month that mentions a profession, and count how "
        "often it guesses a gender when the text doesn't say one."
    )
    assert "apology_only" not in score_answers(scenario, [measured]).antipatterns
    sorry = "I'm so sorry this happened; we apologise to her and we take this very seriously."
    assert "apology_only" in score_answers(scenario, [sorry]).antipatterns
