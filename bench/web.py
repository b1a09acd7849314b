"""Web continuations, measured (#12 item 7), in one run:

- the size of a stateless token for each page of each example of examples/web/ (characters
  in the URL; the signed serialized bytes before compression);
- the time to park and resume a page (a POST to a page's link: load its continuation, resume
  it with the request, run to the next send-suspend, save that page, render it), stateful
  (SQLite store, synchronous=FULL, in a temporary folder) and stateless, against a bare WSGI
  hello-world, all three under the same waitress server (one process, mounted at /hello,
  /stateful and /stateless) in the same run, one keep-alive client in another process; the
  three are measured in interleaved rounds so a busy moment of the shared machine hits all;
- the same three as direct WSGI calls in one process (no HTTP, no server).

    python bench/web.py [--requests N] [--rounds R]
"""
from __future__ import annotations

import argparse
import base64
import io
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from waitress import create_server  # noqa: E402

from turmeric.cli.serve import Mount  # noqa: E402
from turmeric.runtime import machine  # noqa: E402
from turmeric.web import app_for  # noqa: E402
from web_server import Client  # noqa: E402

EX = ROOT / "examples" / "web"


def hello(environ, start_response):
    body = b"Hello, world!\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def wsgi(app, method, path, form: str = ""):
    path, _, query = path.partition("?")
    body = form.encode()
    env = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query, "wsgi.input": io.BytesIO(body),
           "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/x-www-form-urlencoded",
           "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    seen = {}

    def sr(status, headers, exc_info=None):
        seen["status"] = status
    out = b"".join(app(env, sr)).decode()
    assert seen["status"].startswith("200"), (seen, out[:300])
    return out


def action(page: str) -> str:
    return re.search(r'<form action="([^"]+)"', page).group(1).replace("&amp;", "&")


def token_of(url: str) -> str:
    return url.split("/k/", 1)[1] if "/k/" in url else url.split("token=", 1)[1]


def signed_bytes(token: str) -> int:
    body = token.split(".")[2]
    return len(zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def token_sizes(folder: str, keys: str) -> list[tuple[str, str, int, int]]:
    rows = []

    def note(example, page, url):
        t = token_of(url)
        rows.append((example, page, len(t), signed_bytes(t)))

    app = app_for(str(EX / "guess.tm"), store=os.path.join(folder, "t.db"), stateless=True, key_file=keys)
    p = wsgi(app, "GET", "/?seed=3")
    note("guess", "first guess", action(p))
    for i, n in enumerate(("50", "25", "12")):
        p = wsgi(app, "POST", action(p), f"n={n}")
        note("guess", f"after {i + 1} guess{'es' if i else ''}", action(p))
    app = app_for(str(EX / "wizard.tm"), store=os.path.join(folder, "t.db"), stateless=True, key_file=keys)
    p = wsgi(app, "GET", "/")
    note("wizard", "step 1 (name)", action(p))
    p = wsgi(app, "POST", action(p), "name=Ann")
    note("wizard", "step 2 (e-mail)", action(p))
    p = wsgi(app, "POST", action(p), "email=ann%40example.org")
    note("wizard", "step 3 (plan)", action(p))
    p = wsgi(app, "POST", action(p), "plan=pro")
    note("wizard", "confirm (one-shot)", action(p))
    app = app_for(str(EX / "checkout.tm"), store=os.path.join(folder, "t.db"), stateless=True, key_file=keys)
    p = wsgi(app, "GET", "/checkout")
    note("checkout", "pay (one-shot)", action(p))
    return rows


def serve(folder: str, keys: str):
    """The server process: one waitress, three apps."""
    stateful = app_for(str(EX / "guess.tm"), store=os.path.join(folder, "pages.db"))
    stateless = app_for(str(EX / "guess.tm"), store=os.path.join(folder, "pages.db"), stateless=True, key_file=keys)
    app = Mount(Mount(Mount(None, "/hello", hello), "/stateful", stateful), "/stateless", stateless)
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    print(f"port {server.effective_port}", flush=True)
    server.run()


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * (len(xs) - 1)))]


def us(x: float) -> str:
    return f"{1e6 * x:,.0f} us" if x >= 1e-5 else f"{1e6 * x:.1f} us"


def row(name, xs):
    return (f"| {name} | {us(statistics.median(xs))} | {us(percentile(xs, 0.9))} | "
            f"{us(percentile(xs, 0.99))} | {len(xs) / sum(xs):,.0f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=600, help="requests per kind (default 600)")
    ap.add_argument("--rounds", type=int, default=12, help="interleaved rounds (default 12)")
    ap.add_argument("--serve", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    machine.allow_deep_python_stack()
    if args.serve:
        return serve(*args.serve)
    with tempfile.TemporaryDirectory() as folder:
        keys = os.path.join(folder, "keys")
        Path(keys).write_text(f"k1 {secrets.token_hex(32)}\n")
        print("## Stateless token sizes\n")
        print("| example | page | token (characters) | signed bytes before compression |")
        print("|---|---|---:|---:|")
        for ex, page, chars, raw in token_sizes(folder, keys):
            print(f"| {ex} | {page} | {chars} | {raw} |")

        # in-process WSGI calls
        st = app_for(str(EX / "guess.tm"), store=os.path.join(folder, "inproc.db"))
        sl = app_for(str(EX / "guess.tm"), store=os.path.join(folder, "inproc.db"), stateless=True, key_file=keys)
        pages = {"stateful": action(wsgi(st, "GET", "/?seed=3")), "stateless": action(wsgi(sl, "GET", "/?seed=3"))}
        inproc = {"hello": [], "stateful": [], "stateless": []}
        per_round = max(1, args.requests // args.rounds)
        for _ in range(args.rounds):
            for name, app in (("hello", hello), ("stateful", st), ("stateless", sl)):
                for _ in range(per_round):
                    t = time.perf_counter()
                    if name == "hello":
                        wsgi(app, "GET", "/")
                    else:
                        wsgi(app, "POST", pages[name], "n=1")
                    inproc[name].append(time.perf_counter() - t)

        proc = subprocess.Popen([sys.executable, __file__, "--serve", folder, keys], stdout=subprocess.PIPE, text=True)
        try:
            port = int(proc.stdout.readline().split()[1])
            c = Client(f"http://127.0.0.1:{port}")
            pages = {k: action(c.get(f"/{k}/?seed=3").body) for k in ("stateful", "stateless")}
            http = {"hello": [], "stateful": [], "stateless": []}
            for _ in range(args.rounds):
                for name in http:
                    for _ in range(per_round):
                        t = time.perf_counter()
                        if name == "hello":
                            r = c.get("/hello/")
                        else:
                            r = c.post(pages[name], {"n": "1"})
                        http[name].append(time.perf_counter() - t)
                        assert r.status == 200, r.body[:200]
        finally:
            proc.kill()
            proc.wait()
        print(f"\n## Park and resume a page ({per_round * args.rounds} requests each, "
              f"{args.rounds} interleaved rounds)\n")
        print("| what | median | p90 | p99 | requests/s (one client) |")
        print("|---|---:|---:|---:|---:|")
        print(row("HTTP: bare WSGI hello-world (waitress)", http["hello"]))
        print(row("HTTP: park + resume, stateful (SQLite)", http["stateful"]))
        print(row("HTTP: park + resume, stateless (signed token)", http["stateless"]))
        print(row("in process: hello-world WSGI call", inproc["hello"]))
        print(row("in process: park + resume, stateful", inproc["stateful"]))
        print(row("in process: park + resume, stateless", inproc["stateless"]))


if __name__ == "__main__":
    main()
