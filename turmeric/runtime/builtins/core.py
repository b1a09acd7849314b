"""The pure builtins of Turmeric: numbers, comparison, predicates, collections, refs.

"Pure" means a builtin never calls user code, so it can never capture a continuation: the
compiler calls these directly as plain Python functions, without the `d` depth parameter
(see docs/internals.md). Strings, printing and I/O live in builtins_io.py; both modules'
builtins are collected in PURE_BUILTINS (Turmeric name -> function) at the end of this file.

Every builtin checks its argument types and raises TurmericError(kind, "name: expected ...,
got <type> <value>") on misuse. Argument counts are not checked here: a Python TypeError from
a wrong call is turned into an arity error by the runtime.

Decisions (also in spec/builtins.md):
- numbers are int or float, never bool: (+ true 1) is a type error.
- (/ a b) on integers that divide exactly is an int, otherwise a float; dividing by zero
  (integer or float) is a value error, as are mod, rem and quot by zero.
- sequence functions (rest, cons, concat, take, drop, reverse, sort, distinct, range,
  flatten, interleave, partition, keys, vals, butlast, ...) return lists (PList); where
  Clojure returns nil for "no items" (keys of {}, butlast of [1], take-last of []) we return
  the empty list (), so the result is always a list. `seq` and `next` are the exceptions:
  they return nil for an empty collection, as in Clojure, so they can be used as tests.
- maps are seen as sequences of [key value] vectors; strings as sequences of one-character
  strings; bytes as sequences of integers 0-255.
- `get` on something that cannot be looked up in (a number, a keyword, a function) is a type
  error rather than Clojure's silent nil.
"""
from __future__ import annotations

import functools
import itertools
import math
from typing import Any, Callable, Iterable

from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle_field
from turmeric.data.types import describe, get, short_pr, type_error, type_key, type_name, value_error
from turmeric.data.values import (
    EMPTY_LIST, EMPTY_MAP, EMPTY_VECTOR, Keyword, PList, PMap, PSet, Ref, StructType,
    StructValue, Symbol, cons as _cons, plist, vector,
)

_VT = type(EMPTY_VECTOR)  # the concrete PVector class: isinstance against it is fast
_MISSING = object()


# ---------------------------------------------------------------------------------------------
# type names and error helpers

def _items_word(n: int, word: str = "item") -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def is_number(x: Any) -> bool:
    t = type(x)
    return t is int or t is float


def is_fn(x: Any) -> bool:
    return callable(x) and not isinstance(x, (Keyword, PMap, PSet, StructType))


def _int_arg(name: str, x: Any) -> int:
    if type(x) is not int:
        raise type_error(name, "an integer", x)
    return x


def _num_arg(name: str, x: Any):
    if type(x) is not int and type(x) is not float:
        raise type_error(name, "a number", x)
    return x


def _overflow(name: str) -> TurmericError:
    return value_error(name, "number too large to represent as a float")


# ---------------------------------------------------------------------------------------------
# numbers

def add(*xs):
    total = 0
    try:
        for x in xs:
            if type(x) is not int and type(x) is not float:
                raise type_error("+", "a number", x)
            total += x
    except OverflowError:
        raise _overflow("+") from None
    return total


def mul(*xs):
    total = 1
    try:
        for x in xs:
            if type(x) is not int and type(x) is not float:
                raise type_error("*", "a number", x)
            total *= x
    except OverflowError:
        raise _overflow("*") from None
    return total


def sub(x, *ys):
    _num_arg("-", x)
    if not ys:
        return -x
    try:
        for y in ys:
            if type(y) is not int and type(y) is not float:
                raise type_error("-", "a number", y)
            x -= y
    except OverflowError:
        raise _overflow("-") from None
    return x


def _div2(a, b):
    if b == 0:
        raise value_error("/", "division by zero")
    try:
        if type(a) is int and type(b) is int:
            q, r = divmod(a, b)
            return q if r == 0 else a / b
        return a / b
    except OverflowError:
        raise _overflow("/") from None


