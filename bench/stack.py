"""The deployed stack for load runs: a scratch database, migrated and seeded in subprocesses, served by gunicorn.

Used by tests/test_concurrency.py and bench/checkin.py. Nothing here touches the project's own database or
pytest-django's test database (an in-memory SQLite cannot be shared with another process):

    stack = Stack("sqlite", scratch_dir)       # or "postgres": a dedicated database on PG_ADMIN_URL's server
    stack.prepare({"members": 220, ...})      # create the database, `manage.py migrate`, seed (bench/seed_checkin.py)
    stack.start(workers=2, threads=8)         # gunicorn on a free port; waits for /ping
    ... load ...
    stack.stop(); stack.drop()                # always, even after a failure (`with stack:` does both)
"""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of one process (all its threads), from /proc/<pid>/stat; 0 if it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state is field 3, utime 14, stime 15
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                out.append(int(entry.name))
    return out


class Stack:
    def __init__(self, vendor: str, scratch: Path, *, tag: str = "load", axes: bool = True):
        assert vendor in ("sqlite", "postgres")
        self.vendor, self.scratch = vendor, Path(scratch)
        self.scratch.mkdir(parents=True, exist_ok=True)
        if vendor == "sqlite":
            self.db_name = str(self.scratch / "db.sqlite3")
            database_url = f"sqlite:///{self.db_name}"
        else:
            self.db_name = f"dangxiao_{tag}_{os.getpid()}"
            database_url = urlunsplit(urlsplit(PG_ADMIN_URL)._replace(path=f"/{self.db_name}"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "dangxiao.settings",
            "DATABASE_URL": database_url,
            "DANGXIAO_VAR_DIR": str(self.scratch),
            "DANGXIAO_DEBUG": "0",
            "SECRET_KEY": secrets.token_hex(32),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",  # plain HTTP on the loopback; production sits behind a TLS proxy
            "AXES_ENABLED": "1" if axes else "0",
            "PYTHONPATH": str(ROOT),
        }
        self.server: subprocess.Popen | None = None
        self.port = 0
        self.log_path = self.scratch / "gunicorn.log"
        self.created_db = False
        self.seeded: dict = {}

    # --- the database ------------------------------------------------------------------------

    def prepare(self, spec: dict) -> dict:
        """Create the database, run the project's migrations and seed it; returns the seed's output."""
        if self.vendor == "postgres":
            pg_admin(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")
            pg_admin(f"CREATE DATABASE {self.db_name}")
            self.created_db = True
        self._run([PYTHON, "manage.py", "migrate", "--noinput", "--skip-checks", "-v0"])
        out = self.scratch / "seed.json"
        self._run([PYTHON, "bench/seed_checkin.py", json.dumps(spec), str(out)])
        self.seeded = json.loads(out.read_text())
        return self.seeded

    def _run(self, cmd: list) -> None:
        done = subprocess.run(cmd, cwd=ROOT, env=self.env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Read the database directly, not through Django: what is really stored."""
        if self.vendor == "sqlite":
            import sqlite3

            with sqlite3.connect(self.db_name) as conn:
                return conn.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"]) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchall()

    def drop(self) -> None:
        if self.vendor == "postgres" and self.created_db:
            pg_admin(f"DROP DATABASE IF EXISTS {self.db_name} WITH (FORCE)")
            self.created_db = False

    # --- the server ----------------------------------------------------------------------------

    def start(self, *, workers: int = 2, threads: int = 4, preload: bool = False, timeout: float = 90) -> None:
        """gunicorn as deployed; `preload` imports the project once before forking (starts faster)."""
        self.port = free_port()
        cmd = [GUNICORN, "dangxiao.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(workers), "--threads", str(threads)]
        cmd += ["--preload"] if preload else []
        cmd += ["--backlog", "2048", "--error-logfile", str(self.log_path), "--log-level", "warning"]
        with open(self.log_path, "ab") as log:
            self.server = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            if self.server.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.server.returncode}):\n{self.log()}")
            try:
                if self.get("/ping")[0] == 200 and len(self.worker_pids()) == workers:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer /ping within {timeout:g} s:\n{self.log()}")
            time.sleep(0.2)

    def get(self, path: str) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()

    def worker_pids(self) -> list[int]:
        return children(self.server.pid) if self.server else []

    def cpu_seconds(self) -> dict[tuple[str, int], float]:
        """CPU time so far of each process serving requests: gunicorn's workers ("app") and, on PostgreSQL,
        the backends connected to this database ("db"; SQLite's work happens inside the workers)."""
        pids = [("app", pid) for pid in self.worker_pids()]
        if self.vendor == "postgres":
            pids += [("db", pid) for (pid,) in self._backends()]
        return {key: proc_cpu_seconds(key[1]) for key in pids}

    def _backends(self) -> list[tuple]:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            return conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'", (self.db_name,)
            ).fetchall()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.server is None:
            return
        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)  # its own session, started above
                self.server.wait(timeout=5)
        self.server = None

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.stop()
        finally:
            self.drop()


def cpu_delta(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds spent between two `cpu_seconds()` readings, by kind; processes that appeared in between
    count from zero."""
    spent = {"app": 0.0, "db": 0.0}
    for key, seconds in after.items():
        spent[key[0]] += seconds - before.get(key, 0.0)
    return spent


if __name__ == "__main__":
    sys.exit("a library for tests/test_concurrency.py and bench/checkin.py")
