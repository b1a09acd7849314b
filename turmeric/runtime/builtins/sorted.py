"""Sorted collections: sorted-map, sorted-set, sorted?.

A sorted map is a PMap whose items are always in the order of their keys by `compare`, and a
sorted set a PSet whose elements are: so everything that takes a map or a set takes them
(`get`, `contains?`, `count`, `seq`, `keys`, `=` ...), and printing, `seq`, `keys`, `vals`,
`first` and `reduce` see that order. `assoc`, `conj`, `dissoc`, `disj`, `into`, `merge` and
`empty` keep a sorted collection sorted. Lookups go by `compare`, as Clojure's do (it differs
from `=` only for keys such as 1 and 1.0, which `compare` calls equal): a binary search in
the collection's keys, listed once at its first lookup.

Keys (elements) must be comparable with each other: a key that `compare` cannot order
against the others is a `type` error. Like Clojure's `=`, a sorted map equals a plain map
with the same entries. `type-of` says :sorted-map and :sorted-set.

A sorted collection serializes as a resource token, {:type "sorted-map" :entries [k v ...]}
(or "sorted-set" with :items), rebuilt and sorted again when read (runtime/resources.py).
"""
from __future__ import annotations

import bisect
import functools
from typing import Callable, Iterable

from turmeric.data.equality import compare
from turmeric.data.errors import TurmericError
from turmeric.data.types import VECTOR_CLASS, type_error
from turmeric.data.values import Keyword, PMap, PSet, vector
from turmeric.runtime.builtins.args import MISSING

_ORDER = functools.cmp_to_key(compare)


def _order_error(what: str, e: TurmericError) -> TurmericError:
    pair = e.message.removeprefix("compare: cannot compare ")
    items = "keys" if what == "sorted-map" else "elements"
    return TurmericError("type", f"{what}: cannot order {pair}: its {items} are kept in the "
                                 f"order of compare", hint=e.hint)


def _position(what: str, keys: list, k) -> int:
    try:
        return bisect.bisect_left(keys, _ORDER(k), key=_ORDER)
    except TurmericError as e:
        raise _order_error(what, e) from None


def _sorted_pairs(what: str, pairs: list) -> list:
    """The (key, value) pairs in key order; pairs whose keys compare equal keep their order."""
    try:
        return sorted(pairs, key=lambda kv: _ORDER(kv[0]))
    except TurmericError as e:
        raise _order_error(what, e) from None


def _collapsed(pairs: list, keep_first: bool = False) -> list:
    """Sorted pairs with each run of keys that compare equal made one entry, as in Clojure's
    sorted collections ((sorted-map 0 :a 0.0 :b) is {0 :b}): the first key, the last value."""
    out: list = []
    for k, v in pairs:
        if out and compare(out[-1][0], k) == 0:
            if not keep_first:
                out[-1] = (out[-1][0], v)
            continue
        out.append((k, v))
    return out


def _as(cls, plain):
    """A sorted collection holding what the PMap or PSet `plain` holds, in its order: the
    plain classes keep the keys as = compares them (data/values.py map_key), so the sorted
    ones are built through them and never touch a key's stored form."""
    s = object.__new__(cls)
    for slot in (PMap if cls is SortedMap else PSet).__slots__:
        setattr(s, slot, getattr(plain, slot))
    return s


def _keys_in_order(coll) -> list:
    """A sorted collection's keys (members) as a list, made at its first lookup and kept: the
    collection never changes, so a lookup is a binary search, not a copy of every key."""
    try:
        return coll._in_order
    except AttributeError:
        coll._in_order = keys = list(coll)
        return keys


