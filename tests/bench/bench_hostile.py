"""Benchmark: the worst-case time to score one long hostile answer, per bundled scenario.

Run as a plain script:  python tests/bench/bench_hostile.py [--chars 4000,8000] [--timeout 120]

Every scoring the Discord shell asks for runs off the event loop (a worker
thread), but one call into a regex engine cannot be interrupted and Python's
`re` keeps the interpreter lock while it runs, so what matters here is the
slowest single answer. Each scenario is scored, in a child process of its own
(so a pathological case is reported as a time-out instead of hanging the run),
on answers of CHARS characters built to be expensive for it:

- runs of hyphens and spaced hyphens after each word a phrase starts with (the
  separators between phrase words are runs of spaces or hyphens, and `..` gaps
  and `word*` endings take hyphens too), and that word chained by hyphens;
- near-misses: every multi-word phrase without its last word, over and over;
- each trigger word repeated; the literal starts of raw regexes, repeated and
  followed by hyphens;
- digits (long numbers, comma and dot runs, "from 1 to", "1 ->", money);
- sentence and clause breaks (". ", line breaks, bullets, spaced hyphens), and
  every phrase word in a sentence of its own (rules are tried sentence by sentence);
- negation words before every concept word; jargon piled up (the stuffing check);
- the same with a non-ASCII letter in it (the slower, unplanned path);
- real labelled answers joined up to the length (long but ordinary).

For each scenario it prints the worst answer's scoring time (`score_answers`,
one answer), the interviewer's whole turn on it (`interview.answer`: the
transcript scored, the answer alone scored), the longest the event loop stood
still while the slowest answers were scored in a worker thread (as the Discord
shell does), and the family that was worst. The last row is an uploaded round
built to cost as much as the upload limits allow (`upload_at_the_limits`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.core import interview  # noqa: E402
from bot.core._regex_plan import literal_prefixes  # noqa: E402
from bot.core.scenarios import Scenario, load_directory, parse_scenario, read_common  # noqa: E402
from bot.core.scorer import score_answers  # noqa: E402

MAX_TRIGGERS = 400  # per scenario, for the per-word families
STALL_CASES = 5  # the slowest answers: timed again, and scored off the loop (its stall)
REPEATS = 3


def fill(unit: str, chars: int, lead: str = "") -> str:
    """`lead` then `unit` repeated up to `chars` characters in all."""
    if not unit:
        return lead[:chars]
    body = unit * ((chars - len(lead)) // len(unit) + 1)
    return (lead + body)[:chars]


def triggers(scenario: Scenario) -> tuple[list[str], list[str], list[str]]:
    """First words of plain phrases, multi-word phrases minus their last word, raw starts."""
    firsts: dict[str, None] = {}
    stems: dict[str, None] = {}
    raw_starts: dict[str, None] = {}
    for items in scenario.lexicon.phrases.values():
        for phrase in items:
            if phrase.startswith(("re:", "re2:")):
                body = phrase.split(":", 1)[1]
                for start in sorted(literal_prefixes(body) or ()):
                    if start.strip():
                        raw_starts[start] = None
                continue
            words = phrase.split()
            if not words:
                continue
            firsts[words[0].rstrip("*")] = None
            if len(words) > 1:
                stems[" ".join(w.rstrip("*") for w in words[:-1] if w != "..")] = None
    return list(firsts)[:MAX_TRIGGERS], list(stems)[:MAX_TRIGGERS], list(raw_starts)


def hostile(scenario: Scenario, chars: int) -> Iterator[tuple[str, str]]:
    """(family, answer) pairs, each answer `chars` characters long."""
    firsts, stems, raw_starts = triggers(scenario)
    for word in firsts:
        yield "hyphen run after a phrase word", fill("-", chars, word)
        yield "spaced hyphens after a phrase word", fill(" -", chars, word)
        yield "phrase word chained by hyphens", fill(f"{word}-", chars)
        yield "phrase word repeated", fill(f"{word} ", chars)
    near = " ".join(stems)
    yield "near-miss phrases", fill(near + " ", chars)
    yield "near-miss phrases, hyphenated", fill(near.replace(" ", "-") + "-", chars)
    for start in raw_starts:
        yield "raw regex start repeated", fill(f"{start} ", chars)
        yield "hyphen run after a raw regex start", fill("-", chars, start)
        yield "raw regex start, digits", fill(f"{start} 1", chars)
    for unit in ("1", "1,", "1.", "1 ", "$1", "from 1 to ", "1 -> ", "1.5x ", "10% ", "1 - "):
        yield "digits", fill(unit, chars)
    yield "digits", fill("9", chars, "$") + " dollars"
    for unit in (". ", "a. ", "!? ", "\n", "a\n", "\n- ", "\n1. ", " - ", "a - ", "...", ", "):
        yield "sentence and clause breaks", fill(unit, chars)
    words = " ".join(firsts[:200])
    yield "a phrase word per sentence", fill(". ".join(firsts) + ". ", chars)
    yield "a phrase word per line", fill("\n".join(firsts) + "\n", chars)
    yield (
        "negation before every phrase word",
        fill(" ".join(f"not {w}" for w in firsts) + " ", chars),
    )
    yield "clause opening negation", fill(f"I don't think {words}, but ", chars)
    jargon = " ".join(scenario.lexicon.phrases.get(scenario.spec.scoring.stuffing.concept, []))
    yield "jargon piled up", fill(jargon.replace("*", "") + " ", chars)
    yield "non-ASCII", fill(f"é {words} ", chars)
    yield "non-ASCII", fill(f"{near} ü-", chars)
    yield "non-ASCII", fill("İ", chars)
    rows = [json.loads(x) for x in (ROOT / "tests/data/train.jsonl").read_text().splitlines()]
    real = " ".join(a for r in rows for a in r["answers"])
    yield "real answers joined", fill(real, chars)


def timed(fn, *args) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


async def loop_stall(scenario: Scenario, text: str) -> float:
    """The longest the event loop waits while the answer is scored in a worker thread,
    as the Discord shell does: a 1 ms heartbeat measures how late it wakes up."""
    done = False
    worst = 0.0

    async def heartbeat() -> None:
        nonlocal worst
        while not done:
            before = time.perf_counter()
            await asyncio.sleep(0.001)
            worst = max(worst, time.perf_counter() - before - 0.001)

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0.01)
    await asyncio.to_thread(
        interview.answer, scenario, interview.start(scenario, 0.0)[0], text, 1.0
    )
    done = True
    await beat
    return worst


UPLOAD_ID = "upload-at-the-limits"


def upload_at_the_limits() -> str:
    """A hostile upload as costly as `bot.core.untrusted.LIMITS` let it be made.

    Catastrophic regexes (for `re`) and regexes that run on to the end of the text
    from every word they start at; 60 phrases on each of 20 first words; the
    rules' weighted parts spent on `not` rules over windows of 10 sentences (no
    concept narrows where they are tried) and on `transcript` rules.
    """
    concepts: dict[str, list[str]] = {
        "raw": [f"re:w{i % 20}.*z" for i in range(40)]
        + ["re:x(a+)+b", "re:(a|a)*b", "re:(a|aa)+$", "re:(.*a){20}"] * 5
    }
    for k in range(20):
        concepts[f"p{k}"] = [f"w{k}"] + [f"w{k} x{j}" for j in range(59)]
    names = list(concepts)
    window = "{ not = { any = [" + ", ".join(f'"{n}"' for n in names[:18]) + "] } }"
    everywhere = "{ all = [" + ", ".join(f'"{n}"' for n in names[1:21]) + "] }"
    some = "{ at_least = 3, of = [" + ", ".join(f'"{n}"' for n in names[:21]) + "] }"
    rules = [f'{{ scope = "window", window = 10, when = {window} }}'] * 2
    rules += [f'{{ scope = "transcript", when = {everywhere} }}'] * 10
    rules += [f"{{ when = {some} }}"] * 6
    criteria = "".join(
        f"""
