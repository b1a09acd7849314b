"""Names: name, namespace, keyword, symbol, gensym. A keyword or symbol written `ns/name` has
the namespace `ns` (split at the first `/`, as Clojure: data/equality.py's split_name)."""
from __future__ import annotations

from typing import Callable

from turmeric.data.equality import split_name
from turmeric.data.types import type_error
from turmeric.data.values import Keyword, Symbol
from turmeric.runtime.builtins.args import MISSING, str_arg


def name(x):
    """The name of a keyword or symbol without its namespace (`(name :ns/kw)` is "kw"); a
    string as it is."""
    if isinstance(x, (Keyword, Symbol)):
        return split_name(x.name)[1]
    if type(x) is str:
        return x
    raise type_error("name", "a keyword, symbol or string", x)


def namespace(x):
    """The namespace of a keyword or symbol (`(namespace :ns/kw)` is "ns"), or nil."""
    if isinstance(x, (Keyword, Symbol)):
        return split_name(x.name)[0]
    raise type_error("namespace", "a keyword or symbol", x)


def _qualified(who: str, ns, x) -> str:
    """The text of (keyword ns name) / (symbol ns name): "ns/name", or name for a nil ns."""
    str_arg(who, x)
    if ns is None:
        return x
    return str_arg(who, ns) + "/" + x


def keyword(x, name_=MISSING):
    if name_ is not MISSING:
        return Keyword(_qualified("keyword", x, name_))
    if isinstance(x, Keyword) or x is None:
        return x
    if type(x) is str:
        return Keyword(x)
    if isinstance(x, Symbol):
        return Keyword(x.name)
    raise type_error("keyword", "a string, symbol or keyword", x)


def symbol(x, name_=MISSING):
    if name_ is not MISSING:
        return Symbol(_qualified("symbol", x, name_))
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


BUILTINS: dict[str, Callable] = {
    "name": name, "namespace": namespace, "keyword": keyword, "symbol": symbol, "gensym": gensym,
}
