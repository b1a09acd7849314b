"""A step timeout (#11 leftover, "a hung step keeps its lease alive"): workflow code that
runs past `--step-timeout` without a commit fails its workflow, even when it catches
everything, and the worker goes on with the next workflow; a step that commits in time, or
code that is slow only outside the workflow, is not touched. On SQLite and on PostgreSQL."""
from __future__ import annotations

import time

import pytest

from test_workflow import engine_for, pg_server, store_url, tm  # noqa: F401 - fixtures
from turmeric.workflow.stores import open_store

pytestmark = pytest.mark.usefixtures("scratch_cache")

HUNG = """
(import workflow)
(defn spin [] (loop [i 0] (recur (inc i))))
(defn hung [] (workflow/step "spin" spin) :never)
(defn stubborn []
  (workflow/step "spin" (fn [] (try (spin) (catch Exception e :swallowed))))
  :never)
(defn quick [n] (workflow/step "a" (fn [] (inc n))))
(defn paced [n]
  (loop [i 0]
    (if (< i n)
      (do (workflow/step (str "s" i) (fn [] (sleep-ms 150) i)) (recur (inc i)))
      :paced)))
"""


@pytest.fixture
def flows(tmp_path, monkeypatch):
    (tmp_path / "hung.tm").write_text(HUNG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("fn", ["hung", "stubborn"])
def test_a_step_past_the_timeout_fails_its_workflow(flows, store_url, fn):
    """#11 leftover: a step that never ends (or swallows every error) is failed 0.5 s after
    its last commit, with an error that names the timeout; the engine is free for the next
    workflow."""
    e = engine_for(flows, store_url, step_timeout=0.5, lease=5)
    e.start(str(flows / "hung.tm"), fn, [], "h", detach=True)
    e.start(str(flows / "hung.tm"), "quick", [41], "q", detach=True)
    began = time.monotonic()
    assert e.run_next("h") == ("h", "failed")
    assert time.monotonic() - began < 10
    row = e.store.must_get("h")
    assert row.status == "failed"
    assert "past its step timeout" in row.error and row.error.startswith("error[control]")
    assert e.run_next("q") == ("q", "done")
    assert e.decode(e.store.must_get("q").result) == 42


def test_steps_that_commit_in_time_are_not_touched(flows, store_url):
    """Four steps of 150 ms under a 0.5 s timeout: each commit starts the count again, so the
    workflow (600 ms in all) finishes."""
    e = engine_for(flows, store_url, step_timeout=0.5)
    e.start(str(flows / "hung.tm"), "paced", [4], "p", detach=True)
    assert e.run_next("p") == ("p", "done")
    assert e.decode(e.store.must_get("p").result).name == "paced"


def test_no_timeout_by_default(flows, store_url):
    """Without a step timeout the engine never raises into workflow code: the heartbeat has
    nothing to fire (checked on its state, not by waiting for ever)."""
    e = engine_for(flows, store_url)
    assert e.heartbeat.step_timeout is None
    e.start(str(flows / "hung.tm"), "quick", [1], "d", detach=True)
    assert e.run_next("d") == ("d", "done") and e.heartbeat.fired_at is None


def test_the_worker_command_takes_a_step_timeout(flows, tm_env, store_url):
    """`turmeric worker --step-timeout 1s --drain`: the hung workflow fails, the other one is
    done, and the worker exits 0; a bad duration is a usage error (exit 64)."""
    for wf_id, fn in (("h", "hung"), ("q", "quick")):
        args = ["workflow", "start", "hung.tm", fn, *(["5"] if fn == "quick" else []), "--id", wf_id,
                "--detach", "--store", store_url]
        assert tm(tm_env, flows, *args).returncode == 0
    proc = tm(tm_env, flows, "worker", "--store", store_url, "--drain", "--step-timeout", "1s", "--poll", "0.05")
    assert proc.returncode == 0, proc.stderr
    assert "past its step timeout" in proc.stderr
    store = open_store(store_url)
    assert store.must_get("h").status == "failed" and store.must_get("q").status == "done"
    bad = tm(tm_env, flows, "worker", "--store", store_url, "--step-timeout", "soon")
    assert bad.returncode == 64 and "--step-timeout" in bad.stderr
