"""Lazy sequences (spec/language.md, "Lazy sequences"): `LazySeq` and its realization.

A LazySeq is one cell of a sequence whose items are computed when first read, once. It is in
one of these states:

* unrealized: `_step` names a step in STEPS and `_args` are its arguments (Turmeric values:
  the function of a `lazy-seq` body, the f and last value of an `iterate`, the input of a
  `map` ...). A step returns what the cell is: None (empty), a tuple (first, rest), or a
  sequence to become (another LazySeq, a list, a vector ...);
* forwarded: its step returned another LazySeq, which it becomes (`_rest` is that one);
* a cell: `_first` and `_rest` (a LazySeq or a PList, the finite end);
* empty.

Because an unrealized cell is a step name and values, never a Python closure or generator, a
lazy sequence serializes as its realized prefix and its unrealized tail (serialize/encode.py),
and a resumed process goes on where it stopped: a realized item is not computed again.

Realization is iterative: following a chain of LazySeqs that return LazySeqs, walking a long
sequence, or a filter skipping a long run, all loop instead of recursing, so a sequence of 10^6
items built with iterate exhausts no stack. A step that calls user code (the function of
map, filter, iterate, a lazy-seq body ...) calls it on its own trampoline (`call`): a builtin
such as `first` that realizes an item is a plain Python call, so a continuation cannot be
captured through it (cloneable-shift inside a realization is a control error).
"""
from __future__ import annotations

from typing import Any, Callable

from turmeric.data import equality, printer
from turmeric.data.errors import TurmericError
from turmeric.data.types import VECTOR_CLASS, type_error
from turmeric.data.values import EMPTY_LIST, PList, PMap, PSet, plist, vector
from turmeric.runtime import machine

UNREALIZED, REALIZING, FORWARD, CELL, EMPTY = range(5)
BARRIER = "the realization of a lazy sequence"


class LazySeq:
    __slots__ = ("_state", "_step", "_args", "_first", "_rest")
    turmeric_type = "lazy-seq"     # type-of; printed as a list (data/printer.py)
    tm_lazy_seq = True             # what the printer and equality recognise it by

    def __init__(self, step: str, args: tuple):
        self._state = UNREALIZED
        self._step = step
        self._args = args
        self._first = None
        self._rest = None

    def __iter__(self):
        return walk(self)

    def __len__(self):
        n = 0
        for _ in walk(self):
            n += 1
        return n

    def __bool__(self):
        return True

    def __eq__(self, other):
        return equality.equals(self, other)

    def __hash__(self):
        return equality.hash_of(plist(walk(self)))   # as a list with the same items

    def __repr__(self):
        return printer.pr_str(self)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return plist(list(walk(self))[i])
        for j, x in enumerate(walk(self)):
            if j == i:
                return x
        raise IndexError(i)

    # -- for the printer, inspect and the serializer: no realization ----------------------

    def realized_prefix(self) -> tuple[list, Any]:
        """(the items realized so far, what follows them): None at the end, a PList (the
        finite rest, all of it realized), or the first unrealized LazySeq."""
        items = []
        node = self
        while True:
            if type(node) is not LazySeq:
                return items, (None if node.count == 0 else node)
            st = node._state
            if st == CELL:
                items.append(node._first)
                node = node._rest
            elif st == EMPTY:
                return items, None
            elif st == FORWARD:
                node = node._rest
            else:
                return items, node


def cell(first, rest) -> LazySeq:
    """A realized cell: first, then rest (a LazySeq or a PList)."""
    s = LazySeq.__new__(LazySeq)
    s._state = CELL
    s._step = s._args = None
    s._first = first
    s._rest = rest
    return s


def empty_lazy() -> LazySeq:
    s = LazySeq.__new__(LazySeq)
    s._state = EMPTY
    s._step = s._args = s._first = s._rest = None
    return s


