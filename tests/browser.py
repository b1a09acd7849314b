"""A real browser for the tests (#12 item 5): the OS's headless Chromium, driven by selenium
through the OS's chromedriver (Service("/usr/bin/chromedriver"), so selenium never downloads
a driver or a browser). Missing, they are installed with apt-get, as the PostgreSQL fixture
does (turmeric/workflow/pgserver.py); when they cannot be had, the tests fail in CI and are
skipped elsewhere.

One browser per test module (`browser`, module-scoped: starting Chromium costs about a
second), a new tab per test (`tab`), closed after it, so a test starts from a blank tab with
the other tests' cookies cleared. `serve_wsgi(app)` serves a WSGI app under waitress on a free
loopback port in a thread, for the dashboard (the web apps run in a subprocess, through
tests/web_server.py, so that a test can restart them).

The network of the machines this runs on is closed, so Chromium is started with everything
that phones home turned off (without those flags it can hang on connections)."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading

import pytest
import waitress.server
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1100,900")
WAIT = 20      # seconds a page may take to load: generous, the machine is shared


def installed() -> bool:
    return os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)


def install() -> bool:
    """apt-get install chromium chromium-driver (Debian); whether both are there after."""
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        return False
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True, timeout=600)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium", "chromium-driver"],
                   env=env, capture_output=True, timeout=900)
    return installed()


def start_chromium(user_data_dir: str) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={user_data_dir}")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    return driver


def unavailable(why: str):
    if os.environ.get("CI"):
        pytest.fail(f"no headless Chromium for the browser tests: {why}")
    pytest.skip(f"no headless Chromium: {why}")


@pytest.fixture(scope="module")
def browser():
    if not installed() and not install():
        unavailable(f"{CHROMIUM} or {CHROMEDRIVER} is missing and apt-get could not install them")
    folder = tempfile.mkdtemp(prefix="turmeric-chromium-")
    try:
        driver = start_chromium(folder)
    except WebDriverException as e:
        shutil.rmtree(folder, ignore_errors=True)
        unavailable(f"Chromium did not start: {e.msg}")
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def tab(browser):
    """A new tab of the module's browser, closed after the test."""
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    try:
        yield browser
    finally:
        browser.delete_all_cookies()
        for handle in browser.window_handles:
            if handle != first:
                browser.switch_to.window(handle)
                browser.close()
        browser.switch_to.window(first)


def new_tab(driver) -> str:
    """Opens another tab (closed by the `tab` fixture); its handle. The driver is switched to it."""
    driver.switch_to.new_window("tab")
    return driver.current_window_handle


def waiting(driver) -> WebDriverWait:
    """A wait that asks again when the driver errs mid-navigation (chromedriver can answer
    "unhandled inspector error" while the old page's context goes away)."""
    return WebDriverWait(driver, WAIT, ignored_exceptions=(WebDriverException,))


def wait_for(driver, css: str):
    """The element CSS selects, once the page has it."""
    return waiting(driver).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def click_and_wait(driver, css: str):
    """Clicks the element and waits for the next page to replace this one."""
    old = wait_for(driver, "html")
    wait_for(driver, css).click()
    waiting(driver).until(expected_conditions.staleness_of(old))


def back(driver):
    old = wait_for(driver, "html")
    driver.back()
    waiting(driver).until(expected_conditions.staleness_of(old))


def status(driver) -> int:
    """The HTTP status of the page the tab shows (Navigation Timing's responseStatus)."""
    wait_for(driver, "body")
    return driver.execute_script("return performance.getEntriesByType('navigation')[0].responseStatus")


def text(driver) -> str:
    return wait_for(driver, "body").text


@contextlib.contextmanager
def serve_wsgi(app):
    """APP under waitress on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=2)
    stop = threading.Event()

    def loop():
        while not stop.is_set():
            server.asyncore.loop(timeout=0.05, map=server._map, count=1)
    thread = threading.Thread(target=loop, daemon=True, name="waitress")
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stop.set()
        thread.join(10)
        server.task_dispatcher.shutdown()
        server.asyncore.close_all(server._map)
