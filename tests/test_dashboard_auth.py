"""The dashboard's login ("dashboard-login", a security gap with no issue file: `turmeric serve
--dashboard` served every workflow's variables, cancel and fork to anyone who could reach the
port; items: 1 no cookie, 2 bad cookie, 3 expired, 4 forged, 5 bearer, 6 login, 7 failed
login, 8 logout, 9 rate limit). turmeric/web/auth.py and the login routes
of turmeric/web/dashboard.py, as WSGI calls in-process (fast): no cookie, a bad, expired,
forged or revoked cookie, a good and a wrong bearer token, login and logout, the rate limit
and its bounded memory, the cookie's attributes. Then the class: every route, any method,
any credentials that are not the token's get a 303 to the login page or a 401 and change
nothing (hypothesis), and a login's redirect never leaves the dashboard. Then `turmeric serve
--dashboard` in a subprocess on loopback (login with http.client, then cancel), and its
refusal to listen beyond loopback without a token."""
from __future__ import annotations

import http.client
import io
import os
import re
import subprocess
import sys
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT
from test_dashboard import SCRIPT, call, make_store
from turmeric.cli import serve as serve_cli
from turmeric.cli.serve import Mount
from turmeric.data.errors import TurmericError
from turmeric.web import auth as auth_mod
from turmeric.web.auth import COOKIE, Auth, RateLimiter, Sessions, configured_token, is_loopback, read_token_file
from turmeric.web.dashboard import Dashboard, dashboard_app, safe_next

pytestmark = pytest.mark.usefixtures("scratch_cache")

TOKEN = "the-dashboard-token-0123456789"
HTML_ACCEPT = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PREFIX = "/dashboard"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TURMERIC_CACHE", str(tmp_path_factory.mktemp("cache")))
        mp.delenv("TURMERIC_PATH", raising=False)
        yield make_store(tmp_path_factory.mktemp("auth"))


@pytest.fixture
def app(store):
    """A dashboard of the module's store with a fresh login state (sessions, rate limit)."""
    url, engine = store
    return Dashboard(url, engine=engine, auth=Auth(TOKEN))


def req(app, method="GET", path="/", query="", body=b"", headers=None, cookie=None, **kw):
    h = dict(headers or {})
    if cookie is not None:
        h["Cookie"] = f"{COOKIE}={cookie}"
    return call(app, method, path, query, body, headers=h, login=False, script_name=PREFIX, **kw)


def login(app, token=TOKEN, nxt="", headers=None, **kw):
    form = urllib.parse.urlencode({"token": token, "next": nxt}).encode()
    return req(app, "POST", "/login", body=form, headers={"Origin": "http://127.0.0.1", **(headers or {})}, **kw)


def cookie_of(r) -> tuple[str, str]:
    """(the cookie's value, the whole Set-Cookie header) of a response."""
    header = r.headers["Set-Cookie"]
    m = re.match(rf"{COOKIE}=([^;]*)", header)
    assert m, header
    return m.group(1), header


def refused(r, html: bool):
    if html:
        assert r.code == 303 and r.headers["Location"].startswith(PREFIX + "/login"), (r.code, r.text)
    else:
        assert r.code == 401, (r.code, r.text)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert "data-id=" not in r.text and "id='frames'" not in r.text and ">parked<" not in r.text


# -- without a login, nothing --------------------------------------------------------------------

def test_no_cookie_html_get_goes_to_the_login_page(app):
    """dashboard-login item 1: a browser's GET without a login is sent to the login page, which comes back
    to the page asked for; a HEAD too."""
    r = req(app, "GET", "/workflow", "id=A-1", headers=HTML_ACCEPT)
    refused(r, html=True)
    assert r.headers["Location"] == PREFIX + "/login?next=" + urllib.parse.quote("/workflow?id=A-1", safe="")
    refused(req(app, "HEAD", "/", headers=HTML_ACCEPT), html=True)
    page = req(app, "GET", "/login", "next=/workflow%3Fid%3DA-1")
    assert page.code == 200 and 'id="token"' in page.text and 'type=password' in page.text
    assert 'value="/workflow?id=A-1"' in page.text
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]