def div(x, *ys):
    _num_arg("/", x)
    if not ys:
        return _div2(1, x)
    for y in ys:
        _num_arg("/", y)
        x = _div2(x, y)
    return x


def _int_div_args(name, a, b):
    _num_arg(name, a)
    _num_arg(name, b)
    if b == 0:
        raise value_error(name, "division by zero")


def mod(a, b):
    """Clojure's mod: the result has the sign of the divisor."""
    _int_div_args("mod", a, b)
    try:
        return a % b
    except OverflowError:
        raise _overflow("mod") from None


def quot(a, b):
    """Division truncated toward zero."""
    _int_div_args("quot", a, b)
    if type(a) is int and type(b) is int:
        q = abs(a) // abs(b)
        return -q if (a < 0) != (b < 0) else q
    try:
        return float(math.trunc(a / b))
    except (OverflowError, ValueError):
        raise value_error("quot", f"cannot truncate {short_pr(a)} / {short_pr(b)}") from None


def rem(a, b):
    """Remainder of quot: the result has the sign of the dividend."""
    _int_div_args("rem", a, b)
    if type(a) is int and type(b) is int:
        return a - b * quot(a, b)
    try:
        return math.fmod(a, b)
    except (OverflowError, ValueError):
        raise value_error("rem", f"cannot compute {short_pr(a)} rem {short_pr(b)}") from None


def inc(x):
    _num_arg("inc", x)
    return x + 1


def dec(x):
    _num_arg("dec", x)
    return x - 1


def max_(x, *ys):
    _num_arg("max", x)
    for y in ys:
        _num_arg("max", y)
        if y > x:
            x = y
    return x


def min_(x, *ys):
    _num_arg("min", x)
    for y in ys:
        _num_arg("min", y)
        if y < x:
            x = y
    return x


def abs_(x):
    _num_arg("abs", x)
    return abs(x)


def num_eq(x, *ys):
    _num_arg("==", x)
    ok = True
    for y in ys:
        _num_arg("==", y)
        if x != y:
            ok = False
        x = y
    return ok


def is_zero(x):
    return _num_arg("zero?", x) == 0


def is_pos(x):
    return _num_arg("pos?", x) > 0


def is_neg(x):
    return _num_arg("neg?", x) < 0


def is_even(x):
    return _int_arg("even?", x) % 2 == 0


def is_odd(x):
    return _int_arg("odd?", x) % 2 == 1


def is_int(x):
    return type(x) is int


def is_float(x):
    return type(x) is float


def to_float(x):
    _num_arg("float", x)
    try:
        return float(x)
    except OverflowError:
        raise _overflow("float") from None


def to_int(x):
    """Truncates a float toward zero."""
    _num_arg("int", x)
    try:
        return int(x)
    except (OverflowError, ValueError):
        raise value_error("int", f"cannot convert {short_pr(x)} to an integer") from None


def _bit_args(name, xs):
    for x in xs:
        _int_arg(name, x)


def bit_and(x, y, *more):
    _bit_args("bit-and", (x, y) + more)
    return functools.reduce(lambda a, b: a & b, more, x & y)


def bit_or(x, y, *more):
    _bit_args("bit-or", (x, y) + more)
    return functools.reduce(lambda a, b: a | b, more, x | y)


def bit_xor(x, y, *more):
    _bit_args("bit-xor", (x, y) + more)
    return functools.reduce(lambda a, b: a ^ b, more, x ^ y)


def bit_not(x):
    return ~_int_arg("bit-not", x)


def _shift_count(name, n):
    _int_arg(name, n)
    if n < 0:
        raise value_error(name, f"shift count must not be negative, got {n}")
    return n


def bit_shift_left(x, n):
    return _int_arg("bit-shift-left", x) << _shift_count("bit-shift-left", n)


