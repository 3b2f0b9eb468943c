"""Verdicts that follow meaning (issue 10, part 5): auto-summarize, impact-lens and
tone-transformer.

The first cases are the issue's own misjudgements; the rest are paraphrases (the
substance in plain words, often with the numbers spelled out) and fluff (the
topic's words without the substance), written for these tests, one or two per
kind of mistake the detectors used to make. Each asserts one criterion met or
not met, or one anti-pattern present or not.
"""

from __future__ import annotations

import pytest

from bot.core.scorer import score_answers
from tests.core.meaning_cases import Case, case, case_ids
from tests.core.meaning_cases import verdict as _verdict

AS, IL, TT = "auto-summarize", "impact-lens", "tone-transformer"

ISSUE = [
    # a nicer-looking summary and trust: a feeling about the UI, not model behaviour -> user action
    case(
        AS,
        "causal_mechanism",
        False,
        "Because a nicer summary is more pleasant to read, so people trust it more and they use "
        "the feature more often.",
    ),
    # rambling about busy people: no link at all
    case(
        AS,
        "causal_mechanism",
        False,
        "Honestly people are busy nowadays, everyone is scrolling TikTok and all that, so they "
        "want things short, which is why summaries matter and users will love them.",
    ),
    # what the model surfaces first -> what the user then does (answers, stops dismissing)
    case(
        AS,
        "causal_mechanism",
        True,
        "Most people open a meeting summary to answer one question: what was decided and who "
        "owns what. When the model surfaces decisions and owners first, they can answer that "
        "question in a couple of seconds, so the summary actually replaces reading the transcript "
        "and they stop dismissing it.",
    ),
    # an outage page is not a plan for watching the model in production (short and padded)
    case(TT, "monitoring_plan", False, "Errors, mainly. Someone gets paged if it's down."),
    case(
        TT,
        "monitoring_plan",
        False,
        "Errors, mainly, once it's live. Someone gets paged if it's down, that's the main thing.",
    ),
    # one metric with a target: "by around 5 %" and "from 40 % to 45 %"
    case(
        AS,
        "primary_metric",
        True,
        "The one number I'd watch: the fraction of summaries people keep open goes up by around "
        "5 %, from 40 % to 45 %.",
    ),
    case(
        AS,
        "primary_metric",
        True,
        "I'd be judged on the fraction of summaries people keep open, and I'd want it to go up by "
        "around 5 %.",
    ),
]

