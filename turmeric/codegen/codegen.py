"""Stage 4: IR -> Python source. Each function becomes two specializations:

* the direct function, plain Python that runs when nothing is captured: native locals, inline
  arithmetic, self tail calls as a loop, and at every non-tail call site a `try` whose handler
  appends the frame (resume entry, live locals) to the passing Unwind and re-raises;
* one resume entry per call site: the rest of the function after that site, given the value
  the call returned and the live locals. It runs only when a continuation is resumed.

The body is first lowered to a small statement tree (A-normal form: every non-tail call of
user code is a numbered `Site`), then printed twice: once as the direct function and, for each
site, the statements that follow it on the way out of every enclosing block.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from turmeric.analyzer import ir
from turmeric.data.code import FnInfo, SiteInfo
from turmeric.data.code import CompiledModule
from turmeric.data.errors import InternalError
from turmeric.data.names import mangle, mangle_field
from turmeric.data.values import Keyword, PList, PMap, PSet, Regex, Symbol, is_vector

DEPTH_LIMIT = 1000   # Turmeric calls on the Python stack before it moves to the heap


@dataclass(slots=True)
class E:
    """A Python expression: its text, the locals it reads, and whether it is a plain bool."""
    text: str
    reads: frozenset = frozenset()
    boolean: bool = False
    simple: bool = False     # a name or a constant: cheap to evaluate twice, no side effects


# -- the statement tree ------------------------------------------------------------------

@dataclass(eq=False)
class S:
    span: object = None


@dataclass(eq=False)
class SAssign(S):
    target: str = ""
    expr: E = None


@dataclass(eq=False)
class SExpr(S):
    expr: E = None


@dataclass(eq=False)
class SSite(S):
    target: str | None = None
    call: E = None
    site: int = 0


@dataclass(eq=False)
class SIf(S):
    test: E = None
    then: list = field(default_factory=list)
    else_: list = field(default_factory=list)


@dataclass(eq=False)
class SReturn(S):
    expr: E = None


@dataclass(eq=False)
class STailSelf(S):
    args: list = field(default_factory=list)   # E per parameter
    rest: E | None = None                      # the rest list, if the fn has & rest
    self_reads: frozenset = frozenset()        # the closure's own name, read when resumed


@dataclass(eq=False)
class STry(S):
    body: list = field(default_factory=list)
    var: str = ""
    boxed: bool = False
    handler: list = field(default_factory=list)


@dataclass(eq=False)
class SFor(S):
    """for var in iter: body — only around code that holds no call site."""
    var: str = ""
    iter: E = None
    body: list = field(default_factory=list)


@dataclass(eq=False)
class SRaw(S):
    text: str = ""
    reads: frozenset = frozenset()


def reads_of(stmts) -> set:
    out: set = set()
    for s in stmts:
        t = type(s)
        if t in (SAssign, SExpr, SReturn):
            out |= s.expr.reads
        elif t is SSite:
            out |= s.call.reads
        elif t is SIf:
            out |= s.test.reads | reads_of(s.then) | reads_of(s.else_)
        elif t is STailSelf:
            out |= s.self_reads
            for a in s.args:
                out |= a.reads
            if s.rest is not None:
                out |= s.rest.reads
        elif t is STry:
            out |= reads_of(s.body) | reads_of(s.handler)
        elif t is SRaw:
            out |= s.reads
        elif t is SFor:
            out |= s.iter.reads | (reads_of(s.body) - {s.var})
    return out


# -- constants ---------------------------------------------------------------------------

class Constants:
    """Constants that are not Python literals become module globals built when it loads."""

    def __init__(self):
        self.defs: list[str] = []
        self.cache: dict = {}
        self.keywords: set[str] = set()   # names of the constants that are keywords

    def ref(self, value) -> str:
        lit = python_literal(value)
        if lit is not None:
            return lit
        src = self.build(value)
        name = self.cache.get(src)
        if name is None:
            name = f"Q_{len(self.defs)}"
            self.defs.append(f"{name} = {src}")
            self.cache[src] = name
            if type(value) is Keyword:
                self.keywords.add(name)
        return name

    def build(self, v) -> str:
        lit = python_literal(v)
        if lit is not None:
            return lit
        t = type(v)
        if t is Keyword:
            return f"KW({v.name!r})"
        if t is Symbol:
            return f"SYM({v.name!r})"
        if t is PList:
            return f"PLIST([{', '.join(self.build(x) for x in v)}])"
        if is_vector(v):
            return f"VEC([{', '.join(self.build(x) for x in v)}])"
        if t is PMap:
            return "PMAP([" + ", ".join(f"({self.build(k)}, {self.build(x)})" for k, x in v.items()) + "])"
        if t is PSet:
            return f"PSET([{', '.join(self.build(x) for x in v)}])"
        if t is tuple:
            return "(" + "".join(self.build(x) + ", " for x in v) + ")"
        if t is Regex:
            return f"REGEX({v.pattern!r})"
        raise InternalError(f"codegen: no way to write the constant {v!r} ({t.__name__})")


def python_literal(v) -> str | None:
    if v is None or v is True or v is False:
        return repr(v)
    t = type(v)
    if t is int:
        return repr(v) if v >= 0 else f"({v!r})"
    if t is float:
        if math.isnan(v):
            return "NAN"
        if math.isinf(v):
            return "INF" if v > 0 else "(-INF)"
        return repr(v) if v >= 0 else f"({v!r})"
    if t in (str, bytes):
        return repr(v)
    return None


# -- lowering one function ---------------------------------------------------------------

COMPREHENSIONS = frozenset({"map", "filter"})
INLINE_OPS = {"+": "+", "-": "-", "*": "*", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
LIST_FAST = {"first": ("{}.first", False), "rest": ("{}.rest", False),
             "empty?": ("{}.count == 0", True), "count": ("{}.count", False)}
NUMERIC_TYPES = (int, float)


class FnLowering:
    """Lowers one ir.Fn to a statement tree; nested Fns are handed back to the module."""

    def __init__(self, mod: "ModuleCodegen", fn: ir.Fn, self_name: str | None):
        self.mod = mod
        self.fn = fn
        self.self_name = self_name      # Python name the function calls itself by
        self.temps = 0
        self.sites: list[SSite] = []
        self.site_spans: list = []
        self.globals_set: set[str] = set()
        self.has_loop = False
        self.defined: set[str] = set(v.pyname for v in fn.params)
        if fn.rest is not None:
            self.defined.add(fn.rest.pyname)
        self.defined |= {v.pyname for v in fn.free}
        if fn.self_var is not None and fn.free:
            self.defined.add(fn.self_var.pyname)   # a closure's name for itself: a cell
        self.site_defined: list[set] = []
        self.bool_vars: set[str] = set()   # locals bound to a Python bool (tested without `is`)
        self.assigned_bool: dict[str, bool] = {}  # temporary -> every value it got was a bool

    def temp(self) -> str:
        self.temps += 1
        return f"t{self.temps}"

    # expressions in value context ------------------------------------------------------

    def value(self, n: ir.Node, out: list) -> E:
        t = type(n)
        if t is ir.Const:
            return E(self.mod.consts.ref(n.value), simple=True)
        if t is ir.Local:
            v = n.var
            name = self.var_name(v)
            reads = frozenset([name]) if name == v.pyname else frozenset()
            return E(f"{name}.v" if v.boxed else name, reads, simple=not v.boxed,
                     boolean=name in self.bool_vars)
        if t is ir.Global:
            return E(f"g_{mangle(n.name)}")
        if t is ir.ModuleRef:
            return E(f"M_{mangle(n.module)}[{'g_' + mangle(n.name)!r}]")
        if t is ir.Core:
            return E(f"C_{mangle(n.name)}", simple=True)
        if t is ir.Field:
            obj = self.value(n.obj, out)
            return E(f"{self.mod.mark(n.span)}{obj.text}.{mangle_field(n.field)}", obj.reads)
        if t is ir.Fn:
            return self.mod.closure(n, self)
        if t is ir.Call:
            return self.call(n, out, tail=False)
        if t in (ir.If, ir.Let, ir.Do, ir.Declare, ir.Try):
            target = self.temp()
            self.assign(n, target, out)
            self.defined.add(target)
            boolean = self.assigned_bool.get(target, False)  # a bool on every path
            return E(target, frozenset([target]), boolean, simple=True)
        if t is ir.SetLocal:
            val = self.value(n.value, out)
            v = n.var
            if v.boxed:
                out.append(SAssign(n.span, f"{v.pyname}.v", val))
                return E(f"{v.pyname}.v", frozenset([v.pyname]))
            out.append(SAssign(n.span, v.pyname, val))
            self.defined.add(v.pyname)
            return E(v.pyname, frozenset([v.pyname]), simple=True)
        if t is ir.SetGlobal:
            val = self.value(n.value, out)
            g = f"g_{mangle(n.name)}"
            out.append(SAssign(n.span, g, val))
            self.globals_set.add(g)
            return E(g)
        raise InternalError(f"codegen: no case for {t.__name__} at {getattr(n, 'span', None)}")

    def var_name(self, v: ir.Var) -> str:
        if v.is_self and v is self.fn.self_var and self.self_name:
            return self.self_name
        return v.pyname

    def simple(self, e: E, out: list, span) -> E:
        """Make `e` safe to evaluate twice and in a later statement."""
        if e.simple:
            return e
        t = self.temp()
        out.append(SAssign(span, t, e))
        self.defined.add(t)
        return E(t, frozenset([t]), e.boolean, simple=True)

    def args(self, nodes: list, out: list, span) -> list[E]:
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

    def truth(self, e: E, out: list, span) -> E:
        if e.boolean:
            return e
        if e.simple and (python_literal_kind(e.text) is not None):
            return E("False" if e.text in ("None", "False") else "True", frozenset(), True, True)
        first, again = self.once(e)
        return E(f"({first} is not None and {again} is not False)", e.reads, True)

    def once(self, e: E) -> tuple[str, str]:
        """Texts for the first and the later uses of e in one expression: evaluated once,
        through a temporary (:=) unless it is a name or a constant. No statement is made, so
        this works inside a comprehension too. The first use must be evaluated on every path
        (so `type(a0) is type(b0) is int`, never `type(a0) is int is type(b0)`)."""
        if e.simple:
            return e.text, e.text
        t = self.temp()
        return f"({t} := {e.text})", t

    def call(self, n: ir.Call, out: list, tail: bool):
        f = n.fn
        if type(f) is ir.Core and f.name in self.mod.pure:
            return self.pure_call(f.name, n, out)
        if type(f) is ir.Core and f.name == "reduce" and self.reducible(n):
            e = self.reduce_loop(n, out)
            if tail:
                out.append(SReturn(n.span, e))
                return None
            return e
        if type(f) is ir.Core and f.name in COMPREHENSIONS and self.comprehensible(n):
            e = self.comprehension(f.name, n, out)
            if tail:
                out.append(SReturn(n.span, e))
                return None
            return e
        if (tail and type(f) is ir.Local and f.var.is_self and f.var is self.fn.self_var
                and self.self_name and self.arity_matches(len(n.args))):
            args = self.args(n.args, out, n.span)
            nfix = len(self.fn.params)
            rest = None
            if self.fn.rest is not None:
                rest = E("PLIST([" + ", ".join(a.text for a in args[nfix:]) + "])" if args[nfix:] else "None",
                         frozenset().union(*(a.reads for a in args[nfix:])))
            self_reads = frozenset([self.self_name]) if self.fn.free else frozenset()
            out.append(STailSelf(n.span, args[:nfix], rest, self_reads))
            self.has_loop = True
            return None
        fe = self.value(f, out) if not is_simple(f, self.mod.pure) or not n.args else None
        args = self.args(n.args, out, n.span)
        if fe is None:
            fe = self.value(f, out)
        text = f"{fe.text}(d + 1{''.join(', ' + a.text for a in args)})"
        reads = fe.reads.union(*(a.reads for a in args)) | {"d"}
        call = E(text, frozenset(reads))
        if tail:
            out.append(SReturn(n.span, call))
            return None
        target = self.temp()
        site = SSite(n.span, target, call, len(self.sites) + 1)
        self.sites.append(site)
        self.site_defined.append(set(self.defined))
        out.append(site)
        self.defined.add(target)
        return E(target, frozenset([target]), simple=True)

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

    def reduce_loop(self, n: ir.Call, out: list) -> E:
        fn, init, coll = n.args
        for v in fn.params:  # the loop runs in this function's scope: fresh names, no clash
            v.pyname = self.temp()
        acc, x = (v.pyname for v in fn.params)
        items = self.value(coll, out)
        start = self.value(init, out)
        out.append(SAssign(n.span, acc, start))
        self.defined |= {acc, x}
        body: list = []
        e = self.value(fn.body, body)
        body.append(SAssign(n.span, acc, e))
        out.append(SFor(n.span, x, E(f"{self.mod.mark(n.span)}B_items({items.text})", items.reads), body))
        result = self.temp()
        out.append(SAssign(n.span, result, E(acc, frozenset([acc]))))
        self.defined.add(result)
        return E(result, frozenset([result]), simple=True)

    def comprehension(self, name: str, n: ir.Call, out: list) -> E:
        fn, coll = n.args
        c = self.value(coll, out)
        x = fn.params[0].pyname
        self.defined.add(x)
        scratch: list = []
        body = self.value(fn.body, scratch)
        if scratch:
            raise InternalError("codegen: a comprehension body made a statement")
        reads = (body.reads - {x}) | c.reads
        items = f"{self.mod.mark(n.span)}B_items({c.text})"
        if name == "map":
            return E(f"PLIST([{body.text} for {x} in {items}])", reads)
        test = self.truth(body, [], n.span)
        return E(f"PLIST([{x} for {x} in {items} if {test.text}])", reads)

    def arity_matches(self, n: int) -> bool:
        fixed = len(self.fn.params)
        return n == fixed or (self.fn.rest is not None and n >= fixed)

    def pure_call(self, name: str, n: ir.Call, out: list) -> E:
        args = self.args(n.args, out, n.span)
        reads = frozenset().union(*(a.reads for a in args)) if args else frozenset()
        inline = self.inline(name, args, out, n.span)
        if inline is not None:
            inline.text = self.mod.mark(n.span) + inline.text
            return inline
        text = f"{self.mod.mark(n.span)}B_{mangle(name)}({', '.join(a.text for a in args)})"
        return E(text, reads, boolean=name.endswith("?") or name in ("=", "not=", "not"))

    def inline(self, name: str, args: list[E], out: list, span) -> E | None:
        reads = frozenset().union(*(a.reads for a in args)) if args else frozenset()
        if name == "not" and len(args) == 1:
            a = self.truth(args[0], out, span)
            if a.text in ("True", "False"):
                return E("False" if a.text == "True" else "True", frozenset(), True, True)
            if args[0].boolean:
                return E(f"(not {args[0].text})", args[0].reads, True)
            a0, a1 = self.once(args[0])
            return E(f"({a0} is None or {a1} is False)", args[0].reads, True)
        if name == "nil?" and len(args) == 1:
            return E(f"({args[0].text} is None)", reads, True)
        if name in LIST_FAST and len(args) == 1 and not python_literal_kind(args[0].text):
            # the common case, a list, read straight from its cell; anything else: the builtin
            a0, a1 = self.once(args[0])
            fast, boolean = LIST_FAST[name]
            return E(f"({fast.format(a1)} if type({a0}) is PListT else B_{mangle(name)}({a1}))",
                     args[0].reads, boolean)
        if name == "abs" and len(args) == 1:
            a0, a1 = self.once(args[0])
            return E(f"(abs({a1}) if type({a0}) is int else B_abs({a1}))", args[0].reads)
        if name == "mod" and len(args) == 2 and literal_type(args[1].text) == "int" \
                and args[1].text.strip("()") not in ("0", "-0"):
            # a nonzero integer divisor: Python's % has Clojure's mod sign rule
            a0, a1 = self.once(args[0])
            return E(f"({a1} % {args[1].text} if type({a0}) is int "
                     f"else B_mod({a1}, {args[1].text}))", reads)
        if name in ("inc", "dec") and len(args) == 1:
            a0, a1 = self.once(args[0])
            op = "+" if name == "inc" else "-"
            return E(f"({a1} {op} 1 if type({a0}) is int else B_{mangle(name)}({a1}))", args[0].reads)
        if name == "=" and len(args) == 2:
            for a, b in (args, args[::-1]):
                if a.text in ("None", "True", "False") or self.mod.consts_is_keyword(a.text):
                    return E(f"({b.text} is {a.text})", reads, True)
                lit_type = literal_type(a.text)
                if lit_type is not None:
                    # == alone would equate 0, 0.0 and false; the type test runs only on a match
                    b0, b1 = self.once(b)
                    return E(f"({b0} == {a.text} and type({b1}) is {lit_type})", reads, True)
            (a0, a1), (b0, b1) = self.once(args[0]), self.once(args[1])
            return E(f"({a1} == {b1} if type({a0}) is type({b0}) is int "
                     f"else B__e({a1}, {b1}))", reads, True)
        op = INLINE_OPS.get(name)
        if op is None or len(args) < 2:
            if name == "-" and len(args) == 1:
                a0, a1 = self.once(args[0])
                return E(f"(-{a1} if type({a0}) is int else B__h({a1}))", args[0].reads)
            return None
        if op in ("<", ">", "<=", ">=") and len(args) > 2:
            return None
        acc = args[0]
        for b in args[1:]:
            acc = self.binop(name, op, acc, b, out, span)
        return acc

    def binop(self, name, op, a: E, b: E, out, span) -> E:
        reads = a.reads | b.reads
        boolean = op in ("<", ">", "<=", ">=")
        if not_a_number_literal(a.text) or not_a_number_literal(b.text):
            # a constant that is not a number: the builtin reports it (with its value)
            return E(f"B_{mangle(name)}({a.text}, {b.text})", reads, boolean)
        # Python's operator itself: it rejects nil, keywords, maps, lists and mixed types;
        # what it accepts beyond numbers is documented (spec/language.md, "Numbers").
        # `*` keeps a guard, since Python repeats a string or vector times an integer.
        if op != "*" or is_number_literal(a.text) and is_number_literal(b.text):
            return E(f"({a.text} {op} {b.text})", reads, boolean)
        if a.text == b.text and a.simple:  # (* x x): one test
            return E(f"({a.text} {op} {a.text} if type({a.text}) is int "
                     f"else B_{mangle(name)}({a.text}, {a.text}))", reads, boolean)
        (a0, a1), (b0, b1) = self.once(a), self.once(b)
        return E(f"({a1} {op} {b1} if type({a0}) is type({b0}) is int "
                 f"else B_{mangle(name)}({a1}, {b1}))", reads, boolean)

    # statements ---------------------------------------------------------------------------

    def structured(self, n: ir.Node, out: list, context) -> bool:
        """Lower an if, do, let or declare, handing the parts in the same position as n to
        `context` (assign to a target, discard, or return). False for any other node."""
        t = type(n)
        if t is ir.If:
            test = self.truth(self.value(n.test, out), out, n.span)
            then, els = [], []
            before = set(self.defined)
            context(n.then, then)
            self.defined = set(before)
            context(n.else_, els)
            self.defined = before
            out.append(SIf(n.span, test, then, els))
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
        out.append(SAssign(getattr(n, "span", None), target, e))
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
                out.append(SExpr(n.span, e))
            return
        e = self.value(n, out)
        if not e.simple:
            out.append(SExpr(getattr(n, "span", None), e))

    def tail(self, n: ir.Node, out: list):
        """Evaluate n as what the function returns."""
        t = type(n)
        if self.structured(n, out, self.tail):
            return
        if t is ir.Call:
            e = self.call(n, out, tail=True)
            if e is not None:
                out.append(SReturn(n.span, e))
            return
        if t is ir.Try:  # a call inside try is not a tail call: its frame reinstalls the handler
            target = self.temp()
            self.assign(n, target, out)
            out.append(SReturn(n.span, E(target, frozenset([target]))))
            return
        out.append(SReturn(getattr(n, "span", None), self.value(n, out)))

    def bind(self, n: ir.Let, out: list):
        e = self.value(n.init, out)
        v = n.var
        if v.boxed:
            e = E(f"Box({e.text})", e.reads)
        elif e.boolean:  # a let-bound name is never assigned again: it stays a plain bool
            self.bool_vars.add(v.pyname)
        out.append(SAssign(n.span, v.pyname, e))
        self.defined.add(v.pyname)

    def declare(self, n: ir.Declare, out: list):
        for v in n.vars:
            if v.boxed:
                out.append(SAssign(n.span, v.pyname, E("Box()")))
                self.defined.add(v.pyname)

    def try_(self, n: ir.Try, out: list, compile_body):
        body, handler = [], []
        before = set(self.defined)
        compile_body(n.body, body)
        self.defined = set(before)
        self.defined.add(n.var.pyname)
        compile_body(n.handler, handler)
        self.defined = before
        out.append(STry(n.span, body, n.var.pyname, n.var.boxed, handler))


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


def not_a_number_literal(text: str) -> bool:
    return text in ("None", "True", "False") or text.startswith(("'", '"', "Q_", "b'", 'b"'))


def python_literal_kind(text: str) -> str | None:
    """'const' if the text is a Python literal the compiler wrote (a number, string, nil,
    true, false or a Q_ constant), else None."""
    if text in ("None", "True", "False") or text.startswith(("'", '"', "Q_")) or is_number_literal(text):
        return "const"
    return None


def literal_type(text: str) -> str | None:
    """The Python type of a literal's text (int, float or str), else None."""
    if text.startswith(("'", '"')):
        return "str"
    if not is_number_literal(text) or text.strip("()") in ("INF", "-INF", "NAN"):
        return None
    return "float" if any(c in text for c in ".eE") else "int"


