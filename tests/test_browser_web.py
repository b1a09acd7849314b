"""The web examples in a real browser (#12 item 5): headless Chromium plays examples/web/ under
`turmeric serve`, in both token modes: a page, a submit, the back button and a different
submit (the computation forks, and the branch that goes on counts only its own guesses), two
tabs at once, a server restart (SIGKILL) between two pages, and a one-shot page submitted
twice, which is refused with a clear page and charges once. The answers are checked against
an oracle outside the app: the secret of the guessing game is computed by a Turmeric session
of the test from the same seed."""
from __future__ import annotations

import os
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from browser import back, browser, click_and_wait, new_tab, status, tab, text, wait_for  # noqa: F401 (fixtures)
from conftest import ROOT
from test_dashboard import TOKEN, make_store
from turmeric.session.session import Session
from web_server import serve_app

pytestmark = pytest.mark.usefixtures("scratch_cache")

WEB = ROOT / "examples" / "web"
MODES = [pytest.param(False, id="stateful"), pytest.param(True, id="stateless")]


def secret_for(seed: int) -> int:
    """The number guess.tm picks for /?seed=SEED, computed outside the app."""
    [n] = Session().eval_string(f"(inc (rand-int 100 (random-generator {seed})))")
    return n


def answer(n: int, secret: int) -> str:
    return f"{n} is too low." if n < secret else f"{n} is too high."


def submit(driver, **fields):
    """Types each field's value into the input of that id, then clicks #submit."""
    for ident, value in fields.items():
        box = wait_for(driver, f"#{ident}")
        box.clear()
        box.send_keys(value)
    click_and_wait(driver, "#submit")


def by_id(driver, ident: str) -> str:
    return wait_for(driver, f"#{ident}").text


@pytest.mark.parametrize("stateless", MODES)
def test_back_and_a_different_answer_forks_the_game(tab, stateless):
    """#12 item 5: a page, a submit, back, a different submit: the second branch answers as
    the secret says, and winning on it counts its own guesses only (the first branch's guess
    is not one of them)."""
    seed = next(s for s in range(1, 100) if secret_for(s) not in (25, 50, 75))
    secret = secret_for(seed)
    with serve_app(WEB / "guess.tm", stateless=stateless) as base:
        tab.get(f"{base}/?seed={seed}")
        assert by_id(tab, "message") == "I am thinking of a number from 1 to 100."
        submit(tab, n="50")
        assert by_id(tab, "message") == answer(50, secret)
        back(tab)
        assert by_id(tab, "message") == "I am thinking of a number from 1 to 100."
        first = 25 if secret > 50 else 75       # a different answer, on the side the first branch ruled out
        submit(tab, n=str(first))
        assert by_id(tab, "message") == answer(first, secret)
        lo, hi, tries = (first + 1, 100, 1) if first < secret else (1, first - 1, 1)
        while True:
            guess = (lo + hi) // 2
            submit(tab, n=str(guess))
            tries += 1
            if guess == secret:
                break
            assert by_id(tab, "message") == answer(guess, secret)
            lo, hi = (guess + 1, hi) if guess < secret else (lo, guess - 1)
        assert by_id(tab, "result") == f"You got it: {secret}, in {tries} guesses."


def test_a_bad_answer_is_asked_again(tab):
    """#12 item 5: what the user typed is echoed back as text, not markup."""
    with serve_app(WEB / "guess.tm") as base:
        tab.get(base + "/?seed=3")
        submit(tab, n="<b>x</b>")
        assert by_id(tab, "message") == '"<b>x</b>" is not a number from 1 to 100; try again.'
        assert tab.find_elements(By.CSS_SELECTOR, "#message b") == []


@pytest.mark.parametrize("stateless", MODES)
def test_two_tabs_are_two_computations(tab, stateless):
    """#12 item 5: two tabs of one browser, interleaved step by step, sign up two people."""
    with serve_app(WEB / "wizard.tm", stateless=stateless) as base:
        ann = tab.current_window_handle
        tab.get(base + "/")
        bob = new_tab(tab)
        tab.get(base + "/")
        steps = [(ann, {"name": "Ann"}), (bob, {"name": "Bob"}), (bob, {"email": "bob@example.org"}),
                 (ann, {"email": "ann@example.org"})]
        for handle, fields in steps:
            tab.switch_to.window(handle)
            submit(tab, **fields)
        tab.switch_to.window(ann)
        assert by_id(tab, "step") == "Step 3 of 3"
        wait_for(tab, '#plan option[value="pro"]').click()
        click_and_wait(tab, "#submit")
        assert by_id(tab, "summary") == "Ann <ann@example.org>, pro plan"
        tab.switch_to.window(bob)
        click_and_wait(tab, "#submit")           # the default plan, free
        assert by_id(tab, "summary") == "Bob <bob@example.org>, free plan"
        click_and_wait(tab, "#submit")
        assert by_id(tab, "result") == "Account created for Bob <bob@example.org> on the free plan."
        tab.switch_to.window(ann)
        click_and_wait(tab, "#submit")
        assert by_id(tab, "result") == "Account created for Ann <ann@example.org> on the pro plan."


