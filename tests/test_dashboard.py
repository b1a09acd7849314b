"""The workflow dashboard at the HTTP level (#12 item 6): turmeric/web/dashboard.py, called as a
WSGI app in-process (fast) and once under waitress on loopback. Every page and every malformed
request is non-5xx with no traceback; the pages show what `turmeric workflow show` shows
(a differential test against turmeric/workflow/report.py); every workflow value is escaped,
whatever its text (a hypothesis property); cancel and fork change the store as the CLI does,
and a cross-site POST is refused. Since dashboard-login, the dashboard needs a login: these tests send the
token as `Authorization: Bearer` (tests/test_dashboard_auth.py tests the login itself)."""
from __future__ import annotations

import html
import io
import re
import shutil
import sqlite3
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from browser import serve_wsgi
from conftest import ROOT
from test_workflow import pg_server  # noqa: F401 (the fixture: a real PostgreSQL server on loopback)
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import Keyword, PMap
from turmeric.session.session import Session
from turmeric.web.auth import Auth
from turmeric.web.dashboard import Dashboard, dashboard_app
from turmeric.workflow.engine import Engine
from turmeric.workflow.report import describe_wait, report
from turmeric.workflow.stores import open_store

pytestmark = pytest.mark.usefixtures("scratch_cache")

SCRIPT = "<script>alert('x')</script>"
TOKEN = "test-token-0123456789abcdef"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


# -- a store with a workflow of every kind ------------------------------------------------------

def make_store(folder, url: str | None = None) -> tuple[str, Engine]:
    """order.tm's workflows: parked on a message, parked on a timer, done, cancelled, and one
    whose id and variables are markup. In a SQLite file of FOLDER unless URL is given."""
    shutil.copy(ROOT / "examples" / "workflows" / "order.tm", folder / "order.tm")
    url = url or str(folder / "dash.db")
    engine = Engine(open_store(url), session=Session(module_path=[str(folder)]))
    order = str(folder / "order.tm")
    engine.start(order, "order", ["A-1", 100], "A-1")
    engine.start(order, "order", ["B-2", 100], "B-2")
    engine.send("B-2", Keyword("payment"), PMap.from_pairs([(Keyword("amount"), 50)]))
    engine.start(order, "order", ["T-3", 100], "T-3")
    engine.send("T-3", Keyword("payment"), PMap.from_pairs([(Keyword("amount"), 100)]))
    engine.start(order, "order", ["C-4", 100], "C-4")
    engine.start(order, "order", [SCRIPT, 7], SCRIPT)
    while engine.run_next() is not None:   # B-2 ends underpaid; T-3 parks on its two-day timer
        pass
    engine.store.cancel("C-4")
    return url, engine


@pytest.fixture(scope="module")
def store(tmp_path_factory, request):
    with pytest.MonkeyPatch.context() as mp:    # scratch_cache is function-scoped; this is the module's own
        mp.setenv("TURMERIC_CACHE", str(tmp_path_factory.mktemp("cache")))
        mp.delenv("TURMERIC_PATH", raising=False)
        folder = tmp_path_factory.mktemp("dash")
        url, engine = make_store(folder)
        yield url, engine


@pytest.fixture
def fresh(tmp_path):
    """A store of its own, for the tests that change it."""
    return make_store(tmp_path)


# -- a WSGI client -------------------------------------------------------------------------------

class Response:
    def __init__(self, status: str, headers: list, body: bytes):
        self.code = int(status.split()[0])
        self.status = status
        self.headers = dict(headers)
        self.text = body.decode("utf-8")


def call(app, method="GET", path="/", query="", body: bytes = b"", headers: dict | None = None,
         content_type="application/x-www-form-urlencoded", script_name="", login: bool = True,
         scheme: str = "http", environ: dict | None = None) -> Response:
    extra = environ or {}
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": script_name,
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
               "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(), "wsgi.url_scheme": scheme,
               "CONTENT_LENGTH": str(len(body)) if body else "", "CONTENT_TYPE": content_type if body else "",
               **extra}
    for k, v in ({**BEARER, **(headers or {})} if login else (headers or {})).items():
        environ["HTTP_" + k.upper().replace("-", "_")] = v
    got = {}

    def start_response(status, hdrs, exc_info=None):
        got["status"], got["headers"] = status, hdrs
    out = b"".join(app(environ, start_response))
    r = Response(got["status"], got["headers"], out)
    assert "Traceback" not in r.text and "Traceback" not in environ["wsgi.errors"].getvalue()
    return r


def post(app, path, **fields) -> Response:
    return call(app, "POST", path, body=urlencode(fields).encode(), headers={"Origin": "http://127.0.0.1"})