def bit_shift_right(x, n):
    return _int_arg("bit-shift-right", x) >> _shift_count("bit-shift-right", n)


# ---------------------------------------------------------------------------------------------
# comparison and identity

from turmeric.data import equality as _equality  # noqa: E402


def eq(x, *ys):
    if len(ys) == 1:
        y = ys[0]
        if x is y and type(x) is not float:
            return True
        tx = type(x)
        if (tx is int or tx is str) and type(y) is tx:
            return x == y
        return _equals(x, y)
    for y in ys:
        if not _equals(x, y):
            return False
        x = y
    return True


def _equals(a, b):
    return _equality.equals(a, b)


def not_eq(x, *ys):
    return not eq(x, *ys)


def _chain(name: str, ok: Callable[[Any, Any], bool]):
    def compare_chain(x, *ys):
        _num_arg(name, x)
        result = True
        for y in ys:
            _num_arg(name, y)
            if result and not ok(x, y):
                result = False
            x = y
        return result
    compare_chain.__name__ = "chain_" + {"<": "lt", ">": "gt", "<=": "le", ">=": "ge"}[name]
    return compare_chain


lt = _chain("<", lambda a, b: a < b)
gt = _chain(">", lambda a, b: a > b)
le = _chain("<=", lambda a, b: a <= b)
ge = _chain(">=", lambda a, b: a >= b)


def compare(a, b):
    from turmeric.data.equality import compare as _compare
    return _compare(a, b)


def not_(x):
    return x is None or x is False


def identity(x):
    return x


def _eq_hash(x) -> int:
    t = type(x)
    if t is PList or t is _VT:
        return hash(("seq",) + tuple(_eq_hash(i) for i in x))
    if t is PMap:
        return hash(("map", frozenset((_eq_hash(k), _eq_hash(v)) for k, v in x.items())))
    if t is PSet:
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
        if isinstance(x, (PList, _VT)):
            return hash(("seq", len(x)))
        return hash((type_key(x), len(x) if isinstance(x, (PMap, PSet)) else 0))


def hash_(x):
    return eq_hash(x)


# ---------------------------------------------------------------------------------------------
# predicates

def _isa(cls) -> Callable[[Any], bool]:
    return lambda x: isinstance(x, cls)


def is_coll(x):
    return isinstance(x, (PList, _VT, PMap, PSet))


def is_sequential(x):
    return isinstance(x, (PList, _VT))


def _seqable_len(name: str, x) -> int:
    if x is None:
        return 0
    if isinstance(x, (PList, _VT, PMap, PSet, str, bytes)):
        return len(x)
    raise type_error(name, "a collection or string", x)


def is_empty(x):
    return _seqable_len("empty?", x) == 0


def contains(coll, k):
    if isinstance(coll, (PMap, PSet)):
        return k in coll
    if coll is None:
        return False
    if isinstance(coll, (_VT, str, bytes)):
        return type(k) is int and 0 <= k < len(coll)
    if isinstance(coll, StructValue):
        return isinstance(k, Keyword) and k.name in coll.stype.fields
    raise type_error("contains?", "a map, set, vector, string or struct", coll)


# ---------------------------------------------------------------------------------------------
# sequences: everything seqable is seen as an iterable of items

def _entry(k, v):
    return vector((k, v))


def items(name: str, x) -> Iterable[Any]:
    """The items of a seqable value: collections, strings (chars), bytes (ints) and nil."""
    if isinstance(x, (PList, _VT, PSet, str, bytes)):
        return x
    if x is None:
        return ()
    if isinstance(x, PMap):
        return [_entry(k, v) for k, v in x.items()]
    raise type_error(name, "a collection or string", x)


def _as_list(name: str, x) -> PList:
    if isinstance(x, PList):
        return x
    return plist(items(name, x))


def _count_arg(name: str, n) -> int:
    return _int_arg(name, n)


