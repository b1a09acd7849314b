"""Sequence functions: everything seqable is seen as an iterable of items (`items`).

Maps are seen as sequences of [key value] vectors, strings as sequences of one-character
strings, bytes as sequences of integers 0-255, nil as the empty sequence.

The functions that make a sequence (rest, cons, concat, take, drop, reverse, sort, distinct,
range, flatten, interleave, partition, butlast, ...) return lists (PList); where Clojure
returns nil for "no items" (butlast of [1], take-last of []) we return the empty list (), so
the result is always a list. `seq` and `next` are the exceptions: they return nil for an
empty collection, as in Clojure, so they can be used as tests.

Over a lazy sequence (runtime/lazy.py) the functions that make a sequence from one stay lazy:
rest, cons, concat, take, drop, take-nth, interleave, partition and partition-all return a
LazySeq and realize nothing; range with no end, repeat with no count, iterate and cycle make
one (spec/language.md, "Lazy sequences"). The others (count, last, reverse, sort, ...) walk
the whole sequence.
"""
from __future__ import annotations

import functools
import itertools
import math
from collections import Counter
from typing import Any, Callable, Iterable

from turmeric.data.equality import equals, split_name
from turmeric.data.errors import TurmericError
from turmeric.data.types import VECTOR_CLASS, short_pr, type_error, type_name, value_error
from turmeric.data.values import (
    EMPTY_LIST, LOOSE_KEY_TYPES, Keyword, PList, PMap, PSet, Symbol, cons as list_cons, map_key,
    plain_map, plist, vector,
)
from turmeric.runtime.builtins.args import MISSING, int_arg, num_arg, plural_count
from turmeric.runtime.builtins.comparison import compare
from turmeric.runtime.lazy import (
    CELL, EMPTY, LazySeq, as_node, cell, is_realized, step_node, walk,
)


def map_entry(k, v):
    return vector((k, v))


def items(name: str, x) -> Iterable[Any]:
    """The items of a seqable value: collections, strings (chars), bytes (ints) and nil."""
    if isinstance(x, (PList, VECTOR_CLASS, PSet, str, bytes)):
        return x
    if x is None:
        return ()
    if isinstance(x, PMap):
        return [map_entry(k, v) for k, v in x.items()]
    if type(x) is LazySeq:
        return list(walk(x))    # all of it: the callers take len() and index
    raise type_error(name, "a collection or string", x)


def iter_items(name: str, x):
    """The items of a seqable value for a caller that only iterates: a lazy sequence is
    realized only as far as it is read."""
    if type(x) is LazySeq:
        return walk(x)
    return items(name, x)


def as_list(name: str, x) -> PList:
    if isinstance(x, PList):
        return x
    return plist(items(name, x))


def seqable_len(name: str, x) -> int:
    if x is None:
        return 0
    if isinstance(x, (PList, VECTOR_CLASS, PMap, PSet, str, bytes)):
        return len(x)
    if type(x) is LazySeq:
        return len(x)
    raise type_error(name, "a collection or string", x)


def node_of(name: str, x):
    """x as a sequence node for a lazy step: a LazySeq or a PList."""
    return as_node(x, name)


def index_error(name, i, coll):
    what = type_name(coll)
    word = {"string": "character", "bytes": "byte"}.get(what, "item")
    if what == "bytes":
        what = "byte string"
    return value_error(name, f"index {i} out of range for a {what} of "
                             f"{plural_count(len(coll), word)}")


def is_empty(x):
    if type(x) is LazySeq:
        return step_node(x) is None
    return seqable_len("empty?", x) == 0


def count(x):
    if isinstance(x, PList):
        return x.count
    return seqable_len("count", x)


def seq(x):
    if isinstance(x, PList):
        return x if x.count else None
    if type(x) is LazySeq:
        return None if step_node(x) is None else x
    xs = as_list("seq", x)
    return xs if xs.count else None


def first(x):
    if isinstance(x, PList):
        return x.first
    if x is None:
        return None
    if isinstance(x, (VECTOR_CLASS, str, bytes)):
        return x[0] if len(x) else None
    if isinstance(x, PMap):
        for k, v in x.items():
            return map_entry(k, v)
        return None
    if type(x) is LazySeq:
        s = step_node(x)
        return None if s is None else s[0]
    for item in items("first", x):
        return item
    return None


def _rest(name, x):
    if isinstance(x, PList):
        return x.rest
    if type(x) is LazySeq:
        return lazy_rest(x)
    xs = items(name, x)
    if isinstance(xs, (VECTOR_CLASS, str, bytes, list)):
        return plist(xs[1:])
    return plist(itertools.islice(xs, 1, None))


