"""Equality (=) and ordering (compare) with Clojure's semantics.

`(= 1 1.0)` is false (integers and floats differ), booleans are not numbers, a list equals
a vector with equal elements, maps and sets compare by contents, struct values by type and
fields, refs by identity. `equals`, `hash_of` and `compare` keep their own stacks, so neither
long nor deeply nested data can exhaust Python's, and each meets a value shared by several
parts of a collection once, not once per path to it.
"""
from __future__ import annotations

from turmeric.data.errors import TurmericError
from turmeric.data.types import describe
from turmeric.data.values import EMPTY_VECTOR, Keyword, PList, PMap, PSet, StructValue, Symbol

_PVECTOR = type(EMPTY_VECTOR)
_SEQS = (_PVECTOR, PList)
_MISSING = object()


def equals(a, b) -> bool:
    """Clojure's =."""
    # the pairs still to compare: a stack of iterators over pairs, besides the pair (x, y)
    # at hand. A collection's first pair is taken at once and only the rest is pushed, so a
    # chain of one-item collections (a vector nested 10^6 deep) keeps the stack empty.
    todo: list = []
    x, y = a, b
    # pairs of collections of two or more items already begun: data that shares a value
    # (a vector holding one vector twice, n levels: 2^n paths) is compared once per pair,
    # not once per path. A pair met again was either found equal (else we would have
    # stopped) or is being compared; either way it adds nothing.
    begun: set | None = None
    while True:
        tx = type(x)
        if (tx is _PVECTOR or tx is PList) and type(y) in _SEQS and len(x) == 1 == len(y):
            x, y = x[0], y[0]            # (one item each: nothing to come back to)
            continue
        r = _shallow(x, y)
        if r is False:
            return False
        if r is not True:
            fresh = True
            if _shares(x):
                if begun is None:
                    begun = set()
                pair = (id(x), id(y))
                fresh = pair not in begun
                begun.add(pair)
            if fresh:
                first = next(r, _MISSING)
                if first is not _MISSING:
                    todo.append(r)
                    x, y = first
                    continue
        while todo:                      # the next pair still to compare
            nxt = next(todo[-1], _MISSING)
            if nxt is _MISSING:
                todo.pop()
            else:
                x, y = nxt
                break
        else:
            return True


def _shares(x) -> bool:
    """Whether x may hold one value more than once through two of its parts: a collection of
    two or more items (a chain of one-item collections cannot fan out, so it is not
    remembered, and a 10^6-deep vector costs no memory to compare or hash). A lazy sequence
    may: its length is not asked (that would realize all of it, and it may be endless)."""
    if getattr(type(x), "tm_lazy_seq", False):
        return True
    try:
        return len(x) >= 2
    except TypeError:           # a struct
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
    if (tx is PList or tx is _PVECTOR) and not getattr(ty, "tm_lazy_seq", False):
        if (ty is not PList and ty is not _PVECTOR) or len(x) != len(y):
            return False
        return zip(x, y)
    if getattr(tx, "tm_lazy_seq", False) or getattr(ty, "tm_lazy_seq", False):
        # a lazy sequence (runtime/lazy.py) is = to a list or vector with = items; compared
        # item by item, so an endless one is unequal to any finite one
        if not all(t is PList or t is _PVECTOR or getattr(t, "tm_lazy_seq", False) for t in (tx, ty)):
            return False
        return _zip_to_end(x, y)
    if tx is Symbol:
        return ty is Symbol and x.name == y.name
    if tx is PMap or isinstance(x, PMap):   # (a sorted map is a PMap: builtins/sorted.py)
        if not isinstance(y, PMap) or len(x) != len(y):
            return False
        # the keys as both maps hold them (data/values.py map_key, keyed): a lookup is =
        theirs = y.keyed
        pairs = []
        for k, v in x.keyed.items():
            w = theirs.get(k, _MISSING)
            if w is _MISSING:
                return False
            pairs.append((v, w))
        return iter(pairs)
    if tx is PSet or isinstance(x, PSet):   # (a sorted set is a PSet: builtins/sorted.py)
        if not isinstance(y, PSet) or len(x) != len(y):
            return False
        theirs = y.keyed
        return all(k in theirs for k in x.keyed)
    if isinstance(x, StructValue):
        return tx is ty and zip(x.field_values(), y.field_values())
    if tx is bool or tx is Keyword or x is None:
        return False  # these are equal only to themselves (checked above)
    try:
        return bool(x == y)
    except Exception:  # a foreign object with a broken __eq__: not equal
        return False


