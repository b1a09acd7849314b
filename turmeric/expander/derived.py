"""The derived forms: each a rewrite of a form whose shape was checked (shapes.py) into
simpler forms, which the walk then expands in turn. DERIVED maps a form's name to its
rewrite, a function of the Expander and the form."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from turmeric.data.printer import pr_str
from turmeric.data.values import Keyword, PList, PMap, PSet, Symbol, is_sym, is_vector, plist, vector
from turmeric.expander.functions import replace_recur
from turmeric.expander.match import expand_match
from turmeric.expander.namespaces import ns, require
from turmeric.expander.quasiquote import expand_quasiquote
from turmeric.expander.syntax import core, fail, form_list, span_of, sym

if TYPE_CHECKING:
    from turmeric.expander.expander import Expander


def comment(ex: Expander, form: PList):
    """(comment anything...) is nil (at top level the walk drops it instead)."""
    return None


def defn(ex: Expander, form: PList):
    """(defn name docstring? ...) -> (def name (fn name ...))"""
    items = list(form)
    name, rest = items[1], items[2:]
    if type(rest[0]) is str:
        rest = rest[1:]  # a docstring
    return form_list(form.span, sym("def", form.span), name,
                     form_list(form.span, sym("fn", form.span), name, *rest))


def defmacro(ex: Expander, form: PList):
    """(defmacro name docstring? [params] body...): the macro's fn is compiled now, so the
    forms after it can use it, and registered again when the module loads."""
    items = list(form)
    if type(items[2]) is str:
        items = items[:2] + items[3:]  # a docstring
    fn_form = form_list(form.span, sym("fn", form.span), items[1], *items[2:])
    ex.env.define_macro(items[1].name, ex.expand(fn_form))
    return form_list(form.span, sym("%defmacro", form.span), items[1], fn_form)


def when(ex: Expander, form: PList):
    c = list(form)
    return form_list(form.span, sym("if"), c[1], form_list(form.span, sym("do"), *c[2:]), None)


def unless(ex: Expander, form: PList):
    c = list(form)
    return form_list(form.span, sym("if"), c[1], None, form_list(form.span, sym("do"), *c[2:]))


def if_not(ex: Expander, form: PList):
    c = list(form)
    return form_list(form.span, sym("if"), c[1], c[3] if len(c) == 4 else None, c[2])


def cond(ex: Expander, form: PList):
    c = list(form)[1:]
    out = None
    for i in range(len(c) - 2, -1, -2):
        test = c[i]
        if type(test) is Keyword or test is True:
            out = c[i + 1]
        else:
            out = form_list(span_of(test, form.span), sym("if"), test, c[i + 1], out)
    return out


def and_(ex: Expander, form: PList):
    c = list(form)[1:]
    if not c:
        return True
    if len(c) == 1:
        return c[0]
    t = ex.gensym("and")
    return form_list(form.span, sym("let"), vector([t, c[0]]),
                     form_list(form.span, sym("if"), t, form_list(form.span, sym("and"), *c[1:]), t))


def or_(ex: Expander, form: PList):
    c = list(form)[1:]
    if not c:
        return None
    if len(c) == 1:
        return c[0]
    t = ex.gensym("or")
    return form_list(form.span, sym("let"), vector([t, c[0]]),
                     form_list(form.span, sym("if"), t, t, form_list(form.span, sym("or"), *c[1:])))


def thread(form: PList, last: bool):
    """(-> x (f a) g) -> (g (f x a)); ->> puts x last."""
    c = list(form)
    x = c[1]
    for step in c[2:]:
        if type(step) is PList and step.count:
            s = list(step)
            s = s + [x] if last else [s[0], x] + s[1:]
            x = form_list(step.span, *s)
        else:
            x = form_list(span_of(step, form.span), step, x)
    return x


def thread_first(ex: Expander, form: PList):
    return thread(form, False)


def thread_last(ex: Expander, form: PList):
    return thread(form, True)


def cond_thread(ex: Expander, form: PList):
    """(cond-> x test step ...): each step threaded in only when its test is true."""
    c = list(form)
    g = ex.gensym("c")
    arrow = sym("->>" if c[0].name == "cond->>" else "->", form.span)
    binds = [g, c[1]]
    for test, step in zip(c[2::2], c[3::2]):
        binds += [g, form_list(form.span, sym("if"), test, form_list(form.span, arrow, g, step), g)]
    return form_list(form.span, sym("let"), vector(binds), g)


def some_thread(ex: Expander, form: PList):
    """(some-> x step ...): threads while the value is not nil; nil as soon as it is."""
    c = list(form)
    arrow = sym("->>" if c[0].name == "some->>" else "->", form.span)
    g = ex.gensym("s")
    out = g
    for step in reversed(c[2:]):
        out = form_list(form.span, sym("if"), form_list(form.span, core("nil?"), g), None,
                        form_list(form.span, sym("let"), vector([g, form_list(form.span, arrow, g, step)]), out))
    return form_list(form.span, sym("let"), vector([g, c[1]]), out)


def condp(ex: Expander, form: PList):
    """(condp pred expr test result ... default?): the result of the first test for which
    (pred test expr) is true."""
    c = list(form)
    p, v = ex.gensym("p"), ex.gensym("v")
    clauses = c[3:]
    out = clauses.pop() if len(clauses) % 2 else form_list(form.span, core("%no-match"), v)
    for i in range(len(clauses) - 2, -1, -2):
        out = form_list(form.span, sym("if"), form_list(form.span, p, clauses[i], v), clauses[i + 1], out)
    return form_list(form.span, sym("let"), vector([p, c[1], v, c[2]]), out)


def case(ex: Expander, form: PList):
    c = list(form)
    v = ex.gensym("case")
    clauses = c[2:]
    out = clauses.pop() if len(clauses) % 2 else form_list(form.span, core("%no-match"), v)
    for i in range(len(clauses) - 2, -1, -2):
        test = clauses[i]
        alts = list(test) if type(test) is PList else [test]
        match = form_list(form.span, sym("or"),
                          *(form_list(form.span, core("="), v, form_list(form.span, sym("quote"), a))
                            for a in alts))
        out = form_list(form.span, sym("if"), match, clauses[i + 1], out)
    return form_list(form.span, sym("let"), vector([v, c[1]]), out)


def if_let(ex: Expander, form: PList):
    c = list(form)
    name, value = c[1]
    t = ex.gensym("iflet")
    return form_list(form.span, sym("let"), vector([t, value]),
                     form_list(form.span, sym("if"), t, form_list(form.span, sym("let"), vector([name, t]), c[2]),
                               c[3] if len(c) == 4 else None))


def when_let(ex: Expander, form: PList):
    c = list(form)
    return if_let(ex, form_list(form.span, c[0], c[1], form_list(form.span, sym("do"), *c[2:])))


def loop(ex: Expander, form: PList):
    """(loop [a 1 b 2] body...) with (recur x y) in tail position: a local function
    called once; recur is a self tail call, which the compiler turns into a jump."""
    c = list(form)
    b = list(c[1])
    names, inits = b[0::2], b[1::2]
    fname = ex.gensym("loop")
    body = [replace_recur(x, fname) for x in c[2:]]
    return form_list(form.span, sym("let"),
                     vector([fname, form_list(form.span, sym("fn"), fname, vector(names), *body)]),
                     form_list(form.span, fname, *inits))


def while_(ex: Expander, form: PList):
    c = list(form)
    return form_list(form.span, sym("loop"), vector([]),
                     form_list(form.span, sym("when"), c[1], *c[2:], form_list(form.span, sym("recur"))))


def dotimes(ex: Expander, form: PList):
    c = list(form)
    i, n = c[1]
    lim = ex.gensym("n")
    sp = form.span
    return form_list(sp, sym("let"), vector([lim, n]),
                     form_list(sp, sym("loop"), vector([i, 0]),
                               form_list(sp, sym("when"), form_list(sp, core("<"), i, lim),
                                         *c[2:], form_list(sp, sym("recur"), form_list(sp, core("inc"), i)))))


def doseq(ex: Expander, form: PList):
    """(doseq [x xs :when test :let [...] y ys] body...): for-each, nested per binding."""
    c = list(form)

    def each(pattern, coll, inner, innermost):
        return form_list(form.span, core("for-each"), form_list(form.span, sym("fn"), vector([pattern]), inner), coll)

    body = form_list(form.span, sym("do"), *c[2:], None)
    return comprehension(form, list(c[1]), lambda has_when: body, each, None)


def for_(ex: Expander, form: PList):
    """(for [x xs :when test :let [...] :while test y ys] body): the list of body's values
    for every combination, as Clojure's for; lazy over a lazy collection (map and mapcat
    are). The innermost binding is a map when it has no :when (one value per item), else a
    mapcat of one-item or empty lists; the outer ones are mapcats."""
    c = list(form)

    def each(pattern, coll, inner, innermost):
        f = core("map") if innermost == "plain" else core("mapcat")
        return form_list(form.span, f, form_list(form.span, sym("fn"), vector([pattern]), inner), coll)

    return comprehension(form, list(c[1]),
                         lambda has_when: form_list(form.span, core("list"), c[2]) if has_when else c[2],
                         each, form_list(form.span, sym("quote"), plist([])))


def comprehension(form: PList, bindings: list, innermost, each, skipped):
    """Nest `each` per binding pair, innermost first; :let wraps a let, :when an if (whose
    other branch is `skipped`), and :while cuts that binding's collection with take-while
    (its test under the :let and :when before it). `innermost(has_when)` is the form inside everything;
    `each` is told "plain" for the innermost binding when it has no :when."""
    groups = []            # [pattern, coll, [(modifier, arg)...]]
    for k, v in zip(bindings[0::2], bindings[1::2]):
        if type(k) is Keyword:
            groups[-1][2].append((k.name, v))
        else:
            groups.append([k, v, []])
    last_has_when = any(mod == "when" for mod, _arg in groups[-1][2])
    out = innermost(last_has_when)

    def under(mods, inner, skipped):
        for mod, arg in reversed(mods):
            if mod == "let":
                inner = form_list(form.span, sym("let"), arg, inner)
            elif mod == "when":
                inner = form_list(form.span, sym("if"), arg, inner, skipped)
        return inner

    for n, (pattern, coll, mods) in enumerate(reversed(groups)):
        for j, (mod, arg) in enumerate(mods):
            if mod == "while":
                # the item's :let and :when before the :while apply to its test; an item
                # a :when skips does not end the binding
                test = under(mods[:j], arg, True)
                coll = form_list(form.span, core("take-while"),
                                 form_list(form.span, sym("fn"), vector([pattern]), test), coll)
        out = under(mods, out, skipped)
        out = each(pattern, coll, out, "plain" if n == 0 and not last_has_when else None)
    return out


def letfn(ex: Expander, form: PList):
    """(letfn [(f [x] ...) (g [y] ...)] body...): local functions that may call each other
    (each name is a variable set to its fn, so all are in scope in every body)."""
    c = list(form)
    names = [f.first for f in c[1]]
    sets = [form_list(form.span, sym("set!"), f.first, form_list(f.span, sym("fn"), *f)) for f in c[1]]
    return form_list(form.span, sym("let"), vector([x for n in names for x in (n, None)]), *sets, *c[2:])


def assert_(ex: Expander, form: PList):
    c = list(form)
    text = "assertion failed: " + pr_str(c[1])
    message = form_list(form.span, core("str"), text + ": ", c[2]) if len(c) == 3 else text
    return form_list(form.span, sym("unless"), c[1],
                     form_list(form.span, sym("throw"), form_list(form.span, core("error"), message)))


def time(ex: Expander, form: PList):
    c = list(form)
    t, v = ex.gensym("t"), ex.gensym("v")
    sp = form.span
    return form_list(sp, sym("let"), vector([t, form_list(sp, core("now-ms")), v, c[1]]),
                     form_list(sp, core("println"),
                               form_list(sp, core("str"), "Elapsed time: ",
                                         form_list(sp, core("-"), form_list(sp, core("now-ms")), t),
                                         " msecs")),
                     v)


def fn_literal(ex: Expander, form: PList):
    """#(body) -> (fn [%1 %2 & %&] body): % is %1; the highest %N sets the arity."""
    body = list(form)[1]
    found: set[str] = set()

    def scan(x):
        if type(x) is Symbol and x.name.startswith("%"):
            found.add(x.name)
        elif type(x) is PList and x.count:
            if is_sym(x.first, "%fn-literal"):
                fail("#() cannot be nested", x)
            for y in x:
                scan(y)
        elif is_vector(x) or type(x) is PSet:
            for y in x:
                scan(y)
        elif type(x) is PMap:
            for k, v in x.items():
                scan(k)
                scan(v)
    scan(body)
    n = max([int(s[1:]) for s in found if s[1:].isdigit()] + [1 if "%" in found else 0])
    params = [Symbol(f"%{i}", form.span) for i in range(1, n + 1)]
    if "%&" in found:
        params += [Symbol("&", form.span), Symbol("%&", form.span)]
    body = substitute(body, Symbol("%"), Symbol("%1", form.span))
    return form_list(form.span, sym("fn", form.span), vector(params), body)


def substitute(form, old: Symbol, new):
    if type(form) is Symbol and form == old:
        return new
    if type(form) is PList and form.count:
        return plist([substitute(x, old, new) for x in form], span=form.span, item_spans=form.item_spans)
    if is_vector(form):
        return vector([substitute(x, old, new) for x in form])
    if type(form) is PMap:
        return PMap.from_pairs((substitute(k, old, new), substitute(v, old, new)) for k, v in form.items())
    return form


DERIVED: dict[str, Callable[[Expander, PList], object]] = {
    "defn": defn, "defmacro": defmacro, "when": when, "unless": unless, "when-not": unless,
    "if-not": if_not, "cond": cond, "and": and_, "or": or_, "->": thread_first,
    "->>": thread_last, "cond->": cond_thread, "cond->>": cond_thread, "some->": some_thread,
    "some->>": some_thread, "condp": condp, "case": case, "if-let": if_let,
    "when-let": when_let, "loop": loop, "while": while_, "dotimes": dotimes, "doseq": doseq,
    "for": for_, "letfn": letfn, "assert": assert_, "time": time, "%fn-literal": fn_literal,
    "quasiquote": expand_quasiquote, "match": expand_match, "comment": comment,
    "ns": ns, "require": require,
}
