"""Names: name, keyword, symbol, gensym."""
from __future__ import annotations

import itertools
from typing import Callable

from turmeric.data.types import type_error
from turmeric.data.values import Keyword, Symbol
from turmeric.runtime.builtins.args import str_arg


def name(x):
    if isinstance(x, (Keyword, Symbol)):
        return x.name
    if type(x) is str:
        return x
    raise type_error("name", "a keyword, symbol or string", x)


def keyword(x):
    if isinstance(x, Keyword) or x is None:
        return x
    if type(x) is str:
        return Keyword(x)
    if isinstance(x, Symbol):
        return Keyword(x.name)
    raise type_error("keyword", "a string, symbol or keyword", x)


def symbol(x):
    if isinstance(x, Symbol):
        return x
    if type(x) is str:
        return Symbol(x)
    if isinstance(x, Keyword):
        return Symbol(x.name)
    raise type_error("symbol", "a string, symbol or keyword", x)


_gensym_counter = itertools.count(1)


def gensym(prefix="G__"):
    """A fresh symbol: (gensym) -> G__12, (gensym "tmp") -> tmp13."""
    if isinstance(prefix, Symbol):
        prefix = prefix.name
    str_arg("gensym", prefix)
    return Symbol(f"{prefix}{next(_gensym_counter)}")


BUILTINS: dict[str, Callable] = {"name": name, "keyword": keyword, "symbol": symbol, "gensym": gensym}