AUTO_SUMMARIZE = [
    # causal mechanism: model behaviour (order, what it quotes) -> user action, in plain words
    case(
        AS,
        "causal_mechanism",
        True,
        "Recruiters summarize interview notes to decide who moves forward. If the summary starts "
        "with the hiring signal and the two biggest concerns, they can make the call from the "
        "summary alone, so they stop opening the full notes.",
    ),
    case(
        AS,
        "causal_mechanism",
        True,
        "Right now the summary mirrors the email chain in order, so the last-minute change of "
        "venue is at the bottom and people miss it. Surface changes to plans first, and readers "
        "act on the latest version instead of the first one.",
    ),
    case(
        AS,
        "causal_mechanism",
        True,
        "A digest that quotes the exact deadline lets the reader drop it into their calendar "
        "straight away instead of digging through the thread for it.",
    ),
    # causal fluff: feelings, smarter models, placement in the UI
    case(
        AS,
        "causal_mechanism",
        False,
        "The model would be smarter and more advanced, so users would just like it more and use "
        "it more often than today.",
    ),
    case(
        AS,
        "causal_mechanism",
        False,
        "A clean, modern summary card builds trust, and trust is what drives adoption of AI "
        "features in general.",
    ),
    case(
        AS,
        "causal_mechanism",
        False,
        "We should surface the summary first in the UI so users click it more, and show it in a "
        "nicer popup.",
    ),
    # a quantified prediction alone is the hypothesis, not the why
    case(
        AS,
        "causal_mechanism",
        False,
        "My bet: if the summary of a Slack export starts from the user's last visit instead of "
        "the top of the channel, about 20% more people will paste it into their standup notes.",
    ),
    # primary metric: the one number, then a target in the next sentence or in words
    case(
        AS,
        "primary_metric",
        True,
        "Number I'd be judged on: edits per summary before it's sent. Today about 3.1, target 2.5.",
    ),
    case(
        AS,
        "primary_metric",
        True,
        "My metric is how often a summary gets pasted into a ticket, and I'd want that going from "
        "about one in five to one in four.",
    ),
    case(
        AS,
        "primary_metric",
        True,
        "I'd pick one number: the share of visit summaries that doctors sign without editing. "
        "It's around thirty-five percent today. The bar I'd set is forty-two.",
    ),
    case(
        AS,
        "primary_metric",
        False,
        "We'd pick a north-star metric for the feature and set an ambitious target for it with "
        "the team.",
    ),
    case(
        AS,
        "primary_metric",
        False,
        "We will grow summary usage 10x with a bold new approach, leveraging AI to delight "
        "customers and drive engagement across the board.",
    ),
    # a test described in words: a spelled-out population and confidence level
    case(
        AS,
        "experiment_plan",
        True,
        "We'd hand the new version to a random half of roughly twelve thousand sellers for three "
        "weeks, and only keep it if the low end of the ninety-five percent range is above zero.",
    ),
    # a population given as a bare figure, arms against a control
    case(
        AS,
        "experiment_plan",
        True,
        "Each variant goes head to head with the current summary on a random slice of users: "
        "about 60,000 weekly summarizers, four slices plus a control. A variant only wins if it "
        "beats control by more than the margin of error at 95%.",
    ),
    # compute: a budget that rules something out, in plain words; market sizing is not one
    case(
        AS,
        "compute_constraint",
        True,
        "On the phone we only have a tiny model and about 300 milliseconds, so a full rewrite is "
        "out; the bet has to be reordering what the summary already says.",
    ),
    case(
        AS,
        "compute_constraint",
        True,
        "It has to come back in under 800 ms, so a second pass with the big model is out; the "
        "change has to be a reordering the small model can do in one go.",
    ),
    case(
        AS,
        "compute_constraint",
        False,
        "Let me compute the opportunity: 2 million users at $5 a month is a big prize, so we "
        "should invest more.",
    ),
    case(
        AS,
        "primary_metric",
        True,
        "The scoreboard for me is one thing: how many summaries get copied into a doc or a "
        "ticket, out of every hundred shown. Today it's about twelve; I'd call the change a "
        "success at fifteen.",
    ),
    # a vague target ("make it great"), a split ("half"), vibes as a ship rule: no substance
    case(
        AS,
        "primary_metric",
        False,
        "The one number that matters is user happiness. We'd aim to make it great, and we'd get "
        "there in a few sprints.",
    ),
    case(
        AS,
        "primary_metric",
        False,
        "If we cut length in half, they'll read more of them, and I think engagement improves a "
        "lot. The key metric is engagement, and we want it higher.",
    ),
    case(
        AS,
        "experiment_plan",
        False,
        "I'd run an experiment with five hundred thousand dollars of budget and a big launch "
        "event. We would only ship it when the team is confident it's ready.",
    ),
    case(
        AS,
        "ap:ui_only",
        True,
        "Pin the summary to the top of the page, bold the names, and make the copy button bigger "
        "and brighter.",
    ),
    case(
        AS,
        "ap:ui_only",
        True,
        "I'd put the summary above the fold and add a little sparkle animation so it catches the "
        "eye. Maybe a toggle for short versus long.",
    ),
    case(
        AS,
        "ap:research_without_hypothesis",
        True,
        "Microsoft and Google have both published usage studies on AI summaries; I'd read them "
        "carefully and match what the leaders are doing, since they have way more data than us.",
    ),
    # a competitor named only to be set aside is not leaning on research
    case(
        AS,
        "ap:research_without_hypothesis",
        False,
        "I know one rival shipped a bullet mode last spring, but that's not my reason; our own "
        "logs show people reopen summaries that list the decisions.",
    ),
    case(
        AS,
        "ap:research_without_hypothesis",
        True,
        "Notion does it that way and their reviews are great, so honestly I'd just copy what "
        "works for them.",
    ),
    # dev4 kinds: leaning on outside voices (analysts, teardowns, interviews) and putting off
    # any bet is research without a hypothesis; research that ends in a quantified bet is not
    case(
        AS,
        "ap:research_without_hypothesis",
        True,
        "IDC and two analyst firms both say meeting tools are racing to add recaps, so I'd "
        "follow the market leaders and match their feature set.",
        "I'd hold off before committing to a number until a second survey comes back.",
    ),
    case(
        AS,
        "ap:research_without_hypothesis",
        True,
        "I'd run a dozen user interviews first and let the interviews shape what we build; "
        "going in with a bet only biases what we hear.",
    ),
    case(
        AS,
        "ap:research_without_hypothesis",
        False,
        "A competitor teardown showed rivals leading with decisions rather than chronology.",
        "That gives me something to test: if our recap opens with the decision, readers act "
        "on it without opening the thread, and I predict same-day replies to recaps go from "
        "18% to 22%.",
    ),
    # dev4 kinds: the summary citing or attaching its source, or being ready before it is
    # asked for, is model behaviour that changes what the reader does next
    case(
        AS,
        "causal_mechanism",
        True,
        "Readers doubt recaps they cannot verify.",
        "So I'd have each bullet cite the passage it rests on; once someone can verify a point "
        "at a glance, they answer the thread from the recap instead of reopening the file.",
    ),
    case(
        AS,
        "causal_mechanism",
        False,
        "Readers doubt recaps they cannot verify, and I'd love for them to feel more confident "
        "about the feature overall.",
    ),
    # an extra model pass that will not fit a response-time limit is a compute constraint;
    # figures reported as "within budget" with nothing narrowed are not
    case(
        AS,
        "compute_constraint",
        True,
        "The recap has to appear as the page opens, so we have about 600 milliseconds, and an "
        "extra ranking pass over every section won't fit; I'd rank only the headings.",
    ),
    case(
        AS,
        "compute_constraint",
        False,
        "For context, p95 latency is 900 ms and each recap costs about 0.2 cents, so we're "
        "within budget today.",
    ),
    # a labelled "Metric:" line with a target, or "take it to N%", names one metric and a target
    case(
        AS,
        "primary_metric",
        True,
        "Metric: share of recaps pasted into a ticket within an hour. 30% today, target 36%.",
    ),
    case(
        AS,
        "primary_metric",
        True,
        "The one number I'd be judged on is how many recaps get forwarded the same day. It's "
        "near 14% now, and I'd expect the new layout to take it to 18%.",
    ),
    case(
        AS,
        "primary_metric",
        False,
        "Metric-wise, I'd keep an eye on a few dashboards and see what looks interesting.",
    ),
]

