"""Ragged checkpoints (stdlib/ragged.tm, spec/ragged.md): what the protocol costs.

1. Pass-through: an interface call through a port of defports, and through (ragged/call ...),
   against a plain call of a global function doing the same work, in a running system
   (target: the port within 10% of the plain call).
2. Record mode: the same port call while both sides record (the caller logs the call and its
   result, the target the incoming call and its time).
3. Catch-up: restoring a checkpoint whose lagging component logged N calls.
4. Save + load on the example machine (examples/ragged/machine.tm): the extra time of a
   run that checkpoints every 1,000 cycles over one that does not, per checkpoint; loading
   (deserialize, catch up, run one cycle on); saves+loads per second (Near's bar: 60).

    python bench/ragged.py [--quick]
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from turmeric.data.values import Keyword
from turmeric.runtime import machine
from turmeric.serialize.decode import deserialize
from turmeric.session.session import Session

machine.allow_deep_python_stack()   # as the command line does

ROOT = Path(__file__).resolve().parent.parent
QUICK = "--quick" in sys.argv

CALLS = """
(import ragged)
(defn work [reg] (+ reg 1))
(ragged/defports bind [port-read :target :read])
; the caller snapshots first; the holdout never reaches a safe point, so the checkpoint stays
; open (the record-mode runs); the target is a component whose :read is `work`
(defn target [] {:methods {:read work} :run (fn [] (ragged/safe-point) (ragged/step 1000000000))})
(defn holdout [] {:run (fn [] (ragged/step 1000000000))})
(defn caller [n how]
  {:run (fn []
          (ragged/safe-point)
          (ragged/emit
            (case how
              :plain (loop [i 0 acc 0] (if (< i n) (recur (inc i) (+ acc (work i))) acc))
              :port (loop [i 0 acc 0] (if (< i n) (recur (inc i) (+ acc (port-read i))) acc))
              :call (loop [i 0 acc 0] (if (< i n) (recur (inc i) (+ acc (ragged/call :target :read i))) acc)))))})
(defn calls [n how record?]
  (ragged/run (fn [] {:target (target) :holdout (holdout) :caller (caller n how)})
              {:ports bind :until 10 :checkpoint-at (if record? [0] []) :log-limit (+ 10 n)}))
; catch-up: the caller logs n calls before the holdout snapshots (at cycle 1)
(defn late [] {:run (fn [] (ragged/step 1) (ragged/safe-point) (ragged/step 1000000000))})
(defn lag [n out]
  (ragged/run (fn [] {:target (target) :holdout (late)
                      :caller {:run (fn [] (ragged/safe-point)
                                      (loop [i 0] (when (< i n) (port-read i) (recur (inc i))))
                                      (ragged/step 5))}})
              {:ports bind :until 3 :checkpoint-at [0] :log-limit (+ 10 n) :file out}))
; save + load on the example machine
(import machine)
(def saved [])
(defn keep-checkpoint [b info] (set! saved (conj saved [b (:completed info)])))
(defn machine-run [cycles ats]
  (set! saved [])
  (ragged/run (machine/system 7) (assoc (machine/options 7 cycles ats) :on-checkpoint keep-checkpoint)))
"""


def best(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    os.environ.setdefault("TURMERIC_CACHE", tempfile.mkdtemp())
    tmp = Path(tempfile.mkdtemp())
    (tmp / "calls.tm").write_text(CALLS)
    s = Session(module_path=[str(tmp), str(ROOT / "examples" / "ragged")])
    s.run(lambda: s.load_file(str(tmp / "calls.tm")))
    ev = lambda text: s.eval_string(text, module="calls")[-1]

    n = 50_000 if QUICK else 300_000
    rep = 3 if QUICK else 7
    print(f"1-2. interface calls, {n:,} per run (record mode {n // 10:,}), best of {rep}, "
          f"the variants interleaved")
    variants = [("plain", False), ("port", False), ("call", False), ("port", True), ("call", True)]
    times = {v: [] for v in variants}
    for _ in range(rep):
        for how, record in variants:
            m = n // 10 if record else n
            t = time.perf_counter()
            ev(f"(calls {m} :{how} {'true' if record else 'false'})")
            times[(how, record)].append((time.perf_counter() - t) / m)
    plain_ns = min(times[("plain", False)]) * 1e9
    for how, record in variants:
        ns = min(times[(how, record)]) * 1e9
        mode = "record" if record else "pass-through"
        print(f"   {how:5} {mode:12} {ns:7.0f} ns/call"
              + ("" if (how, record) == ("plain", False) else f"   {100 * (ns / plain_ns - 1):+7.1f}% vs plain"))

    print("3. catch-up time against log length")
    for k in ([1_000, 10_000] if QUICK else [1_000, 10_000, 50_000, 100_000]):
        out = tmp / f"lag{k}.ckpt"
        ev(f'(lag {k} "{out}")')
        data = out.read_bytes()

        def load():
            s2 = Session(module_path=[str(tmp), str(ROOT / "examples" / "ragged")])
            c = s2.run(lambda: deserialize(s2, data))
            s2.run(machine.run, lambda d: machine.resume(d, c, None), ())
        t = best(load, 3)
        print(f"   log of {k:7,} calls: {t * 1e3:8.1f} ms  ({t * 1e6 / k:5.1f} us per entry), file {len(data):,} bytes")

    print("4. save + load on examples/ragged/machine.tm (seed 7)")
    cycles = 20_000 if QUICK else 60_000
    every = 1_000
    mk = lambda at: f"(machine-run {cycles} [{at}])"
    plain = best(lambda: ev(mk("")), 3)
    ats = " ".join(str(t) for t in range(every, cycles - every, every))
    t0 = time.perf_counter()
    r = ev(mk(ats))
    with_ck = time.perf_counter() - t0
    saved = list(ev("saved"))
    k = len(saved)
    assert ev(mk("")).get(Keyword("checksum")) == r.get(Keyword("checksum"))
    save = (with_ck - plain) / k
    loads = []
    for b, done in saved[:: max(1, k // 10)]:
        s2 = Session(module_path=[str(tmp), str(ROOT / "examples" / "ragged")])
        t = time.perf_counter()
        c = s2.run(lambda: deserialize(s2, b))
        s2.run(machine.run, lambda d: machine.resume(d, c, s2.eval_string(f"{{:until {done + 1}}}")[-1]), ())
        loads.append(time.perf_counter() - t)
    load = statistics.median(loads)
    print(f"   run of {cycles:,} cycles: {plain * 1e3:.0f} ms; with a checkpoint every {every:,} cycles "
          f"({k} written): {with_ck * 1e3:.0f} ms, same checksum")
    print(f"   save {save * 1e3:.2f} ms per checkpoint (record-mode window + snapshots + file bytes); "
          f"load {load * 1e3:.2f} ms (median; deserialize + catch-up)")
    print(f"   {1 / (save + load):.0f} saves+loads per second (Near's bar: 60)")


if __name__ == "__main__":
    main()
