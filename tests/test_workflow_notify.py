"""LISTEN/NOTIFY on PostgreSQL (#11 item 4): an idle worker waits for the store's notification
instead of polling, so a `send` reaches the workflow's next step at once, however long the
worker's poll interval; so do a new detached workflow and a clock moved past a timer. On
SQLite the worker keeps polling (a short backoff up to --poll)."""
from __future__ import annotations

import threading
import time

import pytest

from test_workflow import engine_for, pg_server  # noqa: F401 - fixtures

pytestmark = pytest.mark.usefixtures("scratch_cache")

FLOWS = """
(import workflow)
(defn echo [n]
  (loop [i 0]
    (when (< i n)
      (let [v (workflow/await-message :ping)]
        (workflow/step "pong" (fn [] v))
        (recur (inc i))))))
(defn quick [] (workflow/step "ran" (fn [] :ok)))
(defn napper [] (workflow/sleep 86400) (workflow/step "woke" (fn [] :up)))
"""


@pytest.fixture
def pg_flows(tmp_path, pg_server):
    (tmp_path / "n.tm").write_text(FLOWS, encoding="utf-8")
    return tmp_path, pg_server.new_database(f"notify_{time.monotonic_ns()}")


def background_worker(folder, url, poll, notify=True):
    w = engine_for(folder, url)
    stop = threading.Event()
    t = threading.Thread(target=lambda: w.work(poll=poll, until=stop.is_set, notify=notify), daemon=True)
    t.start()
    time.sleep(0.3)       # it is idle, waiting

    def finish():
        stop.set()
        w.store.transact(w.store._runnable)      # wake it to see `stop`
        t.join(timeout=30)
    return finish


def wait_steps(store, wf_id, n, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if len(store.steps(wf_id)) >= n:
            return time.monotonic()
        time.sleep(0.002)
    raise AssertionError(f"{wf_id} did not reach {n} steps within {timeout} s")


@pytest.mark.parametrize("what", ["message", "detached start", "clock past a timer"])
def test_an_idle_worker_wakes_at_once(pg_flows, what):
    """#11 item 4 (LISTEN/NOTIFY): with a poll interval of 20 s, the worker still runs the
    workflow's next step within a second of what made it runnable."""
    folder, url = pg_flows
    e = engine_for(folder, url)
    if what == "message":
        e.start(str(folder / "n.tm"), "echo", [1], "w")
    elif what == "clock past a timer":
        e.start(str(folder / "n.tm"), "napper", [], "w")
    finish = background_worker(folder, url, poll=20.0)
    try:
        t = time.monotonic()
        if what == "message":
            e.send("w", "ping", 1)
        elif what == "detached start":
            e.start(str(folder / "n.tm"), "quick", [], "w", detach=True)
        else:
            e.store.advance_clock(2 * 86400)
        assert wait_steps(e.store, "w", 1, timeout=10) - t < 1.0
    finally:
        finish()
