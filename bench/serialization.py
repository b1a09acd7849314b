"""Serialization costs: time and bytes per frame for continuations 1, 100 and 10,000
frames deep, against msgpack.packb/unpackb of the same frame data as plain tuples (the
floor) and pickle of it; and the cost of checkpointing every 1,000 items of 100,000.

    python bench/serialization.py [--quick]
"""
from __future__ import annotations

import os
import pickle
import statistics
import sys
import tempfile
import time

import msgpack

from turmeric.runtime import machine
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

machine.allow_deep_python_stack()   # as the command line does

PROGRAM = """
(defn deep [n]
  (if (= n 0)
    (cloneable-shift [k] k)
    (let [x (* n 2) s (str "f" n)]
      (+ (deep (- n 1)) x (count s)))))
(defn capture [n] (cloneable-reset (fn [] (deep n))))

(defn process [item] (if (map? item) (:id item) (* item item)))
(defn run-items [items every dir]
  (let [total 0]
    (for-each-with-index items
      (fn [i item]
        (set! total (+ total (process item)))
        (when (and every (= (mod (+ i 1) every) 0))
          (cloneable-shift [k]
            (write-file-atomic (str dir "/checkpoint.bin") (serialize k))
            (continue k)))))
    total))
(defn run-incremental [items every]
  (let [total 0]
    (for-each-with-index items
      (fn [i item]
        (set! total (+ total (process item)))
        (when (= (mod (+ i 1) every) 0)
          (checkpoint "bench" nil))))
    total))
"""


def per_call(fn, n: int) -> float:
    """CPU time of one call of fn, over n calls in a row."""
    t = time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - t) / n


def loops_for(fn) -> int:
    """How many calls of fn make one measurement last about 20 ms."""
    n = 1
    while per_call(fn, n) * n <= 0.02 and n < 1 << 16:
        n *= 4
    return n


def median_time(fn, reps):
    """Median CPU time of fn (as bench/run.py: steadier than wall time on a shared machine)."""
    n = loops_for(fn)
    return statistics.median(per_call(fn, n) for _ in range(reps))


def interleaved(pairs: dict, reps: int) -> dict:
    """name -> the time per call of its fn in each of `reps` turns. The fns are measured in
    turns (a, floor a, b, floor b, ...), so that a slow moment of a shared machine hits both
    sides of a ratio alike; the caller takes medians of times and of per-turn ratios."""
    loops = {name: loops_for(fn) for name, fn in pairs.items()}
    times: dict = {name: [] for name in pairs}
    for _ in range(reps):
        for name, fn in pairs.items():
            times[name].append(per_call(fn, loops[name]))
    return times


def plain_frames(k):
    """The same frame data as plain tuples: (symbol, site, locals)."""
    out = []
    for entry, locs in k.frames:
        site = getattr(entry, "tm_site", None)
        sym = site[0].symbol if site else entry.__name__
        out.append((sym, site[1] if site else 0, locs))
    return out


def main(quick: bool = False):
    reps = 3 if quick else 7
    s = Session()
    s.eval_string(PROGRAM)
    ns = s.modules["user"].ns
    print(f"{'frames':>7} {'ser us':>9} {'de us':>9} {'bytes':>8} {'B/frame':>8} "
          f"{'floor ser':>10} {'floor de':>9} {'pickle':>8} {'ratio ser':>9} {'ratio de':>8}")
    for n in (1, 100, 10_000):
        k = machine.run(ns["g_capture"], (n,))
        data = serialize(s, k)
        plain = plain_frames(k)
        packed = msgpack.packb(plain)
        times = interleaved({
            "ser": lambda: serialize(s, k), "floor ser": lambda: msgpack.packb(plain),
            "de": lambda: deserialize(s, data), "floor de": lambda: msgpack.unpackb(packed),
            "pickle": lambda: pickle.dumps(plain)}, reps * 2 + 1)
        t = {name: statistics.median(ts) for name, ts in times.items()}
        r_ser = statistics.median(a / b for a, b in zip(times["ser"], times["floor ser"]))
        r_de = statistics.median(a / b for a, b in zip(times["de"], times["floor de"]))
        frames = len(k.frames)
        print(f"{frames:>7} {t['ser'] * 1e6:>9.1f} {t['de'] * 1e6:>9.1f} {len(data):>8} {len(data) / frames:>8.0f} "
              f"{t['floor ser'] * 1e6:>10.1f} {t['floor de'] * 1e6:>9.1f} {t['pickle'] * 1e6:>8.1f} "
              f"{r_ser:>9.2f} {r_de:>8.2f}")
    k5 = machine.run(ns["g_capture"], (4,))
    print(f"a {len(k5.frames)}-frame continuation with small locals: {len(serialize(s, k5))} bytes (target < 1024)")
    records = s.eval_string('(vec (map (fn [i] {:id i :name (str "n" i) :tags [:a :b]}) (range 10000)))')[0]
    data = serialize(s, records)
    as_python = [{"id": i, "name": f"n{i}", "tags": ("a", "b")} for i in range(10_000)]
    t_ser, t_de = median_time(lambda: serialize(s, records), reps), median_time(lambda: deserialize(s, data), reps)
    p_ser = median_time(lambda: pickle.dumps(as_python), reps)
    p_data = pickle.dumps(as_python)
    p_de = median_time(lambda: pickle.loads(p_data), reps)
    print(f"a vector of 10,000 small maps: serialize {t_ser * 1e3:.1f} ms, deserialize {t_de * 1e3:.1f} ms, "
          f"{len(data)} bytes (pickle of the same as Python dicts: {p_ser * 1e3:.1f} ms, {p_de * 1e3:.1f} ms, "
          f"{len(p_data)} bytes)")
    for label, src in [("100,000 items", "(range 100000)"),
                       ("20,000 small maps", '(vec (map (fn [i] {:id i :name (str "n" i)}) (range 20000)))')]:
        checkpoint_costs(ns, label, s.eval_string(src)[0], reps)


def checkpoint_costs(ns, label: str, items, reps: int):
    """A loop over items that checkpoints every 1,000: plain serialize vs the incremental
    checkpoint macro (items written once to .turmeric-blobs)."""
    n = len(items) // 1000      # checkpoints per run
    with tempfile.TemporaryDirectory() as d:
        base = median_time(lambda: machine.run(ns["g_run_hitems"], (items, None, d)), max(2, reps // 2))
        ckpt = median_time(lambda: machine.run(ns["g_run_hitems"], (items, 1000, d)), max(2, reps // 2))
        size = os.path.getsize(os.path.join(d, "checkpoint.bin"))
        cwd = os.getcwd()
        os.chdir(d)
        try:
            inc = median_time(lambda: machine.run(ns["g_run_hincremental"], (items, 1000)), max(2, reps // 2))
            inc_size = os.path.getsize(os.path.join(d, "checkpoint-bench.bin"))
        finally:
            os.chdir(cwd)
    print(f"{label}: {base * 1e3:.0f} ms without checkpoints, {ckpt * 1e3:.0f} ms checkpointing every "
          f"1,000 items ({(ckpt - base) / n * 1e3:.2f} ms per checkpoint, {size} bytes each)")
    print(f"  incremental (the checkpoint macro: items written once to .turmeric-blobs): {inc * 1e3:.0f} ms "
          f"({(inc - base) / n * 1e3:.2f} ms per checkpoint, {inc_size} bytes each); CPU time, so "
          f"fsync waits are not counted")


if __name__ == "__main__":
    main("--quick" in sys.argv)
