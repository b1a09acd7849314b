"""quasiquote: a template becomes calls that build its data, with ~x inserted, ~@xs spliced
and x# symbols replaced by one fresh symbol each."""
from __future__ import annotations

from typing import TYPE_CHECKING

from turmeric.data.span import Span
from turmeric.data.values import PList, PMap, PSet, Symbol, is_sym, is_vector
from turmeric.expander.syntax import core, fail, form_list, sym

if TYPE_CHECKING:
    from turmeric.expander.expander import Expander


def expand_quasiquote(ex: Expander, form: PList):
    """`x, (quasiquote x), whose shape was checked."""
    return template(ex, list(form)[1], {}, form.span)


def template(ex: Expander, x, autos: dict, sp: Span | None):
    if type(x) is Symbol:
        if x.name.endswith("#") and len(x.name) > 1:
            if x.name not in autos:
                autos[x.name] = ex.gensym(x.name[:-1])
            x = autos[x.name]
        return form_list(sp, sym("quote"), x)
    if type(x) is PList and x.count:
        if is_sym(x.first, "unquote"):
            return unquoted(x, sp)
        if is_sym(x.first, "unquote-splicing"):
            fail("~@ must be inside a list or vector", x, sp)
        return template_items(ex, x, autos, x.span or sp)
    if is_vector(x):
        return form_list(sp, core("vec"), template_items(ex, x, autos, sp))
    if type(x) is PMap:
        flat = [y for kv in x.items() for y in kv]
        return form_list(sp, core("%map-from-seq"), template_items(ex, flat, autos, sp))
    if type(x) is PSet:
        return form_list(sp, core("%set-from-seq"), template_items(ex, list(x), autos, sp))
    return x


def template_items(ex: Expander, items, autos: dict, sp: Span | None):
    parts = []
    for it in items:
        if type(it) is PList and it.count and is_sym(it.first, "unquote-splicing"):
            parts.append(unquoted(it, sp))
        else:
            parts.append(form_list(sp, core("list"), template(ex, it, autos, sp)))
    return form_list(sp, core("concat"), *parts)


def unquoted(x: PList, sp: Span | None):
    """The form of (unquote form) or (unquote-splicing form)."""
    if x.count != 2:
        fail(f"{x.first.name} takes one form", x, sp)
    return list(x)[1]