@pytest.mark.parametrize("stateless", MODES)
def test_a_server_restart_between_two_pages_loses_nothing(tab, stateless):
    """#12 item 5: the server is killed (SIGKILL) and started again between two pages; the
    page open in the browser goes on where it was."""
    server = []
    with serve_app(WEB / "wizard.tm", stateless=stateless, server=server) as base:
        tab.get(base + "/")
        submit(tab, name="Ann")
        assert by_id(tab, "message") == "Hello, Ann."
        server[0].restart()
        assert server[0].base_url == base
        submit(tab, email="ann@example.org")
        assert by_id(tab, "step") == "Step 3 of 3"
        server[0].restart()
        click_and_wait(tab, "#submit")
        click_and_wait(tab, "#submit")
        assert by_id(tab, "result") == "Account created for Ann <ann@example.org> on the free plan."


def charges(base: str) -> int:
    with urllib.request.urlopen(base + "/charges", timeout=30) as r:
        return int(r.read().decode().strip())


@pytest.mark.parametrize("stateless", MODES)
def test_a_one_shot_page_submitted_twice_charges_once(tab, stateless):
    """#12 item 5: pay, back, pay again: the second submission is refused with a clear page
    (no traceback), and the card is charged once."""
    with serve_app(WEB / "checkout.tm", stateless=stateless) as base:
        tab.get(base + "/checkout")
        submit(tab, card="4242424242424242", amount="30")
        assert by_id(tab, "result") == "Charged 30 to the card ending 4242 (charge 1)."
        back(tab)
        assert wait_for(tab, "#card").get_attribute("value") == "4242424242424242"
        click_and_wait(tab, "#submit")
        body = text(tab)
        assert "Already submitted" in body and "only once" in body and status(tab) == 409
        assert "Traceback" not in tab.page_source
        assert charges(base) == 1


@pytest.mark.parametrize("stateless", MODES)
def test_a_bad_link_is_an_error_page_not_a_500(tab, stateless):
    """#12 item 5: a page link that was tampered with or cut short, opened in the browser, is
    an error page with a 4xx status and no traceback."""
    with serve_app(WEB / "wizard.tm", stateless=stateless) as base:
        tab.get(base + "/")
        action = wait_for(tab, "form").get_attribute("action")
        token = action.rsplit("/", 1)[1]
        flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
        for bad in (flipped, token[: len(token) // 2], "p" + "0" * 32):
            tab.get(action.rsplit("/", 1)[0] + "/" + bad)
            assert 400 <= status(tab) < 500, bad
            assert "Traceback" not in tab.page_source and text(tab)
        tab.get(action)                          # the good one still works (a GET of the page's link)
        assert status(tab) == 200


def test_the_dashboard_under_turmeric_serve(tab, tmp_path):
    """#12 item 6: `turmeric serve --dashboard` mounts the dashboard at /dashboard/: list,
    show and cancel in the browser, with the links under the prefix."""
    url, engine = make_store(tmp_path)
    env = dict(os.environ, TURMERIC_DASHBOARD_TOKEN=TOKEN)
    with serve_app(WEB / "guess.tm", store=url, extra=["--dashboard"], env=env) as base:
        tab.get(base + "/dashboard/")                  # the login page first (dashboard-login)
        assert tab.current_url == base + "/dashboard/login"
        wait_for(tab, "#token").send_keys(TOKEN)
        click_and_wait(tab, "#login")
        assert "A-1" in by_id(tab, "workflows")
        click_and_wait(tab, 'tr[data-id="A-1"] a')
        assert tab.current_url == base + "/dashboard/workflow?id=A-1"
        assert "order" in by_id(tab, "frames")
        click_and_wait(tab, "#cancel")
        assert by_id(tab, "status") == "cancelled"
        assert engine.store.must_get("A-1").status == "cancelled"
        tab.get(base + "/?seed=1")                 # the app still answers beside it
        assert by_id(tab, "message").startswith("I am thinking")