def test_no_cookie_non_html_get_and_every_post_is_401(app, store):
    """dashboard-login item 1: a script's GET, and every POST, without a login is a 401; the store is unchanged."""
    _, engine = store
    before = [(r.id, r.status) for r in engine.store.list()]
    refused(req(app, "GET", "/"), html=False)
    refused(req(app, "GET", "/workflow", "id=A-1", headers={"Accept": "application/json"}), html=False)
    for path, body in (("/cancel", b"id=A-1"), ("/fork", b"id=A-1&new_id=Z"), ("/nothing", b"")):
        refused(req(app, "POST", path, body=body, headers={"Origin": "http://127.0.0.1", **HTML_ACCEPT}), html=False)
    assert [(r.id, r.status) for r in engine.store.list()] == before


def test_a_bad_cookie_is_no_login(app):
    """dashboard-login item 2: garbage, an empty value, a cookie of another name."""
    for value in ("x", "", "v1.1.2.3", "v1." * 40, "\u00e9"):
        refused(req(app, cookie=value, headers=HTML_ACCEPT), html=True)
    ok = app.auth.sessions.issue()
    refused(req(app, headers={"Cookie": f"other={ok}"}), html=False)


def test_an_expired_cookie_is_no_login(app):
    """dashboard-login item 3: a cookie past its expiry, though well signed, is refused; one a second before it is taken."""
    s = app.auth.sessions
    old = s.issue(now=time.time() - s.seconds - 5)
    refused(req(app, cookie=old), html=False)
    assert not s.valid(old)
    soon = s.issue(now=time.time() - s.seconds + 60)
    assert req(app, cookie=soon).code == 200


def test_a_forged_cookie_is_no_login(app):
    """dashboard-login item 4: a changed signature, a changed expiry or nonce under the old signature, and
    a cookie signed with another token's key are all refused."""
    good = app.auth.sessions.issue()
    assert req(app, cookie=good).code == 200
    v, expires, nonce, sig = good.split(".")
    flipped = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    later = str(int(expires) + 10 ** 6)
    other = Sessions("another-token-0123456789").issue()
    for bad in (f"{v}.{expires}.{nonce}.{flipped}", f"{v}.{later}.{nonce}.{sig}",
                f"{v}.{expires}.{'0' * 32}.{sig}", other, good.upper(), good + "0"):
        refused(req(app, cookie=bad), html=False)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="v1.0123456789abcdef", max_size=120) | st.text(max_size=40))
def test_no_made_up_cookie_is_valid(value):
    """dashboard-login item 4, the class: no text but what issue() signed is a valid session."""
    s = Sessions(TOKEN)
    assert not s.valid(value)


