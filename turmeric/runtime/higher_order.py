"""Builtins that call user functions, written to be frame-aware.

Each loop catches an Unwind at its one call site, appends a frame (resume entry, state) and
re-raises, exactly like compiled code; its resume entry continues the loop with the value the
call returned. So a continuation captured inside (map f xs) resumes in the middle of the map,
any number of times. Accumulated results are kept as immutable chunks: a capture freezes only
what was added since the previous one, so a generator that captures at every element stays
linear.

Over a lazy sequence (runtime/lazy.py), map, map-indexed, filter and remove return a lazy
sequence and call nothing yet; reduce, some, every? and for-each walk it item by item
(frame-aware, holding the rest of the sequence instead of an index).
"""
from __future__ import annotations

from functools import cmp_to_key

from turmeric.data.code import FnInfo, SiteInfo
from turmeric.data.equality import compare
from turmeric.data.errors import TurmericError
from turmeric.data.signals import Unwind
from turmeric.data.types import get, type_name
from turmeric.data.values import PList, PMap, PSet, Ref, is_vector, map_key, plist, vector
from turmeric.runtime.errors_convert import add_builtin_table
from turmeric.runtime.builtins.maps import assoc
from turmeric.runtime.core_structs import REDUCED_CLS, unreduced
from turmeric.runtime.lazy import CELL, EMPTY, LazySeq, as_node, realize, walk

_RESUME_ENTRIES: list[tuple[str, tuple[str, ...], object]] = []   # (builtin, live, entry)


def frame_aware(name: str, live: tuple[str, ...]):
    """Declare `entry` a resume entry of the builtin `name` (symbol core.NAME); the infos
    are built once every entry is declared, at the end of this module."""
    def deco(entry):
        _RESUME_ENTRIES.append((name, live, entry))
        return entry
    return deco


def _builtin_infos() -> tuple[dict[str, FnInfo], dict]:
    """The FnInfo of every frame-aware builtin, and resume entry -> (FnInfo, site index)."""
    names = list(dict.fromkeys(name for name, _, _ in _RESUME_ENTRIES))
    infos, sites = {}, {}
    for name in names:
        mine = [(live, entry) for n, live, entry in _RESUME_ENTRIES if n == name]
        info = FnInfo(f"core.{name}", "core", name, None, "builtin",
                      sites=tuple(SiteInfo(None, live, live, False, e.__name__) for live, e in mine))
        infos[name] = info
        for i, (_, entry) in enumerate(mine):
            sites[entry] = (info, i)
    return infos, sites


def items_of(coll, who: str) -> tuple:
    if coll is None:
        return ()
    if type(coll) is PList and coll._items is not None and coll._at == 0:
        return coll._items  # a lazy list's own tuple
    if type(coll) is LazySeq:
        return tuple(walk(coll))
    if isinstance(coll, (PList, tuple, PSet, str)) or is_vector(coll):
        return tuple(coll)
    if isinstance(coll, PMap):
        return tuple(vector(kv) for kv in coll.items())
    raise TurmericError("type", f"{who}: expected a collection, got {type_name(coll)}")


def _flatten(prefix, out) -> list:
    chunks = []
    while prefix is not None:
        prefix, chunk = prefix
        chunks.append(chunk)
    res = []
    for c in reversed(chunks):
        res.extend(c)
    res.extend(out)
    return res


# -- map -----------------------------------------------------------------------------------

def map_(d, f, coll, *colls):
    if type(coll) is LazySeq or colls and any(type(c) is LazySeq for c in colls):
        return LazySeq("map", tuple([f, tuple(as_node(c, "map") for c in (coll,) + colls)]))
    if colls:
        seqs = [items_of(coll, "map")] + [items_of(c, "map") for c in colls]
        n = min(len(s) for s in seqs)
        return _map_run(d, _apply_row, tuple((f,) + tuple(s[i] for s in seqs) for i in range(n)), 0, None, [])
    return _map_run(d, f, items_of(coll, "map"), 0, None, [])


