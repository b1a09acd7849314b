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
from turmeric.session import Session

PROGRAM = """
(defn deep [n]
  (if (= n 0)
    (cloneable-shift [k] k)
    (let [x (* n 2) s (str "f" n)]
      (+ (deep (- n 1)) x (count s)))))
(defn capture [n] (cloneable-reset (fn [] (deep n))))

(defn process [item] (* item item))
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


def median_time(fn, reps):
    """Median CPU time of fn (as bench/run.py: steadier than wall time on a shared machine);
    a fast call is repeated until one measurement lasts about 20 ms."""
    n = 1
    while True:
        t = time.process_time()
        for _ in range(n):
            fn()
        if time.process_time() - t > 0.02 or n >= 1 << 16:
            break
        n *= 4
    ts = []
    for _ in range(reps):
        t = time.process_time()
        for _ in range(n):
            fn()
        ts.append((time.process_time() - t) / n)
    return statistics.median(ts)


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
        t_ser = median_time(lambda: serialize(s, k), reps)
        t_de = median_time(lambda: deserialize(s, data), reps)
        plain = plain_frames(k)
        packed = msgpack.packb(plain)
        f_ser = median_time(lambda: msgpack.packb(plain), reps)
        f_de = median_time(lambda: msgpack.unpackb(packed), reps)
        p_ser = median_time(lambda: pickle.dumps(plain), reps)
        frames = len(k.frames)
        print(f"{frames:>7} {t_ser * 1e6:>9.0f} {t_de * 1e6:>9.0f} {len(data):>8} {len(data) / frames:>8.0f} "
              f"{f_ser * 1e6:>10.0f} {f_de * 1e6:>9.0f} {p_ser * 1e6:>8.0f} {t_ser / f_ser:>9.1f} {t_de / f_de:>8.1f}")
    k5 = machine.run(ns["g_capture"], (4,))
    print(f"a {len(k5.frames)}-frame continuation with small locals: {len(serialize(s, k5))} bytes (target < 1024)")
    items = s.eval_string("(range 100000)")[0]
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
    print(f"100,000 items: {base * 1e3:.0f} ms without checkpoints, {ckpt * 1e3:.0f} ms checkpointing every "
          f"1,000 items ({(ckpt - base) / 100 * 1e3:.2f} ms per checkpoint, {size} bytes each)")
    print(f"  incremental (the checkpoint macro: items written once to .turmeric-blobs): {inc * 1e3:.0f} ms "
          f"({(inc - base) / 100 * 1e3:.2f} ms per checkpoint, {inc_size} bytes each); CPU time, so "
          f"fsync waits are not counted")


if __name__ == "__main__":
    main("--quick" in sys.argv)
