"""Benchmark: the real bot in one process or two holding shard ranges, against the fake Discord.

Run:
    python tests/bench/bench_discord.py --burst [--processes 1|2] [--backend sqlite|postgresql]
    python tests/bench/bench_discord.py --burst --compare  # 1 on SQLite, 1 and 2 on PostgreSQL
    python tests/bench/bench_discord.py [--think 1,3]      # closed loop: users wait for replies

The world: USERS interviews (default 200), half in DMs and half in private threads
of servers (GUILDS guilds, default 10, on the shards of `--guild-shards`, default
all of `--shard-count`, default 2, routed by `(guild_id >> 22) % SHARD_COUNT`). With
`--processes 1` one bot process holds every shard; with 2, each holds half (`--split
even`: with 2 shards, one holds shard 0, its guilds and every DM, as on Discord, and
the other shard 1), or one holds shard 0 alone and the other the rest (`--split dm`).
Two processes share one database: PostgreSQL
(`--backend postgresql`: a throwaway cluster, tests/postgres_cluster.py, fsync off,
unless `--database-url` names a server) or one SQLite file.

Before anything is measured, a warm-up interview per place (a DM, a thread on each
shard) runs to its summary, one at a time, so no process scores a round for the first
time in the burst (`--cold` skips it: the first scoring of a round builds its lexicon,
~0.4 s of CPU that holds the GIL). Then every user starts an interview
(`/interview start`, START_RATE/s, again if the bot missed the 3 s deadline), then
answers ANSWERS times by plain messages. `--burst` is open loop: answer i of the run
is due at i / RATE s (default 300/s, round robin over the users in a shuffled order)
and is sent then, whatever has been answered; the bot takes a session's messages in
order, so the n-th reply in a channel is the n-th answer's. Without `--burst` users
think THINK seconds after each reply (closed loop).

Where things run: this process runs the fake Discord (`FakeDiscord(shards=2)`, its
schema check off) and the driver, and no bot code; each bot process is a child
started by tests/e2e/bot_process.py (`create_bot` from settings, discord.py pointed
at the fake); PostgreSQL is its own server processes. Latency of one answer = from
just before the fake dispatches the user's MESSAGE_CREATE to when the fake receives
the bot's reply (the REST request that creates it), both on this process's clock, so
a starved fake adds to it (`lag`: the latest a send left after its due time). The
last answer's reply is the summary with the transcript attached. CPU seconds (whole
run and burst) and peak memory (VmHWM) are read from /proc for each bot process,
CPU also for the PostgreSQL server's processes and this one. `--py-spy DIR` records
each bot process's stacks during the burst (raw collapsed format, GIL holder only);
`--samples FILE` writes every answer's timings. Target: p99 <= 250 ms with two
processes; peak < 150 MB a process. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from fake_discord import FakeDiscord, StoredMessage  # noqa: E402

ANSWERS = [
    "I would make the summarize button bigger and move it to the toolbar, with a new colour "
    "and a collapsible side panel layout.",
    "People summarise long threads to find out what is asked of them. If the summary leads "
    "with an 'asks for you' line, I predict acceptance rises 20%, because they get their "
    "answer without opening the thread, so they keep the summary.",
    "The primary metric is summary acceptance rate, from 30% to 36% in a month.",
    "I would run an A/B test on 10,000 users for two weeks and ship if the 95% confidence "
    "interval excludes zero.",
    "With only 0.5% of compute I would cap latency at 300 ms, which limits the model size "
    "and rules out long summaries.",
]
SHARD_COUNT = 2
P99_TARGET_MS = 250.0
PEAK_TARGET_MB = 150.0
REPLY_TIMEOUT_S = 60.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100), nearest rank."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


# --------------------------------------------------------------------------- /proc readings


def proc_cpu_s(pid: int, *, children: bool = False) -> float:
    """User + system CPU seconds of a live process (plus its reaped children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


def proc_peak_mb(pid: int) -> float:
    """A live process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def server_cpu_s(postmaster: int | None) -> float:
    """CPU seconds of a PostgreSQL server: the postmaster, its live backends, its reaped ones."""
    if postmaster is None:
        return 0.0
    total = proc_cpu_s(postmaster, children=True)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == postmaster:
                total += proc_cpu_s(int(entry.name))
    return total


# --------------------------------------------------------------------------- the fake's side


class BenchFake(FakeDiscord):
    """The fake, remembering the bot's replies per channel, with an event per channel, so
    200 waiting users do not rescan every message."""

    def __init__(self) -> None:
        super().__init__(shards=SHARD_COUNT, check_schema=False)
        self.replies: dict[int, list[StoredMessage]] = {}
        self.arrived: dict[int, asyncio.Event] = {}

    def _store(self, msg: StoredMessage) -> StoredMessage:
        stored = super()._store(msg)
        mine = stored.author_id == self.bot_id and not stored.loading
        if mine and (stored.embeds or stored.attachments):
            self.replies.setdefault(stored.channel_id, []).append(stored)
            self.arrived.setdefault(stored.channel_id, asyncio.Event()).set()
        return stored

    async def nth_reply(self, channel: int, n: int, timeout: float) -> StoredMessage:
        """The bot's n-th reply (from 0) in `channel`, once it is there."""
        deadline = time.monotonic() + timeout
        while len(self.replies.get(channel, ())) <= n:
            event = self.arrived.setdefault(channel, asyncio.Event())
            event.clear()
            await asyncio.wait_for(event.wait(), max(0.0, deadline - time.monotonic()))
        return self.replies[channel][n]

    async def reply_after(self, channel: int, since: int, timeout: float) -> StoredMessage:
        """The bot's first reply (embeds or a file) in `channel` after checkpoint `since`."""
        deadline = time.monotonic() + timeout
        while True:
            for msg in self.replies.get(channel, ()):
                if msg.seq > since:
                    return msg
            event = self.arrived.setdefault(channel, asyncio.Event())
            event.clear()
            await asyncio.wait_for(event.wait(), max(0.0, deadline - time.monotonic()))


@dataclass
class Interview:
    """One user's interview: where they answer and which shard Discord routes it to."""

    user: dict[str, Any]
    kind: str  # "dm" or "guild"
    shard: int
    start_channel: int | None = None  # the guild channel /interview start runs in
    channel: int = 0  # the DM or the interview's thread, once started


@dataclass
class Sample:
    """One answer: when it was due, sent and answered (monotonic seconds)."""

    interview: Interview
    index: int
    due: float
    sent: float
    replied: float
    final: bool


def build_world(
    fake: BenchFake, users: int, guilds: int, guild_shards: Sequence[int]
) -> tuple[list[Interview], list[Interview]]:
    """Guilds on the shards `guild_shards` (one channel each), DM users and guild members:
    the measured interviews, and a warm-up one per place kind and shard (a DM, a thread on
    each shard), answered before the burst so no process meets code for the first time in it."""
    by_shard: dict[int, list[int]] = {s: [] for s in range(SHARD_COUNT)}
    per_shard = max(1, -(-guilds // len(guild_shards)))
    while any(len(by_shard[s]) < per_shard for s in guild_shards) or not all(by_shard.values()):
        gid = fake.add_guild("bench guild")
        shard = (gid >> 22) % SHARD_COUNT
        if len(by_shard[shard]) < (per_shard if shard in guild_shards else 1):
            by_shard[shard].append(gid)
        else:
            del fake.guilds[gid]
        time.sleep(0.0011)  # ids carry the millisecond: the next one may route elsewhere
    rows = zip(*(by_shard[s] for s in guild_shards), strict=False)
    chosen = [g for row in rows for g in row][: max(1, guilds)]
    channels = {g: fake.add_text_channel(g, "interviews") for v in by_shard.values() for g in v}

    def dm(name: str) -> Interview:
        user = fake.add_user(name)
        iv = Interview(user, "dm", 0)
        iv.channel = fake.dm_channel_for(user)
        return iv

    def member(name: str, gid: int) -> Interview:
        user = fake.add_user(name, guild_id=gid)
        return Interview(user, "guild", (gid >> 22) % SHARD_COUNT, channels[gid])

    measured = [
        dm(f"dm{i}") if i % 2 == 0 else member(f"member{i}", chosen[(i // 2) % len(chosen)])
        for i in range(users)
    ]
    warm = [dm("warm-dm")] + [member(f"warm{s}", by_shard[s][0]) for s in by_shard]
    return measured, warm


async def open_interview(fake: BenchFake, iv: Interview, attempts: int = 3) -> tuple[float, int]:
    """`/interview start`, again if the bot missed the interaction's 3 s deadline (the
    fake then answers its callback 10062, as Discord does, and the user tries again).
    Returns (seconds from the last try to the opening question, tries missed)."""
    from interview_harness import thread_of

    for missed in range(attempts):
        since = fake.checkpoint()
        t0 = time.monotonic()
        ix = await fake.slash(
            "interview start",
            {"round": "auto-summarize"},
            user=iv.user,
            channel_id=iv.start_channel,
            dm=iv.kind == "dm",
        )
        deadline = t0 + fake.interaction_deadline + 2.0  # a callback in flight may land
        while not ix.callbacks and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if not ix.callbacks:
            continue
        if iv.kind == "guild":
            iv.channel = thread_of(await ix.wait_reply(timeout=REPLY_TIMEOUT_S))
        opening = await fake.reply_after(iv.channel, since, REPLY_TIMEOUT_S)
        return opening.created_at - t0, missed
    raise TimeoutError(f"/interview start missed its deadline {attempts} times in a row")


# --------------------------------------------------------------------------- the bot processes


@dataclass
class Bot:
    """A running bot child process (tests/e2e/bot_process.py), what it holds, its figures."""

    shard_ids: str
    proc: Any  # bot_process.BotProcess
    cpu_at_burst: float = 0.0
    cpu_burst: float = 0.0
    cpu_total: float = 0.0
    peak_mb: float = 0.0
    answers: int = 0


def held_shards(ids: str) -> set[int]:
    """The shards of a SHARD_IDS value such as "0-1" or "1"."""
    low, _, high = ids.partition("-")
    return set(range(int(low), int(high or low) + 1))


def shard_ranges(processes: int, split: str = "even") -> list[str]:
    """SHARD_IDS of each process: every shard in one; with two, half each (`even`) or
    shard 0 alone, since it takes every DM, and the rest in the other (`dm`)."""

    def ids(low: int, high: int) -> str:
        return str(low) if low == high else f"{low}-{high}"

    last = SHARD_COUNT - 1
    if processes == 1:
        return [ids(0, last)]
    cut = 1 if split == "dm" else SHARD_COUNT // 2
    return [ids(0, cut - 1), ids(cut, last)]


async def start_bots(
    fake: BenchFake, processes: int, database_url: str, split: str = "even"
) -> list[Bot]:
    """The bot processes, started together (their identifies take turns in the shared
    database), each ready; the one holding shard 0 syncs the commands."""
    from bot_process import BotProcess

    settings = {
        "database_url": database_url,
        "shard_count": SHARD_COUNT,
        "message_content_intent": True,  # answers in threads are plain messages
        "flood_messages": 1000,  # the bench's users answer faster than the limit allows
        "identify_interval_s": 0.2,  # the fake checks no identify pacing here
    }
    ranges = shard_ranges(processes, split)
    procs = await asyncio.gather(
        *(
            BotProcess.start(
                fake.api_base,
                fake.gateway_url,
                {**settings, "shard_ids": ids},
                name=f"bot SHARD_IDS={ids}",
                sync=0 in held_shards(ids),
                ready_timeout=120.0,
            )
            for ids in ranges
        )
    )
    return [Bot(ids, p) for ids, p in zip(ranges, procs, strict=True)]


# --------------------------------------------------------------------------- one configuration


@dataclass
class Config:
    processes: int
    backend: str

    @property
    def name(self) -> str:
        return f"{self.processes} process{'es' if self.processes > 1 else ''}, {self.backend}"


@dataclass
class Result:
    config: Config
    samples: list[Sample]
    starts: list[float]
    lost: int
    bots: list[Bot]
    fake_cpu_burst: float
    pg_cpu_burst: float
    burst_s: float
    completed: int
    users: int
    missed_starts: int
    xacts: tuple[int, ...]  # PostgreSQL (commits, rollbacks) in the burst, () on SQLite


async def run_config(config: Config, args: argparse.Namespace, postmaster: int | None) -> Result:
    """Build the world, start the bots, open every interview, warm up, run the answers, stop."""
    fake = BenchFake()
    await fake.start()
    interviews, warm = build_world(fake, args.users, args.guilds, args.guild_shards)
    tmp = tempfile.TemporaryDirectory(prefix="bench-discord-")
    if config.backend == "postgresql":
        import pg_testdb

        database_url = await pg_testdb.new_database("bench_discord")
        if args.pool_size:
            database_url += f"?pool_size={args.pool_size}"
    else:
        database_url = f"sqlite:///{Path(tmp.name) / 'bench.db'}"
    bots: list[Bot] = []
    try:
        bots = await start_bots(fake, config.processes, database_url, args.split)
        if not args.cold:
            for iv in warm:  # one at a time: the first scoring of a round is slow
                await open_interview(fake, iv, attempts=10)
                await closed_loop(fake, [iv], args.answers, (0.0, 0.0), random.Random(1))
        starts: list[float] = []
        missed_starts = 0
        rng = random.Random(4)
        rng.shuffle(interviews)

        async def start_one(i: int, iv: Interview) -> None:
            nonlocal missed_starts
            await asyncio.sleep(i / args.start_rate)
            seconds, missed = await open_interview(fake, iv)
            starts.append(seconds)
            missed_starts += missed

        await asyncio.gather(*(start_one(i, iv) for i, iv in enumerate(interviews)))
        await asyncio.sleep(1.0)  # let the start-up work (and its writes) settle

        for bot in bots:
            bot.cpu_at_burst = proc_cpu_s(bot.proc.pid)
        fake_cpu0 = _self_cpu()
        pg_cpu0 = server_cpu_s(postmaster)
        xacts0 = await transactions(database_url)
        spies = _start_py_spy(args.py_spy, bots, config)
        t0 = time.monotonic()
        if args.burst:
            samples, lost = await open_loop(fake, interviews, args.answers, args.rate)
        else:
            samples, lost = await closed_loop(fake, interviews, args.answers, args.think_range, rng)
        burst_s = time.monotonic() - t0
        _stop_py_spy(spies)
        fake_cpu = _self_cpu() - fake_cpu0
        pg_cpu = server_cpu_s(postmaster) - pg_cpu0 if postmaster is not None else -1.0
        for bot in bots:
            bot.cpu_burst = proc_cpu_s(bot.proc.pid) - bot.cpu_at_burst
            bot.cpu_total = proc_cpu_s(bot.proc.pid)
            bot.peak_mb = proc_peak_mb(bot.proc.pid)
            owned = held_shards(bot.shard_ids)
            bot.answers = sum(1 for s in samples if s.interview.shard in owned)
        completed = sum(1 for s in samples if s.final and s.index == args.answers - 1)
        await asyncio.sleep(2.0)  # the backends report their counters when idle
        xacts = tuple(b - a for a, b in zip(xacts0, await transactions(database_url), strict=True))
    finally:
        await asyncio.gather(*(b.proc.stop() for b in bots))
        await fake.stop()
        tmp.cleanup()
    return Result(
        config,
        samples,
        starts,
        lost,
        bots,
        fake_cpu,
        pg_cpu,
        burst_s,
        completed,
        len(interviews),
        missed_starts,
        xacts,
    )


async def open_loop(
    fake: BenchFake, interviews: list[Interview], answers: int, rate: float
) -> tuple[list[Sample], int]:
    """Answer i of the run is due at i / rate s, round robin over the interviews, and is
    sent then, replies or not; the bot answers a session's messages in order, so the
    n-th reply in a channel from here on is the n-th answer's. Returns (samples, lost)."""
    samples: list[Sample] = []
    lost = 0
    t_first = time.monotonic() + 0.2

    async def one(slot: int, iv: Interview) -> None:
        nonlocal lost
        base = len(fake.replies.get(iv.channel, ()))
        sent: list[tuple[float, float]] = []  # (due, sent) of each answer so far

        async def send() -> None:
            for k, text in enumerate(ANSWERS[:answers]):
                due = t_first + (k * len(interviews) + slot) / rate
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                sent.append((due, time.monotonic()))
                await fake.user_message(iv.channel, text, user=iv.user)

        async def receive() -> None:
            nonlocal lost
            for k in range(answers):
                try:
                    reply = await fake.nth_reply(iv.channel, base + k, REPLY_TIMEOUT_S)
                except TimeoutError:
                    lost += answers - k
                    return
                due, at = sent[k]
                samples.append(Sample(iv, k, due, at, reply.created_at, bool(reply.attachments)))

        await asyncio.gather(send(), receive())

    await asyncio.gather(*(one(i, iv) for i, iv in enumerate(interviews)))
    return samples, lost


async def closed_loop(
    fake: BenchFake,
    interviews: list[Interview],
    answers: int,
    think: tuple[float, ...],
    rng: random.Random,
) -> tuple[list[Sample], int]:
    """Each user answers `think` seconds after the bot's previous reply. (samples, lost)"""
    samples: list[Sample] = []
    lost = 0

    async def one(iv: Interview) -> None:
        nonlocal lost
        for k, text in enumerate(ANSWERS[:answers]):
            await asyncio.sleep(rng.uniform(think[0], think[-1]))
            since = fake.checkpoint()
            at = time.monotonic()
            await fake.user_message(iv.channel, text, user=iv.user)
            try:
                reply = await fake.reply_after(iv.channel, since, REPLY_TIMEOUT_S)
            except TimeoutError:
                lost += answers - k
                return
            samples.append(Sample(iv, k, at, at, reply.created_at, bool(reply.attachments)))

    await asyncio.gather(*(one(iv) for iv in interviews))
    return samples, lost


async def transactions(database_url: str) -> tuple[int, ...]:
    """PostgreSQL's counters for the database, (commits, rollbacks): a rollback is most
    often a SERIALIZABLE unit retried; () on SQLite. Backends report them within ~1 s."""
    if not database_url.startswith("postgresql"):
        return ()
    import asyncpg

    conn = await asyncpg.connect(database_url.split("?")[0])  # not the store's options
    try:
        row = await conn.fetchrow(
            "SELECT xact_commit, xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
    finally:
        await conn.close()
    return (int(row[0]), int(row[1]))


def _self_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _start_py_spy(
    where: Path | None, bots: list[Bot], config: Config
) -> list[subprocess.Popen[bytes]]:
    """py-spy recording each bot process's stacks (raw collapsed format, the thread holding
    the GIL only) until stopped."""
    if where is None:
        return []
    spy = shutil.which("py-spy")
    if spy is None:
        raise SystemExit("--py-spy needs py-spy on PATH (pip install py-spy)")
    where.mkdir(parents=True, exist_ok=True)
    tag = f"{config.processes}p-{config.backend}"
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(b.proc.pid),
                "--format",
                "raw",
                "--gil",  # only the thread holding the GIL: where the CPU goes, not who waits
                "--rate",
                "250",
                "--output",
                str(where / f"{tag}-shards{b.shard_ids}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for b in bots
    ]


def _stop_py_spy(spies: list[subprocess.Popen[bytes]]) -> None:
    import signal

    for spy in spies:
        spy.send_signal(signal.SIGINT)
    for spy in spies:
        with contextlib.suppress(subprocess.TimeoutExpired):
            spy.wait(30)


# --------------------------------------------------------------------------- report


def latency_ms(samples: Sequence[Sample]) -> list[float]:
    return [(s.replied - s.sent) * 1000 for s in samples]


def driver_lag_ms(samples: Sequence[Sample]) -> float:
    """The latest the driver sent an answer after its due time (its own event loop's lag)."""
    return max(((s.sent - s.due) * 1000 for s in samples), default=0.0)


def table(results: Sequence[Result]) -> str:
    """One row per configuration, then a line per bot process."""
    head = (
        f"{'configuration':<26} {'answers':>7} {'sent/s':>6} {'done/s':>6} "
        f"{'p50':>6} {'p95':>6} {'p99':>6} {'max':>6} {'lag':>5} {'lost':>4}  "
        f"{'CPU s (burst): bots':<22} {'fake':>5} {'pg':>5}"
    )
    rows = [head, "-" * len(head)]
    for r in results:
        ms = latency_ms(r.samples)
        if not ms:
            rows.append(f"{r.config.name:<26} no answers")
            continue
        first = min(s.sent for s in r.samples)
        sent_rate = len(ms) / max(1e-9, max(s.sent for s in r.samples) - first)
        done_rate = len(ms) / max(1e-9, max(s.replied for s in r.samples) - first)
        bots_cpu = " + ".join(f"{b.cpu_burst:.1f}" for b in r.bots)
        pg = "    -" if r.config.backend != "postgresql" else f"{r.pg_cpu_burst:5.1f}"
        if r.config.backend == "postgresql" and r.pg_cpu_burst < 0:
            pg = "  n/a"  # a server of --database-url: not ours to measure
        rows.append(
            f"{r.config.name:<26} {len(ms):>7} {sent_rate:>6.0f} {done_rate:>6.0f} "
            f"{percentile(ms, 50):>6.0f} {percentile(ms, 95):>6.0f} {percentile(ms, 99):>6.0f} "
            f"{max(ms):>6.0f} {driver_lag_ms(r.samples):>5.0f} {r.lost:>4}  "
            f"{bots_cpu:<22} {r.fake_cpu_burst:>5.1f} {pg}"
        )
    rows.append("")
    for r in results:
        if not r.samples:
            continue
        ms_by_kind = {
            kind: latency_ms([s for s in r.samples if s.interview.kind == kind])
            for kind in ("dm", "guild")
        }
        kinds = ", ".join(
            f"{k} p50 {percentile(v, 50):.0f} / p99 {percentile(v, 99):.0f} ms"
            for k, v in ms_by_kind.items()
            if v
        )
        starts = (
            f"start->opening p50 {percentile(r.starts, 50) * 1000:.0f} / "
            f"p99 {percentile(r.starts, 99) * 1000:.0f} ms"
            if r.starts
            else ""
        )
        store = (
            f"; PostgreSQL commits {r.xacts[0]} ({r.xacts[0] / len(r.samples):.1f} an answer), "
            f"rollbacks {r.xacts[1]}"
            if r.xacts
            else ""
        )
        rows.append(
            f"{r.config.name}: {kinds}; {starts} ({r.missed_starts} missed the 3 s deadline "
            f"and were tried again); summaries as the last answer's reply "
            f"{r.completed}/{r.users}{store}"
        )
        by_index = [
            latency_ms([s for s in r.samples if s.index == k])
            for k in range(1 + max(s.index for s in r.samples))
        ]
        rows.append(
            "  by answer (the last one ends the interview: its reply is the summary): "
            + ", ".join(
                f"#{k + 1} p50 {percentile(v, 50):.0f} / p99 {percentile(v, 99):.0f}"
                for k, v in enumerate(by_index)
                if v
            )
        )
        for b in r.bots:
            per_answer = b.cpu_burst / b.answers * 1000 if b.answers else 0.0
            rows.append(
                f"  bot SHARD_IDS={b.shard_ids:<4} answers {b.answers:>4}  CPU burst "
                f"{b.cpu_burst:5.1f} s ({per_answer:.1f} ms/answer), whole run "
                f"{b.cpu_total:5.1f} s, peak {b.peak_mb:4.0f} MB"
            )
    return "\n".join(rows)


def write_samples(path: Path, results: Sequence[Result]) -> None:
    """One CSV row per answer: configuration, place, shard, index, due/sent/replied (s from
    the configuration's first send) and latency (ms)."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["config", "kind", "shard", "answer", "due", "sent", "replied", "ms"])
        for r in results:
            first = min((s.sent for s in r.samples), default=0.0)
            for s in sorted(r.samples, key=lambda s: s.sent):
                writer.writerow(
                    [
                        r.config.name,
                        s.interview.kind,
                        s.interview.shard,
                        s.index + 1,
                        f"{s.due - first:.4f}",
                        f"{s.sent - first:.4f}",
                        f"{s.replied - first:.4f}",
                        f"{(s.replied - s.sent) * 1000:.1f}",
                    ]
                )


# --------------------------------------------------------------------------- main


async def run_all(configs: list[Config], args: argparse.Namespace) -> list[Result]:
    cluster = None
    postmaster: int | None = None
    if any(c.backend == "postgresql" for c in configs):
        import pg_testdb
        import postgres_cluster

        url = args.database_url or pg_testdb.given_url()
        if url is None:
            cluster = postgres_cluster.start_cluster()
            url = cluster.url
            pid_file = cluster.datadir / "postmaster.pid"
            postmaster = int(pid_file.read_text().split()[0])
        pg_testdb.ADMIN_URL = url
    results: list[Result] = []
    try:
        for config in configs:
            results.append(await run_config(config, args, postmaster))
            print(f"done: {config.name}", file=sys.stderr, flush=True)
    finally:
        if cluster is not None:
            cluster.stop()
        elif any(c.backend == "postgresql" for c in configs):
            import pg_testdb

            await pg_testdb.drop_run_databases(pg_testdb.admin_url())
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=1, choices=[1, 2])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--compare",
        action="store_true",
        help="run 1 process on SQLite, 1 on PostgreSQL and 2 on PostgreSQL, in that order",
    )
    parser.add_argument("--burst", action="store_true", help="open loop at --rate answers/s")
    parser.add_argument("--rate", type=float, default=300.0, help="answers/s in --burst")
    parser.add_argument("--users", type=int, default=200, help="interviews, half of them DMs")
    parser.add_argument("--guilds", type=int, default=10, help="guilds the rest are spread over")
    parser.add_argument("--answers", type=int, default=len(ANSWERS), choices=range(1, 6))
    parser.add_argument("--start-rate", type=float, default=25.0, help="/interview start per s")
    parser.add_argument(
        "--think",
        default="1,3",
        help="without --burst: seconds a user takes between the bot's reply and the next "
        "answer, MIN,MAX (default 1,3: 200 users send ~100 answers/s)",
    )
    parser.add_argument(
        "--shard-count", type=int, default=2, help="SHARD_COUNT of every process (default 2)"
    )
    parser.add_argument(
        "--split",
        choices=("even", "dm"),
        default="even",
        help="with 2 processes: half the shards each (even), or shard 0, which takes every "
        "DM, alone and the rest in the other (dm)",
    )
    parser.add_argument(
        "--guild-shards",
        default=None,
        help="shards the guilds of the server interviews are on (default: all; DMs are on 0)",
    )
    parser.add_argument(
        "--cold",
        action="store_true",
        help="no warm-up interviews: each process scores its first answers in the burst",
    )
    parser.add_argument(
        "--pool-size", type=int, default=None, help="PostgreSQL connections a process (10)"
    )
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server to use")
    parser.add_argument(
        "--samples", type=Path, default=None, help="write every answer's timings here (CSV)"
    )
    parser.add_argument("--py-spy", type=Path, default=None, help="record bot stacks here")
    args = parser.parse_args(argv)
    args.think_range = tuple(float(x) for x in args.think.split(","))
    global SHARD_COUNT
    SHARD_COUNT = args.shard_count
    if args.guild_shards is None:
        args.guild_shards = list(range(SHARD_COUNT))
    else:
        args.guild_shards = sorted({int(x) for x in args.guild_shards.split(",")})
    if SHARD_COUNT < 2 or any(not 0 <= s < SHARD_COUNT for s in args.guild_shards):
        parser.error("--shard-count must be at least 2 and every --guild-shards below it")
    if args.compare:
        configs = [Config(1, "sqlite"), Config(1, "postgresql"), Config(2, "postgresql")]
    else:
        configs = [Config(args.processes, args.backend)]
    from bot.launcher import run_event_loop  # the fake on uvloop too: Discord's CPU is not ours

    results = run_event_loop(run_all(configs, args))
    if args.samples is not None:
        write_samples(args.samples, results)

    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, {platform.platform()}, Python "
        f"{sys.version.split()[0]}, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (after the run)"
    )
    mode = (
        f"open-loop burst at {args.rate:g} answers/s"
        if args.burst
        else f"closed loop, think {args.think} s"
    )
    dms = (args.users + 1) // 2
    print(
        f"{args.users} interviews ({dms} DMs, {args.users - dms} in threads of {args.guilds} "
        f"guilds on shards {args.guild_shards} of {SHARD_COUNT}), {args.answers} answers each, "
        f"{mode}; "
        "latencies in ms, answer -> reply"
    )
    print(table(results))
    worst = max(
        (r for r in results if r.config.processes == max(c.processes for c in configs)),
        key=lambda r: percentile(latency_ms(r.samples), 99) if r.samples else float("inf"),
    )
    p99 = percentile(latency_ms(worst.samples), 99) if worst.samples else float("inf")
    peak = max(b.peak_mb for r in results for b in r.bots)
    ok = p99 <= P99_TARGET_MS and peak < PEAK_TARGET_MB and not any(r.lost for r in results)
    print(
        f"{'PASS' if ok else 'MISS'}: p99 {p99:.0f} ms with {worst.config.name} "
        f"(target <= {P99_TARGET_MS:.0f}), peak {peak:.0f} MB a process "
        f"(target < {PEAK_TARGET_MB:.0f})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