def is_number_literal(text: str) -> bool:
    t = text.strip("()")
    try:
        float(t)
        return True
    except ValueError:
        return False




# -- printing the statement tree -----------------------------------------------------------

class Printer:
    """Writes statements as Python lines, recording the span of each line.

    An expression marked with the span of the form it comes from (see ModuleCodegen.mark)
    starts a new physical line when it is inside brackets, so a Python traceback's line
    number names the exact Turmeric call that failed, not just the statement."""

    def __init__(self, lines: list[str], spans: list, marks: list):
        self.lines = lines
        self.spans = spans
        self.marks = marks

    def emit(self, indent: int, text: str, span):
        if MARK not in text:
            self.lines.append("    " * indent + text)
            self.spans.append(span)
            return
        for k, (segment, sp) in enumerate(split_marked(text, span, self.marks)):
            self.lines.append("    " * (indent + (2 if k else 0)) + segment)
            self.spans.append(sp)

    def block(self, stmts: list, indent: int, mode: "Mode"):
        if not stmts:
            self.emit(indent, "pass", None)
            return
        for s in stmts:
            self.stmt(s, indent, mode)

    def stmt(self, s, indent: int, mode: "Mode"):
        t = type(s)
        if t is SAssign:
            self.emit(indent, f"{s.target} = {s.expr.text}", s.span)
        elif t is SExpr:
            self.emit(indent, s.expr.text, s.span)
        elif t is SRaw:
            self.emit(indent, s.text, s.span)
        elif t is SReturn:
            self.emit(indent, f"return {s.expr.text}", s.span)
        elif t is SSite:
            live = mode.live[s.site - 1]
            entry = mode.entries[s.site - 1]
            frame = f"({entry}, ({''.join(x + ', ' for x in live)}))"
            self.emit(indent, "try:", s.span)
            self.emit(indent + 1, f"{s.target} = {s.call.text}" if s.target else s.call.text, s.span)
            self.emit(indent, "except Unwind as u:", s.span)
            self.emit(indent + 1, f"u.frames.append({frame})", s.span)
            self.emit(indent + 1, "raise", s.span)
        elif t is SIf:
            self.emit(indent, f"if {s.test.text}:", s.span)
            self.block(s.then, indent + 1, mode)
            if s.else_:
                self.emit(indent, "else:", s.span)
                self.block(s.else_, indent + 1, mode)
        elif t is STailSelf:
            names = mode.params
            vals = [a.text for a in s.args] + ([s.rest.text] if s.rest is not None else [])
            if mode.resume:
                self.emit(indent, f"return {mode.self_name}(d{''.join(', ' + v for v in vals)})", s.span)
            else:
                if names:
                    self.emit(indent, f"{', '.join(names)}, = {', '.join(vals)},", s.span)
                self.emit(indent, "continue", s.span)
        elif t is SFor:
            self.emit(indent, f"for {s.var} in {s.iter.text}:", s.span)
            self.block(s.body, indent + 1, mode)
        elif t is STry:
            self.emit(indent, "try:", s.span)
            self.block(s.body, indent + 1, mode)
            self.emit(indent, "except (Thrown, Exception) as e:", s.span)
            conv = "ERROR_VALUE(e)"
            self.emit(indent + 1, f"{s.var} = Box({conv})" if s.boxed else f"{s.var} = {conv}", s.span)
            self.emit(indent + 1, "del e", s.span)
            self.block(s.handler, indent + 1, mode)
        else:
            raise InternalError(f"codegen: cannot print {t.__name__}")


