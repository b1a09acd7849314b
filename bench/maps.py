"""Micro-benchmark of map and set operations on the keys programs use most (keywords,
strings, integers) and on vector keys: nanoseconds per operation, the best of several runs.
Then (issue #14, "maps and sets") large maps and sets built one key at a time by Turmeric
programs, against the same Python loop over a dict or set: the Turmeric time, the Python
time and their ratio, CPU time, medians of interleaved repetitions.

    python bench/maps.py [--build-only] [--n N] [--reps N]

Run it before and after a change to data/values.py's PMap and PSet.
"""
from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from turmeric.runtime import machine  # noqa: E402,F401  (first: the builtins import each other through it)
from turmeric.runtime.builtins.maps import get  # noqa: E402
from turmeric.data.values import Keyword, PMap, PSet, vector  # noqa: E402
from turmeric.runtime.builtins import colls, maps, seqs  # noqa: E402
from turmeric.session.session import Session  # noqa: E402

K = [Keyword(n) for n in ("id", "name", "total", "count", "status")]
M = PMap.from_pairs((k, i) for i, k in enumerate(K))
S = PMap.from_pairs((k.name, i) for i, k in enumerate(K))
I = PMap.from_pairs((i, i) for i in range(8))
V = PMap.from_pairs((vector((i, j)), i) for i in range(3) for j in range(3))
SET = PSet(range(8))
INTS = vector(list(range(100)) * 10)
KEY = vector((1, 2))
ENV = dict(globals())

CASES = [
    ("assoc keyword (5 keys)", "M.assoc(K[2], 7)"),
    ("get keyword", "M.get(K[2])"),
    ("types.get keyword", "get(M, K[2])"),
    ("(:k m)", "K[2](None, M)"),
    ("contains? keyword", "maps.contains(M, K[3])"),
    ("assoc string", "S.assoc('total', 7)"),
    ("get string", "S.get('total')"),
    ("assoc int (8 keys)", "I.assoc(3, 7)"),
    ("get int", "I.get(3)"),
    ("hash-map 3 keywords", "maps.hash_map(K[0], 1, K[1], 2, K[2], 3)"),
    ("PMap.from_pairs 5 keywords", "PMap.from_pairs([(K[0], 1), (K[1], 2), (K[2], 3), (K[3], 4), (K[4], 5)])"),
    ("iterate items (5 keys)", "for _ in M.items(): pass"),
    ("set contains int", "3 in SET"),
    ("set conj int", "SET.conj(9)"),
    ("get vector key (9 keys)", "V.get(KEY)"),
    ("assoc vector key", "V.assoc(KEY, 0)"),
    ("frequencies 1000 ints", "seqs.frequencies(INTS)"),
    ("distinct 1000 ints", "seqs.distinct(INTS)"),
    ("set of 1000 ints", "colls.set_(INTS)"),
]


def small_rows():
    for name, stmt in CASES:
        # CPU time of this process: another process on a shared machine disturbs it less
        t = timeit.Timer(stmt, timer=time.process_time, globals=ENV)
        n = max(1, int(0.02 / max(t.timeit(10) / 10, 1e-9)))
        best = min(t.repeat(15, n)) / n
        print(f"{name:32} {best * 1e9:10.0f} ns", flush=True)


# -- large maps and sets, one key at a time (issue #14) ---------------------------------------

BUILD_PROGRAM = """
(defn build-map [xs] (reduce (fn [m x] (assoc m x 1)) {} xs))
(defn build-set [xs] (reduce (fn [s x] (conj s x)) #{} xs))
(defn count-by-update [xs] (reduce (fn [m x] (update m (mod x 1000) (fnil inc 0))) {} xs))
"""


def py_build_map(xs):
    d = {}
    for x in xs:
        d[x] = 1
    return d


def py_build_set(xs):
    s = set()
    for x in xs:
        s.add(x)
    return s


def py_count_by_update(xs):
    d = {}
    for x in xs:
        k = x % 1000
        d[k] = d.get(k, 0) + 1
    return d


BUILD_CASES = [
    ("map by assoc", "build-map", py_build_map, lambda m: dict(m.items())),
    ("set by conj", "build-set", py_build_set, set),
    ("update, 1000 keys", "count-by-update", py_count_by_update, lambda m: dict(m.items())),
]


def build_rows(n: int, reps: int):
    machine.allow_deep_python_stack()
    session = Session()
    session.eval_string(BUILD_PROGRAM)
    xs_tm, xs_py = vector(range(n)), list(range(n))
    print(f"\n{n} keys, one at a time: Turmeric vs the Python loop (CPU time, median of {reps})")
    for name, fn, py, to_py in BUILD_CASES:
        f = session.eval_string(fn)[-1]
        def tm_call():
            return session.run(machine.run, f, (xs_tm,))
        got = tm_call()                             # one untimed run: warms up, checks the answer
        if to_py(got) != py(xs_py) or list(got)[:3] != list(py(xs_py))[:3]:
            raise SystemExit(f"bench: {name}: Turmeric and Python disagree")
        t_times, p_times = [], []
        for _ in range(reps):                       # interleaved: load changes hit both sides
            for call, times in ((tm_call, t_times), (lambda: py(xs_py), p_times)):
                gc.collect()
                t0 = time.process_time()
                call()
                times.append(time.process_time() - t0)
        t, p = statistics.median(t_times), statistics.median(p_times)
        print(f"{name + f' {n}':28} Turmeric {t * 1e3:9.1f} ms  Python {p * 1e3:7.2f} ms  "
              f"ratio {t / p:6.1f}x  ({t / n * 1e9:.0f} ns per key)", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build-only", action="store_true", help="only the large maps and sets")
    ap.add_argument("--n", type=int, default=10 ** 5, help="keys of the large maps and sets")
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args(argv)
    if not args.build_only:
        small_rows()
    build_rows(args.n, args.reps)


if __name__ == "__main__":
    main()