class SortedMap(PMap):
    """A PMap whose entries are kept in key order (see the module docstring)."""
    __slots__ = ("_in_order",)     # _keys_in_order's list, once made
    turmeric_type = "sorted-map"

    @staticmethod
    def of(d) -> "SortedMap":
        """A sorted map of the entries of d (a dict or pairs), in any order; a later value for
        a key (by =) wins."""
        pairs = list(d.items() if isinstance(d, dict) else d)
        return _as(SortedMap, PMap.from_pairs(_collapsed(_sorted_pairs("sorted-map", pairs))))

    def assoc(self, k, v) -> "SortedMap":
        items = list(self.items())
        keys = [kv[0] for kv in items]
        i = _position("sorted-map", keys, k)
        if i < len(keys) and compare(keys[i], k) == 0:   # the same key, as compare sees it:
            return _as(SortedMap, PMap.assoc(self, keys[i], v))   # it keeps its place and form
        items.insert(i, (k, v))
        return _as(SortedMap, PMap.from_pairs(items))

    def _stored(self, k):
        """The key this map holds that compares equal to k (Clojure's sorted maps find keys
        with compare), or MISSING."""
        keys = _keys_in_order(self)
        i = _position("sorted-map", keys, k)
        return keys[i] if i < len(keys) and compare(keys[i], k) == 0 else MISSING

    def get(self, k, default=None):
        stored = self._stored(k)
        return default if stored is MISSING else PMap.get(self, stored, default)

    def __contains__(self, k):
        return self._stored(k) is not MISSING

    def dissoc(self, k) -> "SortedMap":
        stored = self._stored(k)
        if stored is MISSING:
            return self
        return _as(SortedMap, PMap.dissoc(self, stored))

    def with_entries(self, pairs: Iterable[tuple]) -> "SortedMap":
        """This map with the entries added (a later value for a key wins), sorted once."""
        return SortedMap.of(list(self.items()) + list(pairs))

    def tm_marshal(self):
        entries = [x for kv in self.items() for x in kv]
        return PMap({Keyword("type"): "sorted-map", Keyword("entries"): vector(entries)})

    @staticmethod
    def unmarshal(token) -> "SortedMap":
        entries = token.get(Keyword("entries")) if type(token) is PMap else None
        if entries is None or len(entries) % 2:
            raise ValueError("a sorted-map token holds its entries as [k v ...]")
        entries = list(entries)
        return SortedMap.of(list(zip(entries[0::2], entries[1::2])))


class SortedSet(PSet):
    """A PSet whose members are kept in order (see the module docstring)."""
    __slots__ = ("_in_order",)     # _keys_in_order's list, once made
    turmeric_type = "sorted-set"

    @staticmethod
    def of(xs: Iterable) -> "SortedSet":
        """A sorted set of the items xs, in any order (duplicates by = kept once)."""
        pairs = _collapsed(_sorted_pairs("sorted-set", [(x, None) for x in xs]), keep_first=True)
        return SortedSet.in_order([k for k, _ in pairs])

    @staticmethod
    def in_order(xs: Iterable) -> "SortedSet":
        """A sorted set of the items xs, which are already in order and distinct."""
        return _as(SortedSet, PSet(list(xs)))

    def conj(self, x) -> "SortedSet":
        keys = list(self)
        i = _position("sorted-set", keys, x)
        if i < len(keys) and compare(keys[i], x) == 0:   # a member already, as compare sees it
            return self
        keys.insert(i, x)
        return SortedSet.in_order(keys)

    def _stored(self, x):
        """The member this set holds that compares equal to x, or MISSING."""
        keys = _keys_in_order(self)
        i = _position("sorted-set", keys, x)
        return keys[i] if i < len(keys) and compare(keys[i], x) == 0 else MISSING

    def __contains__(self, x):
        return self._stored(x) is not MISSING

    def disj(self, x) -> "SortedSet":
        stored = self._stored(x)
        if stored is MISSING:
            return self
        return _as(SortedSet, PSet.disj(self, stored))

    def with_items(self, xs: Iterable) -> "SortedSet":
        """This set with the items added, sorted once."""
        xs = list(xs)
        return self if all(x in self for x in xs) else SortedSet.of(list(self) + xs)

    def tm_marshal(self):
        return PMap({Keyword("type"): "sorted-set", Keyword("items"): vector(list(self))})

    @staticmethod
    def unmarshal(token) -> "SortedSet":
        items = token.get(Keyword("items")) if type(token) is PMap else None
        if items is None:
            raise ValueError("a sorted-set token holds its items")
        return SortedSet.of(items)


EMPTY_SORTED_MAP = SortedMap()
EMPTY_SORTED_SET = SortedSet()


def sorted_map(*kvs):
    if len(kvs) % 2:
        raise TurmericError("arity", "sorted-map: expected an even number of key/value arguments")
    d: dict = {}
    for i in range(0, len(kvs), 2):
        d[kvs[i]] = kvs[i + 1]
    return SortedMap.of(d)


def sorted_set(*xs):
    return SortedSet.of(xs)


def is_sorted(x):
    return isinstance(x, (SortedMap, SortedSet))


def into_sorted(to, xs):
    """(into to xs) for a sorted map (xs [key value] vectors) or a sorted set: sorted once."""
    if isinstance(to, SortedSet):
        return to.with_items(xs)
    pairs = []
    for x in xs:
        if not (isinstance(x, VECTOR_CLASS) and len(x) == 2):
            raise type_error("into", "[key value] vectors to add to a map", x)
        pairs.append((x[0], x[1]))
    return to.with_entries(pairs)


def empty_like(coll):
    """The empty collection of a sorted collection's kind, else None."""
    if isinstance(coll, SortedMap):
        return EMPTY_SORTED_MAP
    if isinstance(coll, SortedSet):
        return EMPTY_SORTED_SET
    return None


BUILTINS: dict[str, Callable] = {
    "sorted-map": sorted_map, "sorted-set": sorted_set, "sorted?": is_sorted,
}