def test_bearer_token(app, store):
    """dashboard-login item 5: the right `Authorization: Bearer` is a login for scripts (a GET and a POST);
    a wrong one, or another scheme, is a 401 that counts as a failed guess."""
    r = req(app, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.code == 200 and 'id="workflows"' in r.text and 'id="logout"' not in r.text
    for h in (f"Bearer {TOKEN}x", "Bearer ", f"Basic {TOKEN}", "Bearer " + TOKEN[:-1]):
        r = req(app, headers={"Authorization": h, **HTML_ACCEPT})      # a wrong header is no redirect
        assert r.code == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
        assert "data-id=" not in r.text
    assert app.auth.limiter.retry_after("-") == 0      # four failures: the fifth may still be tried
    req(app, headers={"Authorization": "Bearer wrong"})
    assert app.auth.limiter.retry_after("-") > 0


def test_tokens_are_compared_in_constant_time(app, monkeypatch):
    """dashboard-login: the form's and the header's token are compared with hmac.compare_digest, on digests
    of equal length (so neither the content nor the length of the token leaks by timing)."""
    seen = []
    real = auth_mod.hmac.compare_digest

    def spy(a, b):
        seen.append((len(a), len(b)))
        return real(a, b)
    monkeypatch.setattr(auth_mod.hmac, "compare_digest", spy)
    login(app, token="x")
    req(app, headers={"Authorization": "Bearer " + "y" * 100})
    assert seen == [(32, 32), (32, 32)]


# -- login and logout --------------------------------------------------------------------------

def test_login_sets_a_strict_cookie_and_returns_to_the_page(app):
    """dashboard-login item 6: the right token sets a session cookie (HttpOnly, SameSite=Strict, Path the
    dashboard's prefix, an expiry, no Secure over http) and sends the browser where it was going;
    the pages then show a log out button."""
    r = login(app, nxt="/workflow?id=A-1")
    assert r.code == 303 and r.headers["Location"] == PREFIX + "/workflow?id=A-1"
    value, header = cookie_of(r)
    attrs = [a.strip() for a in header.split(";")][1:]
    assert set(attrs) == {"Max-Age=43200", f"Path={PREFIX}/", "HttpOnly", "SameSite=Strict"}
    page = req(app, "GET", "/workflow", "id=A-1", cookie=value)
    assert page.code == 200 and "id='frames'" in page.text and 'id="logout"' in page.text
    assert SCRIPT not in page.text


def test_the_cookie_is_secure_over_https_and_behind_a_trusted_proxy_only(store):
    """dashboard-login item 6: Secure when the request came over https (wsgi.url_scheme), or when a trusted
    proxy says so (X-Forwarded-Proto, only with trust_proxy: else a client could say it)."""
    url, engine = store
    plain = Dashboard(url, engine=engine, auth=Auth(TOKEN))
    proxied = Dashboard(url, engine=engine, auth=Auth(TOKEN, trust_proxy=True))

    def secure(app, headers=None, scheme="http"):
        r = login(app, headers=headers, scheme=scheme)
        assert r.code == 303
        return "Secure" in [a.strip() for a in cookie_of(r)[1].split(";")]
    assert secure(plain, scheme="https") and secure(proxied, scheme="https")
    assert not secure(plain) and not secure(plain, {"X-Forwarded-Proto": "https"})
    assert secure(proxied, {"X-Forwarded-Proto": "https"})
    assert secure(proxied, {"X-Forwarded-Proto": "http, https"})     # the nearest proxy's word
    assert not secure(proxied, {"X-Forwarded-Proto": "https, http"})
    assert not secure(proxied)


def test_login_by_the_printed_link(app):
    """dashboard-login item 6: GET /login?token=T (the link `turmeric serve` prints) logs in as the form does."""
    r = req(app, "GET", "/login", "token=" + TOKEN)
    assert r.code == 303 and r.headers["Location"] == PREFIX + "/"
    assert req(app, cookie=cookie_of(r)[0]).code == 200


def test_a_wrong_token_is_a_401_form_and_no_cookie(app):
    """dashboard-login item 7: a wrong or missing token shows the form again with why, and sets
    nothing; the server's log says a login failed and from where, never what was typed."""
    for token in ("wrong-guess-1", "", TOKEN + " ", TOKEN.upper()):
        log = io.StringIO()
        r = login(app, token=token, nxt="/workflow?id=A-1", environ={"wsgi.errors": log, "REMOTE_ADDR": "10.2.0.1"})
        assert r.code == 401 and "Set-Cookie" not in r.headers
        assert 'id="error"' in r.text and 'id="token"' in r.text and 'value="/workflow?id=A-1"' in r.text
        assert "failed login from '10.2.0.1'" in log.getvalue()
        assert not token or token.strip() not in log.getvalue()


def test_the_login_page_sends_no_referer(app):
    """dashboard-login: the login's URL can hold the token (the printed link), so its pages say
    Referrer-Policy: no-referrer; the other pages keep same-origin."""
    for r in (req(app, "GET", "/login"), req(app, "GET", "/login", "token=wrong-token-xyz"), login(app)):
        assert r.headers["Referrer-Policy"] == "no-referrer"
    assert req(app, headers={"Authorization": f"Bearer {TOKEN}"}).headers["Referrer-Policy"] == "same-origin"


def test_logout_clears_and_revokes_the_cookie(app):
    """dashboard-login item 8: logout clears the cookie (Max-Age=0, same Path) and the old value no longer
    logs in, even if it was copied; a logout without a login is harmless; GET is not a logout."""
    value, _ = cookie_of(login(app))
    assert req(app, cookie=value).code == 200
    assert req(app, "GET", "/logout", cookie=value).code == 405
    r = req(app, "POST", "/logout", cookie=value, headers={"Origin": "http://127.0.0.1"})
    assert r.code == 303 and r.headers["Location"] == PREFIX + "/login"
    cleared = r.headers["Set-Cookie"]
    assert cleared.startswith(f"{COOKIE}=;") and "Max-Age=0" in cleared and f"Path={PREFIX}/" in cleared
    refused(req(app, cookie=value), html=False)
    assert req(app, "POST", "/logout", headers={"Origin": "http://127.0.0.1"}).code == 303


def test_revocations_are_bounded(monkeypatch):
    """dashboard-login item 8: the table of logged-out sessions never outgrows MAX_REVOKED; when it is full
    of live sessions, every session issued so far is voided (safe), and new ones work."""
    monkeypatch.setattr(auth_mod, "MAX_REVOKED", 20)
    s = Sessions(TOKEN)
    live = [s.issue() for _ in range(30)]
    for v in live[:25]:
        s.revoke(v)
        assert len(s.revoked) <= 20
    assert not any(s.valid(v) for v in live)       # revoked, or voided by the overflow
    fresh = s.issue()
    assert s.valid(fresh)


def test_cross_site_login_logout_and_actions_are_403(app, store):
    """dashboard-login: the login form, the logout and a logged-in POST keep the cross-site refusal."""
    _, engine = store
    value, _ = cookie_of(login(app))
    evil = {"Origin": "http://evil.example"}
    assert login(app, headers=evil).code == 403
    assert req(app, "POST", "/logout", cookie=value, headers=evil).code == 403
    assert req(app, "POST", "/cancel", body=b"id=A-1", cookie=value, headers=evil).code == 403
    assert req(app, "POST", "/cancel", body=b"id=A-1", cookie=value,
               headers={"Sec-Fetch-Site": "cross-site"}).code == 403
    assert engine.store.must_get("A-1").status == "parked"
    assert req(app, cookie=value).code == 200    # the refused logout logged no one out


# -- the rate limit ----------------------------------------------------------------------------

def test_rate_limit_locks_a_client_out_and_lets_others_in(app):
    """dashboard-login item 9: after five wrong tokens from one address, the sixth attempt, even with the
    right token, is a 429 with Retry-After and checks nothing; another address still logs in."""
    me = {"REMOTE_ADDR": "10.0.0.5"}
    for _ in range(5):
        assert login(app, token="wrong", environ=me).code == 401
    r = login(app, environ=me)
    assert r.code == 429 and int(r.headers["Retry-After"]) >= 1 and "Set-Cookie" not in r.headers
    assert 'id="token"' in r.text       # the form, saying to wait
    assert req(app, headers={"Authorization": f"Bearer {TOKEN}"}, environ=me).code == 429
    assert login(app, environ={"REMOTE_ADDR": "10.0.0.6"}).code == 303


def test_rate_limit_refills_with_time_and_groups_ipv6_by_64():
    lim = RateLimiter(per_client=3, client_refill=10, overall=1000, overall_refill=0.01)
    for _ in range(3):
        assert lim.retry_after("2001:db8::1", now=100) == 0
        lim.failed("2001:db8::1", now=100)
    assert lim.retry_after("2001:db8::ffff:2", now=100) == pytest.approx(10)    # same /64
    assert lim.retry_after("2001:db8:0:1::1", now=100) == 0                     # another /64
    assert lim.retry_after("2001:db8::1", now=105) == pytest.approx(5)
    assert lim.retry_after("2001:db8::1", now=110.5) == 0


def test_rate_limit_overall_bounds_many_addresses():
    """dashboard-login item 9: guesses spread over many addresses are bounded by the overall bucket."""
    lim = RateLimiter(per_client=5, client_refill=12, overall=10, overall_refill=1)
    for i in range(10):
        lim.failed(f"10.1.0.{i}", now=0)
    assert lim.retry_after("10.9.9.9", now=0) > 0
    assert lim.retry_after("10.9.9.9", now=1.01) == 0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(max_size=45) | st.ip_addresses().map(str), min_size=1, max_size=300))