def show(app, wf_id) -> Response:
    return call(app, "GET", "/workflow", urlencode({"id": wf_id}))


class Elements(HTMLParser):
    """The tags, attributes and text of a page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.text, self.links = [], [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [name for name, _ in attrs]
        if tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_data(self, data):
        self.text.append(data)


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "a", "nav", "table", "tr", "th",
                "td", "code", "pre", "span", "form", "input", "label", "button", "ol", "li"}


def page_text(r: Response) -> str:
    return " ".join("".join(Elements(r.text).text).split())


# -- the pages -------------------------------------------------------------------------------------

def test_list_shows_every_workflow_with_its_status_and_wait(store):
    """#12 item 6: the list has each workflow of the store, its status and what it waits for,
    worded as `turmeric workflow list` words it."""
    url, engine = store
    app = dashboard_app(url, TOKEN)
    r = call(app)
    assert r.code == 200 and r.headers["Content-Type"].startswith("text/html")
    rows = engine.store.list()
    assert len(rows) == 5
    for row in rows:
        m = re.search(r'<tr data-id="%s">(.*?)</tr>' % re.escape(html.escape(row.id, quote=True)), r.text)
        assert m, row.id
        assert f">{row.status}<" in m.group(1)
        w = report(engine, row.id)["waiting"]
        if w:
            assert html.escape(describe_wait(w)).split(" (in ")[0] in m.group(1)
    assert {row.id: row.status for row in rows} == {"A-1": "parked", "B-2": "done", "T-3": "parked",
                                                    "C-4": "cancelled", SCRIPT: "parked"}
    filtered = call(app, query="status=parked")
    assert filtered.code == 200 and "A-1" in filtered.text and "B-2</a>" not in filtered.text


def test_show_has_what_workflow_show_reports(store):
    """#12 item 6, differential: for every workflow, the page has every fact of
    report() (the code behind `turmeric workflow show`): status, function, result, error, the
    steps' results, and each parked frame with each variable's printed value."""
    url, engine = store
    app = dashboard_app(url, TOKEN)
    for row in engine.store.list():
        r = show(app, row.id)
        assert r.code == 200
        text = page_text(r)
        rep = report(engine, row.id)
        assert rep["status"] in text and rep["function"] in text
        for key in ("result", "error"):
            if rep[key]:
                assert rep[key] in text
        for s in rep["steps"]:
            assert s["result"] in text and s["key"] in text
        if row.status == "parked":
            assert rep["frames"], row.id
        for f in rep["frames"]:
            assert f"#{f['index']} {f['function']}" in text
            for name, value in f.get("locals", {}).items():
                assert " ".join(value.split()) in text and name in text


def test_parked_page_has_frames_and_variables_and_the_buttons(store):
    url, _ = store
    r = show(dashboard_app(url, TOKEN), "A-1")
    assert "id='frames'" in r.text and "order" in page_text(r)
    assert re.search(r'<td><code>id</code></td><td><code>&quot;A-1&quot;</code></td>', r.text)
    assert 'id="cancel"' in r.text and 'id="fork"' in r.text
    done = show(dashboard_app(url, TOKEN), "B-2")
    assert 'id="cancel"' not in done.text and 'id="fork"' not in done.text
    assert ":underpaid" in done.text


def test_markup_in_an_id_or_a_variable_is_escaped(store):
    """#12 item 6: a workflow value containing <script> is shown as text, never as markup, on
    the list and on its page, with a CSP that forbids scripts anyway."""
    url, _ = store
    app = dashboard_app(url, TOKEN)
    for r in (call(app), show(app, SCRIPT)):
        assert r.code == 200
        assert "<script" not in r.text.lower()
        assert set(Elements(r.text).tags) <= ALLOWED_TAGS
        assert "&lt;script&gt;" in r.text
        assert "script-src" not in r.headers["Content-Security-Policy"]   # default-src 'none' covers scripts
        assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert SCRIPT in page_text(show(app, SCRIPT))


# -- escaping, for any text ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scratch_engine(store, tmp_path_factory):
    folder = tmp_path_factory.mktemp("esc")
    shutil.copy(ROOT / "examples" / "workflows" / "order.tm", folder / "order.tm")
    engine = Engine(open_store(str(folder / "esc.db")), session=Session(module_path=[str(folder)]))
    return engine, str(folder / "order.tm")


TEXT = st.lists(st.sampled_from(list("<>&\"'=/ ;:ab\u00e9\n") + ["<script>", "</td>", "<!--", "<b onclick=x>"]),
                min_size=1, max_size=12).map("".join)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(wf_id=TEXT, value=TEXT)
def test_escaping_property(scratch_engine, wf_id, value):
    """#12 item 6, the class: whatever text a workflow's id and its variables hold, the list and
    its page are made only of the dashboard's own tags and attributes, and show the text as it is."""
    engine, order = scratch_engine
    if engine.store.get(wf_id) is not None:
        return
    engine.start(order, "order", [value, 1], wf_id)
    app = Dashboard(engine=engine, auth=Auth(TOKEN))
    for r in (call(app), show(app, wf_id)):
        assert r.code == 200
        e = Elements(r.text)
        assert set(e.tags) <= ALLOWED_TAGS
        assert not [a for a in e.attrs if a.startswith("on")]
        assert " ".join(wf_id.split()) in " ".join("".join(e.text).split())
    assert " ".join(pr_str(value).split()) in page_text(show(app, wf_id))   # the variable, printed


