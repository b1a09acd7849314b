"""The collection rows of bench/run.py alone (issue #14): string join 10^5 and maps and sets
10^5, and string join at 10^6 as the issue's table measures it. Turmeric against the Python
program of bench/pyref.py in one run, as run.py measures them (CPU time, Turmeric and Python
repetitions interleaved, medians), and the ratios.

    python bench/colls.py [--reps N]
"""
from __future__ import annotations

import argparse
import sys

import run  # bench/run.py (this script's directory is on sys.path): its harness, cases and clock


TARGETS = {"string join 10^5": 2.0, "maps and sets 10^5": 6.0, "string join 10^6": 2.0}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=7)
    args = ap.parse_args(argv)
    tm = run.Turmeric()
    big = run.Case("string join 10^6", "strings", "join-numbers", run._vec(10 ** 6),
                   run.pyref.join_numbers, run._lst(10 ** 6))   # issue #14's own size
    for case in [*run.cases(), big]:
        if case.name not in TARGETS:
            continue
        row = run.run_case(tm, case, args.reps)
        goal = TARGETS[case.name]
        print(f"{case.name:<20} Turmeric {row.tm * 1e3:8.2f} ms  Python {row.py * 1e3:7.2f} ms  "
              f"ratio {row.ratio:5.2f}x  (target <= {goal}x: {'PASS' if row.ratio <= goal else 'FAIL'})",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