MARK, MARK_END = "\x01", "\x02"


def split_marked(text: str, span, marks: list) -> list[tuple[str, object]]:
    """Break a marked expression into physical lines at the marks inside brackets."""
    out = []
    cur, cur_span, depth, i = "", span, 0, 0
    while i < len(text):
        ch = text[i]
        if ch == MARK:
            j = text.index(MARK_END, i)
            sp = marks[int(text[i + 1:j])]
            i = j + 1
            if depth > 0 and cur.strip():
                out.append((cur, cur_span))
                cur = ""
            cur_span = sp or cur_span
            continue
        if ch in "'\"":
            j = i + 1
            while j < len(text) and text[j] != ch:
                j += 2 if text[j] == "\\" else 1
            cur += text[i:j + 1]
            i = j + 1
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        cur += ch
        i += 1
    out.append((cur, cur_span))
    return out


@dataclass
class Mode:
    resume: bool
    live: list
    entries: list
    params: list
    self_name: str | None


def continuation_after(body: list, site: SSite, first: list) -> list | None:
    """The statements that run after `site` returns: `first` (which receives the value), the
    rest of its block, then the rest of every enclosing block, with a Turmeric try re-wrapped
    around the part that was inside it."""
    for i, s in enumerate(body):
        if s is site:
            return first + body[i + 1:]
        t = type(s)
        if t is SIf:
            for part in (s.then, s.else_):
                inner = continuation_after(part, site, first)
                if inner is not None:
                    return inner + body[i + 1:]
        elif t is STry:
            inner = continuation_after(s.body, site, first)
            if inner is not None:
                return [STry(s.span, inner, s.var, s.boxed, s.handler)] + body[i + 1:]
            inner = continuation_after(s.handler, site, first)
            if inner is not None:
                return inner + body[i + 1:]
    return None