# -- malformed requests ---------------------------------------------------------------------------------

def test_every_linked_page_is_not_an_error(store):
    """#12 item 6: every page the dashboard links to, from the list and each workflow, is a 200."""
    url, _ = store
    app = dashboard_app(url, TOKEN)
    seen, todo = set(), ["/"]
    while todo:
        link = html.unescape(todo.pop())
        if link in seen:
            continue
        seen.add(link)
        path, _, query = link.partition("?")
        r = call(app, "GET", path, query)
        assert r.code == 200, link
        todo += Elements(r.text).links
    assert len(seen) >= 7     # the list, its 5 filters, 5 workflows (some links repeat)


BAD = [
    ("GET", "/nothing", "", b"", 404), ("GET", "/workflow", "", b"", 400), ("GET", "/workflow", "id=", b"", 400),
    ("GET", "/workflow", "id=nobody", b"", 404), ("GET", "/workflow", "id=A-1&id=B-2", b"", 400),
    ("GET", "/", "status=sleeping", b"", 400), ("POST", "/", "", b"", 405), ("DELETE", "/workflow", "id=A-1", b"", 405),
    ("GET", "/cancel", "id=A-1", b"", 405), ("POST", "/cancel", "", b"", 400), ("POST", "/cancel", "", b"id=nobody", 404),
    ("POST", "/cancel", "", b"id=B-2", 409), ("POST", "/cancel", "", b"id=C-4", 409),
    ("POST", "/fork", "", b"id=B-2&new_id=X", 409), ("POST", "/fork", "", b"id=A-1&new_id=B-2", 409),
    ("POST", "/fork", "", b"id=A-1&new_id=", 400), ("POST", "/fork", "", b"id=A-1", 400),
    ("POST", "/fork", "", b"id=nobody&new_id=Y", 404), ("POST", "/cancel", "", b"id=\xff\xfe", 400),
    ("POST", "/cancel", "", b"x" * 70000, 413),
]


@pytest.mark.parametrize("method,path,query,body,code", BAD)
def test_malformed_requests_get_a_clear_4xx_page(store, method, path, query, body, code):
    """#12 item 6: a request the dashboard cannot answer gets a 4xx page saying why, never a 500
    or a traceback, and the store is unchanged."""
    url, engine = store
    before = [(r.id, r.status) for r in engine.store.list()]
    r = call(dashboard_app(url, TOKEN), method, path, query, body, headers={"Origin": "http://127.0.0.1"})
    assert r.code == code, r.text
    assert 'id="error"' in r.text
    assert [(r.id, r.status) for r in engine.store.list()] == before


def test_a_form_of_another_kind_is_refused(store):
    url, _ = store
    r = call(dashboard_app(url, TOKEN), "POST", "/cancel", body=b"--x\r\n", content_type="multipart/form-data; boundary=x")
    assert r.code == 415


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "POST", "HEAD", "PUT"]),
       path=st.sampled_from(["/", "/workflow", "/cancel", "/fork", "/x", ""]) | st.text(max_size=12).map(lambda s: "/" + s),
       query=st.text(max_size=20), body=st.binary(max_size=40))
def test_no_request_is_a_5xx(fresh, method, path, query, body):
    """#12 item 6, the class: any method, path, query and body gets a status below 500."""
    url, engine = fresh
    r = call(Dashboard(url, engine=engine, auth=Auth(TOKEN)), method, path, query, body, headers={"Origin": "http://127.0.0.1"})
    assert r.code < 500, r.text


# -- cancel and fork -----------------------------------------------------------------------------------

