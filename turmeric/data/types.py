"""What a value is, in words, and `get`: the type names `type-of` and error messages use, the
error helpers every builtin raises with, and the one lookup that `get`, `(:k m)` and
`(m k)` share."""
from __future__ import annotations

from typing import Any

from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle_field
from turmeric.data.printer import pr_str
from turmeric.data.values import (
    EMPTY_VECTOR, Continuation, Keyword, PList, PMap, PSet, Ref, StructType, StructValue, Symbol,
)

VECTOR_CLASS = type(EMPTY_VECTOR)  # the concrete PVector class: isinstance against it is fast


_TYPE_KEYS = {
    type(None): "nil", bool: "bool", int: "int", float: "float", str: "string",
    bytes: "bytes", Keyword: "keyword", Symbol: "symbol", PList: "list", VECTOR_CLASS: "vector",
    PMap: "map", PSet: "set", Ref: "ref", Continuation: "continuation",
    StructType: "struct-type",
}
# the words used in error messages, where they differ from the type-of keyword
_LONG_NAMES = {"bool": "boolean", "int": "integer", "fn": "function"}


def type_key(x: Any) -> str:
    """The short type name of a value, as `type-of` returns it (without the colon)."""
    k = _TYPE_KEYS.get(type(x))
    if k is not None:
        return k
    if isinstance(x, StructValue):
        return x.stype.name
    if isinstance(x, VECTOR_CLASS):
        return "vector"
    if isinstance(x, Continuation):
        return "continuation"
    named = getattr(type(x), "turmeric_type", None)  # resources: FileHandle, Socket
    if named is not None:
        return named
    if callable(x):
        return "fn"
    return "python:" + type(x).__name__


def type_name(x: Any) -> str:
    """The type of a value in words, for error messages: "integer", "vector", "struct point"."""
    if isinstance(x, StructValue):
        return "struct " + x.stype.name
    k = type_key(x)
    return _LONG_NAMES.get(k, k)


def short_pr(x: Any, limit: int = 60) -> str:
    try:
        s = pr_str(x)
    except Exception:  # noqa: BLE001 - an error message must never fail itself
        s = "#<" + type(x).__name__ + ">"
    return s if len(s) <= limit else s[:limit - 3] + "..."


def describe(x: Any) -> str:
    """A value for an error message: its type then its printed form ("keyword :a")."""
    if x is None:
        return "nil"
    return f"{type_name(x)} {short_pr(x)}"


def type_error(name: str, expected: str, x: Any) -> TurmericError:
    return TurmericError("type", f"{name}: expected {expected}, got {describe(x)}")


def value_error(name: str, message: str) -> TurmericError:
    return TurmericError("value", f"{name}: {message}")


def get(m, k, default=None):
    if isinstance(m, PMap):
        return m.get(k, default)
    if m is None:
        return default
    if isinstance(m, (VECTOR_CLASS, str, bytes)):
        if type(k) is int and 0 <= k < len(m):
            return m[k]
        return default
    if isinstance(m, PSet):
        return k if k in m else default
    if isinstance(m, StructValue):
        if isinstance(k, Keyword) and k.name in m.stype.fields:
            return getattr(m, mangle_field(k.name))
        return default
    raise type_error("get", "a map, vector, set, string, struct or nil", m)