def lazy_rest(x: LazySeq):
    """The rest of a lazy sequence, without realizing anything that is not realized yet
    (so that (lazy-seq (cons 0 (map f s (rest s)))) may read its own rest)."""
    if x._state == CELL:
        return x._rest
    if x._state == EMPTY:
        return EMPTY_LIST
    return LazySeq("rest", (x,))


def rest(x):
    return _rest("rest", x)


def next_(x):
    if type(x) is LazySeq:
        s = step_node(x)
        if s is None or step_node(s[1]) is None:
            return None
        return s[1]
    if type(x) is PList:
        r = x.rest
    else:
        r = _rest("next", x)
    return None if r.count == 0 else r


def second(x):
    if isinstance(x, PList):
        return x.rest.first
    if isinstance(x, (VECTOR_CLASS, str, bytes)):
        return x[1] if len(x) > 1 else None
    if type(x) is LazySeq:
        return nth(x, 1, None)
    for item in itertools.islice(items("second", x), 1, None):
        return item
    return None


def last(x):
    if isinstance(x, (VECTOR_CLASS, str, bytes)):
        return x[-1] if len(x) else None
    out = None
    for out in items("last", x):
        pass
    return out


def ffirst(coll):
    return first(first(coll))


def nth(coll, i, default=MISSING):
    # a vector and an index in range, the commonest case (a generator's [x k], a destructured
    # vector): one type test each, no call (#14 generator row: 0.19 us -> 0.06 us a call)
    if type(coll) is VECTOR_CLASS and type(i) is int and 0 <= i < len(coll):
        return coll[i]
    int_arg("nth", i)
    if isinstance(coll, PList):
        if 0 <= i < coll.count:
            node = coll
            for _ in range(i):
                node = node.rest
            return node.first
    elif isinstance(coll, (VECTOR_CLASS, str, bytes)):
        if 0 <= i < len(coll):
            return coll[i]
    elif coll is None:
        return None if default is MISSING else default
    elif type(coll) is LazySeq:
        node = coll
        for _ in range(i + 1 if i >= 0 else 0):
            s = step_node(node)
            if s is None:
                break
            if _ == i:
                return s[0]
            node = s[1]
        if default is MISSING:
            raise value_error("nth", f"index {i} out of range for a lazy sequence of "
                                     f"{plural_count(_count_nodes(coll))}")
        return default
    else:
        raise type_error("nth", "a list, vector, string or bytes", coll)
    if default is MISSING:
        raise index_error("nth", i, coll)
    return default


def _count_nodes(coll) -> int:
    return sum(1 for _ in walk(coll))


def cons(x, coll):
    if isinstance(coll, PList):
        return list_cons(x, coll)
    if type(coll) is LazySeq:
        return cell(x, coll)
    return list_cons(x, as_list("cons", coll))


def concat(*colls):
    if any(type(c) is LazySeq for c in colls):
        for c in colls:
            node_of("concat", c)    # the type errors now, not when the items are read
        return LazySeq("concat", (EMPTY_LIST, plist(colls)))
    out: list = []
    for c in colls:
        out.extend(items("concat", c))
    return plist(out)


def reverse(coll):
    out = EMPTY_LIST
    for x in items("reverse", coll):
        out = list_cons(x, out)
    return out


def take(n, coll):
    int_arg("take", n)
    if type(coll) is LazySeq:
        return LazySeq("take", (n, coll))
    if n <= 0:
        items("take", coll)
        return EMPTY_LIST
    return plist(itertools.islice(items("take", coll), n))


def _drop(name, n, coll):
    int_arg(name, n)
    if type(coll) is LazySeq:
        node = coll
        for _ in range(n):
            s = step_node(node)
            if s is None:
                return EMPTY_LIST
            node = s[1]
        return EMPTY_LIST if step_node(node) is None else node
    if isinstance(coll, PList):
        while n > 0 and coll.count:
            coll = coll.rest
            n -= 1
        return coll
    xs = items(name, coll)
    return plist(itertools.islice(xs, max(n, 0), None))


def drop(n, coll):
    if type(coll) is LazySeq:
        int_arg("drop", n)
        return LazySeq("drop", (n, coll))
    return _drop("drop", n, coll)


def nthrest(coll, n):
    return _drop("nthrest", n, coll)


def nthnext(coll, n):
    rest = _drop("nthnext", n, coll)
    return None if is_empty(rest) else rest


def take_nth(n, coll):
    """Every n-th item of coll, from the first: (take-nth 2 [1 2 3 4 5]) is (1 3 5)."""
    int_arg("take-nth", n)
    if n <= 0:
        raise value_error("take-nth", f"expected a positive step, got {n}")
    if type(coll) is LazySeq:
        return LazySeq("take-nth", (n, coll))
    return plist(itertools.islice(items("take-nth", coll), 0, None, n))


def butlast(coll):
    xs = list(items("butlast", coll))
    return plist(xs[:-1])