def first(x):
    if isinstance(x, PList):
        return x.first
    if x is None:
        return None
    if isinstance(x, (_VT, str, bytes)):
        return x[0] if len(x) else None
    if isinstance(x, PMap):
        for k, v in x.items():
            return _entry(k, v)
        return None
    for item in items("first", x):
        return item
    return None


def _rest(name, x):
    if isinstance(x, PList):
        return x.rest
    xs = items(name, x)
    if isinstance(xs, (_VT, str, bytes, list)):
        return plist(xs[1:])
    return plist(itertools.islice(xs, 1, None))


def rest(x):
    return _rest("rest", x)


def next_(x):
    r = _rest("next", x)
    return None if r.count == 0 else r


def second(x):
    if isinstance(x, PList):
        return x.rest.first
    if isinstance(x, (_VT, str, bytes)):
        return x[1] if len(x) > 1 else None
    for item in itertools.islice(items("second", x), 1, None):
        return item
    return None


def last(x):
    if isinstance(x, (_VT, str, bytes)):
        return x[-1] if len(x) else None
    out = None
    for out in items("last", x):
        pass
    return out


def _nth_index_error(name, i, coll):
    what = type_name(coll)
    word = {"string": "character", "bytes": "byte"}.get(what, "item")
    if what == "bytes":
        what = "byte string"
    return value_error(name, f"index {i} out of range for a {what} of "
                             f"{_items_word(len(coll), word)}")


def nth(coll, i, default=_MISSING):
    _int_arg("nth", i)
    if isinstance(coll, PList):
        if 0 <= i < coll.count:
            node = coll
            for _ in range(i):
                node = node.rest
            return node.first
    elif isinstance(coll, (_VT, str, bytes)):
        if 0 <= i < len(coll):
            return coll[i]
    elif coll is None:
        return None if default is _MISSING else default
    else:
        raise type_error("nth", "a list, vector, string or bytes", coll)
    if default is _MISSING:
        raise _nth_index_error("nth", i, coll)
    return default


def count(x):
    if isinstance(x, PList):
        return x.count
    return _seqable_len("count", x)


def get_in(m, ks, default=None):
    for k in items("get-in", ks):
        m = get(m, k, _MISSING)
        if m is _MISSING:
            return default
    return m


def _assoc1(name, m, k, v):
    if isinstance(m, PMap):
        return m.assoc(k, v)
    if m is None:
        return PMap({k: v})
    if isinstance(m, _VT):
        if type(k) is not int:
            raise type_error(name, "an integer index for a vector", k)
        n = len(m)
        if 0 <= k < n:
            return m.set(k, v)
        if k == n:
            return m.append(v)
        raise _nth_index_error(name, k, m)
    if isinstance(m, StructValue):
        fields = m.stype.fields
        if not isinstance(k, Keyword) or k.name not in fields:
            raise value_error(name, f"struct {m.stype.name} has no field {short_pr(k)}")
        vals = [v if f == k.name else getattr(m, mangle_field(f)) for f in fields]
        return type(m)(*vals)
    raise type_error(name, "a map, vector, struct or nil", m)


def assoc(m, k, v, *kvs):
    if len(kvs) % 2:
        raise TurmericError("arity", "assoc: expected an even number of key/value arguments")
    m = _assoc1("assoc", m, k, v)
    for i in range(0, len(kvs), 2):
        m = _assoc1("assoc", m, kvs[i], kvs[i + 1])
    return m


def assoc_in(m, ks, v):
    path = list(items("assoc-in", ks))
    if not path:
        raise value_error("assoc-in", "expected a non-empty key path")

    def go(m, i):
        k = path[i]
        if i == len(path) - 1:
            return _assoc1("assoc-in", m, k, v)
        return _assoc1("assoc-in", m, k, go(get(m, k), i + 1))
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
    if isinstance(e, _VT) and len(e) == 2:
        return e[0]
    raise type_error("key", "a map entry (a [key value] vector)", e)