def test_rate_limit_memory_is_bounded(addresses):
    """dashboard-login item 9, the class: whatever addresses fail, the limiter keeps at most max_clients of them."""
    lim = RateLimiter(max_clients=50)
    for i, a in enumerate(addresses):
        lim.failed(a, now=float(i))
        assert len(lim.clients) <= 50
        lim.retry_after(a, now=float(i))


# -- the class: every route is behind the login ------------------------------------------------

ROUTES = ["/", "/workflow", "/cancel", "/fork", "/nothing", "", "/login/x", "//", "/workflow/"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE"]),
       path=st.sampled_from(ROUTES) | st.text(max_size=10).map(lambda s: "/" + s),
       query=st.sampled_from(["", "id=A-1", "status=parked"]) | st.text(max_size=10),
       cookie=st.none() | st.text(alphabet="v1.0123456789abcdef", max_size=110),
       bearer=st.none() | st.text(max_size=30), accept=st.sampled_from(["", "text/html", "*/*"]))
def test_every_route_needs_the_login(store, method, path, query, cookie, bearer, accept):
    """dashboard-login, the class: for any route but /login and /logout, any method, and any credentials
    that are not the token (a made-up cookie, a wrong bearer), the answer is a 303 to the login
    page (a browser's GET) or a 401 (429 once locked out); nothing shows a workflow, nothing changes."""
    if path in ("/login", "/logout") or bearer == TOKEN:
        return
    url, engine = store
    app = Dashboard(url, engine=engine, auth=Auth(TOKEN))
    headers = {"Origin": "http://127.0.0.1", "Accept": accept}
    if bearer is not None:
        headers["Authorization"] = f"Bearer {bearer}"
    before = [(r.id, r.status) for r in engine.store.list()]
    r = req(app, method, path, query, body=b"id=A-1&new_id=QQ", headers=headers, cookie=cookie)
    assert r.code in (303, 401, 429), (r.code, r.text[:200])
    if r.code == 303:
        assert method in ("GET", "HEAD") and "text/html" in accept and r.headers["Location"].startswith(PREFIX + "/login")
    assert "data-id=" not in r.text and "id='frames'" not in r.text
    assert [(r.id, r.status) for r in engine.store.list()] == before


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/login", "/logout"]), method=st.sampled_from(["GET", "HEAD", "POST", "PUT"]),
       fields=st.dictionaries(st.sampled_from(["token", "next", "x"]),
                              st.sampled_from([TOKEN, TOKEN + "x", "", "/workflow?id=A-1", "//evil"]) | st.text(max_size=8),
                              max_size=3),
       in_query=st.booleans(), raw=st.none() | st.binary(max_size=30),
       origin=st.sampled_from([None, "http://127.0.0.1", "http://evil.example", "null"]))
