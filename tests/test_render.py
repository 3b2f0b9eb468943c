"""The wording comes from the templates directory the settings name (TEMPLATES_DIR)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import PROJECT_ROOT
from bot.render import message, templates_dir, use_templates
from bot.settings import Settings, get_settings

NOTHING = "There is no unfinished interview to resume."


@pytest.fixture
def edited_templates(tmp_path: Path) -> Path:
    """A copy of templates/ whose 'nothing to resume' line says something else."""
    target = tmp_path / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", target)
    messages = target / "text" / "messages.md.j2"
    text = messages.read_text(encoding="utf-8")
    start = text.index("{% macro nothing_to_resume")
    end = text.index("{% endmacro %}", start)
    body_start = text.index("%}", start) + 2
    messages.write_text(text[:body_start] + "\n" + NOTHING + "\n" + text[end:], encoding="utf-8")
    return target


@pytest.fixture(autouse=True)
def follow_the_settings() -> Iterator[None]:
    use_templates(None)
    get_settings.cache_clear()
    yield
    use_templates(None)
    get_settings.cache_clear()


def test_templates_dir_from_the_environment(
    edited_templates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert message("nothing_to_resume") != NOTHING
    monkeypatch.setenv("TEMPLATES_DIR", str(edited_templates))
    get_settings.cache_clear()
    assert templates_dir() == edited_templates
    assert message("nothing_to_resume") == NOTHING


def test_a_bot_renders_from_the_templates_of_its_own_settings(edited_templates: Path) -> None:
    from bot.bot import create_bot

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url="sqlite:///:memory:", templates_dir=edited_templates
    )
    create_bot(settings, background=False)
    assert message("nothing_to_resume") == NOTHING


def test_the_command_line_reads_templates_dir(edited_templates: Path, tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "TEMPLATES_DIR": str(edited_templates),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
        "HOME": str(tmp_path),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "practice", "--resume"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert NOTHING in proc.stdout