def val(e):
    if isinstance(e, _VT) and len(e) == 2:
        return e[1]
    raise type_error("val", "a map entry (a [key value] vector)", e)


def seq(x):
    if isinstance(x, PList):
        return x if x.count else None
    xs = _as_list("seq", x)
    return xs if xs.count else None


def list_(*xs):
    return plist(xs)


def vector_(*xs):
    return vector(xs)


def vec(x):
    if isinstance(x, _VT):
        return x
    return vector(items("vec", x))


def hash_map(*kvs):
    if len(kvs) % 2:
        raise TurmericError("arity", "hash-map: expected an even number of key/value arguments")
    return PMap({kvs[i]: kvs[i + 1] for i in range(0, len(kvs), 2)})


def hash_set(*xs):
    return PSet(xs)


def set_(x):
    if isinstance(x, PSet):
        return x
    return PSet(items("set", x))


def cons(x, coll):
    if isinstance(coll, PList):
        return _cons(x, coll)
    return _cons(x, _as_list("cons", coll))


def _conj1(name, coll, x):
    if isinstance(coll, _VT):
        return coll.append(x)
    if isinstance(coll, PList):
        return _cons(x, coll)
    if isinstance(coll, PMap):
        if isinstance(x, _VT):
            if len(x) != 2:
                raise value_error(name, f"expected a [key value] vector to add to a map, got "
                                        f"{describe(x)}")
            return coll.assoc(x[0], x[1])
        if isinstance(x, PMap):
            return merge(coll, x)
        if x is None:
            return coll
        raise type_error(name, "a [key value] vector to add to a map", x)
    if isinstance(coll, PSet):
        return coll.conj(x)
    if coll is None:
        return _cons(x, EMPTY_LIST)
    raise type_error(name, "a collection or nil", coll)


def conj(coll=EMPTY_VECTOR, *xs):
    for x in xs:
        coll = _conj1("conj", coll, x)
    if coll is None:
        return None
    if not is_coll(coll):
        raise type_error("conj", "a collection or nil", coll)
    return coll


def into(to, frm):
    xs = items("into", frm)
    if isinstance(to, _VT):
        return to.extend(xs)
    if isinstance(to, PSet):
        return PSet(itertools.chain(to, xs)) if len(xs) else to
    if isinstance(to, PMap):
        if isinstance(frm, PMap):
            return merge(to, frm)
        d = None
        for x in xs:
            if not (isinstance(x, _VT) and len(x) == 2):
                raise type_error("into", "[key value] vectors to add to a map", x)
            if d is None:
                d = dict(to.items())
            d[x[0]] = x[1]
        return to if d is None else PMap(d)
    if to is None:
        to = EMPTY_LIST
    elif not isinstance(to, PList):
        raise type_error("into", "a collection or nil", to)
    for x in xs:
        to = _cons(x, to)
    return to


def concat(*colls):
    out: list = []
    for c in colls:
        out.extend(items("concat", c))
    return plist(out)


def reverse(coll):
    out = EMPTY_LIST
    for x in items("reverse", coll):
        out = _cons(x, out)
    return out


def take(n, coll):
    _count_arg("take", n)
    if n <= 0:
        items("take", coll)
        return EMPTY_LIST
    return plist(itertools.islice(items("take", coll), n))


def _drop(name, n, coll):
    _count_arg(name, n)
    if isinstance(coll, PList):
        while n > 0 and coll.count:
            coll = coll.rest
            n -= 1
        return coll
    xs = items(name, coll)
    return plist(itertools.islice(xs, max(n, 0), None))


def drop(n, coll):
    return _drop("drop", n, coll)


def nthrest(coll, n):
    return _drop("nthrest", n, coll)


def nthnext(coll, n):
    rest = _drop("nthnext", n, coll)
    return rest if rest.count else None


