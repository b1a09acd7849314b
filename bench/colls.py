"""The collection rows of bench/run.py alone (issue #14): string join 10^5 and maps and sets
10^5, Turmeric against the Python program of bench/pyref.py in one run, as run.py measures
them (CPU time, Turmeric and Python repetitions interleaved, medians), and the ratios.

    python bench/colls.py [--reps N]
"""
from __future__ import annotations

import argparse
import sys

import run  # noqa: E402  (bench/run.py: the harness, its cases and its clock)


ROWS = ("string join 10^5", "maps and sets 10^5")
TARGETS = {"string join 10^5": 2.0, "maps and sets 10^5": 6.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args(argv)
    tm = run.Turmeric()
    for case in run.cases():
        if case.name not in ROWS:
            continue
        row = run.run_case(tm, case, args.reps)
        goal = TARGETS[case.name]
        print(f"{case.name:<20} Turmeric {row.tm * 1e3:8.2f} ms  Python {row.py * 1e3:7.2f} ms  "
              f"ratio {row.ratio:5.2f}x  (target <= {goal}x: {'PASS' if row.ratio <= goal else 'FAIL'})",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(run.BENCH))
    sys.exit(main())