IMPACT_LENS = [
    # iteration: a quantified spread across groups that sets the next bet
    case(
        IL,
        "iteration",
        True,
        "Once the test ends I'd break the lift down by company size. If small teams gained 4 "
        "points and enterprises got nothing, the next bet is a lighter onboarding for small teams.",
    ),
    case(
        IL,
        "iteration",
        True,
        "In the post-mortem I'd look at where the savings varied. If the day ward saved six "
        "minutes and the ICU saved basically nothing, that points us to the next thing to try.",
    ),
    case(
        IL,
        "iteration",
        True,
        "When the test wraps, I'd sit down with the numbers and ask who it didn't work for. Say "
        "new writers improved a lot but people with established habits ignored it, then my next "
        "bet is an onboarding nudge aimed at the habitual group.",
    ),
    case(
        IL,
        "iteration",
        True,
        "If the result is flat, we'd dig into why: maybe the suggestions were too generic. That "
        "finding would then shape what we try next, for example more specific suggestions for "
        "legal writers.",
    ),
    case(
        IL,
        "iteration",
        False,
        "We'd do a retro at the end, see what went well and what surprised us, and feed that into "
        "the next sprint's planning.",
    ),
    case(
        IL,
        "iteration",
        False,
        "After launch we'd look at how it worked for users and keep improving it over time in the "
        "next version.",
    ),
    case(
        IL,
        "iteration",
        False,
        "Afterwards we'd do a retro, learn from it and iterate towards the next version of the "
        "feature.",
    ),
    case(
        IL,
        "iteration",
        False,
        "We'd compare the result with the 5% target and then move on to the next feature on the "
        "roadmap.",
    ),
    # numbers in words still count
    case(
        IL,
        "hypothesis",
        True,
        "My prediction: trial-to-paid conversion goes from about four percent to five once "
        "suggestions match the writer's tone.",
    ),
    case(
        IL,
        "hypothesis",
        False,
        "I think it would increase engagement and retention a lot, maybe 10x, because people love "
        "AI features that feel magical.",
    ),
    case(
        IL,
        "experiment_plan",
        True,
        "We'd randomly split about twenty thousand new sign-ups into two halves and ship only if "
        "the ninety-five percent interval on the difference excludes zero.",
    ),
    # legal sign-off as a roadmap milestone, or compliance as a buzzword, is not a guardrail
    case(
        IL,
        "safety_guardrails",
        False,
        "For smart citations the first thing I do is build the plan: a twelve-week roadmap with "
        "milestones for research, engineering, design and legal sign-off.",
    ),
    case(
        IL,
        "safety_guardrails",
        False,
        "Compliance and human review are obviously part of it too.",
    ),
    case(
        IL,
        "safety_guardrails",
        True,
        "Anything that touches claims goes through our compliance team against state insurance "
        "rules before launch, and adjusters approve every letter before it's sent.",
    ),
    case(
        IL,
        "ap:cool_features",
        True,
        "Picture an AI that drafts your whole newsletter in your voice. It's beautiful, it's fast, "
        "and honestly it's the future of writing. Users are going to be obsessed.",
    ),
    case(
        IL,
        "ap:timeline_manager",
        True,
        "Phase one is discovery for four weeks, phase two is build for eight weeks, phase three is "
        "launch and hypercare. I'd keep a Gantt chart so we always know if we're on track.",
    ),
    case(
        IL,
        "ap:timeline_manager",
        True,
        "First the plan: owners per phase, weekly syncs with engineering, and milestones so we "
        "never slip on dates.",
    ),
    # dev4 kinds: agile ceremonies, RAG status decks and phase gates run as the job are
    # timeline management too; a schedule kept only for the sake of the owned metric is not
    case(
        IL,
        "ap:timeline_manager",
        True,
        "I'd keep a tidy backlog, groom it every Tuesday, hold a retro at the close of each "
        "sprint and make sure no ticket sits in review for more than a day.",
    ),
    case(
        IL,
        "ap:timeline_manager",
        True,
        "Each Monday the leads get a status deck with every stream marked amber or green, and "
        "my job is making sure the programme stays on track so nobody upstairs is caught out.",
    ),
    case(
        IL,
        "ap:timeline_manager",
        False,
        "I'd own weekly retention of new writers and expect it to go from 22% to 25%.",
        "I'll watch the dependencies and the critical path too, but only because a late start "
        "shrinks the test window and the sample.",
    ),
    # dev4 kinds: how far the result swung week to week and where the lift came from,
    # feeding the next bet, is iteration; "half with the feature" is a controlled split
    case(
        IL,
        "iteration",
        True,
        "After the test the readout shows how much the lift swung week to week, and then I'd "
        "trace where it came from; if nearly all of it sits with repeat users, the next "
        "hypothesis targets getting newcomers to a second use.",
    ),
    case(
        IL,
        "iteration",
        False,
        "After the test I'd send the readout to leadership and celebrate the launch with the team.",
    ),
    case(
        IL,
        "experiment_plan",
        True,
        "I'd give it to 16,000 writers, half with the feature and the other half without, for "
        "three weeks, and ship only if the 95% interval on the difference stays above zero.",
    ),
    # a hype word about a data finding is not hype about the feature
    case(
        IL,
        "ap:cool_features",
        False,
        "I found something pretty cool in the logs: writers who undo a suggestion twice rarely "
        "finish the draft, so I'd offer a gentler rewrite after the second undo.",
    ),
    case(
        IL,
        "ap:cool_features",
        True,
        "I'd pitch a rewrite button that feels like pure magic, a genuinely amazing experience "
        "that writers will rave about.",
    ),
]