def kv_map(x):
    """What a map pattern takes apart: a list of keys and values (the rest arguments of
    `[& {:keys [a]}]`) as a map; anything else as it is."""
    if type(x) is not PList:
        return x
    xs = list(x)
    if len(xs) % 2:
        raise TurmericError("type", f"a map pattern needs keys and values in pairs, got {len(xs)} items")
    return PMap.from_pairs(zip(xs[0::2], xs[1::2]))


def butlast(coll):
    xs = list(items("butlast", coll))
    return plist(xs[:-1])


def take_last(n, coll):
    _count_arg("take-last", n)
    xs = list(items("take-last", coll))
    return plist(xs[len(xs) - n:]) if n > 0 else EMPTY_LIST


def range_(a, b=_MISSING, step=1):
    """(range end), (range start end), (range start end step); the end is excluded."""
    if b is _MISSING:
        a, b = 0, a
    for x in (a, b, step):
        _num_arg("range", x)
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


def repeat(n, x):
    _count_arg("repeat", n)
    return plist([x] * max(n, 0))


def sort(coll):
    xs = list(items("sort", coll))
    xs.sort(key=functools.cmp_to_key(compare))
    return plist(xs)


def distinct(coll):
    """Keeps the first of equal items (by `=`), in order."""
    from turmeric.data.equality import equals
    buckets: dict[int, list] = {}
    out = []
    for x in items("distinct", coll):
        bucket = buckets.setdefault(eq_hash(x), [])
        if not any(equals(x, y) for y in bucket):
            bucket.append(x)
            out.append(x)
    return plist(out)


def frequencies(coll):
    counts: dict = {}
    for x in items("frequencies", coll):
        counts[x] = counts.get(x, 0) + 1
    return PMap(counts)


def flatten(coll):
    """Flattens nested lists and vectors (not maps, sets or strings) into one list."""
    if not (coll is None or isinstance(coll, (PList, _VT))):
        raise type_error("flatten", "a list, vector or nil", coll)
    out = []
    stack = [iter(items("flatten", coll))]
    while stack:
        for x in stack[-1]:
            if isinstance(x, (PList, _VT)):
                stack.append(iter(x))
                break
            out.append(x)
        else:
            stack.pop()
    return plist(out)


def zipmap(ks, vs):
    return PMap(dict(zip(items("zipmap", ks), items("zipmap", vs))))


def merge(*maps):
    out = None
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, PMap):
            raise type_error("merge", "a map or nil", m)
        if out is None:
            out = m
        elif len(m):
            d = dict(out.items())
            d.update(m.items())
            out = PMap(d)
    return out


def select_keys(m, ks):
    if m is not None and not isinstance(m, PMap):
        raise type_error("select-keys", "a map or nil", m)
    out = {}
    for k in items("select-keys", ks):
        if m is not None and k in m:
            out[k] = m.get(k)
    return PMap(out)


def interleave(*colls):
    seqs = [list(items("interleave", c)) for c in colls]
    if not seqs:
        return EMPTY_LIST
    n = min(len(s) for s in seqs)
    return plist([s[i] for i in range(n) for s in seqs])


def _partition(name, n, step, coll, pad, keep_short):
    _count_arg(name, n)
    _count_arg(name, step)
    if n <= 0 or step <= 0:
        raise value_error(name, f"size and step must be positive, got {n} and {step}")
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


def empty(coll):
    if isinstance(coll, PList):
        return EMPTY_LIST
    if isinstance(coll, _VT):
        return EMPTY_VECTOR
    if isinstance(coll, PMap):
        return EMPTY_MAP
    if isinstance(coll, PSet):
        return PSet()
    if coll is None:
        return None
    raise type_error("empty", "a collection or nil", coll)


def not_empty(coll):
    return None if _seqable_len("not-empty", coll) == 0 else coll


def peek(coll):
    if isinstance(coll, _VT):
        return coll[-1] if len(coll) else None
    if isinstance(coll, PList):
        return coll.first
    if coll is None:
        return None
    raise type_error("peek", "a list, vector or nil", coll)


