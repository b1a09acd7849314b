"""Equality (=) and ordering (compare) with Clojure's semantics.

`(= 1 1.0)` is false (integers and floats differ), booleans are not numbers, a list equals
a vector with equal elements, maps and sets compare by contents, struct values by type and
fields, refs by identity. `equals` keeps its own stack, so neither long nor deeply nested
data can exhaust Python's.
"""
from __future__ import annotations

from turmeric.data.errors import TurmericError
from turmeric.data.types import describe
from turmeric.data.values import EMPTY_VECTOR, Keyword, PList, PMap, PSet, StructValue, Symbol

_PVECTOR = type(EMPTY_VECTOR)
_SEQS = (PList, _PVECTOR)
# Python's == and hash treat these as equal across types (1 == 1.0 == True, [1] == [1.0]),
# so a dict lookup alone can pair up keys that = must tell apart.
_LOOSE = (bool, int, float, _PVECTOR, PSet)
_MISSING = object()


def equals(a, b) -> bool:
    """Clojure's =."""
    # a stack of iterators over pairs still to compare
    todo = [iter(((a, b),))]
    while todo:
        for x, y in todo[-1]:
            r = _shallow(x, y)
            if r is True:
                continue
            if r is False:
                return False
            todo.append(r)  # the parts of x and y: compare them before going on
            break
        else:
            todo.pop()
    return True


def _shallow(x, y):
    """True or False if x = y is decided here, else an iterator of pairs of parts."""
    tx = type(x)
    if tx is float:
        return type(y) is float and x == y  # ##NaN is not even equal to itself
    if x is y:
        return True
    ty = type(y)
    if tx is int or tx is str or tx is bytes:
        return ty is tx and x == y
    if tx is PList or tx is _PVECTOR:
        if (ty is not PList and ty is not _PVECTOR) or len(x) != len(y):
            return False
        return zip(x, y)
    if tx is Symbol:
        return ty is Symbol and x.name == y.name
    if tx is PMap or isinstance(x, PMap):   # (a sorted map is a PMap: builtins/sorted.py)
        if not isinstance(y, PMap) or len(x) != len(y):
            return False
        pairs = []
        for k, v in x.items():
            w = _get(y, k, True)
            if w is _MISSING:
                return False
            pairs.append((v, w))
        return _strictly_same_keys(x, y) and iter(pairs)
    if tx is PSet or isinstance(x, PSet):
        return (isinstance(y, PSet) and len(x) == len(y)
                and all(_get(y, k, False) is not _MISSING for k in x)
                and _strictly_same_keys(x, y))
    if isinstance(x, StructValue):
        return tx is ty and zip(x.field_values(), y.field_values())
    if tx is bool or tx is Keyword or x is None:
        return False  # these are equal only to themselves (checked above)
    try:
        return bool(x == y)
    except Exception:  # a foreign object with a broken __eq__: not equal
        return False


def _get(y, k, is_map: bool):
    """y's value for key k (None for a set's element), or _MISSING."""
    v = y.get(k, _MISSING) if is_map else (None if k in y else _MISSING)
    if v is _MISSING and type(k) in _SEQS:
        # pyrsistent's PVector == is False against anything but a Python list or tuple,
        # so an equal list or vector key can hide from the dict lookup
        for kk in y:
            if type(kk) in _SEQS and equals(kk, k):
                return y.get(kk) if is_map else None
    return v


def _strictly_same_keys(x, y) -> bool:
    """Given that every key of x matched one of y by Python's ==, check that the loose
    ones (1, 1.0, true, [1]) matched by =."""
    loose = [k for k in x if isinstance(k, _LOOSE)]
    if not loose:
        return True
    theirs = {_strict_key(k) for k in y}
    return all(_strict_key(k) in theirs for k in loose)


def _strict_key(k):
    """A hashable that is equal for two keys exactly when they are = (for dict lookups)."""
    t = type(k)
    if t is bool or t is int or t is float:
        return (t, k)
    if t is PList or t is _PVECTOR:
        return ("seq", tuple(_strict_key(x) for x in k))
    if t is PSet:
        return ("set", frozenset(_strict_key(x) for x in k))
    if t is PMap:
        return ("map", frozenset((_strict_key(a), _strict_key(b)) for a, b in k.items()))
    return k


def compare(a, b) -> int:
    """Clojure's compare: negative, zero or positive, for sorting. nil sorts first; numbers
    compare numerically (-1, 0, 1), booleans false first; strings as Java's compareTo: the
    difference of the first differing characters, else of the lengths (`(compare "a" "c")`
    is -2); keywords and symbols those without a namespace first, then by namespace, then by
    name; lists and vectors shorter first, then item by item (`(compare [1 2 3] [2])` is 1).
    Other mixes raise TurmericError("type", ...)."""
    if a is None or b is None:
        return (a is not None) - (b is not None)
    ka, kb = _kind(a), _kind(b)
    if ka != kb or ka is None:
        raise TurmericError("type", f"compare: cannot compare {describe(a)} with {describe(b)}",
                            hint="compare works on two numbers, two strings, two keywords, "
                                 "two symbols, two booleans or two lists/vectors")
    if ka == "str":
        return compare_text(a, b)
    if ka == "seq":
        if len(a) != len(b):
            return -1 if len(a) < len(b) else 1
        for x, y in zip(a, b):
            c = compare(x, y)
            if c:
                return c
        return 0
    if ka == "keyword" or ka == "symbol":
        if "/" not in a.name and "/" not in b.name:
            return compare_text(a.name, b.name)
        (ns_a, name_a), (ns_b, name_b) = split_name(a.name), split_name(b.name)
        if ns_a != ns_b:
            if ns_a is None or ns_b is None:
                return -1 if ns_a is None else 1
            return compare_text(ns_a, ns_b)
        return compare_text(name_a, name_b)
    return (a > b) - (a < b)


def compare_text(a: str, b: str) -> int:
    """Java's String.compareTo, by code points: the difference of the first differing
    characters, else of the lengths."""
    if a == b:
        return 0
    for x, y in zip(a, b):
        if x != y:
            return ord(x) - ord(y)
    return len(a) - len(b)


def split_name(name: str) -> tuple[str | None, str]:
    """The namespace and the name of a keyword's or symbol's text, as Clojure splits them at
    the first `/`: "ns/kw" is ("ns", "kw"), "kw" and "/" have no namespace (None)."""
    i = name.find("/")
    if i < 0 or name == "/":
        return None, name
    return name[:i], name[i + 1:]


def _kind(x):
    t = type(x)
    if t is int or t is float:
        return "number"
    if t is str:
        return "str"
    if t is bool:
        return "bool"
    if t is Keyword:
        return "keyword"
    if t is Symbol:
        return "symbol"
    if t is PList or t is _PVECTOR:
        return "seq"
    return None
