"""Scripted candidates for the interviewer QA suite, written from the seed.

Each scenario has a strong answer per criterion (what a prepared candidate says
when asked about it), a half-hearted one (what a middling candidate says), and
the weak move its first anti-pattern describes. The candidates in
`test_interviewer_qa.py` answer whatever the interviewer asks about next.
"""

from __future__ import annotations

STRONG: dict[str, dict[str, str]] = {
    "auto-summarize": {
        "hypothesis": (
            "Most people who hit summarize on a long thread want one thing: what was decided "
            "and what they have to do. My bet is that a summary that opens with decisions and "
            "action items lifts the share of summaries people keep from 30% to 36%."
        ),
        "causal_mechanism": (
            "Today the model retells the thread in order, so readers scroll for the decision "
            "and give up. When the summary puts the decision and the owner in the first line, "
            "people get their answer in seconds, so they copy it into their notes instead of "
            "dismissing it and reopening the thread."
        ),
        "primary_metric": (
            "The one number is summary acceptance: the share of summaries kept open or copied, "
            "which I'd take from 30% to 36% within a quarter."
        ),
        "experiment_plan": (
            "I'd randomly split 20,000 users into two equal groups for two weeks, one with the "
            "current summary and one with the new one, and only ship if the 95% confidence "
            "interval on the difference in acceptance stays above zero."
        ),
        "compute_constraint": (
            "With half a percent of the compute budget we can't run the large model on every "
            "summary, so I'd use the small model on short threads and only call the big one on "
            "threads over fifty messages, which narrows the hypothesis to long threads."
        ),
    },
    "impact-lens": {
        "hypothesis": (
            "My pitch is tone suggestions that adapt to the recipient. If we ship them, I "
            "predict free-to-paid conversion among heavy writers rises by 3% within a quarter."
        ),
        "experiment_plan": (
            "We'd run an A/B test on 20,000 free users split evenly at random for four weeks, "
            "sized to detect a 3% lift with 80% power, and ship only if the result is "
            "significant at the 95% level."
        ),
        "iteration": (
            "Afterwards I'd write a post-mortem that breaks the lift down by segment, say "
            "sales emails against support replies, to see where it varied. The weakest segment "
            "becomes the next hypothesis we test."
        ),
        "safety_guardrails": (
            "Before launch we'd run a bias check across dialects and gendered names, a weekly "
            "human review of a sample of suggestions with an escalation path, and a compliance "
            "review against the EU AI Act."
        ),
    },
    "tone-transformer": {
        "inference_path": (
            "The user selects text and picks a tone in the editor; the client sends the "
            "paragraph plus the surrounding sentences to our API, which calls the model on a "
            "GPU server, then a filter drops unsafe or unchanged rewrites and ranks the rest "
            "before the top suggestion appears inline."
        ),
        "compute_limits": (
            "Suggestions have to arrive within 300 ms at p95 or people keep typing past them. "
            "The full model takes about 900 ms, so I'd distil it into a smaller model and "
            "quantise to 8-bit, accepting a small drop in quality for the speed."
        ),
        "business_mapping": (
            "BLEU only matters if it predicts behaviour, so I'd check whether a higher offline "
            "score actually raises the suggestion acceptance rate and seven-day retention in a "
            "test before we trust it."
        ),
        "monitoring_plan": (
            "Once live I'd watch acceptance rate, p95 latency and input drift on a dashboard; "
            "if acceptance drops below 20% or latency goes over 400 ms, the on-call ML engineer "
            "gets paged."
        ),
    },
    "bias-complaint": {
        "mitigation_plan": (
            "This week we add a post-processing filter that blocks the stereotyped completions "
            "the user reported, and then we rebalance the fine-tuning data with more examples "
            "from the under-represented groups and retrain."
        ),
        "measurement_strategy": (
            "We'd build an evaluation set of prompts where only the name or pronoun changes and "
            "compare the rate of negative completions per group; the fix counts only when the "
            "parity ratio between groups is at least 0.9."
        ),
        "human_review": (
            "A reviewer from the trust team samples 200 outputs every week, and anything "
            "flagged goes to an escalation channel that the model owner answers within a day; "
            "we'd also have an external audit each quarter."
        ),
    },
    "impact-resume": {
        "product_outcome": (
            "I shipped smart replies for our support inbox, for the agents answering customer "
            "tickets. Because agents answered faster, customers got replies sooner and our "
            "renewals improved."
        ),
        "quantified_lift": (
            "Against a holdout group, tickets resolved per agent hour rose by 6% and weekly "
            "retention of the agent seats went up 4% over the quarter after launch."
        ),
        "risk_framing": (
            "Before launch we made sure no customer data went into training, set up a drift "
            "check that rolled back the model if reply acceptance fell more than five points, "
            "and kept a human approving every reply before it was sent."
        ),
    },
    "values-alignment": {
        "concrete_example": (
            "At my last company we built an AI writing coach for grant applications, and I "
            "decided not to ship the one-click full draft the model could produce."
        ),
        "mission_link": (
            "Instead the model suggests an outline from the applicant's own notes and the "
            "applicant writes every paragraph, so the writer stays the author and in control "
            "of their words."
        ),
        "tradeoff": (
            "It cost us: time to first draft went from 15 minutes to about 40, and our trial "
            "conversion came in 8% lower than the full-draft prototype, but I'd make the same "
            "call again."
        ),
    },
    "comp-negotiation": {
        "anchor_base": "I'm happy to accept the base of $172,000 as it is.",
        "equity_for_impact": (
            "What I'd like is equity at 0.05% instead of 0.04%, tied to a KPI: if the features "
            "I own lift conversion by 3% in the first year, the extra 0.01% vests."
        ),
        "sign_on": "I'd ask for a sign-on of $28,000 to cover the bonus I'm leaving behind.",
        "budget_flex": (
            "And I'd like a budget-flex clause so $4,000 of the sign-on can go to conferences "
            "and courses on AI product work."
        ),
    },
}