TONE_TRANSFORMER = [
    # monitoring: something watched in production AND a threshold, alert recipient or owner
    case(
        TT,
        "monitoring_plan",
        False,
        "We'd monitor everything closely after launch and roll back if anything looks off.",
    ),
    case(
        TT,
        "monitoring_plan",
        False,
        "We'd monitor drift, quality and latency with dashboards after launch, and have alerting "
        "set up.",
    ),
    case(
        TT,
        "monitoring_plan",
        False,
        "We'd look at BLEU across model versions and keep the distilled model if it holds up.",
    ),
    case(
        TT,
        "monitoring_plan",
        True,
        "After launch I'd watch the share of rewrites people accept each day; if it drops under "
        "30% for two days running, the on-call ML engineer gets an alert.",
    ),
    case(
        TT,
        "monitoring_plan",
        True,
        "Once it's live, Priya on the writing team owns a daily look at complaint volume, and "
        "anything above twenty a day lands with her.",
    ),
    # business mapping: an offline score trusted only if it moves what users do
    case(
        TT,
        "business_mapping",
        True,
        "Offline, we'd have nurses rate empathy and clarity. If higher ratings don't cut the "
        "confused follow-up messages patients send, the rating isn't worth optimizing.",
    ),
    case(
        TT,
        "business_mapping",
        True,
        "The offline score doesn't matter on its own. Before trusting the tone-rating set again "
        "I'd check that a two-point gain there actually shows up as higher acceptance.",
    ),
    case(
        TT,
        "business_mapping",
        False,
        "Business mapping is important: BLEU should map to retention.",
    ),
    case(
        TT,
        "business_mapping",
        False,
        "Better BLEU means happier users, obviously, so I'd just push the score as high as it "
        "goes.",
    ),
    case(
        TT,
        "monitoring_plan",
        False,
        "Post-launch we'd watch quality and have an owner for the feature, the usual stuff.",
    ),
    case(
        TT,
        "business_mapping",
        False,
        "We'd track BLEU over time and report it to leadership; if BLEU goes up, the users are "
        "happier, it's that simple.",
    ),
    case(
        TT,
        "ap:writes_code",
        True,
        "For watching it I'd write the query we schedule:\nSELECT day, AVG(accepted) AS rate\n"
        "FROM suggestions\nGROUP BY day\nHAVING AVG(accepted) < 0.2;",
    ),
    # a latency budget next to "keep an eye on quality" is not a monitoring threshold
    case(
        TT,
        "monitoring_plan",
        False,
        "I'd guess suggestions need to land under 200 ms, which probably means a smaller distilled "
        "model. Beyond that we'd keep a close eye on quality and speed after launch and react "
        "quickly if users aren't happy.",
    ),
    # a flag mentioned after the coupling is not opening with a rollout plan
    case(
        TT,
        "ap:rollout_first",
        False,
        "The user's selected sentence plus the chosen tone goes to our model service; the model "
        "returns three rewrites in about 250 ms; we filter out anything toxic and show the rest "
        "inline. We'd put it behind a flag at first, sure, but the coupling is what matters.",
    ),
    case(
        TT,
        "ap:writes_code",
        True,
        "Here's roughly how I'd do it:\n\nresp = client.rewrite(text=selection, tone=tone)\n"
        "if resp.ok:\n    editor.show(resp.suggestions[:2])",
    ),
    case(
        TT,
        "ap:rollout_first",
        True,
        "I'd start with a pilot: a couple of friendly customers first, then a wave of mid-size "
        "accounts, then everyone.",
    ),
    # dev4 kinds: code of other shapes (a JSON settings object, a query over several lines,
    # shell pipes and regex escapes, code read out loud) is still code; prose words are not
    case(
        TT,
        "ap:writes_code",
        True,
        'Simplest is to show the settings file:\n{\n  "checkpoint": "rewrite-small",\n'
        '  "beam_width": 2\n}\nEverything else follows from those knobs.',
    ),
    case(
        TT,
        "ap:writes_code",
        True,
        "Put as a query: SELECT tone, COUNT(*) AS shown\n  FROM rewrites\n  GROUP BY tone; "
        "that tells us which tones people ask for.",
    ),
    case(
        TT,
        "ap:writes_code",
        True,
        "I'd check the logs with cat events.log | grep -c rejected and a pattern like \\d{2} "
        "to spot digits the rewrite dropped.",
    ),
    case(
        TT,
        "ap:writes_code",
        True,
        "Out loud it goes: draft equals rewriter of text, store dot put draft. End if.",
        "Then a try-catch around the whole thing so a timeout gives back nothing.",
    ),
    case(
        TT,
        "ap:writes_code",
        False,
        "The feature's job is a single function for the writer: return their own sentence in "
        "the requested register. A query to our rewrite service comes back with two options, "
        "and a check keeps dates and figures intact before the editor shows them.",
    ),
    # rollout staging in other dress (release rings, market-by-market launch) as the opener;
    # a ramp named only after the coupling, or named to be set aside, is not
    case(
        TT,
        "ap:rollout_first",
        True,
        "I'd go with release rings: our own staff dogfood it for a fortnight, then a "
        "trusted-tester group, then early access, and general availability last.",
    ),
    case(
        TT,
        "ap:rollout_first",
        False,
        "The editor sends the paragraph and the chosen register to the rewrite model, which "
        "returns two options in about 180 ms, and a check drops any that alter figures.",
        "Only once that works end to end would I pick a feature flag and a gradual ramp to "
        "release it.",
    ),
    case(
        TT,
        "ap:rollout_first",
        False,
        "It's tempting to open with a feature flag, but that says nothing about whether the "
        "model helps writers, so I'd begin with how rewrite quality shows up in acceptance.",
    ),
    # dev4 kinds: an exchange rate between model score and a user action is a mapping;
    # "better BLEU, happier users, the rest takes care of itself" is not
    case(
        TT,
        "business_mapping",
        True,
        "In the last trial, each three points of rater-judged tone accuracy bought roughly one "
        "point of suggestion acceptance for the model, until it flattened near 90% accuracy.",
    ),
    case(
        TT,
        "business_mapping",
        False,
        "Our rewrite model scores well on BLEU, and a better BLEU means happier users, so the "
        "product numbers will take care of itself once we push the model.",
    ),
    # a live labelled sample with a floor and an owner is monitoring; an offline ship bar is not
    case(
        TT,
        "monitoring_plan",
        True,
        "Once it's live we'd grade a labelled sample of a few hundred rewrites each week, and "
        "if tone accuracy on that sample drops below 0.85 the on-call ML engineer is paged.",
    ),
]

