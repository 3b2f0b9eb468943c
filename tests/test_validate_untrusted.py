"""`scenarios validate --untrusted`: an admin checks a file as /scenario upload will."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from bot import PROJECT_ROOT

FIXTURE = PROJECT_ROOT / "tests" / "data" / "custom" / "data-platform-pm.toml"


def validate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "scenarios", "validate", *args],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_look_behind_passes_as_a_bundled_file_but_not_as_an_upload(tmp_path: Path) -> None:
    shutil.copy(PROJECT_ROOT / "scenarios" / "_common.toml", tmp_path / "_common.toml")
    source = FIXTURE.read_text("utf-8").replace(
        '"model", "models"', '"re:(?<!data )\\\\bmodels?\\\\b"', 1
    )
    path = tmp_path / "round.toml"
    path.write_text(source, "utf-8")
    line = next(n for n, x in enumerate(source.splitlines(), 1) if "(?<!data )" in x)

    plain = validate(str(path))
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "1 scenario file OK" in plain.stdout

    upload = validate("--untrusted", str(path))
    assert upload.returncode == 1, upload.stdout
    assert f"{path}:{line}: [concepts.dp_consumer[2]] raw regex in concept 'dp_consumer' " in (
        upload.stdout
    )
    assert "cannot run on RE2" in upload.stdout and "1 error found." in upload.stdout


def test_the_custom_fixture_is_fit_to_upload() -> None:
    result = validate("--untrusted", str(FIXTURE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 scenario file OK" in result.stdout
