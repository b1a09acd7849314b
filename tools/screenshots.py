"""The screenshots of docs/web.md: headless Chromium (the browser tests' fixture, tests/browser.py)
plays the examples of examples/web/ under `turmeric serve` (tests/web_server.py) and opens the
workflow dashboard of a store with a few order workflows, saving one PNG per page into
docs/screenshots/. Run it by hand after a change to the pages; the test suite does not:

    .venv/bin/python tools/screenshots.py
"""
from __future__ import annotations

import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import click_and_wait, install, installed, start_chromium, wait_for  # noqa: E402
from web_server import serve_app  # noqa: E402

from turmeric.data.values import Keyword, PMap  # noqa: E402
from turmeric.runtime import machine  # noqa: E402
from turmeric.session.session import Session  # noqa: E402
from turmeric.workflow.engine import Engine  # noqa: E402
from turmeric.workflow.stores import open_store  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
WEB = ROOT / "examples" / "web"


def fill(driver, **fields):
    for ident, value in fields.items():
        box = wait_for(driver, f"#{ident}")
        box.clear()
        box.send_keys(value)
    click_and_wait(driver, "#submit")


def shoot(driver, name: str):
    path = OUT / f"{name}.png"
    driver.save_screenshot(str(path))
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size} bytes")


def workflows(folder: Path) -> str:
    """A store with order workflows: two parked on the payment message, one on its timer, one done."""
    shutil.copy(ROOT / "examples" / "workflows" / "order.tm", folder / "order.tm")
    url = str(folder / "turmeric.db")
    engine = Engine(open_store(url), session=Session(module_path=[str(folder)]))
    order = str(folder / "order.tm")
    for wf_id in ("A-17", "B-2", "C-5", "D-9"):
        engine.start(order, "order", [wf_id, 100], wf_id)
    engine.send("B-2", Keyword("payment"), PMap.from_pairs([(Keyword("amount"), 100)]))
    engine.send("C-5", Keyword("payment"), PMap.from_pairs([(Keyword("amount"), 60)]))
    while engine.run_next() is not None:
        pass
    engine.store.close()
    return url


def main() -> int:
    machine.allow_deep_python_stack()
    if not installed() and not install():
        print("screenshots: /usr/bin/chromium and /usr/bin/chromedriver are needed", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="turmeric-shots-") as tmp:
        driver = start_chromium(str(Path(tmp) / "chromium"))
        try:
            driver.set_window_size(900, 600)
            with serve_app(WEB / "guess.tm") as base:
                driver.get(base + "/?seed=7")
                fill(driver, n="50")
                shoot(driver, "guess")
            with serve_app(WEB / "wizard.tm", stateless=True) as base:
                driver.get(base + "/")
                fill(driver, name="Ann")
                shoot(driver, "wizard-step-2")
                fill(driver, email="ann@example.org")
                click_and_wait(driver, "#submit")
                shoot(driver, "wizard-confirm")
            with serve_app(WEB / "checkout.tm") as base:
                driver.get(base + "/checkout")
                shoot(driver, "checkout")
                fill(driver, card="4242424242424242", amount="30")
                shoot(driver, "checkout-paid")
                driver.back()
                click_and_wait(driver, "#submit")
                shoot(driver, "checkout-submitted-twice")
            url = workflows(Path(tmp))
            token = secrets.token_urlsafe(32)     # the dashboard needs a login (spec/web.md section 7)
            env = dict(os.environ, TURMERIC_DASHBOARD_TOKEN=token)
            with serve_app(WEB / "guess.tm", store=url, extra=["--dashboard"], env=env) as base:
                driver.set_window_size(1000, 520)
                driver.get(base + "/dashboard/login?token=" + token)   # sets the cookie, then the list
                shoot(driver, "dashboard")
                driver.set_window_size(1000, 900)
                driver.get(base + "/dashboard/workflow?id=A-17")
                shoot(driver, "dashboard-workflow")
        finally:
            driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
