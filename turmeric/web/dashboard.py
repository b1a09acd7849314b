"""The workflow dashboard (`turmeric serve --dashboard`, spec/web.md "Dashboard"): a WSGI
callable that lists a store's workflows with their status and what they wait for, shows one
workflow as `turmeric workflow show` prints it (steps, parked frames and their variables), and
cancels or forks one with a POST form, to whoever has logged in (turmeric/web/auth.py).

Everything it shows comes from turmeric/workflow/report.py, the code behind `workflow show`,
and every change goes through the store's own cancel and fork, so the dashboard and the CLI
cannot disagree. Every value is HTML-escaped (a workflow's variables are the user's data);
the pages carry no script and a Content-Security-Policy that allows none. A POST whose Origin
is another site is refused (403), so a page elsewhere cannot cancel a workflow through a
logged-in browser.

Every route but the login's needs a login: a session cookie (signed, HttpOnly, SameSite=Strict,
Path the dashboard's prefix) that the login form sets, or `Authorization: Bearer TOKEN`;
without one an HTML GET is sent to the login page (303), anything else gets a 401.

Routes, relative to where the app is mounted (SCRIPT_NAME):
  GET  /login?next=PATH       the login form; GET /login?token=T logs in as the form does
  POST /login  token=T next=PATH   sets the cookie, then 303 to PATH (a 401 form if T is wrong,
                              429 when this client has guessed too often)
  POST /logout                clears and revokes the cookie, then 303 to the login page
  GET  /                      the list; ?status=parked etc. filters it
  GET  /workflow?id=ID        one workflow
  POST /cancel   id=ID        cancel it, then 303 to its page
  POST /fork     id=ID new_id=NEW   fork it, then 303 to the fork's page
"""
from __future__ import annotations

import html
import math
import re
import threading
import traceback
import uuid
from urllib.parse import parse_qs, quote, urlsplit

from turmeric.data.errors import TurmericError
from turmeric.web.auth import DEFAULT_SESSION, Auth, configured_token
from turmeric.workflow.defaults import STATUSES
from turmeric.workflow.engine import Engine
from turmeric.workflow.report import cancel, describe_wait, report, waiting
from turmeric.workflow.store import FINISHED
from turmeric.workflow.stores import open_store, store_url as default_store_url

