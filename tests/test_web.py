"""Web continuations over HTTP (#12): every page is a continuation behind its link, served by a
real `turmeric serve` (waitress) on loopback, in both token modes.

The flows are the examples of examples/web/ (checkout, wizard, guess), played with http.client
as a browser would: a page, a submit, back (submitting an older page again), two tabs, a
restart of the server between two pages, a one-shot double submit, and every kind of bad
token, each with its page and status."""
from __future__ import annotations

import base64
import re
import secrets
import shutil
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest

from web_server import Client, serve_app, write_key_file

ROOT = Path(__file__).resolve().parent.parent
EX = ROOT / "examples" / "web"
MODES = ["stateful", "stateless"]


@pytest.fixture(scope="module", params=MODES)
def guess(request):
    srv = []
    with serve_app(EX / "guess.tm", stateless=request.param == "stateless", server=srv):
        yield srv[0]


@pytest.fixture(scope="module", params=MODES)
def checkout(request):
    srv = []
    with serve_app(EX / "checkout.tm", stateless=request.param == "stateless", server=srv):
        yield srv[0]


@pytest.fixture(scope="module", params=MODES)
def wizard(request):
    srv = []
    with serve_app(EX / "wizard.tm", stateless=request.param == "stateless", server=srv):
        yield srv[0]


def play_guess(c: Client, seed: int, first=None, already: int = 0):
    """Bisection from the first page (or the page `first`, after `already` guesses): (number, guesses)."""
    r = first or c.get(f"/?seed={seed}")
    assert r.status == 200, r.body
    lo, hi, tries = 1, 100, already
    while True:
        mid = (lo + hi) // 2
        r = c.post(r.action, {"n": str(mid)})
        tries += 1
        assert r.status == 200, r.body
        msg = r.text("message")
        if msg is not None and "too low" in msg:
            lo = mid + 1
        elif msg is not None and "too high" in msg:
            hi = mid - 1
        else:
            assert r.text("result") == f"You got it: {mid}, in {tries} {'guess' if tries == 1 else 'guesses'}.", r.body
            return mid, tries
        assert lo <= hi, r.body


def assert_error_page(r, status: int, words: str):
    assert r.status == status, (r.status, r.body)
    assert "Traceback" not in r.body and "error[internal]" not in r.body
    assert words in (r.text("error") or ""), r.body
    assert r.headers["content-type"].startswith("text/html")


# -- the examples' flows (#12 items 1, 2, 6) ------------------------------------------------

def test_guess_game_reads_as_straight_line_code(guess):
    """#12 item 1 and 6: the loop of guess.tm asks page after page; the answer is right."""
    c = Client(guess.base_url)
    number, tries = play_guess(c, 7)
    assert 1 <= number <= 100 and 1 <= tries <= 7


def test_back_button_and_a_different_answer_forks(guess):
    """#12 item 4: submitting an older page again (the back button) forks the computation:
    the older branch goes on from where it was, the newer one is untouched."""
    c = Client(guess.base_url)
    first = c.get("/?seed=11")
    low = c.post(first.action, {"n": "1"})
    high = c.post(first.action, {"n": "100"})     # back to the first page, another answer
    assert low.text("message") in ("1 is too low.", None) and high.text("message") in ("100 is too high.", None)
    assert low.action != high.action != first.action
    # both branches are alive and independent: each finishes, counting its own guesses
    n1, t1 = play_guess(c, 11, first=low, already=1)
    n2, t2 = play_guess(c, 11, first=high, already=1)
    assert n1 == n2    # the same secret (the same seed), reached along two histories
    # and the first page still forks a third time
    assert c.post(first.action, {"n": str(n1)}).text("result") == f"You got it: {n1}, in 1 guess."


