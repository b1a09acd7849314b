"""The compute rows of issue #14 in one run: fib, nqueens and reduce over map over filter,
each beside its Python program (bench/pyref.py), CPU time, medians, interleaved.

    python bench/compiler.py [--reps N]

It reuses bench/run.py's cases and timing, and prints Turmeric ms, Python ms and the ratio.
"""
from __future__ import annotations

import argparse
import sys

import run

ROWS = ("fib 27", "nqueens 8", "reduce+map+filter 10^5")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("rows", nargs="*", help="row names (a prefix); default: the three")
    args = ap.parse_args(argv)
    wanted = args.rows or ROWS
    tm = run.Turmeric()
    rows = [run.run_case(tm, c, args.reps) for c in run.cases()
            if any(c.name.startswith(w) for w in wanted)]
    print(run.table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
