"""Error values: ex-message, ex-data, and the arity error a multi-arity function raises."""
from __future__ import annotations

from typing import Callable

from turmeric.data.errors import TurmericError
from turmeric.data.types import type_error
from turmeric.data.values import Keyword, PMap, StructValue
from turmeric.runtime.core_structs import EX_INFO


def ex_message(e):
    if isinstance(e, StructValue) and hasattr(e, "f_message"):
        return e.f_message
    if isinstance(e, PMap):
        return e.get(Keyword("message"))
    raise type_error("ex-message", "an error value or a map", e)


def ex_data(e):
    """The data map of an ex-info value (or of a map's :data), else nil."""
    if isinstance(e, StructValue):
        return e.f_data if e.stype is EX_INFO else None
    if isinstance(e, PMap):
        return e.get(Keyword("data"))
    return None


def arity_error(name, counts, got):
    """What a multi-arity function raises when no arity takes `got` arguments."""
    raise TurmericError("arity", f"{name} takes {counts} arguments, got {got}")


BUILTINS: dict[str, Callable] = {
    "ex-message": ex_message, "ex-data": ex_data, "%arity-error": arity_error,
}
