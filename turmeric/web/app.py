"""A Turmeric web application as a WSGI callable (spec/web.md).

The app's file defines `(defn start [req] ...)`. A request to any path but /k/TOKEN runs
`(start req)` under a prompt; the value is the response. `(web/send-suspend make-page)`
captures the rest of the computation up to that prompt as k, saves it (a token), and the
prompt's value is `(make-page "/k/TOKEN")`: the page is sent and the computation is parked. A
request to /k/TOKEN loads k and resumes it with the request, under a new prompt: the value of
the rest is the response. Every page is its own continuation, so a page submitted twice (the
back button, two tabs) forks.

All Turmeric code runs on one thread of the app's own (`Runner`), with a large stack: the
session and the store are used by one thread only, whatever the WSGI server's threads are.
"""
from __future__ import annotations

import os
import queue
import sys
import threading
import time
import traceback

from turmeric.data.errors import TurmericError, debug_enabled, format_error
from turmeric.data.names import mangle_global
from turmeric.data.printer import pr_str
from turmeric.data.values import Continuation, Keyword, PMap, vector
from turmeric.runtime import machine
from turmeric.runtime.builtins.io import TurmericExit
from turmeric.runtime.interrupts import Interruptible, TimedOut
from turmeric.session.session import Session
from turmeric.web import html, request as wreq
from turmeric.web.tokens import (DEFAULT_EXPIRES, DEFAULT_MAX_STATELESS, MAX_TOKEN, STATEFUL, Keys, PageStore,
                                 TokenError, malformed, replayed, seal, unseal)
from turmeric.workflow.stores import open_store

STACK_SIZE = 256 * 1024 * 1024     # the Turmeric thread's stack: deep recursion as on the main thread
K_ONE_SHOT = Keyword("one-shot")
K_EXPIRES = Keyword("expires")
REASONS = {200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found",
           303: "See Other", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
           400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 410: "Gone", 413: "Content Too Large",
           422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
           503: "Service Unavailable"}
TITLES = {400: "Bad link", 403: "Link refused", 404: "Page not found", 409: "Already submitted",
          410: "Page expired", 413: "Request too large", 500: "The application failed",
          503: "The application took too long"}
DEFAULT_REQUEST_TIMEOUT = 30.0     # seconds of Turmeric code per request (0 or None: no limit)


class RequestTimedOut(TimedOut):
    """A request's Turmeric code ran past the request timeout."""


class _Job:
    def __init__(self, fn, args):
        self.fn, self.args = fn, args
        self.lock = threading.Lock()
        self.state = "queued"      # -> running; or queued -> abandoned
        self.result: tuple | None = None
        self.done = threading.Event()


class Runner:
    """One thread that runs every call given to it, in order. A call that takes longer than
    its timeout is stopped: its Turmeric code gets a RequestTimedOut; a call still queued when
    its caller gave up is never run."""

    GRACE = 2.0    # seconds a stopped call gets to unwind before its caller gives up on it

    def __init__(self):
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        self.running = Interruptible()   # the thread, while it runs a job
        old = threading.stack_size()
        threading.stack_size(STACK_SIZE)
        try:
            self.thread = threading.Thread(target=self._loop, name="turmeric-web", daemon=True)
            self.thread.start()
        finally:
            threading.stack_size(old)

    def _loop(self):
        while True:
            job = self.jobs.get()
            with job.lock:
                if job.state == "abandoned":
                    continue
                job.state = "running"
            try:
                with self.running.inside(job):
                    job.result = (True, job.fn(*job.args))
            except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
                job.result = (False, e)
            job.done.set()

    def call(self, fn, *args, timeout: float | None = None):
        job = _Job(fn, args)
        self.jobs.put(job)
        if not job.done.wait(timeout):
            with job.lock:
                if job.state == "queued":
                    job.state = "abandoned"
                    raise RequestTimedOut("queued")
            self.running.interrupt(RequestTimedOut, job)   # nothing if it has just finished
            if not job.done.wait(self.GRACE):
                raise RequestTimedOut("stuck")     # blocked in a system call: the thread is still busy
        ok, value = job.result
        if ok:
            return value
        raise value


