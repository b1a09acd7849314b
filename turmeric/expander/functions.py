"""fn: parameter vectors and their annotations, several arities, and recur."""
from __future__ import annotations

from typing import TYPE_CHECKING

from turmeric.data.values import PList, Symbol, is_sym, is_vector, plist, vector
from turmeric.expander.syntax import core, fail, form_list, sym

if TYPE_CHECKING:
    from turmeric.expander.expander import Expander

SELF_NAME = "fn self"   # the name an anonymous fn that uses recur has for itself
OWN_RECUR = ("loop", "fn", "quote", "%fn-literal")   # forms whose recur is not the outer one's


def expand_fn(ex: Expander, form: PList):
    """(fn name? [params] : type? body...) or (fn name? ([params] body...) ...), whose shape
    was checked: a fn of names only, with destructuring done by a let around the body and
    recur made a call of the fn itself."""
    items = list(form)
    i = 1
    name = None
    if is_sym(items[i]):
        name = items[i]
        i += 1
    if type(items[i]) is PList:
        return ex.expand(multi_arity(ex, form, name, items[i:]))
    params, body = fn_clause(items[i], items[i + 1:])
    if any(has_recur(x) for x in body):
        # (recur args) in a fn calls the fn again (a jump in tail position); an anonymous
        # fn gets a name no program can write, which keeps its symbol outer/fn#N
        if name is None:
            name = Symbol(SELF_NAME, form.span)
        variadic = any(is_sym(p, "&") for p in params)
        body = [replace_recur(x, name, variadic) for x in body]
    # a destructuring parameter becomes a name, taken apart by a let around the body
    names, binds = [], []
    for p in params:
        if type(p) is Symbol:
            names.append(p)
        else:
            g = ex.gensym("p", form.span)
            names.append(g)
            binds += [p, g]
    if binds:
        body = [form_list(form.span, sym("let", form.span), vector(binds), *body)]
    head = [items[0]] + ([name] if name is not None else [])
    return form_list(form.span, *head, vector(names), *ex.expand_body(body))


def multi_arity(ex: Expander, form: PList, name: Symbol | None, clauses: list) -> PList:
    """(fn name? ([x] body...) ([x y] body...) ([x y & more] body...)): one function that
    takes its arguments as a list and runs the clause for their number (the variadic one,
    at most one, when no fixed one has that many). recur in a clause calls the function
    with that clause's arguments."""
    sp = form.span
    if name is None:
        name = Symbol(SELF_NAME, sp)
    fixed_counts, variadic = [], None
    branches = []
    args, n = ex.gensym("args", sp), ex.gensym("n", sp)
    for clause in clauses:
        params, body = fn_clause(clause.first, list(clause)[1:])
        params = list(params)
        count = next((j for j, p in enumerate(params) if is_sym(p, "&")), len(params))
        is_variadic = count < len(params)
        if is_variadic:
            if variadic is not None:
                fail("a function can have only one variadic arity", clause, sp)
            variadic = count
        elif count in fixed_counts:
            fail(f"two arities of this function take {count} argument(s)", clause, sp)
        else:
            fixed_counts.append(count)
        body = [replace_recur(x, name, is_variadic) for x in body]
        run = form_list(clause.span, sym("let"), vector([vector(params), args]), *body)
        branches.append((count, is_variadic, run))
    if variadic is not None and any(c > variadic for c in fixed_counts):
        fail("a fixed arity cannot take more arguments than the variadic one", form)
    out = form_list(sp, core("%arity-error"), name.name if name.name != SELF_NAME else "fn",
                    " or ".join(map(str, sorted(fixed_counts)))
                    + (f" or {variadic}+" if variadic is not None else ""),
                    n)
    for count, is_variadic, run in sorted(branches, key=lambda b: (b[1], -b[0])):
        test = form_list(sp, core(">=" if is_variadic else "="), n, count)
        out = form_list(sp, sym("if"), test, run, out)
    return form_list(sp, sym("fn"), name, vector([sym("&"), args]),
                     form_list(sp, sym("let"), vector([n, form_list(sp, core("count"), args)]), out))


def fn_clause(params, body: list):
    """A fn's parameter vector without type annotations, and its body without a return type
    annotation: (fn [x : int] : int body)."""
    if len(body) >= 2 and is_sym(body[0], ":"):
        body = body[2:]
    return strip_param_annotations(params), body


def strip_annotation(items: list) -> list:
    """(def x : int 5) -> [5]; (def x : int) -> []"""
    if len(items) >= 2 and is_sym(items[0], ":"):
        return items[2:]
    return items


def strip_param_annotations(params):
    """[x : int y : (list a) & more] -> [x y & more]"""
    out = []
    items = list(params)
    i = 0
    while i < len(items):
        if is_sym(items[i], ":"):
            i += 2
            continue
        out.append(items[i])
        i += 1
    return vector(out)


def has_recur(form) -> bool:
    if type(form) is PList and form.count:
        if is_sym(form.first, "recur"):
            return True
        if any(is_sym(form.first, h) for h in OWN_RECUR):
            return False
        return any(has_recur(x) for x in form)
    if is_vector(form):
        return any(has_recur(x) for x in form)
    return False


def replace_recur(form, fname: Symbol, variadic: bool = False):
    """Turn (recur args...) into a call of the loop's or fn's function, inside nested forms
    but not inside nested loops or fns (whose recur is their own). In a variadic fn, recur's
    last argument is the rest list itself (as Clojure), so the call is an apply."""
    if type(form) is PList and form.count:
        if is_sym(form.first, "recur"):
            args = [replace_recur(x, fname, variadic) for x in list(form)[1:]]
            if variadic:
                return form_list(form.span, core("apply"), fname, *args)
            return form_list(form.span, fname, *args)
        if any(is_sym(form.first, h) for h in OWN_RECUR):
            return form
        return plist([replace_recur(x, fname, variadic) for x in form], span=form.span,
                     item_spans=form.item_spans)
    if is_vector(form):
        return vector([replace_recur(x, fname, variadic) for x in form])
    return form
