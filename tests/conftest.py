"""Shared fixtures: the bundled scenarios and the labelled data sets."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.core.scenarios import Catalogue, load_directory

# No test may touch the real user data directory (the default database lives there).
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="interview-bot-test-data-")

DATA = Path(__file__).parent / "data"
SCENARIOS = PROJECT_ROOT / "scenarios"


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_directory(SCENARIOS)


@pytest.fixture(scope="session")
def auto_summarize(catalogue: Catalogue):
    return catalogue.get("auto-summarize")