def _apply_row(d, row):
    return row[0](d, *row[1:])


def _map_run(d, f, items, i, prefix, out):
    d1, append = d + 1, out.append
    try:
        for i in range(i, len(items)):
            append(f(d1, items[i]))
    except Unwind as u:
        u.frames.append((_map_resume, (f, items, i, (prefix, tuple(out)))))
        raise
    return plist(_flatten(prefix, out))


@frame_aware("map", ("f", "items", "index", "done"))
def _map_resume(d, value, f, items, i, prefix):
    return _map_run(d, f, items, i + 1, prefix, [value])


def _then(d, post: str, extra: tuple, run, *args):
    """run(d, *args), then POST[post](result, *extra); frame-aware, so a continuation
    captured inside `run` still finishes the post-processing when resumed."""
    try:
        value = run(d, *args)
    except Unwind as u:
        u.frames.append((_then_resume, (post, extra)))
        raise
    return POST[post](value, *extra)


@frame_aware("then", ("post", "extra"))
def _then_resume(d, value, post, extra):
    return POST[post](value, *extra)


def mapv(d, f, coll, *colls):
    return _then(d, "vec", (), map_, f, coll, *colls)


def map_indexed(d, f, coll):
    if type(coll) is LazySeq:
        return LazySeq("map-indexed", (f, 0, coll))
    items = items_of(coll, "map-indexed")
    return _map_run(d, _apply_row, tuple((f, i, x) for i, x in enumerate(items)), 0, None, [])


# -- filter / remove -----------------------------------------------------------------------

def filter_(d, pred, coll):
    if type(coll) is LazySeq:
        return LazySeq("filter", (pred, coll, True))
    return _filter_run(d, pred, items_of(coll, "filter"), 0, None, [], True)


def remove(d, pred, coll):
    if type(coll) is LazySeq:
        return LazySeq("filter", (pred, coll, False))
    return _filter_run(d, pred, items_of(coll, "remove"), 0, None, [], False)


def _filter_run(d, pred, items, i, prefix, out, keep):
    d1, append = d + 1, out.append
    try:
        for i in range(i, len(items)):
            x = items[i]
            t = pred(d1, x)
            if (t is not None and t is not False) is keep:
                append(x)
    except Unwind as u:
        u.frames.append((_filter_resume, (pred, items, i, (prefix, tuple(out)), keep)))
        raise
    return plist(_flatten(prefix, out))


@frame_aware("filter", ("pred", "items", "index", "done", "keep"))
def _filter_resume(d, value, pred, items, i, prefix, keep):
    out = [items[i]] if (value is not None and value is not False) is keep else []
    return _filter_run(d, pred, items, i + 1, prefix, out, keep)


# -- reduce --------------------------------------------------------------------------------

_NO_INIT = object()


def reduce(d, f, init_or_coll, coll=_NO_INIT):
    if coll is _NO_INIT:
        if type(init_or_coll) is LazySeq:
            node = realize(init_or_coll)
            if node._state == EMPTY:
                return f(d + 1)
            return _reduce_lazy(d, f, node._rest, node._first)
        items = items_of(init_or_coll, "reduce")
        if not items:
            return f(d + 1)
        return _reduce_run(d, f, items, 1, items[0])
    if type(coll) is LazySeq:
        return _reduce_lazy(d, f, coll, init_or_coll)
    return _reduce_run(d, f, items_of(coll, "reduce"), 0, init_or_coll)


def _reduce_run(d, f, items, i, acc):
    d1 = d + 1
    try:
        for i in range(i, len(items)):
            if type(acc) is REDUCED_CLS:     # (reduced x) from the step before: stop with x
                return unreduced(acc)
            acc = f(d1, acc, items[i])
    except Unwind as u:
        u.frames.append((_reduce_resume, (f, items, i)))
        raise
    return unreduced(acc)


