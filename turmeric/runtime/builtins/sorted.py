"""Sorted collections: sorted-map, sorted-set, sorted?.

A sorted map is a PMap whose items are always in the order of their keys by `compare`, and a
sorted set a PSet whose elements are: so everything that takes a map or a set takes them
(`get`, `contains?`, `count`, `seq`, `keys`, `=` ...), and printing, `seq`, `keys`, `vals`,
`first` and `reduce` see that order. `assoc`, `conj`, `dissoc`, `disj`, `into`, `merge` and
`empty` keep a sorted collection sorted. Lookups go by `=` like any map (Clojure's go by
compare, which differ only for keys such as 1 and 1.0, which `compare` calls equal).

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

_ORDER = functools.cmp_to_key(compare)


def _order_error(what: str, e: TurmericError) -> TurmericError:
    pair = e.message.removeprefix("compare: cannot compare ")
    items = "keys" if what == "sorted-map" else "elements"
    return TurmericError("type", f"{what}: cannot order {pair}: its {items} are kept in the "
                                 f"order of compare", hint=e.hint)


def _sorted_keys(what: str, keys: Iterable) -> list:
    try:
        return sorted(keys, key=_ORDER)
    except TurmericError as e:
        raise _order_error(what, e) from None


def _position(what: str, keys: list, k) -> int:
    try:
        return bisect.bisect_left(keys, _ORDER(k), key=_ORDER)
    except TurmericError as e:
        raise _order_error(what, e) from None


class SortedMap(PMap):
    """A PMap whose dict is kept in key order (see the module docstring)."""
    __slots__ = ()
    turmeric_type = "sorted-map"

    @staticmethod
    def of(d: dict) -> "SortedMap":
        """A sorted map of the entries of d, in any order."""
        return SortedMap({k: d[k] for k in _sorted_keys("sorted-map", d)})

    def assoc(self, k, v) -> "SortedMap":
        d = self._d
        if k in d:                      # a new value keeps its key's place
            d = d.copy()
            d[k] = v
            return SortedMap(d)
        items = list(d.items())
        items.insert(_position("sorted-map", list(d), k), (k, v))
        return SortedMap(dict(items))

    def dissoc(self, k) -> "SortedMap":
        if k not in self._d:
            return self
        d = self._d.copy()
        del d[k]
        return SortedMap(d)

    def with_entries(self, pairs: Iterable[tuple]) -> "SortedMap":
        """This map with the entries added (a later value for a key wins), sorted once."""
        d = self._d.copy()
        d.update(pairs)
        # no new key: each key kept its place, so d is still in order
        return SortedMap(d) if len(d) == len(self._d) else SortedMap.of(d)

    def tm_marshal(self):
        entries = [x for kv in self._d.items() for x in kv]
        return PMap({Keyword("type"): "sorted-map", Keyword("entries"): vector(entries)})

    @staticmethod
    def unmarshal(token) -> "SortedMap":
        entries = token.get(Keyword("entries")) if type(token) is PMap else None
        if entries is None or len(entries) % 2:
            raise ValueError("a sorted-map token holds its entries as [k v ...]")
        entries = list(entries)
        return SortedMap.of(dict(zip(entries[0::2], entries[1::2])))


class SortedSet(PSet):
    """A PSet whose dict is kept in element order (see the module docstring)."""
    __slots__ = ()
    turmeric_type = "sorted-set"

    @staticmethod
    def of(xs: Iterable) -> "SortedSet":
        """A sorted set of the items xs, in any order (duplicates by = kept once)."""
        s = SortedSet()
        s._d = dict.fromkeys(_sorted_keys("sorted-set", dict.fromkeys(xs)))
        return s

    @staticmethod
    def in_order(xs: Iterable) -> "SortedSet":
        """A sorted set of the items xs, which are already in order and distinct."""
        s = SortedSet()
        s._d = dict.fromkeys(xs)
        return s

    def conj(self, x) -> "SortedSet":
        if x in self._d:
            return self
        keys = list(self._d)
        keys.insert(_position("sorted-set", keys, x), x)
        return SortedSet.in_order(keys)

    def disj(self, x) -> "SortedSet":
        if x not in self._d:
            return self
        s = SortedSet()
        s._d = self._d.copy()
        del s._d[x]
        return s

    def with_items(self, xs: Iterable) -> "SortedSet":
        """This set with the items added, sorted once."""
        d = self._d.copy()
        d.update(dict.fromkeys(xs))
        return self if len(d) == len(self._d) else SortedSet.of(d)

    def tm_marshal(self):
        return PMap({Keyword("type"): "sorted-set", Keyword("items"): vector(self._d)})

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
