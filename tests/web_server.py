"""A real `turmeric serve` on loopback for the web tests (and the browser tests, which import it).

    with serve_app("examples/web/guess.tm", stateless=True, key_file=keys) as base_url:
        ...   # http://127.0.0.1:PORT

The server runs in a subprocess on a free port (`--port 0`; the port is read from the line
it prints once it listens), with its own store (a file in a fresh temporary folder unless
`store` is given) and its access log in `server.log` of that folder. `Server.restart()` kills
it and starts it again on the same port with the same store and keys: what a restart between
two pages does. Also: small HTTP helpers over http.client (no cookies, no redirects followed).
"""
from __future__ import annotations

import contextlib
import html
import http.client
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"on http://([^/]+)/")


def write_key_file(path, keys=None) -> str:
    """A key file: `keys` is a list of (key id, secret); default one fresh key `k1`."""
    keys = keys or [("k1", secrets.token_hex(32))]
    Path(path).write_text("".join(f"{kid} {secret}\n" for kid, secret in keys))
    return str(path)


class Server:
    def __init__(self, app, stateless: bool, store, key_file, folder: Path, extra: list, env: dict | None):
        self.app, self.stateless, self.folder, self.extra = str(app), stateless, folder, extra
        self.store = str(store) if store is not None else str(folder / "pages.db")
        self.key_file = str(key_file) if key_file is not None else None
        if stateless and self.key_file is None:
            self.key_file = write_key_file(folder / "keys")
        self.env = dict(env if env is not None else os.environ)
        self.env.setdefault("TURMERIC_CACHE", str(folder / "cache"))
        self.env.pop("TURMERIC_DEBUG", None)
        self.env["PYTHONIOENCODING"] = "utf-8"
        self.port = 0
        self.proc = None
        self.log_path = folder / "server.log"
        self.base_url = ""

    def command(self) -> list[str]:
        cmd = [sys.executable, "-m", "turmeric.cli", "serve", self.app, "--port", str(self.port),
               "--store", self.store, *self.extra]
        if self.stateless:
            cmd += ["--stateless", "--key-file", self.key_file]
        return cmd

    def start(self, timeout: float = 60):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.command(), cwd=self.folder, env=self.env, stdout=subprocess.PIPE,
                                     stderr=log, text=True)
        log.close()
        deadline = time.monotonic() + timeout
        line = self.proc.stdout.readline()
        m = LISTENING.search(line or "")
        if m is None:
            self.proc.wait(timeout=max(1, deadline - time.monotonic()))
            raise RuntimeError(f"turmeric serve did not start: {line!r}\n{self.log()}")
        self.base_url = "http://" + m.group(1)
        self.port = int(m.group(1).rsplit(":", 1)[1])

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None

    def restart(self):
        """Kill the server (SIGKILL: nothing is flushed on the way out) and start it again."""
        self.stop()
        for _ in range(50):
            try:
                self.start()
                return
            except RuntimeError:
                if "cannot listen" not in self.log():
                    raise
                time.sleep(0.1)     # the port is still held for a moment
        raise RuntimeError("the server could not listen on its port again")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextlib.contextmanager
def serve_app(path, stateless: bool = False, store=None, key_file=None, extra: list | None = None,
              env: dict | None = None, server: list | None = None):
    """A context manager yielding the base URL of `turmeric serve PATH` on a free loopback port.
    Pass a list as `server` to get the Server object (for restart() and log()) appended to it."""
    with tempfile.TemporaryDirectory(prefix="turmeric-web-") as tmp:
        s = Server(Path(path).resolve(), stateless, store, key_file, Path(tmp), list(extra or []), env)
        s.start()
        if server is not None:
            server.append(s)
        try:
            yield s.base_url
        finally:
            s.stop()


# -- HTTP helpers ------------------------------------------------------------------------------

class Response:
    def __init__(self, status: int, headers: list, body: str):
        self.status, self.body = status, body
        self.header_list = headers                          # (lower-case name, value), in order
        self.headers = {k: v for k, v in headers}           # the last of each name

    def find(self, pattern: str) -> str | None:
        m = re.search(pattern, self.body)
        return m.group(1) if m else None

    @property
    def action(self) -> str:
        """The first form's action: the next page's link."""
        a = self.find(r'<form action="([^"]+)"')
        assert a is not None, self.body
        return a.replace("&amp;", "&")

    def text(self, ident: str) -> str | None:
        """The text of the element with id `ident` (unescaped)."""
        t = self.find(rf'id="{ident}"[^>]*>([^<]*)<')
        return None if t is None else html.unescape(t)


class Client:
    """One keep-alive connection to the server (a browser tab, roughly)."""

    def __init__(self, base_url: str, timeout: float = 30):
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.conn = None

    def request(self, method: str, path: str, form: dict | None = None, body: bytes | None = None,
                headers: dict | None = None) -> Response:
        hdrs = dict(headers or {})
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                r = self.conn.getresponse()
                data = r.read()
                if r.getheader("Connection", "").lower() == "close":
                    self.close()
                return Response(r.status, [(k.lower(), v) for k, v in r.getheaders()], data.decode("utf-8", "replace"))
            except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest,
                    http.client.BadStatusLine):
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str, **kw) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict | None = None, **kw) -> Response:
        return self.request("POST", path, form=form or {}, **kw)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
