"""PURE_BUILTINS: every pure builtin, Turmeric name -> function, gathered from the topic modules.

"Pure" means a builtin never calls user code, so it can never capture a continuation: the
compiler calls these directly as plain Python functions, without the `d` depth parameter
(see docs/internals.md). The builtins that call user code are in runtime/higher_order.py.

Every builtin checks its argument types and raises TurmericError(kind, "name: expected ...,
got <type> <value>") on misuse (spec/builtins.md). Argument counts are not checked here: a
Python TypeError from a wrong call is turned into an arity error by the runtime.
"""
from __future__ import annotations

from typing import Callable

from turmeric.data.names import mangle
from turmeric.runtime.errors_convert import add_builtin_table
from turmeric.runtime.builtins import (
    colls, comparison, errors, io, maps, maths, numbers, parsing, predicates, printing, randomness,
    refs, seqs, sets, sorted as sorted_colls, strings, symbols,
)

_TOPICS = (numbers, maths, comparison, predicates, seqs, maps, colls, sorted_colls, sets, refs, errors,
           printing, strings, parsing, symbols, io, randomness)

PURE_BUILTINS: dict[str, Callable] = {}
for _topic in _TOPICS:
    PURE_BUILTINS.update(_topic.BUILTINS)


def _name_builtins() -> None:
    """Gives each builtin its Turmeric name (`__turmeric_name__`, which the printer shows as
    `#<fn inc>`), and the lambdas a readable Python name."""
    for name, fn in PURE_BUILTINS.items():
        if fn.__name__ == "<lambda>":
            fn.__name__ = fn.__qualname__ = mangle(name)
        if not hasattr(fn, "__turmeric_name__"):  # int? and integer? share a function
            fn.__turmeric_name__ = name


_name_builtins()
add_builtin_table(PURE_BUILTINS)   # for arity errors converted without a session (errors_convert.py)
