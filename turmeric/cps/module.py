"""A unit's top-level functions, and every function nested in them, to the CPS form: each
lowered (lower.py), its Python names chosen, and the live variables, resume entry and
enclosing try of every site computed (slices.py). The result is a `CpsModule`, with a
complete `FnInfo` per function; the IR it is given is left as it was."""
from __future__ import annotations

from dataclasses import replace

from turmeric.analyzer import ir
from turmeric.cps.constants import ConstantNames
from turmeric.cps.form import Assign, CpsFunction, CpsModule, Expr, reads_of, unmarked_repr
from turmeric.cps import lift, types
from turmeric.cps.lower import FnLowering
from turmeric.cps.types import INT
from turmeric.cps.slices import continuation_after, site_in_try
from turmeric.data.code import SiteInfo
from turmeric.data.errors import InternalError
from turmeric.data.names import demangle_any, mangle

MARK, MARK_END = "\x01", "\x02"   # around the index of a span in `marks`, inside expression text


class ModuleLowering:
    def __init__(self, name: str, pure: frozenset, unit: int):
        self.name = name
        self.pure = pure
        self.consts = ConstantNames(unit)
        self.functions: list[CpsFunction] = []
        self.pending: list[ir.Fn] = []
        self.done: set[int] = set()
        self.marks: list = []          # spans referred to by marks in expression text
        self.bases: dict[int, str] = {}
        self.used_bases: set[str] = set()
        self.renames: dict[ir.Var, str] = {}   # Python names this stage gives variables
        self.lifted: dict[ir.Var, ir.Fn] = {}   # let-bound fns compiled as module functions (lift.py)
        self.lifted_ids: set[int] = set()
        self.call_types: dict[int, list] = {}    # id(lifted fn) -> per parameter, INT or None
        self.inlinable: dict[str, ir.Fn] = {}    # the unit's defns map and filter may inline

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

    def closure(self, fn: ir.Fn, parent: FnLowering) -> Expr:
        """The expression that makes the function value; the function is lowered later."""
        self.pending.append(fn)
        base = self.base_of(fn)
        if not fn.free:
            return Expr(f"F_{base}", simple=True)
        reads = frozenset(parent.var_name(v) for v in fn.free if parent.var_name(v) == parent.py(v))
        args = ", ".join(parent.var_name(v) for v in fn.free)
        return Expr(f"K_{base}({args})", reads)

    def lift(self, var: ir.Var, fn: ir.Fn):
        """Compile the fn bound to `var` as a module function taking its captured variables
        first (lift.py); its calls are then direct calls (FnLowering.call)."""
        self.lifted[var] = fn
        self.lifted_ids.add(id(fn))
        self.pending.append(fn)

    def passed(self, fn: ir.Fn) -> list[ir.Var]:
        """The captured variables a lifted fn takes as parameters: all but the enclosing
        functions' names for themselves that are module functions (F_...), which it reads as
        the module global they are."""
        return [v for v in fn.free if not (v.is_self and self.renames.get(v, "").startswith("F_"))]

    def lifted_call(self, fn: ir.Fn, parent: FnLowering) -> Expr:
        """The text and reads of the captured arguments of a direct call of a lifted fn,
        each after a comma (they follow `d + 1`: see FnLowering.call)."""
        passed = self.passed(fn)
        reads = frozenset(parent.var_name(v) for v in passed if parent.var_name(v) == parent.py(v))
        return Expr("".join(", " + parent.var_name(v) for v in passed), reads)

    def note_call_types(self, fn: ir.Fn, args: list[Expr]):
        """What a direct call of a lifted fn passes: per parameter, INT if every call so far
        passes an int."""
        got = [a.ptype for a in args]
        had = self.call_types.get(id(fn))
        self.call_types[id(fn)] = got if had is None else [a if a == b else None for a, b in zip(had, got)]

    def lower(self, tops: list[ir.TopLevel]) -> CpsModule:
        if lift.ENABLED:
            self.inlinable = lift.inlinable_defs(tops, self.pure)
        names = []
        for top in tops:
            self.function(top.fn)
            names.append(f"F_{self.base_of(top.fn)}")
        while self.pending:
            fn = self.pending.pop(0)
            if id(fn) not in self.done:
                self.function(fn)
        return CpsModule(self.name, tuple(self.functions), tuple(names),
                         tuple(t.is_definition for t in tops), tuple(t.def_name for t in tops),
                         tuple(t.shows_result for t in tops),
                         tuple(self.consts.pooled), tuple(self.marks))

    def function(self, fn: ir.Fn):
        self.done.add(id(fn))
        base = self.base_of(fn)
        lifted = id(fn) in self.lifted_ids
        closure = bool(fn.free) and not lifted
        if closure:
            inner = fn.self_var.pyname if fn.self_var else "fn_"
            pyname = f"K_{base}"
        else:
            inner = pyname = f"F_{base}"
        if fn.self_var is not None and not closure:
            self.renames[fn.self_var] = inner
        # A lifted fn is called only by the calls its parent made (already lowered) and by its
        # own recurs: a parameter every one of them gives an int is known to be one. Assume it,
        # lower, and lower again without the parameters some recur gives something else.
        assumed = frozenset()
        if lifted and types.ENABLED:
            assumed = frozenset(i for i, t in enumerate(self.call_types.get(id(fn), ())) if t == INT)
        while True:
            lw = FnLowering(self, fn, inner, lifted, assumed)
            body: list = []
            lw.tail(fn.body, body)
            kept = frozenset(i for i in assumed if lw.recur_types is None or lw.recur_types[i] == INT)
            if kept == assumed:
                break
            assumed = kept
        body = tuple(body)
        int_version = self.int_version(fn, inner, lw, assumed, body) if lifted and types.ENABLED else None
        free = tuple(lw.py(v) for v in fn.free)
        lifted_params = tuple(lw.py(v) for v in self.passed(fn)) if lifted else ()
        if lifted:
            free = ()
        sites = []
        for s, defined in zip(lw.sites, lw.site_defined):
            cont = continuation_after(body, s, [Assign(s.span, s.target, Expr("value"))])
            live = tuple(sorted((reads_of(cont) & defined) - {"d", "value"}))
            sites.append(SiteInfo(s.span, live, tuple(readable_name(x) for x in live),
                                  bool(site_in_try(body, s)), f"R_{base}_{s.number}", s.point))
        info = replace(fn.info, pyname=pyname, free=free,
                       free_names=tuple(v.name for v in fn.free) if free else (), sites=tuple(sites))
        params = lifted_params + tuple(lw.py(v) for v in fn.params)
        rest = lw.py(fn.rest) if fn.rest is not None else None
        boxed = tuple(lw.py(v) for v in fn.params + ([fn.rest] if fn.rest else []) if v.boxed)
        self.functions.append(CpsFunction(fn, info, base, inner, inner, params, rest, boxed, free, body,
                                          tuple(lw.sites), tuple(sorted(lw.globals_set)), lw.has_loop,
                                          int_version))

    def int_version(self, fn: ir.Fn, inner: str, lw: FnLowering, assumed: frozenset, body: tuple):
        """(names, body) for a lifted loop with no call site whose body has fewer guards when
        some of its captured variables (passed on unchanged by every recur) are ints: the body
        lowered again knowing they are, which runs when a test at the entry finds them ints
        (issue #14, nqueens: `col` in safe?'s loop). None when no such variable saves a guard.
        A loop with a site is left alone: its resume entries continue one body."""
        if not (lw.has_loop and not lw.sites and fn.rest is None):
            return None
        plain = unmarked_repr(body)
        names = []
        for v in self.passed(fn):
            name = lw.py(v)
            if v.boxed or name in lw.int_vars:
                continue
            if unmarked_repr(self.lowered_knowing(fn, inner, assumed, [name])) != plain:
                names.append(name)
        if not names:
            return None
        again = self.lowered_knowing(fn, inner, assumed, names)
        return tuple(names), again

    def lowered_knowing(self, fn: ir.Fn, inner: str, assumed: frozenset, names: list) -> tuple | None:
        lw = FnLowering(self, fn, inner, True, assumed)
        lw.int_vars |= set(names)
        body: list = []
        lw.tail(fn.body, body)
        if lw.sites or not lw.has_loop:
            raise InternalError("cps: a loop lowered again grew a call site")
        return tuple(body)


def readable_name(pyname: str) -> str:
    """The Turmeric name of a live variable, for inspect (`%t3` for a temporary)."""
    if pyname.startswith("t") and pyname[1:].isdigit():
        return "%" + pyname
    return demangle_any(pyname)


def lower(name: str, tops: list[ir.TopLevel], pure: frozenset, unit: int = 1) -> CpsModule:
    """A unit's top-level forms (each an ir.TopLevel around a 0-argument ir.Fn) in CPS form.
    `unit` numbers the unit within its module (so REPL inputs do not share constants)."""
    return ModuleLowering(name, pure, unit).lower(tops)
