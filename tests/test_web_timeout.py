"""A request timeout (#12 leftover, "no request timeout"): all of an app's Turmeric code runs
on one thread, so one request that never ends blocked every other for ever. Past
`--request-timeout` its code is stopped (even a catch-everything loop) with a 503 page, the
requests queued behind it get theirs, and the server answers the next request as before.
Served by a real `turmeric serve` (waitress) on loopback."""
from __future__ import annotations

import threading
import time

from web_server import Client, serve_app

APP = """(import web)
(defn spin [] (loop [i 0] (recur (inc i))))
(defn start [req]
  (case (:path req)
    "/spin" (spin)
    "/stubborn" (try (spin) (catch Exception e :swallowed))
    "/slow" (do (sleep-ms 300) [:p "slow but in time"])
    [:p "fine"]))
"""


def test_a_request_past_the_timeout_is_a_503_and_the_server_goes_on(tmp_path):
    app = tmp_path / "spin.tm"
    app.write_text(APP, encoding="utf-8")
    srv = []
    with serve_app(app, extra=["--request-timeout", "1"], server=srv):
        c = Client(srv[0].base_url)
        assert c.get("/").body == "<p>fine</p>"
        for path in ("/spin", "/stubborn"):
            began = time.monotonic()
            r = c.get(path)
            assert r.status == 503, (path, r.body)
            assert "did not answer within 1 s" in r.text("error")
            assert r.headers.get("retry-after") == "5"
            assert time.monotonic() - began < 10
        assert c.get("/slow").body == "<p>slow but in time</p>"
        # two requests at once behind a spinning one: both get an answer, none hangs
        answers = []
        threads = [threading.Thread(target=lambda p=p: answers.append((p, Client(srv[0].base_url).get(p).status)))
                   for p in ("/spin", "/", "/")]
        for t in threads:
            t.start()
            time.sleep(0.1)
        for t in threads:
            t.join(timeout=30)
        # each got an answer in time: the spinning one its 503, those queued behind it a page
        # (200) or, if they waited past their own timeout, a 503: never a hang
        assert len(answers) == 3 and ("/spin", 503) in answers, answers
        assert all(status in (200, 503) for _p, status in answers), answers
        assert c.get("/").body == "<p>fine</p>"
        log = srv[0].log()
        assert "ran past the request timeout of 1 s" in log and "Traceback" not in log


def test_a_negative_request_timeout_is_a_usage_error(run_tm, tmp_path):
    app = tmp_path / "spin.tm"
    app.write_text(APP, encoding="utf-8")
    bad = run_tm("serve", str(app), "--request-timeout", "-1")
    assert bad.returncode == 64 and b"--request-timeout" in bad.stderr
