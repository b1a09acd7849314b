"""Lambda lifting: a `(let [f (fn f [params] body)] ...)` whose function never escapes (it
is only ever called, with the right number of arguments, and calls itself only in tail
position) is compiled to a module-level function that takes its captured variables as
leading parameters, instead of a closure made every time the let runs. That is the shape
every `loop` expands to (expander/derived.py), so a loop in a function called often no
longer makes a closure per call (issue #14, nqueens).

The function keeps its symbol, code hash and sites (spec/language.md §14): only its Python
name changes (F_ instead of a K_ factory), and a site's live variables hold the captured
values themselves rather than the closure. No value of the function exists at run time
except the one a depth unwind records to call it again, which is the plain module function
(it captures nothing), so it serializes as any function without captures does.
"""
from __future__ import annotations

from turmeric.analyzer import ir

ENABLED = True   # tests compile the same programs with it off and compare (test_compiler_speed.py)


def liftable(let: ir.Let) -> bool:
    fn = let.init
    if type(fn) is not ir.Fn or let.var.boxed or fn.rest is not None:
        return False
    arity = len(fn.params)
    if not only_called(let.body, let.var, arity, False, True):
        return False
    sv = fn.self_var
    return sv is None or (not sv.boxed and only_called(fn.body, sv, arity, True, True))


def only_called(n: ir.Node, var: ir.Var, arity: int, tail_only: bool, tail: bool) -> bool:
    """Whether every occurrence of `var` in n is the callee of a call with `arity` arguments
    (in tail position, as the CPS lowering finds it, if `tail_only`), outside any nested fn."""
    t = type(n)
    if t is ir.Local:
        return n.var is not var
    if t in (ir.Const, ir.Global, ir.Core, ir.ModuleRef):
        return True
    if t is ir.Call:
        args_ok = all(only_called(a, var, arity, tail_only, False) for a in n.args)
        if type(n.fn) is ir.Local and n.fn.var is var:
            return args_ok and len(n.args) == arity and (tail or not tail_only)
        return args_ok and only_called(n.fn, var, arity, tail_only, False)
    if t is ir.If:
        return (only_called(n.test, var, arity, tail_only, False)
                and only_called(n.then, var, arity, tail_only, tail)
                and only_called(n.else_, var, arity, tail_only, tail))
    if t is ir.Do:
        return (all(only_called(x, var, arity, tail_only, False) for x in n.body[:-1])
                and only_called(n.body[-1], var, arity, tail_only, tail))
    if t is ir.Let:
        return (only_called(n.init, var, arity, tail_only, False)
                and only_called(n.body, var, arity, tail_only, tail))
    if t is ir.Declare:
        return var not in n.vars and only_called(n.body, var, arity, tail_only, tail)
    if t is ir.Fn:
        return all(v is not var for v in n.free)
    if t is ir.Try:  # nothing in a try is in tail position (its frame reinstalls the handler)
        return (only_called(n.body, var, arity, tail_only, False)
                and only_called(n.handler, var, arity, tail_only, False))
    if t in (ir.SetLocal, ir.SetGlobal):
        return getattr(n, "var", None) is not var and only_called(n.value, var, arity, tail_only, False)
    if t is ir.Field:
        return only_called(n.obj, var, arity, tail_only, False)
    return False   # a node this walk does not know: not lifted


# -- a module's own small functions, inlined into map and filter ----------------------------------

# builtins with no effect and no user code: a body made of these may run twice (the inlined
# comprehension, then the ordinary call that reports its error) without anyone seeing it
EFFECT_FREE = frozenset("""+ - * inc dec mod rem quot abs max min = not= < > <= >= == zero? pos? neg?
    even? odd? nil? not some? number? integer? int? float? string? keyword? first rest count
    empty? identity""".split())


def inlinable_defs(tops: list, pure: frozenset) -> dict:
    """global name -> ir.Fn, for each `(defn name [x] body)` of the unit whose body calls only
    effect-free builtins (a name defined twice in the unit is left out)."""
    found: dict = {}
    seen: set = set()
    for top in tops:
        body = top.fn.body
        if type(body) is not ir.SetGlobal:
            continue
        name, fn = body.name, body.value
        if name in seen:
            found.pop(name, None)
            continue
        seen.add(name)
        if (type(fn) is ir.Fn and not fn.free and len(fn.params) == 1 and fn.rest is None
                and not fn.params[0].boxed and effect_free(fn.body, fn.params[0], pure & EFFECT_FREE)):
            found[name] = fn
    return found


def effect_free(n: ir.Node, param: ir.Var, allowed: frozenset) -> bool:
    t = type(n)
    if t is ir.Const:
        return True
    if t is ir.Local:
        return n.var is param
    if t is ir.Call:
        return (type(n.fn) is ir.Core and n.fn.name in allowed
                and all(effect_free(a, param, allowed) for a in n.args))
    return False