def realize(s: LazySeq) -> LazySeq:
    """Realize s to a cell or the empty sequence, following steps that return LazySeqs
    iteratively; every LazySeq on the way ends in the same state. Returns s."""
    st = s._state
    if st == CELL or st == EMPTY:
        return s
    if st == UNREALIZED:
        r = _run_step(s)
        if type(r) is tuple:      # the common case, a cell: no chain to follow
            first, rest = r
            if type(rest) is LazySeq or type(rest) is PList:
                s._step = s._args = None
                s._first, s._rest, s._state = first, rest, CELL
                return s
        _settle(s, r)
    else:
        _settle(s, _NOTHING)
    return s


_NOTHING = object()


def _run_step(node: LazySeq):
    if node._state == REALIZING:
        raise TurmericError("value", "a lazy sequence needs its own items to compute them",
                            hint="a (lazy-seq ...) body, or the function of iterate, map, "
                                 "filter ..., reads the sequence it is computing; put the "
                                 "self-reference inside a (lazy-seq ...) of its own")
    node._state = REALIZING   # (its step stays until what r makes of it is known)
    try:
        return STEPS[node._step](*node._args)
    except BaseException:
        node._state = UNREALIZED
        raise


def _settle(s: LazySeq, r):
    """The general case of realize: s's step gave r (or s is forwarded or realizing: r is
    _NOTHING); follow the LazySeqs until a cell or the end, then make them all that."""
    chain = [s]
    node = _follow(chain, s, r)
    for n in chain:     # every LazySeq on the way becomes what the last one is
        n._step = n._args = None
        n._state, n._first, n._rest = node._state, node._first, node._rest


def _checked_node(node: LazySeq, r):
    """as_node(r) for what node's step gave; if r is no sequence, node can be tried again."""
    try:
        return as_node(r)
    except BaseException:
        node._state = UNREALIZED
        raise


def _follow(chain: list, node: LazySeq, r):
    while True:
        if r is _NOTHING:
            st = node._state
            if st == CELL or st == EMPTY:
                break
            if st == FORWARD:
                nxt = node._rest
            else:
                r = _run_step(node)
                continue
        elif type(r) is tuple:
            first, rest = r
            if not (type(rest) is LazySeq or type(rest) is PList):
                rest = _checked_node(node, rest)
            node._state, node._first, node._rest = CELL, first, rest
            break
        elif r is None:
            node._state = EMPTY
            break
        else:
            nxt = _checked_node(node, r)
            if type(nxt) is PList:
                if nxt.count == 0:
                    node._state = EMPTY
                else:
                    node._state, node._first, node._rest = CELL, nxt.first, nxt.rest
                break
        node._state, node._rest = FORWARD, nxt
        node._step = node._args = None
        node, r = nxt, _NOTHING
        chain.append(node)
    return node


def as_node(x, who: str = "lazy-seq"):
    """A sequence as a LazySeq or a PList (the finite rest of a sequence)."""
    t = type(x)
    if t is LazySeq or t is PList:
        return x
    if x is None:
        return EMPTY_LIST
    if isinstance(x, (VECTOR_CLASS, PSet, str, bytes)):
        return plist(x)
    if isinstance(x, PMap):
        return plist([vector(kv) for kv in x.items()])
    raise type_error(who, "a sequence (a list, vector, map, set, string, lazy sequence or nil)", x)


def walk(s):
    """The items of a sequence node (LazySeq or PList), realizing as it goes."""
    node = s
    del s
    while True:
        if type(node) is not LazySeq:
            yield from node
            return
        if node._state != CELL:
            realize(node)
            if node._state == EMPTY:
                return
        yield node._first
        node = node._rest


def step_node(node):
    """(first, rest) of a sequence node, realizing its first cell; None when it is empty."""
    if type(node) is LazySeq:
        if node._state != CELL:
            realize(node)
            if node._state == EMPTY:
                return None
        return node._first, node._rest
    if node.count == 0:
        return None
    return node.first, node.rest


def is_realized(x) -> bool:
    """Whether x's first cell is computed (anything but a LazySeq is)."""
    while type(x) is LazySeq and x._state == FORWARD:
        x = x._rest
    return type(x) is not LazySeq or x._state == CELL or x._state == EMPTY


