"""Micro-benchmark of map and set operations on the keys programs use most (keywords,
strings, integers) and on vector keys: nanoseconds per operation, the best of several runs.

    python bench/maps.py

Run it before and after a change to data/values.py's PMap and PSet.
"""
from __future__ import annotations

import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from turmeric.runtime import machine  # noqa: E402,F401  (first: the builtins import each other through it)
from turmeric.runtime.builtins.maps import get  # noqa: E402
from turmeric.data.values import Keyword, PMap, PSet, vector  # noqa: E402
from turmeric.runtime.builtins import colls, maps, seqs  # noqa: E402

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


def main():
    for name, stmt in CASES:
        # CPU time of this process: another process on a shared machine disturbs it less
        t = timeit.Timer(stmt, timer=time.process_time, globals=ENV)
        n = max(1, int(0.02 / max(t.timeit(10) / 10, 1e-9)))
        best = min(t.repeat(15, n)) / n
        print(f"{name:32} {best * 1e9:10.0f} ns")


if __name__ == "__main__":
    main()
