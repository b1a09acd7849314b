"""Idiomatic plain-Python versions of the programs in bench/programs/*.tm.

Each is what a Python programmer would write for the same algorithm: recursion where the
Turmeric program recurses, a comprehension for map and filter, `sum` over a generator
expression for reduce, `str.join` for string building, a generator function for the
cloneable-shift generator. bench/run.py times them against the Turmeric programs and
tests/test_bench_programs.py uses them as the expected answers.
"""
from __future__ import annotations

import functools
import operator


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def tak(x, y, z):
    if not y < x:
        return z
    return tak(tak(x - 1, y, z), tak(y - 1, z, x), tak(z - 1, x, y))


def _safe(col, placed):
    for dist, c in enumerate(placed, 1):
        if c == col or abs(c - col) == dist:
            return False
    return True


def _place(n, row, placed):
    if row == n:
        return 1
    total = 0
    for col in range(n):
        if _safe(col, placed):
            total += _place(n, row + 1, (col,) + placed)
    return total


def nqueens(n):
    return _place(n, 0, ())


def sum_to(n):
    total = 0
    for i in range(n + 1):
        total += i
    return total


def map_squares(xs):
    return [x * x for x in xs]


def multiples_of_3(xs):
    return [x for x in xs if x % 3 == 0]


def sum_squares(xs):
    return sum(x * x for x in xs)


def join_numbers(xs):
    return ", ".join(f"#{x}" for x in xs)


def produce(n):
    for i in range(n):
        yield i


def gen_sum(n):
    acc = 0
    for x in produce(n):
        acc += x
    return acc


def descend(n):
    return 0 if n == 0 else 1 + descend(n - 1)


def map_ops(xs):
    seen = {0, 3, 6, 9}
    m = {"count": 0, "total": 0, "hits": 0}
    counts = {}
    for x in xs:
        k = x % 10
        m = {**m, "count": m["count"] + 1, "total": m["total"] + x,
             "hits": m["hits"] + (k in seen)}
        counts = {**counts, k: counts.get(k, 0) + 1}
    return [m["count"], m["total"], m["hits"], counts.get(3, 0)]


# -- reduce over map over filter with user functions (bench/programs/chain.tm) ----------------

def _keep(x):
    return x % 3 == 0


def _square(x):
    return x * x


def sum_chain(xs):
    return functools.reduce(operator.add, map(_square, filter(_keep, xs)), 0)