def error_page(status: int, message: str, hint: str | None = None, home: str = "/") -> tuple[int, list, bytes]:
    title = TITLES.get(status, REASONS.get(status, "Error"))
    page = [Keyword("html"),
            [Keyword("head"), [Keyword("meta"), PMap.from_pairs([(Keyword("charset"), "utf-8")])],
             [Keyword("title"), f"{status} {title}"]],
            [Keyword("body"),
             [Keyword("h1"), f"{status} {title}"],
             [Keyword("p#error"), message],
             [Keyword("p#hint"), hint or ""],
             [Keyword("p"), [Keyword("a#start"), PMap.from_pairs([(Keyword("href"), home)]), "Start again"]]]]
    return status, [("Content-Type", "text/html; charset=utf-8")], html.render(_vec(page)).encode("utf-8")


def _vec(x):
    return vector([_vec(i) for i in x]) if type(x) is list else x


class WebApp:
    """The WSGI callable of one Turmeric app file."""

    def __init__(self, path: str, store: str | None = None, stateless: bool = False,
                 key_file: str | None = None, keys: Keys | None = None, expires: float = DEFAULT_EXPIRES,
                 max_token: int = DEFAULT_MAX_STATELESS, request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT):
        if stateless and keys is None:
            if key_file is None:
                raise TurmericError("usage", "--stateless needs --key-file F (a file of `KEY-ID SECRET` lines)")
            keys = Keys.from_file(key_file)
        self.path = os.path.abspath(path)
        self.store_url = store
        self.keys = keys if stateless else None
        self.expires = float(expires)
        self.max_token = int(max_token)
        self.request_timeout = request_timeout or None
        self.prefix = ""
        self._pages: PageStore | None = None
        self.runner = Runner()
        self.runner.call(self._load, stateless)

    # -- on the Turmeric thread ----------------------------------------------------------------

    def _load(self, stateless: bool):
        if not os.path.isfile(self.path):
            raise TurmericError("no-input", f"no such file: {self.path}")
        self.session = Session(module_path=[os.path.dirname(self.path)])
        self.session.require("web")
        self.session.define_global("web", "%engine", self._call)
        name = os.path.splitext(os.path.basename(self.path))[0]
        try:
            mod = self.session.load_file(self.path, name=name, program=True)
        except TurmericExit as e:
            raise TurmericError("control", f"{self.path} called (exit {e.code}) while it was loaded",
                                hint="an app's top-level forms run once when the server starts; "
                                     "it answers requests with its start function") from None
        start = mod.ns.get(mangle_global("start"))
        if start is None or not callable(start) or self.session.function_info(getattr(start, "__code__", None)) is None:
            raise TurmericError("unbound", f"{self.path} defines no function start",
                                hint="a web app defines (defn start [req] ...): it answers every request "
                                     "that is not a page's link")
        self.start = start
        if not stateless:
            self.pages()    # the store opens (and is checked) at start-up

    def pages(self) -> PageStore:
        if self._pages is None:
            self._pages = PageStore(open_store(self.store_url))
        return self._pages

    def _options(self, who: str, opts) -> tuple[bool, float]:
        if opts is None:
            return False, self.expires
        if type(opts) is not PMap:
            raise TurmericError("type", f"{who}: the options are a map {{:one-shot true :expires SECONDS}}, "
                                        f"got {pr_str(opts)[:60]}")
        one_shot = opts.get(K_ONE_SHOT, False)
        ttl = opts.get(K_EXPIRES, self.expires)
        if type(ttl) not in (int, float) or not ttl > 0 or ttl != ttl:
            raise TurmericError("type", f"{who}: :expires is a number of seconds > 0, got {pr_str(ttl)[:40]}")
        return one_shot not in (None, False), float(ttl)

    def save(self, k, opts=None, who: str = "web/save-continuation") -> str:
        if type(k) is not Continuation:
            raise TurmericError("type", f"{who}: expected a continuation, got {pr_str(k)[:60]}")
        one_shot, ttl = self._options(who, opts)
        at = time.time() + ttl
        if self.keys is not None:
            token = seal(self.session, self.keys, k, at, one_shot)
            if len(token) <= self.max_token:
                return token
        return self.pages().put(self.session, k, at, one_shot)

    def load(self, token) -> Continuation:
        if not isinstance(token, str):
            raise malformed(f"a token is a string, got {pr_str(token)[:40]}")
        if len(token) > MAX_TOKEN:
            raise malformed(f"it is longer than {MAX_TOKEN} characters")
        if STATEFUL.match(token):
            return self.pages().get(self.session, token)
        if token.startswith("s1."):
            k, at, nonce = unseal(self.session, self.keys, token)
            if nonce is not None and not self.pages().spend_nonce(nonce, at):
                raise replayed()
            return k
        raise malformed("it is not a page token")

    def _call(self, d, op, *args):
        name = op.name if type(op) is Keyword else str(op)
        if name == "url":
            k, opts = args
            return f"{self.prefix}/k/{self.save(k, opts, 'web/send-suspend')}"
        if name == "save":
            return self.save(*args)
        if name == "load":
            return self.load(*args)
        if name == "render":
            return html.render(args[0])
        raise TurmericError("value", f"web: unknown operation {name}")

    def handle(self, parts: dict, prefix: str) -> tuple[int, list, bytes]:
        self.prefix = prefix
        path = parts["path"]
        try:
            req = wreq.to_map(parts)
            if path.startswith("/k/"):
                k = self.load(path[3:])
                value = self.session.run(machine.run, machine.resume, (k, req))
            else:
                value = self.session.run(machine.run, self.start, (req,))
            return wreq.to_response(value)
        except TokenError as e:
            return error_page(e.status, e.message, e.hint, prefix + "/")
        except TurmericError as e:
            return self._failed(format_error(e), f"error[{e.kind}]: {e.message}", prefix)
        except TurmericExit as e:
            return self._failed(f"the app called (exit {e.code})", "the application tried to exit", prefix)
        except RecursionError:
            return self._failed("the app nested too deeply for Python", "the application nested too deeply", prefix)
        except Exception as e:  # noqa: BLE001 - a bug of ours: a 500 page and a log line, no traceback shown
            if debug_enabled():
                traceback.print_exc()
            return self._failed(f"error[internal]: {type(e).__name__}: {e} (a bug in Turmeric's web server; "
                                "TURMERIC_DEBUG=1 logs the Python traceback)", "the server failed", prefix)

    def _failed(self, full: str, short: str, prefix: str):
        print(full, file=sys.stderr, flush=True)
        return error_page(500, short, "this is a mistake in the application; its log says more", prefix + "/")

    # -- the WSGI callable (any thread) --------------------------------------------------------

    def _timed_out(self, environ, how: str):
        """A 503 for a request whose Turmeric code ran past the timeout (or waited past it
        behind one that did); what it did before it was stopped is not undone (a page it
        saved stays saved), as after a crash."""
        why = {"queued": "it waited behind a request that was still running",
               "stuck": "it was stopped but is blocked in a system call"}.get(how, "it was stopped")
        print(f"turmeric serve: {environ.get('REQUEST_METHOD', '-')} {shown_path(environ)}: the application "
              f"ran past the request timeout of {self.request_timeout:g} s ({why})", file=sys.stderr, flush=True)
        status, headers, body = error_page(503, f"the application did not answer within {self.request_timeout:g} s",
                                           "try again in a moment", environ.get("SCRIPT_NAME", "").rstrip("/") + "/")
        return status, headers + [("Retry-After", "5")], body


    def __call__(self, environ, start_response):
        try:
            parts = wreq.parse(environ)
        except wreq.BadRequest as e:
            status, headers, body = error_page(e.status, e.message)
        except (OSError, ValueError) as e:    # the client went away mid-body, a broken input stream
            status, headers, body = error_page(400, f"the request could not be read ({type(e).__name__})")
        else:
            prefix = environ.get("SCRIPT_NAME", "").rstrip("/")
            if parts["path"] == "/favicon.ico":
                status, headers, body = 404, [("Content-Type", "text/plain; charset=utf-8")], b"no favicon\n"
            else:
                try:
                    status, headers, body = self.runner.call(self.handle, parts, prefix, timeout=self.request_timeout)
                except RequestTimedOut as e:
                    status, headers, body = self._timed_out(environ, str(e))
        headers = headers + [("Content-Length", str(len(body))), ("X-Content-Type-Options", "nosniff")]
        start_response(f"{status} {REASONS.get(status, 'Status')}", headers)
        if environ.get("REQUEST_METHOD") == "HEAD":
            return [b""]
        return [body]


