"""Scenario files: the pydantic models, the loader and the validator.

A scenario is one TOML file in `scenarios/`. Files whose names start with `_`
are not scenarios: `_common.toml` holds concept phrase lists every scenario may
use. Every error names the file, the key path and, where it can be found, the
line.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.core.detectors import DetectorError, Lexicon, Rule, concepts_used, parse_expr
from bot.core.untrusted import check as upload_problems
from bot.core.untrusted import linear_phrases, phrase_line

ROUNDS: dict[str, str] = {
    "recruiter-screen": "Recruiter / hiring-manager screen",
    "product-sense": "Product sense",
    "technical-deep-dive": "Technical deep dive",
    "bias-role-play": "Bias role-play",
    "values": "Values",
    "negotiation": "Negotiation",
}
ID_PATTERN = r"^[a-z][a-z0-9_-]{1,40}$"
COMMON_FILE = "_common.toml"


Line = Annotated[str, Field(min_length=1, max_length=600)]
Phrase = Annotated[str, Field(min_length=1, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Persona(_Strict):
    name: str = Field(min_length=1, max_length=80)
    role: str = Field(min_length=1, max_length=120)
    style: str = Field(default="", max_length=400)


class RuleSpec(_Strict):
    when: Any
    scope: Literal["sentence", "window", "answer", "transcript"] = "sentence"
    window: int = Field(default=2, ge=2, le=10)
    score: float = Field(default=1.0, gt=0.0, le=1.0)


class ProbeSpec(_Strict):
    """A probe that only makes sense once the candidate has said something (`requires`)."""

    text: Line
    requires: list[str] = Field(default_factory=list, max_length=5)


class CriterionSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=300)
    weight: float = Field(default=1.0, gt=0.0, le=10.0)
    hint: str = Field(min_length=1, max_length=500)
    strong_answer: str = Field(min_length=1, max_length=300)
    probes: list[Line | ProbeSpec] = Field(default_factory=list, max_length=10)
    rules: list[RuleSpec] = Field(min_length=1, max_length=20)

    def probe_specs(self) -> list[ProbeSpec]:
        """Every probe as a ProbeSpec (plain strings require nothing)."""
        return [p if isinstance(p, ProbeSpec) else ProbeSpec(text=p) for p in self.probes]


class AntiPatternSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    label: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=300)
    pushbacks: list[Line] = Field(default_factory=list, max_length=10)
    answer: str = Field(min_length=1, max_length=300, description="what to do instead")
    rules: list[RuleSpec] = Field(min_length=1, max_length=20)


class StepSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    prompt: str = Field(min_length=1, max_length=1500)
    criteria: list[str] = Field(default_factory=list)
    max_probes: int = Field(default=2, ge=0, le=5)
    # Said instead of `prompt` when a criterion in `requires` has not even partly been
    # shown yet (the prompt refers back to it: "that decision").
    requires: list[str] = Field(default_factory=list, max_length=5)
    alt_prompt: str = Field(default="", max_length=1500)
    # What a good answer here addresses, said once to a candidate who is stuck.
    coach: str = Field(default="", max_length=600)


class VerdictSpec(_Strict):
    label: str = Field(min_length=1, max_length=80)
    when_missing_any: list[str] = Field(min_length=1)
    text: str = Field(min_length=1, max_length=400)


class StuffingSpec(_Strict):
    concept: str = "jargon"
    min_distinct: int = Field(default=3, ge=2, le=20)


class ScoringSpec(_Strict):
    pass_score: float = Field(default=0.6, gt=0.0, le=1.0)
    partial_score: float = Field(default=0.3, gt=0.0, le=1.0)
    min_words: int = Field(default=12, ge=0, le=500)
    stuffing: StuffingSpec = StuffingSpec()
    # Questions that are asks ("could we…", "would you be open to…") still count.
    keep_requests: bool = False


class ScenarioSpec(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    title: str = Field(min_length=1, max_length=100)
    round: str
    description: str = Field(min_length=1, max_length=100)
    persona: Persona
    setup: str = Field(min_length=1, max_length=1500)
    opening: str = Field(min_length=1, max_length=1500)
    time_budget_minutes: int = Field(ge=5, le=180)
    answer_pace_minutes: list[int] = Field(default_factory=lambda: [3, 5], max_length=3)
    steps: list[StepSpec] = Field(min_length=1, max_length=12)
    criteria: list[CriterionSpec] = Field(min_length=1, max_length=12)
    antipatterns: list[AntiPatternSpec] = Field(default_factory=list, max_length=12)
    verdicts: list[VerdictSpec] = Field(default_factory=list, max_length=10)
    scoring: ScoringSpec = ScoringSpec()
    concepts: dict[str, Annotated[list[Phrase], Field(max_length=300)]] = Field(
        default_factory=dict, max_length=150
    )

    @field_validator("round")
    @classmethod
    def _known_round(cls, value: str) -> str:
        if value not in ROUNDS:
            raise ValueError(f"unknown round {value!r}; one of: {', '.join(ROUNDS)}")
        return value


@dataclass(frozen=True)
class Criterion:
    spec: CriterionSpec
    rules: tuple[Rule, ...]

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class AntiPattern:
    spec: AntiPatternSpec
    rules: tuple[Rule, ...]

    @property
    def id(self) -> str:
        return self.spec.id


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with its detectors compiled, ready for the scorer."""

    spec: ScenarioSpec
    criteria: tuple[Criterion, ...]
    antipatterns: tuple[AntiPattern, ...]
    lexicon: Lexicon = field(repr=False)
    path: Path | None = None
    digest: str = ""
    # uploaded to a server: its regexes run on RE2, its size within `untrusted.LIMITS`
    untrusted: bool = False

    @property
    def id(self) -> str:
        return self.spec.id

    def criterion(self, cid: str) -> Criterion:
        for c in self.criteria:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def antipattern(self, aid: str) -> AntiPattern:
        for a in self.antipatterns:
            if a.id == aid:
                return a
        raise KeyError(aid)


