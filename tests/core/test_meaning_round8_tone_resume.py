"""Verdicts that follow meaning, round 8 (issue 10, part 5): tone-transformer and
impact-resume.

Cases written for these tests in our own words (not copied from any labelled set), one or
more per kind of rule changed in this round, each kind with near misses:

- tone-transformer monitoring_plan: the product in people's hands and a watching cadence,
  signals people give by throwing suggestions away, editing them or never using them, a
  change in what comes in; a line held for a stretch ("two bad weeks in a row") or who
  decides; a rollback alone ("roll back if anything looks off") names no line;
- tone-transformer business_mapping: the offline number as a stand-in, an exchange rate
  ("every 1% drop ... moved acceptance by half a percent"), numbers seen to move together or
  not at all; tracking two numbers side by side ("we'd track perplexity and NPS") is no link;
- tone-transformer inference_path: the message being answered is context, a check on the
  output is post-processing;
- impact-resume product_outcome: margin, profit and waste are outcomes; a turnaround cut
  for the people served; an outcome word as what a model predicts ("a churn-prediction
  model") is not one;
- impact-resume quantified_lift: the people and organisations served as the subject of a
  moved count ("clinics sent 40 percent more appeals"); the speaker's own team growing is not;
- impact-resume risk_framing: a quiet run beside people before launch, one customer's data
  kept apart, sources shown, a beta with the people who would catch mistakes;
- impact-resume anti-patterns: citations, talks, white papers and promotions are
  credentials; a benchmark standing without a figure is an engineering metric; a figure set
  aside ("but what matters is...") or followed by what people then did more of is not the
  anti-pattern; an ML platform stack is a tool list.
"""

from __future__ import annotations

import pytest

from tests.core.meaning_cases import Case, case_ids
from tests.core.meaning_cases import verdict as _verdict

