"""The command line: run | sync | practice | replay | score | scenarios | db."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from bot.core.scenarios import (
    ROUNDS,
    Catalogue,
    ScenarioLoadError,
    load_directory,
    load_file,
    read_common,
    scenario_files,
    warnings_for,
)
from bot.core.scorer import score_answers
from bot.render import message
from bot.settings import SettingsError, get_settings

MAX_TRANSCRIPT_CHARS = 100_000

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def score_lines(
    catalogue: Catalogue, lines: Iterable[str]
) -> Iterator[tuple[dict[str, Any], bool]]:
    """The `score` contract: one result (or error) per input line, in order.

    A blank line gets an error line too, so output line N always answers input line N.
    """
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            yield {"id": None, "error": f"line {number}: blank line"}, False
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            yield {"id": None, "error": f"line {number}: not valid JSON ({exc.msg})"}, False
            continue
        if not isinstance(row, dict):
            yield {"id": None, "error": f"line {number}: expected a JSON object"}, False
            continue
        rid = row.get("id")
        error = _check_row(catalogue, row)
        if error:
            yield {"id": rid, "error": f"line {number}: {error}"}, False
            continue
        result = score_answers(catalogue.scenarios[row["scenario"]], row["answers"])
        yield result.to_contract(rid), True


def _check_row(catalogue: Catalogue, row: dict[str, Any]) -> str | None:
    scenario = row.get("scenario")
    if not isinstance(scenario, str) or not scenario:
        return 'missing "scenario"'
    if scenario not in catalogue.scenarios:
        return f"unknown scenario {scenario!r}"
    answers = row.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        return '"answers" must be a list of strings'
    if not any(a.strip() for a in answers):
        return "no answers"
    size = sum(len(a) for a in answers)
    if size > MAX_TRANSCRIPT_CHARS:
        return f"transcript too long ({size:,} characters; the limit is {MAX_TRANSCRIPT_CHARS:,})"
    return None


def _catalogue(err: TextIO) -> Catalogue | None:
    settings = get_settings()
    try:
        return load_directory(settings.scenarios_dir)
    except ScenarioLoadError as exc:
        err.write("the scenario files have errors:\n")
        for e in exc.errors:
            err.write(f"  {e}\n")
        return None


def cmd_score(args: argparse.Namespace) -> int:
    catalogue = _catalogue(sys.stderr)
    if catalogue is None:
        return EXIT_USAGE
    if args.file == "-":
        stream: TextIO = sys.stdin
    else:
        try:
            stream = open(args.file, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            sys.stderr.write(f"cannot read {args.file}: {exc.strerror}\n")
            return EXIT_USAGE
    ok = True
    with stream:
        for out, good in score_lines(catalogue, stream):
            sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            ok = ok and good
    sys.stdout.flush()
    return EXIT_OK if ok else EXIT_FAILED


def cmd_validate(args: argparse.Namespace) -> int:
    settings = get_settings()
    paths: list[Path] = []
    for raw in args.paths or [str(settings.scenarios_dir)]:
        p = Path(raw)
        if p.is_dir():
            paths.extend(scenario_files(p))
        else:
            paths.append(p)
    errors = []
    warnings = []
    seen: dict[str, Path] = {}
    for path in paths:
        common = read_common(path.parent) or read_common(settings.scenarios_dir)
        try:
            scenario = load_file(path, common, untrusted=args.untrusted)
        except ScenarioLoadError as exc:
            errors.extend(str(e) for e in exc.errors)
            continue
        if scenario.id in seen:
            errors.append(
                f"{path}: [id] duplicate scenario id {scenario.id!r} (also {seen[scenario.id]})"
            )
        seen[scenario.id] = path
        warnings.extend(f"{path}: warning: {w}" for w in warnings_for(scenario))
    for line in errors:
        print(line)
    for line in warnings:
        print(line)
    if errors:
        print(message("scenarios_failed", count=len(errors)))
        return EXIT_FAILED
    print(message("scenarios_ok", count=len(paths), warnings=warnings))
    return EXIT_OK


def cmd_lint_answers(args: argparse.Namespace) -> int:
    from bot.core.evaluation import evaluate

    settings = get_settings()
    path = Path(args.path)
    common = read_common(path.parent) or read_common(settings.scenarios_dir)
    try:
        scenario = load_file(path, common)
    except ScenarioLoadError as exc:
        for e in exc.errors:
            print(e)
        return EXIT_FAILED
    rows = []
    problems = []
    try:
        lines = Path(args.answers).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        print(f"cannot read {args.answers}: {exc.strerror}")
        return EXIT_USAGE
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
            labels = row["labels"]
            ok = (
                isinstance(row.get("answers"), list)
                and all(isinstance(a, str) for a in row["answers"])
                and isinstance(labels.get("criteria", []), list)
                and isinstance(labels.get("antipatterns", []), list)
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            ok = False
        if not ok:
            problems.append(f"{args.answers}:{number}: not a labelled transcript")
            continue
        if row.get("scenario", scenario.id) != scenario.id:
            continue
        unknown = set(labels.get("criteria", [])) - {c.id for c in scenario.criteria}
        unknown |= set(labels.get("antipatterns", [])) - {a.id for a in scenario.antipatterns}
        if unknown:
            problems.append(f"{args.answers}:{number}: unknown label(s) {sorted(unknown)}")
            continue
        rows.append({**row, "scenario": scenario.id, "id": row.get("id", f"line {number}")})
    for p in problems:
        print(p)
    if not rows:
        print(f"no labelled answers for scenario {scenario.id!r} in {args.answers}")
        return EXIT_FAILED
    report = evaluate(Catalogue({scenario.id: scenario}), rows)
    print(f"{scenario.id}: {len(rows)} labelled transcripts")
    print(report.table())
    for rid, key, kind in report.errors:
        what = "false positive" if kind == "fp" else "missed"
        print(f"  {rid}: {key} {what}")
    return EXIT_FAILED if problems else EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Precision, recall and macro-F1 of the scorer on labelled sets (the test data by default)."""
    from bot import PROJECT_ROOT
    from bot.core.evaluation import evaluate, labelled_sets, read_labelled

    catalogue = _catalogue(sys.stderr)
    if catalogue is None:
        return EXIT_USAGE
    paths = [Path(p) for p in args.paths] or [PROJECT_ROOT / "tests" / "data"]
    sets: dict[str, list[dict[str, Any]]] = {}
    for path in paths:
        if not path.exists():
            print(f"{path}: no such file or directory", file=sys.stderr)
            return EXIT_USAGE
        if path.is_dir() and not args.paths:
            sets.update(labelled_sets(path))
        else:
            sets[str(path)] = read_labelled(path)
    for name, rows in sets.items():
        rows = [r for r in rows if r.get("scenario") in catalogue.scenarios]
        if not rows:
            continue  # e.g. a custom round's set: its scenario is not bundled
        report = evaluate(catalogue, rows)
        print(f"== {name} ({len(rows)} transcripts)")
        print(report.table())
        if args.errors:
            for rid, key, kind in report.errors:
                print(f"  {kind} {key} {rid}")
        print()
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    catalogue = _catalogue(sys.stderr)
    if catalogue is None:
        return EXIT_USAGE
    for s in catalogue:
        print(f"{s.id:20} {s.spec.round:20} {s.spec.description}")
    return EXIT_OK


