"""The workflow dashboard (`turmeric serve --dashboard`, spec/web.md "Dashboard"): a WSGI
callable that lists a store's workflows with their status and what they wait for, shows one
workflow as `turmeric workflow show` prints it (steps, parked frames and their variables), and
cancels or forks one with a POST form.

Everything it shows comes from turmeric/workflow/report.py, the code behind `workflow show`,
and every change goes through the store's own cancel and fork, so the dashboard and the CLI
cannot disagree. Every value is HTML-escaped (a workflow's variables are the user's data);
the pages carry no script and a Content-Security-Policy that allows none. A POST whose Origin
is another site is refused (403), so a page elsewhere cannot cancel a workflow through a
logged-in browser.

Routes, relative to where the app is mounted (SCRIPT_NAME):
  GET  /                      the list; ?status=parked etc. filters it
  GET  /workflow?id=ID        one workflow
  POST /cancel   id=ID        cancel it, then 303 to its page
  POST /fork     id=ID new_id=NEW   fork it, then 303 to the fork's page
"""
from __future__ import annotations

import html
import threading
import traceback
import uuid
from urllib.parse import parse_qs, quote, urlsplit

from turmeric.data.errors import TurmericError
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
nav a { margin-right: .8em }
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


class HttpError(Exception):
    def __init__(self, status: str, title: str, message: str, hint: str | None = None):
        super().__init__(message)
        self.status, self.title, self.message, self.hint = status, title, message, hint


class Dashboard:
    """The WSGI callable. One engine (one session, one store connection) serves every request,
    one request at a time: a dashboard is for people, and the store connection and the session
    are not for several threads at once."""

    def __init__(self, store_url: str | None = None, engine: Engine | None = None):
        self.store_url = default_store_url(store_url)
        self.engine = engine if engine is not None else Engine(open_store(self.store_url))
        self.lock = threading.Lock()

    # -- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        try:
            with self.lock:
                status, headers, body = self.route(environ)
        except HttpError as e:
            status, headers, body = e.status, [], self.error_page(environ, e)
        except TurmericError as e:
            status, headers, body = "409 Conflict", [], self.error_page(
                environ, HttpError("409 Conflict", "Refused", f"error[{e.kind}]: {e.message}", e.hint))
        except Exception:   # a bug of ours: logged for the operator, never shown to the browser
            environ["wsgi.errors"].write("turmeric dashboard: internal error\n" + traceback.format_exc())
            status, headers, body = "500 Internal Server Error", [], self.error_page(environ, HttpError(
                "500 Internal Server Error", "Internal error",
                "the dashboard failed on this request; the server's log has the details"))
        data = body.encode("utf-8")
        if not headers:
            headers = [("Content-Type", "text/html; charset=utf-8")]
        start_response(status, headers + HEADERS_BASE + [("Content-Length", str(len(data)))])
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
        return page("Workflows", "".join(out))

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
        return page(f"workflow {r['id']}", "".join(out))

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
        return "303 See Other", [("Location", location), ("Content-Type", "text/html; charset=utf-8")], \
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
        return page(e.title, f'<h1>{esc(e.title)}</h1><p class="error" id="error">{esc(e.message)}</p>{hint}'
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


def dashboard_app(store_url: str | None = None) -> Dashboard:
    """The dashboard of the store at STORE_URL (a SQLite path or a postgresql:// URL; None: the
    default, TURMERIC_STORE or turmeric.db), as a WSGI callable."""
    return Dashboard(store_url)