CASES = [
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "Once people are using it, someone on my team looks at how many suggestions get "
            "thrown away each week; if more than four in ten are thrown away, we switch back "
            "to the old model.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "After release I'd have a weekly count of users hitting undo on a rewrite, and "
            "Priya on the ML side owns that number: above 12% she rolls back.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "In the live product we'd sample a hundred rewrites every Monday and have two "
            "support leads grade the tone; two bad weeks in a row and we freeze the model.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "When it's in customers' hands, complaints tagged 'tone' go to a Slack channel "
            "and if we see more than twenty in a day, the on-call PM turns the feature off.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "After go-live, if the share of rewrites people accept drops under 30 percent for"
            " three days, the assistant team gets an alert and investigates.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "Post-launch, I'd watch the mix of languages coming in; if non-English input "
            "passes 15% we retrain, and I'm the one who makes that call.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        False,
        (
            "After launch we'd keep an eye on quality and listen to feedback, and iterate as "
            "needed.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        False,
        ("Monitoring is important; we'd have dashboards for drift, latency and complaints.",),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        False,
        (
            "Offline, before launch, we'd compare the new model with the old on a held-out "
            "set and only ship if it wins by 2 points.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "The tone classifier score only matters if it moves something users do, so in the"
            " A/B we check that a higher score goes with more suggestions accepted; if it "
            "doesn't, we stop optimizing it.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "When raters preferred version B's rewrites, customers also kept them 6% more "
            "often, so I'd use rater preference as a stand-in for the keep rate.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "Perplexity dropped a lot between versions but acceptance didn't budge, so we "
            "stopped reporting perplexity to leadership and report the share of rewrites sent"
            " as is.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "Our BLEU against editor rewrites and our renewal numbers moved together last "
            "year: each point of BLEU was about a tenth of a point of renewals.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        (
            "We'd track BLEU for the model and retention for the business; both dashboards "
            "would be reviewed weekly.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        ("Model quality should map to business metrics, that's key.",),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        ("We measure accuracy offline. Separately, product tracks NPS.",),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        (
            "I shipped a smart reply feature for our property-management app; landlords "
            "answered tenant messages the same day instead of after the weekend, and fewer "
            "tenants left at lease end.",
        ),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        (
            "The ranking model put the right invoice first, so accountants stopped hunting "
            "through the list and closed the month two days earlier.",
        ),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        (
            "Because the draft was already filled in, agents handled more chats per shift and"
            " we didn't need to hire for the holiday peak.",
        ),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        (
            "With the auto-tagging, sellers listed items in a minute instead of ten, and the "
            "marketplace got more new listings every week.",
        ),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        False,
        ("The model was 40% faster and leadership was thrilled with it.",),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        False,
        ("I built a churn-prediction model with an AUC of 0.91.",),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        False,
        ("We shipped it and everyone loved it, it was a great success.",),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        True,
        (
            "Before we turned it on, we made sure nothing from one school's essays could show"
            " up in another school's suggestions by keeping a separate index per school.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        True,
        (
            "Ahead of launch we ran it quietly next to the humans for a month and only let it"
            " answer on its own when it agreed with them 95% of the time.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        True,
        (
            "The worry was it making up dosage numbers, so before going live we blocked any "
            "draft with a number that wasn't in the chart.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        False,
        ("Privacy was top of mind for everyone, we take it very seriously.",),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        False,
        ("Drift was a risk we knew about and we talked about it a lot.",),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "My strongest signal is probably the three first-author papers from my PhD and "
            "the best paper award at a workshop; that work later influenced our product.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "The model I built was written up in a journal and I was invited to speak about "
            "it at two conferences; I was also named a fellow of the lab.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "What I'm proudest of is that our approach got cited by the Google team and I "
            "became head of research off the back of it.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        False,
        (
            "I published a paper on it, but what mattered is that we shipped it and paid "
            "conversion rose from 3% to 4.2%.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        ("We got the model to 94% precision and cut inference from 800 milliseconds to 120.",),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        ("The new model halved the error rate and runs on a quarter of the GPUs.",),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        (
            "Word error rate went from 14 to 9 percent on our test set, which is a big deal "
            "for speech.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        False,
        (
            "Latency dropped from 900 ms to 200 ms, and because of that agents accepted 30% "
            "more suggestions.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        (
            "Our raters and our customers both care about tone, and we'd report the rater "
            "score next to acceptance in the weekly deck.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        ("Accuracy is a leading indicator of success in general, everyone knows that.",),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        (
            "Perplexity didn't change much between the two checkpoints, so we picked the "
            "smaller one for cost.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        False,
        (
            "Once people are using it we'd look at the feedback and the mix of languages, and"
            " improve the model over time.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        False,
        ("Every week the team would look at a sample of rewrites, to get a feel for the tone.",),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        False,
        ("I'd make sure someone is responsible for quality overall; that's the culture I want.",),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        False,
        ("Ahead of launch, we had a lot of discussions about privacy and trust with the team.",),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        False,
        ("We made sure the launch went smoothly, and privacy was part of the conversation.",),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        False,
        (
            "Our churn model scored every account nightly and the churn predictions were very"
            " precise.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        False,
        (
            "I shipped the ranking model to all users in March; click-through rose 7% and I "
            "later wrote a paper about it.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        (
            "We cut p95 latency from 1.2 seconds to 300 ms and users got the result sooner, "
            "which was the goal.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:skills_listing",
        False,
        (
            "We served it on Triton behind GKE, but the real decision was capping latency at "
            "150 ms to protect conversion, which rose 3%.",
        ),
    ),
    Case(
        "impact-resume",
        "quantified_lift",
        False,
        ("Clinics were happy, and our team grew by 40 percent that year.",),
    ),
    Case(
        "impact-resume",
        "quantified_lift",
        True,
        (
            "Stores using the forecast wasted 12% less produce than the stores without it "
            "over the quarter.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "When it's live, the number I care about is how often people hit 'undo' right "
            "after taking a rewrite. If that goes past one in five, it pages me.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "In production we log every rewrite the user edits heavily; Sam from support "
            "reviews that queue every Friday and flags the model team if it's more than 50 a "
            "week.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "After we ship I'd have an alarm on the share of suggestions shown but never "
            "used, and it goes to the on-call engineer.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "Post-launch: latency p95 on a dashboard with an alert at 400 ms, and tone "
            "complaints reviewed by me weekly.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "A higher tone score is only worth shipping if it shows up in how many rewrites "
            "people send unchanged; in our last test the two moved together.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "We learned the hard way that BLEU and what customers do are different things: a "
            "release with 3 more BLEU points had a lower acceptance rate.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "I'd convert the offline accuracy into expected accepted suggestions: at our "
            "volume one point of accuracy is roughly 2,000 more accepted suggestions a day.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "For the exec review, I'd put the rater score next to the retention of users who "
            "use rewrites, and show that when the score went up, so did 30-day retention.",
        ),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        (
            "It meant the support team could answer in the customer's language, and "
            "satisfaction among Spanish speakers went up.",
        ),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        (
            "The forecast let store managers order the right amount, so less food got thrown "
            "out and margins improved.",
        ),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        (
            "Teachers used the feedback drafts on most essays, and students got their grades "
            "back within two days instead of two weeks.",
        ),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        (
            "Because the summaries were ready before the call, reps walked in prepared and "
            "closed more deals that quarter.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        True,
        (
            "Before launch we made every suggestion show where it came from, so a writer "
            "could check it before trusting it.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        True,
        (
            "The model only ever saw the order history, never names or addresses; we checked "
            "that with the privacy team before we turned it on.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        True,
        (
            "Drift was the risk for us because menus change every season, so before launch we"
            " set up a monthly comparison of live orders with the training set and an "
            "automatic retrain if they diverged.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        True,
        (
            "Prior to release we ran a two-week beta with 30 clinicians who flagged any wrong"
            " suggestion, and we fixed the prompts until the error rate was under 1%.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "Honestly, my best work is the two NeurIPS papers on retrieval and my time as a "
            "research scientist at DeepMind.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "I'd point to my publication record: eight papers at top venues and over 1,500 "
            "citations.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        ("The system I designed was featured at Google I/O and I hold two patents on it.",),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        (
            "Our new model hit 97% accuracy on the validation set, up from 91%, and it's also"
            " 3x smaller.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        (
            "I took the recall on fraud cases from 0.72 to 0.85 and kept the false-positive "
            "rate flat.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        (
            "The big win was speed: page loads for the recommendations widget dropped from 2 "
            "seconds to 400 milliseconds.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        False,
        (
            "Accuracy went up 6 points, which mattered because it meant adjusters approved "
            "20% more claims without a second look.",
        ),
    ),
    Case(
        "tone-transformer",
        "inference_path",
        True,
        (
            "A rep drafts an answer and picks 'warmer'; we pass the draft and the client's "
            "last email to the tone model in our EU cluster, then check the output keeps "
            "every date and price, and show it under the draft.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "From last year's launches, every 1% less error on the tone test set came with "
            "about half a point more accepted suggestions, so I quote both.",
        ),
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


# Round 9 (dev10 f/g, dev12 m/o): cases in our own words, with near misses, one or more per kind
# of rule changed:
# - tone monitoring_plan: what a guard on the output catches, a sample read by people, a service
#   objective and its error budget, calls from the people the messages reach; a line held for a
#   stretch ("two weeks running"); a feature that switches itself off at a line; a target on an
#   offline score is no production line;
# - tone business_mapping: suggestions bucketed by the offline score, what the offline number
#   "has to move", the model's confidence telling whether writers keep a suggestion; "BLEU
#   against the references" and "data-driven" are no link, and "a more accurate model means
#   happier customers means revenue" is a slogan;
# - tone rollout_first: a switch-off at a line with someone alerted is monitoring, not a rollout
#   plan;
# - tone compute_limits: a small model for most requests and the big one only for the hard few;
# - impact-resume research_resume: book chapters, guest lectures, grants, GitHub stars, public
#   benchmarks and contest wins are credentials; owning a model is no launch; taking a paper
#   back ("that's not what you're asking") still offered it; a credential waved off in the same
#   breath ("that's all", "nice for the team, but the number...") is not the move;
# - impact-resume engineering_metric_only "more accurate than"; skills_listing is not vetoed by
#   a product kind ("a photo-sharing app"); quantified_lift before/after pairs ("months after");
#   product_outcome calls avoided and evenings given back; risk_framing a review queue for what
#   the model was unsure about.
ROUND9 = [
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "After we ship, a guard checks every rewrite for changed prices; if it catches "
            "more than 10 in a day, the rewrite button switches itself off and the on-call "
            "hears about it.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "The platform team owns a service objective of 99% of suggestions back in under "
            "500 ms over a week; if we burn the error budget, releases freeze.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "Each month our editor-in-chief reads a sample of 200 live rewrites, and if the "
            "off-tone rate is above 4% the next release waits.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "If the share of suggestions people delete goes over 30% on any day, the feature "
            "turns itself off automatically.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        True,
        (
            "After launch the support lead gets a weekly count of calls from customers "
            "confused by our letters. Over 50 per thousand for two weeks running and we go "
            "back to the old template.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        False,
        (
            "We'd aim for a perplexity under 10 and BLEU over 35. After launch we'd track "
            "quality, drift and complaints.",
        ),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        False,
        ("After launch we'd roll back automatically if something looks off.",),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "Offline we rate readability, but what that has to move is how many customers "
            "phone the helpline about a letter. In the trial, simpler letters took those "
            "calls from 40 to 30 per thousand.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "We bucketed last quarter's suggestions by the classifier's tone score and looked"
            " at the accept rate in each bucket: it rose from 20% in the lowest to 45% in the"
            " highest.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        True,
        (
            "Suggestions the model gave high confidence were kept about twice as often as the"
            " rest, so its confidence tells you whether a writer will keep one.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        (
            "We'd report BLEU against the editors' rewrites, and separately the retention of "
            "paying teams. Both go to the board.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        (
            "We track BLEU and perplexity for the model and DAU on the product side; having "
            "both is what makes us data-driven.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        (
            "Model quality maps straight to business value: a more accurate model means "
            "happier customers, and happier customers mean more revenue, a direct line.",
        ),
    ),
    Case(
        "tone-transformer",
        "ap:rollout_first",
        False,
        (
            "Once it's live, if writers flag more than 2% of rewrites as wrong, the team lead"
            " gets an alert and we switch it off for everyone.",
        ),
    ),
    Case(
        "tone-transformer",
        "ap:rollout_first",
        True,
        ("I'd start behind a feature flag: 5% of writers, then half, then everyone.",),
    ),
    Case(
        "tone-transformer",
        "compute_limits",
        True,
        (
            "Replies must go out within 20 seconds of the trigger, and on a busy morning "
            "that's thousands at once. A small fine-tuned model handles the routine ones and "
            "the big one only sees the hard 5%.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "My proudest work is the O'Reilly chapter I co-wrote on retrieval, and I guest-"
            "lecture on it every spring.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "For outcomes: we landed a research grant with a university lab and open-sourced "
            "the model, which has thousands of GitHub stars.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "I owned the ranking model. It beat the public benchmark by three points and we "
            "wrote it up for a NeurIPS workshop.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "It was a prototype from our winter hack week. It won the hack week, and the CEO "
            "loved the demo.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        True,
        (
            "The headline is that we got a workshop paper out of it. Actually, that's not "
            "what you're asking, let me start again.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        False,
        ("Background: a PhD in vision, that's all; it helps me talk to the scientists.",),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        False,
        (
            "I gave a talk on it at a meetup, but why I like it is what it changed: "
            "pharmacists stopped staying late to finish labels.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        False,
        (
            "It won an internal award, which was nice for the team, but the number I'd want "
            "you to remember is days to payment, down by a week.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        True,
        (
            "The new classifier was 25% more accurate than the old rules and answered in "
            "under a second.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:engineering_metric_only",
        False,
        ("Our ranker beat the benchmark by six points... hang on, that's not what you're asking.",),
    ),
    Case(
        "impact-resume",
        "ap:skills_listing",
        True,
        (
            "I shipped a tagging feature for a photo-sharing app; day to day I was in Python "
            "and PyTorch, with Docker and Kubernetes for serving.",
        ),
    ),
    Case(
        "impact-resume",
        "quantified_lift",
        True,
        (
            "Before the assistant, 70 in 100 claims were paid without a query; six months "
            "after, 78 in 100.",
        ),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        ("Pharmacists spent far less of their evenings on paperwork once the drafts arrived.",),
    ),
    Case(
        "impact-resume",
        "product_outcome",
        True,
        (
            "Fewer residents had to phone in about their letters, because the letters finally"
            " said what was decided.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        True,
        (
            "Before launch, anything the model was unsure about went to a review queue, and "
            "our team hand-checked 400 outputs.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        False,
        ("After launch we added a review queue for anything it was unsure about.",),
    ),
    Case(
        "tone-transformer",
        "monitoring_plan",
        False,
        (
            "Before launch, raters read a sample of 300 rewrites; if more than 5% are off-"
            "tone we keep training.",
        ),
    ),
    Case(
        "tone-transformer",
        "business_mapping",
        False,
        (
            "We only show suggestions where the model's confidence is above 0.7, because low-"
            "confidence ones read badly.",
        ),
    ),
    Case(
        "impact-resume",
        "ap:research_resume",
        False,
        (
            "After my PhD I joined as the first PM on the editor and shipped inline rewrite. "
            "Writers used it a lot.",
        ),
    ),
    Case(
        "impact-resume",
        "risk_framing",
        False,
        ("We were unsure whether privacy would matter much to these customers, so we kept going.",),
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
