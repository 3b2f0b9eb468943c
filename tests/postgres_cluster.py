"""A throwaway PostgreSQL cluster for the tests: initdb into a temp dir, 127.0.0.1, a free port.

Used by the session fixture in `tests/conftest.py` (when no `TEST_DATABASE_URL` or
`PG_TEST_URL` is given) and by `.ci/run`, which starts one the same way:

    python3 tests/postgres_cluster.py start DIR   # prints the server's URL
    python3 tests/postgres_cluster.py stop DIR

The cluster trusts connections from 127.0.0.1 only, runs with fsync off (its data
is thrown away) and listens on no Unix socket. PostgreSQL refuses to run as root:
as root, the server runs as the `postgres` user (or `PG_TEST_OS_USER`, created if
missing) in a directory that user owns. Standard library only, so `.ci/run` can
call it before the project is installed.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

PREFERRED_VERSION = "15"
SUPERUSER = "postgres"  # the cluster's own superuser role (not an OS user)
STATE_FILE = "cluster.json"
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "64MB",
    "max_pred_locks_per_transaction": "256",  # SERIALIZABLE units over thousands of rows
}


class ClusterError(RuntimeError):
    """The cluster could not be started; the message says why."""


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl are: PostgreSQL 15 first, then the newest, then PATH."""
    root = Path("/usr/lib/postgresql")
    candidates = [root / PREFERRED_VERSION / "bin"]
    if root.is_dir():
        versions = sorted(
            (p for p in root.iterdir() if p.name.isdigit()), key=lambda p: -int(p.name)
        )
        candidates += [p / "bin" for p in versions]
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True
            ).stdout
            candidates.append(Path(out.strip()))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).parent)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    return None


def free_port() -> int:
    """A TCP port nobody listens on at this moment, on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _os_user() -> str | None:
    """The OS user to run the server as: None when we are not root."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("PG_TEST_OS_USER", "postgres")
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
            check=True,
            capture_output=True,
        )
    return name


def _as(user: str | None, argv: list[str]) -> list[str]:
    return argv if user is None else ["runuser", "-u", user, "--", *argv]


def _run(user: str | None, argv: list[str], what: str) -> None:
    done = subprocess.run(_as(user, argv), capture_output=True, text=True, cwd="/")
    if done.returncode != 0:
        raise ClusterError(f"{what} failed ({done.returncode}): {done.stderr or done.stdout}")


@dataclass
class Cluster:
    """A running throwaway cluster."""

    base: str  # the directory holding data/, the log and the state file
    bindir: str
    port: int
    user: str | None

    @property
    def url(self) -> str:
        """The URL of its `postgres` database, as its superuser."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    @property
    def datadir(self) -> Path:
        return Path(self.base) / "data"

    def stop(self, *, remove: bool = True) -> None:
        """Stop the server at once (its data is thrown away) and remove its directory."""
        pg_ctl = str(Path(self.bindir) / "pg_ctl")
        if self.datadir.is_dir():
            subprocess.run(
                _as(self.user, [pg_ctl, "-D", str(self.datadir), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                cwd="/",
            )
        if remove:
            shutil.rmtree(self.base, ignore_errors=True)

    def save(self) -> None:
        (Path(self.base) / STATE_FILE).write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def load(cls, base: Path) -> Cluster:
        return cls(**json.loads((base / STATE_FILE).read_text(encoding="utf-8")))


def start_cluster(base: Path | None = None, *, attempts: int = 5) -> Cluster:
    """initdb into `base` (a new temp dir by default) and start the server; wait until ready."""
    bindir = find_bindir()
    if bindir is None:
        raise ClusterError(
            "no PostgreSQL server binaries (initdb, pg_ctl) found: install postgresql-15 "
            "or set TEST_DATABASE_URL"
        )
    user = _os_user()
    if base is None:
        base = Path(tempfile.mkdtemp(prefix="interview-bot-pg-"))
    base.mkdir(parents=True, exist_ok=True)
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        base.chmod(0o700)
    datadir = base / "data"
    _run(
        user,
        [
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        ],
        "initdb",
    )
    options = " ".join(f"-c {k}={v or repr('')}" for k, v in SERVER_SETTINGS.items())
    last_error = ""
    for _ in range(attempts):
        port = free_port()
        log = base / "server.log"
        done = subprocess.run(
            _as(
                user,
                [
                    str(bindir / "pg_ctl"),
                    "-D",
                    str(datadir),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-p {port} {options}",
                    "start",
                ],
            ),
            capture_output=True,
            text=True,
            cwd="/",
        )
        if done.returncode == 0 and _accepts(port):
            cluster = Cluster(str(base), str(bindir), port, user)
            cluster.save()
            return cluster
        with contextlib.suppress(OSError):
            last_error = log.read_text(encoding="utf-8", errors="replace")[-2000:]
        last_error = last_error or done.stderr
    Cluster(str(base), str(bindir), 0, user).stop()
    raise ClusterError(f"the PostgreSQL server did not start: {last_error}")


def _accepts(port: int, timeout: float = 30.0) -> bool:
    """True once something accepts TCP connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return True
        time.sleep(0.05)
    return False


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop"):
        sys.stderr.write("usage: postgres_cluster.py start|stop DIR\n")
        return 2
    base = Path(argv[1])
    if argv[0] == "start":
        try:
            cluster = start_cluster(base)
        except (ClusterError, OSError, subprocess.CalledProcessError) as exc:
            sys.stderr.write(f"{exc}\n")
            return 1
        print(cluster.url)
        return 0
    if (base / STATE_FILE).is_file():
        Cluster.load(base).stop()
    else:
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
