"""Where the time of fib and tak goes: the generated direct-mode code, taken apart.

    python bench/anatomy.py [--rounds N]

Each variant below is the code `python -m turmeric.cli compile bench/programs/fib.tm` (and
tak.tm) generates, with one more ingredient of the design removed at each step:

    generated    what the compiler emits (depth parameter, try at each non-tail call site,
                 guarded arithmetic where no operand is a numeric literal)
    - not-test   tak only: `(not (< y x))` tested with `not` instead of a temporary and
                 `t is None or t is False`
    - guard      native `a + b` / `a < b` instead of `(a + b if type(a) is int is type(b)
                 else B_+(a, b))`
    - try        no try/except around the call sites
    - depth      no depth parameter `d` (no `if d > 1000` test, no `d + 1` per call)

    now          (#14 fastc) what the compiler emits after the fib/nqueens work: the depth
                 test only on the path that calls (fib's n < 2 path and tak's leaves test
                 nothing), `d1 = d + 1` once for the calls, and fib's last call the operand
                 of its `return (t1 + call)` inside its try

The last variant is plain Python with the same control flow; `python` is the idiomatic
version in bench/pyref.py. Each variant is timed once per round, in turn, and the median
over the rounds (CPU time) is reported as a ratio to `python`. The variants are written
out by hand (a copy of the compiler's output as of docs/performance.md; `now` as of #14
fastc), so that they do not change when the compiler does: rerun `turmeric compile` to
check they still match.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pyref  # noqa: E402


class Unwind(BaseException):
    pass


def _depth(*args):
    raise Unwind()


def B__p(a, b):  # noqa: N802 - the name the generated code uses for `+`
    return a + b


def B__l(a, b):  # noqa: N802 - `<`
    return a < b


def R(*args):
    pass


# -- fib ------------------------------------------------------------------------------------

def fib_generated(d, l_n):
    if d > 1000: _depth(fib_generated, l_n)  # noqa: E701
    if (l_n < 2):
        return l_n
    else:
        try:
            t1 = fib_generated(d + 1, (l_n - 1))
        except Unwind as u:
            u.frames.append((R, (l_n, )))
            raise
        try:
            t2 = fib_generated(d + 1, (l_n - 2))
        except Unwind as u:
            u.frames.append((R, (t1, )))
            raise
        return (t1 + t2 if type(t1) is int is type(t2) else B__p(t1, t2))


def fib_noguard(d, l_n):
    if d > 1000: _depth(fib_noguard, l_n)  # noqa: E701
    if (l_n < 2):
        return l_n
    else:
        try:
            t1 = fib_noguard(d + 1, (l_n - 1))
        except Unwind as u:
            u.frames.append((R, (l_n, )))
            raise
        try:
            t2 = fib_noguard(d + 1, (l_n - 2))
        except Unwind as u:
            u.frames.append((R, (t1, )))
            raise
        return t1 + t2


def fib_notry(d, l_n):
    if d > 1000: _depth(fib_notry, l_n)  # noqa: E701
    if (l_n < 2):
        return l_n
    else:
        t1 = fib_notry(d + 1, (l_n - 1))
        t2 = fib_notry(d + 1, (l_n - 2))
        return t1 + t2


def fib_nodepth(l_n):
    if (l_n < 2):
        return l_n
    else:
        t1 = fib_nodepth(l_n - 1)
        t2 = fib_nodepth(l_n - 2)
        return t1 + t2


def fib_now(d, l_n):
    if (l_n < 2):
        return l_n
    else:
        if d > 1000: _depth(fib_now, l_n)  # noqa: E701
        d1 = d + 1
        try:
            t1 = fib_now(d1, (l_n - 1))
        except Unwind as u:
            u.frames.append((R, (l_n, )))
            raise
        try:
            return (t1 + fib_now(d1, (l_n - 2)))
        except Unwind as u:
            u.frames.append((R, (t1, )))
            raise


# -- tak ------------------------------------------------------------------------------------

def tak_generated(d, l_x, l_y, l_z):
    if d > 1000: _depth(tak_generated, l_x, l_y, l_z)  # noqa: E701
    while True:
        t1 = (l_y < l_x if type(l_y) is int is type(l_x) else B__l(l_y, l_x))
        if (t1 is None or t1 is False):
            return l_z
        else:
            try:
                t2 = tak_generated(d + 1, (l_x - 1), l_y, l_z)
            except Unwind as u:
                u.frames.append((R, (l_x, l_y, l_z, )))
                raise
            try:
                t3 = tak_generated(d + 1, (l_y - 1), l_z, l_x)
            except Unwind as u:
                u.frames.append((R, (l_x, l_y, l_z, t2, )))
                raise
            try:
                t4 = tak_generated(d + 1, (l_z - 1), l_x, l_y)
            except Unwind as u:
                u.frames.append((R, (t2, t3, )))
                raise
            l_x, l_y, l_z, = t2, t3, t4,
            continue


def tak_nottest(d, l_x, l_y, l_z):
    if d > 1000: _depth(tak_nottest, l_x, l_y, l_z)  # noqa: E701
    while True:
        if not (l_y < l_x if type(l_y) is int is type(l_x) else B__l(l_y, l_x)):
            return l_z
        else:
            try:
                t2 = tak_nottest(d + 1, (l_x - 1), l_y, l_z)
            except Unwind as u:
                u.frames.append((R, (l_x, l_y, l_z, )))
                raise
            try:
                t3 = tak_nottest(d + 1, (l_y - 1), l_z, l_x)
            except Unwind as u:
                u.frames.append((R, (l_x, l_y, l_z, t2, )))
                raise
            try:
                t4 = tak_nottest(d + 1, (l_z - 1), l_x, l_y)
            except Unwind as u:
                u.frames.append((R, (t2, t3, )))
                raise
            l_x, l_y, l_z, = t2, t3, t4,
            continue


def tak_noguard(d, l_x, l_y, l_z):
    if d > 1000: _depth(tak_noguard, l_x, l_y, l_z)  # noqa: E701
    while True:
        if not l_y < l_x:
            return l_z
        else:
            try:
                t2 = tak_noguard(d + 1, (l_x - 1), l_y, l_z)
            except Unwind as u:
                u.frames.append((R, (l_x, l_y, l_z, )))
                raise
            try:
                t3 = tak_noguard(d + 1, (l_y - 1), l_z, l_x)
            except Unwind as u:
                u.frames.append((R, (l_x, l_y, l_z, t2, )))
                raise
            try:
                t4 = tak_noguard(d + 1, (l_z - 1), l_x, l_y)
            except Unwind as u:
                u.frames.append((R, (t2, t3, )))
                raise
            l_x, l_y, l_z, = t2, t3, t4,
            continue


def tak_notry(d, l_x, l_y, l_z):
    if d > 1000: _depth(tak_notry, l_x, l_y, l_z)  # noqa: E701
    while True:
        if not l_y < l_x:
            return l_z
        else:
            t2 = tak_notry(d + 1, (l_x - 1), l_y, l_z)
            t3 = tak_notry(d + 1, (l_y - 1), l_z, l_x)
            t4 = tak_notry(d + 1, (l_z - 1), l_x, l_y)
            l_x, l_y, l_z, = t2, t3, t4,
            continue


def tak_nodepth(l_x, l_y, l_z):
    while True:
        if not l_y < l_x:
            return l_z
        else:
            t2 = tak_nodepth((l_x - 1), l_y, l_z)
            t3 = tak_nodepth((l_y - 1), l_z, l_x)
            t4 = tak_nodepth((l_z - 1), l_x, l_y)
            l_x, l_y, l_z, = t2, t3, t4,
            continue


def tak_now(d, l_x, l_y, l_z):
    while True:
        if (not (l_y < l_x)):
            return l_z
        else:
            if d > 1000: _depth(tak_now, l_x, l_y, l_z)  # noqa: E701
            d1 = d + 1
            try:
                t1 = tak_now(d1, (l_x - 1), l_y, l_z)
            except Unwind as u:
                u.frames.append((R, (l_x, l_y, l_z, )))
                raise
            try:
                t2 = tak_now(d1, (l_y - 1), l_z, l_x)
            except Unwind as u:
                u.frames.append((R, (l_x, l_y, l_z, t1, )))
                raise
            try:
                t3 = tak_now(d1, (l_z - 1), l_x, l_y)
            except Unwind as u:
                u.frames.append((R, (t1, t2, )))
                raise
            l_x, l_y, l_z, = t1, t2, t3,
            continue


GROUPS = {
    "fib 25": [
        ("python", pyref.fib, (25,)),
        ("generated", fib_generated, (1, 25)),
        ("now", fib_now, (1, 25)),
        ("- guard", fib_noguard, (1, 25)),
        ("- try", fib_notry, (1, 25)),
        ("- depth", fib_nodepth, (25,)),
    ],
    "tak 18 12 6": [
        ("python", pyref.tak, (18, 12, 6)),
        ("generated", tak_generated, (1, 18, 12, 6)),
        ("now", tak_now, (1, 18, 12, 6)),
        ("- not-test", tak_nottest, (1, 18, 12, 6)),
        ("- guard", tak_noguard, (1, 18, 12, 6)),
        ("- try", tak_notry, (1, 18, 12, 6)),
        ("- depth", tak_nodepth, (18, 12, 6)),
    ],
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="cost of each ingredient of the generated code")
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args(argv)
    for group, variants in GROUPS.items():
        answers = {f(*a) for _, f, a in variants}
        assert len(answers) == 1, f"{group}: the variants disagree: {answers}"
        times: dict[str, list[float]] = {name: [] for name, _, _ in variants}
        for f_name, f, a in variants:        # warm up
            f(*a)
        for _ in range(args.rounds):
            for name, f, a in variants:
                t0 = time.process_time()
                f(*a)
                times[name].append(time.process_time() - t0)   # CPU time: a shared machine
        base = statistics.median(times["python"])
        print(f"{group}")
        for name, _, _ in variants:
            t = statistics.median(times[name])
            print(f"  {name:<12} {t * 1e3:8.2f} ms  {t / base:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