@dataclass
class ScenarioError:
    """One problem in one file."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        key = f" [{self.key}]" if self.key else ""
        return f"{where}:{key} {self.message}"


class ScenarioLoadError(Exception):
    """A scenario file has errors; `errors` lists every one."""

    def __init__(self, errors: list[ScenarioError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def _key(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def locate(source: str, path: tuple[str | int, ...]) -> int | None:
    """Best-effort line number of a key path in TOML source (1-based)."""
    lines = source.splitlines()
    line_no = 0
    table_prefix = ""
    i = 0
    while i < len(path):
        part = path[i]
        nxt = path[i + 1] if i + 1 < len(path) else None
        if isinstance(part, str) and isinstance(nxt, int):
            header = re.compile(rf"^\s*\[\[\s*{re.escape(table_prefix + part)}\s*\]\]")
            seen = -1
            found = None
            for n in range(line_no, len(lines)):
                if header.match(lines[n]):
                    seen += 1
                    if seen == nxt:
                        found = n
                        break
            if found is None:
                inline = re.compile(rf"^\s*{re.escape(part)}\s*=")
                for n in range(line_no, len(lines)):
                    if inline.match(lines[n]):
                        return n + 1
                return line_no + 1 if line_no else None
            line_no = found
            table_prefix = f"{table_prefix}{part}."
            i += 2
            continue
        if isinstance(part, str):
            key_re = re.compile(rf"^\s*(?:{re.escape(part)}\s*=|\[\s*{re.escape(part)}\s*\])")
            for n in range(line_no, len(lines)):
                if key_re.match(lines[n]):
                    return n + 1
            return line_no + 1 if line_no else None
        i += 1
    return line_no + 1 if line_no else None


def read_common(directory: Path) -> dict[str, list[str]]:
    """The shared concept lists from `_common.toml` in a scenario directory."""
    path = directory / COMMON_FILE
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {k: list(v) for k, v in data.get("concepts", {}).items()}


def source_digest(source: str) -> str:
    """The version of a scenario: a digest of its file's text (sessions store it)."""
    return hashlib.sha256(source.encode()).hexdigest()[:12]


def parse_scenario(
    source: str,
    name: str,
    common: dict[str, list[str]] | None = None,
    *,
    untrusted: bool = False,
) -> Scenario:
    """Validate and compile one scenario from its TOML text; raise ScenarioLoadError.

    `untrusted`: the file comes from someone the bot cannot trust (an upload to
    a server): it must also keep within `untrusted.LIMITS`, and its raw regexes
    run on the linear-time engine (see `bot.core.untrusted`).
    """
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ScenarioLoadError(
            [ScenarioError(name, "", f"not valid TOML: {exc}", int(m.group(1)) if m else None)]
        ) from None
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"]
            if err["type"] == "missing":
                msg = "required field is missing"
            elif err["type"] == "extra_forbidden":
                msg = "unknown field (check the spelling)"
            msg = msg.removeprefix("Value error, ")
            errors.append(ScenarioError(name, _key(loc), msg, locate(source, loc)))
        raise ScenarioLoadError(errors) from None
    return compile_scenario(spec, source, name, common or {}, untrusted=untrusted)