def shown_path(environ) -> str:
    """The request line's path, with page tokens shortened: a log must not hold a usable link."""
    path = environ.get("PATH_INFO", "")
    if path.startswith("/k/") and len(path) > 12:
        path = path[:12] + "..."
    q = environ.get("QUERY_STRING", "")
    if "token=" in q:
        q = "token=..."
    return path + ("?" + q if q else "")


def access_line(environ, status, size, t0: float) -> str:
    """The combined log format of Apache and nginx, plus the time taken in milliseconds."""
    when = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(t0))
    line = f"{environ.get('REQUEST_METHOD', '-')} {shown_path(environ)} {environ.get('SERVER_PROTOCOL', 'HTTP/1.1')}"
    ref = environ.get("HTTP_REFERER", "-")
    if "/k/" in ref:
        ref = ref[:ref.index("/k/") + 12] + "..."
    ua = environ.get("HTTP_USER_AGENT", "-")
    clean = [x.replace('"', "'").encode("ascii", "backslashreplace").decode("ascii") for x in (line, ref, ua)]
    return (f'{environ.get("REMOTE_ADDR", "-")} - - [{when}] "{clean[0]}" {status} {size} '
            f'"{clean[1]}" "{clean[2]}" {1000 * (time.time() - t0):.1f}ms')


