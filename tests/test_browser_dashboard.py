"""The workflow dashboard in a real browser (#12 items 5 and 6): headless Chromium lists the
store's workflows, opens one and sees its parked frames and variables, forks it with the
fork button and cancels it with the cancel button, and the store agrees each time. Since the
dashboard-login change each test logs in through the dashboard's login form first (test_login_through_the_form)."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from browser import browser, click_and_wait, serve_wsgi, tab, text, wait_for  # noqa: F401 (fixtures)
from test_dashboard import SCRIPT, TOKEN, make_store
from turmeric.web.auth import COOKIE
from turmeric.web.dashboard import dashboard_app

pytestmark = pytest.mark.usefixtures("scratch_cache")


def log_in(tab, base, token=TOKEN):
    """Types the token into the login page the dashboard sends the browser to."""
    tab.get(base + "/")
    wait_for(tab, "#token").send_keys(token)
    click_and_wait(tab, "#login")


@pytest.fixture
def raw_dashboard(tmp_path):
    url, engine = make_store(tmp_path)
    with serve_wsgi(dashboard_app(url, TOKEN)) as base:
        yield base, engine


@pytest.fixture
def dashboard(tab, raw_dashboard):
    log_in(tab, raw_dashboard[0])
    return raw_dashboard


def test_login_through_the_form(tab, raw_dashboard):
    """dashboard-login item 6: a page asked for without a login shows the login form; a wrong token says so; the
    right one comes back to the page asked for, with an HttpOnly, SameSite=Strict cookie for the
    dashboard's path; the log out button logs out, and the page is refused again."""
    base, engine = raw_dashboard
    tab.get(base + "/workflow?id=A-1")
    assert tab.current_url.startswith(base + "/login?next=")
    wait_for(tab, "#token").send_keys("not the token at all")
    click_and_wait(tab, "#login")
    assert "not the dashboard's token" in wait_for(tab, "#error").text
    assert tab.get_cookies() == []
    wait_for(tab, "#token").send_keys(TOKEN)
    click_and_wait(tab, "#login")
    assert tab.current_url == base + "/workflow?id=A-1"
    assert wait_for(tab, "#status").text == "parked"
    [cookie] = tab.get_cookies()
    assert cookie["name"] == COOKIE and cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/" and not cookie["secure"]     # served at the root here
    assert tab.execute_script("return document.cookie") == ""  # HttpOnly: no script reads it
    click_and_wait(tab, "#logout")
    assert wait_for(tab, "#token") and tab.get_cookies() == []
    tab.get(base + "/workflow?id=A-1")
    assert tab.current_url.startswith(base + "/login")


def test_list_show_fork_cancel_in_the_browser(tab, dashboard):
    """#12 item 6: list, show, fork, cancel, clicked in Chromium."""
    base, engine = dashboard
    tab.get(base + "/")
    rows = tab.find_elements(By.CSS_SELECTOR, "#workflows tr[data-id]")
    assert [r.get_attribute("data-id") for r in rows] == [row.id for row in engine.store.list()]
    assert "A-1 parked a message on payment order" in text(tab)

    click_and_wait(tab, 'tr[data-id="A-1"] a')
    assert wait_for(tab, "#status").text == "parked"
    frames = wait_for(tab, "#frames").text
    assert "order" in frames and 'id\n"A-1"' in frames.replace(" ", "\n")

    new_id = wait_for(tab, "#new_id")
    new_id.clear()
    new_id.send_keys("A-1-forked")
    click_and_wait(tab, "#fork")
    assert wait_for(tab, "#wf-id").text == "A-1-forked"
    assert tab.current_url == base + "/workflow?id=A-1-forked"
    assert engine.store.must_get("A-1-forked").status == "parked"

    click_and_wait(tab, "#cancel")
    assert wait_for(tab, "#status").text == "cancelled"
    assert tab.find_elements(By.ID, "cancel") == []
    assert engine.store.must_get("A-1-forked").status == "cancelled"
    assert engine.store.must_get("A-1").status == "parked"     # the original is untouched


def test_markup_is_text_in_the_browser(tab, dashboard):
    """#12 item 6: a workflow whose id and variables are a <script> runs no script: the browser
    shows the text, and the page has no script element."""
    base, _ = dashboard
    tab.get(base + "/")
    assert SCRIPT in text(tab)
    tab.find_element(By.LINK_TEXT, SCRIPT).click()
    assert wait_for(tab, "#wf-id").text == SCRIPT
    assert tab.find_elements(By.TAG_NAME, "script") == []
    assert tab.execute_script("return document.title").startswith("workflow " + SCRIPT)


def test_a_refused_action_is_a_clear_page(tab, dashboard):
    """#12 item 6: cancelling a workflow another tab cancelled first shows why, with a 409."""
    base, engine = dashboard
    tab.get(base + "/workflow?id=T-3")
    engine.store.cancel("T-3")          # meanwhile, elsewhere
    click_and_wait(tab, "#cancel")
    assert "cancelled already" in wait_for(tab, "#error").text
    assert "Traceback" not in tab.page_source
