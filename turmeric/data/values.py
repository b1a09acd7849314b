"""Turmeric's runtime values.

nil is Python None, booleans are bool, integers int (arbitrary precision), floats float,
strings str, byte strings bytes. Vectors are pyrsistent PVectors (persistent, C-backed).
The classes below are the rest: symbols, keywords, lists, maps, refs, boxes, structs.
Every value is immutable except Ref and Box, which are the only mutable cells.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from itertools import islice, repeat
from typing import Any, Iterable, Iterator

# pyrsistent's C vector alone: `import pyrsistent` loads all of its Python types too (3 ms of
# start-up); serialize/blobs.py reads this C type's nodes, so it is the vector in any case
try:
    from pvectorc import pvector
except ImportError:     # (pyrsistent installed without its C extension)
    from pyrsistent import pvector

from turmeric.data.errors import TurmericError
from turmeric.data.names import demangle_field, mangle_field
from turmeric.data.signals import Jump
from turmeric.data.span import Span

EMPTY_VECTOR = pvector()
PVector = type(EMPTY_VECTOR)


def vector(items: Iterable[Any] = ()) -> PVector:
    return pvector(items)


def is_vector(x: Any) -> bool:
    return type(x) is PVector


class Symbol:
    """A symbol; equal by name. The reader stamps a span on every symbol it reads."""
    __slots__ = ("name", "span")

    def __init__(self, name: str, span: Span | None = None):
        self.name = name
        self.span = span

    def __eq__(self, other):
        return type(other) is Symbol and other.name == self.name

    def __hash__(self):
        return hash(("sym", self.name))

    def __repr__(self):
        return self.name


class Keyword:
    """A keyword such as :action; interned, so identity is equality. The table is weak: a
    keyword nobody holds any more is forgotten (100,000 keywords read from a payload do not
    stay behind), and while one is alive it is the only keyword of its name."""
    __slots__ = ("name", "wire", "__weakref__")
    _table: "weakref.WeakValueDictionary[str, Keyword]" = weakref.WeakValueDictionary()

    def __new__(cls, name: str):
        kw = cls._table.get(name)
        if kw is None:
            kw = object.__new__(cls)
            kw.name = name
            kw.wire = None       # the serializer's encoding of it, made once (serialize/encode.py)
            cls._table[name] = kw
        return kw

    def __repr__(self):
        return ":" + self.name

    def __reduce__(self):  # pragma: no cover - copy support only
        return (Keyword, (self.name,))

    def __call__(self, _d, m, default=None):
        """(:k m) reads key :k of a map, like Clojure."""
        if type(m) is PMap:
            return m.keyed.get(self, default)      # a keyword is a key as it is
        return types.get(m, self, default)


def is_sym(x, name: str | None = None) -> bool:
    """x is a symbol (named `name`, if given)."""
    return type(x) is Symbol and (name is None or x.name == name)


@dataclass(frozen=True, slots=True)
class CollectionSpan(Span):
    """The span of a vector, map or set read from source, with the spans of its items in
    iteration order (a map's: key, value, key, value, ...). Pyrsistent's vectors cannot take
    attributes, so the list that holds such a collection keeps this in its item_spans."""
    items: tuple = ()


def spans_of_items(x, span: Span | None = None) -> tuple:
    """The spans of the items of `x`, whose own span is `span`, as far as the reader recorded
    them: a list keeps them, a vector, map or set has them in its CollectionSpan; () if
    unknown (data made by a program or a macro)."""
    if type(x) is PList:
        return x.item_spans or ()
    return span.items if type(span) is CollectionSpan else ()


class PList:
    """An immutable linked list (Clojure's list): O(1) cons, first and rest, count cached.

    A list made from a sequence in one go (plist) is lazy: its head keeps the items as a
    tuple and the next cell is made only when `rest` is first read, so map, filter or range
    cost one tuple, not a cell per item, until someone walks them cell by cell.

    A list read from source has its span and, in item_spans, one span per item (the head
    cell only; None for lists made otherwise)."""
    __slots__ = ("first", "rest", "count", "span", "item_spans", "_items", "_at")

    def __init__(self, first, rest: "PList", count: int, span: Span | None = None):
        self.first = first
        self.rest = rest
        self.count = count
        self.span = span
        self.item_spans = None
        self._items = None

    def __getattr__(self, name):
        if name == "rest":  # an unset rest: a lazy cell making its successors
            # the next _CHUNK cells at once, linked, the last one lazy in its turn: reading an
            # unset slot costs an AttributeError and this call, a few times a cell's making,
            # so a walk cell by cell (loop/recur over next) pays it once per chunk
            items, at = self._items, self._at + 1
            n = len(items)
            if at >= n:
                self.rest = EMPTY_LIST
                return EMPTY_LIST
            prev = self
            for i in range(at, min(n, at + _CHUNK)):
                node = _new(PList)
                node.first = items[i]
                node.count = n - i
                node.span = None
                node.item_spans = None
                node._items = items
                node._at = i
                prev.rest = node
                prev = node
            return self.rest
        raise AttributeError(name)

    def __iter__(self) -> Iterator[Any]:
        items = self._items
        if items is not None:   # a list made in one go: its tuple's own iterator, in C
            return iter(items) if self._at == 0 else islice(items, self._at, None)
        return self._walk()

    def _walk(self) -> Iterator[Any]:
        node = self
        while node.count:
            items = node._items
            if items is not None:
                yield from islice(items, node._at, None)
                return
            yield node.first
            node = node.rest

    def __len__(self):
        return self.count

    def __bool__(self):
        return True  # every list is truthy, even the empty one (only nil and false are falsy)

    def __eq__(self, other):
        return equality.equals(self, other)

    def __hash__(self):
        return hash(pvector(self))  # a list = a vector with the same items: same hash

    def __repr__(self):
        return printer.pr_str(self)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return plist(list(self)[i])
        if i < 0:
            i += self.count
        if not 0 <= i < self.count:
            raise IndexError(i)
        if self._items is not None:
            return self._items[self._at + i]
        node = self
        for _ in range(i):
            node = node.rest
        return node.first


_CHUNK = 32     # cells a lazy list makes at a time when walked cell by cell

EMPTY_LIST = PList.__new__(PList)
EMPTY_LIST.first = None
EMPTY_LIST.rest = EMPTY_LIST
EMPTY_LIST.count = 0
EMPTY_LIST.span = None
EMPTY_LIST.item_spans = None
EMPTY_LIST._items = None


def _lazy_cell(items: tuple, at: int) -> PList:
    node = PList.__new__(PList)
    node.first = items[at]
    node.count = len(items) - at
    node.span = None
    node.item_spans = None
    node._items = items
    node._at = at
    return node


def cons(x, lst: PList) -> PList:
    return PList(x, lst, lst.count + 1)


def plist(items: Iterable[Any] = (), span: Span | None = None,
          item_spans: tuple | None = None) -> PList:
    """A list of the given items, in order; `span` and `item_spans` (one per item) say where
    it and its items were read."""
    if not isinstance(items, (list, tuple)):
        items = list(items)
    if len(items) > 4:
        head = _lazy_cell(tuple(items), 0)
        head.span = span
        head.item_spans = item_spans
        return head
    out = EMPTY_LIST
    n = 0
    for x in reversed(items):
        n += 1
        out = PList(x, out, n)
    if n:
        out.span = span
        out.item_spans = item_spans
    return out


# Map keys and set members are compared with =. Python's dict compares with == and hash,
# which agree with = on most values (keywords, strings, integers, nil, symbols, maps, sets,
# structs) but not on these: 1, 1.0 and true are one dict key, [1] and [1.0] are == and a
# vector is never == to a list. A map or set holds a key of these types as a MapKey, whose
# hash and == are =; every other key is held as it is, so the common keys cost one type test.
LOOSE_KEY_TYPES = frozenset({bool, float, type(EMPTY_VECTOR), PList})
# the items of a list or vector key that make it "flat": == on them is =, so a flat key
# is compared as a tuple of its items, in C
_FLAT_ITEM_TYPES = frozenset({int, str, Keyword, Symbol, type(None), bytes})
_SEQ_KEY_TYPES = (PList, type(EMPTY_VECTOR))
_new = object.__new__


class MapKey:
    """A key (or set member) whose Python == or hash disagrees with =, as a map or set holds
    it: equal to another MapKey exactly when the keys are =, with a hash that equal keys
    share. Never seen outside PMap and PSet, whose iteration gives back `key`."""
    __slots__ = ("key", "flat", "hash")

    def __init__(self, key):
        self.key = key
        if type(key) in _SEQ_KEY_TYPES and _FLAT_ITEM_TYPES.issuperset(map(type, key)):
            # = of two flat sequences is == of their items (a flat one is never = to one that
            # is not: only an integer is = to an integer, only a string to a string, ...)
            self.flat = flat = tuple(key)
            self.hash = hash(flat)
        else:
            self.flat = None
            self.hash = equality.hash_of(key)

    def __eq__(self, other):
        if type(other) is not MapKey:
            return False
        flat = self.flat
        if flat is not None:
            return flat == other.flat
        return equality.equals(self.key, other.key)

    def __hash__(self):
        return self.hash

    def __repr__(self):
        return f"MapKey({self.key!r})"


def map_key(k):
    """How a map or set holds the key k (k itself, or a MapKey)."""
    return MapKey(k) if type(k) in LOOSE_KEY_TYPES else k


def _unkey(k):
    return k.key if type(k) is MapKey else k


def _keyed_pairs(pairs) -> tuple[dict, bool]:
    """A dict of the pairs by the keys a map holds (later values win, the first key stays),
    and whether any key is a MapKey."""
    d = {}
    loose = False
    for k, v in pairs:
        if type(k) in LOOSE_KEY_TYPES:
            k = MapKey(k)
            loose = True
        d[k] = v
    return d, loose


# -- the keyed table of a map or set -----------------------------------------------------------
#
# A map or set holds its entries in a *keyed table*, `keyed`: a read-only mapping from the keys
# as the map holds them (map_key) to their values (None for a set), in insertion order. Code
# outside this module may read it with get, `in`, len, iteration (the held keys, in order) and
# items(), and never changes it. A table is one of two things:
#
# - a dict, for a map of fewer than SMALL entries (and for one made in one go, of any size:
#   from pairs, a dict, a merge): an update copies it, which for up to a hundred or so entries
#   is faster than anything persistent (CPython copies a small dict in C);
# - a _Table, once a map holding a dict of SMALL entries or more is updated: that dict as its
#   base, never changed again, and the changes since in a hash array mapped trie (immutables.Map,
#   the HAMT of PEP 567's contextvars) and a persistent vector, so an update costs O(log n)
#   and shares the rest with the map it came from. Putting a large dict in a table costs
#   nothing (it becomes the base as it is). docs/architecture.md, "Maps and sets".
#
# Updating: `t = table.copy()` (or _grown, _with), then `t[k] = v`, `del t[k]` or
# `t.update(...)` on that copy before it goes into a new map, never after; dict and _Table
# have the same few methods, so most of PMap's updates are written once for both.

SMALL = 128         # entries up to which a map or set is a dict copied on every update (measured: a
                    # copy of 128 costs less than a HAMT update, and a dict's get is twice as fast)

_HOLE = object()    # a _Table tail's place of a key taken out
_GONE = (-2, None)  # a _Table's `over` entry of a key taken out
_ABSENT = object()
_EMPTY_HAMT = []     # [immutables.Map()], made when the first large map is changed


def _empty_hamt():
    """The empty trie; immutables is imported when a program first changes a large map or
    set (4 ms of start-up that most programs never need)."""
    if not _EMPTY_HAMT:
        import immutables      # (here, not at the top: start-up)
        _EMPTY_HAMT.append(immutables.Map())
    return _EMPTY_HAMT[0]


class _Table:
    """The keyed table of a large map or set (see above). `base`: a dict of the keys and
    values it started from, never changed. `over`: a HAMT of the keys changed since, each to
    (its place, its value): place -1 for a key of base whose value changed (it keeps its place
    in base), else its index in `tail`; _GONE for a key taken out. `tail`: a pvector of the
    keys added after base's, in order, _HOLE where one was taken out. `n`: the number of
    entries; `touched`: how many of base's keys `over` names (0: base's entries are all as
    they were, and are read as they are)."""
    __slots__ = ("base", "over", "tail", "n", "touched")

    def get(self, k, default=None):
        e = self.over.get(k)
        if e is None:
            return self.base.get(k, default)
        return default if e is _GONE else e[1]

    def __getitem__(self, k):
        v = self.get(k, _ABSENT)
        if v is _ABSENT:
            raise KeyError(k)
        return v

    def __contains__(self, k):
        e = self.over.get(k)
        if e is None:
            return k in self.base
        return e is not _GONE

    def __len__(self):
        return self.n

    def __iter__(self):
        if self.touched:
            over = self.over
            for k in self.base:
                e = over.get(k)
                if e is None or e[0] == -1:
                    yield k
        else:
            yield from self.base
        for k in self.tail:
            if k is not _HOLE:
                yield k

    def keys(self) -> list:
        return list(self)

    def items(self) -> list:
        over = self.over
        if self.touched:
            out = []
            for kv in self.base.items():
                e = over.get(kv[0])
                if e is None:
                    out.append(kv)
                elif e[0] == -1:
                    out.append((kv[0], e[1]))
        else:
            out = list(self.base.items())
        out += [(k, over[k][1]) for k in self.tail if k is not _HOLE]
        return out

    def values(self) -> list:
        over = self.over
        if self.touched:
            out = []
            for k, v in self.base.items():
                e = over.get(k)
                if e is None:
                    out.append(v)
                elif e[0] == -1:
                    out.append(e[1])
        else:
            out = list(self.base.values())
        out += [over[k][1] for k in self.tail if k is not _HOLE]
        return out

    def copy(self):
        """A table to change for a new map: this one's state in a new _Table (O(1)), or, for
        one that has shrunk to half of SMALL, a dict again."""
        if self.n <= SMALL // 2:
            return dict(self.items())
        t = _new(_Table)
        t.base, t.over, t.tail, t.n, t.touched = self.base, self.over, self.tail, self.n, self.touched
        return t

    # -- changing a table just copied (never one a map holds) -------------------------------

    def __setitem__(self, k, v):
        over = self.over
        e = over.get(k)
        if e is None:
            was = self.base.get(k, _ABSENT)
            if was is not _ABSENT:          # a key of base: it keeps its place
                if was is not v:
                    self.over = over.set(k, (-1, v))
                    self.touched += 1
                return
        elif e is not _GONE:                # a key changed or added before: keeps its place
            if e[1] is not v:
                self.over = over.set(k, (e[0], v))
            return
        tail = self.tail                    # a new key (or one taken out before): at the end
        self.over = over.set(k, (len(tail), v))
        self.tail = tail.append(k)
        self.n += 1

    def __delitem__(self, k):
        over, base = self.over, self.base
        e = over.get(k)
        if e is None:
            if k not in base:
                raise KeyError(k)
            self.over = over.set(k, _GONE)
            self.touched += 1
        elif e is _GONE:
            raise KeyError(k)
        else:
            if e[0] >= 0:
                self.tail = self.tail.set(e[0], _HOLE)
            # (a key of base added again and taken out again stays _GONE: base still has it)
            self.over = over.delete(k) if e[0] >= 0 and k not in base else over.set(k, _GONE)
        self.n -= 1
        if len(base) + len(self.tail) > 2 * self.n + 32:
            # more places taken out than entries: made a dict again, so that a map that has
            # many keys put in and taken out keeps only what it holds
            self.base, self.over, self.tail, self.touched = dict(self.items()), _empty_hamt(), EMPTY_VECTOR, 0

    def update(self, other):
        """Add the entries of other (a dict, a _Table or pairs), in order, in one pass."""
        pairs = other.items() if type(other) is dict or type(other) is _Table else other
        base = self.base
        mm = self.over.mutate()
        tail = self.tail.evolver()
        n, touched = self.n, self.touched
        for k, v in pairs:
            e = mm.get(k)
            if e is None:
                was = base.get(k, _ABSENT)
                if was is not _ABSENT:
                    if was is not v:
                        mm[k] = (-1, v)
                        touched += 1
                    continue
            elif e is not _GONE:
                if e[1] is not v:
                    mm[k] = (e[0], v)
                continue
            mm[k] = (len(tail), v)
            tail.append(k)
            n += 1
        self.over, self.tail, self.n, self.touched = mm.finish(), tail.persistent(), n, touched


def _grown(d):
    """A table to change for a new map, from d, a table of SMALL entries or more."""
    if type(d) is not dict:
        return d.copy()
    t = _new(_Table)              # the dict as the base, as it is: O(1)
    t.base, t.over, t.tail, t.n, t.touched = d, _empty_hamt(), EMPTY_VECTOR, len(d), 0
    return t


def _with(d, k, v) -> _Table:
    """A new table: d (a table of SMALL entries or more) with k (as a map holds it) to v.
    _Table.__setitem__ on a copy, in one call: the update of a large map or set."""
    t = _new(_Table)
    if type(d) is dict:
        base, over, tail, n, touched = d, _empty_hamt(), EMPTY_VECTOR, len(d), 0
    else:
        base, over, tail, n, touched = d.base, d.over, d.tail, d.n, d.touched
    t.base = base
    e = over.get(k)
    if e is None:
        was = base.get(k, _ABSENT)
        if was is not _ABSENT:          # a key of base: it keeps its place
            if was is not v:
                over = over.set(k, (-1, v))
                touched += 1
            t.over, t.tail, t.n, t.touched = over, tail, n, touched
            return t
    elif e is not _GONE:                # a key changed or added before: keeps its place
        t.over = over.set(k, (e[0], v)) if e[1] is not v else over
        t.tail, t.n, t.touched = tail, n, touched
        return t
    t.over = over.set(k, (len(tail), v))    # a new key (or one taken out before): at the end
    t.tail = tail.append(k)
    t.n = n + 1
    t.touched = touched
    return t


def _merged(d, o):
    """A table to put in a new map: d's entries, then o's (o's values win)."""
    if len(d) >= SMALL and len(o) * 8 < len(d):
        d = _grown(d)           # a few entries into a large map: O(log n) each
        d.update(o)
    else:                       # about as many entries: one dict, in C
        d = d.copy() if type(d) is dict else dict(d.items())
        d.update(o if type(o) is dict else o.items())
    return d


def plain_map(d: dict) -> "PMap":
    """A map of the dict d (taken over), whose keys the caller has checked are none of
    LOOSE_KEY_TYPES (so Python's dict keys them as = does)."""
    m = _new(PMap)
    m.keyed = d
    m._hash = None
    m._loose = False
    return m


def _pmap(d, loose: bool) -> "PMap":
    """A map of d, a keyed table (a dict or a _Table) keyed as a map holds its keys; loose: d
    may hold MapKeys."""
    m = _new(PMap)
    m.keyed = d
    m._hash = None
    m._loose = loose
    return m


class PMap:
    """An immutable map that keeps insertion order, its keys compared with =. `keyed` is its
    keyed table (above): a dict while small, copied on update; a _Table, updated in O(log n),
    once large. `_loose` says it may hold MapKeys, which iteration then unwraps."""
    __slots__ = ("keyed", "_hash", "_loose")

    def __init__(self, d: dict | None = None):
        """A map of the Python dict d (taken over, not copied)."""
        if d is None:
            d, loose = {}, False
        elif LOOSE_KEY_TYPES.isdisjoint(map(type, d)):
            loose = False
        else:
            d, loose = _keyed_pairs(d.items())
        self.keyed = d
        self._hash = None
        self._loose = loose

    @staticmethod
    def from_pairs(pairs: Iterable[tuple[Any, Any]]) -> "PMap":
        """A map of the (key, value) pairs; of equal keys, the first stays with the last value."""
        if type(pairs) is not list:
            pairs = list(pairs)
        # the key types first: a loose key is never hashed by Python (pyrsistent hashes a
        # vector in C, recursively; MapKey does it on a stack of its own)
        if LOOSE_KEY_TYPES.isdisjoint([type(p[0]) for p in pairs]):
            return plain_map(dict(pairs))
        return _pmap(*_keyed_pairs(pairs))

    @staticmethod
    def from_keys_values(ks, vs: Iterable[Any]) -> "PMap":
        """A map of the keys ks (a sequence, read twice) to the values vs, paired in order."""
        if LOOSE_KEY_TYPES.isdisjoint(map(type, ks)):
            return _pmap(dict(zip(ks, vs)), False)
        return _pmap(*_keyed_pairs(zip(ks, vs)))

    def assoc(self, k, v) -> "PMap":
        d = self.keyed
        m = _new(PMap)
        if type(k) in LOOSE_KEY_TYPES:
            k = MapKey(k)
            m._loose = True
        else:
            m._loose = self._loose
        if len(d) < SMALL:
            d = d.copy()
            d[k] = v
        else:
            d = _with(d, k, v)
        m.keyed = d
        m._hash = None
        return m

    def assoc_pairs(self, k, v, kvs) -> "PMap":
        """This map with k to v, then the keys and values kvs (k2 v2 k3 v3 ..., an even
        number) added in order, in one copy: (assoc m :a 1 :b 2 :c 3) copies the dict once,
        not three times."""
        d = self.keyed
        d = d.copy() if len(d) < SMALL else _grown(d)
        loose = self._loose
        if type(k) in LOOSE_KEY_TYPES:
            k = MapKey(k)
            loose = True
        d[k] = v
        it = iter(kvs)
        for k in it:
            if type(k) in LOOSE_KEY_TYPES:
                k = MapKey(k)
                loose = True
            d[k] = next(it)
        m = _new(PMap)
        m.keyed = d
        m._hash = None
        m._loose = loose
        return m

    def dissoc(self, k) -> "PMap":
        if type(k) in LOOSE_KEY_TYPES:
            k = MapKey(k)
        d = self.keyed
        if k not in d:
            return self
        d = d.copy() if len(d) < SMALL else _grown(d)
        del d[k]
        return _pmap(d, self._loose)

    def get(self, k, default=None):
        if type(k) in LOOSE_KEY_TYPES:
            k = MapKey(k)
        return self.keyed.get(k, default)

    def __contains__(self, k):
        if type(k) in LOOSE_KEY_TYPES:
            k = MapKey(k)
        return k in self.keyed

    def __len__(self):
        return len(self.keyed)

    def __iter__(self):
        if self._loose:
            return map(_unkey, self.keyed)
        return iter(self.keyed)

    def items(self):
        if self._loose:
            return [(_unkey(k), v) for k, v in self.keyed.items()]
        return self.keyed.items()

    def keys(self):
        if self._loose:
            return list(map(_unkey, self.keyed))
        return self.keyed.keys()

    def values(self):
        return self.keyed.values()

    def merge(self, other: "PMap") -> "PMap":
        """This map with other's entries added (other's values win)."""
        return _pmap(_merged(self.keyed, other.keyed), self._loose or other._loose)

    def __eq__(self, other):
        return equality.equals(self, other)

    def __hash__(self):
        if self._hash is None:
            self._hash = equality.hash_of(self)
        return self._hash

    def __repr__(self):
        return printer.pr_str(self)

    def __getattr__(self, name):
        # m.name in Turmeric compiles to an attribute read of the mangled field name
        field = demangle_field(name)
        if field is None:
            raise AttributeError(name)
        return self.keyed.get(Keyword(field))

    def __call__(self, _d, k, default=None):
        if type(k) in LOOSE_KEY_TYPES:
            k = MapKey(k)
        return self.keyed.get(k, default)


EMPTY_MAP = PMap()


def _pset(d, loose: bool) -> "PSet":
    s = _new(PSet)
    s.keyed = d
    s._loose = loose
    return s


class PSet:
    """An immutable set that keeps insertion order, its members compared with =. `keyed`
    holds them as PMap's holds keys (values None)."""
    __slots__ = ("keyed", "_loose")

    def __init__(self, items: Iterable[Any] = ()):
        if type(items) is PSet:
            self.keyed = items.keyed      # (a table is never changed: shared)
            self._loose = items._loose
            return
        if type(items) is not list and type(items) is not tuple:
            items = list(items)
        # the types first: a loose item is never hashed by Python (pyrsistent hashes a
        # vector in C, recursively)
        if LOOSE_KEY_TYPES.isdisjoint(map(type, items)):
            d, loose = dict.fromkeys(items), False
        else:
            d, loose = _keyed_pairs(zip(items, repeat(None)))
        self.keyed = d
        self._loose = loose

    def conj(self, x) -> "PSet":
        d = self.keyed
        if type(x) in LOOSE_KEY_TYPES:
            x = MapKey(x)
            loose = True
        else:
            loose = self._loose
        if len(d) < SMALL:
            d = d.copy()
            d[x] = None
        else:
            d = _with(d, x, None)
        s = _new(PSet)
        s.keyed = d
        s._loose = loose
        return s

    def disj(self, x) -> "PSet":
        k = map_key(x)
        d = self.keyed
        if k not in d:
            return self             # (as dissoc: nothing to take out, no copy)
        d = d.copy() if len(d) < SMALL else _grown(d)
        del d[k]
        return _pset(d, self._loose)

    def union(self, other: "PSet") -> "PSet":
        """This set with other's members added."""
        return _pset(_merged(self.keyed, other.keyed), self._loose or other._loose)

    def __contains__(self, x):
        if type(x) in LOOSE_KEY_TYPES:
            x = MapKey(x)
        return x in self.keyed

    def __iter__(self):
        if self._loose:
            return map(_unkey, self.keyed)
        return iter(self.keyed)

    def __len__(self):
        return len(self.keyed)

    def __eq__(self, other):
        return equality.equals(self, other)

    def __hash__(self):
        return equality.hash_of(self)

    def __repr__(self):
        return printer.pr_str(self)

    def __call__(self, _d, x, default=None):
        return x if self.__contains__(x) else default


class Ref:
    """A mutable reference cell made by (ref v); the only user-visible mutable value."""
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return printer.pr_str(self)


class Box:
    """A compiler-made cell for a local variable that is assigned with set!: closures and
    continuations share it, so every resumption sees the same store (as in Scheme)."""
    __slots__ = ("v",)

    def __init__(self, v=None):
        self.v = v

    def __repr__(self):
        return f"#<box {self.v!r}>"


class StructType:
    """The type of a struct: its stable name, its module and its field names."""
    __slots__ = ("name", "module", "fields", "cls", "qualname", "annotations")

    def __init__(self, name: str, module: str, fields: tuple[str, ...], annotations=None):
        self.name = name
        self.module = module
        self.fields = fields
        self.qualname = f"{module}.{name}"
        self.annotations = annotations or {}
        self.cls = _make_struct_class(self)

    def __repr__(self):
        return f"#<struct-type {self.qualname}>"

    def __call__(self, _d, *args):
        if len(args) != len(self.fields):
            raise TurmericError(
                "arity",
                f"{self.name} takes {len(self.fields)} field(s) ({' '.join(self.fields)}), got {len(args)}")
        return self.cls(*args)


class StructValue:
    """Base class of struct instances; each struct type gets a subclass with slots."""
    __slots__ = ()
    stype: StructType

    def field_values(self) -> tuple:
        return tuple(getattr(self, f) for f in self.__slots__)

    def __eq__(self, other):
        return type(other) is type(self) and all(
            _eq(a, b) for a, b in zip(self.field_values(), other.field_values()))

    def __hash__(self):
        return equality.hash_of(self)    # on a stack of its own: a field may be deep data

    def __repr__(self):
        return printer.pr_str(self)


def _eq(a, b):
    return equality.equals(a, b)


def _make_struct_class(st: StructType):
    slots = tuple(mangle_field(f) for f in st.fields)
    ns = {"__slots__": slots, "stype": st}
    args = ", ".join(slots)
    body = "".join(f"\n    self.{s} = {s}" for s in slots) or "\n    pass"
    src = f"def __init__(self{', ' if args else ''}{args}):{body}\n"
    exec(src, ns)  # noqa: S102 - generated from field names we mangled ourselves
    return type(st.name, (StructValue,), ns)


class Regex:
    """A regular expression, #"pattern" or (re-pattern s), in Python's re syntax. Equal to
    another with the same pattern; serialized as its pattern."""
    __slots__ = ("pattern", "compiled")
    turmeric_type = "regex"

    def __init__(self, pattern: str):
        self.pattern = pattern
        self.compiled = re.compile(pattern)   # re.error for a bad pattern: callers say where

    def __eq__(self, other):
        return type(other) is Regex and other.pattern == self.pattern

    def __hash__(self):
        return hash(("regex", self.pattern))

    def __repr__(self):
        return '#"' + self.pattern + '"'

    def tm_marshal(self):
        return PMap({Keyword("type"): "regex", Keyword("pattern"): self.pattern})

    @staticmethod
    def unmarshal(token) -> "Regex":
        pattern = token.get(Keyword("pattern")) if type(token) is PMap else None
        if type(pattern) is not str:
            raise ValueError("a regex token holds its pattern")
        return Regex(pattern)     # re.error for a bad one: the reader calls the token malformed


def regex(pattern: str, who: str) -> Regex:
    """A Regex, or a `value` error naming `who` for a pattern Python's re refuses."""
    try:
        return Regex(pattern)
    except re.error as e:
        raise TurmericError("value", f"{who}: invalid regular expression {pattern!r}: {e}") from None


class Continuation:
    """A captured, delimited continuation: an immutable tuple of frames, innermost first.
    A frame is (resume entry, live locals); see runtime/machine.py."""
    __slots__ = ("frames",)

    def __init__(self, frames: tuple):
        self.frames = frames

    def __repr__(self):
        return f"#<continuation {len(self.frames)} frames>"

    def __call__(self, _d, value=None):
        """(k v) is (resume k v)."""
        raise Jump(self, value)


# The value types' __eq__, __repr__ and keyword lookup are equality, printing and `get`, which
# are written against the types above: imported once those exist.
from turmeric.data import equality, printer, types  # noqa: E402
