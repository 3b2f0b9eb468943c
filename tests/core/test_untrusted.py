"""Uploaded (untrusted) scenarios are safe by construction; bundled phrases cannot backtrack.

- Plain phrases whose parts could split a text in many ways (`..` gaps, a
  `word*` before more words, a word starting with a hyphen) run on RE2 and find
  exactly what Python's `re` finds, in linear time.
- An upload's raw regexes run on RE2; what RE2 cannot take is refused with its
  file:line, and catastrophic patterns (nested quantifiers, overlapping
  alternation, `(.*a){20}`) are harmless.
- An upload's size is capped (phrases, words, regexes, rules, nesting) with
  the same `file:line: [key] …` errors as any other.

Timing checks run in a child process with a time-out: a backtracking regex
holds the interpreter, so only a separate process can be stopped.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.core.linear import LinearPattern
from bot.core.scenarios import ScenarioLoadError, load_directory, parse_scenario, read_common
from bot.core.scorer import score_answers
from bot.core.text import compile_phrases, linear_phrase, needs_linear_engine, tokenise
from bot.core.untrusted import LIMITS, check
from tests.conftest import DATA, SCENARIOS, load_jsonl

COMMON = read_common(SCENARIOS)
CATASTROPHIC = ["re:x(a+)+b", "re:(a|a)*b", "re:(a|aa)+$", "re:(.*a){20}"]


def upload(concepts: str, rules: str = '[{ when = "c0" }]', extra: str = "") -> str:
    """A small valid scenario file with these concepts and the one criterion's rules."""
    return textwrap.dedent(
        """\
        id = "upload-test"
        title = "Upload test"
        round = "values"
        description = "A round uploaded to a server."
        setup = "Setup."
        opening = "Opening."
        time_budget_minutes = 10

        [persona]
        name = "Alex"
        role = "Interviewer"

        [[steps]]
        id = "one"
        prompt = "Tell me."
        criteria = ["c1"]

        [[criteria]]
        id = "c1"
        label = "Label"
        description = "Description."
        hint = "Hint."
        strong_answer = "Strong."
        probes = ["Probe?"]
        rules = {rules}
        {extra}
        [concepts]
        """
    ).format(rules=rules, extra=extra) + textwrap.dedent(concepts)


def refused(source: str) -> list[str]:
    with pytest.raises(ScenarioLoadError) as exc:
        parse_scenario(source, "up.toml", COMMON, untrusted=True)
    return [str(e) for e in exc.value.errors]


def in_child(code: str, timeout: float = 120) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON line. A hang fails the test."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"still scoring after {timeout:.0f} s: the regex engine backtracked")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------- the same results


def _bundled_phrases() -> list[str]:
    found: dict[str, None] = {}
    for path in [*SCENARIOS.glob("*.toml"), *(DATA / "custom").glob("*.toml")]:
        for items in tomllib.loads(path.read_text("utf-8")).get("concepts", {}).values():
            found.update(dict.fromkeys(p for p in items if needs_linear_engine(p)))
    return list(found)


def _texts() -> list[str]:
    rows = load_jsonl(DATA / "train.jsonl")[:60]
    texts = [a for r in rows for a in r["answers"]]
    texts += [
        "We would compare - - outcomes across -- groups, move it -up- by 5 %, route-to team.",
        "moves-retention-up-by 3, per - hour, split  the data  by region; feeding it next-next",
        "x -- - y, x - - y, route -- - to, walks-it-through, which of the types, which types",
        "Café compare   é across Ünïcode groups; sends them on to ops; müssen move* by",
        "compare" + "-" * 12 + " across, move" + " -" * 8 + " by",
        "send it to, send them all over to, sending the message along to",
    ]
    return texts