def untrusted_errors(spec: ScenarioSpec, source: str, name: str) -> list[ScenarioError]:
    """Every limit of `untrusted.LIMITS` a validated spec breaks, as file:line errors."""
    out = []
    for problem in upload_problems(spec):
        path = problem.path
        if path[:1] == ("concepts",) and len(path) > 1:
            line = phrase_line(source, str(path[1]), problem.phrase)
        else:
            line = locate(source, path)
        out.append(ScenarioError(name, _key(path), problem.message, line))
    return out


def compile_scenario(
    spec: ScenarioSpec,
    source: str,
    name: str,
    common: dict[str, list[str]],
    *,
    untrusted: bool = False,
) -> Scenario:
    """Check cross-references and compile the detectors of a validated spec."""
    errors: list[ScenarioError] = []

    def err(path: tuple[str | int, ...], message: str) -> None:
        errors.append(ScenarioError(name, _key(path), message, locate(source, path)))

    own = spec.concepts
    if untrusted:
        errors += untrusted_errors(spec, source, name)
        own = linear_phrases(own)
    phrases = {**common, **own}
    for cname, items in spec.concepts.items():
        if not items:
            err(("concepts", cname), "a concept needs at least one phrase")
    lexicon = None
    if not (untrusted and errors):  # an upload over its limits is not compiled at all
        try:
            lexicon = Lexicon(phrases)
        except DetectorError as exc:
            err(("concepts", *exc.path), str(exc))
            raise ScenarioLoadError(errors) from None
    known = set(phrases)
    stuffing = spec.scoring.stuffing.concept
    if stuffing not in known:
        err(("scoring", "stuffing", "concept"), f"unknown concept {stuffing!r}")

    def compile_rules(kind: str, idx: int, rules: list[RuleSpec]) -> tuple[Rule, ...]:
        out = []
        for r_i, rule in enumerate(rules):
            path: tuple[str | int, ...] = (kind, idx, "rules", r_i, "when")
            try:
                expr = parse_expr(rule.when, known, path)
            except DetectorError as exc:
                err(exc.path or path, str(exc))
                continue
            out.append(Rule(expr, rule.scope, rule.window, rule.score))
        return tuple(out)

    seen: set[str] = set()
    criteria = []
    for i, c in enumerate(spec.criteria):
        if c.id in seen:
            err(("criteria", i, "id"), f"duplicate criterion id {c.id!r}")
        seen.add(c.id)
        criteria.append(Criterion(c, compile_rules("criteria", i, c.rules)))
    seen_ap: set[str] = set()
    antipatterns = []
    for i, a in enumerate(spec.antipatterns):
        if a.id in seen_ap:
            err(("antipatterns", i, "id"), f"duplicate anti-pattern id {a.id!r}")
        seen_ap.add(a.id)
        antipatterns.append(AntiPattern(a, compile_rules("antipatterns", i, a.rules)))
    step_ids: set[str] = set()
    for i, step in enumerate(spec.steps):
        if step.id in step_ids:
            err(("steps", i, "id"), f"duplicate step id {step.id!r}")
        step_ids.add(step.id)
        for j, cid in enumerate(step.criteria):
            if cid not in seen:
                err(("steps", i, "criteria", j), f"unknown criterion {cid!r}")
        for j, cid in enumerate(step.requires):
            if cid not in seen:
                err(("steps", i, "requires", j), f"unknown criterion {cid!r}")
        if step.requires and not step.alt_prompt:
            err(("steps", i, "alt_prompt"), "a step with `requires` needs an `alt_prompt`")
    for i, c in enumerate(spec.criteria):
        for j, probe in enumerate(c.probe_specs()):
            for k, cid in enumerate(probe.requires):
                if cid not in seen:
                    err(("criteria", i, "probes", j, "requires", k), f"unknown criterion {cid!r}")
    for i, verdict in enumerate(spec.verdicts):
        for j, cid in enumerate(verdict.when_missing_any):
            if cid not in seen:
                err(("verdicts", i, "when_missing_any", j), f"unknown criterion {cid!r}")
    if spec.scoring.partial_score > spec.scoring.pass_score:
        err(("scoring", "partial_score"), "partial_score must not exceed pass_score")
    if errors or lexicon is None:
        raise ScenarioLoadError(errors)
    digest = source_digest(source)
    return Scenario(
        spec, tuple(criteria), tuple(antipatterns), lexicon, None, digest, untrusted=untrusted
    )