def _pick(args: argparse.Namespace, catalogue: Catalogue, reader: Any) -> Any:
    from bot.console import choose_scenario

    if args.scenario:
        if args.scenario not in catalogue.scenarios:
            print(message("unknown_scenario", name=args.scenario, known=list(catalogue.scenarios)))
            return None
        return catalogue.scenarios[args.scenario]
    if args.round:
        matches = catalogue.by_round(args.round)
        if not matches:
            print(message("unknown_round", name=args.round, known=list(ROUNDS)))
            return None
        if len(matches) == 1 or not reader.interactive:
            return matches[0]
        return choose_scenario(Catalogue({s.id: s for s in matches}), reader, sys.stdout)
    if not reader.interactive:
        print(message("pick_scenario_noninteractive"))
        return None
    return choose_scenario(catalogue, reader, sys.stdout)


class CommandFailed(Exception):
    """The command cannot go on; its message was already shown. Carries the exit status."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@contextmanager
def opened_interviews() -> Iterator[tuple[Any, Any]]:
    """The portal thread and the session service over the configured store, closed after."""
    from bot.console import CONSOLE_PLACE, Portal
    from bot.sessions import Interviews
    from bot.store import StoreError, open_store

    settings = get_settings()
    catalogue = _catalogue(sys.stderr)
    if catalogue is None:
        raise CommandFailed(EXIT_USAGE)
    portal = Portal()
    try:
        store = portal.call(
            open_store(settings.database_url, retention_days=settings.transcript_retention_days)
        )
    except StoreError as exc:
        portal.close()
        sys.stderr.write(message("store_error", error=str(exc)) + "\n")
        raise CommandFailed(EXIT_USAGE) from None
    interviews = Interviews(store, catalogue, hint_cost=settings.hint_cost)
    try:
        # the terminal closes only its own idle sessions: on a database a bot shares, the
        # bot sweeps its Discord sessions (and posts their summaries where they ran)
        portal.call(interviews.sweep(owns=lambda session: session.place == CONSOLE_PLACE))
        yield portal, interviews
    finally:
        portal.call(store.close())
        portal.close()


def cmd_practice(args: argparse.Namespace) -> int:
    from bot.console import (
        CONSOLE_PLACE,
        console_user,
        practice,
        stdin_reader,
        unfinished_notice,
    )

    with opened_interviews() as (portal, interviews):
        reader = stdin_reader()
        scenario = None
        existing = portal.call(interviews.store.find_open_session(console_user()[0], CONSOLE_PLACE))
        if existing is not None and not (args.resume or args.new):
            print(unfinished_notice(interviews, portal, existing))
            return EXIT_USAGE
        if not args.resume:
            scenario = _pick(args, interviews.catalogue, reader)
            if scenario is None:
                return EXIT_USAGE
        return practice(
            interviews,
            portal,
            scenario,
            reader,
            sys.stdout,
            resume=args.resume,
            restart=args.new,
            seed=args.seed,
            study=args.study,
        )


HISTORY_PAGE_SIZE = 10


def cmd_history(args: argparse.Namespace) -> int:
    from bot.console import Screen, console_user
    from bot.presenter import history_rows, transcript_purged
    from bot.render import render_summary

    user_id, _ = console_user()
    screen = Screen.of(sys.stdout)
    with opened_interviews() as (portal, interviews):
        store = interviews.store
        if args.session is None:
            page = max(1, args.page)
            size = HISTORY_PAGE_SIZE
            sessions = portal.call(store.user_history(user_id, size + 1, (page - 1) * size))
            if not sessions:
                total = 0 if page == 1 else len(portal.call(store.user_history(user_id, 10**9)))
                if total == 0:
                    print(message("history_empty"))
                else:
                    pages = -(-total // size)
                    print(message("history_past_end", page=page, total=total, pages=pages))
                    return EXIT_FAILED
                return EXIT_OK
            rows = portal.call(history_rows(interviews, sessions[:size]))
            print(message("history_page", rows=rows, page=page, more=len(sessions) > size))
            return EXIT_OK
        session = portal.call(store.get_session(args.session))
        if session is None or session.user_id != user_id:
            print(message("history_missing", session_id=args.session))
            return EXIT_FAILED
        if transcript_purged(session):
            print(message("history_purged", session_id=args.session))
            return EXIT_OK
        scenario = portal.call(interviews.scenario_for(session))  # the version it ran on
        speakers = {"candidate": message("you"), "interviewer": scenario.spec.persona.name}
        for turn in portal.call(store.transcript(session.id)):
            who = speakers.get(turn.role)
            if who is None:
                screen.markdown(turn.text)
            else:
                screen.turn(who, turn.text, own_words=turn.role == "candidate")
        screen.markdown(render_summary(interviews.summary_of(session), scenario), gap=False)
        return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from bot.console import console_user
    from bot.presenter import export_json

    with opened_interviews() as (portal, interviews):
        text = portal.call(export_json(interviews, console_user()[0]))
    if args.file == "-":
        print(text)
    else:
        Path(args.file).write_text(text + "\n", encoding="utf-8")
        print(message("exported", path=args.file))
    return EXIT_OK


def cmd_forget(args: argparse.Namespace) -> int:
    from bot.console import console_user

    if not args.yes:
        print(message("forget_confirm"))
        return EXIT_USAGE
    with opened_interviews() as (portal, interviews):
        counts = portal.call(interviews.store.forget_user(console_user()[0]))
    print(message("forgotten", counts=counts))
    return EXIT_OK


def read_script(text: str) -> list[str]:
    """Scripted answers: a JSON list of strings, or one answer per non-empty line."""
    stripped = text.strip()
    if stripped.startswith("["):
        data = json.loads(stripped)
        if not isinstance(data, list) or not all(isinstance(a, str) for a in data):
            raise ValueError("a JSON script must be a list of strings")
        return data
    return [line for line in text.splitlines() if line.strip()]


def cmd_replay(args: argparse.Namespace) -> int:
    from bot.console import replay

    catalogue = _catalogue(sys.stderr)
    if catalogue is None:
        return EXIT_USAGE
    if args.scenario not in catalogue.scenarios:
        print(message("unknown_scenario", name=args.scenario, known=list(catalogue.scenarios)))
        return EXIT_USAGE
    try:
        text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text("utf-8")
        answers = read_script(text)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"cannot read the script {args.file}: {exc}\n")
        return EXIT_USAGE
    replay(catalogue.scenarios[args.scenario], answers, sys.stdout, seed=args.seed)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.discord_token is None or not settings.discord_token.get_secret_value():
        sys.stderr.write(message("no_token") + "\n")
        return EXIT_USAGE
    from bot.launcher import run_bot

    return run_bot(settings)


def cmd_sync(args: argparse.Namespace) -> int:
    settings = get_settings()
    if settings.discord_token is None or not settings.discord_token.get_secret_value():
        sys.stderr.write(message("no_token") + "\n")
        return EXIT_USAGE
    from bot.launcher import sync_commands

    guild = settings.dev_guild_id if args.guild == "dev" else args.guild
    if args.guild == "dev" and guild is None:
        sys.stderr.write(message("sync_needs_dev_guild") + "\n")
        return EXIT_USAGE
    return sync_commands(settings, int(guild) if guild is not None else None)


def cmd_db_copy(args: argparse.Namespace) -> int:
    import asyncio

    from bot.store import StoreError
    from bot.store.transfer import CopyRefused, copy_urls

    try:
        report = asyncio.run(copy_urls(args.source, args.target, replace=args.replace))
    except CopyRefused as exc:
        print(message("db_refused", error=str(exc)))
        return EXIT_FAILED
    except StoreError as exc:
        print(message("db_failed", error=str(exc)))
        return EXIT_FAILED
    print(message("db_copied" if report.changed else "db_unchanged", report=report))
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="interview-bot", description="Mock interviews for AI/ML product-manager roles."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("run", help="start the Discord bot (needs DISCORD_TOKEN)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("sync", help="publish the slash commands (globally, or to one server)")
    p.add_argument(
        "--guild",
        nargs="?",
        const="dev",
        type=lambda v: v if v == "dev" else int(v),
        metavar="ID",
        help="sync to this server only (instant; no ID: DEV_GUILD_ID)",
    )
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser("practice", help="hold a mock interview in the terminal")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--scenario", metavar="ID", help="scenario id (see: scenarios list)")
    group.add_argument("--round", metavar="NAME", choices=list(ROUNDS), help="pick by round")
    p.add_argument("--seed", type=int, default=None, help="seed for the interviewer's phrasing")
    p.add_argument(
        "--study",
        action="store_true",
        help="study mode: show what the panel scores before the interview (off by default)",
    )
    again = p.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue your unfinished interview")
    again.add_argument(
        "--new", action="store_true", help="end your unfinished interview and start another"
    )
    p.set_defaults(func=cmd_practice)

    p = sub.add_parser("export", help="everything stored about you, as JSON")
    p.add_argument("file", nargs="?", default="-", metavar="FILE", help="default: standard output")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("forget-me", help="delete everything stored about you")
    p.add_argument("--yes", action="store_true", help="confirm the deletion")
    p.set_defaults(func=cmd_forget)

    p = sub.add_parser("history", help="your past practice interviews")
    p.add_argument("session", nargs="?", type=int, metavar="ID", help="show one interview")
    p.add_argument("--page", type=int, default=1)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("replay", help="run scripted answers and print the conversation")
    p.add_argument("--scenario", required=True, metavar="ID")
    p.add_argument("file", metavar="FILE", help="one answer per line, or a JSON list; - for stdin")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("score", help="score JSON Lines transcripts (rubric contract)")
    p.add_argument("file", metavar="FILE", help="JSON Lines file, or - for standard input")
    p.set_defaults(func=cmd_score)

    p = sub.add_parser("scenarios", help="check or list scenario files")
    ssub = p.add_subparsers(dest="scenarios_command", required=True, metavar="ACTION")
    v = ssub.add_parser("validate", help="check scenario files; non-zero exit on any error")
    v.add_argument("paths", nargs="*", metavar="PATH")
    v.add_argument(
        "--untrusted",
        action="store_true",
        help="check as /scenario upload does: regexes RE2 can run, within the upload limits",
    )
    v.set_defaults(func=cmd_validate)
    la = ssub.add_parser(
        "lint-answers", help="score labelled answers against a scenario: precision and recall"
    )
    la.add_argument("path", metavar="PATH", help="the scenario file")
    la.add_argument("answers", metavar="ANSWERS.jsonl", help="labelled transcripts (JSON Lines)")
    la.set_defaults(func=cmd_lint_answers)
    r = ssub.add_parser(
        "report", help="precision/recall of the scorer on labelled transcripts (tests/data)"
    )
    r.add_argument("paths", nargs="*", metavar="PATH", help="JSON Lines files or directories")
    r.add_argument("--errors", action="store_true", help="list each misjudged transcript id")
    r.set_defaults(func=cmd_report)

    c = ssub.add_parser("list", help="list the loaded scenarios")
    c.set_defaults(func=cmd_list)

    p = sub.add_parser("db", help="manage the session store")
    dsub = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    d = dsub.add_parser(
        "copy",
        help="copy every table of one store into another (SQLite <-> PostgreSQL)",
        description="Copy every row of the store at SOURCE into the store at TARGET (each a "
        "DATABASE_URL; both are created and migrated as needed), in one transaction; PostgreSQL "
        "ids continue after the copied ones. A TARGET that already holds exactly SOURCE's rows "
        "is left alone; any other non-empty TARGET is refused unless --replace. Stop the bot "
        "first.",
    )
    d.add_argument("source", metavar="SOURCE", help="e.g. sqlite:///interview-bot.db")
    d.add_argument("target", metavar="TARGET", help="e.g. postgresql://bot@localhost/bot")
    d.add_argument(
        "--replace",
        action="store_true",
        help="empty a non-empty TARGET first (in the same transaction) instead of refusing",
    )
    d.set_defaults(func=cmd_db_copy)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m bot` and the `interview-bot` script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args))
    except SettingsError as exc:
        sys.stderr.write(f"{exc}\n")
        return EXIT_USAGE
    except CommandFailed as exc:
        return exc.status
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:  # Ctrl-C before a command could handle it (e.g. while loading)
        sys.stderr.write("\n")
        return 130