def test_linear_phrases_find_what_re_finds() -> None:
    """Every bundled phrase that needs the linear engine, at every word of a corpus of
    real answers and near-misses: the same match or the same miss as `re`."""
    phrases = [*_bundled_phrases(), "x - - y", "route* - to", "a* b* c", "$ .. x", "re* -x"]
    assert len(phrases) > 50
    texts = _texts()
    compared = 0
    for phrase in phrases:
        slow = compile_phrases([phrase])
        fast = linear_phrase(phrase)
        for text in texts:
            _, positions = tokenise(text)
            for pos in [*positions, 0, len(text)]:
                want = slow.match(text, pos)
                got = fast.match(text, pos)
                assert (got.span() if got else None) == (want.span() if want else None), (
                    phrase,
                    text,
                    pos,
                )
                compared += 1
            want_all = [m.span() for m in slow.finditer(text)]
            assert [m.span() for m in fast.finditer(text)] == want_all, (phrase, text)
    assert compared > 50_000


def test_linear_raw_regex_finds_what_re_finds() -> None:
    """Raw regexes on RE2 match as on `re`, except that RE2's `\\w`, `\\d`, `\\s` and
    `\\b` know ASCII only (documented for authors: `é` is no word character there)."""
    cases = {
        r"\bfoo\w*": "Foo foobar xfoo FOOD _foo foo_",
        r"\d+(?:\.\d+)?\s?%": "5% 12.5 % 3.% x7%",
        r"(?:launch|ship)\w*\s+\w+": "Shipped it, LAUNCH day, relaunch now",
        r"a|ab": "ab abab b a",
        r"ü+": "Über üü Ü",
    }
    for regex, text in cases.items():
        want = [m.span() for m in re.compile(regex, re.I).finditer(text)]
        assert [m.span() for m in LinearPattern(regex).finditer(text)] == want, regex
        for pos in range(len(text) + 1):
            w = re.compile(regex, re.I).match(text, pos)
            g = LinearPattern(regex).match(text, pos)
            assert (g.span() if g else None) == (w.span() if w else None), (regex, pos)
    assert [m.span() for m in LinearPattern(r"\bfoo").finditer("éfoo")] == [(1, 4)]
    assert not list(re.compile(r"\bfoo").finditer("éfoo"))


