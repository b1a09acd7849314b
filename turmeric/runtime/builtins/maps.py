"""Maps and keyed lookup: get, get-in, assoc, assoc-in, dissoc, keys, vals, merge,
select-keys, zipmap, find, contains?, hash-map. `assoc` also sets a vector's index or a
struct's field; `get` is data/types.py's (shared with (:k m) and (m k)), with a fast path for a map.

`get` on something that cannot be looked up in (a number, a keyword, a function) is a type
error rather than Clojure's silent nil.
"""
from __future__ import annotations

from typing import Callable

from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle_field
from turmeric.data.types import VECTOR_CLASS, get as types_get, short_pr, type_error, value_error
from turmeric.data.values import (
    EMPTY_LIST, EMPTY_MAP, LOOSE_KEY_TYPES, Keyword, PList, PMap, PSet, StructValue, plain_map, plist, vector,
)
from turmeric.runtime.builtins.args import MISSING
from turmeric.runtime.builtins.seqs import index_error, items, iter_items
from turmeric.runtime.builtins.sorted import SortedMap


def hash_map(*kvs):
    n = len(kvs)
    if n % 2:
        raise TurmericError("arity", "hash-map: expected an even number of key/value arguments")
    d = {}
    for i in range(0, n, 2):    # a map literal's keys: usually keywords, checked as they go in
        k = kvs[i]
        if type(k) in LOOSE_KEY_TYPES:
            return PMap.from_pairs(zip(kvs[0::2], kvs[1::2]))
        d[k] = kvs[i + 1]
    return plain_map(d)


def get(m, k, default=None):
    """data/types.py's get, with a map and a key that Python's dict keys as = does (a
    keyword, string, integer, ...) looked up at once."""
    if type(m) is PMap and type(k) not in LOOSE_KEY_TYPES:
        return m.keyed.get(k, default)
    return types_get(m, k, default)


def get_in(m, ks, default=None):
    for k in items("get-in", ks):
        m = get(m, k, MISSING)
        if m is MISSING:
            return default
    return m


def _assoc_one(name, m, k, v):
    if isinstance(m, PMap):
        return m.assoc(k, v)
    if m is None:
        return EMPTY_MAP.assoc(k, v)
    if isinstance(m, VECTOR_CLASS):
        if type(k) is not int:
            raise type_error(name, "an integer index for a vector", k)
        n = len(m)
        if 0 <= k < n:
            return m.set(k, v)
        if k == n:
            return m.append(v)
        raise index_error(name, k, m)
    if isinstance(m, StructValue):
        fields = m.stype.fields
        if not isinstance(k, Keyword) or k.name not in fields:
            raise value_error(name, f"struct {m.stype.name} has no field {short_pr(k)}")
        vals = [v if f == k.name else getattr(m, mangle_field(f)) for f in fields]
        return type(m)(*vals)
    raise type_error(name, "a map, vector, struct or nil", m)


def assoc(m, k, v, *kvs):
    if type(m) is PMap:       # (not a sorted map, whose assoc keeps its order)
        if not kvs:
            return m.assoc(k, v)
        if not len(kvs) % 2:
            return m.assoc_pairs(k, v, kvs)        # one copy of the map for all the pairs
    if len(kvs) % 2:
        raise TurmericError("arity", "assoc: expected an even number of key/value arguments")
    m = _assoc_one("assoc", m, k, v)
    for i in range(0, len(kvs), 2):
        m = _assoc_one("assoc", m, kvs[i], kvs[i + 1])
    return m


def assoc_in(m, ks, v):
    path = list(items("assoc-in", ks))
    if not path:
        raise value_error("assoc-in", "expected a non-empty key path")

    def go(m, i):
        k = path[i]
        if i == len(path) - 1:
            return _assoc_one("assoc-in", m, k, v)
        return _assoc_one("assoc-in", m, k, go(get(m, k), i + 1))
    return go(m, 0)


def dissoc(m, *ks):
    if m is None:
        return None
    if not isinstance(m, PMap):
        raise type_error("dissoc", "a map or nil", m)
    for k in ks:
        m = m.dissoc(k)
    return m


# keys and vals return lists, and the empty list () for an empty map or nil (Clojure gives nil):
# a list result is always safe to pass to count, first, rest and friends.
def keys(m):
    if isinstance(m, PMap):
        return plist(m.keys())
    if m is None:
        return EMPTY_LIST
    raise type_error("keys", "a map or nil", m)


def vals(m):
    if isinstance(m, PMap):
        return plist(m.values())
    if m is None:
        return EMPTY_LIST
    raise type_error("vals", "a map or nil", m)


def key(e):
    if isinstance(e, VECTOR_CLASS) and len(e) == 2:
        return e[0]
    raise type_error("key", "a map entry (a [key value] vector)", e)


def val(e):
    if isinstance(e, VECTOR_CLASS) and len(e) == 2:
        return e[1]
    raise type_error("val", "a map entry (a [key value] vector)", e)


def merge(*maps):
    out = None
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, PMap):
            raise type_error("merge", "a map or nil", m)
        if out is None:
            out = m
        elif isinstance(out, SortedMap):
            out = out.with_entries(m.items())
        elif len(m):
            out = out.merge(m)
    return out


def select_keys(m, ks):
    if m is not None and not isinstance(m, PMap):
        raise type_error("select-keys", "a map or nil", m)
    out = []
    for k in items("select-keys", ks):
        if m is not None and k in m:
            out.append((k, m.get(k)))
    return PMap.from_pairs(out)


def zipmap(ks, vs):
    # (either may be an endless lazy sequence: zip reads as far as the shorter)
    kit, vit = iter_items("zipmap", ks), iter_items("zipmap", vs)
    return PMap.from_pairs(zip(kit, vit))


def find(m, k):
    """The entry [k v] of map m for key k, or nil."""
    if m is None:
        return None
    if not isinstance(m, PMap):
        raise type_error("find", "a map", m)
    return vector([k, m.get(k)]) if k in m else None


def contains(coll, k):
    t = type(coll)
    if (t is PSet or t is PMap) and type(k) not in LOOSE_KEY_TYPES:
        return k in coll.keyed     # a key Python's dict keys as = does, as the set holds it
    if isinstance(coll, (PMap, PSet)):
        return k in coll
    if coll is None:
        return False
    if isinstance(coll, (VECTOR_CLASS, str, bytes)):
        return type(k) is int and 0 <= k < len(coll)
    if isinstance(coll, StructValue):
        return isinstance(k, Keyword) and k.name in coll.stype.fields
    raise type_error("contains?", "a map, set, vector, string or struct", coll)


def kv_map(x):
    """What a map pattern takes apart: a list of keys and values (the rest arguments of
    `[& {:keys [a]}]`) as a map; anything else as it is."""
    if type(x) is not PList:
        return x
    xs = list(x)
    if len(xs) % 2:
        raise TurmericError("type", f"a map pattern needs keys and values in pairs, got {len(xs)} items")
    return PMap.from_pairs(zip(xs[0::2], xs[1::2]))


BUILTINS: dict[str, Callable] = {
    "hash-map": hash_map, "get": get, "get-in": get_in, "assoc": assoc, "assoc-in": assoc_in,
    "dissoc": dissoc, "keys": keys, "vals": vals, "key": key, "val": val, "merge": merge,
    "select-keys": select_keys, "zipmap": zipmap, "find": find, "contains?": contains,
    "%kv-map": kv_map,
}
