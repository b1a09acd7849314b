"""Versioning costs (#10 item 6): `turmeric check` over 10,000 parked checkpoints (all ok,
then all upgradable after a change of the suspended function), and the overhead the code
store adds to a checkpoint write (the first write of a module version, and every later one).

    python bench/versioning.py [--quick]
"""
from __future__ import annotations

import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time

from turmeric.runtime import machine
from turmeric.serialize import codestore
from turmeric.session.session import Session
from turmeric.session.versions import Checker, checkpoint_files

machine.allow_deep_python_stack()   # as the command line does

PROGRAM = """(module flow)
(defn step [order] {:id order :total (* order 3)})
(defn work [order]
  (let [charged (checkpoint (str "order-" order) (step order))]
    (println "shipped" order charged)
    charged))
(defn park-all [n] (doseq [i (range n)] (cloneable-reset (fn [] (work i)))))
"""
CHANGED = PROGRAM.replace('(println "shipped" order charged)',
                          '(println "shipped" order charged)\n    (println "one more step")')


def park(folder: str, n: int) -> float:
    """n checkpoints of work, one per order, written by the checkpoint macro; seconds."""
    with open(os.path.join(folder, "flow.tm"), "w", encoding="utf-8") as f:
        f.write(PROGRAM)
    with contextlib.chdir(folder), contextlib.redirect_stdout(io.StringIO()):
        s = Session(module_path=[folder])
        s.run(lambda: s.load_file("flow.tm", name="flow"))
        t = time.perf_counter()
        s.eval_string(f"(import flow) (flow/park-all {n})")
        return time.perf_counter() - t


def check(folder: str) -> tuple[float, dict]:
    t = time.perf_counter()
    checker = Checker()
    reports = [checker.check(p) for p in checkpoint_files([folder])]
    elapsed = time.perf_counter() - t
    counts = {s: sum(r["status"] == s for r in reports) for s in ("ok", "upgradable", "refused")}
    return elapsed, counts


def write_overhead(rounds: int) -> dict:
    """Microseconds per checkpoint write: the code store's part (naming the module versions
    and keeping their sources), first write and later ones, against the whole write."""
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "flow.tm"), "w", encoding="utf-8") as f:
            f.write(PROGRAM)
        with contextlib.chdir(d), contextlib.redirect_stdout(io.StringIO()):
            s = Session(module_path=[d])
            s.run(lambda: s.load_file("flow.tm", name="flow"))
            keep = s.core["%write-checkpoint"]
            k = s.eval_string("(cloneable-reset (fn [] (+ 1 (cloneable-shift [k] k))))")[-1]

            def keep_code():
                store = codestore.store_beside("x.bin", s.code_memo)
                for _name, h, text in s.code_versions():
                    store.put(h, text)

            t = time.perf_counter()
            keep_code()
            first = (time.perf_counter() - t) * 1e6
            later = []
            for _ in range(rounds):
                t = time.perf_counter()
                keep_code()
                later.append((time.perf_counter() - t) * 1e6)
            whole = []
            for i in range(rounds):
                t = time.perf_counter()
                keep(1, f"w{i}.bin", k)
                whole.append((time.perf_counter() - t) * 1e6)
    return {"first": first, "later": statistics.median(later), "write": statistics.median(whole)}


def main() -> None:
    quick = "--quick" in sys.argv
    n = 1_000 if quick else 10_000
    with tempfile.TemporaryDirectory() as d:
        parked = park(d, n)
        print(f"parked {n} checkpoints with the checkpoint macro: {parked:.2f} s "
              f"({parked / n * 1e3:.2f} ms each, fsync included)")
        elapsed, counts = check(d)
        print(f"check in-process, unchanged code: {elapsed:.2f} s for {n} ({elapsed / n * 1e3:.3f} ms each) {counts}")
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "turmeric.cli", "check", d], capture_output=True, text=True)
        cli = time.perf_counter() - t
        print(f"turmeric check DIR (the command, start-up included): {cli:.2f} s for {n}; "
              f"{proc.stdout.strip().splitlines()[-1]}")
        with open(os.path.join(d, "flow.tm"), "w", encoding="utf-8") as f:
            f.write(CHANGED)
        elapsed, counts = check(d)
        print(f"check in-process, work changed (upgradable): {elapsed:.2f} s for {n} "
              f"({elapsed / n * 1e3:.3f} ms each) {counts}")
    o = write_overhead(200 if quick else 1000)
    print(f"code store on a checkpoint write: first write of a module version {o['first']:.0f} us, "
          f"later writes {o['later']:.1f} us (a whole checkpoint write: {o['write']:.0f} us, "
          f"{o['later'] / o['write'] * 100:.2f}% of it)")


if __name__ == "__main__":
    main()
