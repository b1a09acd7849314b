"""Durable workflows, measured (#11 item 7), in one run, on SQLite and on PostgreSQL:

- the raw commit rate of the store: one small insert per transaction (the floor);
- journaled workflow steps per second, one worker (in this process) and four (processes);
  a journaled step commits the workflow's continuation and the step's result in one
  transaction, so the target is within 3x of one raw commit;
- the latency from `send` to the resumed workflow's next step (journaled: the worker's claim
  and the step's commit are in it), each send after the worker was idle 0.25 s: on
  PostgreSQL the idle worker
  waits on LISTEN/NOTIFY, and the same with `--no-notify` (polling at the default interval,
  as before); SQLite polls;
- the time to resume 10,000 parked workflows after a restart.

    python bench/workflows.py [--steps N] [--parked N] [--no-pg]

PostgreSQL is a throwaway server (turmeric/workflow/pgserver.py) with its default durability
(fsync on); SQLite is a file in a temporary folder with synchronous=FULL.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from turmeric.runtime import machine  # noqa: E402
from turmeric.session.session import Session  # noqa: E402
from turmeric.workflow.engine import Engine  # noqa: E402
from turmeric.workflow.pgserver import PgServer  # noqa: E402
from turmeric.workflow.stores import open_store  # noqa: E402

FLOWS = """
(import workflow)
(defn steps [n]
  (loop [i 0 acc 0]
    (if (< i n)
      (recur (inc i) (+ acc (workflow/step "s" (fn [] i))))
      acc)))
(defn echo [n]
  (loop [i 0]
    (when (< i n)
      (let [v (workflow/await-message :ping)]
        (workflow/step "pong" (fn [] v))
        (recur (inc i))))))
(defn napper [n] (workflow/sleep 86400) n)
"""


def engine(folder: str, url: str) -> Engine:
    return Engine(open_store(url), session=Session(module_path=[folder]))


def raw_commits(url: str, n: int) -> float:
    store = open_store(url)
    t = time.perf_counter()
    for _ in range(n):
        store.raw_commit(os.urandom(50))   # a new value each time: a commit that writes
    return (time.perf_counter() - t) / n


def one_worker_steps(folder: str, url: str, n: int) -> float:
    e = engine(folder, url)
    t = time.perf_counter()
    e.start(os.path.join(folder, "flows.tm"), "steps", [n], "one")
    took = time.perf_counter() - t
    assert e.store.must_get("one").status == "done"
    return took / n


def four_worker_steps(folder: str, url: str, n: int) -> float:
    e = engine(folder, url)
    for i in range(4):
        e.start(os.path.join(folder, "flows.tm"), "steps", [n], f"four{i}", detach=True)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-m", "turmeric.cli", "worker", "--store", url, "--drain",
                               "--poll", "0.02"], cwd=folder, env=env, stdin=subprocess.DEVNULL)
             for _ in range(4)]
    for p in procs:
        p.wait(timeout=600)
    assert all(e.store.must_get(f"four{i}").status == "done" for i in range(4))
    # from the first journaled step to the last: the workers' start-up is not counted
    first, last = e.store.x("SELECT MIN(at), MAX(at) FROM steps").fetchone()
    return (4 * n - 1) / (last - first)


def send_latency(folder: str, url: str, rounds: int, *worker_args: str) -> list[float]:
    e = engine(folder, url)
    e.start(os.path.join(folder, "flows.tm"), "echo", [rounds], "echo")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    w = subprocess.Popen([sys.executable, "-m", "turmeric.cli", "worker", "--store", url, *worker_args], cwd=folder,
                         env=env, stdin=subprocess.DEVNULL)
    out = []
    try:
        time.sleep(1.0)   # the worker's start-up
        for i in range(rounds):
            time.sleep(0.25)  # the worker has been idle a while (a polling one is at its longest pause)
            t = time.perf_counter()
            e.send("echo", "ping", i)
            while len(e.store.steps("echo")) < i + 1:
                time.sleep(0.0005)
            out.append(time.perf_counter() - t)
    finally:
        w.kill()
        w.wait()
    return out


def resume_parked(folder: str, url: str, n: int) -> float:
    e = engine(folder, url)
    e.start(os.path.join(folder, "flows.tm"), "napper", [1], "p0")
    e.store.fork_many("p0", [f"p{i}" for i in range(1, n)])
    e.store.advance_clock(2 * 86400)
    e2 = engine(folder, url)    # "after a restart": a new engine, a new session
    t = time.perf_counter()
    e2.work(drain=True)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--parked", type=int, default=10_000)
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    machine.allow_deep_python_stack()
    tmp = tempfile.mkdtemp(prefix="turmeric-bench-wf-")
    server = None
    try:
        Path(tmp, "flows.tm").write_text(FLOWS, encoding="utf-8")
        stores = {}
        stores["sqlite"] = lambda name: os.path.join(tmp, f"{name}.db")
        if not args.no_pg:
            server = PgServer().start()
            stores["postgresql"] = lambda name: server.new_database(name)
        print(f"workflows benchmark: {args.steps} steps per workflow, {args.parked} parked workflows")
        for kind, url_for in stores.items():
            raw = raw_commits(url_for("raw"), 300)
            step = one_worker_steps(tmp, url_for("one"), args.steps)
            four = four_worker_steps(tmp, url_for("four"), args.steps)
            lat = send_latency(tmp, url_for("lat"), 30)
            polled = send_latency(tmp, url_for("latpoll"), 30, "--no-notify") if kind == "postgresql" else None
            parked = resume_parked(tmp, url_for("parked"), args.parked)
            print(f"\n{kind}:")
            print(f"  raw commit               {raw * 1e3:8.3f} ms   ({1 / raw:8.0f} commits/s)")
            print(f"  journaled step, 1 worker {step * 1e3:8.3f} ms   ({1 / step:8.0f} steps/s)  "
                  f"= {step / raw:.2f}x a raw commit (target <= 3x)")
            print(f"  journaled steps, 4 workers               ({four:8.0f} steps/s, first to last step)")
            how = "LISTEN/NOTIFY" if kind == "postgresql" else "polling, at most every 0.1 s"
            print(f"  send -> next step        {statistics.median(lat) * 1e3:8.1f} ms median, "
                  f"{max(lat) * 1e3:.1f} ms max (worker idle: {how})")
            if polled is not None:
                print(f"  send -> next step, polled{statistics.median(polled) * 1e3:8.1f} ms median, "
                      f"{max(polled) * 1e3:.1f} ms max (worker --no-notify: polls at most every 0.1 s; before)")
            print(f"  resume {args.parked} parked   {parked:8.2f} s    ({parked / args.parked * 1e3:.3f} ms each)")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
