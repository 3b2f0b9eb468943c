"""The rubric summary of a session, as data the templates turn into text or embeds."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.interview import InterviewState
from bot.core.scenarios import Scenario
from bot.core.scorer import ScoreResult, score_answers

DEFAULT_HINT_COST = 0.25


@dataclass(frozen=True)
class CriterionRow:
    id: str
    label: str
    status: str  # met | partly | missed
    score: float
    evidence: tuple[str, ...]
    strong_answer: str
    hinted: bool


@dataclass(frozen=True)
class AntiPatternRow:
    id: str
    label: str
    answer: str
    pushback: str  # the first line the interviewer said for it ('' if none was said)
    evidence: tuple[str, ...]
    said: tuple[str, ...] = ()  # every pushback line said for it, in order


@dataclass(frozen=True)
class Verdict:
    label: str
    text: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    scenario_id: str
    scenario_title: str
    enough: bool
    overall: int  # 0-100
    criteria: tuple[CriterionRow, ...]
    antipatterns: tuple[AntiPatternRow, ...]
    verdicts: tuple[Verdict, ...]
    next_focus: CriterionRow | None
    hints_used: int
    answers: int
    end_reason: str | None

    @property
    def met(self) -> int:
        return sum(1 for r in self.criteria if r.status == "met")

    def to_dict(self) -> dict[str, object]:
        """Plain figures for the store: per-criterion results and the overall score."""
        return {
            "criteria": {
                r.id: {"met": r.status == "met", "score": r.score, "evidence": list(r.evidence)}
                for r in self.criteria
            },
            "antipatterns": [a.id for a in self.antipatterns],
            "overall": self.overall,
            "enough": self.enough,
        }


def summarise(
    scenario: Scenario,
    state: InterviewState,
    hint_cost: float = DEFAULT_HINT_COST,
    result: ScoreResult | None = None,
) -> Summary:
    """Score the whole session and frame it as coaching."""
    result = result or score_answers(scenario, list(state.answers))
    partial = scenario.spec.scoring.partial_score
    rows = []
    total = 0.0
    weights = 0.0
    for c in scenario.criteria:
        r = result.criteria[c.id]
        hinted = c.id in state.hints
        rows.append(
            CriterionRow(
                c.id,
                c.spec.label,
                r.status(partial),
                r.score,
                r.evidence,
                c.spec.strong_answer,
                hinted,
            )
        )
        total += c.spec.weight * r.score * ((1.0 - hint_cost) if hinted else 1.0)
        weights += c.spec.weight
    seen = list(dict.fromkeys([*state.pushed_back, *result.antipatterns]))
    ap_rows = []
    for aid in seen:
        ap = scenario.antipattern(aid)
        said = state.pushback_lines(aid)  # quoted as said, never a line from the file
        ap_rows.append(
            AntiPatternRow(
                aid,
                ap.spec.label,
                ap.spec.answer,
                said[0] if said else "",
                result.antipattern_evidence.get(aid, ()),
                said,
            )
        )
    enough = result.substantive
    met_ids = {r.id for r in rows if r.status == "met"}
    verdicts = []
    if enough:
        for v in scenario.spec.verdicts:
            missing = tuple(cid for cid in v.when_missing_any if cid not in met_ids)
            if missing:
                verdicts.append(Verdict(v.label, v.text, missing))
    focus = None
    if enough:
        order = sorted(
            (r for r in rows if r.status != "met"),
            key=lambda r: (r.status == "partly", -scenario.criterion(r.id).spec.weight),
        )
        focus = order[0] if order else None
    overall = round(100 * total / weights) if weights and enough else 0
    return Summary(
        scenario.id,
        scenario.spec.title,
        enough,
        overall,
        tuple(rows),
        tuple(ap_rows),
        tuple(verdicts),
        focus,
        len(state.hints),
        len(state.answers),
        state.end_reason,
    )