# What a middling candidate says: on topic, but short of what the criterion asks.
HALF: dict[str, dict[str, str]] = {
    "auto-summarize": {
        "hypothesis": "I think users want shorter summaries, so we should make them shorter.",
        "causal_mechanism": "Shorter is better for people in a hurry, everyone is busy nowadays.",
        "primary_metric": "I'd track engagement with the feature in general.",
        "experiment_plan": "We'd test it with some users first and see how it goes.",
        "compute_constraint": "Compute is a consideration, we'd keep an eye on the costs.",
    },
    "impact-lens": {
        "hypothesis": "The feature would improve engagement quite a lot, I'm sure of it.",
        "experiment_plan": "We'd do some testing with users before launching widely.",
        "iteration": "We'd look at the results and keep improving things.",
        "safety_guardrails": "Safety is important, we'd be careful with it.",
    },
    "tone-transformer": {
        "inference_path": "The model takes the text and gives back a better version.",
        "compute_limits": "It needs to be fast enough, we'd optimise it.",
        "business_mapping": "Good BLEU scores mean a good product, generally.",
        "monitoring_plan": "We'd keep an eye on how it behaves after launch.",
    },
    "bias-complaint": {
        "mitigation_plan": "We'd look into the model and try to make it fairer.",
        "measurement_strategy": "We'd check whether it happens a lot.",
        "human_review": "Someone on the team would keep an eye on it.",
    },
    "impact-resume": {
        "product_outcome": "I built a recommendation model for our app last year.",
        "quantified_lift": "The numbers went up nicely after launch.",
        "risk_framing": "We thought about risks and tested it well.",
    },
    "values-alignment": {
        "concrete_example": "I always try to keep creativity in mind in my work.",
        "mission_link": "I believe AI should help people, not replace them.",
        "tradeoff": "Sometimes principles cost something, that's life.",
    },
    "comp-negotiation": {
        "anchor_base": "The base is a bit low for me, to be honest.",
        "equity_for_impact": "I'd like more equity if possible.",
        "sign_on": "The sign-on is okay I guess.",
        "budget_flex": "Nothing else really comes to mind.",
    },
}

# The weak move of each scenario's first anti-pattern, said first by the weak candidate.
WEAK_OPENING: dict[str, str] = {
    "auto-summarize": (
        "I'd make the summarize button bigger, move it to the toolbar and use a brighter colour "
        "so the card stands out."
    ),
    "impact-lens": (
        "I'd build something really cool and exciting, like a magic rewrite button, an "
        "innovative feature that would blow people away."
    ),
    "tone-transformer": (
        "First I'd put it behind a feature flag and do a staged rollout: 1% of users, then 10%, "
        "then everyone, with a kill switch."
    ),
    "bias-complaint": (
        "I'm so sorry this happened, we really apologise. We care deeply about every user and "
        "we'll do better, I promise."
    ),
    "impact-resume": (
        "My model reduced latency by 40% and improved accuracy from 88% to 93%, which the "
        "engineering team was really proud of."
    ),
    "values-alignment": (
        "Augmenting human creativity is at the heart of everything I do. AI should empower "
        "people and put humans at the centre."
    ),
    "comp-negotiation": (
        "I really need a higher base, $200,000 at least. The base is the main thing for me."
    ),
}

OFF_TOPIC = [
    "Honestly I've been thinking about my weekend plans, we're going hiking up north.",
    "My cat knocked a plant over this morning, so it's been quite a day.",
    "Did you see the football last night? What a game that was, seriously.",
    "I like coffee better than tea, especially in the mornings before work.",
    "The weather has been strange lately, rain one day and sun the next.",
    "I'm reading a novel about sailing around the world at the moment.",
    "My neighbour is renovating his kitchen and the noise is constant.",
    "We had pizza for dinner yesterday, the kids loved it.",
]