@frame_aware("reduce", ("f", "items", "index"))
def _reduce_resume(d, value, f, items, i):
    return _reduce_run(d, f, items, i + 1, value)


def _reduce_lazy(d, f, node, acc):
    """reduce over a lazy sequence: item by item, holding only the rest."""
    d1 = d + 1
    try:
        while type(node) is LazySeq:
            if node._state != CELL:
                realize(node)
                if node._state == EMPTY:
                    break
            if type(acc) is REDUCED_CLS:
                return unreduced(acc)
            rest = node._rest
            acc = f(d1, acc, node._first)
            node = rest
    except Unwind as u:
        u.frames.append((_reduce_lazy_resume, (f, rest)))
        raise
    if type(node) is LazySeq:      # it ended
        return unreduced(acc)
    return _reduce_run(d, f, items_of(node, "reduce"), 0, acc)   # a list: the finite end


@frame_aware("reduce", ("f", "rest"))
def _reduce_lazy_resume(d, value, f, rest):
    return _reduce_lazy(d, f, rest, value)


# -- for-each ------------------------------------------------------------------------------

def for_each(d, f, coll):
    if type(coll) is LazySeq:
        return _each_lazy(d, f, coll)
    return _each_run(d, f, items_of(coll, "for-each"), 0, False)


def for_each_with_index(d, coll, f):
    """(for-each-with-index items (fn [i item] ...)): items first, as in the design note."""
    return _each_run(d, f, items_of(coll, "for-each-with-index"), 0, True)


def _each_run(d, f, items, i, indexed):
    d1 = d + 1
    try:
        if indexed:
            for i in range(i, len(items)):
                f(d1, i, items[i])
        else:
            for i in range(i, len(items)):
                f(d1, items[i])
    except Unwind as u:
        u.frames.append((_each_resume, (f, items, i, indexed)))
        raise
    return None


@frame_aware("for-each", ("f", "items", "index", "indexed"))
def _each_resume(d, value, f, items, i, indexed):
    return _each_run(d, f, items, i + 1, indexed)


def _each_lazy(d, f, node):
    d1 = d + 1
    try:
        while type(node) is LazySeq:
            if node._state != CELL:
                realize(node)
                if node._state == EMPTY:
                    return None
            rest = node._rest
            f(d1, node._first)
            node = rest
    except Unwind as u:
        u.frames.append((_each_lazy_resume, (f, rest)))
        raise
    return _each_run(d, f, items_of(node, "for-each"), 0, False)


@frame_aware("for-each", ("f", "rest"))
def _each_lazy_resume(d, value, f, rest):
    return _each_lazy(d, f, rest)


# -- some / every? --------------------------------------------------------------------------

def some(d, pred, coll):
    if type(coll) is LazySeq:
        return _search_lazy(d, pred, coll, True)
    return _search_run(d, pred, items_of(coll, "some"), 0, True)


def every(d, pred, coll):
    if type(coll) is LazySeq:
        return _search_lazy(d, pred, coll, False)
    return _search_run(d, pred, items_of(coll, "every?"), 0, False)


def _found(t, stop_on_true: bool):
    """Whether (pred x) = t ends the search: truthy for some, falsy for every?."""
    return (t is not None and t is not False) is stop_on_true


def _search_run(d, pred, items, i, stop_on_true):
    """some: the first truthy (pred x), else nil; every?: false at the first falsy, else true."""
    d1 = d + 1
    try:
        for i in range(i, len(items)):
            t = pred(d1, items[i])
            if _found(t, stop_on_true):
                return t if stop_on_true else False
    except Unwind as u:
        u.frames.append((_search_resume, (pred, items, i, stop_on_true)))
        raise
    return None if stop_on_true else True


@frame_aware("some", ("pred", "items", "index", "some"))
def _search_resume(d, value, pred, items, i, stop_on_true):
    if _found(value, stop_on_true):
        return value if stop_on_true else False
    return _search_run(d, pred, items, i + 1, stop_on_true)


