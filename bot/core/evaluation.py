"""Precision, recall and macro-F1 of the scorer against labelled transcripts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.scenarios import Catalogue
from bot.core.scorer import score_answers


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        if self.tp == 0 and (self.fp or self.fn):
            return 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    criteria: dict[str, Counts] = field(default_factory=dict)
    antipatterns: dict[str, Counts] = field(default_factory=dict)
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (id, label, fp|fn)

    @staticmethod
    def _macro(table: dict[str, Counts]) -> float:
        return sum(c.f1 for c in table.values()) / len(table) if table else 1.0

    @property
    def criteria_macro_f1(self) -> float:
        return self._macro(self.criteria)

    @property
    def antipatterns_macro_f1(self) -> float:
        return self._macro(self.antipatterns)

    def table(self) -> str:
        """A printable per-label table."""
        lines = [f"{'label':45} {'P':>5} {'R':>5} {'F1':>5}  tp fp fn"]
        for title, table in (("criteria", self.criteria), ("anti-patterns", self.antipatterns)):
            lines.append(f"-- {title}")
            for key, c in sorted(table.items()):
                lines.append(
                    f"{key:45} {c.precision:5.2f} {c.recall:5.2f} {c.f1:5.2f}  "
                    f"{c.tp:2} {c.fp:2} {c.fn:2}"
                )
        lines.append(
            f"macro-F1 criteria {self.criteria_macro_f1:.3f}  "
            f"anti-patterns {self.antipatterns_macro_f1:.3f}"
        )
        return "\n".join(lines)


def evaluate(catalogue: Catalogue, rows: Iterable[dict]) -> Report:
    """Score each labelled row and count hits and misses per scenario:label."""
    report = Report()
    for row in rows:
        scenario = catalogue.get(row["scenario"])
        result = score_answers(scenario, row["answers"])
        labels = row["labels"]
        gold_c = set(labels.get("criteria", []))
        gold_a = set(labels.get("antipatterns", []))
        for c in scenario.criteria:
            key = f"{scenario.id}:{c.id}"
            counts = report.criteria.setdefault(key, Counts())
            _count(counts, result.criteria[c.id].met, c.id in gold_c, report, row["id"], key)
        found = set(result.antipatterns)
        for a in scenario.antipatterns:
            key = f"{scenario.id}:{a.id}"
            counts = report.antipatterns.setdefault(key, Counts())
            _count(counts, a.id in found, a.id in gold_a, report, row["id"], key)
    return report


def _count(counts: Counts, predicted: bool, gold: bool, report: Report, rid: str, key: str) -> None:
    if predicted and gold:
        counts.tp += 1
    elif predicted:
        counts.fp += 1
        report.errors.append((rid, key, "fp"))
    elif gold:
        counts.fn += 1
        report.errors.append((rid, key, "fn"))


def read_labelled(path: Path) -> list[dict]:
    """Labelled transcripts from a JSON Lines file, or every *.jsonl under a directory."""
    files = sorted(path.rglob("*.jsonl")) if path.is_dir() else [path]
    rows: list[dict] = []
    for file in files:
        rows += [json.loads(line) for line in file.read_text("utf-8").splitlines() if line.strip()]
    return rows


def labelled_sets(root: Path) -> dict[str, list[dict]]:
    """The labelled sets under `root` (a data directory): each top-level file or folder."""
    sets: dict[str, list[dict]] = {}
    for entry in sorted(root.iterdir()):
        if entry.suffix == ".jsonl" or (entry.is_dir() and any(entry.rglob("*.jsonl"))):
            sets[entry.name] = read_labelled(entry)
    return sets
