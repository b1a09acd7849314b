"""Python expressions for calls that run no user code: pure builtins (a few operators
inlined behind a type guard: the inline operator table), truth tests, and map, filter and
reduce over a function whose body runs no user code (a comprehension or a plain loop).

`ExpressionLowering` is the half of `FnLowering` (lower.py) that makes expressions; it
uses the lowering's temporaries, constant names and marks.
"""
from __future__ import annotations

from dataclasses import replace

from turmeric.analyzer import ir
from turmeric.cps.constants import (
    is_number_literal, literal_type, not_a_number_literal, python_literal_kind,
)
from turmeric.cps import types
from turmeric.cps.form import Assign, Expr, For
from turmeric.cps.types import INT
from turmeric.data.errors import InternalError
from turmeric.data.names import mangle

COMPREHENSIONS = frozenset({"map", "filter"})
GUARDED = frozenset({"=", "inc", "dec", "abs", "mod", "-"})   # an int operand saves their guard
STRICT_INT_OPS = {"+": "+", "-": "-", "*": "*"}   # (reduce OP ...): OP's result on two ints
INLINE_OPS = {"+": "+", "-": "-", "*": "*", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
LIST_FAST = {"first": ("{}.first", False), "rest": ("{}.rest", False),
             "empty?": ("{}.count == 0", True), "count": ("{}.count", False)}


class ExpressionLowering:
    """Expressions of pure builtins and inlined higher-order calls (mixed into FnLowering)."""

    def truth(self, e: Expr, out: list, span) -> Expr:
        if e.boolean:
            return e
        if e.simple and (python_literal_kind(e.text) is not None):
            return Expr("False" if e.text in ("None", "False") else "True", frozenset(), True, True)
        first, again = self.once(e)
        return Expr(f"({first} is not None and {again} is not False)", e.reads, True)

    def once(self, e: Expr) -> tuple[str, str]:
        """Texts for the first and the later uses of e in one expression: evaluated once,
        through a temporary (:=) unless it is a name or a constant. No statement is made, so
        this works inside a comprehension too. The first use must be evaluated on every path
        (so `type(a0) is type(b0) is int`, never `type(a0) is int is type(b0)`)."""
        if e.simple:
            return e.text, e.text
        t = self.temp()
        return f"({t} := {e.text})", t

    # map, filter and reduce over a function that runs no user code --------------------------

    def comprehensible(self, n: ir.Call) -> bool:
        """(map (fn [x] e) coll) where e runs no user code: nothing inside can capture, so
        the loop may be a Python comprehension."""
        if len(n.args) != 2 or type(n.args[0]) is not ir.Fn:
            return False
        fn = n.args[0]
        return (len(fn.params) == 1 and fn.rest is None and not fn.params[0].boxed
                and is_simple(fn.body, self.mod.pure) and type(fn.body) is not ir.Fn)

    def reducible(self, n: ir.Call) -> bool:
        """(reduce (fn [acc x] e) init coll) where e runs no user code: a plain loop."""
        if len(n.args) != 3 or type(n.args[0]) is not ir.Fn:
            return False
        fn = n.args[0]
        return (len(fn.params) == 2 and fn.rest is None and not any(v.boxed for v in fn.params)
                and is_simple(fn.body, self.mod.pure) and type(fn.body) is not ir.Fn
                and is_simple(n.args[1], self.mod.pure))

    def reducible_builtin(self, n: ir.Call) -> bool:
        """(reduce OP init coll) where OP names a pure builtin (+, max, conj, str ...): a
        plain loop calling OP's strict two-argument form, not the generic builtin path that
        a function value takes (issue #14, the compute rows)."""
        return (len(n.args) == 3 and type(n.args[0]) is ir.Core and n.args[0].name in self.mod.pure
                and is_simple(n.args[1], self.mod.pure))

    def reduce_loop(self, n: ir.Call, out: list) -> Expr:
        fn = n.args[0]
        return self.reduce_with(n, out, fn.params, lambda body: self.value(fn.body, body))

    def reduce_builtin_loop(self, n: ir.Call, out: list) -> Expr:
        name = n.args[0].name
        params = [ir.Var("acc", "acc"), ir.Var("x", "x")]
        def step(body):
            a, b = (Expr(self.py(v), frozenset([self.py(v)]), simple=True) for v in params)
            return self.strict_binary(name, a, b, n.span)
        return self.reduce_with(n, out, params, step)

    def strict_binary(self, name: str, a: Expr, b: Expr, span) -> Expr:
        """(name a b) with the builtin's own semantics (so `+` still rejects two strings, as
        the builtin passed as a value does): a Python operator when both are integers, else
        the builtin. a and b are names."""
        reads = a.reads | b.reads
        mark = self.mod.mark(span)
        full = f"{mark}B_{mangle(name)}({a.text}, {b.text})"
        both_int = f"type({a.text}) is type({b.text}) is int"
        if name in STRICT_INT_OPS:
            return Expr(f"({a.text} {STRICT_INT_OPS[name]} {b.text} if {both_int} else {full})", reads)
        if name in ("max", "min"):
            op = ">=" if name == "max" else "<="
            return Expr(f"(({a.text} if {a.text} {op} {b.text} else {b.text}) if {both_int} else {full})",
                        reads)
        return Expr(full, reads)

    def reduce_with(self, n: ir.Call, out: list, params, step) -> Expr:
        _, init, coll = n.args
        for v in params:  # the loop runs in this function's scope: fresh names, no clash
            self.mod.renames[v] = self.temp()
        acc, x = (self.py(v) for v in params)
        items = self.value(coll, out)
        start = self.value(init, out)
        out.append(Assign(n.span, acc, start))
        self.defined |= {acc, x}
        body: list = []
        e = step(body)
        body.append(Assign(n.span, acc, e))
        out.append(For(n.span, x, Expr(f"{self.mod.mark(n.span)}B_items({items.text}, 'reduce')", items.reads),
                       tuple(body)))
        result = self.temp()
        out.append(Assign(n.span, result, Expr(acc, frozenset([acc]))))
        self.defined.add(result)
        return Expr(result, frozenset([result]), simple=True)

    def comprehension(self, name: str, n: ir.Call, out: list) -> Expr:
        fn, coll = n.args
        c = self.value(coll, out)
        if has_assignment_expression(c.text):
            # Python forbids := in a comprehension's iterable (issue #9): compute it first
            c = self.simple(c, out, n.span)
        x = self.py(fn.params[0])
        self.defined.add(x)
        scratch: list = []
        body = self.value(fn.body, scratch)
        if scratch:
            raise InternalError("cps: a comprehension body made a statement")
        # over a lazy sequence the call stays what it is, lazy: (take 3 (map inc (range)))
        # must not loop forever (spec/language.md, "Lazy sequences"); c is read twice
        c = self.simple(c, out, n.span)
        fn_value = self.mod.closure(fn, self)
        reads = (body.reads - {x}) | c.reads | fn_value.reads
        items = f"{self.mod.mark(n.span)}B_items({c.text}{'' if name == 'map' else ', ' + repr(name)})"
        lazy = f"B_{mangle('%lazy?')}({c.text})"
        call = f"B_{mangle('%lazy-' + name)}({fn_value.text}, {c.text})"
        if name == "map":
            return Expr(f"({call} if {lazy} else PLIST([{body.text} for {x} in {items}]))", reads)
        test = self.truth(body, [], n.span)
        return Expr(f"({call} if {lazy} else PLIST([{x} for {x} in {items} if {test.text}]))", reads)

    # pure builtins ----------------------------------------------------------------------------

    def pure_call(self, name: str, n: ir.Call, out: list) -> Expr:
        args = self.args(n.args, out, n.span)
        reads = frozenset().union(*(a.reads for a in args)) if args else frozenset()
        inline = self.inline(name, args, out, n.span)
        if inline is not None:
            return replace(inline, text=self.mod.mark(n.span) + inline.text)
        text = f"{self.mod.mark(n.span)}B_{mangle(name)}({', '.join(a.text for a in args)})"
        return Expr(text, reads, boolean=name.endswith("?") or name in ("=", "not=", "not"))

    def inline(self, name: str, args: list[Expr], out: list, span) -> Expr | None:
        """The inline operator table: a Python expression for (name args...), or None."""
        reads = frozenset().union(*(a.reads for a in args)) if args else frozenset()
        if name == "not" and len(args) == 1:
            a = self.truth(args[0], out, span)
            if a.text in ("True", "False"):
                return Expr("False" if a.text == "True" else "True", frozenset(), True, True)
            if args[0].boolean:
                return Expr(f"(not {args[0].text})", args[0].reads, True)
            a0, a1 = self.once(args[0])
            return Expr(f"({a0} is None or {a1} is False)", args[0].reads, True)
        if name == "nil?" and len(args) == 1:
            return Expr(f"({args[0].text} is None)", reads, True)
        if name in LIST_FAST and len(args) == 1 and not python_literal_kind(args[0].text):
            # the common case, a list, read straight from its cell; anything else: the builtin
            fast, boolean = LIST_FAST[name]
            if args[0].text in self.list_vars:   # known to be a list here (FnLowering.structured)
                return Expr(fast.format(args[0].text), args[0].reads, boolean,
                            ptype=INT if name == "count" else None)
            a0, a1 = self.once(args[0])
            return Expr(f"({fast.format(a1)} if type({a0}) is PListT else B_{mangle(name)}({a1}))",
                        args[0].reads, boolean, ptype=INT if name == "count" and types.ENABLED else None)
        if name == "vector" and args:
            # [x k]: one C call (the empty vector's extend), not the builtin's Python call (#14, gen2)
            return Expr(f"VEC_OF(({''.join(a.text + ', ' for a in args)}))", reads)
        if name == "nth" and len(args) == 2 and args[1].text.isdigit() and not python_literal_kind(args[0].text):
            # (nth v 1) of a vector holding that index, a generator's [x k] (#14, gen2): the
            # item straight from the vector; anything else: the builtin
            a0, a1 = self.once(args[0])
            i = args[1].text
            return Expr(f"({a1}[{i}] if type({a0}) is PVecT and len({a1}) > {i} else B_nth({a1}, {i}))",
                        args[0].reads)
        if name == "cons" and len(args) == 2 and args[0].simple and not python_literal_kind(args[1].text) \
                and types.ENABLED:
            # onto a list: the cell made here (seqs.cons, values.cons); x is a name or a
            # constant, so evaluating it after the list changes nothing (#14 item nqueens)
            c0, c1 = self.once(args[1])
            x = args[0].text
            return Expr(f"(PListT({x}, {c1}, {c1}.count + 1) if type({c0}) is PListT else B_cons({x}, {c1}))",
                        reads)
        spread = self.distribute(name, args, out, span)
        if spread is not None:
            return spread
        if name == "abs" and len(args) == 1:
            return self.int_unary(args[0], "abs({})", "B_abs({})", span)
        if name == "mod" and len(args) == 2 and literal_type(args[1].text) == "int" \
                and args[1].text.strip("()") not in ("0", "-0"):
            # a nonzero integer divisor: Python's % has Clojure's mod sign rule
            return self.int_unary(args[0], f"({{}} % {args[1].text})", f"B_mod({{}}, {args[1].text})", span)
        if name in ("inc", "dec") and len(args) == 1:
            op = "+" if name == "inc" else "-"
            return self.int_unary(args[0], f"({{}} {op} 1)", f"B_{mangle(name)}({{}})", span)
        if name == "=" and len(args) == 2:
            for a, b in (args, args[::-1]):
                if a.text in ("None", "True", "False") or a.text in self.mod.consts.keywords:
                    return Expr(f"({b.text} is {a.text})", reads, True)
                lit_type = literal_type(a.text)
                if lit_type is not None:
                    if lit_type == "int" and b.ptype == INT:
                        return Expr(f"({b.text} == {a.text})", reads, True)
                    # == alone would equate 0, 0.0 and false; the type test runs only on a match
                    b0, b1 = self.once(b)
                    return Expr(f"({b0} == {a.text} and type({b1}) is {lit_type})", reads, True)
            a, b = args
            if a.ptype == INT and b.ptype == INT:
                return Expr(f"({a.text} == {b.text})", reads, True)
            if b.ptype == INT or a.ptype == INT and a.simple:
                # test the other one only; a is still evaluated before b
                if b.ptype == INT:
                    (a0, a1), b0, b1 = self.once(a), None, b.text
                    test = f"type({a0}) is int"
                else:
                    a1, (b0, b1) = a.text, self.once(b)
                    test = f"type({b0}) is int"
                return Expr(f"({a1} == {b1} if {test} else B__e({a1}, {b1}))", reads, True)
            (a0, a1), (b0, b1) = self.once(a), self.once(b)
            return Expr(f"({a1} == {b1} if type({a0}) is type({b0}) is int "
                        f"else B__e({a1}, {b1}))", reads, True)
        op = INLINE_OPS.get(name)
        if op is None or len(args) < 2:
            if name == "-" and len(args) == 1:
                return self.int_unary(args[0], "(-{})", "B__h({})", span)
            return None
        if op in ("<", ">", "<=", ">=") and len(args) > 2:
            return None
        acc = args[0]
        for b in args[1:]:
            acc = self.binop(name, op, acc, b)
        return acc

    def int_unary(self, a: Expr, fast: str, slow: str, span) -> Expr:
        """An operation that gives an int for an int (fast, a format with {} for the operand)
        and else calls the builtin (slow): no guard when a is known to be an int; otherwise
        guarded, with the parts kept (Expr.split) for an operation on the result."""
        if a.ptype == INT:
            return Expr(fast.format(a.text), a.reads, ptype=INT)
        a0, a1 = self.once(a)
        guard = f"type({a0}) is int"
        f = Expr(fast.format(a1), a.reads, ptype=INT)
        sl = Expr(self.mod.mark(span) + slow.format(a1), a.reads)
        return self.guarded(guard, f, sl)

    def guarded(self, guard: str, fast: Expr, slow: Expr) -> Expr:
        split = (guard, fast, slow) if fast.ptype == INT and types.ENABLED else None
        return Expr(f"({fast.text} if {guard} else {slow.text})", fast.reads | slow.reads,
                    fast.boolean and slow.boolean, split=split)

    def distribute(self, name: str, args: list[Expr], out: list, span) -> Expr | None:
        """(name ... (fast if guard else slow) ...) as ((name ... fast ...) if guard else
        (name ... slow ...)) when that saves a type guard: name is a guarded operator and the
        other operands are names or constants (so the guard, evaluated first, cannot run before
        something it should follow)."""
        if name not in GUARDED or not any(a.split for a in args):
            return None
        for i, a in enumerate(args):
            if a.split is None or not all(b.simple for j, b in enumerate(args) if j != i):
                continue
            guard, fast, slow = a.split
            f = self.inline(name, args[:i] + [fast] + args[i + 1:], out, span)
            sl = self.inline(name, args[:i] + [slow] + args[i + 1:], out, span)
            if f is None or sl is None:
                return None
            sl = replace(sl, text=self.mod.mark(span) + sl.text)
            return self.guarded(guard, f, sl)
        return None

    def binop(self, name, op, a: Expr, b: Expr) -> Expr:
        reads = a.reads | b.reads
        boolean = op in ("<", ">", "<=", ">=")
        if not_a_number_literal(a.text) or not_a_number_literal(b.text):
            # a constant that is not a number: the builtin reports it (with its value)
            return Expr(f"B_{mangle(name)}({a.text}, {b.text})", reads, boolean)
        ints = a.ptype == INT and b.ptype == INT
        ptype = INT if ints and not boolean else None
        # Python's operator itself: it rejects nil, keywords, maps, lists and mixed types;
        # what it accepts beyond numbers is documented (spec/language.md, "Numbers").
        # `*` keeps a guard, since Python repeats a string or vector times an integer.
        if op != "*" or is_number_literal(a.text) and is_number_literal(b.text) or ints:
            return Expr(f"({a.text} {op} {b.text})", reads, boolean, ptype=ptype)
        if a.text == b.text and a.simple:  # (* x x): one test
            return Expr(f"({a.text} {op} {a.text} if type({a.text}) is int "
                        f"else B_{mangle(name)}({a.text}, {a.text}))", reads, boolean)
        (a0, a1), (b0, b1) = self.once(a), self.once(b)
        return Expr(f"({a1} {op} {b1} if type({a0}) is type({b0}) is int "
                    f"else B_{mangle(name)}({a1}, {b1}))", reads, boolean)


def is_simple(n: ir.Node, pure: frozenset) -> bool:
    """Lowering n emits no statement (so it runs no user code)."""
    t = type(n)
    if t in (ir.Const, ir.Local, ir.Global, ir.Core, ir.ModuleRef, ir.Fn):
        return True
    if t is ir.Field:
        return is_simple(n.obj, pure)
    if t is ir.Call:
        return type(n.fn) is ir.Core and n.fn.name in pure and all(is_simple(a, pure) for a in n.args)
    return False


def is_trivial(n: ir.Node) -> bool:
    return type(n) is ir.Const or (type(n) is ir.Local and not n.var.boxed)


def has_assignment_expression(text: str) -> bool:
    """Whether a Python expression the lowering wrote contains `:=` (outside its strings)."""
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "'\"":
            j = i + 1
            while j < len(text) and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if ch == ":" and text.startswith(":=", i):
            return True
        i += 1
    return False