[[criteria]]
id = "c{c}"
label = "Criterion {c}"
description = "Anything."
hint = "Anything."
strong_answer = "Anything."
probes = ["More?"]
rules = [{", ".join(rules[c * 3 : c * 3 + 3])}]
"""
        for c in range(6)
    )
    lists = "\n".join(f"{name} = {json.dumps(items)}" for name, items in concepts.items())
    return f"""id = "{UPLOAD_ID}"
title = "At the limits"
round = "values"
description = "A hostile upload."
setup = "Setup."
opening = "Opening."
time_budget_minutes = 10
[persona]
name = "Mallory"
role = "Interviewer"
[[steps]]
id = "one"
prompt = "Tell me."
criteria = ["c0"]
{criteria}
[concepts]
{lists}
"""


def load(directory: Path, scenario_id: str) -> Scenario:
    if scenario_id == UPLOAD_ID:
        common = read_common(directory)
        return parse_scenario(upload_at_the_limits(), "upload.toml", common, untrusted=True)
    return load_directory(directory).get(scenario_id)


def worker(directory: Path, scenario_id: str, sizes: list[int]) -> None:
    """Score every hostile answer for one scenario; one JSON line per size."""
    scenario = load(directory, scenario_id)
    score_answers(scenario, ["warm-up answer with enough words to be scored as a real answer"])
    for chars in sizes:
        times: list[tuple[float, str, str]] = []
        for family, text in hostile(scenario, chars):
            print(json.dumps({"running": family, "chars": chars}), flush=True)
            times.append((timed(score_answers, scenario, [text]), family, text))
        times.sort(reverse=True)
        # the slowest again, best of three (one slow run may be the machine's doing)
        retimed = [
            (min(timed(score_answers, scenario, [text]) for _ in range(REPEATS)), family, text)
            for _, family, text in times[:STALL_CASES]
        ]
        times[:STALL_CASES] = sorted(retimed, reverse=True)
        times.sort(reverse=True)
        worst, family, text = times[0]
        state, _ = interview.start(scenario, 0.0, seed=1)
        turn = min(timed(interview.answer, scenario, state, text, 1.0) for _ in range(REPEATS))
        worst_stall = max(
            asyncio.run(loop_stall(scenario, answer)) for _, _, answer in times[:STALL_CASES]
        )
        row = {
            "chars": chars,
            "answers": len(times),
            "worst_ms": 1000 * worst,
            "worst_family": family,
            "median_ms": 1000 * statistics.median(t for t, _, _ in times),
            "turn_ms": 1000 * turn,
            "stall_ms": 1000 * worst_stall,
        }
        print(json.dumps(row), flush=True)


def run_one(directory: Path, scenario_id: str, sizes: list[int], timeout: float) -> list[dict]:
    """Run the worker in a child process; a time-out names the family it was on."""
    args = [sys.executable, __file__, "--worker", scenario_id, "--dir", str(directory)]
    args += ["--chars", ",".join(map(str, sizes))]
    rows: list[dict] = []
    running: dict = {}
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    reader.join(timeout)
    if reader.is_alive():
        proc.kill()
        reader.join()
    proc.wait()
    for line in lines:
        data = json.loads(line)
        if "running" in data:
            running = data
        else:
            rows.append(data)
    if proc.returncode != 0:
        rows.append({"timeout": timeout, **running})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chars", default="4000,8000", help="answer lengths, comma-separated")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per scenario")
    parser.add_argument("--dir", type=Path, default=ROOT / "scenarios")
    parser.add_argument("--scenario", action="append", help="only these scenario ids")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(x) for x in args.chars.split(",")]
    if args.worker:
        worker(args.dir, args.worker, sizes)
        return
    ids = args.scenario or [*load_directory(args.dir).scenarios, UPLOAD_ID]
    cpu = platform.processor() or platform.machine()
    print(f"machine: {cpu}, {os.cpu_count()} cores, python {platform.python_version()}")
    print("worst single answer per scenario (score_answers), the interviewer's turn on it,")
    print("and the longest event-loop stall while the slowest answers are scored off the loop")
    print(
        f"{'scenario':<20} {'chars':>5} {'answers':>7} {'worst ms':>9} {'turn ms':>8} "
        f"{'stall ms':>8} {'median ms':>9}  worst family"
    )
    for sid in ids:
        for row in run_one(args.dir, sid, sizes, args.timeout):
            if "timeout" in row:
                print(
                    f"{sid:<20} {row.get('chars', '?'):>5} {'':>7} "
                    f"{'> ' + str(int(row['timeout'] * 1000)):>9} {'':>8} {'':>8} {'':>9}  "
                    f"timed out on: {row.get('running', '?')}"
                )
                continue
            print(
                f"{sid:<20} {row['chars']:>5} {row['answers']:>7} {row['worst_ms']:>9.1f} "
                f"{row['turn_ms']:>8.1f} {row['stall_ms']:>8.1f} {row['median_ms']:>9.2f}  "
                f"{row['worst_family']}"
            )


if __name__ == "__main__":
    main()