def test_two_tabs_are_independent(guess):
    """#12 item 4: two games interleaved page by page do not see each other's state."""
    a, b = Client(guess.base_url), Client(guess.base_url)
    ra, rb = a.get("/?seed=1"), b.get("/?seed=2")
    for n in ("50", "25"):
        ra = a.post(ra.action, {"n": n})
        rb = b.post(rb.action, {"n": str(100 - int(n))})
    assert re.fullmatch(r"25 is too (low|high)\.|You got it: 25, in 2 guesses\.",
                        ra.text("message") or ra.text("result"))
    assert re.fullmatch(r"75 is too (low|high)\.|You got it: 75, in 2 guesses\.",
                        rb.text("message") or rb.text("result"))


def test_a_parameter_echoed_back_is_escaped(guess):
    """#12 item 1: hiccup is rendered with escaping: a parameter cannot inject markup."""
    c = Client(guess.base_url)
    r = c.post(c.get("/").action, {"n": '<script>alert(1)</script>"'})
    assert "<script>" not in r.body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in r.body
    assert r.text("message") == '"<script>alert(1)</script>"" is not a number from 1 to 100; try again.'


def test_checkout_charges_once_and_refuses_a_second_submission(checkout):
    """#12 items 3 and 6: the design note's get-checkout / post-checkout-submit; the pay page is
    one-shot: the second submission is a 409 page and nothing is charged twice."""
    c = Client(checkout.base_url)
    before = int(c.get("/charges").body)
    page = c.get("/checkout?amount=30")
    assert page.find(r'id="amount"[^>]*value="(\d+)"') == "30"
    assert page.action.startswith("/checkout-submit?token=")
    paid = c.post(page.action, {"card": "4000123412341234", "amount": "30"})
    assert paid.status == 200 and paid.text("result") == f"Charged 30 to the card ending 1234 (charge {before + 1})."
    again = c.post(page.action, {"card": "4000123412341234", "amount": "30"})
    assert_error_page(again, 409, "submitted already")
    assert int(c.get("/charges").body) == before + 1


