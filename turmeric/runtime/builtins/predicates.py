"""What kind of value something is: the type tests (nil?, string?, fn?, coll? ...), type-of,
and truthiness (not, boolean, identity). Only nil and false are falsy."""
from __future__ import annotations

from typing import Any, Callable

from turmeric.data.types import VECTOR_CLASS, type_error, type_key
from turmeric.data.values import Keyword, PList, PMap, PSet, Ref, StructType, Symbol
from turmeric.runtime.lazy import LazySeq


def is_instance_of(cls) -> Callable[[Any], bool]:
    return lambda x: isinstance(x, cls)


def is_fn(x: Any) -> bool:
    return callable(x) and not isinstance(x, (Keyword, PMap, PSet, StructType))


def is_coll(x):
    return isinstance(x, (PList, VECTOR_CLASS, PMap, PSet, LazySeq))


def is_sequential(x):
    return isinstance(x, (PList, VECTOR_CLASS, LazySeq))


def not_(x):
    return x is None or x is False


def identity(x):
    return x


def to_boolean(x):
    return x is not None and x is not False


def type_of(x):
    k = type_key(x)
    if k.startswith("python:"):
        raise type_error("type-of", "a Turmeric value", x)
    return Keyword(k)


BUILTINS: dict[str, Callable] = {
    "nil?": lambda x: x is None,
    "some?": lambda x: x is not None,
    "true?": lambda x: x is True,
    "false?": lambda x: x is False,
    "boolean?": is_instance_of(bool),
    "string?": is_instance_of(str),
    "keyword?": is_instance_of(Keyword),
    "symbol?": is_instance_of(Symbol),
    "list?": is_instance_of(PList),
    "seq?": is_instance_of((PList, LazySeq)),
    "vector?": is_instance_of(VECTOR_CLASS),
    "map?": is_instance_of(PMap),
    "set?": is_instance_of(PSet),
    "bytes?": is_instance_of(bytes),
    "ref?": is_instance_of(Ref),
    "fn?": is_fn,
    "coll?": is_coll,
    "sequential?": is_sequential,
    "not": not_, "identity": identity, "boolean": to_boolean, "type-of": type_of,
    "identical?": lambda a, b: a is b,
}