def _zip_to_end(x, y):
    """The pairs of items of x and y, then one unequal pair if one is longer."""
    xs, ys = iter(x), iter(y)
    for a in xs:
        for b in ys:
            yield a, b
            break
        else:
            yield _MISSING, None    # y ended first
            return
    for _ in ys:
        yield None, _MISSING        # x ended first
        return


def hash_of(x) -> int:
    """A hash consistent with =: values that are = hash alike (1 and 1.0 may too). Python's
    own hashes are not (pyrsistent hashes a vector in C, recursively, and a list and a vector
    must agree), so collections are hashed by their items here, on a stack of our own: deep
    data exhausts neither Python's stack nor C's."""
    t = type(x)
    if t not in _COMPOSITE and not isinstance(x, _HASHED_BY_PARTS):
        return hash(x)
    # a stack of [value, iterator over its parts, the parts' hashes so far], or a bare
    # one-item list or vector (its hash is its item's, combined: a chain of them, such as a
    # vector nested 10^6 deep, costs one pointer a level)
    todo: list = []
    # the hashes of collections of two or more items, by id: a value shared by several parts
    # (2^n paths through n levels of [v v]) is hashed once, not once per path (#16 item 2)
    done: dict = {}
    v = x
    while True:
        while True:                     # down from v until a hash is known
            tv = type(v)
            if tv not in _COMPOSITE and isinstance(v, (PMap, PSet)):
                # a sorted map or set (runtime/builtins/sorted.py) hashes as the plain one it
                # is = to; Python's hash of it would come back here (#14: it recursed until
                # the stack overflowed, for a sorted map or set as a key or member)
                tv = PMap if isinstance(v, PMap) else PSet
            if tv is PMap and v._hash is not None:    # a map keeps its hash once taken:
                h = v._hash                            # deep data is hashed once, not per level
                break
            if tv in _COMPOSITE or isinstance(v, StructValue):
                h = done.get(id(v))
                if h is not None:
                    break
                if (tv is PList or tv is _PVECTOR) and len(v) == 1:
                    todo.append(v)
                    v = v[0]
                    continue
                frame = [v, _parts(v), []]
                nxt = next(frame[1], _MISSING)
                if nxt is _MISSING:
                    h = _combine(v, [])
                    break
                todo.append(frame)
                v = nxt
                continue
            h = hash(v)
            break
        while True:                     # up with h, to the next part still to hash
            if not todo:
                return h
            top = todo[-1]
            if type(top) is not list:   # a one-item list or vector
                todo.pop()
                h = hash(("seq", (h,)))
                continue
            hashes = top[2]
            hashes.append(h)
            nxt = next(top[1], _MISSING)
            if nxt is _MISSING:
                todo.pop()
                h = _combine(top[0], hashes)
                if len(hashes) >= 2:
                    done[id(top[0])] = h
                continue
            v = nxt
            break


_COMPOSITE = frozenset({PList, _PVECTOR, PMap, PSet})
_HASHED_BY_PARTS = (StructValue, PMap, PSet)


def _parts(x):
    t = type(x)
    if t is PMap or isinstance(x, PMap):
        return iter([y for kv in x.items() for y in kv])
    if t is PList or t is _PVECTOR or isinstance(x, PSet):
        return iter(x)
    return iter(x.field_values())


def _combine(x, hashes: list) -> int:
    t = type(x)
    if t is PMap or isinstance(x, PMap):
        return hash(("map", frozenset(zip(hashes[0::2], hashes[1::2]))))
    if t is PSet or isinstance(x, PSet):
        return hash(("set", frozenset(hashes)))
    if t is PList or t is _PVECTOR:
        return hash(("seq", tuple(hashes)))
    return hash((x.stype.qualname, tuple(hashes)))


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
        return _compare_seqs(a, b)
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


def _compare_seqs(a, b) -> int:
    """compare of two lists or vectors, on a stack of our own (deep data exhausts neither
    Python's stack nor C's): shorter first, then item by item."""
    todo: list = []
    x, y = a, b
    begun: set = set()
    while True:
        if _kind(x) == "seq" and _kind(y) == "seq":
            if len(x) != len(y):
                return -1 if len(x) < len(y) else 1
            if len(x) == 1:
                x, y = x[0], y[0]        # (one item each: nothing to come back to)
                continue
            if x is not y and len(x):
                # a pair met again compared equal (else we would have stopped): data that
                # shares a value is compared once per pair, not once per path (as equals)
                pair = (id(x), id(y))
                if pair not in begun:
                    begun.add(pair)
                    todo.append(zip(x, y))
        else:
            c = compare(x, y)
            if c:
                return c
        while todo:
            nxt = next(todo[-1], _MISSING)
            if nxt is _MISSING:
                todo.pop()
            else:
                x, y = nxt
                break
        else:
            return 0


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