def test_concurrent_submissions_of_a_one_shot_page_charge_once(checkout):
    """#12 item 3: 20 simultaneous submissions of one pay page (a double click, a retrying
    proxy): exactly one is charged, every other one gets the 409 page."""
    c = Client(checkout.base_url)
    before = int(c.get("/charges").body)
    pay = c.get("/checkout").action
    results = []

    def submit():
        results.append(Client(checkout.base_url).post(pay, {"card": "4000000000000002", "amount": "5"}))
    threads = [threading.Thread(target=submit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(r.status for r in results) == [200] + [409] * 19, [r.body[:200] for r in results]
    assert int(c.get("/charges").body) == before + 1


@pytest.mark.parametrize("mode", MODES)
def test_one_shot_holds_across_two_servers_on_one_store(mode, tmp_path):
    """#12 item 3: two server processes sharing a store (and a key file): a pay page submitted
    to both at once is charged by exactly one (the store's atomic update decides)."""
    store = tmp_path / "shared.db"
    keys = write_key_file(tmp_path / "keys") if mode == "stateless" else None
    with serve_app(EX / "checkout.tm", stateless=keys is not None, store=store, key_file=keys) as a, \
         serve_app(EX / "checkout.tm", stateless=keys is not None, store=store, key_file=keys) as b:
        pay = Client(a).get("/checkout").action
        results = []

        def submit(url):
            results.append(Client(url).post(pay, {"card": "4000000000000002", "amount": "5"}).status)
        threads = [threading.Thread(target=submit, args=(u,)) for u in [a, b] * 6]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert sorted(results) == [200] + [409] * 11
        assert int(Client(a).get("/charges").body) + int(Client(b).get("/charges").body) == 1


def test_checkout_bad_token_in_the_query_is_an_error_page(checkout):
    """#12 item 4: web/load-continuation of a bad token gives the token's page, not a 500."""
    c = Client(checkout.base_url)
    assert_error_page(c.get("/checkout-submit?token=nonsense"), 400, "malformed")
    assert_error_page(c.post("/checkout-submit"), 400, "malformed")
    assert_error_page(c.get("/checkout-submit?token=p" + "0" * 32), 404, "unknown")


def test_wizard_steps_validation_and_one_shot_confirmation(wizard):
    """#12 item 6: the multi-step form; answers are the continuation's locals."""
    c = Client(wizard.base_url)
    r = c.get("/")
    assert r.text("step") == "Step 1 of 3"
    r = c.post(r.action, {"name": ""})
    assert r.text("message") == "Please give a name."
    r = c.post(r.action, {"name": "Ann & Bo"})
    assert r.text("message") == "Hello, Ann & Bo."
    step2 = r
    r = c.post(r.action, {"email": "nope"})
    assert r.text("message") == '"nope" is not an e-mail address.'
    r = c.post(r.action, {"email": "ann@example.org"})
    r = c.post(r.action, {"plan": "pro"})
    assert r.text("summary") == "Ann & Bo <ann@example.org>, pro plan"
    confirm = r.action
    # back to step 2 with another address: a second sign-up forks off, the first is intact
    other = c.post(c.post(step2.action, {"email": "bo@example.org"}).action, {"plan": "free"})
    assert other.text("summary") == "Ann & Bo <bo@example.org>, free plan"
    done = c.post(confirm)
    assert done.text("result") == "Account created for Ann & Bo <ann@example.org> on the pro plan."
    assert_error_page(c.post(confirm), 409, "submitted already")
    assert c.post(other.action).text("result") == "Account created for Ann & Bo <bo@example.org> on the free plan."


# -- restarts (#12 item 3) ------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
def test_a_restart_between_two_pages_loses_nothing(mode):
    """#12 item 3: the server is killed (SIGKILL) and started again between two pages; the
    pages made before go on, and a one-shot page used before stays used."""
    srv = []
    with serve_app(EX / "wizard.tm", stateless=mode == "stateless", server=srv):
        s = srv[0]
        c = Client(s.base_url)
        r = c.post(c.get("/").action, {"name": "Cy"})
        r = c.post(r.action, {"email": "cy@example.org"})
        confirm_page = c.post(r.action, {"plan": "pro"})
        other = c.post(r.action, {"plan": "free"})
        assert c.post(other.action).status == 200          # used before the restart
        s.restart()
        c = Client(s.base_url)
        done = c.post(confirm_page.action)
        assert done.status == 200, done.body
        assert done.text("result") == "Account created for Cy <cy@example.org> on the pro plan."
        assert_error_page(c.post(other.action), 409, "submitted already")
        assert "Traceback" not in s.log()


def test_stateless_tokens_outlive_a_restart_and_keys_rotate(tmp_path):
    """#12 item 3: the key id travels with a token: after a rotation (a new first key, the old one
    still in the file) old links verify and new ones are signed with the new key; once the old
    key leaves the file its links are a 403 page."""
    old, new = ("k1", secrets.token_hex(32)), ("k2", secrets.token_hex(32))
    keys = write_key_file(tmp_path / "keys", [old])
    srv = []
    with serve_app(EX / "guess.tm", stateless=True, key_file=keys, server=srv):
        s = srv[0]
        c = Client(s.base_url)
        first = c.get("/?seed=5")
        assert first.action.startswith("/k/s1.k1.")
        write_key_file(tmp_path / "keys", [new, old])
        s.restart()
        c = Client(s.base_url)
        r = c.post(first.action, {"n": "1"})      # seed 5's number is 50
        assert r.status == 200 and r.action.startswith("/k/s1.k2.")
        write_key_file(tmp_path / "keys", [new])
        s.restart()
        c = Client(s.base_url)
        assert_error_page(c.post(first.action, {"n": "1"}), 403, "a key this server does not have (k1)")
        assert c.post(r.action, {"n": "1"}).status == 200


@pytest.mark.parametrize("mode", MODES)
def test_a_page_whose_code_changed_is_a_410_page(mode, tmp_path):
    """#12 item 4: a page parked in code that changed since (the versioning issue's
    schema-mismatch) is a 410 page after the restart, never a 500."""
    app = tmp_path / "guess.tm"
    shutil.copy(EX / "guess.tm", app)
    srv = []
    with serve_app(app, stateless=mode == "stateless", server=srv):
        s = srv[0]
        c = Client(s.base_url)
        page = c.get("/?seed=3")
        app.write_text(app.read_text().replace('(str "\\"" text "\\" is not a number', '(str "\\"" text "\\" is no number'))
        s.restart()
        c = Client(s.base_url)
        r = c.post(page.action, {"n": "50"})
        assert_error_page(r, 410, "a version of the application that has changed")
        assert c.get("/").status == 200    # a new game works with the new code


# -- bad tokens, each with its page and status (#12 item 4) -----------------------------------

def _stateless_parts(token: str):
    _, kid, body = token.split(".")
    return kid, zlib.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _stateless_token(kid: str, data: bytes) -> str:
    return f"s1.{kid}." + base64.urlsafe_b64encode(zlib.compress(data)).rstrip(b"=").decode()


def test_bad_tokens_get_their_pages(guess):
    """#12 item 4: each kind of bad token has its page and status."""
    if guess.stateless:
        stateless_bad_tokens(Client(guess.base_url))
    else:
        stateful_bad_tokens(Client(guess.base_url))


def stateless_bad_tokens(c: Client):
    """Tampered 403, truncated 400, unknown key id 403, not a token 400, an unsigned token
    (forged without the key) 403."""
    token = c.get("/").action[len("/k/"):]
    kid, data = _stateless_parts(token)
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0x01
    assert_error_page(c.post("/k/" + _stateless_token(kid, bytes(flipped)), {"n": "5"}), 403, "signature does not verify")
    assert_error_page(c.post("/k/" + token[:-8], {"n": "5"}), 400, "")
    assert_error_page(c.post("/k/" + _stateless_token("k9", data), {"n": "5"}), 403, "does not have (k9)")
    assert_error_page(c.post("/k/s1.k1.%%%", {"n": "5"}), 400, "base64")
    unsigned = data[:4] + bytes([2, 0]) + data[6:-32] + b"\0" * 32    # the same body, marked unsigned
    assert_error_page(c.post("/k/" + _stateless_token(kid, unsigned), {"n": "5"}), 403, "signature does not verify")
    assert c.post("/k/" + token, {"n": "5"}).status == 200     # the good one still works


def stateful_bad_tokens(c: Client):
    """An unknown id is 404, a malformed one 400; a stateless token on a stateful server is
    refused with 403."""
    token = c.get("/").action[len("/k/"):]
    other = "p" + ("0" if token[1] != "0" else "1") + token[2:]
    assert_error_page(c.post("/k/" + other, {"n": "5"}), 404, "unknown")
    assert_error_page(c.post("/k/" + token[:-3], {"n": "5"}), 400, "malformed")
    assert_error_page(c.post("/k/s1.k1.AAAA", {"n": "5"}), 403, "no stateless links")
    assert c.post("/k/" + token, {"n": "5"}).status == 200


# -- the command line and the app's own mistakes (#12 item 2) --------------------------------

def test_serve_command_line_errors(run_tm, tmp_path):
    """#12 item 2: a user's mistake on the command line is a Turmeric error with its exit code."""
    r = run_tm("serve", str(tmp_path / "missing.tm"), "--port", "0")
    assert r.returncode == 66 and b"error[no-input]" in r.stderr
    r = run_tm("serve", str(EX / "guess.tm"), "--stateless")
    assert r.returncode == 64 and b"--stateless needs --key-file" in r.stderr
    (tmp_path / "keys").write_text("k1 short\n")
    r = run_tm("serve", str(EX / "guess.tm"), "--stateless", "--key-file", str(tmp_path / "keys"), "--port", "0")
    assert r.returncode == 1 and f"{tmp_path / 'keys'}:1:1".encode() in r.stderr and b"shorter than 16" in r.stderr
    (tmp_path / "nostart.tm").write_text("(defn begin [req] \"hi\")\n")
    r = run_tm("serve", str(tmp_path / "nostart.tm"), "--port", "0", "--store", str(tmp_path / "s.db"))
    assert r.returncode == 1 and b"defines no function start" in r.stderr
    r = run_tm("serve")
    assert r.returncode == 64 and b"give the app's FILE" in r.stderr
    (tmp_path / "exits.tm").write_text("(defn start [req] \"hi\")\n(exit 3)\n")
    r = run_tm("serve", str(tmp_path / "exits.tm"), "--port", "0", "--store", str(tmp_path / "s.db"))
    assert r.returncode == 1 and b"called (exit 3) while it was loaded" in r.stderr
    (tmp_path / "keys").write_text("k1 0123456789abcdef0123\n")
    r = run_tm("serve", str(EX / "guess.tm"), "--key-file", str(tmp_path / "keys"))
    assert r.returncode == 64 and b"--key-file is for --stateless" in r.stderr
    assert b"Traceback" not in r.stderr


def test_the_apps_own_mistakes_are_500_pages_without_traceback(tmp_path):
    """#12 item 2: an error in the app's code is a 500 page naming the Turmeric error (and the
    log has the error with its position); a response of the wrong shape too."""
    app = tmp_path / "bad.tm"
    app.write_text('(import web)\n'
                   '(defn start [req]\n'
                   '  (case (:path req)\n'
                   '    "/div" (/ 1 0)\n'
                   '    "/shape" 42\n'
                   '    "/header" {:status 200 :headers {"X-A" "a\\r\\nSet-Cookie: x=1"} :body "x"}\n'
                   '    "/status" {:status 1000 :body "x"}\n'
                   '    "/nowhere" (web/send-suspend 5)\n'
                   '    {:status 201 :headers {"X-Ok" ["1" "2"]} :body [:p "made"]}))\n')
    srv = []
    with serve_app(app, server=srv):
        c = Client(srv[0].base_url)
        for path, words in (("/div", "error[value]"), ("/shape", "not a response"),
                            ("/header", "line break"), ("/status", "100 to 599"), ("/nowhere", "error[")):
            r = c.get(path)
            assert r.status == 500, (path, r.body)
            assert words in r.text("error"), (path, r.body)
            assert "Traceback" not in r.body
        ok = c.get("/")
        assert ok.status == 201 and ok.body == "<p>made</p>" and [v for k, v in ok.header_list if k == "x-ok"] == ["1", "2"]
        log = srv[0].log()
        assert "bad.tm:4:" in log and "Traceback" not in log
        assert re.search(r'127\.0\.0\.1 - - \[[^\]]+\] "GET /div HTTP/1\.1" 500 \d+ "-" "[^"]*"', log), log


def test_access_log_never_holds_a_usable_token(guess):
    """#12 item 2: the access log has one combined-format line per request, with page tokens
    cut short (a log line must not be a link that resumes someone's page)."""
    c = Client(guess.base_url)
    token = c.get("/").action[len("/k/"):]
    c.post("/k/" + token, {"n": "3"})
    log = guess.log()
    assert token not in log
    assert re.search(r'"POST /k/' + re.escape(token[:9]) + r'\.\.\. HTTP/1\.1" 200 \d+ ', log)


def test_cold_start_does_not_import_waitress():
    """#12 item 2: the serve command loads waitress and turmeric.web only when it runs."""
    code = "import sys, turmeric.cli.main; print(sorted(m for m in sys.modules if m.startswith(('waitress', 'turmeric.web'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
