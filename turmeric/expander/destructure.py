"""Destructuring: the let bindings that take a value apart by a pattern (in let, fn
parameters, loop, doseq and for)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from turmeric.data.errors import InternalError
from turmeric.data.span import Span
from turmeric.data.values import Keyword, PMap, Symbol, is_sym, is_vector
from turmeric.expander.syntax import core, form_list, span_of, sym

if TYPE_CHECKING:
    from turmeric.expander.expander import Expander

AS, KEYS, OR = Keyword("as"), Keyword("keys"), Keyword("or")
STRS, SYMS = Keyword("strs"), Keyword("syms")


def destructure(ex: Expander, pattern, value, span: Span | None) -> list:
    """let bindings that take `value` apart by `pattern` (checked by shapes.py): a name; a
    vector [a b & more :as all]; a map {:keys [a b] :or {a 1} :as m, name :key}."""
    if type(pattern) is Symbol:
        return [pattern, value]
    sp = span_of(pattern, span)
    g = ex.gensym("d", sp)
    out = [g, value]
    if is_vector(pattern):
        items = list(pattern)
        i = 0
        while i < len(items):
            p = items[i]
            if is_sym(p, "&"):
                out += destructure(ex, items[i + 1], form_list(sp, core("nthnext"), g, i), sp)
                i += 2
            elif p is AS:
                out += [items[i + 1], g]
                i += 2
            else:
                out += destructure(ex, p, form_list(sp, core("nth"), g, i, None), sp)
                i += 1
        return out
    if type(pattern) is PMap:
        out[1] = form_list(sp, core("%kv-map"), value)     # keyword arguments: [& {:keys [a]}]
        defaults = pattern.get(OR) or PMap()
        for k, v in pattern.items():
            if k is KEYS or k is STRS or k is SYMS:   # the key :a, "a" or 'a for each name a
                for name in v:
                    key = (Keyword(name.name) if k is KEYS else name.name if k is STRS
                           else form_list(sp, sym("quote", sp), Symbol(name.name, sp)))
                    out += [name, form_list(sp, core("get"), g, key, defaults.get(name))]
            elif k is AS:
                out += [v, g]
            elif k is not OR:
                dflt = defaults.get(k) if type(k) is Symbol else None
                out += destructure(ex, k, form_list(sp, core("get"), g, v, dflt), sp)
        return out
    raise InternalError(f"expander: destructure has no case for {type(pattern).__name__} at {sp}")
