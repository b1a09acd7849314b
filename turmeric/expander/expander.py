"""Stage 2: macro expansion. Data from the reader -> core forms.

Before: any form the reader can produce. After: only the core forms the analyzer knows
(CORE_FORMS), each of the shape FORM_SHAPES declares, and calls; every derived form (defn,
when, cond, and, or, ->, match, ...) and every user macro is gone, and quasiquote has become
calls to list builders. A malformed form is a compile error at its bad sub-form. Spans are
kept: each rewrite stamps the span of the form it replaces on the lists it makes.

    expander.py    the walk, and the core forms
    shapes.py      the shape of every special form, and its check
    derived.py     the derived forms, as rewrites
    functions.py   fn: parameters, arities, recur
    destructure.py destructuring patterns
    match.py       match's patterns
    quasiquote.py  templates
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Protocol

from turmeric.data.errors import InternalError
from turmeric.data.span import Span
from turmeric.data.values import PList, PMap, PSet, Symbol, is_sym, is_vector, plist, vector
from turmeric.expander.derived import DERIVED
from turmeric.expander.destructure import destructure
from turmeric.expander.functions import expand_fn, strip_annotation
from turmeric.expander.shapes import FORM_SHAPES, catch_clause, check_shape, try_clause_head
from turmeric.expander.syntax import core, form_list, import_names, sym


CORE_FORMS = frozenset({
    "quote", "if", "do", "def", "fn", "let", "set!", "try", "cloneable-shift", "struct",
    "%defmacro", "module", "import", "defclass", "instance",
})


class MacroEnv(Protocol):
    """What the expander needs from the session (session.MacroEnv implements it)."""

    def lookup_macro(self, name: str) -> Callable | None:
        """The macro `name` (or `alias/name`) names for the module, if any."""

    def define_macro(self, name: str, fn_form: PList) -> None:
        """Compile a defmacro's expanded fn form now, so the rest of the module can use it."""

    def import_module(self, name: str, alias: str, span: Span | None) -> None:
        """Load the module `name` (an import being expanded) and make `alias` name it."""

    def call_macro(self, fn: Callable, args: list, span: Span | None) -> Any:
        """The form a macro call expands to: `fn` applied to the unevaluated `args`."""


class _Nothing:
    """What a top-level (comment ...) expands to: no form at all (unlike nil, a value)."""

    def __repr__(self):
        return "#<nothing>"


NOTHING = _Nothing()