def pop(coll):
    if isinstance(coll, _VT):
        if not len(coll):
            raise value_error("pop", "can't pop an empty vector")
        return coll.delete(len(coll) - 1)
    if isinstance(coll, PList):
        if not coll.count:
            raise value_error("pop", "can't pop an empty list")
        return coll.rest
    if coll is None:
        return None
    raise type_error("pop", "a list, vector or nil", coll)


def subvec(v, start, end=None):
    if not isinstance(v, _VT):
        raise type_error("subvec", "a vector", v)
    _int_arg("subvec", start)
    if end is None:
        end = len(v)
    _int_arg("subvec", end)
    if not 0 <= start <= end <= len(v):
        raise value_error("subvec", f"range {start}..{end} out of bounds for a vector of "
                                    f"{_items_word(len(v))}")
    return v[start:end]


def disj(s, *xs):
    if s is None:
        return None
    if not isinstance(s, PSet):
        raise type_error("disj", "a set or nil", s)
    for x in xs:
        s = s.disj(x)
    return s


# ---------------------------------------------------------------------------------------------
# refs, types, errors

def ref(v):
    return Ref(v)


def deref(r):
    if isinstance(r, Ref):
        return r.value
    raise type_error("deref", "a ref", r)


def ref_set(r, v):
    if not isinstance(r, Ref):
        raise type_error("ref-set!", "a ref", r)
    r.value = v
    return v


def type_of(x):
    k = type_key(x)
    if k.startswith("python:"):
        raise type_error("type-of", "a Turmeric value", x)
    return Keyword(k)


def arity_error(name, counts, got):
    """What a multi-arity function raises when no arity takes `got` arguments."""
    raise TurmericError("arity", f"{name} takes {counts} arguments, got {got}")


def ex_data(e):
    """The data map of an ex-info value (or of a map's :data), else nil."""
    if isinstance(e, StructValue):
        from turmeric.runtime.errors_convert import EX_INFO
        return e.f_data if e.stype is EX_INFO else None
    if isinstance(e, PMap):
        return e.get(Keyword("data"))
    return None


def drop_last(n_or_coll, coll=_MISSING):
    """(drop-last coll) all but the last item; (drop-last n coll) all but the last n."""
    n, coll = (1, n_or_coll) if coll is _MISSING else (n_or_coll, coll)
    _count_arg("drop-last", n)
    xs = list(items("drop-last", coll))
    return plist(xs[:max(len(xs) - n, 0)])


def split_at(n, coll):
    _count_arg("split-at", n)
    xs = list(items("split-at", coll))
    return vector([plist(xs[:max(n, 0)]), plist(xs[max(n, 0):])])


def ffirst(coll):
    return first(first(coll))


def find(m, k):
    """The entry [k v] of map m for key k, or nil."""
    if m is None:
        return None
    if type(m) is not PMap:
        raise type_error("find", "a map", m)
    return vector([k, m.get(k)]) if k in m else None


def interpose(sep, coll):
    out = []
    for x in items("interpose", coll):
        if out:
            out.append(sep)
        out.append(x)
    return plist(out)


def dedupe(coll):
    """The items with consecutive duplicates (by =) removed."""
    from turmeric.data.equality import equals
    out = []
    for x in items("dedupe", coll):
        if not out or not equals(out[-1], x):
            out.append(x)
    return plist(out)


def to_boolean(x):
    return x is not None and x is not False


def doall(coll):
    return coll


def dorun(coll):
    return None


def ex_message(e):
    if isinstance(e, StructValue) and hasattr(e, "f_message"):
        return e.f_message
    if isinstance(e, PMap):
        return e.get(Keyword("message"))
    raise type_error("ex-message", "an error value or a map", e)


# ---------------------------------------------------------------------------------------------
# the table