def test_cancel_by_post(fresh):
    """#12 item 6: the cancel button cancels (as `turmeric workflow cancel` does) and sends the
    browser back to the workflow's page; a second cancel is a 409 saying it is cancelled already."""
    url, engine = fresh
    app = dashboard_app(url, TOKEN)
    r = post(app, "/cancel", id="A-1")
    assert r.code == 303 and r.headers["Location"] == "/workflow?id=A-1"
    assert engine.store.must_get("A-1").status == "cancelled"
    again = post(app, "/cancel", id="A-1")
    assert again.code == 409 and "cancelled already" in again.text


def test_fork_by_post_is_an_independent_workflow(fresh):
    """#12 item 6: the fork button copies a parked workflow under a new id; a message to the
    fork finishes the fork only, and the original still waits."""
    url, engine = fresh
    app = dashboard_app(url, TOKEN)
    r = post(app, "/fork", id="A-1", new_id="A-1 copy")
    assert r.code == 303 and r.headers["Location"] == "/workflow?id=A-1%20copy"
    page = show(app, "A-1 copy")
    assert "a message on payment" in page.text and "id='frames'" in page.text
    engine.send("A-1 copy", Keyword("payment"), PMap.from_pairs([(Keyword("amount"), 100)]))
    engine.work(drain=True, skip_time=True)
    assert engine.store.must_get("A-1 copy").status == "done"
    assert engine.store.must_get("A-1").status == "parked"
    assert ":shipped" in show(app, "A-1 copy").text


def test_a_cross_site_post_is_refused(fresh):
    """#12 item 6: a form on another site's page cannot cancel a workflow through the browser."""
    url, engine = fresh
    app = dashboard_app(url, TOKEN)
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
                    {"Sec-Fetch-Site": "cross-site"}):
        r = call(app, "POST", "/cancel", body=b"id=A-1", headers=headers)
        assert r.code == 403
    assert engine.store.must_get("A-1").status == "parked"


def test_mounted_under_a_prefix_links_stay_under_it(fresh):
    url, _ = fresh
    app = dashboard_app(url, TOKEN)
    r = call(app, script_name="/dash")
    assert all(link.startswith("/dash/") for link in Elements(r.text).links)
    r = call(app, "POST", "/cancel", body=b"id=A-1", script_name="/dash")
    assert r.headers["Location"] == "/dash/workflow?id=A-1"


def test_a_corrupt_continuation_is_a_note_not_a_500(fresh):
    """#12 item 6: a stored continuation that cannot be loaded shows the error on the page."""
    url, engine = fresh
    with sqlite3.connect(url) as db:
        db.execute("UPDATE workflows SET state = ? WHERE id = 'A-1'", (b"TMRC-garbage",))
    r = show(dashboard_app(url, TOKEN), "A-1")
    assert r.code == 200 and "cannot be loaded" in r.text


def test_a_bad_store_is_a_turmeric_error(tmp_path):
    with pytest.raises(TurmericError):
        dashboard_app(str(tmp_path), TOKEN)      # a directory


# -- under a real server --------------------------------------------------------------------------------

def test_under_waitress(fresh):
    """#12 item 6: the dashboard is a WSGI app a production server runs: list, show, cancel
    over real HTTP on loopback."""
    url, engine = fresh
    with serve_wsgi(dashboard_app(url, TOKEN)) as base:
        with urllib.request.urlopen(urllib.request.Request(base + "/", headers=BEARER), timeout=10) as r:
            assert r.status == 200 and b"A-1" in r.read()
        with urllib.request.urlopen(urllib.request.Request(base + "/workflow?id=A-1", headers=BEARER), timeout=10) as r:
            assert b"id='frames'" in r.read()
        req = urllib.request.Request(base + "/cancel", data=b"id=A-1", headers={"Origin": base, **BEARER}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as r:     # follows the 303
            assert r.status == 200 and r.url.endswith("/workflow?id=A-1") and b">cancelled<" in r.read()
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(base + "/workflow?id=nobody", headers=BEARER), timeout=10)
        assert e.value.code == 404


def test_on_postgresql(pg_server, tmp_path):
    """#12 item 6: the dashboard works on a PostgreSQL store as on SQLite: list, show, fork,
    cancel (it uses the store API only)."""
    url, engine = make_store(tmp_path, pg_server.new_database("dashboard"))
    app = dashboard_app(url, TOKEN)
    r = call(app)
    assert r.code == 200 and all(f'data-id="{html.escape(row.id, quote=True)}"' in r.text
                                 for row in engine.store.list())
    assert "id='frames'" in show(app, "A-1").text
    assert post(app, "/fork", id="A-1", new_id="A-2").code == 303
    assert post(app, "/cancel", id="A-2").code == 303
    assert engine.store.must_get("A-2").status == "cancelled" and engine.store.must_get("A-1").status == "parked"
    assert post(app, "/cancel", id="A-2").code == 409
