"""What the core namespace is made of besides the builtins' own table: the `d`-taking wrapper
that makes a pure builtin a first-class value, and the pure helpers that the expander's output
calls (match, quasiquote, comprehensions)."""
from __future__ import annotations

from itertools import islice
from typing import Callable

from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import PList, PMap, PSet, StructType, StructValue, is_vector, plist
from turmeric.runtime.builtins.table import PURE_BUILTINS
from turmeric.runtime.core_structs import NONE_VALUE, SOME
from turmeric.runtime.higher_order import items_of
from turmeric.runtime.lazy import LazySeq


def comprehension_items(coll, who="map"):
    """The items a compiled (map (fn [x] ...) coll), filter or reduce loops over; `who`
    names the builtin in the error for a value that is not a collection."""
    return items_of(coll, who)


def wrap_pure(name: str, f):
    def builtin(d, *args):
        return f(*args)
    builtin.__name__ = f.__name__
    builtin.__turmeric_name__ = name
    builtin.__qualname__ = f"core.{name}"
    builtin.tm_pure = f
    return builtin


def internal_pure() -> dict[str, Callable]:
    """Pure helpers the expander's output calls (match, quasiquote)."""

    def struct_is(v, t, n):
        return isinstance(v, StructValue) and isinstance(t, StructType) and v.stype is t and len(t.fields) == n

    def struct_field(v, i):
        return getattr(v, v.__slots__[i])

    def seq_len_is(v, n, has_rest):
        if type(v) is LazySeq:   # a lazy sequence: realized only as far as the pattern needs
            k = sum(1 for _ in islice(v, n + 1))
            return k >= n if has_rest else k == n
        if not (type(v) is PList or is_vector(v)):
            return False
        return len(v) >= n if has_rest else len(v) == n

    def no_match(v):
        raise TurmericError("value", f"no match clause matches {pr_str(v)}")

    def map_from_seq(items):
        items = list(items)
        return PMap.from_pairs(zip(items[0::2], items[1::2]))

    return {"%struct-is?": struct_is, "%struct-field": struct_field, "%seq-len-is?": seq_len_is,
            "%no-match": no_match, "%map-from-seq": map_from_seq,
            "%set-from-seq": lambda items: PSet(items),
            "list*": lambda *a: plist(list(a[:-1]) + list(a[-1] or ())),
            "some-value": lambda x: SOME.cls(x), "none-value": lambda: NONE_VALUE,
            "vec": PURE_BUILTINS["vec"]}
