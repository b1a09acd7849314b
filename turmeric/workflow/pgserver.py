"""A throwaway PostgreSQL server in a temporary folder, for the tests and the benchmark (and
for trying several workers on one machine: `python -m turmeric.workflow.pgserver` prints a
URL and runs until interrupted).

It runs the OS's PostgreSQL binaries (installed with apt-get when they are missing and
`install` is allowed) as an unprivileged user: the current one, or `nobody` when we are root
(PostgreSQL refuses to run as root). It listens on 127.0.0.1 only, on a free port."""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import psycopg


def binaries() -> str | None:
    """The folder of initdb and postgres, or None."""
    found = shutil.which("initdb")
    if found and shutil.which("postgres"):
        return os.path.dirname(os.path.realpath(found))
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(d, "initdb")) and os.path.exists(os.path.join(d, "postgres")):
            return d
    return None


def install() -> str | None:
    """apt-get install postgresql (Debian and Ubuntu); the binaries' folder, or None."""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return None
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"], env=env,
                   capture_output=True, timeout=900)
    return binaries()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, allow_install: bool = True, fsync: bool = True):
        self.allow_install = allow_install
        self.fsync = fsync
        self.proc: subprocess.Popen | None = None
        self.folder: str | None = None
        self.url = ""
        self.port = 0

    def start(self) -> "PgServer":
        bindir = binaries() or (install() if self.allow_install else None)
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (initdb and postgres not found) and could not be "
                               "installed with apt-get")
        user = "nobody" if os.geteuid() == 0 else None
        self.folder = tempfile.mkdtemp(prefix="turmeric-pg-")
        data = os.path.join(self.folder, "data")
        if user is not None:
            shutil.chown(self.folder, user)
        run_as = {"user": user} if user is not None else {}
        init = subprocess.run([os.path.join(bindir, "initdb"), "-D", data, "-A", "trust", "-U", "turmeric",
                               "-E", "UTF8", "--no-sync"], capture_output=True, text=True, timeout=300,
                              cwd=self.folder, **run_as)
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed: {init.stderr.strip() or init.stdout.strip()}")
        self.port = free_port()
        args = [os.path.join(bindir, "postgres"), "-D", data, "-k", self.folder, "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "shared_buffers=64MB"]
        if not self.fsync:
            args += ["-c", "fsync=off", "-c", "synchronous_commit=off"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(self.folder, "server.log"), "wb"),
                                     stdin=subprocess.DEVNULL, cwd=self.folder, **run_as)
        self.url = f"postgresql://turmeric@127.0.0.1:{self.port}/postgres"
        end = time.monotonic() + 60
        while True:
            try:
                psycopg.connect(self.url, connect_timeout=2).close()
                return self
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > end:
                    log = open(os.path.join(self.folder, "server.log"), encoding="utf-8", errors="replace").read()
                    self.stop()
                    raise RuntimeError(f"postgres did not start: {log[-2000:]}") from None
                time.sleep(0.1)

    def new_database(self, name: str) -> str:
        """A new, empty database; its URL."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://turmeric@127.0.0.1:{self.port}/{name}"

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)    # fast shutdown
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


if __name__ == "__main__":
    server = PgServer().start()
    print(server.new_database("turmeric"), flush=True)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        sys.exit(0)
