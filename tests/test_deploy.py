"""The Dockerfile and docker-compose.yml (issue 13, part 5), read as text: no Docker engine
is needed (nor PyYAML) to check that they say what the README promises."""

from __future__ import annotations

import re
import tomllib

from bot import PROJECT_ROOT
from bot.sharding import parse_shard_ids


def _instructions() -> list[tuple[str, str]]:
    text = (PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n\s*", " ", text)  # continuation lines
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_is_slim_non_root_and_runs_only_the_bot() -> None:
    steps = _instructions()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [arg for op, arg in steps if op == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert [arg for op, arg in steps if op == "ENTRYPOINT"] == ['["python", "-m", "bot"]']
    assert [arg for op, arg in steps if op == "CMD"] == ['["run"]']
    installs = [arg for op, arg in steps if op == "RUN" and "pip install" in arg]
    assert installs and re.match(r"pip install \.( |$)", installs[0]), installs
    # what it installs runs PostgreSQL too (no extra to forget: asyncpg is a dependency)
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert any(d.startswith("asyncpg") for d in project["project"]["dependencies"])
    copied = " ".join(arg for op, arg in steps if op == "COPY")
    for needed in ("pyproject.toml", "bot", "scenarios", "templates"):
        assert needed in copied


def test_compose_runs_postgres_and_processes_holding_every_shard_once() -> None:
    text = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s+image: postgres:15\s*$", text, re.M)
    assert re.search(r"^volumes:\n\s+pgdata:", text, re.M)
    counts = set(re.findall(r'SHARD_COUNT: "(\d+)"', text))
    assert len(counts) == 1
    count = int(counts.pop())
    held = [parse_shard_ids(ids, count) for ids in re.findall(r'SHARD_IDS: "([^"]+)"', text)]
    assert len(held) == 2  # two bot processes
    every = sorted(shard for ids in held for shard in ids)
    assert every == list(range(count))
    assert "DATABASE_URL: postgresql://" in text and "@postgres:5432/" in text
