"""Equality, ordering and hashing of any two values: =, not=, compare, hash (numeric comparison
is in numbers.py). The semantics are data/equality.py's."""
from __future__ import annotations

from typing import Callable

from turmeric.data import equality
from turmeric.data.equality import equals
from turmeric.data.types import VECTOR_CLASS, type_key
from turmeric.data.values import PList, PMap, PSet, StructValue
from turmeric.runtime.lazy import LazySeq


def eq(x, *ys):
    if len(ys) == 1:
        y = ys[0]
        if x is y and type(x) is not float:
            return True
        tx = type(x)
        if (tx is int or tx is str) and type(y) is tx:
            return x == y
        return equals(x, y)
    for y in ys:
        if not equals(x, y):
            return False
        x = y
    return True


def not_eq(x, *ys):
    return not eq(x, *ys)


def compare(a, b):
    return equality.compare(a, b)


def _eq_hash(x) -> int:
    t = type(x)
    if t is PList or t is VECTOR_CLASS or t is LazySeq:   # (a lazy sequence: all of it)
        return hash(("seq",) + tuple(_eq_hash(i) for i in x))
    if t is PMap or isinstance(x, PMap):    # (a sorted map hashes as the plain map it equals)
        return hash(("map", frozenset((_eq_hash(k), _eq_hash(v)) for k, v in x.items())))
    if t is PSet or isinstance(x, PSet):
        return hash(("set", frozenset(_eq_hash(i) for i in x)))
    if isinstance(x, StructValue):
        return hash((x.stype.qualname,) + tuple(_eq_hash(f) for f in x.field_values()))
    return hash(x)


def eq_hash(x) -> int:
    """A hash consistent with `=`: equal values hash alike. Python's own hashes are not
    (a list and a vector with the same items are = but hash differently), so collections are
    hashed by their items here. Values nested too deeply for that get a coarse hash."""
    try:
        return _eq_hash(x)
    except RecursionError:
        if isinstance(x, (PList, VECTOR_CLASS)):
            return hash(("seq", len(x)))
        return hash((type_key(x), len(x) if isinstance(x, (PMap, PSet)) else 0))


def hash_(x):
    return eq_hash(x)


BUILTINS: dict[str, Callable] = {
    "=": eq, "not=": not_eq, "compare": compare, "hash": hash_,
}