MAX_LISTED = 500          # rows on the list page; a filter by status shows the others
MAX_FORM_BYTES = 64 * 1024

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 70em; padding: 0 1em; color: #222 }
h1 { font-size: 1.4em } h2 { font-size: 1.1em; margin-top: 1.4em }
table { border-collapse: collapse; width: 100% } td, th { text-align: left; padding: .3em .6em; border-bottom: 1px solid #ddd }
code, pre { font: 13px/1.4 ui-monospace, monospace } pre { background: #f6f6f6; padding: .6em; overflow-x: auto }
.status { padding: .1em .5em; border-radius: .6em; background: #eee } .parked { background: #ffe9a8 }
.done { background: #c8f0c8 } .failed { background: #f6c2c2 } .cancelled { background: #ddd } .running { background: #c8e0ff }
form.inline { display: inline } .note { color: #555 } .error { background: #fde2e2; padding: .6em }
nav a { margin-right: .8em } .top { float: right } .top button { font-size: .85em }
"""

HEADERS_BASE = [
    ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                                "frame-ancestors 'none'"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cache-Control", "no-store"),
]


def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


USER = "turmeric.dashboard.user"      # environ key: how the request logged in ("cookie", "bearer")
NEXT_RE = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]{0,2000}\Z")
WWW_AUTHENTICATE = ("WWW-Authenticate", 'Bearer realm="turmeric dashboard"')
HTML = ("Content-Type", "text/html; charset=utf-8")


class HttpError(Exception):
    def __init__(self, status: str, title: str, message: str, hint: str | None = None,
                 headers: list | None = None, body: str | None = None):
        super().__init__(message)
        self.status, self.title, self.message, self.hint = status, title, message, hint
        self.headers, self.body = list(headers or []), body


class Dashboard:
    """The WSGI callable. One engine (one session, one store connection) serves every request,
    one request at a time: a dashboard is for people, and the store connection and the session
    are not for several threads at once. AUTH (turmeric/web/auth.py) is who may use it; None is
    no login at all (behind a proxy that authenticates). The login is checked outside the lock,
    so a guess never waits for the store."""

    def __init__(self, store_url: str | None = None, engine: Engine | None = None, *, auth: Auth | None):
        self.store_url = default_store_url(store_url)
        self.engine = engine if engine is not None else Engine(open_store(self.store_url))
        self.auth = auth
        self.lock = threading.Lock()

    # -- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        try:
            path = environ.get("PATH_INFO", "") or "/"
            if self.auth is not None and path in ("/login", "/logout"):
                status, headers, body = self.login(environ) if path == "/login" else self.logout(environ)
            else:
                answer = self.require_login(environ) if self.auth is not None else None
                if answer is not None:
                    status, headers, body = answer
                else:
                    with self.lock:
                        status, headers, body = self.route(environ)
        except HttpError as e:
            status, headers, body = e.status, e.headers, e.body if e.body is not None else self.error_page(environ, e)
        except TurmericError as e:
            status, headers, body = "409 Conflict", [], self.error_page(
                environ, HttpError("409 Conflict", "Refused", f"error[{e.kind}]: {e.message}", e.hint))
        except Exception:   # a bug of ours: logged for the operator, never shown to the browser
            environ["wsgi.errors"].write("turmeric dashboard: internal error\n" + traceback.format_exc())
            status, headers, body = "500 Internal Server Error", [], self.error_page(environ, HttpError(
                "500 Internal Server Error", "Internal error",
                "the dashboard failed on this request; the server's log has the details"))
        data = body.encode("utf-8")
        if not any(name == "Content-Type" for name, _ in headers):
            headers = headers + [HTML]
        base_headers = HEADERS_BASE
        if environ.get("PATH_INFO") == "/login":    # its URL can hold a token: never sent on as a Referer
            base_headers = [h if h[0] != "Referrer-Policy" else ("Referrer-Policy", "no-referrer") for h in HEADERS_BASE]
        start_response(status, headers + base_headers + [("Content-Length", str(len(data)))])
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [data]

    def route(self, environ):
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "") or "/"
        query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        gets = {"/": self.list_page, "/workflow": self.show_page}
        posts = {"/cancel": self.do_cancel, "/fork": self.do_fork}
        if path in gets:
            if method not in ("GET", "HEAD"):
                raise HttpError("405 Method Not Allowed", "Method not allowed", f"{path} answers GET, not {method}")
            return "200 OK", [], gets[path](environ, query)
        if path in posts:
            if method != "POST":
                raise HttpError("405 Method Not Allowed", "Method not allowed",
                                f"{path} answers POST (the buttons on a workflow's page), not {method}")
            self.check_origin(environ)
            return posts[path](environ, read_form(environ))
        raise HttpError("404 Not Found", "Not found", f"the dashboard has no page {path}",
                        hint="the list of workflows is at the dashboard's root")

    # -- login -----------------------------------------------------------------------------------

    def require_login(self, environ) -> tuple | None:
        """None if the request has logged in (a valid session cookie, or the right bearer token);
        else the answer: 303 to the login page for a browser's GET, 401 (429) otherwise."""
        auth = self.auth
        given = auth.bearer(environ)
        if given is not None:
            client = auth.client(environ)
            self.check_rate(client)
            if given and auth.token_matches(given):
                environ[USER] = "bearer"
                return None
            self.failed(environ, client, "a wrong Authorization: Bearer token")
            raise HttpError("401 Unauthorized", "Not logged in", "the token of the Authorization header is wrong",
                            hint="send Authorization: Bearer TOKEN with the dashboard's token",
                            headers=[("WWW-Authenticate", 'Bearer realm="turmeric dashboard", error="invalid_token"')])
        if auth.session_cookie(environ) is not None:
            environ[USER] = "cookie"
            return None
        base = environ.get("SCRIPT_NAME", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if method in ("GET", "HEAD") and "text/html" in environ.get("HTTP_ACCEPT", ""):
            here = quote(environ.get("PATH_INFO", "/").encode("latin-1", "replace"), safe="/")
            if environ.get("QUERY_STRING"):
                here += "?" + environ["QUERY_STRING"]
            login = f"{base}/login" + ("" if here in ("", "/") else "?next=" + quote(here, safe=""))
            return "303 See Other", [("Location", login)], page(
                "Log in", f'<p><a href="{esc(login)}">log in</a></p>')
        raise HttpError("401 Unauthorized", "Not logged in", "the dashboard needs a login",
                        hint=f"log in at {base}/login, or send Authorization: Bearer TOKEN",
                        headers=[WWW_AUTHENTICATE])

    def failed(self, environ, client: str, what: str):
        """A failed guess: counted, and logged for the operator (never the token given)."""
        self.auth.limiter.failed(client)
        environ["wsgi.errors"].write(f"turmeric dashboard: failed login from {client!r}: {what}\n")

    def check_rate(self, client: str, base: str | None = None, nxt: str = "/"):
        wait = self.auth.limiter.retry_after(client)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            e = HttpError("429 Too Many Requests", "Too many attempts",
                          f"too many wrong tokens: try again in {seconds} s",
                          headers=[("Retry-After", str(seconds))])
            if base is not None:
                e.body = self.login_page(base, nxt, e.message)
            raise e

    def login(self, environ) -> tuple:
        method = environ.get("REQUEST_METHOD", "GET")
        base = environ.get("SCRIPT_NAME", "")
        if method in ("GET", "HEAD"):
            query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
            nxt = safe_next(one(query, "next", required=False))
            token = one(query, "token", required=False)
            if token:                       # the link `turmeric serve` prints
                return self.try_login(environ, token, nxt)
            return "200 OK", [], self.login_page(base, nxt)
        if method != "POST":
            raise HttpError("405 Method Not Allowed", "Method not allowed", f"/login answers GET and POST, not {method}")
        self.check_origin(environ)
        form = read_form(environ)
        return self.try_login(environ, one(form, "token", required=False), safe_next(one(form, "next", required=False)))

    def try_login(self, environ, token: str, nxt: str) -> tuple:
        auth, base = self.auth, environ.get("SCRIPT_NAME", "")
        client = auth.client(environ)
        self.check_rate(client, base, nxt)
        if token and auth.token_matches(token):
            location = base + nxt
            return "303 See Other", [("Location", location), auth.set_cookie(environ, base + "/", auth.sessions.issue())], \
                page("Logged in", f'<p><a href="{esc(location)}">the dashboard</a></p>')
        self.failed(environ, client, "a wrong token" if token else "no token")
        return "401 Unauthorized", [WWW_AUTHENTICATE], self.login_page(
            base, nxt, "that is not the dashboard's token" if token else "the token is missing")

    def logout(self, environ) -> tuple:
        method = environ.get("REQUEST_METHOD", "GET")
        if method != "POST":
            raise HttpError("405 Method Not Allowed", "Method not allowed",
                            f"/logout answers POST (the log out button), not {method}")
        self.check_origin(environ)
        read_form(environ)
        for value in self.auth.cookie_values(environ):
            self.auth.sessions.revoke(value)
        base = environ.get("SCRIPT_NAME", "")
        return "303 See Other", [("Location", f"{base}/login"), self.auth.set_cookie(environ, base + "/", None)], \
            page("Logged out", f'<p><a href="{esc(base)}/login">log in</a></p>')

    def login_page(self, base: str, nxt: str, error: str | None = None) -> str:
        problem = f'<p class="error" id="error">{esc(error)}</p>' if error else ""
        return page("Log in", f"<h1>Log in to the dashboard</h1>{problem}"
                              f'<form method=post action="{esc(base)}/login">'
                              f'<input type=hidden name=next value="{esc(nxt)}">'
                              f'<label>token <input id="token" name=token type=password autocomplete=current-password '
                              f"required autofocus></label> "
                              f'<button id="login" type=submit>Log in</button></form>'
                              "<p class=note>The token is the one <code>turmeric serve</code> was given "
                              "(<code>--dashboard-token-file</code> or <code>TURMERIC_DASHBOARD_TOKEN</code>), "
                              "or the one it printed when it started.</p>")

    def top(self, environ) -> str:
        """The log out button, on the pages of a browser that logged in."""
        if environ.get(USER) != "cookie":
            return ""
        return (f'<form class=top method=post action="{esc(environ.get("SCRIPT_NAME", ""))}/logout">'
                f'<button id="logout" type=submit>Log out</button></form>')

    # -- pages -----------------------------------------------------------------------------------

    def list_page(self, environ, query) -> str:
        base = environ.get("SCRIPT_NAME", "")
        status = one(query, "status", required=False)
        if status and status not in STATUSES:
            raise HttpError("400 Bad Request", "Bad request",
                            f"status {status!r} is not one of {', '.join(STATUSES)}")
        store = self.engine.store
        rows = store.list(status or None)
        counts = {}
        for row in (rows if not status else store.list()):
            counts[row.status] = counts.get(row.status, 0) + 1
        nav = [f'<a href="{esc(base)}/">all ({sum(counts.values())})</a>'] + [
            f'<a href="{esc(base)}/?status={s}">{s} ({counts.get(s, 0)})</a>' for s in STATUSES]
        out = [f"<h1>Workflows</h1><p class=note>store {esc(self.store_url)}</p><nav>{''.join(nav)}</nav>"]
        if not rows:
            out.append("<p>No workflows" + (f" with status {esc(status)}" if status else "") + ".</p>")
        else:
            out.append('<table id="workflows"><tr><th>id</th><th>status</th><th>waiting for</th>'
                       "<th>function</th><th>parent</th><th>runs</th></tr>")
            for row in rows[:MAX_LISTED]:
                w = waiting(store, row)
                out.append(f'<tr data-id="{esc(row.id)}"><td><a href="{self.link(base, row.id)}">{esc(row.id)}</a></td>'
                           f'<td><span class="status {esc(row.status)}">{esc(row.status)}</span></td>'
                           f"<td>{esc(describe_wait(w)) if w else ''}</td><td>{esc(row.fn)}</td>"
                           f"<td>{self.anchor(base, row.parent) if row.parent else ''}</td><td>{row.runs}</td></tr>")
            out.append("</table>")
            if len(rows) > MAX_LISTED:
                out.append(f"<p class=note>{len(rows) - MAX_LISTED} more not listed: filter by status.</p>")
        return page("Workflows", self.top(environ) + "".join(out))

    def show_page(self, environ, query) -> str:
        base = environ.get("SCRIPT_NAME", "")
        wf_id = one(query, "id")
        if self.engine.store.get(wf_id) is None:
            raise HttpError("404 Not Found", "No such workflow", f"there is no workflow {wf_id} in this store",
                            hint="the list shows the store's workflows")
        r = report(self.engine, wf_id)
        out = [f'<p><a href="{esc(base)}/">&larr; all workflows</a></p>',
               f'<h1>workflow <code id="wf-id">{esc(r["id"])}</code> '
               f'<span id="status" class="status {esc(r["status"])}">{esc(r["status"])}</span></h1><table>']
        facts = [("function", r["function"]), ("file", r["file"]), ("runs", r["runs"])]
        if r["waiting"]:
            facts.append(("waiting for", describe_wait(r["waiting"])))
        if r["status"] == "done":
            facts.append(("result", r["result"]))
        if r["error"]:
            facts.append(("error", r["error"]))
        for name, value in facts:
            out.append(f'<tr><th>{name}</th><td id="{name.replace(" ", "-")}"><code>{esc(value)}</code></td></tr>')
        if r["parent"]:
            out.append(f"<tr><th>parent</th><td>{self.anchor(base, r['parent'])}</td></tr>")
        out.append("</table>")
        if r.get("note"):
            out.append(f'<p class="error">{esc(r["note"])}</p>')
        out.append(self.actions(base, r))
        if r["steps"]:
            out.append(f"<h2>Steps ({len(r['steps'])})</h2><table id='steps'><tr><th>#</th><th>name</th>"
                       "<th>result</th><th>key</th></tr>")
            for s in r["steps"]:
                out.append(f"<tr><td>{s['seq']}</td><td>{esc(s['name'])}</td><td><code>{esc(s['result'])}</code></td>"
                           f"<td><code>{esc(s['key'])}</code></td></tr>")
            out.append("</table>")
        if r["mailbox"]:
            out.append("<h2>Mailbox</h2><table id='mailbox'><tr><th>topic</th><th>message id</th><th></th></tr>")
            for m in r["mailbox"]:
                out.append(f"<tr><td>{esc(m['topic'])}</td><td><code>{esc(m['message_id'])}</code></td>"
                           f"<td>{'consumed' if m['consumed'] else 'waiting'}</td></tr>")
            out.append("</table>")
        if r["frames"]:
            out.append(f"<h2>Parked frames (innermost first, {len(r['frames'])})</h2><ol id='frames' start='0'>")
            for f in r["frames"]:
                where = (f" at {f['file']}:{f['line']}:{f['col']}" if f.get("file")
                         else (f" (site {f['site']})" if "site" in f else ""))
                out.append(f'<li class=frame><code>#{f["index"]} {esc(f["function"])}</code>{esc(where)}')
                if f.get("source"):
                    out.append(f"<pre>{esc(f['line'])} | {esc(f['source'])}</pre>")
                if f.get("locals"):
                    out.append("<table class=locals>")
                    for name, value in f["locals"].items():
                        out.append(f"<tr><td><code>{esc(name)}</code></td><td><code>{esc(value)}</code></td></tr>")
                    out.append("</table>")
                out.append("</li>")
            out.append("</ol>")
        return page(f"workflow {r['id']}", self.top(environ) + "".join(out))

    def actions(self, base: str, r: dict) -> str:
        out = []
        wf = esc(r["id"])
        if r["status"] not in FINISHED:
            out.append(f'<form class=inline method=post action="{esc(base)}/cancel">'
                       f'<input type=hidden name=id value="{wf}">'
                       f'<button id="cancel" type=submit>Cancel</button></form> ')
        if r["status"] == "parked":
            suggestion = f"{r['id']}-fork-{uuid.uuid4().hex[:6]}"
            out.append(f'<form class=inline method=post action="{esc(base)}/fork">'
                       f'<input type=hidden name=id value="{wf}">'
                       f'<label>new id <input id="new_id" name=new_id value="{esc(suggestion)}"></label> '
                       f'<button id="fork" type=submit>Fork</button></form>')
        return f"<p class=actions>{''.join(out)}</p>" if out else ""

    # -- actions ---------------------------------------------------------------------------------

    def do_cancel(self, environ, form) -> tuple:
        wf_id = one(form, "id")
        self.must_exist(wf_id)
        cancel(self.engine, wf_id)
        return self.see_other(environ, wf_id)

    def do_fork(self, environ, form) -> tuple:
        wf_id = one(form, "id")
        new_id = one(form, "new_id").strip()
        if not new_id:
            raise HttpError("400 Bad Request", "Bad request", "the fork needs a new id")
        self.must_exist(wf_id)
        self.engine.store.fork(wf_id, new_id)
        return self.see_other(environ, new_id)

    def must_exist(self, wf_id: str):
        if self.engine.store.get(wf_id) is None:
            raise HttpError("404 Not Found", "No such workflow", f"there is no workflow {wf_id} in this store")

    def see_other(self, environ, wf_id: str) -> tuple:
        location = self.link(environ.get("SCRIPT_NAME", ""), wf_id, escape=False)
        return "303 See Other", [("Location", location)], \
            page("See other", f'<p><a href="{esc(location)}">workflow {esc(wf_id)}</a></p>')

    def check_origin(self, environ):
        """A POST from another site's page is refused (a browser sends Origin with every POST form)."""
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin != "null":
            host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
            if urlsplit(origin).netloc == host:
                return
        elif environ.get("HTTP_SEC_FETCH_SITE") in (None, "same-origin", "none"):
            return     # no Origin: a client that is not a browser (curl, a script), or the browser itself
        raise HttpError("403 Forbidden", "Forbidden",
                        "this form was sent from another site's page; the dashboard takes its own forms only")

    # -- links and pages ---------------------------------------------------------------------------

    def link(self, base: str, wf_id: str, escape: bool = True) -> str:
        url = f"{base}/workflow?id={quote(wf_id, safe='')}"
        return esc(url) if escape else url

    def anchor(self, base: str, wf_id: str) -> str:
        return f'<a href="{self.link(base, wf_id)}">{esc(wf_id)}</a>'

    def error_page(self, environ, e: HttpError) -> str:
        base = environ.get("SCRIPT_NAME", "")
        hint = f"<p class=note>hint: {esc(e.hint)}</p>" if e.hint else ""
        return page(e.title, self.top(environ) + f'<h1>{esc(e.title)}</h1><p class="error" id="error">{esc(e.message)}</p>{hint}'
                             f'<p><a href="{esc(base)}/">all workflows</a></p>')


def page(title: str, body: str) -> str:
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{esc(title)} - Turmeric dashboard</title>"
            f"<meta name=viewport content='width=device-width, initial-scale=1'><style>{STYLE}</style></head>"
            f"<body>{body}</body></html>")


def one(params: dict, name: str, required: bool = True) -> str:
    values = params.get(name) or []
    if len(values) > 1:
        raise HttpError("400 Bad Request", "Bad request", f"the parameter {name} is given {len(values)} times")
    if not values or values[0] == "":
        if required:
            raise HttpError("400 Bad Request", "Bad request", f"the parameter {name} is missing")
        return ""
    return values[0]


def safe_next(nxt: str) -> str:
    """Where to go after the login: a path inside the dashboard (never another site, nor the
    login itself); anything else is the list."""
    if not nxt or not NEXT_RE.match(nxt) or nxt.startswith(("/login", "/logout")):
        return "/"
    return nxt


def read_form(environ) -> dict:
    kind = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if kind not in ("application/x-www-form-urlencoded", ""):
        raise HttpError("415 Unsupported Media Type", "Unsupported form",
                        f"the dashboard reads url-encoded forms, not {kind}")
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise HttpError("400 Bad Request", "Bad request", "the Content-Length is not a number") from None
    if length < 0 or length > MAX_FORM_BYTES:
        raise HttpError("413 Content Too Large", "Form too large", f"a dashboard form is at most {MAX_FORM_BYTES} bytes")
    raw = environ["wsgi.input"].read(length) if length else b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError("400 Bad Request", "Bad request", "the form is not UTF-8") from None
    return parse_qs(text, keep_blank_values=True)


def dashboard_app(store_url: str | None = None, token: str | None = None, *, token_file: str | None = None,
                  session_seconds: float = DEFAULT_SESSION, trust_proxy: bool = False,
                  login: bool = True) -> Dashboard:
    """The dashboard of the store at STORE_URL (a SQLite path or a postgresql:// URL; None: the
    default, TURMERIC_STORE or turmeric.db), as a WSGI callable, behind a login with the secret
    TOKEN (else the first line of TOKEN_FILE, else TURMERIC_DASHBOARD_TOKEN; at least 16
    characters). A login lasts SESSION_SECONDS. TRUST_PROXY: the request's X-Forwarded-Proto
    and X-Forwarded-For (their last value) say whether it came over https and from whom; only
    behind a proxy that sets them. LOGIN=False: no login at all, for a dashboard behind a proxy
    that authenticates; then no token may be given."""
    if not login:
        if token is not None or token_file is not None:
            raise TurmericError("usage", "dashboard_app: login=False takes no token")
        return Dashboard(store_url, auth=None)
    secret = configured_token(token, token_file)
    if secret is None:
        raise TurmericError("usage", "dashboard_app: the dashboard needs a login token",
                            hint="pass token=... or token_file=..., or set TURMERIC_DASHBOARD_TOKEN "
                                 "(at least 16 characters); login=False only behind a proxy that authenticates")
    return Dashboard(store_url, auth=Auth(secret, session_seconds=session_seconds, trust_proxy=trust_proxy))
