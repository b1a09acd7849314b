"""Stage 2: macro expansion. Data from the reader -> core forms.

Before: any form the reader can produce. After: only the core forms the analyzer knows
(CORE_FORMS) and calls; every derived form (defn, when, cond, and, or, ->, match, ...) and
every user macro is gone, and quasiquote has become calls to list builders. Spans are kept:
each rewrite stamps the span of the form it replaces on the lists it makes.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Protocol

from turmeric.data.errors import TurmericError
from turmeric.data.values import Keyword, PList, PMap, PSet, Symbol, is_sym, is_vector, plist, vector
from turmeric.data.span import Span

CORE_FORMS = frozenset({
    "quote", "if", "do", "def", "fn", "let", "set!", "try", "cloneable-shift", "struct",
    "%defmacro", "module", "import", "defclass", "instance",
})


class MacroEnv(Protocol):
    """What the expander needs from the session."""

    def lookup_macro(self, name: str) -> Callable | None: ...
    def define_macro(self, name: str, fn_form: PList) -> None: ...
    def import_module(self, name: str, alias: str, span: Span | None) -> None: ...
    def call_macro(self, fn: Callable, args: list, span: Span | None) -> Any: ...


class _Nothing:
    """What (comment ...) expands to: no form at all (unlike nil, which is a value)."""

    def __repr__(self):
        return "#<nothing>"


NOTHING = _Nothing()


def sym(name: str, span: Span | None = None) -> Symbol:
    return Symbol(name, span)


def core(name: str, span: Span | None = None) -> Symbol:
    """A reference to a core builtin that user definitions cannot shadow."""
    return Symbol("core/" + name, span)


def L(span: Span | None, *items) -> PList:
    return plist(items, span=span)


def span_of(x, default: Span | None = None) -> Span | None:
    return getattr(x, "span", None) or default


def fail(message: str, form, span: Span | None = None, hint: str | None = None):
    raise TurmericError("compile", message, span_of(form, span), hint)


class Expander:
    """Expands one module's forms in a macro environment."""

    def __init__(self, env: MacroEnv):
        self.env = env
        self._gensyms = itertools.count(1)
        self.derived: dict[str, Callable[[PList], Any]] = {
            "defn": self._defn, "defmacro": self._defmacro, "when": self._when,
            "unless": self._unless, "cond": self._cond, "and": self._and, "or": self._or,
            "->": self._thread_first, "->>": self._thread_last, "quasiquote": self._quasiquote,
            "match": self._match, "if-let": self._if_let, "when-let": self._when_let,
            "loop": self._loop, "dotimes": self._dotimes, "doseq": self._doseq,
            "comment": lambda f: NOTHING, "case": self._case, "%fn-literal": self._fn_literal,
            "when-not": self._unless, "if-not": self._if_not, "while": self._while,
            "assert": self._assert, "cond->": self._cond_thread, "cond->>": self._cond_thread,
            "some->": self._some_thread, "some->>": self._some_thread, "condp": self._condp,
            "for": self._for, "letfn": self._letfn, "time": self._time,
        }

    def gensym(self, base: str, span=None) -> Symbol:
        return Symbol(f"{base}__{next(self._gensyms)}", span)

    # -- the walk -------------------------------------------------------------------------

    def expand_toplevel(self, form):
        """Expand a top-level form. Gensym numbers restart per form, so names made by loop
        and friends (part of stable symbols) do not change when other forms do."""
        self._gensyms = itertools.count(1)
        return self.expand(form)

    def expand(self, form):
        """Expand `form` completely (a fixed point of macro calls, then its sub-forms)."""
        while True:
            if type(form) is PList and form.count and type(form.first) is Symbol:
                head = form.first.name
                if head in CORE_FORMS:
                    return self._expand_core(head, form)
                rewrite = self.derived.get(head)
                if rewrite is not None:
                    form = rewrite(form)
                    continue
                macro = self.env.lookup_macro(head)
                if macro is not None:
                    out = self.env.call_macro(macro, list(form)[1:], form.span)
                    form = restamp(out, form.span)
                    continue
            break
        if type(form) is PList:
            return plist([self.expand(x) for x in form], span=form.span) if form.count else form
        if is_vector(form):
            return vector([self.expand(x) for x in form])
        if type(form) is PMap:
            return PMap.from_pairs((self.expand(k), self.expand(v)) for k, v in form.items())
        if type(form) is PSet:
            return PSet(self.expand(x) for x in form)
        return form

    def expand_body(self, forms) -> list:
        return [self.expand(f) for f in forms]

    def _expand_core(self, head: str, form: PList):
        items = list(form)
        sp = form.span
        if head == "quote":
            return form
        if head in ("if", "do", "set!"):
            return L(sp, items[0], *(self.expand(x) for x in items[1:]))
        if head == "def":
            if len(items) < 2 or not is_sym(items[1]):
                fail("def needs a name: (def name value)", form)
            rest = strip_annotation(items[2:])
            if len(rest) > 1:
                fail("def takes one value: (def name value)", form)
            return L(sp, items[0], items[1], *(self.expand(x) for x in rest))
        if head == "fn":
            return self._expand_fn(form)
        if head == "let":
            if len(items) < 2 or not is_vector(items[1]):
                fail("let needs a binding vector: (let [name value ...] body...)", form)
            binds = list(items[1])
            if len(binds) % 2:
                fail("let bindings come in pairs: [name value ...]", form)
            out = []
            for i in range(0, len(binds), 2):
                out += self.destructure(binds[i], self.expand(binds[i + 1]), form)
            return L(sp, items[0], vector(out), *self.expand_body(items[2:]))
        if head == "try":
            return self._expand_try(form)
        if head == "cloneable-shift":
            if len(items) < 2 or not is_vector(items[1]) or len(items[1]) != 1 or not is_sym(items[1][0]):
                fail("cloneable-shift needs one name for the continuation: (cloneable-shift [k] body...)", form)
            return L(sp, items[0], items[1], *self.expand_body(items[2:]))
        if head == "%defmacro":
            return L(sp, items[0], items[1], self.expand(items[2]))
        if head == "import":
            if len(items) < 2 or not is_sym(items[1]):
                fail("import needs a module name: (import flow)", form)
            alias = items[1].name
            if len(items) == 4 and items[2] == Keyword("as") and is_sym(items[3]):
                alias = items[3].name
            self.env.import_module(items[1].name, alias, sp)
            return form
        if head in ("struct", "module"):
            return form
        if head == "defclass":
            return form
        if head == "instance":
            return self._expand_instance(form)
        raise AssertionError(head)

    def _expand_fn(self, form: PList):
        items = list(form)
        i = 1
        name = None
        if i < len(items) and is_sym(items[i]):
            name = items[i]
            i += 1
        if i < len(items) and all(type(c) is PList and c.count and is_vector(c.first) for c in items[i:]):
            return self.expand(self._multi_arity(form, name, items[i:]))
        if i >= len(items) or not is_vector(items[i]):
            fail("fn needs a parameter vector: (fn [x y] body...) or arities (fn ([x] ...) ([x y] ...))", form)
        params, body = fn_clause(items[i], items[i + 1:], form)
        if any(has_recur(x) for x in body):
            # (recur args) in a fn calls the fn again (a jump in tail position); an anonymous
            # fn gets a name no program can write, which keeps its symbol outer/fn#N
            if name is None:
                name = Symbol(SELF_NAME, form.span)
            variadic = any(is_sym(p_, "&") for p_ in params)
            body = [replace_recur(x, name, variadic) for x in body]
        # a destructuring parameter becomes a name, taken apart by a let around the body
        names, binds = [], []
        for p_ in params:
            if type(p_) is Symbol:
                names.append(p_)
            else:
                g = self.gensym("p", form.span)
                names.append(g)
                binds += [p_, g]
        if binds:
            body = [L(form.span, sym("let", form.span), vector(binds), *body)]
        head = [items[0]] + ([name] if name is not None else [])
        return L(form.span, *head, vector(names), *self.expand_body(body))

    def destructure(self, pattern, value, form) -> list:
        """let bindings that take `value` apart by `pattern`: a name; a vector
        [a b & more :as all]; a map {:keys [a b] :or {a 1} :as m, name :key}."""
        if type(pattern) is Symbol:
            return [pattern, value]
        sp = span_of(pattern, form.span)
        g = self.gensym("d", sp)
        out = [g, value]
        if is_vector(pattern):
            items = list(pattern)
            i = 0
            while i < len(items):
                p_ = items[i]
                if is_sym(p_, "&") and i + 1 < len(items):
                    out += self.destructure(items[i + 1], L(sp, core("nthnext"), g, i), form)
                    i += 2
                elif p_ == Keyword("as") and i + 1 < len(items) and is_sym(items[i + 1]):
                    out += [items[i + 1], g]
                    i += 2
                else:
                    out += self.destructure(p_, L(sp, core("nth"), g, i, None), form)
                    i += 1
            return out
        if type(pattern) is PMap:
            out[1] = L(sp, core("%kv-map"), value)     # keyword arguments: [& {:keys [a]}]
            defaults = pattern.get(Keyword("or")) or PMap()
            for k, v in pattern.items():
                if k == Keyword("keys") and is_vector(v):
                    for name in v:
                        if not is_sym(name):
                            fail(":keys takes names: {:keys [a b]}", pattern, sp)
                        out += [name, L(sp, core("get"), g, Keyword(name.name), defaults.get(name))]
                elif k == Keyword("as") and is_sym(v):
                    out += [v, g]
                elif k == Keyword("or"):
                    continue
                else:
                    dflt = defaults.get(k) if type(k) is Symbol else None
                    out += self.destructure(k, L(sp, core("get"), g, v, dflt), form)
            return out
        fail("a binding is a name, a vector [a b & more] or a map {:keys [a b]}", pattern, sp)

    def _expand_try(self, form: PList):
        items = list(form)
        body, catch = [], None
        for x in items[1:]:
            if type(x) is PList and x.count and is_sym(x.first, "catch"):
                if catch is not None:
                    fail("try takes one catch clause", x)
                catch = x
            elif catch is not None:
                fail("the catch clause must come last in try", x)
            else:
                body.append(x)
        if catch is None:
            return L(form.span, sym("do", form.span), *self.expand_body(body))
        c = list(catch)
        if len(c) >= 2 and is_vector(c[1]) and len(c[1]) == 1 and is_sym(c[1][0]):
            var, handler = c[1][0], c[2:]
        elif len(c) >= 2 and is_sym(c[1]):
            var, handler = c[1], c[2:]
        else:
            fail("catch needs a name for the error: (catch [e] handler...)", catch)
        new_catch = L(catch.span, catch.first, vector([var]), *self.expand_body(handler))
        return L(form.span, items[0], L(form.span, sym("do"), *self.expand_body(body)), new_catch)

    def _expand_instance(self, form: PList):
        items = list(form)
        out = items[:3]
        i = 3
        if i < len(items) and is_vector(items[i]):
            out.append(items[i])
            i += 1
        for m in items[i:]:
            if is_sym(m, "..."):
                continue  # `...`: the built-in behaviour is the instance
            if type(m) is not PList or m.count < 2 or not is_sym(m.first):
                fail("an instance method looks like (name [args] body...)", m)
            mi = list(m)
            # anonymous: inside the method its name means the class's method, not itself
            fn = self._expand_fn(L(m.span, sym("fn", m.span), *mi[1:]))
            out.append(L(m.span, mi[0], fn))
        return L(form.span, *out)

    # -- derived forms ------------------------------------------------------------------

    def _multi_arity(self, form, name, clauses):
        """(fn name? ([x] body...) ([x y] body...) ([x y & more] body...)): one function that
        takes its arguments as a list and runs the clause for their number (the variadic one,
        at most one, when no fixed one has that many). recur in a clause calls the function
        with that clause's arguments."""
        sp = form.span
        if name is None:
            name = Symbol(SELF_NAME, sp)
        fixed_counts, variadic = [], None
        branches = []
        args, n = self.gensym("args", sp), self.gensym("n", sp)
        for clause in clauses:
            params, body = fn_clause(clause.first, list(clause)[1:], form)
            params = list(params)
            count = next((j for j, p_ in enumerate(params) if is_sym(p_, "&")), len(params))
            is_variadic = count < len(params)
            if is_variadic:
                if variadic is not None:
                    fail("a function can have only one variadic arity", clause)
                variadic = count
            elif count in fixed_counts:
                fail(f"two arities of this function take {count} argument(s)", clause)
            else:
                fixed_counts.append(count)
            body = [replace_recur(x, name, is_variadic) for x in body]
            run = L(clause.span, sym("let"), vector([vector(params), args]), *body)
            branches.append((count, is_variadic, run))
        if variadic is not None and any(c > variadic for c in fixed_counts):
            fail("a fixed arity cannot take more arguments than the variadic one", form)
        out = L(sp, core("%arity-error"), name.name if name.name != SELF_NAME else "fn",
                " or ".join(map(str, sorted(fixed_counts))) + (f" or {variadic}+" if variadic is not None else ""),
                n)
        for count, is_variadic, run in sorted(branches, key=lambda b: (b[1], -b[0])):
            test = L(sp, core(">=" if is_variadic else "="), n, count)
            out = L(sp, sym("if"), test, run, out)
        return L(sp, sym("fn"), name, vector([sym("&"), args]),
                 L(sp, sym("let"), vector([n, L(sp, core("count"), args)]), out))

    def _defn(self, form: PList):
        items = list(form)
        if len(items) < 3 or not is_sym(items[1]):
            fail("defn needs a name and a parameter vector: (defn name [args] body...)", form)
        name = items[1]
        rest = items[2:]
        if rest and isinstance(rest[0], str) and len(rest) > 1 and (is_vector(rest[1]) or type(rest[1]) is PList):
            rest = rest[1:]  # a docstring
        return L(form.span, sym("def", form.span), name,
                 L(form.span, sym("fn", form.span), name, *rest))

    def _defmacro(self, form: PList):
        items = list(form)
        if len(items) > 3 and isinstance(items[2], str):
            items = items[:2] + items[3:]  # a docstring
        if len(items) < 3 or not is_sym(items[1]) or not is_vector(items[2]):
            fail("defmacro needs a name and a parameter vector: (defmacro name [args] body...)", form)
        fn_form = L(form.span, sym("fn", form.span), items[1], *items[2:])
        self.env.define_macro(items[1].name, self.expand(fn_form))
        return L(form.span, sym("%defmacro", form.span), items[1], fn_form)

    def _when(self, form):
        c = list(form)
        if len(c) < 2:
            fail("when needs a test: (when test body...)", form)
        return L(form.span, sym("if"), c[1], L(form.span, sym("do"), *c[2:]), None)

    def _unless(self, form):
        c = list(form)
        if len(c) < 2:
            fail("unless needs a test: (unless test body...)", form)
        return L(form.span, sym("if"), c[1], None, L(form.span, sym("do"), *c[2:]))

    def _cond(self, form):
        c = list(form)[1:]
        if len(c) % 2:
            fail("cond takes test/expression pairs", form)
        out = None
        for i in range(len(c) - 2, -1, -2):
            test = c[i]
            if type(test) is Keyword or test is True:
                out = c[i + 1]
            else:
                out = L(span_of(test, form.span), sym("if"), test, c[i + 1], out)
        return out

    def _and(self, form):
        c = list(form)[1:]
        if not c:
            return True
        if len(c) == 1:
            return c[0]
        t = self.gensym("and")
        return L(form.span, sym("let"), vector([t, c[0]]),
                 L(form.span, sym("if"), t, L(form.span, sym("and"), *c[1:]), t))

    def _or(self, form):
        c = list(form)[1:]
        if not c:
            return None
        if len(c) == 1:
            return c[0]
        t = self.gensym("or")
        return L(form.span, sym("let"), vector([t, c[0]]),
                 L(form.span, sym("if"), t, t, L(form.span, sym("or"), *c[1:])))

    def _thread(self, form, last: bool):
        c = list(form)
        if len(c) < 2:
            fail(f"{c[0].name} needs a value", form)
        x = c[1]
        for step in c[2:]:
            if type(step) is PList and step.count:
                s = list(step)
                s = s + [x] if last else [s[0], x] + s[1:]
                x = L(step.span, *s)
            else:
                x = L(span_of(step, form.span), step, x)
        return x

    def _thread_first(self, form):
        return self._thread(form, False)

    def _thread_last(self, form):
        return self._thread(form, True)

    def _fn_literal(self, form):
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
        return L(form.span, sym("fn", form.span), vector(params), body)

    def _if_let(self, form):
        c = list(form)
        if len(c) not in (3, 4) or not is_vector(c[1]) or len(c[1]) != 2:
            fail("if-let looks like (if-let [name value] then else)", form)
        name, value = c[1]
        t = self.gensym("iflet")
        return L(form.span, sym("let"), vector([t, value]),
                 L(form.span, sym("if"), t, L(form.span, sym("let"), vector([name, t]), c[2]),
                   c[3] if len(c) == 4 else None))

    def _when_let(self, form):
        c = list(form)
        return self._if_let(L(form.span, c[0], c[1], L(form.span, sym("do"), *c[2:])))

    def _loop(self, form):
        """(loop [a 1 b 2] body...) with (recur x y) in tail position: a local function
        called once; recur is a self tail call, which the compiler turns into a jump."""
        c = list(form)
        if len(c) < 2 or not is_vector(c[1]) or len(c[1]) % 2:
            fail("loop needs a binding vector: (loop [name value ...] body...)", form)
        b = list(c[1])
        names, inits = b[0::2], b[1::2]
        fname = self.gensym("loop")
        body = [replace_recur(x, fname) for x in c[2:]]
        return L(form.span, sym("let"),
                 vector([fname, L(form.span, sym("fn"), fname, vector(names), *body)]),
                 L(form.span, fname, *inits))

    def _dotimes(self, form):
        c = list(form)
        if len(c) < 2 or not is_vector(c[1]) or len(c[1]) != 2:
            fail("dotimes looks like (dotimes [i n] body...)", form)
        i, n = c[1]
        lim = self.gensym("n")
        return L(form.span, sym("let"), vector([lim, n]),
                 L(form.span, sym("loop"), vector([i, 0]),
                   L(form.span, sym("when"), L(form.span, core("<"), i, lim),
                     *c[2:], L(form.span, sym("recur"), L(form.span, core("inc"), i)))))

    def _doseq(self, form):
        """(doseq [x xs :when test :let [...] y ys] body...): for-each, nested per binding."""
        c = list(form)
        if len(c) < 2 or not is_vector(c[1]) or not len(c[1]):
            fail("doseq looks like (doseq [x coll] body...)", form)

        def each(pattern, coll, inner, innermost):
            return L(form.span, core("for-each"), L(form.span, sym("fn"), vector([pattern]), inner), coll)

        body = L(form.span, sym("do"), *c[2:], None)
        return self._comprehension(form, "doseq", list(c[1]), lambda has_when: body, each, None)

    def _for(self, form):
        """(for [x xs :when test :let [...] :while test y ys] body): the list of body's values
        for every combination, as Clojure's for but eager (Turmeric has no lazy sequences).
        The innermost binding is a map when it has no :when (one value per item), else a
        mapcat of one-item or empty lists; the outer ones are mapcats."""
        c = list(form)
        if len(c) != 3 or not is_vector(c[1]) or not len(c[1]):
            fail("for looks like (for [x coll ...] body)", form)

        def each(pattern, coll, inner, innermost):
            f = core("map") if innermost == "plain" else core("mapcat")
            return L(form.span, f, L(form.span, sym("fn"), vector([pattern]), inner), coll)

        return self._comprehension(form, "for", list(c[1]),
                                   lambda has_when: L(form.span, core("list"), c[2]) if has_when else c[2],
                                   each, L(form.span, sym("quote"), plist([])))

    def _comprehension(self, form, name, bindings, innermost, each, skipped):
        """Nest `each` per binding pair, innermost first; :let wraps a let, :when an if (whose
        other branch is `skipped`), and :while, right after a binding, cuts that binding's
        collection with take-while. `innermost(has_when)` is the form inside everything;
        `each` is told "plain" for the innermost binding when it has no :when."""
        groups = []            # [pattern, coll, [(modifier, arg)...]]
        i = 0
        while i < len(bindings):
            if i + 1 >= len(bindings):
                fail(f"{name} bindings come in pairs", form)
            k, v = bindings[i], bindings[i + 1]
            if type(k) is Keyword:
                if not groups:
                    fail(f"{name}: :{k.name} must follow a binding", form)
                if k.name not in ("when", "let", "while"):
                    fail(f"{name}: unknown modifier :{k.name} (use :when, :let or :while)", form)
                if k.name == "while" and groups[-1][2]:
                    fail(f"{name}: put :while right after its binding", form)
                groups[-1][2].append((k.name, v))
            else:
                groups.append([k, v, []])
            i += 2
        last_has_when = any(mod == "when" for mod, _arg in groups[-1][2])
        out = innermost(last_has_when)
        for n, (pattern, coll, mods) in enumerate(reversed(groups)):
            for mod, arg in reversed(mods):
                if mod == "let":
                    out = L(form.span, sym("let"), arg, out)
                elif mod == "when":
                    out = L(form.span, sym("if"), arg, out, skipped)
                else:
                    coll = L(form.span, core("take-while"), L(form.span, sym("fn"), vector([pattern]), arg), coll)
            out = each(pattern, coll, out, "plain" if n == 0 and not last_has_when else None)
        return out

    def _if_not(self, form):
        c = list(form)
        if len(c) not in (3, 4):
            fail("if-not looks like (if-not test then else?)", form)
        return L(form.span, sym("if"), c[1], c[3] if len(c) == 4 else None, c[2])

    def _while(self, form):
        c = list(form)
        if len(c) < 2:
            fail("while needs a test: (while test body...)", form)
        return L(form.span, sym("loop"), vector([]),
                 L(form.span, sym("when"), c[1], *c[2:], L(form.span, sym("recur"))))

    def _assert(self, form):
        c = list(form)
        if len(c) not in (2, 3):
            fail("assert looks like (assert test message?)", form)
        from turmeric.data.printer import pr_str
        text = "assertion failed: " + pr_str(c[1])
        message = L(form.span, core("str"), text + ": ", c[2]) if len(c) == 3 else text
        return L(form.span, sym("unless"), c[1], L(form.span, sym("throw"), L(form.span, core("error"), message)))

    def _cond_thread(self, form):
        """(cond-> x test step ...): each step threaded in only when its test is true."""
        c = list(form)
        if len(c) < 2 or len(c) % 2:
            fail(f"{c[0].name} looks like ({c[0].name} value test step ...)", form)
        g = self.gensym("c")
        arrow = sym("->>" if c[0].name == "cond->>" else "->", form.span)
        binds = [g, c[1]]
        for test, step in zip(c[2::2], c[3::2]):
            binds += [g, L(form.span, sym("if"), test, L(form.span, arrow, g, step), g)]
        return L(form.span, sym("let"), vector(binds), g)

    def _some_thread(self, form):
        """(some-> x step ...): threads while the value is not nil; nil as soon as it is."""
        c = list(form)
        if len(c) < 2:
            fail(f"{c[0].name} needs a value", form)
        arrow = sym("->>" if c[0].name == "some->>" else "->", form.span)
        g = self.gensym("s")
        out = g
        for step in reversed(c[2:]):
            out = L(form.span, sym("if"), L(form.span, core("nil?"), g), None,
                    L(form.span, sym("let"), vector([g, L(form.span, arrow, g, step)]), out))
        return L(form.span, sym("let"), vector([g, c[1]]), out)

    def _condp(self, form):
        """(condp pred expr test result ... default?): the result of the first test for which
        (pred test expr) is true."""
        c = list(form)
        if len(c) < 3:
            fail("condp looks like (condp pred expr test result ... default?)", form)
        p, v = self.gensym("p"), self.gensym("v")
        clauses = c[3:]
        out = clauses.pop() if len(clauses) % 2 else L(form.span, core("%no-match"), v)
        for i in range(len(clauses) - 2, -1, -2):
            out = L(form.span, sym("if"), L(form.span, p, clauses[i], v), clauses[i + 1], out)
        return L(form.span, sym("let"), vector([p, c[1], v, c[2]]), out)

    def _letfn(self, form):
        """(letfn [(f [x] ...) (g [y] ...)] body...): local functions that may call each other
        (each name is a variable set to its fn, so all are in scope in every body)."""
        c = list(form)
        if len(c) < 2 or not is_vector(c[1]) or not all(type(f) is PList and f.count >= 2 and is_sym(f.first)
                                                         for f in c[1]):
            fail("letfn looks like (letfn [(name [params] body...) ...] body...)", form)
        names = [f.first for f in c[1]]
        sets = [L(form.span, sym("set!"), f.first, L(f.span, sym("fn"), *f)) for f in c[1]]
        return L(form.span, sym("let"), vector([x for n in names for x in (n, None)]), *sets, *c[2:])

    def _time(self, form):
        c = list(form)
        if len(c) != 2:
            fail("time looks like (time expr)", form)
        t, v = self.gensym("t"), self.gensym("v")
        return L(form.span, sym("let"), vector([t, L(form.span, core("now-ms")), v, c[1]]),
                 L(form.span, core("println"),
                   L(form.span, core("str"), "Elapsed time: ", L(form.span, core("-"), L(form.span, core("now-ms")), t),
                     " msecs")),
                 v)

    def _case(self, form):
        c = list(form)
        if len(c) < 2:
            fail("case needs a value", form)
        v = self.gensym("case")
        clauses = c[2:]
        default = clauses.pop() if len(clauses) % 2 else L(form.span, core("%no-match"), v)
        out = default
        for i in range(len(clauses) - 2, -1, -2):
            test = clauses[i]
            alts = list(test) if type(test) is PList else [test]
            cond = L(form.span, sym("or"), *(L(form.span, core("="), v, L(form.span, sym("quote"), a)) for a in alts))
            out = L(form.span, sym("if"), cond, clauses[i + 1], out)
        return L(form.span, sym("let"), vector([v, c[1]]), out)

    # -- quasiquote ---------------------------------------------------------------------

    def _quasiquote(self, form):
        c = list(form)
        if len(c) != 2:
            fail("quasiquote takes one form", form)
        return self._qq(c[1], {}, form.span)

    def _qq(self, x, autos: dict, sp):
        if type(x) is Symbol:
            if x.name.endswith("#") and len(x.name) > 1:
                if x.name not in autos:
                    autos[x.name] = self.gensym(x.name[:-1])
                x = autos[x.name]
            return L(sp, sym("quote"), x)
        if type(x) is PList and x.count:
            if is_sym(x.first, "unquote"):
                return list(x)[1]
            if is_sym(x.first, "unquote-splicing"):
                fail("~@ must be inside a list or vector", x)
            return self._qq_seq(x, autos, x.span or sp)
        if is_vector(x):
            return L(sp, core("vec"), self._qq_seq(x, autos, sp))
        if type(x) is PMap:
            flat = [y for kv in x.items() for y in kv]
            return L(sp, core("%map-from-seq"), self._qq_seq(flat, autos, sp))
        if type(x) is PSet:
            return L(sp, core("%set-from-seq"), self._qq_seq(list(x), autos, sp))
        return x

    def _qq_seq(self, items, autos, sp):
        parts = []
        for it in items:
            if type(it) is PList and it.count and is_sym(it.first, "unquote-splicing"):
                parts.append(list(it)[1])
            else:
                parts.append(L(sp, core("list"), self._qq(it, autos, sp)))
        return L(sp, core("concat"), *parts)

    # -- match --------------------------------------------------------------------------

    def _match(self, form):
        """(match e pat -> body ...): constructor patterns (Some x), literals, _, names,
        vectors [a b]. Expands to tests on one evaluated value."""
        c = list(form)
        if len(c) < 2:
            fail("match needs a value and clauses: (match e pattern -> body ...)", form)
        clauses = c[2:]
        if len(clauses) % 3:
            fail("match clauses look like: pattern -> body", form,
                 hint="each clause is three forms: the pattern, the arrow ->, the body")
        v = self.gensym("m")
        out = L(form.span, core("%no-match"), v)
        for i in range(len(clauses) - 3, -1, -3):
            pat, arrow, body = clauses[i:i + 3]
            if not is_sym(arrow, "->"):
                fail("expected -> after the pattern", arrow if type(arrow) is Symbol else pat)
            tests, binds = [], []
            self._pattern(pat, v, tests, binds, form.span)
            then = L(form.span, sym("let"), vector(binds), body) if binds else body
            test = L(form.span, sym("and"), *tests) if tests else True
            out = L(span_of(pat, form.span), sym("if"), test, then, out)
        return L(form.span, sym("let"), vector([v, c[1]]), out)

    def _pattern(self, pat, v, tests: list, binds: list, sp):
        """Tests and bindings for `pat` against the pure access expression `v`."""
        if is_sym(pat, "_"):
            return
        if type(pat) is Symbol:
            binds += [pat, v]
            return
        if type(pat) is PList and pat.count and type(pat.first) is Symbol:
            if pat.first.name == "quote":
                tests.append(L(sp, core("="), v, pat))
                return
            subs = list(pat)[1:]
            tests.append(L(sp, core("%struct-is?"), v, pat.first, len(subs)))
            for i, p in enumerate(subs):
                self._pattern(p, L(sp, core("%struct-field"), v, i), tests, binds, sp)
            return
        if is_vector(pat):
            items = list(pat)
            rest = None
            if len(items) >= 2 and is_sym(items[-2], "&"):
                rest = items[-1]
                items = items[:-2]
            tests.append(L(sp, core("%seq-len-is?"), v, len(items), rest is not None))
            for i, p in enumerate(items):
                self._pattern(p, L(sp, core("nth"), v, i), tests, binds, sp)
            if rest is not None:
                self._pattern(rest, L(sp, core("drop"), len(items), v), tests, binds, sp)
            return
        if pat is None or type(pat) in (int, float, str, bool, Keyword):
            tests.append(L(sp, core("="), v, pat))
            return
        fail("this is not a pattern (patterns: _, a name, a literal, (Ctor p...), [p...])", pat, sp)


