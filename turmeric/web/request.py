"""WSGI requests as Turmeric maps, Turmeric responses as WSGI responses (spec/web.md section 2).

A request is a map, as in Ring:

    {:method :post  :path "/k/..."  :query-string "a=1"  :params {"n" "3"}
     :headers {"user-agent" "..."}  :cookies {"sid" "..."}  :body ""  :remote-addr "127.0.0.1"}

`:params` holds the query string's parameters and, for a url-encoded form, the body's (a name
given several times has a vector of its values). Everything is decoded as UTF-8, with
U+FFFD for bytes that are not, so no request can make parsing fail with a Python error.
"""
from __future__ import annotations

import http.cookies
from urllib.parse import parse_qsl

from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import Keyword, PMap, PList, is_vector, vector
from turmeric.web import html

MAX_BODY = 1024 * 1024        # bytes of a request body
MAX_FIELDS = 1000             # parameters in a query string or form

K = {n: Keyword(n) for n in ("method", "path", "query-string", "params", "headers", "cookies", "body",
                             "remote-addr", "status")}
FORM = "application/x-www-form-urlencoded"


class BadRequest(Exception):
    """A request the server answers itself, before any Turmeric code runs."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _wsgi_str(s: str) -> str:
    """A WSGI environ string (bytes as latin-1) as the UTF-8 text it holds."""
    try:
        return s.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:
        return s


def _params(text: str, into: dict):
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="replace",
                          max_num_fields=MAX_FIELDS)
    except ValueError:
        raise BadRequest(413, f"the request has more than {MAX_FIELDS} parameters") from None
    for k, v in pairs:
        if k in into:
            old = into[k]
            into[k] = (old if type(old) is list else [old]) + [v]
        else:
            into[k] = v


def read_body(environ) -> bytes:
    raw = environ.get("CONTENT_LENGTH") or ""
    if not raw.strip():
        return b""
    try:
        n = int(raw)
    except ValueError:
        raise BadRequest(400, "the Content-Length header is not a number") from None
    if n < 0:
        raise BadRequest(400, "the Content-Length header is negative")
    if n > MAX_BODY:
        raise BadRequest(413, f"the request body is larger than {MAX_BODY} bytes")
    stream = environ.get("wsgi.input")
    if stream is None or n == 0:
        return b""
    data = stream.read(n)
    if len(data) != n:
        raise BadRequest(400, "the request body is shorter than its Content-Length")
    return data


def parse(environ) -> dict:
    """The parts of a request, as plain Python (built into a map on the Turmeric thread)."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    path = _wsgi_str(environ.get("PATH_INFO", "") or "/")
    query = _wsgi_str(environ.get("QUERY_STRING", "") or "")
    params: dict = {}
    _params(query, params)
    headers = {}
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers[key[5:].replace("_", "-").lower()] = _wsgi_str(value)
    for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if environ.get(key):
            headers[key.replace("_", "-").lower()] = _wsgi_str(environ[key])
    body = read_body(environ)
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    if ctype == FORM:
        _params(text, params)
    cookies = {}
    if "cookie" in headers:
        jar = http.cookies.SimpleCookie()
        for part in headers["cookie"].split(";"):
            try:
                jar.load(part)
            except http.cookies.CookieError:
                continue        # a malformed cookie is left out, not an error
        cookies = {k: m.value for k, m in jar.items()}
    return {"method": method, "path": path, "query": query, "params": params, "headers": headers,
            "cookies": cookies, "body": text, "remote": environ.get("REMOTE_ADDR", "")}


def to_map(r: dict) -> PMap:
    params = PMap.from_pairs([(k, vector(v) if type(v) is list else v) for k, v in r["params"].items()])
    return PMap.from_pairs([
        (K["method"], Keyword(r["method"].lower())),
        (K["path"], r["path"]),
        (K["query-string"], r["query"]),
        (K["params"], params),
        (K["headers"], PMap.from_pairs(list(r["headers"].items()))),
        (K["cookies"], PMap.from_pairs(list(r["cookies"].items()))),
        (K["body"], r["body"]),
        (K["remote-addr"], r["remote"]),
    ])


# -- responses -----------------------------------------------------------------------------

def app_error(message: str) -> TurmericError:
    return TurmericError("type", f"web: {message}",
                         hint="a response is a map {:status :headers :body}, a hiccup vector or a string")


def _header_name(k) -> str:
    name = k.name if type(k) is Keyword else k if isinstance(k, str) else None
    if not name or any(c in name for c in " \t\r\n:") or not name.isascii():
        raise app_error(f"{pr_str(k)} is not a header name")
    return name


def _header_value(name: str, v) -> list[str]:
    if is_vector(v) or type(v) is PList:
        out = []
        for x in v:
            out += _header_value(name, x)
        return out
    if type(v) in (int, float):
        v = str(v)
    if not isinstance(v, str):
        raise app_error(f"the header {name} has a value that is not a string: {pr_str(v)[:80]}")
    if "\r" in v or "\n" in v or "\0" in v:
        raise app_error(f"the header {name} has a line break in its value")
    try:
        v.encode("latin-1")
    except UnicodeEncodeError:
        raise app_error(f"the header {name} has characters outside Latin-1 (percent-encode them)") from None
    return [v]


def to_response(value) -> tuple[int, list, bytes]:
    """(status, headers, body) of what the app returned."""
    if is_vector(value):
        return 200, [("Content-Type", "text/html; charset=utf-8")], html.render(value).encode("utf-8")
    if isinstance(value, str):
        return 200, [("Content-Type", "text/plain; charset=utf-8")], value.encode("utf-8")
    if type(value) is not PMap:
        raise app_error(f"the app returned {pr_str(value)[:80]}, which is not a response")
    status = value.get(K["status"], 200)
    if type(status) is not int or not 100 <= status <= 599:
        raise app_error(f"a response's :status is an integer from 100 to 599, got {pr_str(status)[:40]}")
    headers: list[tuple[str, str]] = []
    hmap = value.get(K["headers"])
    if hmap is not None:
        if type(hmap) is not PMap:
            raise app_error(f"a response's :headers is a map, got {pr_str(hmap)[:80]}")
        for k, v in hmap.items():
            name = _header_name(k)
            if name.lower() == "content-length":
                continue
            headers += [(name, x) for x in _header_value(name, v)]
    body = value.get(K["body"])
    has_type = any(n.lower() == "content-type" for n, _ in headers)
    if body is None:
        data = b""
    elif isinstance(body, str):
        data = body.encode("utf-8")
        if not has_type:
            headers.append(("Content-Type", "text/plain; charset=utf-8"))
    elif isinstance(body, bytes):
        data = body
        if not has_type:
            headers.append(("Content-Type", "application/octet-stream"))
    elif is_vector(body) or type(body) is PList:
        data = html.render(body).encode("utf-8")
        if not has_type:
            headers.append(("Content-Type", "text/html; charset=utf-8"))
    else:
        raise app_error(f"a response's :body is a string, bytes or hiccup, got {pr_str(body)[:80]}")
    return status, headers, data