# Found by playing whole interviews as weak, middling and strong candidates (dev6 round).
PLAYED = [
    # "the person reading it" says who the reader is, not what they will do differently
    case(
        AS,
        "causal_mechanism",
        False,
        "Most of them missed the meeting. So I'd change the summary to start with the action "
        "items for the person reading it.",
    ),
    # ...while reading as the user's changed behaviour still counts
    case(
        AS,
        "causal_mechanism",
        True,
        "Because the summary leads with who owns what, people read it and act on it instead of "
        "scrolling back through the thread.",
    ),
    # a quarter-by-quarter plan with milestones is project management, not the metric
    case(
        IL,
        "ap:timeline_manager",
        True,
        "Then we'd plan the phases: design in Q1, build in Q2, launch by end of Q3 with "
        "milestones every month.",
    ),
    # quarters that serve a stated metric target are not
    case(
        IL,
        "ap:timeline_manager",
        False,
        "We'd run the test in Q1 and, if retention rises from 40% to 44%, roll out in Q2.",
    ),
    # round 8: "still open" is an adjective, not a reader opening anything, and "people who open
    # the summary" says who the reader is; "so I'd make the summary…" is the design, reasoned
    # from the need, with no user action after it
    case(
        AS,
        "causal_mechanism",
        False,
        "I think people who open the summary of a long support ticket mostly want to know what "
        "the customer is still waiting on. So I'd make the summary end with one line saying what "
        "is still open.",
    ),
    case(
        AS,
        "causal_mechanism",
        False,
        "Nobody reads a ten-page incident report anymore, so the summary just has to be shorter "
        "and punchier.",
    ),
    # a condition whose subject is the summary, whatever its verb, then what the reader does
    case(
        AS,
        "causal_mechanism",
        True,
        "If the summary pulls the refund amount and the order number into its first line, agents "
        "can route the ticket on the spot instead of digging through the history.",
    ),
    # ...but not a bare verdict on its quality
    case(
        AS,
        "causal_mechanism",
        False,
        "If the summary is better, people will read it more and like the product.",
    ),
    # round 8: one metric, then today's value and the wanted value in the next sentence, the
    # target without its % sign after a % baseline
    case(
        AS,
        "primary_metric",
        True,
        "The number would be how often an agent sends a reply within five minutes of opening the "
        "summary. Today it's maybe 30 percent, I'd want 40.",
    ),
    case(
        AS,
        "primary_metric",
        True,
        "What I'd track is the share of summaries that get pasted into a reply. That's around "
        "20% today. I'd want it at 26% by the end of the quarter.",
    ),
    case(
        AS,
        "primary_metric",
        True,
        "Today roughly 40% of summary views end in a full-thread open; I'd aim for 30%.",
    ),
    # a baseline with no target is not a target
    case(
        AS,
        "primary_metric",
        False,
        "Today maybe 30% of agents open the summary at all, and I'd like people to use it more.",
    ),
]

