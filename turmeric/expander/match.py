"""match: pattern clauses compiled to tests and bindings on one evaluated value."""
from __future__ import annotations

from typing import TYPE_CHECKING

from turmeric.data.errors import InternalError
from turmeric.data.values import Keyword, PList, Symbol, is_sym, is_vector, vector
from turmeric.expander.syntax import core, form_list, span_of, sym

if TYPE_CHECKING:
    from turmeric.expander.expander import Expander


def expand_match(ex: Expander, form: PList):
    """(match e pat -> body ...), whose shape and patterns were checked: constructor
    patterns (Some x), literals, 'datum, _, names, vectors [a b & rest]."""
    c = list(form)
    clauses = c[2:]
    v = ex.gensym("m")
    out = form_list(form.span, core("%no-match"), v)
    for i in range(len(clauses) - 3, -1, -3):
        pat, _arrow, body = clauses[i:i + 3]
        tests, binds = [], []
        pattern(pat, v, tests, binds, form.span)
        then = form_list(form.span, sym("let"), vector(binds), body) if binds else body
        test = form_list(form.span, sym("and"), *tests) if tests else True
        out = form_list(span_of(pat, form.span), sym("if"), test, then, out)
    return form_list(form.span, sym("let"), vector([v, c[1]]), out)


def pattern(pat, v, tests: list, binds: list, sp):
    """Tests and bindings for `pat` against the pure access expression `v`."""
    if is_sym(pat, "_"):
        return
    if type(pat) is Symbol:
        binds += [pat, v]
        return
    if type(pat) is PList and pat.count and type(pat.first) is Symbol:
        if pat.first.name == "quote":
            tests.append(form_list(sp, core("="), v, pat))
            return
        subs = list(pat)[1:]
        tests.append(form_list(sp, core("%struct-is?"), v, pat.first, len(subs)))
        for i, p in enumerate(subs):
            pattern(p, form_list(sp, core("%struct-field"), v, i), tests, binds, sp)
        return
    if is_vector(pat):
        items = list(pat)
        rest = None
        if len(items) >= 2 and is_sym(items[-2], "&"):
            rest = items[-1]
            items = items[:-2]
        tests.append(form_list(sp, core("%seq-len-is?"), v, len(items), rest is not None))
        for i, p in enumerate(items):
            pattern(p, form_list(sp, core("nth"), v, i), tests, binds, sp)
        if rest is not None:
            pattern(rest, form_list(sp, core("drop"), len(items), v), tests, binds, sp)
        return
    if pat is None or type(pat) in (int, float, str, bool, Keyword):
        tests.append(form_list(sp, core("="), v, pat))
        return
    raise InternalError(f"expander: match has no case for the pattern {type(pat).__name__} at {sp}")
