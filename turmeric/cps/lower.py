"""One ir.Fn to its CPS form: A-normal form, where every non-tail call of user code is a
numbered Site and every call in tail position a Return (or a SelfTailCall). Nested Fns are
handed back to the module lowering (module.py), which lowers them after this one."""
from __future__ import annotations

from typing import TYPE_CHECKING

from turmeric.analyzer import ir
from turmeric.cps.expressions import (
    COMPREHENSIONS, GUARDED, LIST_FAST, ExpressionLowering, is_simple, is_trivial,
)
from turmeric.cps import lift, shift, types
from turmeric.cps.types import INT
from turmeric.cps.form import (
    Assign, Evaluate, Expr, If, Return, SelfTailCall, Site, Try, unmarked_repr,
)
from turmeric.data.errors import InternalError
from turmeric.data.names import mangle, mangle_field

if TYPE_CHECKING:
    from turmeric.cps.module import ModuleLowering

INT_IFS = True   # tests lower the same programs with it off and compare (test_compiler_speed.py)


class FnLowering(ExpressionLowering):
    """Lowers one ir.Fn to a statement tree, recording its sites and what each site sees."""

    def __init__(self, mod: "ModuleLowering", fn: ir.Fn, self_name: str | None, lifted: bool = False,
                 int_params: frozenset = frozenset()):
        self.mod = mod
        self.fn = fn
        self.local_names: dict[ir.Var, str] = {}   # another function's variables inlined here
        self.lifted = lifted            # a module function taking its captured variables first
        self.self_name = self_name      # Python name the function calls itself by
        self.temps = 0
        self.sites: list[Site] = []
        self.point_counts: dict[str, int] = {}     # callee label -> sites of it so far
        self.globals_set: set[str] = set()
        self.has_loop = False
        self.defined: set[str] = set(self.py(v) for v in fn.params)
        if fn.rest is not None:
            self.defined.add(self.py(fn.rest))
        self.defined |= {self.py(v) for v in (mod.passed(fn) if lifted else fn.free)}
        if fn.self_var is not None and fn.free and not lifted:
            self.defined.add(self.py(fn.self_var))   # a closure's name for itself: a cell
        self.site_defined: list[set] = []
        # locals whose value is always an int: let-bound to one, or a lifted fn's parameter
        # that every call and every recur gives an int (module.py checks the recurs)
        self.int_vars: set[str] = {self.py(fn.params[i]) for i in int_params}
        self.list_vars: set[str] = set()   # locals known to be lists (PListT) where they are read
        self.recur_types: list | None = None   # per fixed parameter: INT if every recur gives one
        self.bool_vars: set[str] = set()   # locals bound to a Python bool (tested without `is`)
        self.int_versioning = False         # inside the int version of an if (int_versioned_if)
        self.assigned_bool: dict[str, bool] = {}  # temporary -> every value it got was a bool

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    def py(self, v: ir.Var) -> str:
        """A variable's Python name in the generated code."""
        local = self.local_names.get(v)
        return local if local is not None else self.mod.renames.get(v, v.pyname)

    # expressions in value context ------------------------------------------------------

    def value(self, n: ir.Node, out: list) -> Expr:
        t = type(n)
        if t is ir.Const:
            return Expr(self.mod.consts.ref(n.value), simple=True,
                        ptype=INT if type(n.value) is int and types.ENABLED else None)
        if t is ir.Local:
            v = n.var
            name = self.var_name(v)
            reads = frozenset([name]) if name == self.py(v) else frozenset()
            return Expr(f"{name}.v" if v.boxed else name, reads, simple=not v.boxed,
                        boolean=name in self.bool_vars,
                        ptype=INT if not v.boxed and name in self.int_vars else None)
        if t is ir.Global:
            return Expr(f"g_{mangle(n.name)}")
        if t is ir.ModuleRef:
            return Expr(f"M_{mangle(n.module)}[{'g_' + mangle(n.name)!r}]")
        if t is ir.Core:
            return Expr(f"C_{mangle(n.name)}", simple=True)
        if t is ir.Field:
            obj = self.value(n.obj, out)
            return Expr(f"{self.mod.mark(n.span)}{obj.text}.{mangle_field(n.field)}", obj.reads)
        if t is ir.Fn:
            return self.mod.closure(n, self)
        if t is ir.Call:
            return self.call(n, out, tail=False)
        if t in (ir.If, ir.Let, ir.Do, ir.Declare, ir.Try):
            target = self.temp()
            self.assign(n, target, out)
            self.defined.add(target)
            boolean = self.assigned_bool.get(target, False)  # a bool on every path
            return Expr(target, frozenset([target]), boolean, simple=True)
        if t is ir.SetLocal:
            val = self.value(n.value, out)
            v = n.var
            name = self.py(v)
            if v.boxed:
                out.append(Assign(n.span, f"{name}.v", val))
                return Expr(f"{name}.v", frozenset([name]))
            out.append(Assign(n.span, name, val))
            self.defined.add(name)
            return Expr(name, frozenset([name]), simple=True)
        if t is ir.SetGlobal:
            val = self.value(n.value, out)
            g = f"g_{mangle(n.name)}"
            out.append(Assign(n.span, g, val))
            self.globals_set.add(g)
            return Expr(g)
        raise InternalError(f"cps: no case for {t.__name__} at {getattr(n, 'span', None)}")

    def var_name(self, v: ir.Var) -> str:
        if v.is_self and v is self.fn.self_var and self.self_name:
            return self.self_name
        return self.py(v)

    def simple(self, e: Expr, out: list, span) -> Expr:
        """Make `e` safe to evaluate twice and in a later statement."""
        if e.simple:
            return e
        t = self.temp()
        out.append(Assign(span, t, e))
        self.defined.add(t)
        return Expr(t, frozenset([t]), e.boolean, simple=True, ptype=e.ptype)

    def args(self, nodes: list, out: list, span) -> list[Expr]:
        """Arguments in order; an argument that runs user code forces the earlier ones into
        temporaries so their side effects happen first."""
        last_complex = max((i for i, a in enumerate(nodes) if not is_simple(a, self.mod.pure)), default=-1)
        es = []
        for i, a in enumerate(nodes):
            e = self.value(a, out)
            if i < last_complex and not (e.simple or is_trivial(a)):
                e = self.simple(e, out, span)
            es.append(e)
        return es

    def call(self, n: ir.Call, out: list, tail: bool):
        f = n.fn
        if type(f) is ir.Core and f.name in self.mod.pure:
            return self.pure_call(f.name, n, out)
        inlined = None
        if type(f) is ir.Core and f.name == "reduce" and self.reducible(n):
            inlined = self.reduce_loop(n, out)
        elif type(f) is ir.Core and f.name == "reduce" and self.reducible_builtin(n):
            inlined = self.reduce_builtin_loop(n, out)
        elif type(f) is ir.Core and f.name in COMPREHENSIONS and self.comprehensible(n):
            inlined = self.comprehension(f.name, n, out)
        elif (type(f) is ir.Core and f.name in COMPREHENSIONS and len(n.args) == 2
              and type(n.args[0]) is ir.Global and n.args[0].name in self.mod.inlinable):
            inlined = self.inlined_defn(f.name, n, out)
        if inlined is not None:
            if tail:
                out.append(Return(n.span, inlined))
                return None
            return inlined
        if (tail and type(f) is ir.Local and f.var.is_self and f.var is self.fn.self_var
                and self.self_name and self.arity_matches(len(n.args))):
            args = self.args(n.args, out, n.span)
            nfix = len(self.fn.params)
            rest = None
            if self.fn.rest is not None:
                rest = Expr("PLIST([" + ", ".join(a.text for a in args[nfix:]) + "])" if args[nfix:] else "None",
                            frozenset().union(*(a.reads for a in args[nfix:])))
            self_reads = frozenset([self.self_name]) if self.fn.free and not self.lifted else frozenset()
            fixed = args[:nfix]
            got = [a.ptype for a in fixed]
            self.recur_types = got if self.recur_types is None else \
                [a if a == b else None for a, b in zip(self.recur_types, got)]
            if self.lifted:   # its captured variables are its first parameters: passed on as they are
                # (a boxed one as its box, which every iteration shares)
                fixed = [Expr(self.py(v), frozenset([self.py(v)]), simple=True)
                         for v in self.mod.passed(self.fn)] + fixed
            out.append(SelfTailCall(n.span, tuple(fixed), rest, self_reads))
            self.has_loop = True
            return None
        lifted = self.mod.lifted.get(f.var) if type(f) is ir.Local else None
        if shift.direct(n):     # a cloneable-shift: its body a module function (cps/shift.py)
            got = shift.capture(self, n, out, tail)
            if got is None:
                return None
            text, reads = got
        elif lifted is not None:  # a direct call of a lifted fn: its captured variables first
            args = self.args(n.args, out, n.span)
            captured = self.mod.lifted_call(lifted, self)
            self.mod.note_call_types(lifted, args)
            text = f"F_{self.mod.base_of(lifted)}(d + 1{captured.text}{''.join(', ' + a.text for a in args)})"
            reads = captured.reads.union(*(a.reads for a in args)) | {"d"}
        else:
            fe = self.value(f, out) if not is_simple(f, self.mod.pure) or not n.args else None
            args = self.args(n.args, out, n.span)
            if fe is None:
                fe = self.value(f, out)
            text = f"{fe.text}(d + 1{''.join(', ' + a.text for a in args)})"
            reads = fe.reads.union(*(a.reads for a in args)) | {"d"}
        call = Expr(text, frozenset(reads))
        if tail:
            out.append(Return(n.span, call, tail_call=True))
            return None
        target = self.temp()
        site = Site(n.span, target, call, len(self.sites) + 1, self.point_of(n))
        self.sites.append(site)
        self.site_defined.append(set(self.defined))
        out.append(site)
        self.defined.add(target)
        return Expr(target, frozenset([target]), simple=True)

    def inlined_defn(self, name: str, n: ir.Call, out: list) -> Expr:
        """(map f coll) or (filter f coll) where f is a defn of this unit made of effect-free
        builtins (lift.inlinable_defs): while the global still holds that very function and
        coll is not lazy, a comprehension over f's body; if it raises, the ordinary call runs
        again to report the error as it would (with f in the call stack); otherwise the
        ordinary call, the site it always was (issue #14, the compute rows)."""
        fn = self.mod.inlinable[n.args[0].name]
        g, c = (self.simple(a, out, n.span) for a in self.args(n.args, out, n.span))
        reads = g.reads | c.reads
        target = self.temp()
        x = self.local_names[fn.params[0]] = self.temp()
        scratch: list = []
        body = self.value(fn.body, scratch)
        if scratch:
            raise InternalError("cps: an inlined defn's body made a statement")
        items = f"B_items({c.text}{'' if name == 'map' else ', ' + repr(name)})"
        if name == "map":
            comp = f"PLIST([{body.text} for {x} in {items}])"
        else:
            comp = f"PLIST([{x} for {x} in {items} if {self.truth(body, [], n.span).text}])"
        builtin = f"C_{mangle(name)}"
        test = Expr(f"({g.text} is F_{self.mod.base_of(fn)} and not B_{mangle('%lazy?')}({c.text}))", reads)
        err = self.temp()
        # the call that reports the error runs no user code: at depth 1 it cannot unwind
        again = Assign(n.span, target, Expr(f"{builtin}(1, {g.text}, {c.text})", reads))
        fast = Try(n.span, (Assign(n.span, target, Expr(comp, reads)),), err, False, (again,))
        site = Site(n.span, target, Expr(f"{builtin}(d + 1, {g.text}, {c.text})", reads | {"d"}),
                    len(self.sites) + 1, self.point_of(n))
        self.sites.append(site)
        self.site_defined.append(set(self.defined))
        out.append(If(n.span, test, (fast,), (site,)))
        self.defined.add(target)
        return Expr(target, frozenset([target]), simple=True)

    def point_of(self, n: ir.Call) -> str:
        """The site's suspension point as a user names it (#10 item 5): `checkpoint:NAME` for
        the shift of a (checkpoint "NAME" ...), else the callee and its ordinal among this
        function's sites that call it (`work#1`, `m/f#2`), so a site added or removed
        elsewhere in the function does not rename it."""
        name = checkpoint_name(n)
        if name is not None:
            label = "checkpoint:" + name
        else:
            f = n.fn
            label = (f.name if type(f) in (ir.Global, ir.Core) else f"{f.module}/{f.name}" if type(f) is ir.ModuleRef
                     else f.var.name if type(f) is ir.Local else "%call")
        count = self.point_counts[label] = self.point_counts.get(label, 0) + 1
        return label if label.startswith("checkpoint:") and count == 1 else f"{label}#{count}"

    def arity_matches(self, n: int) -> bool:
        fixed = len(self.fn.params)
        return n == fixed or (self.fn.rest is not None and n >= fixed)

    # statements ---------------------------------------------------------------------------

    def structured(self, n: ir.Node, out: list, context) -> bool:
        """Lower an if, do, let or declare, handing the parts in the same position as n to
        `context` (assign to a target, discard, or return). False for any other node."""
        t = type(n)
        if t is ir.If:
            v = self.list_test_var(n.test)
            if v is None:
                names = self.int_test_vars(n)
                if names:
                    self.int_versioned_if(n, out, context, names)
                else:
                    self.if_(n, out, context)
                return True
            # (if (empty? xs) ...) and the like, xs a local: when xs is a list the whole if
            # reads its cells with no further type test; else as it was. Only for an if that
            # holds no call site, since its branches are compiled twice.
            nsites = len(self.sites)
            generic: list = []
            self.if_(n, generic, context)
            if len(self.sites) != nsites:
                out.extend(generic)
                return True
            name = self.py(v)
            fast: list = []
            self.list_vars.add(name)
            self.if_(n, fast, context)
            self.list_vars.discard(name)
            out.append(If(n.span, Expr(f"type({name}) is PListT", frozenset([name]), True),
                          tuple(fast), tuple(generic)))
        elif t is ir.Do:
            for x in n.body[:-1]:
                self.effect(x, out)
            context(n.body[-1], out)
        elif t is ir.Let:
            self.bind(n, out)
            context(n.body, out)
        elif t is ir.Declare:
            self.declare(n, out)
            context(n.body, out)
        else:
            return False
        return True

    def int_test_vars(self, n: ir.If) -> list[str]:
        """The locals that an inlined operator of the if's test reads and that are not known
        to be ints: defined before the if, not boxed, never set! inside it, not already
        versioned on. An int version of the if tests their type once instead of a guard per
        operator (#14 item nqueens: (= c col) and (- c col)); so only for a test with two
        operators or more that guard (= of a literal does not: it tests the type on a match)."""
        if not types.ENABLED or not INT_IFS or self.int_versioning:
            return []
        test = n.test
        found: list[str] = []
        assigned = set_locals(n)

        def walk(x):
            if type(x) is ir.Call and type(x.fn) is ir.Core and x.fn.name in self.mod.pure:
                # not (= x 0): `x == 0 and type(x) is int` tests the type only on a match
                lazy = x.fn.name == "=" and any(type(a) is ir.Const for a in x.args)
                if (x.fn.name in GUARDED or x.fn.name in ("+", "*")) and not lazy:
                    ops.append(x)
                    for a in x.args:
                        if type(a) is ir.Local and not a.var.boxed and self.var_name(a.var) == self.py(a.var) \
                                and a.var not in assigned:
                            name = self.py(a.var)
                            if name in self.defined and name not in self.int_vars and name not in self.bool_vars \
                                    and name not in found:
                                found.append(name)
                for a in x.args:
                    walk(a)
            elif type(x) is ir.Let:
                walk(x.init)
                walk(x.body)
            elif type(x) is ir.If:
                walk(x.test)
                walk(x.then)
                walk(x.else_)
        ops: list = []
        walk(test)
        # one operator: its guard is the one type test the version would make instead
        return found if len(ops) >= 2 else []

    def int_versioned_if(self, n: ir.If, out: list, context, names: list[str]):
        """The if twice, for `names` all ints and as it is, when that saves a guard and the if
        holds no call site (its branches are compiled twice, as for a list: structured)."""
        nsites = len(self.sites)
        generic: list = []
        self.if_(n, generic, context)
        if len(self.sites) != nsites:
            out.extend(generic)
            return
        self.int_versioning = True
        self.int_vars |= set(names)
        fast: list = []
        try:
            self.if_(n, fast, context)
        finally:
            self.int_vars -= set(names)
            self.int_versioning = False
        if len(self.sites) != nsites:
            raise InternalError("cps: an if lowered again grew a call site")
        if unmarked_repr(fast) == unmarked_repr(generic):
            out.extend(generic)
            return
        test = " and ".join(f"type({x}) is int" for x in names)
        out.append(If(n.span, Expr(test, frozenset(names), True), tuple(fast), tuple(generic)))

    def if_(self, n: ir.If, out: list, context):
        test = self.condition(n.test, out)
        then, els = [], []
        before = set(self.defined)
        context(n.then, then)
        self.defined = set(before)
        context(n.else_, els)
        self.defined = before
        out.append(If(n.span, test, tuple(then), tuple(els)))

    def list_test_var(self, test: ir.Node) -> ir.Var | None:
        """v when the test is (empty? v), (first v), (rest v) or (count v) of a local v not yet
        known to be a list, outside any other such if."""
        if not types.ENABLED or self.list_vars or type(test) is not ir.Call or len(test.args) != 1:
            return None
        f, a = test.fn, test.args[0]
        if type(f) is ir.Core and f.name in LIST_FAST and f.name in self.mod.pure \
                and type(a) is ir.Local and not a.var.boxed and self.var_name(a.var) == self.py(a.var):
            return a.var
        return None

    def condition(self, n: ir.Node, out: list) -> Expr:
        """n as the test of an if: only its truth counts, so an `or` whose later operands run
        no user code is Python's `or` of their truths (no temporary holding the value)."""
        parts = or_parts(n, self.mod.pure) if types.ENABLED else None
        if parts is None:
            return self.truth(self.value(n, out), out, getattr(n, "span", None))
        first, rest = parts
        a = self.condition(first, out)
        b = self.condition(rest, [])   # or_parts checked that it makes no statement
        return Expr(f"({a.text} or {b.text})", a.reads | b.reads, True)

    def assign(self, n: ir.Node, target: str, out: list):
        """Evaluate n and store it in `target` on every path."""
        def context(node, block):
            self.assign(node, target, block)
        if self.structured(n, out, context):
            return
        if type(n) is ir.Try:
            self.try_(n, out, context)
            return
        e = self.value(n, out)
        out.append(Assign(getattr(n, "span", None), target, e))
        self.assigned_bool[target] = self.assigned_bool.get(target, True) and e.boolean

    def effect(self, n: ir.Node, out: list):
        """Evaluate n for its effects only."""
        t = type(n)
        if t in (ir.Const, ir.Local, ir.Global, ir.Core, ir.Fn) or self.structured(n, out, self.effect):
            return
        if t is ir.Try:
            self.try_(n, out, self.effect)
            return
        if t is ir.Call:
            e = self.call(n, out, tail=False)
            if e is not None and not e.simple:  # a site's result is already a temporary
                out.append(Evaluate(n.span, e))
            return
        e = self.value(n, out)
        if not e.simple:
            out.append(Evaluate(getattr(n, "span", None), e))

    def tail(self, n: ir.Node, out: list):
        """Evaluate n as what the function returns."""
        t = type(n)
        if self.structured(n, out, self.tail):
            return
        if t is ir.Call:
            e = self.call(n, out, tail=True)
            if e is not None:
                out.append(Return(n.span, e))
            return
        if t is ir.Try:  # a call inside try is not a tail call: its frame reinstalls the handler
            target = self.temp()
            self.assign(n, target, out)
            out.append(Return(n.span, Expr(target, frozenset([target]))))
            return
        out.append(Return(getattr(n, "span", None), self.value(n, out)))

    def bind(self, n: ir.Let, out: list):
        if lift.ENABLED and lift.liftable(n):   # no closure: a module function, called directly
            self.mod.lift(n.var, n.init)
            return
        e = self.value(n.init, out)
        v = n.var
        name = self.py(v)
        if v.boxed:
            e = Expr(f"Box({e.text})", e.reads)
        elif e.boolean:  # a let-bound name is never assigned again: it stays a plain bool
            self.bool_vars.add(name)
        elif e.ptype == INT:
            self.int_vars.add(name)
        out.append(Assign(n.span, name, e))
        self.defined.add(name)

    def declare(self, n: ir.Declare, out: list):
        for v in n.vars:
            if v.boxed:
                out.append(Assign(n.span, self.py(v), Expr("Box()")))
                self.defined.add(self.py(v))

    def try_(self, n: ir.Try, out: list, compile_body):
        body, handler = [], []
        before = set(self.defined)
        compile_body(n.body, body)
        self.defined = set(before)
        var = self.py(n.var)
        self.defined.add(var)
        compile_body(n.handler, handler)
        self.defined = before
        out.append(Try(n.span, tuple(body), var, n.var.boxed, tuple(handler)))