REPL_PRINT_LENGTH = 100   # the items of a lazy sequence the REPL shows as a result


def repl_text(value, limit: int = REPL_PRINT_LENGTH) -> str:
    """A REPL result as pr_str prints it, except that a result which is a lazy sequence
    shows at most `limit` items, then "...": (range) or (def xs (iterate inc 0)) at the
    prompt does not print forever (prn in a program prints all, as Clojure's does)."""
    if type(value) is not LazySeq:
        return printer.pr_str(value)
    items = []
    for x in walk(value):
        if len(items) == limit:
            return printer.pr_str(plist(items))[:-1] + " ...)"
        items.append(x)
    return printer.pr_str(plist(items))


def call(f, *args):
    """Call a Turmeric function from a step: a builtin directly, user code on its own
    trampoline (a barrier for captures)."""
    pure = getattr(f, "tm_pure", None)
    if pure is not None:
        return pure(*args)
    return machine.run(f, args, None, BARRIER)


def truthy(x) -> bool:
    return x is not None and x is not False


# -- the steps ------------------------------------------------------------------------------

def _thunk(fn):
    """(lazy-seq body): the body's value, a sequence or nil."""
    r = call(fn)
    if type(r) is tuple:    # never a Turmeric value; keep the step protocol unambiguous
        raise TypeError("a lazy-seq body returned a Python tuple")
    return EMPTY_LIST if r is None else r


def _iterate(f, x):
    y = call(f, x)
    return y, LazySeq("iterate", (f, y))


def _range(start, end, step):
    if end is not None and ((start >= end) if step > 0 else (start <= end)):
        return None
    return start, LazySeq("range", (start + step, end, step))


def _repeat(x):
    return x, LazySeq("repeat", (x,))


def _repeatedly(f):
    return call(f), LazySeq("repeatedly", (f,))


def _cycle(whole, node):
    s = step_node(node)
    if s is None:
        s = step_node(whole)
        if s is None:
            return None
    return s[0], LazySeq("cycle", (whole, s[1]))


def _step_all(nodes) -> tuple[list, tuple] | None:
    """(the first of each, the rests of each) of several sequences, None when one has ended."""
    firsts, rests = [], []
    for n in nodes:
        s = step_node(n)
        if s is None:
            return None
        firsts.append(s[0])
        rests.append(s[1])
    return firsts, tuple(rests)


def _map(f, nodes):
    stepped = _step_all(nodes)
    if stepped is None:
        return None
    firsts, rests = stepped
    return call(f, *firsts), LazySeq("map", (f, rests))


def _map_indexed(f, i, node):
    s = step_node(node)
    if s is None:
        return None
    return call(f, i, s[0]), LazySeq("map-indexed", (f, i + 1, s[1]))


def _filter(pred, node, keep):
    while True:
        s = step_node(node)
        if s is None:
            return None
        x, node = s
        if truthy(call(pred, x)) is keep:
            return x, LazySeq("filter", (pred, node, keep))


def _keep(f, node):
    while True:
        s = step_node(node)
        if s is None:
            return None
        v = call(f, s[0])
        node = s[1]
        if v is not None:
            return v, LazySeq("keep", (f, node))


def _take(n, node):
    if n <= 0:
        return None
    s = step_node(node)
    if s is None:
        return None
    return s[0], LazySeq("take", (n - 1, s[1]))


def _take_while(pred, node):
    s = step_node(node)
    if s is None or not truthy(call(pred, s[0])):
        return None
    return s[0], LazySeq("take-while", (pred, s[1]))


def _drop(n, node):
    while n > 0:
        s = step_node(node)
        if s is None:
            return None
        node = s[1]
        n -= 1
    return node


def _drop_while(pred, node):
    while True:
        if type(node) is LazySeq:
            realize(node)
            if node._state == EMPTY:
                return None
            if not truthy(call(pred, node._first)):
                return node
            node = node._rest
        else:
            while node.count and truthy(call(pred, node.first)):
                node = node.rest
            return node