def site_in_try(body: list, site: SSite, inside=False) -> bool | None:
    for s in body:
        if s is site:
            return inside
        t = type(s)
        if t is SIf:
            for part in (s.then, s.else_):
                r = site_in_try(part, site, inside)
                if r is not None:
                    return r
        elif t is STry:
            r = site_in_try(s.body, site, True)
            if r is not None:
                return r
            r = site_in_try(s.handler, site, inside)
            if r is not None:
                return r
    return None


# -- the module ----------------------------------------------------------------------------

class ModuleCodegen:
    def __init__(self, name: str, pure: frozenset):
        self.name = name
        self.pure = pure
        self.infos: list[FnInfo] = []   # every function compiled, in order
        self.consts = Constants()
        self.lines: list[str] = []
        self.spans: list = []
        self.pending: list[ir.Fn] = []
        self.done: set[int] = set()
        self.marks: list = []          # spans referred to by marks in expression text
        self.bases: dict[int, str] = {}
        self.used_bases: set[str] = set()

    def base_of(self, fn: ir.Fn) -> str:
        """The Python name stem of fn's code: its mangled symbol, made unique when a module
        defines the same name twice (the later definition then owns the symbol)."""
        base = self.bases.get(id(fn))
        if base is None:
            base = stem = mangle(fn.info.symbol)
            n = 1
            while base in self.used_bases:
                n += 1
                base = f"{stem}__{n}"
            self.used_bases.add(base)
            self.bases[id(fn)] = base
        return base

    def mark(self, span) -> str:
        """A mark that ties the expression after it to the span of its Turmeric form."""
        if span is None:
            return ""
        self.marks.append(span)
        return f"{MARK}{len(self.marks) - 1}{MARK_END}"

    def consts_is_keyword(self, text: str) -> bool:
        return text in self.consts.keywords

    def closure(self, fn: ir.Fn, parent: FnLowering) -> E:
        """The expression that makes the function value; its code is emitted later."""
        self.pending.append(fn)
        base = self.base_of(fn)
        if not fn.free:
            return E(f"F_{base}", simple=True)
        reads = frozenset(parent.var_name(v) for v in fn.free if parent.var_name(v) == v.pyname)
        args = ", ".join(parent.var_name(v) for v in fn.free)
        return E(f"K_{base}({args})", reads)

    def compile(self, tops: list[ir.Fn], definitions: list[bool], def_names: list) -> CompiledModule:
        names = []
        for fn in tops:
            self.function(fn)
            names.append(f"F_{self.base_of(fn)}")
        while self.pending:
            fn = self.pending.pop(0)
            if id(fn) not in self.done:
                self.function(fn)
        header = [f"# module {self.name}: generated by the Turmeric compiler"] + self.consts.defs
        source = "\n".join(header + self.lines) + "\n"
        spans = [None] * len(header) + self.spans
        return CompiledModule(self.name, source, spans, self.infos, names, definitions, def_names)

    def emit(self, indent, text, span=None):
        self.lines.append("    " * indent + text)
        self.spans.append(span)

    def function(self, fn: ir.Fn):
        self.done.add(id(fn))
        info = fn.info
        base = self.base_of(fn)
        closure = bool(fn.free)
        if closure:
            inner = fn.self_var.pyname if fn.self_var else "fn_"
            self_name = inner
            info.pyname = f"K_{base}"
        else:
            inner = f"F_{base}"
            self_name = inner
            info.pyname = inner
        if fn.self_var is not None and not closure:
            fn.self_var.pyname = inner
        lw = FnLowering(self, fn, self_name)
        body: list = []
        lw.tail(fn.body, body)
        info.free = tuple(v.pyname for v in fn.free)
        info.free_names = tuple(v.name for v in fn.free)

        # live locals and entries of every site
        entries, lives = [], []
        info.sites = []
        for s, defined in zip(lw.sites, lw.site_defined):
            entry = f"R_{base}_{s.site}"
            cont = continuation_after(body, s, [SAssign(s.span, s.target, E("value"))])
            live = tuple(sorted((reads_of(cont) & defined) - {"d", "value"}))
            in_try = bool(site_in_try(body, s))
            entries.append(entry)
            lives.append(live)
            info.sites.append(SiteInfo(s.span, live, tuple(_tname(fn, x) for x in live), in_try, entry))
        params = [v.pyname for v in fn.params]
        rest = fn.rest.pyname if fn.rest is not None else None
        allparams = params + ([rest] if rest else [])
        direct_mode = Mode(False, lives, entries, allparams, self_name)
        gdecl = sorted(lw.globals_set)
        printer = Printer(self.lines, self.spans, self.marks)

        indent = 0
        if closure:
            self.emit(0, f"def K_{base}({', '.join(v.pyname for v in fn.free)}):", info.span)
            indent = 1
        sig = ", ".join(["d"] + params + ([f"*{rest}"] if rest else []))
        self.emit(indent, f"def {inner}({sig}):", info.span)
        redo = ", ".join([self_name] + params + ([f"*{rest}"] if rest else []))
        self.emit(indent + 1, f"if d > {DEPTH_LIMIT}: _depth({redo})", info.span)
        if rest:
            self.emit(indent + 1, f"{rest} = PLIST({rest}) if {rest} else None", info.span)
        if gdecl:
            self.emit(indent + 1, f"global {', '.join(gdecl)}", None)
        boxes = [v for v in fn.params + ([fn.rest] if fn.rest else []) if v.boxed]
        if lw.has_loop:
            self.emit(indent + 1, "while True:", info.span)
            for v in boxes:
                self.emit(indent + 2, f"{v.pyname} = Box({v.pyname})", info.span)
            printer.block(body, indent + 2, direct_mode)
        else:
            for v in boxes:
                self.emit(indent + 1, f"{v.pyname} = Box({v.pyname})", info.span)
            printer.block(body, indent + 1, direct_mode)
        if closure:
            self.emit(1, f"return {inner}", None)

        resume_mode = Mode(True, lives, entries, allparams, self_name)
        for s, entry, live, si in zip(lw.sites, entries, lives, info.sites):
            first = []
            if si.in_try:
                first.append(SRaw(s.span, "if type(value) is Raising: raise value.error"))
            first.append(SAssign(s.span, s.target, E("value")))
            cont = continuation_after(body, s, first)
            self.emit(0, f"def {entry}({', '.join(['d', 'value'] + list(live))}):", s.span)
            if gdecl:
                self.emit(1, f"global {', '.join(gdecl)}", None)
            printer.block(cont, 1, resume_mode)
        self.infos.append(info)


def _tname(fn: ir.Fn, pyname: str) -> str:
    from turmeric.data.names import demangle_any
    if pyname.startswith("t") and pyname[1:].isdigit():
        return "%" + pyname
    return demangle_any(pyname)


def generate(name: str, tops: list[ir.Fn], definitions: list[bool], def_names: list,
             pure: frozenset) -> CompiledModule:
    """Python source for a module's top-level forms (each an ir.Fn of no arguments)."""
    return ModuleCodegen(name, pure).compile(tops, definitions, def_names)