def take_last(n, coll):
    int_arg("take-last", n)
    xs = list(items("take-last", coll))
    return plist(xs[len(xs) - n:]) if n > 0 else EMPTY_LIST


def drop_last(n_or_coll, coll=MISSING):
    """(drop-last coll) all but the last item; (drop-last n coll) all but the last n."""
    n, coll = (1, n_or_coll) if coll is MISSING else (n_or_coll, coll)
    int_arg("drop-last", n)
    xs = list(items("drop-last", coll))
    return plist(xs[:max(len(xs) - n, 0)])


def split_at(n, coll):
    int_arg("split-at", n)
    xs = list(items("split-at", coll))
    return vector([plist(xs[:max(n, 0)]), plist(xs[max(n, 0):])])


def range_(a=MISSING, b=MISSING, step=1):
    """(range end), (range start end), (range start end step); the end is excluded.
    (range) is the lazy, endless 0 1 2 ..."""
    if a is MISSING:
        return LazySeq("range", (0, None, 1))
    if b is MISSING:
        a, b = 0, a
    for x in (a, b, step):
        num_arg("range", x)
    if step == 0:
        raise value_error("range", "step must not be 0")
    if type(a) is int and type(b) is int and type(step) is int:
        return plist(range(a, b, step))
    n = (b - a) / step
    if not math.isfinite(n):
        raise value_error("range", f"cannot make a range from {short_pr(a)} to {short_pr(b)} "
                                   f"by {short_pr(step)}")
    out = []
    for i in range(max(math.ceil(n), 0) + 1):
        x = a + i * step if i else a
        if not ((x < b) if step > 0 else (x > b)):
            break
        out.append(x)
    return plist(out)


def repeat(n, x=MISSING):
    """(repeat n x) a list of n x; (repeat x) the lazy, endless x x x ..."""
    if x is MISSING:
        return LazySeq("repeat", (n,))
    int_arg("repeat", n)
    return plist([x] * max(n, 0))


def iterate(f, x):
    """x, (f x), (f (f x)) ...: lazy and endless; f is called once per item, when it is read."""
    return cell(x, LazySeq("iterate", (f, x)))


def cycle(coll):
    """The items of coll again and again, lazily; () for an empty coll."""
    node = node_of("cycle", coll)
    if type(node) is PList and node.count == 0:
        return EMPTY_LIST
    return LazySeq("cycle", (node, node))


def lazy_seq(fn):
    """(lazy-seq body...) is (%lazy-seq (fn [] body...)): fn is called once, when the
    sequence is first read, and gives a sequence or nil."""
    return LazySeq("thunk", (fn,))


def is_lazy(x):
    return type(x) is LazySeq


def realized(x):
    """(realized? x): whether a lazy sequence's first item is computed; true for anything
    that is not lazy."""
    return is_realized(x)


def lazy_step(step: str, name: str):
    """A pure builtin that makes the lazy sequence (step f coll) (take-while, drop-while,
    keep ... over a lazy input; the core library calls it)."""
    def make(f, coll):
        return LazySeq(step, (f, node_of(name, coll)))
    return make


def sort(coll):
    xs = list(items("sort", coll))
    kinds = set(map(type, xs))
    if kinds == {str} or kinds == {int}:
        xs.sort()     # Python's own order is compare's for strings (by code points) and integers
    elif kinds == {Keyword} or kinds == {Symbol}:
        xs.sort(key=_name_order)
    else:
        xs.sort(key=functools.cmp_to_key(compare))
    return plist(xs)


def _name_order(x):
    """A sort key that orders keywords (or symbols) as compare does: without a namespace
    first, then by namespace, then by name."""
    ns, name = split_name(x.name)
    return (ns is not None, ns or "", name)


def distinct(coll):
    """Keeps the first of equal items (by `=`), in order."""
    seen: dict = {}     # keyed as a set holds its members: a lookup is =
    out = []
    for x in items("distinct", coll):
        k = map_key(x)
        if k not in seen:
            seen[k] = None
            out.append(x)
    return plist(out)


def dedupe(coll):
    """The items with consecutive duplicates (by =) removed."""
    out = []
    for x in items("dedupe", coll):
        if not out or not equals(out[-1], x):
            out.append(x)
    return plist(out)


def frequencies(coll):
    xs = items("frequencies", coll)
    if LOOSE_KEY_TYPES.isdisjoint(map(type, xs)):    # Python's dict keys these as = does
        return plain_map(dict(Counter(xs)))
    counts: dict = {}
    firsts: dict = {}   # keyed as a map holds its keys (map_key): a lookup is =
    for x in xs:
        k = map_key(x)
        n = counts.get(k)
        if n is None:
            firsts[k] = x
            n = 0
        counts[k] = n + 1
    return PMap.from_keys_values(tuple(firsts.values()), counts.values())