def _take_nth(n, node):
    s = step_node(node)
    if s is None:
        return None
    return s[0], LazySeq("take-nth", (n, LazySeq("drop", (n - 1, s[1]))))


def _rest(node):
    s = step_node(node)
    return None if s is None else s[1]


def _concat(cur, more):
    """The items of cur, then of each collection in the sequence `more`."""
    while True:
        s = step_node(cur)
        if s is not None:
            return s[0], LazySeq("concat", (s[1], more))
        m = step_node(more)
        if m is None:
            return None
        cur, more = as_node(m[0], "concat"), m[1]


def _interleave(nodes):
    stepped = _step_all(nodes)
    if stepped is None:
        return None
    firsts, rests = stepped
    tail = LazySeq("interleave", (rests,))
    for x in reversed(firsts[1:]):
        tail = cell(x, tail)
    return firsts[0], tail


def _partition(n, step, pad, keep_short, node):
    chunk = []
    rest = node
    while len(chunk) < n:
        s = step_node(rest)
        if s is None:
            break
        chunk.append(s[0])
        rest = s[1]
    if not chunk:
        return None
    if len(chunk) < n:
        if pad is not None:
            chunk.extend(list(walk(as_node(pad, "partition")))[:n - len(chunk)])
        elif not keep_short:
            return None
        return plist(chunk), EMPTY_LIST
    after = rest if step == n else LazySeq("drop", (step, node))
    return plist(chunk), LazySeq("partition", (n, step, pad, keep_short, after))


STEPS: dict[str, Callable] = {
    "thunk": _thunk, "iterate": _iterate, "range": _range, "repeat": _repeat,
    "repeatedly": _repeatedly, "cycle": _cycle, "map": _map, "map-indexed": _map_indexed,
    "filter": _filter, "keep": _keep, "take": _take, "take-while": _take_while, "drop": _drop,
    "drop-while": _drop_while, "take-nth": _take_nth, "rest": _rest, "concat": _concat,
    "interleave": _interleave, "partition": _partition,
}
# how many arguments each step takes (the reader checks a serialized step against this)
STEP_ARITY = {name: f.__code__.co_argcount for name, f in STEPS.items()}
_PARAMS = {name: f.__code__.co_varnames[:STEP_ARITY[name]] for name, f in STEPS.items()}


def step_args_ok(name: str, args: tuple) -> bool:
    """Whether a serialized unrealized cell names a known step with arguments it can take."""
    if name not in STEPS:
        return False
    if len(args) != STEP_ARITY[name]:
        return False
    if not all(callable(a) for a, p in zip(args, _PARAMS[name]) if p in ("f", "pred", "fn")):
        return False
    return _ARG_CHECKS.get(name, _any)(*args)


def _any(*args):
    return True


def _node(x):
    return type(x) in (LazySeq, PList)


def _nodes(xs):
    return type(xs) is tuple and all(map(_node, xs))


def _int(x):
    return type(x) is int


def _num(x):
    return type(x) in (int, float)


_ARG_CHECKS = {
    "range": lambda a, b, s: _num(a) and (b is None or _num(b)) and _num(s) and s != 0,
    "cycle": lambda w, n: _node(w) and _node(n),
    "map": lambda f, ns: _nodes(ns) and len(ns) > 0,
    "map-indexed": lambda f, i, n: _int(i) and _node(n),
    "filter": lambda p, n, k: _node(n) and type(k) is bool,
    "keep": lambda f, n: _node(n),
    "take": lambda k, n: _int(k) and _node(n),
    "take-while": lambda p, n: _node(n),
    "drop": lambda k, n: _int(k) and _node(n),
    "drop-while": lambda p, n: _node(n),
    "take-nth": lambda k, n: _int(k) and k > 0 and _node(n),
    "rest": _node,
    "concat": lambda c, m: _node(c) and _node(m),
    "interleave": lambda ns: _nodes(ns) and len(ns) > 0,
    "partition": lambda n, s, p, k, node: (_int(n) and n > 0 and _int(s) and s > 0
                                           and type(k) is bool and _node(node)),
}