CASES = ISSUE + AUTO_SUMMARIZE + IMPACT_LENS + TONE_TRANSFORMER + PLAYED


@pytest.mark.parametrize(
    "c",
    CASES,
    ids=case_ids(CASES),
)
def test_verdict_follows_meaning(catalogue, c: Case) -> None:
    got, detail = _verdict(catalogue, c)
    assert got == c.want, (c.answers, detail)


def test_mechanism_evidence_is_the_sentence_that_links(catalogue) -> None:
    """The quote under the mechanism is the surfacing sentence, not the intent sentence."""
    answers = [ISSUE[2].answers[0]]
    result = score_answers(catalogue.get(AS), answers)
    evidence = result.criteria["causal_mechanism"].evidence
    assert evidence and all("surfaces decisions and owners first" in e for e in evidence)


def test_mapping_evidence_is_the_sentence_that_maps(catalogue) -> None:
    """Found by playing a strong candidate: "cache rewrites" in the budget answer (the
    model's rewrites) was read as a user metric, and the budget sentence was quoted as the
    evidence for mapping BLEU to the business."""
    answers = [
        "Each suggestion has to land in under 400 ms at p95 and we can spend about a cent per "
        "hundred requests, so the full research model is out; we distil it and cache rewrites "
        "of repeated sentences, accepting a small quality drop.",
        "BLEU only matters if it tracks what writers do. Over the last five model versions I'd "
        "check that BLEU moved with the share of suggestions accepted; acceptance and 30-day "
        "retention of the feature are what we report to the business.",
    ]
    result = score_answers(catalogue.get(TT), answers).criteria["business_mapping"]
    assert result.met
    assert result.evidence and not any("400 ms" in e for e in result.evidence)
    assert any("share of suggestions accepted" in e for e in result.evidence)