def test_scoring_is_unchanged_on_every_labelled_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The linear engine is an implementation detail: the labelled sets score as with `re`
    everywhere (the reference: the same files loaded with the linear engine switched off)."""
    from bot.core import detectors

    for path in SCENARIOS.glob("*.toml"):  # one snapshot (the files may be mid-edit)
        (tmp_path / path.name).write_text(path.read_text("utf-8"), "utf-8")
    catalogue = load_directory(tmp_path)
    rows = [r for p in sorted(DATA.rglob("*.jsonl")) for r in load_jsonl(p) if "answers" in r]
    rows = [r for r in rows if r.get("scenario") in catalogue.scenarios][:300]
    assert len(rows) > 100
    fast = [score_answers(catalogue.get(r["scenario"]), r["answers"]) for r in rows]
    monkeypatch.setattr(detectors, "needs_linear_engine", lambda phrase: False)
    plain = load_directory(tmp_path)
    slow = [score_answers(plain.get(r["scenario"]), r["answers"]) for r in rows]
    assert fast == slow


def test_bundled_phrases_take_linear_time_on_hyphen_runs() -> None:
    """`compare .. across` used to take minutes on "compare" and 60 hyphens (issue 11):
    any candidate could freeze the bot. Now a few milliseconds at 8,000 characters.
    CPU time of the child, not wall time: a busy machine must not fail it."""
    result = in_child(
        """
        import json, time
        from pathlib import Path
        from bot.core.scenarios import load_directory
        from bot.core.scorer import score_answers
        catalogue = load_directory(Path("scenarios"))
        worst = 0.0
        for scenario in catalogue:
            for word in ("compare", "move", "route", "which", "per", "send", "x"):
                for text in (word + "-" * 7990, word + " -" * 3995, (word + "-") * 1000):
                    start = time.process_time()
                    score_answers(scenario, [text])
                    worst = max(worst, time.process_time() - start)
        print(json.dumps({"worst": worst}))
        """
    )
    assert result["worst"] < 1.0, result


# --------------------------------------------------------------- uploads


def test_catastrophic_patterns_in_an_upload_are_harmless() -> None:
    """Nested quantifiers, overlapping alternation and `(.*a){20}` load (RE2 takes them),
    still find what they should, and cost milliseconds on 8,000 hostile characters."""
    concepts = "".join(f"c{i} = [{json.dumps(p)}]\n" for i, p in enumerate(CATASTROPHIC))
    rules = "[" + ", ".join(f'{{ when = "c{i}" }}' for i in range(len(CATASTROPHIC))) + "]"
    source = upload(concepts, rules)
    scenario = parse_scenario(source, "up.toml", COMMON, untrusted=True)
    assert scenario.untrusted
    assert scenario.lexicon.phrases["c0"] == ["re2:x(a+)+b"]
    words = "and this answer has plenty of other words in it so that it is scored"
    assert score_answers(scenario, [f"xaab {words}"]).criteria["c1"].met
    assert score_answers(scenario, [f"aaab {words}"]).criteria["c1"].met  # (a|a)*b
    assert not score_answers(scenario, [f"xaac {words}"]).criteria["c1"].met
    result = in_child(
        f"""
        import json, time
        from pathlib import Path
        from bot.core.scenarios import parse_scenario, read_common
        from bot.core.scorer import score_answers
        source = {source!r}
        scenario = parse_scenario(source, "up.toml", read_common(Path("scenarios")), untrusted=True)
        texts = ["x" + "a" * 7999, "a" * 8000, "a" * 7999 + "!", ("b" * 99 + "a") * 80,
                 "x" + "a" * 3999 + " " + "a" * 3999, "xa" * 4000]
        times = []
        for text in texts:
            start = time.process_time()
            score_answers(scenario, [text])
            times.append(time.process_time() - start)
        print(json.dumps({{"times": times}}))
        """
    )
    assert max(result["times"]) < 1.0, result


def test_the_same_patterns_would_backtrack_on_re() -> None:
    """The test above can fail: on Python's `re` the first pattern takes exponential time
    (30 "a"s took 28 s in issue 11; 24 already take a visible fraction of a second)."""
    result = in_child(
        """
        import json, re, time
        start = time.perf_counter()
        re.compile("x(a+)+b").search("x" + "a" * 22)
        print(json.dumps({"seconds": time.perf_counter() - start}))
        """
    )
    assert result["seconds"] > 0.05, result


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("re:(?<!customer )base", r"invalid perl operator: \(\?<!"),
        ("re:\\bbase\\b(?!\\s+rate)", r"invalid perl operator: \(\?!"),
        ("re:(\\w+) \\1", r"invalid escape sequence: \\1"),
        ("re:end\\Z", r"invalid escape sequence: \\Z"),
        ("re:a*", "can match empty text"),
        ("re:(unclosed", "bad pattern in concept 'c0'"),
    ],
)
def test_what_re2_cannot_take_is_refused_with_its_line(phrase: str, reason: str) -> None:
    source = upload(f'c0 = [\n  "fine",\n  {json.dumps(phrase)},\n]\n')
    line = source.splitlines().index(f"  {json.dumps(phrase)},") + 1
    errors = refused(source)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"up.toml:{line}: [concepts.c0[1]] "), errors
    assert re.search(reason, errors[0]), errors


def test_the_same_file_loads_as_a_bundled_one() -> None:
    source = upload('c0 = ["re:(?<!customer )base", "re:(a|aa)+$"]\n')
    scenario = parse_scenario(source, "up.toml", COMMON)
    assert not scenario.untrusted
    assert scenario.lexicon.phrases["c0"] == ["re:(?<!customer )base", "re:(a|aa)+$"]


def test_every_limit_is_refused_with_a_clear_error() -> None:
    many = "".join(  # a concept has at most 300 phrases (any file)
        f"m{k} = [" + ", ".join(f'"w{k}x{i}"' for i in range(251)) + "]\n" for k in range(6)
    )
    same = ", ".join(f'"the w{i}"' for i in range(LIMITS.same_first_word + 1))
    raw = ", ".join(f'"re:r{i}x"' for i in range(LIMITS.raw + 1))
    deep = '"c0"'
    for _ in range(LIMITS.depth):
        deep = f"{{ not = {deep} }}"
    wide = "{ any = [" + ", ".join(['"c0"'] * LIMITS.parts) + "] }"
    window = "{ any = [" + ", ".join(['"c0"'] * 50) + "] }"
    concepts = (
        f'c0 = ["c0"]\n{many}'
        f"c1 = [{json.dumps('x' * (LIMITS.phrase_chars + 1))}]\n"
        f"c2 = [{json.dumps(' '.join(['w'] * (LIMITS.phrase_words + 1)))}]\n"
        f"c3 = [{same}]\n"
        f"c4 = [{raw}]\n"
        f'c5 = ["re:(?:ab|cd){{1000}}"]\n'
    )
    windows = [f'{{ scope = "window", window = 10, when = {window} }}'] * 2
    rules = "[" + ", ".join([f"{{ when = {deep} }}", f"{{ when = {wide} }}", *windows]) + "]"
    errors = refused(upload(concepts, rules))
    text = "\n".join(errors)
    expected = [
        r"up\.toml:\d+: \[concepts\] 1,\d{3} phrases in all; an uploaded round may have at "
        r"most 1,500",
        r"up\.toml:\d+: \[concepts\.c1\[0\]\] phrase 1 of concept 'c1' is 1,001 characters",
        r"up\.toml:\d+: \[concepts\.c2\[0\]\] phrase 'w w w w w w w w w w w w w' of concept "
        r"'c2' has 13 words",
        r"up\.toml:\d+: \[concepts\.c3\[60\]\] 61 phrases start with the word 'the'",
        r"up\.toml:\d+: \[concepts\] 62 raw regexes \(re:\) in all; an uploaded round may "
        r"have at most 60",
        r"up\.toml:\d+: \[concepts\.c5\[0\]\] raw regex in concept 'c5' is too large \(RE2 "
        r"program size 4,004",
        r"up\.toml:\d+: \[criteria\[0\]\.rules\[0\]\.when\] the rule nests "
        r"all/any/at_least/not 9 deep",
        r"up\.toml:\d+: \[criteria\[0\]\.rules\[1\]\.when\] the rule has 61 expression parts",
        r"up\.toml:\d+: \[criteria\] the rules have 1,\d{3} expression parts in all",
    ]
    for pattern in expected:
        assert re.search(pattern, text), (pattern, text)
    assert len(errors) == len(expected), text


def test_limit_errors_point_at_the_phrase_line() -> None:
    source = upload('c0 = [\n  "ok",\n  "' + "y" * (LIMITS.phrase_chars + 1) + '",\n]\n')
    errors = refused(source)
    assert errors[0].startswith(f"up.toml:{len(source.splitlines()) - 1}: [concepts.c0[1]]")


def test_the_bundled_files_fit_the_upload_limits_but_for_their_look_arounds(catalogue) -> None:
    """The limits leave room for rounds as large as the bundled ones; what an upload of
    a bundled file would lose is only its look-arounds (and the like), which RE2 lacks."""
    for scenario in catalogue:
        for problem in check(scenario.spec):
            assert "cannot run on RE2" in problem.message, (
                scenario.id,
                problem,
            )


def test_the_custom_fixture_uploads_as_it_is() -> None:
    source = (DATA / "custom" / "data-platform-pm.toml").read_text("utf-8")
    scenario = parse_scenario(source, "dp.toml", COMMON, untrusted=True)
    assert scenario.untrusted and scenario.id == "data-platform-pm"


def test_catastrophic_upload_files_in_a_directory_load_only_as_bundled(tmp_path: Path) -> None:
    """`load_directory` is for the bundled files (trusted): an upload path never uses it."""
    (tmp_path / "_common.toml").write_text((SCENARIOS / "_common.toml").read_text("utf-8"))
    (tmp_path / "up.toml").write_text(upload('c0 = ["re:(?<=a)b"]\n'))
    assert not load_directory(tmp_path).get("upload-test").untrusted