def test_the_login_routes_give_a_cookie_for_the_token_only(store, path, method, fields, in_query, raw, origin):
    """dashboard-login items 6-8, the class: whatever is sent to /login and /logout, the answer
    is below 500, and a session cookie is set only when the token is the dashboard's (then
    with all its attributes); nothing shows a workflow."""
    url, engine = store
    app = Dashboard(url, engine=engine, auth=Auth(TOKEN))
    encoded = urllib.parse.urlencode(fields)
    body = raw if raw is not None else (b"" if in_query else encoded.encode())
    headers = {"Origin": origin} if origin else {}
    r = req(app, method, path, encoded if in_query else "", body=body, headers=headers)
    assert r.code < 500, r.text
    assert "data-id=" not in r.text
    cookie = r.headers.get("Set-Cookie")
    if cookie is not None and not cookie.startswith(f"{COOKIE}=;"):
        sent = urllib.parse.parse_qs(encoded if in_query else body.decode("utf-8", "replace"))
        assert path == "/login" and sent.get("token") == [TOKEN], (method, fields, raw)
        assert {"HttpOnly", "SameSite=Strict", f"Path={PREFIX}/"} <= {a.strip() for a in cookie.split(";")}
        assert app.auth.sessions.valid(cookie_of(r)[0])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40) | st.sampled_from(["//evil.example/", "/\\evil", "https://evil.example",
                                                "/%2F/evil", "/login", " /x", "/\r\nSet-Cookie: a=b"]))