def warnings_for(scenario: Scenario) -> list[str]:
    """Weak spots that are not errors: missing probes, pushbacks, untargeted criteria."""
    out = []
    targeted = {cid for step in scenario.spec.steps for cid in step.criteria}
    for c in scenario.criteria:
        if not c.spec.probes:
            out.append(f"criterion {c.id!r} has no probe: the interviewer cannot ask for it")
        if c.id not in targeted:
            out.append(f"criterion {c.id!r} is not targeted by any step")
    for a in scenario.antipatterns:
        if not a.spec.pushbacks:
            out.append(f"anti-pattern {a.id!r} has no pushback line")
    earlier: set[str] = set()
    for i, step in enumerate(scenario.spec.steps):
        if not step.criteria and i > 0:
            out.append(f"step {step.id!r} targets no criterion: its answers are never probed")
        elif step.criteria and set(step.criteria) <= earlier:
            out.append(
                f"step {step.id!r} is unreachable when earlier steps go well: every criterion "
                "it targets is already targeted before it"
            )
        earlier |= set(step.criteria)
    used = set()
    for c in scenario.criteria:
        for r in c.rules:
            used |= concepts_used(r.when)
    for a in scenario.antipatterns:
        for r in a.rules:
            used |= concepts_used(r.when)
    for name in scenario.spec.concepts:
        if name not in used and name != scenario.spec.scoring.stuffing.concept:
            out.append(f"concept {name!r} is declared but no rule uses it")
    for name, phrase in scenario.lexicon.unanchored:
        if name in used:
            out.append(
                f"concept {name!r}: {phrase!r} has no word, digit or symbol it must start "
                "with and no text it must contain, so it is searched through every whole "
                "answer (slow; see 'Speed' in docs/scenarios.md)"
            )
    return out


def load_file(
    path: Path, common: dict[str, list[str]] | None = None, *, untrusted: bool = False
) -> Scenario:
    """Load one scenario file; the common concepts come from its directory.

    `untrusted`: check and compile it as an upload (`scenarios validate --untrusted`).
    """
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioLoadError([ScenarioError(str(path), "", f"cannot read: {exc}")]) from None
    if common is None:
        common = read_common(path.parent)
    scenario = parse_scenario(source, str(path), common, untrusted=untrusted)
    return Scenario(
        scenario.spec,
        scenario.criteria,
        scenario.antipatterns,
        scenario.lexicon,
        path,
        scenario.digest,
        untrusted=untrusted,
    )


@dataclass
class Catalogue:
    """Every loaded scenario by id, in a stable order."""

    scenarios: dict[str, Scenario]

    def get(self, sid: str) -> Scenario:
        try:
            return self.scenarios[sid]
        except KeyError:
            known = ", ".join(self.scenarios)
            raise KeyError(f"unknown scenario {sid!r}; known: {known}") from None

    def by_round(self, round_name: str) -> list[Scenario]:
        return [s for s in self.scenarios.values() if s.spec.round == round_name]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.scenarios.values())

    def __len__(self) -> int:
        return len(self.scenarios)


def scenario_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.toml") if not p.name.startswith("_"))


def load_directory(directory: Path) -> Catalogue:
    """Load every scenario in a directory; raise with every error of every file."""
    common = read_common(directory)
    scenarios: dict[str, Scenario] = {}
    errors: list[ScenarioError] = []
    for path in scenario_files(directory):
        try:
            s = load_file(path, common)
        except ScenarioLoadError as exc:
            errors.extend(exc.errors)
            continue
        if s.id in scenarios:
            errors.append(ScenarioError(str(path), "id", f"duplicate scenario id {s.id!r}"))
            continue
        scenarios[s.id] = s
    if errors:
        raise ScenarioLoadError(errors)
    return Catalogue(scenarios)