def fn_clause(params, body: list, form):
    """A fn's parameter vector without type annotations, and its body without a return type
    annotation: (fn [x : int] : int body)."""
    if len(body) >= 2 and is_sym(body[0], ":"):
        body = body[2:]
    return strip_param_annotations(params, form), body


SELF_NAME = "fn self"   # the name an anonymous fn that uses recur has for itself
OWN_RECUR = ("loop", "fn", "quote", "%fn-literal")   # forms whose recur is not the outer one's


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
                return L(form.span, core("apply"), fname, *args)
            return L(form.span, fname, *args)
        if any(is_sym(form.first, h) for h in OWN_RECUR):
            return form
        return plist([replace_recur(x, fname, variadic) for x in form], span=form.span)
    if is_vector(form):
        return vector([replace_recur(x, fname, variadic) for x in form])
    return form


def substitute(form, old: Symbol, new):
    if type(form) is Symbol and form == old:
        return new
    if type(form) is PList and form.count:
        return plist([substitute(x, old, new) for x in form], span=form.span)
    if is_vector(form):
        return vector([substitute(x, old, new) for x in form])
    if type(form) is PMap:
        return PMap.from_pairs((substitute(k, old, new), substitute(v, old, new)) for k, v in form.items())
    return form


def strip_annotation(items: list) -> list:
    """(def x : int 5) -> [5]"""
    if len(items) >= 3 and is_sym(items[0], ":"):
        return items[2:]
    return items


def strip_param_annotations(params, form) -> Any:
    """[x : int y : (list a) & more] -> [x y & more]"""
    out = []
    items = list(params)
    i = 0
    while i < len(items):
        p = items[i]
        if is_sym(p, ":"):
            if i + 1 >= len(items) or not out:
                fail("a type annotation looks like [x : type]", form)
            i += 2
            continue
        if not (is_sym(p) or is_vector(p) or type(p) is PMap):
            fail("a parameter is a name, a vector [a b] or a map {:keys [a b]}", form)
        out.append(p)
        i += 1
    return vector(out)


def restamp(x, sp: Span | None):
    """Give the lists a macro made (which have no span) the span of the macro call."""
    if type(x) is PList and x.count:
        items = [restamp(y, sp) for y in x]
        return plist(items, span=x.span or sp)
    if is_vector(x):
        return vector([restamp(y, sp) for y in x])
    if type(x) is Symbol and x.span is None:
        return Symbol(x.name, sp)
    return x