def set_locals(n) -> set:
    """The variables a set! inside n assigns (any node: a conservative walk of its fields)."""
    out: set = set()
    stack = [n]
    while stack:
        x = stack.pop()
        if type(x) is ir.SetLocal:
            out.add(x.var)
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif hasattr(x, "__dataclass_fields__") and not isinstance(x, ir.Var):
            stack.extend(getattr(x, f) for f in x.__dataclass_fields__)
    return out


def checkpoint_name(n: ir.Call) -> str | None:
    """NAME when the call is the shift of a `(checkpoint "NAME" ...)` expansion (stdlib/core.tm):
    (%shift (fn [k] (do (%write-checkpoint (str "checkpoint-" "NAME" ".bin") k) ...)))."""
    if type(n.fn) is not ir.Core or n.fn.name != "%shift" or len(n.args) != 1 or type(n.args[0]) is not ir.Fn:
        return None
    body = n.args[0].body
    for form in (body.body if type(body) is ir.Do else [body]):
        if type(form) is ir.Call and type(form.fn) is ir.Core and form.fn.name == "%write-checkpoint" \
                and form.args and type(form.args[0]) is ir.Call and type(form.args[0].fn) is ir.Core \
                and form.args[0].fn.name == "str" and all(type(a) is ir.Const for a in form.args[0].args):
            text = "".join(str(a.value) for a in form.args[0].args)
            if text.startswith("checkpoint-") and text.endswith(".bin"):
                return text[len("checkpoint-"):-len(".bin")]
    return None


def or_parts(n: ir.Node, pure: frozenset):
    """(first, rest) when n is an `or`'s expansion, (let [v first] (if v v rest)), whose rest
    makes no statement and does not read v (expander/derived.py); else None."""
    if not (type(n) is ir.Let and not n.var.boxed and type(n.body) is ir.If):
        return None
    test, then, rest = n.body.test, n.body.then, n.body.else_
    if not (type(test) is ir.Local and test.var is n.var and type(then) is ir.Local and then.var is n.var):
        return None
    if not (lift.only_called(rest, n.var, -1, False, True) and makes_no_statement(rest, pure)):
        return None
    return n.init, rest


def makes_no_statement(n: ir.Node, pure: frozenset) -> bool:
    """Lowering n as a condition emits no statement: it is simple, or an `or` of such."""
    parts = or_parts(n, pure)
    if parts is not None:
        return makes_no_statement(parts[0], pure)
    return is_simple(n, pure) and type(n) is not ir.Fn