# Round 9 (auto-summarize): the played STRONG candidate whose mechanism shares its sentence with the
# prediction, and cases by kind from the dev10/dev12 misjudgements, in our own words.
STRONG9 = (
    "I'd guess most people hit summarize on a long email thread because they need to know what "
    'they personally have to do. If the summary opened with "you\'re asked to:" and the two or '
    "three things addressed to them, they wouldn't need to scroll back through the thread, and "
    "I'd expect the share of summaries that get closed within five seconds to fall from about "
    "45% to 35%."
)

ROUND9 = [
    # a condition on what the summary does, then the reader as the subject of an act: the mechanism,
    # even in the sentence that also carries the predicted figure
    case(AS, "causal_mechanism", True, STRONG9),
    case(
        AS,
        "causal_mechanism",
        True,
        "If the recap led with the two questions addressed to you, you wouldn't have to dig "
        "through forty messages, and I'd expect thread opens after a recap to drop from 50% to "
        "40%.",
    ),
    # ...not when the act is the figure itself (the prediction, no step between)
    case(
        AS,
        "causal_mechanism",
        False,
        "If the summary starts from your last visit, about 20% more people will paste it into "
        "their notes.",
    ),
    # being on the screen is not something the model does
    case(
        AS,
        "causal_mechanism",
        False,
        "I think if the recap is pinned when players log in, more of them will read what the guild "
        "planned.",
    ),
    # saying you don't know why is no link
    case(
        AS,
        "causal_mechanism",
        False,
        "Why shorter summaries win I honestly don't know yet, could be people skim, could be the "
        "long ones ramble.",
    ),
    # the family of sources leaned on: leaderboards, competitor parity, another company's test
    case(
        AS,
        "ap:research_without_hypothesis",
        True,
        "The newer open models top the public summarization leaderboards, so I'd swap ours for the "
        "leader.",
        "Better scores mean better summaries and happier users, it's that simple.",
    ),
    case(
        AS,
        "ap:research_without_hypothesis",
        True,
        "Every other note-taking app has bullets and owners now. It's table stakes, so we ship "
        "parity first and differentiate later.",
    ),
    case(
        AS,
        "ap:research_without_hypothesis",
        True,
        "There's a good write-up from another company's A/B test where shorter summaries won, so "
        "I'd skip our own test.",
        "Those companies have more traffic than us; we'd just adopt their format.",
    ),
    # research first, declining to guess until it is in (the bet that follows only after a push)
    case(
        AS,
        "ap:research_without_hypothesis",
        True,
        "First I'd commission a teardown of five competitors and a user survey, and I wouldn't "
        "want "
        "to guess before that comes back.",
        "Fine, if I have to bet: if the summary leads with the asks, I'd predict replies within an "
        "hour go from 20% to 25%.",
    ),
    # research leaned on, conceded after the push
    case(
        AS,
        "ap:research_without_hypothesis",
        True,
        "Gartner says summarization is the top gen-AI use case, so we should put a bigger team on "
        "it.",
        "Yeah, fair, that's the category, not our users. If the summary leads with the asks, I'd "
        "predict replies within an hour go from 20% to 25%.",
    ),
    # analysts as the users, a survey tool and a report as the product: no source leaned on
    case(
        AS,
        "ap:research_without_hypothesis",
        False,
        "For the analysts who use our earnings-call summaries, if the summary puts every guidance "
        "number in one table, they'd paste it into their notes without retyping.",
        "Analysts live on speed.",
    ),
    case(
        AS,
        "ap:research_without_hypothesis",
        False,
        "For our engagement-survey tool, managers read a summary of the comments before they write "
        "the report for their director.",
        "The summary reports the majority view and drops the rest, so I'd make it keep the "
        "minority "
        "comments.",
    ),
    # the budget stated in time or a fixed share, and what it forces
    case(
        AS,
        "compute_constraint",
        True,
        "Our budget is 400 milliseconds at the 95th percentile and a fixed cost per call. So "
        "whatever we do has to run on the small distilled model we already have.",
    ),
    case(
        AS,
        "compute_constraint",
        True,
        "An hour's meeting is ten thousand tokens and we get about a second and a fixed slice of "
        "GPU, so no big model over the whole transcript; the small model pulls decisions only.",
    ),
    case(
        AS,
        "compute_constraint",
        False,
        "We'd try it on a small slice of users first, only the ones on the team plan.",
    ),
    # the metric named for the period, where it stands ("we're at") and the goal
    case(
        AS,
        "primary_metric",
        True,
        "The number for this quarter is summary acceptance, the share of summaries people keep. "
        "We're at about 27% and the goal is 32%.",
    ),
    case(
        AS,
        "primary_metric",
        True,
        "Right now one in eight promised callbacks is missed; I think that drops to roughly 12.5% "
        "down to about 8%, and missed callbacks is the number I'd stand behind.",
    ),
    case(AS, "primary_metric", False, "We're at about 27% of users opening a summary each week."),
    # halves compared by unit, with a population and a rule
    case(
        AS,
        "experiment_plan",
        True,
        "We'd test it on around 80,000 players, half and half by guild, for two weeks, and pin it "
        "for everyone only if the open rate is up at least four points with 95% confidence.",
    ),
]


@pytest.mark.parametrize(
    "c",
    ROUND9,
    ids=case_ids(ROUND9, "r9:"),
)
def test_round9_verdict_follows_meaning(catalogue, c: Case) -> None:
    got, detail = _verdict(catalogue, c)
    assert got == c.want, (c.answers, detail)


def test_round9_mechanism_quote_is_the_mechanism_not_the_intent(catalogue) -> None:
    """Played: the mechanism said in the same sentence as the prediction was only PARTLY met,
    quoting the user-intent sentence; it is met now, quoting the sentence about the summary, and
    the intent sentence alone earns no part of the mechanism."""
    result = score_answers(catalogue.get(AS), [STRONG9]).criteria["causal_mechanism"]
    assert result.met
    assert result.evidence and all("If the summary opened with" in e for e in result.evidence)
    intent = STRONG9.split(". If")[0] + "."
    assert score_answers(catalogue.get(AS), [intent]).criteria["causal_mechanism"].score == 0.0