class Expander:
    """Expands one module's forms in a macro environment."""

    def __init__(self, env: MacroEnv):
        self.env = env
        self._gensyms = itertools.count(1)
        self.derived = DERIVED

    def gensym(self, base: str, span=None) -> Symbol:
        return Symbol(f"{base}__{next(self._gensyms)}", span)

    # -- the walk -------------------------------------------------------------------------

    def expand_toplevel(self, form):
        """Expand a top-level form; a (comment ...) there is NOTHING. Gensym numbers restart
        per form, so names made by loop and friends (part of stable symbols) do not change
        when other forms do."""
        self._gensyms = itertools.count(1)
        return self.expand(form, toplevel=True)

    def expand(self, form, toplevel: bool = False):
        """Expand `form` completely (a fixed point of macro calls, then its sub-forms)."""
        while type(form) is PList and form.count and type(form.first) is Symbol:
            head = form.first.name
            if head in FORM_SHAPES:
                check_shape(form)
                if head in CORE_FORMS:
                    return self.expand_core(head, form)
                if head == "comment" and toplevel:
                    return NOTHING
                form = self.derived[head](self, form)
                continue
            macro = self.env.lookup_macro(head)
            if macro is None:
                if len(head) > 1 and head.endswith(".") and not head.startswith("."):
                    # Clojure's constructor call (Point. 1 2) is (Point 1 2)
                    form = plist([Symbol(head[:-1], form.first.span), *list(form)[1:]],
                                 span=form.span, item_spans=form.item_spans)
                    continue
                break
            out = self.env.call_macro(macro, list(form)[1:], form.span)
            form = restamp(out, form.span)
        if type(form) is PList:
            if not form.count:
                return form
            return plist([self.expand(x) for x in form], span=form.span, item_spans=form.item_spans)
        if is_vector(form):
            return vector([self.expand(x) for x in form])
        if type(form) is PMap:
            return PMap.from_pairs((self.expand(k), self.expand(v)) for k, v in form.items())
        if type(form) is PSet:
            return PSet(self.expand(x) for x in form)
        return form

    def expand_body(self, forms) -> list:
        return [self.expand(f) for f in forms]

    # -- core forms (their shapes checked): what is left of them to expand ---------------

    def expand_core(self, head: str, form: PList):
        items = list(form)
        sp = form.span
        if head in ("quote", "struct", "module", "defclass"):
            return form
        if head in ("if", "do", "set!"):
            return form_list(sp, items[0], *self.expand_body(items[1:]))
        if head == "def":
            return form_list(sp, items[0], items[1], *self.expand_body(strip_annotation(items[2:])))
        if head == "fn":
            return expand_fn(self, form)
        if head == "let":
            binds = list(items[1])
            out = []
            for i in range(0, len(binds), 2):
                out += destructure(self, binds[i], self.expand(binds[i + 1]), sp)
            return form_list(sp, items[0], vector(out), *self.expand_body(items[2:]))
        if head == "try":
            return self.expand_try(form)
        if head == "cloneable-shift":
            return form_list(sp, items[0], items[1], *self.expand_body(items[2:]))
        if head == "%defmacro":
            return form_list(sp, items[0], items[1], self.expand(items[2]))
        if head == "import":
            self.env.import_module(*import_names(form), sp)
            return form
        if head == "instance":
            return self.expand_instance(form)
        raise InternalError(f"expander: no case for the core form {head} at {sp}")

    def expand_try(self, form: PList):
        """(try body... (catch e handler...)) -> (try (do body...) (catch [e] handler...));
        without a catch or finally, (do body...). Catch clauses with exception classes, several
        catches or a finally become a core try whose handler takes the error as a Caught
        (runtime/catching.py) and tries the classes in order, then rethrows it unchanged:

            (try body (catch C1 a h1) (catch C2 b h2))
            -> (try (do body) (catch [g] (let [c (core/%caught)]
                 (if (core/%caught-is? "C1" c) (let [a (core/%caught-value c)] h1)
                   (if ... (core/%rethrow c))))))
            (try body clauses... (finally f...))
            -> (let [r (try (try body clauses...) (catch [g] (core/%caught)))]
                 f... (core/%finally-exit r))

        The finally is ordinary code after the try, so it runs once each time a run of the
        body leaves it (a capture is not leaving; spec/language.md §7)."""
        items = list(form)
        sp = form.span
        body, catches, cleanup = [], [], None
        for x in items[1:]:
            head = try_clause_head(x)
            if head == "catch":
                catches.append(catch_clause(x) + (x,))
            elif head == "finally":
                cleanup = list(x)[1:]
            else:
                body.append(x)
        if cleanup is not None:
            inner = form_list(sp, items[0], *body, *(c[3] for c in catches))
            r, g = self.gensym("try", sp), self.gensym("e", sp)
            return self.expand(form_list(
                sp, sym("let", sp),
                vector([r, form_list(sp, items[0], inner,
                                     form_list(sp, sym("catch", sp), vector([g]),
                                               form_list(sp, core("%caught", sp))))]),
                *cleanup, form_list(sp, core("%finally-exit", sp), r)))
        if not catches:
            return form_list(sp, sym("do", sp), *self.expand_body(body))
        do_body = form_list(sp, sym("do", sp), *self.expand_body(body))
        if len(catches) == 1 and catches[0][0] is None:
            _, var, handler, clause = catches[0]
            return form_list(sp, items[0], do_body,
                             form_list(clause.span, clause.first, vector([var]), *self.expand_body(handler)))
        c, g = self.gensym("caught", sp), self.gensym("e", sp)
        chain = form_list(sp, core("%rethrow", sp), c)
        for category, var, handler, clause in reversed(catches):
            bound = form_list(clause.span, sym("let", sp), vector([var, form_list(sp, core("%caught-value", sp), c)]),
                              *handler)
            if category is None:
                chain = bound
            else:
                chain = form_list(clause.span, sym("if", sp), form_list(sp, core("%caught-is?", sp), category, c),
                                  bound, chain)
        handler = self.expand(form_list(sp, sym("let", sp), vector([c, form_list(sp, core("%caught", sp))]), chain))
        return form_list(sp, items[0], do_body,
                         form_list(sp, sym("catch", sp), vector([g]), handler))

    def expand_instance(self, form: PList):
        """Each method (name [params] body...) becomes (name (fn [params] body...)); `...`
        (the built-in behaviour is the instance) is dropped."""
        items = list(form)
        out = items[:3]
        i = 3
        if i < len(items) and is_vector(items[i]):
            out.append(items[i])
            i += 1
        for m in items[i:]:
            if is_sym(m, "..."):
                continue
            mi = list(m)
            # anonymous: inside the method its name means the class's method, not itself
            fn = expand_fn(self, form_list(m.span, sym("fn", m.span), *mi[1:]))
            out.append(form_list(m.span, mi[0], fn))
        return form_list(form.span, *out)


def restamp(x, sp: Span | None):
    """Give the lists and symbols a macro made (which have no span) the span of the macro
    call."""
    if type(x) is PList and x.count:
        return plist([restamp(y, sp) for y in x], span=x.span or sp, item_spans=x.item_spans)
    if is_vector(x):
        return vector([restamp(y, sp) for y in x])
    if type(x) is PMap:
        return PMap.from_pairs((restamp(k, sp), restamp(v, sp)) for k, v in x.items())
    if type(x) is PSet:
        return PSet(restamp(y, sp) for y in x)
    if type(x) is Symbol and x.span is None:
        return Symbol(x.name, sp)
    return x