def flatten(coll):
    """Flattens nested lists and vectors (not maps, sets or strings) into one list."""
    if not (coll is None or isinstance(coll, (PList, VECTOR_CLASS))):
        raise type_error("flatten", "a list, vector or nil", coll)
    out = []
    stack = [iter(items("flatten", coll))]
    while stack:
        for x in stack[-1]:
            if isinstance(x, (PList, VECTOR_CLASS)):
                stack.append(iter(x))
                break
            out.append(x)
        else:
            stack.pop()
    return plist(out)


def interleave(*colls):
    if any(type(c) is LazySeq for c in colls):
        return LazySeq("interleave", (tuple(node_of("interleave", c) for c in colls),))
    seqs = [list(items("interleave", c)) for c in colls]
    if not seqs:
        return EMPTY_LIST
    n = min(len(s) for s in seqs)
    return plist([s[i] for i in range(n) for s in seqs])


def interpose(sep, coll):
    out = []
    for x in items("interpose", coll):
        if out:
            out.append(sep)
        out.append(x)
    return plist(out)


def _partition(name, n, step, coll, pad, keep_short):
    int_arg(name, n)
    int_arg(name, step)
    if n <= 0 or step <= 0:
        raise value_error(name, f"size and step must be positive, got {n} and {step}")
    if type(coll) is LazySeq:
        if pad is not None:
            node_of(name, pad)
        return LazySeq("partition", (n, step, pad, keep_short, coll))
    xs = list(items(name, coll))
    padding = None if pad is None else list(items(name, pad))
    out = []
    for i in range(0, len(xs), step):
        chunk = xs[i:i + n]
        if len(chunk) < n:
            if padding is not None:
                chunk = chunk + padding[:n - len(chunk)]
                out.append(plist(chunk))
            elif keep_short:
                out.append(plist(chunk))
            break
        out.append(plist(chunk))
    return plist(out)


def partition(n, *args):
    """(partition n coll), (partition n step coll), (partition n step pad coll)"""
    if len(args) == 1:
        return _partition("partition", n, n, args[0], None, False)
    if len(args) == 2:
        return _partition("partition", n, args[0], args[1], None, False)
    if len(args) == 3:
        return _partition("partition", n, args[0], args[2], args[1], False)
    raise TurmericError("arity", f"partition takes 2 to 4 arguments, got {len(args) + 1}")


def partition_all(n, *args):
    """(partition-all n coll), (partition-all n step coll)"""
    if len(args) == 1:
        return _partition("partition-all", n, n, args[0], None, True)
    if len(args) == 2:
        return _partition("partition-all", n, args[0], args[1], None, True)
    raise TurmericError("arity", f"partition-all takes 2 or 3 arguments, got {len(args) + 1}")


def not_empty(coll):
    if type(coll) is LazySeq:
        return None if step_node(coll) is None else coll
    return None if seqable_len("not-empty", coll) == 0 else coll


def doall(coll):
    """Realize every item of a lazy sequence (all of it: never on an endless one); coll."""
    if type(coll) is LazySeq:
        for _ in walk(coll):
            pass
    return coll


def dorun(coll):
    doall(coll)
    return None


BUILTINS: dict[str, Callable] = {
    "empty?": is_empty, "count": count, "seq": seq,
    "first": first, "rest": rest, "next": next_, "second": second, "last": last,
    "ffirst": ffirst, "nth": nth, "cons": cons, "concat": concat,
    "reverse": reverse, "take": take, "drop": drop, "nthrest": nthrest, "nthnext": nthnext,
    "take-nth": take_nth, "butlast": butlast, "take-last": take_last, "drop-last": drop_last,
    "split-at": split_at,
    "range": range_, "repeat": repeat, "%sort": sort, "distinct": distinct, "dedupe": dedupe,
    "frequencies": frequencies, "flatten": flatten, "interleave": interleave,
    "interpose": interpose, "partition": partition, "partition-all": partition_all,
    "not-empty": not_empty, "doall": doall, "dorun": dorun,
    "iterate": iterate, "cycle": cycle, "%lazy-seq": lazy_seq, "%lazy?": is_lazy,
    "realized?": realized,
    "%lazy-repeatedly": lambda f: LazySeq("repeatedly", (f,)),
    "%lazy-map": lambda f, s: LazySeq("map", (f, (s,))),             # the compiler's inlined
    "%lazy-filter": lambda f, s: LazySeq("filter", (f, s, True)),    # map and filter, lazily
    "%concat-seqs": lambda colls: LazySeq("concat", (EMPTY_LIST, node_of("mapcat", colls))),
    "%lazy-take-while": lazy_step("take-while", "take-while"),
    "%lazy-drop-while": lazy_step("drop-while", "drop-while"),
    "%lazy-keep": lazy_step("keep", "keep"),
}
