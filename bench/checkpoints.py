"""Checkpoints that cost what changed (#14, the three checkpoint rows), in one run:

    python bench/checkpoints.py [--reps N]

1. a checkpoint (the stdlib `checkpoint` macro) in a function holding a vector grown with
   `conj` to about 100,000 items, 1,000 of them new since the last checkpoint, against the
   same checkpoint holding 1,000 items in all (the issue's baseline; target: at most 2x);
2. the same with a list grown with `cons`;
3. one small atomic write (turmeric/serialize/atomic.py) of a checkpoint's bytes against a
   bare open/write/fsync/close of the same bytes (target: at most 2.5x).

CPU time of this process (time.process_time), the two sides alternating in each repetition,
medians of the per-repetition times; the ratio is of the medians. Rows 1 and 2 also give the
bytes of new chunk files per checkpoint.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from turmeric.runtime import machine  # noqa: E402
from turmeric.data.names import mangle  # noqa: E402
from turmeric.data.values import EMPTY_LIST, EMPTY_VECTOR  # noqa: E402
from turmeric.serialize.atomic import atomic_write  # noqa: E402
from turmeric.session.session import Session  # noqa: E402

machine.allow_deep_python_stack()

PROGRAM = """
(defn grow [v n from] (loop [i 0 v v] (if (< i n) (recur (inc i) (conj v (+ from i))) v)))
(defn grow-list [l n from] (loop [i 0 l l] (if (< i n) (recur (inc i) (cons (+ from i) l)) l)))
(defn ck [v] (checkpoint "bench" nil) (count v))
"""


def clock():
    return time.process_time()


def store_bytes(folder: Path) -> int:
    store = folder / ".turmeric-blobs"
    return sum(f.stat().st_size for f in store.iterdir()) if store.is_dir() else 0


def held_rows(reps: int) -> list:
    """Rows 1 and 2: the checkpoint of a growing collection against one of 1,000 items."""
    rows = []
    for kind, grow, empty in (("vector grown with conj", "grow", EMPTY_VECTOR),
                              ("list grown with cons", "grow-list", EMPTY_LIST)):
        folder = Path(tempfile.mkdtemp(prefix="tm-bench-ck-"))
        old = os.getcwd()
        os.chdir(folder)
        try:
            s = Session()
            s.eval_string(PROGRAM)
            ns = s.modules["user"].ns
            g, ck = ns["g_" + mangle(grow)], ns["g_ck"]

            def call(f, *args):
                return s.run(machine.run, f, args)
            start = 100_000 - reps * 1000
            held = call(g, empty, start, 0)
            call(ck, held)                      # the first checkpoint stores it all
            big, small, new_bytes = [], [], []
            for r in range(reps):
                gc.collect()
                base = call(g, empty, 1000, 10_000_000 + r * 1000)   # 1,000 held in all
                t0 = clock()
                call(ck, base)
                small.append(clock() - t0)
                held = call(g, held, 1000, start + r * 1000)         # 1,000 new ones
                before = store_bytes(folder)
                t0 = clock()
                call(ck, held)
                big.append(clock() - t0)
                new_bytes.append(store_bytes(folder) - before)
            rows.append((f"checkpoint holding a {kind}, {len(held):,} items (1,000 new)",
                         statistics.median(big), statistics.median(small), 2.0,
                         f"new chunk bytes per checkpoint: median {statistics.median(new_bytes):,.0f}, "
                         f"max {max(new_bytes):,}; store after the run {store_bytes(folder) / 2**20:.1f} MiB"))
        finally:
            os.chdir(old)
    return rows


def atomic_row(reps: int) -> tuple:
    """Row 3: atomic_write of a small checkpoint's bytes against a bare write+fsync."""
    folder = tempfile.mkdtemp(prefix="tm-bench-atomic-")
    s = Session()
    data = s.core["serialize"](0, s.eval_string("(vec (range 100))"))
    path, bare_path = os.path.join(folder, "ck.bin"), os.path.join(folder, "bare.bin")

    floor_path = os.path.join(folder, "floor.bin")

    def bare():
        fd = os.open(bare_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)

    def syscalls():
        # the system calls of a crash-safe replace and nothing else: the floor of the row
        fd = os.open(floor_path + ".part", os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.replace(floor_path + ".part", floor_path)
        dfd = os.open(folder, os.O_RDONLY)
        os.fsync(dfd)
        os.close(dfd)
    tm, py, floor = [], [], []
    for _ in range(reps * 20):
        t0 = clock()
        atomic_write(path, data)
        tm.append(clock() - t0)
        t0 = clock()
        bare()
        py.append(clock() - t0)
        t0 = clock()
        syscalls()
        floor.append(clock() - t0)
    f = statistics.median(floor)
    return (f"one small checkpoint write ({len(data)} bytes) vs bare write+fsync",
            statistics.median(tm), statistics.median(py), 2.5,
            f"atomic: one data fsync, one rename, one directory fsync; those system calls alone in "
            f"Python: {f * 1e3:.3f}ms, {f / statistics.median(py):.2f}x the bare write "
            f"(atomic_write is {statistics.median(tm) / f:.2f}x them)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args(argv)
    rows = held_rows(args.reps) + [atomic_row(args.reps)]
    print(f"{'row':<72} {'turmeric':>10} {'baseline':>10} {'ratio':>6} {'target':>6}")
    for name, tm, base, target, note in rows:
        ratio = tm / base
        print(f"{name:<72} {tm * 1e3:>8.3f}ms {base * 1e3:>8.3f}ms {ratio:>5.2f}x {target:>5.1f}x "
              f"{'met' if ratio <= target else 'NOT MET'}")
        print(f"    {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