def _search_lazy(d, pred, node, stop_on_true):
    """some / every? over a lazy sequence: item by item, so an endless one can be searched."""
    d1 = d + 1
    try:
        while type(node) is LazySeq:
            if node._state != CELL:
                realize(node)
                if node._state == EMPTY:
                    return None if stop_on_true else True
            rest = node._rest
            t = pred(d1, node._first)
            if _found(t, stop_on_true):
                return t if stop_on_true else False
            node = rest
    except Unwind as u:
        u.frames.append((_search_lazy_resume, (pred, rest, stop_on_true)))
        raise
    return _search_run(d, pred, items_of(node, "some"), 0, stop_on_true)


@frame_aware("some", ("pred", "rest", "some"))
def _search_lazy_resume(d, value, pred, rest, stop_on_true):
    if _found(value, stop_on_true):
        return value if stop_on_true else False
    return _search_lazy(d, pred, rest, stop_on_true)


# -- apply, swap!, sort-by and small combinators ----------------------------------------------

def apply(d, f, *args):
    if not args:
        return f(d + 1)
    spread = list(args[:-1]) + list(items_of(args[-1], "apply"))
    return f(d + 1, *spread)


def swap(d, ref, f, *args):
    if type(ref) is not Ref:
        raise TurmericError("type", f"swap!: expected a ref, got {type_name(ref)}")
    try:
        new = f(d + 1, ref.value, *args)
    except Unwind as u:
        u.frames.append((_swap_resume, (ref,)))
        raise
    ref.value = new
    return new


@frame_aware("swap!", ("ref",))
def _swap_resume(d, value, ref):
    ref.value = value
    return value


def sort_by(d, keyfn, coll):
    """Keys are computed first (frame-aware), then sorted with Turmeric's compare."""
    items = items_of(coll, "sort-by")
    return _then(d, "sort-by", (items,), map_, keyfn, items)


def _sort_by_keys(keys, items):
    keys = list(keys)
    order = sorted(range(len(items)), key=cmp_to_key(lambda i, j: compare(keys[i], keys[j])))
    return plist(items[i] for i in order)


def update(d, m, k, f, *args):
    try:
        new = f(d + 1, get(m, k), *args)
    except Unwind as u:
        u.frames.append((_update_resume, (m, k)))
        raise
    return assoc(m, k, new)


@frame_aware("update", ("map", "key"))
def _update_resume(d, value, m, k):
    return assoc(m, k, value)


def group_by(d, f, coll):
    items = items_of(coll, "group-by")
    return _then(d, "group-by", (items,), map_, f, items)


def _group_by_keys(keys, items):
    groups: dict = {}   # keyed as a map holds its keys: a lookup is =
    firsts: dict = {}
    for k, x in zip(keys, items):
        mk = map_key(k)
        group = groups.get(mk)
        if group is None:
            group = groups[mk] = []
            firsts[mk] = k
        group.append(x)
    return PMap.from_keys_values(tuple(firsts.values()), map(vector, groups.values()))


POST = {"vec": vector, "sort-by": _sort_by_keys, "group-by": _group_by_keys}


HIGHER_ORDER = {
    "map": map_, "mapv": mapv, "map-indexed": map_indexed, "filter": filter_, "remove": remove,
    "reduce": reduce, "for-each": for_each, "for-each-with-index": for_each_with_index,
    "some": some, "every?": every, "apply": apply, "swap!": swap, "%sort-by": sort_by,
    "update": update, "group-by": group_by,
}
for _name, _builtin in HIGHER_ORDER.items():
    _builtin.__turmeric_name__ = _name   # how the printer and error messages name it
add_builtin_table(HIGHER_ORDER)   # for arity errors converted without a session (errors_convert.py)

BUILTIN_INFOS, BUILTIN_SITES = _builtin_infos()
TM_SITES = BUILTIN_SITES   # what the machine finds through an entry's module (machine.site_of)
