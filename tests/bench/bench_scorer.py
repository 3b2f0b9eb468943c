"""Benchmark: transcripts scored per second on one core.

Run as a plain script:  python tests/bench/bench_scorer.py [--seconds N]
Target (issue 2): >= 2,000 two-turn transcripts of ~150 words a turn per second.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import time
from pathlib import Path

from bot.core.scenarios import load_directory
from bot.core.scorer import score_answers

ROOT = Path(__file__).resolve().parents[2]


def turns_of_about(words: int, rows: list[dict]) -> list[str]:
    """Real labelled answers, joined or cut to about `words` words each."""
    pool = [a for r in rows for a in r["answers"]]
    out = []
    for i in range(len(pool)):
        text: list[str] = []
        j = i
        while len(text) < words:
            text.extend(pool[j % len(pool)].split())
            j += 1
        out.append(" ".join(text[:words]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--words", type=int, default=150)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    catalogue = load_directory(ROOT / "scenarios")
    rows = [json.loads(x) for x in (ROOT / "tests/data/train.jsonl").read_text().splitlines()]
    turns = turns_of_about(args.words, rows)
    scenarios = list(catalogue)
    jobs = [
        (scenarios[i % len(scenarios)], [turns[i % len(turns)], turns[(i + 7) % len(turns)]])
        for i in range(len(turns))
    ]
    for scenario, answers in jobs[:50]:  # warm-up: compile regexes, fill caches
        score_answers(scenario, answers)
    count = 0
    start = time.perf_counter()
    deadline = start + args.seconds
    for scenario, answers in itertools.cycle(jobs):
        score_answers(scenario, answers)
        count += 1
        if count % 100 == 0 and time.perf_counter() >= deadline:
            break
    elapsed = time.perf_counter() - start
    words = sum(len(a.split()) for _, answers in jobs for a in answers) / len(jobs)
    cores = os.cpu_count()
    print(f"machine: {platform.machine()}, {cores} cores, python {platform.python_version()}")
    print(f"scenarios: {len(scenarios)}, transcripts: 2 turns, ~{words:.0f} words in all")
    print(f"scored {count} transcripts in {elapsed:.2f} s on one core")
    print(f"throughput: {count / elapsed:,.0f} transcripts/s (target >= 2,000)")
    print(f"mean latency: {1000 * elapsed / count:.3f} ms per transcript")


if __name__ == "__main__":
    main()