def test_the_redirect_after_login_stays_in_the_dashboard(nxt):
    """dashboard-login, the class (an open redirect): whatever `next` a login carries, where it sends the
    browser is a path under the dashboard's prefix on the same site, with no line break."""
    target = PREFIX + safe_next(nxt)
    parts = urllib.parse.urlsplit(target)
    assert not parts.scheme and not parts.netloc and target.startswith(PREFIX + "/")
    assert not target.startswith(PREFIX + "//") and all(32 < ord(c) < 127 for c in target)


def test_the_apps_pages_are_not_behind_the_login(store):
    """dashboard-login: `turmeric serve APP.tm --dashboard` puts only /dashboard/ behind the login."""
    url, engine = store

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"the app"]
    mounted = Mount(app, PREFIX, Dashboard(url, engine=engine, auth=Auth(TOKEN)))
    r = call(mounted, "GET", "/", login=False)
    assert r.code == 200 and r.text == "the app"
    assert call(mounted, "GET", "/dashboardx", login=False).text == "the app"
    for path in (PREFIX + "/", PREFIX + "/workflow"):
        assert call(mounted, "GET", path, "id=A-1", login=False).code == 401
    r = call(mounted, "GET", PREFIX, "status=parked", login=False)     # to where the cookie is sent
    assert r.code == 308 and r.headers["Location"] == PREFIX + "/?status=parked"


# -- the token's sources -----------------------------------------------------------------------

def test_token_sources(tmp_path, monkeypatch):
    """dashboard-login: the token comes from the argument, else the file's first line, else
    TURMERIC_DASHBOARD_TOKEN; a short one or an empty file is a value error, a missing file no-input."""
    f = tmp_path / "token"
    f.write_text("# the dashboard's\n\n  " + TOKEN + "  \nsecond-line-ignored-0123\n")
    assert read_token_file(str(f)) == TOKEN
    monkeypatch.setenv("TURMERIC_DASHBOARD_TOKEN", "from-the-environment-123")
    assert configured_token() == "from-the-environment-123"
    assert configured_token(token_file=str(f)) == TOKEN
    assert configured_token("an-argument-0123456789", str(f)) == "an-argument-0123456789"
    monkeypatch.delenv("TURMERIC_DASHBOARD_TOKEN")
    assert configured_token() is None
    for text, kind in (("short\n", "value"), ("# only a comment\n", "value"), ("a b c d e f g h i j\n", "value")):
        f.write_text(text)
        with pytest.raises(TurmericError) as e:
            read_token_file(str(f))
        assert e.value.kind == kind
    with pytest.raises(TurmericError) as e:
        read_token_file(str(tmp_path / "nothing"))
    assert e.value.kind == "no-input"


def test_dashboard_app_needs_a_token_unless_told_there_is_no_login(store, monkeypatch):
    """dashboard-login: the WSGI entry without a token is a usage error with a hint; login=False (behind a
    proxy that authenticates) opens it; a token given with login=False is a usage error."""
    url, _ = store
    monkeypatch.delenv("TURMERIC_DASHBOARD_TOKEN", raising=False)
    with pytest.raises(TurmericError) as e:
        dashboard_app(url)
    assert e.value.kind == "usage" and "TURMERIC_DASHBOARD_TOKEN" in e.value.hint
    assert call(dashboard_app(url, login=False), login=False).code == 200
    with pytest.raises(TurmericError):
        dashboard_app(url, TOKEN, login=False)
    monkeypatch.setenv("TURMERIC_DASHBOARD_TOKEN", TOKEN)
    assert call(dashboard_app(url), login=False).code == 401
    assert call(dashboard_app(url)).code == 401      # test_dashboard's bearer is another token


def test_is_loopback():
    assert all(map(is_loopback, ["127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost", "LOCALHOST"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "10.0.0.1", "example.com", "", "192.168.1.1"]))


def test_the_clis_session_default_is_the_dashboards():
    assert serve_cli.DEFAULT_SESSION == auth_mod.DEFAULT_SESSION


# -- under `turmeric serve` --------------------------------------------------------------------

