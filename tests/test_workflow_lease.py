"""The lease heartbeat (#11 item 4, "a long step must not let another worker take the
workflow"): while a runner is alive, a step longer than the lease keeps the workflow on that
runner, with two workers sharing the store; once the runner is killed, its lease still runs
out and the other worker takes the workflow. On SQLite and on PostgreSQL."""
from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from test_workflow import engine_for, env_for, pg_server, store_url, tm, wait_for  # noqa: F401 - fixtures
from turmeric.workflow.stores import open_store

pytestmark = pytest.mark.usefixtures("scratch_cache")

LONG = """
(import workflow)
(defn slow-step []
  (spit "step.log" (str "run " (workflow/step-key) "\\n") :append true)
  (sleep-ms (parse-long (getenv "STEP_MS")))
  :slept)
(defn long [n]
  (let [r (workflow/step "slow" slow-step)]
    [n r]))
(defn busy [ms]
  (workflow/step "busy" (fn [] (let [end (+ (now-ms) ms)]
                                 (loop [i 0] (if (< (now-ms) end) (recur (inc i)) i))))))
"""


def worker(tm_env, cwd, url, *extra, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "turmeric.cli", "worker", "--store", url, "--lease", "1",
                             "--poll", "0.05", *extra], cwd=cwd, env=env_for(tm_env, **env),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)


@pytest.fixture
def long_flow(tmp_path) -> Path:
    (tmp_path / "long.tm").write_text(LONG, encoding="utf-8")
    return tmp_path


def start_detached(tm_env, folder, url, wf_id):
    proc = tm(tm_env, folder, "workflow", "start", "long.tm", "long", "7", "--id", wf_id, "--detach",
              "--store", url)
    assert proc.returncode == 0, proc.stderr


def test_a_step_longer_than_the_lease_keeps_its_live_worker(long_flow, tm_env, store_url):
    """#11 item 4 (lease heartbeat): worker A runs a 3 s step under a 1 s lease; worker B,
    draining the same store all along, never takes the workflow: the step runs once, the
    workflow is claimed once, and B exits only when A is done."""
    start_detached(tm_env, long_flow, store_url, "long")
    a = worker(tm_env, long_flow, store_url, "--drain", STEP_MS=3000)
    try:
        wait_for(lambda: (long_flow / "step.log").exists(), what="worker A to start the step")
        b = worker(tm_env, long_flow, store_url, "--drain", STEP_MS=3000)
        out_b, err_b = b.communicate(timeout=60)
    finally:
        out_a, err_a = a.communicate(timeout=60)
    assert a.returncode == 0 and b.returncode == 0, (err_a, err_b)
    assert (long_flow / "step.log").read_text() == "run long/1\n"     # once: B never ran it
    store = open_store(store_url)
    row = store.must_get("long")
    assert row.status == "done" and row.runs == 1
    assert "lease lost" not in err_a + err_b


def test_a_killed_workers_lease_still_runs_out(long_flow, tm_env, store_url):
    """#11 item 4 (lease heartbeat): the heartbeat dies with its worker. A is killed with
    SIGKILL inside its long step; B takes the workflow once A's lease (1 s) has run out,
    runs the step again with the same key (at-least-once) and finishes."""
    start_detached(tm_env, long_flow, store_url, "dead")
    a = worker(tm_env, long_flow, store_url, STEP_MS=60000)
    try:
        wait_for(lambda: (long_flow / "step.log").exists(), what="worker A to start the step")
        time.sleep(1.5)            # longer than the lease: A's heartbeat is what keeps it
        assert open_store(store_url).must_get("dead").runs == 1
    finally:
        a.send_signal(signal.SIGKILL)
        a.communicate(timeout=30)
    killed = time.monotonic()
    b = worker(tm_env, long_flow, store_url, "--drain", STEP_MS=10)
    out_b, err_b = b.communicate(timeout=60)
    assert b.returncode == 0, err_b
    assert time.monotonic() - killed < 20
    assert (long_flow / "step.log").read_text() == "run dead/1\nrun dead/1\n"
    row = open_store(store_url).must_get("dead")
    assert row.status == "done" and row.runs == 2


@pytest.mark.parametrize("kind", ["sleep", "compute"])
def test_the_heartbeat_renews_during_any_long_code_in_process(long_flow, store_url, kind, monkeypatch):
    """#11 item 4, the class: whatever keeps the runner's thread busy between two commits (a
    sleep that releases the GIL, or Turmeric code computing, which holds it), the lease is
    renewed, and a second engine polling all along claims nothing until the first is done."""
    monkeypatch.chdir(long_flow)
    monkeypatch.setenv("STEP_MS", "1500")
    a = engine_for(long_flow, store_url, lease=0.6)
    b = engine_for(long_flow, store_url, lease=0.6)
    fn, arg = ("long", 1) if kind == "sleep" else ("busy", 1500)
    a.start(str(long_flow / "long.tm"), fn, [arg], "w", detach=True)
    outcome = {}
    row = a.store.claim(a.owner, a.lease, a.clock.now(), "w")       # A has it first
    t = threading.Thread(target=lambda: outcome.update(a=a.run_row(row)))
    t.start()
    stolen = []
    try:
        while t.is_alive():
            got = b.run_next("w")
            if got is not None:
                stolen.append(got)
            time.sleep(0.05)
    finally:
        t.join()
    assert stolen == []
    assert outcome["a"] == "done"
    assert a.heartbeat.renewals >= 1      # the step outlasted the lease: the heartbeat kept it
    assert a.store.must_get("w").runs == 1


def test_a_renewal_changes_only_a_lease_its_runner_holds(long_flow, store_url):
    """#11 item 4: once the lease ran out and another runner claimed the workflow (or it was
    cancelled), the first runner's heartbeat changes nothing."""
    e = engine_for(long_flow, store_url)
    e.start(str(long_flow / "long.tm"), "long", [1], "r", detach=True)
    store = e.store
    assert store.claim("A", 0.05, e.clock.now(), "r") is not None
    assert store.renew("r", "A", 0.05)
    time.sleep(0.1)
    assert store.claim("B", 30, e.clock.now(), "r") is not None
    assert not store.renew("r", "A", 30)
    assert store.must_get("r").lease_owner == "B"
    store.cancel("r")
    assert not store.renew("r", "B", 30)