class AccessLog:
    """A WSGI middleware writing one access-log line per request to `log` (a function of a string)."""

    def __init__(self, app, log):
        self.app, self.log = app, log

    def __call__(self, environ, start_response):
        t0 = time.time()
        seen = {}

        def sr(status, headers, exc_info=None):
            seen["status"] = status.split(" ", 1)[0]
            return start_response(status, headers) if exc_info is None else start_response(status, headers, exc_info)
        body = self.app(environ, sr)
        try:
            size = sum(len(b) for b in body) if type(body) is list else "-"
        finally:
            self.log(access_line(environ, seen.get("status", "-"), size, t0))
        return body


def app_for(path: str, store: str | None = None, stateless: bool = False, key_file: str | None = None,
            expires: float = DEFAULT_EXPIRES, max_token: int = DEFAULT_MAX_STATELESS, log=None,
            request_timeout: float | None = DEFAULT_REQUEST_TIMEOUT):
    """The WSGI callable of the app file `path`: `turmeric.web:app_for("app.tm")` under gunicorn
    or any WSGI server; with `log` (a function of a string, e.g. print) wrapped in an access
    log. The process's recursion limit is raised here (the app owns its process)."""
    machine.allow_deep_python_stack()
    app = WebApp(path, store=store, stateless=stateless, key_file=key_file, expires=expires, max_token=max_token,
                 request_timeout=request_timeout)
    return app if log is None else AccessLog(app, log)