def serve(folder, *extra, env=None):
    e = dict(os.environ if env is None else env)
    e.setdefault("TURMERIC_CACHE", str(folder / "cache"))
    e.pop("TURMERIC_DASHBOARD_TOKEN", None) if env is None else None
    cmd = [sys.executable, "-m", "turmeric.cli", "serve", "--dashboard", "--store", str(folder / "dash.db"),
           "--port", "0", "--quiet", *extra]
    return subprocess.Popen(cmd, cwd=folder, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def listening(proc) -> tuple[str, int]:
    line = proc.stdout.readline()
    m = re.search(r"on http://([^/:]+):(\d+)/", line)
    assert m, (line, proc.stderr.read() if proc.poll() is not None else "")
    return m.group(1), int(m.group(2))


def fetch(host, port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def stop(proc) -> str:
    """Kills the server; what it wrote to standard error."""
    proc.kill()
    proc.wait(timeout=30)
    err = proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    return err


def test_under_turmeric_serve_login_then_cancel(tmp_path):
    """dashboard-login: `turmeric serve --dashboard --dashboard-token-file F` on loopback: without a login
    the list is a 401 and a cancel is refused and changes nothing; after logging in through the
    form (http.client) the cookie cancels the workflow; the bearer token works too."""
    _, engine = make_store(tmp_path)
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "token").chmod(0o644)
    proc = serve(tmp_path, "--dashboard-token-file", str(tmp_path / "token"))
    log = ""
    try:
        host, port = listening(proc)
        origin = {"Origin": f"http://{host}:{port}", "Content-Type": "application/x-www-form-urlencoded"}
        assert fetch(host, port, "GET", "/dashboard/")[0] == 401
        status, headers, _ = fetch(host, port, "GET", "/dashboard/", headers=HTML_ACCEPT)
        assert status == 303 and headers["location"] == "/dashboard/login"
        assert fetch(host, port, "POST", "/dashboard/cancel", b"id=A-1", origin)[0] == 401
        assert engine.store.must_get("A-1").status == "parked"
        status, _, page = fetch(host, port, "POST", "/dashboard/login", b"token=wrong", origin)
        assert status == 401 and 'id="error"' in page
        status, headers, _ = fetch(host, port, "POST", "/dashboard/login",
                                  urllib.parse.urlencode({"token": TOKEN, "next": "/workflow?id=A-1"}).encode(), origin)
        assert status == 303 and headers["location"] == "/dashboard/workflow?id=A-1"
        cookie = headers["set-cookie"].split(";")[0]
        assert "HttpOnly" in headers["set-cookie"] and "Path=/dashboard/" in headers["set-cookie"]
        status, headers, _ = fetch(host, port, "POST", "/dashboard/login", f"token={TOKEN}".encode(),
                                   {**origin, "X-Forwarded-Proto": "https"})   # no --trust-proxy: ignored
        assert status == 303 and "Secure" not in headers["set-cookie"]
        status, _, page = fetch(host, port, "GET", "/dashboard/workflow?id=A-1", headers={"Cookie": cookie})
        assert status == 200 and "id='frames'" in page
        status, headers, _ = fetch(host, port, "POST", "/dashboard/cancel", b"id=A-1", {**origin, "Cookie": cookie})
        assert status == 303 and engine.store.must_get("A-1").status == "cancelled"
        status, _, page = fetch(host, port, "GET", "/dashboard/?status=cancelled",
                               headers={"Authorization": f"Bearer {TOKEN}"})
        assert status == 200 and 'data-id="A-1"' in page
    finally:
        log = stop(proc)
    assert "can be read by other users (chmod 600 it)" in log     # the file is 0644 here
    assert "failed login from '127.0.0.1'" in log and "Traceback" not in log


def test_trust_proxy_takes_the_proxys_scheme_and_address(tmp_path):
    """dashboard-login: with --trust-proxy 127.0.0.1, a login whose proxy says https gets a Secure cookie,
    and the rate limit counts the X-Forwarded-For client, not the proxy."""
    make_store(tmp_path)
    (tmp_path / "token").write_text(TOKEN + "\n")
    (tmp_path / "token").chmod(0o600)
    proc = serve(tmp_path, "--dashboard-token-file", str(tmp_path / "token"), "--trust-proxy", "127.0.0.1")
    log = ""
    try:
        host, port = listening(proc)
        form = {"Origin": f"http://{host}:{port}", "Content-Type": "application/x-www-form-urlencoded"}
        status, headers, _ = fetch(host, port, "POST", "/dashboard/login", f"token={TOKEN}".encode(),
                                   {**form, "X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"})
        assert status == 303 and "Secure" in headers["set-cookie"].split("; ")
        for _ in range(5):
            assert fetch(host, port, "POST", "/dashboard/login", b"token=wrong",
                         {**form, "X-Forwarded-For": "198.51.100.8"})[0] == 401
        assert fetch(host, port, "POST", "/dashboard/login", f"token={TOKEN}".encode(),
                     {**form, "X-Forwarded-For": "198.51.100.8"})[0] == 429
        assert fetch(host, port, "POST", "/dashboard/login", f"token={TOKEN}".encode(),
                     {**form, "X-Forwarded-For": "198.51.100.9"})[0] == 303
    finally:
        log = stop(proc)
    assert "chmod 600" not in log and "failed login from '198.51.100.8'" in log


def test_on_loopback_without_a_token_one_is_made_and_printed(tmp_path):
    """dashboard-login: without a configured token, on loopback, `turmeric serve --dashboard` makes one for
    the run and prints it once to standard error with a login link; the link logs in."""
    make_store(tmp_path)
    proc = serve(tmp_path)
    try:
        host, port = listening(proc)
        first, second = proc.stderr.readline(), proc.stderr.readline()
        token = re.search(r"this run's is (\S+)", first).group(1)
        link = re.search(r"log in to the dashboard at (http://\S+)", second).group(1)
        assert len(token) >= 40 and link.endswith("/dashboard/login?token=" + token)
        assert fetch(host, port, "GET", "/dashboard/")[0] == 401
        status, headers, _ = fetch(host, port, "GET", urllib.parse.urlsplit(link)._replace(scheme="", netloc="").geturl())
        assert status == 303 and headers["location"] == "/dashboard/"
        status, _, page = fetch(host, port, "GET", "/dashboard/", headers={"Cookie": headers["set-cookie"].split(";")[0]})
        assert status == 200 and 'data-id="A-1"' in page
    finally:
        stop(proc)


def cli(folder, *args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("TURMERIC_DASHBOARD_TOKEN", "TURMERIC_DEBUG")}
    env.setdefault("TURMERIC_CACHE", str(folder / "cache"))
    return subprocess.run([sys.executable, "-m", "turmeric.cli", "serve", *args], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)


def test_refuses_to_listen_beyond_loopback_without_a_token(tmp_path):
    """dashboard-login: --host 0.0.0.0 (or any address but loopback) with --dashboard and no token is a
    usage error with a hint, before anything listens; a short token file is a value error, a
    missing one no-input; the dashboard's options without --dashboard are usage errors."""
    store = str(tmp_path / "s.db")
    for host in ("0.0.0.0", "::", "192.0.2.1"):
        r = cli(tmp_path, "--dashboard", "--host", host, "--store", store, "--port", "0")
        assert r.returncode == 64 and "error[usage]" in r.stderr and "needs a login token" in r.stderr
        assert "hint:" in r.stderr and "--dashboard-token-file" in r.stderr and "Traceback" not in r.stderr
        assert r.stdout == ""
    (tmp_path / "short").write_text("abc\n")
    r = cli(tmp_path, "--dashboard", "--dashboard-token-file", str(tmp_path / "short"), "--store", store, "--port", "0")
    assert r.returncode == 1 and "error[value]" in r.stderr and "at least 16" in r.stderr and "short:1:1" in r.stderr
    r = cli(tmp_path, "--dashboard", "--dashboard-token-file", str(tmp_path / "missing"), "--store", store)
    assert r.returncode == 66 and "error[no-input]" in r.stderr
    for extra in (["--dashboard-token-file", str(tmp_path / "short")], ["--dashboard-session", "60"]):
        r = cli(tmp_path, str(ROOT / "examples" / "web" / "guess.tm"), *extra, "--store", store)
        assert r.returncode == 64 and "are for --dashboard" in r.stderr
    for seconds in ("0", "0.5", "-3", "nan"):
        r = cli(tmp_path, "--dashboard", "--dashboard-session", seconds, "--store", store)
        assert r.returncode == 64 and "--dashboard-session" in r.stderr
    assert not any("Traceback" in x for x in (r.stderr,))
