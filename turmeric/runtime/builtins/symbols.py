"""Names: name, keyword, symbol, gensym."""
from __future__ import annotations

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


class GensymCounter:
    """The numbers gensym hands out. Each session owns one (Session.gensym_counter), so two
    sessions in one process do not share it, and a saved REPL session saves it (#8)."""
    __slots__ = ("next",)

    def __init__(self, next_number: int = 1):
        self.next = next_number


def gensym_of(counter: GensymCounter) -> Callable:
    """The gensym builtin that counts with `counter`."""
    def gensym(prefix="G__"):
        """A fresh symbol: (gensym) -> G__12, (gensym "tmp") -> tmp13."""
        if isinstance(prefix, Symbol):
            prefix = prefix.name
        str_arg("gensym", prefix)
        n = counter.next
        counter.next = n + 1
        return Symbol(f"{prefix}{n}")
    return gensym


# the table's gensym, for code that runs builtins without a session; a Session replaces it
# with one that counts with the session's own counter
gensym = gensym_of(GensymCounter())


BUILTINS: dict[str, Callable] = {"name": name, "keyword": keyword, "symbol": symbol, "gensym": gensym}
