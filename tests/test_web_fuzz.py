"""HTTP-level fuzzing of a real `turmeric serve` (#12 item 5): every kind of bad token and
malformed request gets a response whose status is not 5xx and whose body holds no Python
traceback, and the server's log holds none either.

Hypothesis draws the token bytes (random bytes as a token body, a valid token with bytes
changed, cut, inserted; a valid token's signed data changed and re-compressed) and the bytes
of whole requests (sent over a raw socket, so the request line and headers can be anything)."""
from __future__ import annotations

import base64
import socket
import urllib.parse
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from web_server import Client, serve_app

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "examples" / "web" / "wizard.tm"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])


@pytest.fixture(scope="module", params=["stateful", "stateless"])
def server(request):
    srv = []
    with serve_app(APP, stateless=request.param == "stateless", server=srv):
        s = srv[0]
        c = Client(s.base_url)
        first = c.get("/")
        s.token = first.action[len("/k/"):]
        # a one-shot page, used once already
        r = c.post(c.post(c.post(first.action, {"name": "F"}).action, {"email": "f@x"}).action, {"plan": "pro"})
        s.one_shot = r.action[len("/k/"):]
        assert c.post(r.action).status == 200
        s.client = c
        yield s
        assert "Traceback" not in s.log()


def check(r):
    assert r.status < 500, (r.status, r.body)
    assert "Traceback" not in r.body and "error[internal]" not in r.body


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@FUZZ
@given(st.binary(max_size=600), st.sampled_from(["s1.k1.", "s1.zz.", "p", "", "s1."]))
def test_random_token_bytes(server, data, prefix):
    """#12 item 5: random bytes as a token (base64 of them after a token's prefix)."""
    r = server.client.post("/k/" + prefix + b64(data), {"name": "x"})
    check(r)
    assert r.status in (400, 403, 404), r.body


@FUZZ
@given(st.data())
def test_a_valid_token_changed_cut_or_extended(server, data):
    """#12 item 5: a good token with characters replaced, removed, inserted or cut off."""
    t = list(server.token)
    op = data.draw(st.sampled_from(["replace", "delete", "insert", "cut"]))
    i = data.draw(st.integers(0, len(t) - 1))
    ch = data.draw(st.sampled_from("ABCxyz019-_.%~"))
    if op == "replace":
        if t[i] == ch:
            ch = "Q"
        t[i] = ch
    elif op == "delete":
        del t[i]
    elif op == "insert":
        t.insert(i, ch)
    else:
        t = t[:i]
    token = "".join(t)
    r = server.client.post("/k/" + urllib.parse.quote(token, safe=".-_~%"), {"name": "x"})
    check(r)
    assert r.status in (400, 403, 404), r.body


@FUZZ
@given(st.data())
def test_signed_data_changed_and_recompressed(server, data):
    """#12 item 5: the signed bytes inside a stateless token changed (a byte flipped, cut,
    extended), then compressed and encoded again: the signature catches every one (403)."""
    if not server.token.startswith("s1."):
        inner = data.draw(st.binary(min_size=1, max_size=200))
        r = server.client.post("/k/s1.k1." + b64(zlib.compress(inner)), {"name": "x"})
        check(r)
        assert r.status == 403     # a stateless token on a stateful server
        return
    _, kid, body = server.token.split(".")
    raw = bytearray(zlib.decompress(unb64(body)))
    i = data.draw(st.integers(0, len(raw) - 1))
    op = data.draw(st.sampled_from(["flip", "cut", "extend"]))
    if op == "flip":
        raw[i] ^= data.draw(st.integers(1, 255))
    elif op == "cut":
        raw = raw[:i]
    else:
        raw += data.draw(st.binary(min_size=1, max_size=8))
    r = server.client.post(f"/k/s1.{kid}." + b64(zlib.compress(bytes(raw))), {"name": "x"})
    check(r)
    assert r.status in (400, 403), r.body


def test_replayed_one_shot_and_huge_tokens(server):
    """#12 item 5: a one-shot page replayed, and tokens of every size up to far past the limit."""
    for _ in range(3):
        r = server.client.post("/k/" + server.one_shot)
        check(r)
        assert r.status == 409
    for n in (1, 100, 4000, 70_000):
        r = server.client.post("/k/" + "A" * n)
        check(r)
        assert r.status == 400


def raw_request(base_url: str, data: bytes) -> tuple[int | None, bytes]:
    host, port = urllib.parse.urlsplit(base_url).hostname, urllib.parse.urlsplit(base_url).port
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        chunks = []
        while True:
            try:
                b = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not b:
                break
            chunks.append(b)
    out = b"".join(chunks)
    if not out:
        return None, out
    status = out.split(b"\r\n", 1)[0].split(b" ")
    return int(status[1]), out


MALFORMED = [
    b"GET /k/\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST /k/p0 HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nname=%ZZ%",
    b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\nCookie: \x00\x01=\xff; a\r\n\r\n",
    b"BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET http://evil.example/k/x HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/9.9\r\n\r\n",
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",          # a TLS hello
    b"GET /?" + b"&".join(b"p%d=1" % i for i in range(1500)) + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\nxx",
]


@pytest.mark.parametrize("i", range(len(MALFORMED)))
def test_malformed_requests(server, i):
    """#12 item 5: hand-written malformed requests: a 4xx, a 200 for what is still a request,
    or the connection closed; never a 5xx."""
    status, out = raw_request(server.base_url, MALFORMED[i])
    assert status is None or status < 500, out[:300]
    assert b"Traceback" not in out


@FUZZ
@given(st.binary(max_size=300), st.sampled_from([b"GET", b"POST", b"PUT", b"\xff"]))
def test_random_request_bytes(server, junk, method):
    """#12 item 5: a request line and headers of random bytes."""
    data = method + b" /k/" + junk + b" HTTP/1.1\r\nHost: x\r\n" + junk + b"\r\n\r\n"
    status, out = raw_request(server.base_url, data)
    assert status is None or status < 500, out[:300]
    assert b"Traceback" not in out