CORE_BUILTINS: dict[str, Callable] = {
    # numbers
    "+": add, "-": sub, "*": mul, "/": div, "mod": mod, "quot": quot, "rem": rem,
    "inc": inc, "dec": dec, "max": max_, "min": min_, "abs": abs_, "==": num_eq,
    "zero?": is_zero, "pos?": is_pos, "neg?": is_neg, "even?": is_even, "odd?": is_odd,
    "number?": is_number, "int?": is_int, "integer?": is_int, "float?": is_float,
    "float": to_float, "int": to_int,
    "bit-and": bit_and, "bit-or": bit_or, "bit-xor": bit_xor, "bit-not": bit_not,
    "bit-shift-left": bit_shift_left, "bit-shift-right": bit_shift_right,
    # comparison
    "=": eq, "not=": not_eq, "<": lt, ">": gt, "<=": le, ">=": ge, "compare": compare,
    "not": not_, "identity": identity, "hash": hash_,
    # predicates
    "nil?": lambda x: x is None,
    "some?": lambda x: x is not None,
    "true?": lambda x: x is True,
    "false?": lambda x: x is False,
    "boolean?": _isa(bool),
    "string?": _isa(str),
    "keyword?": _isa(Keyword),
    "symbol?": _isa(Symbol),
    "list?": _isa(PList),
    "seq?": _isa(PList),
    "vector?": _isa(_VT),
    "map?": _isa(PMap),
    "set?": _isa(PSet),
    "bytes?": _isa(bytes),
    "ref?": _isa(Ref),
    "fn?": is_fn,
    "coll?": is_coll,
    "sequential?": is_sequential,
    "empty?": is_empty,
    "contains?": contains,
    # collections
    "list": list_, "vector": vector_, "hash-map": hash_map, "hash-set": hash_set,
    "vec": vec, "set": set_, "cons": cons, "conj": conj, "into": into, "concat": concat,
    "first": first, "rest": rest, "next": next_, "second": second, "last": last,
    "nth": nth, "count": count, "seq": seq,
    "get": get, "get-in": get_in, "assoc": assoc, "assoc-in": assoc_in, "dissoc": dissoc,
    "keys": keys, "vals": vals, "key": key, "val": val, "merge": merge,
    "select-keys": select_keys, "zipmap": zipmap, "frequencies": frequencies,
    "reverse": reverse, "take": take, "drop": drop, "nthrest": nthrest, "nthnext": nthnext, "%kv-map": kv_map, "butlast": butlast,
    "take-last": take_last, "range": range_, "repeat": repeat, "%sort": sort,
    "distinct": distinct, "flatten": flatten, "interleave": interleave,
    "partition": partition, "partition-all": partition_all,
    "empty": empty, "not-empty": not_empty, "peek": peek, "pop": pop, "subvec": subvec,
    "disj": disj,
    # refs, types, errors
    "ref": ref, "deref": deref, "ref-set!": ref_set, "type-of": type_of,
    "ex-message": ex_message, "ex-data": ex_data, "%arity-error": arity_error, "drop-last": drop_last,
    "split-at": split_at, "ffirst": ffirst, "find": find, "interpose": interpose, "dedupe": dedupe,
    "boolean": to_boolean, "double": to_float, "long": to_int, "doall": doall, "dorun": dorun,
}

from turmeric.runtime.builtins.io import IO_BUILTINS  # noqa: E402 - builtins_io imports this module lazily

PURE_BUILTINS: dict[str, Callable] = {**CORE_BUILTINS, **IO_BUILTINS}


def _name_builtins() -> None:
    """Gives each builtin its Turmeric name (`__turmeric_name__`, which the printer shows as
    `#<fn inc>`), and the lambdas a readable Python name."""
    from turmeric.data.names import mangle
    for name, fn in PURE_BUILTINS.items():
        if fn.__name__ == "<lambda>":
            fn.__name__ = fn.__qualname__ = mangle(name)
        if not hasattr(fn, "__turmeric_name__"):  # int? and integer? share a function
            fn.__turmeric_name__ = name


_name_builtins()
