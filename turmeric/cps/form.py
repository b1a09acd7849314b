"""The CPS form: a function's body as a statement tree in A-normal form.

Every sub-expression of a statement is a Python expression that runs no user code (`Expr`);
every non-tail call of user code is a numbered `Site`, whose result lands in a temporary;
calls in tail position are `Return`s of the call (or a `SelfTailCall`, a loop). Statements
are frozen and compared by identity: the resume slices (`slices.py`) find a site by `is`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from turmeric.analyzer import ir
from turmeric.data.code import FnInfo
from turmeric.data.errors import InternalError
from turmeric.data.span import Span


@dataclass(slots=True, frozen=True)
class Expr:
    """A Python expression: its text, the locals it reads, and whether it is a plain bool."""
    text: str
    reads: frozenset = frozenset()
    boolean: bool = False
    simple: bool = False     # a name or a constant: cheap to evaluate twice, no side effects
    ptype: str | None = None  # "int": its value is always a Python int (not a bool): no type guard
    # (guard, fast, slow) when the text is `(fast if guard else slow)` and fast is an int: an
    # operation on it may go into both branches, so its own guard is not tested again
    split: tuple | None = None


@dataclass(slots=True, frozen=True, eq=False)
class Stmt:
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Assign(Stmt):
    """target = expr"""
    target: str
    expr: Expr


@dataclass(slots=True, frozen=True, eq=False)
class Evaluate(Stmt):
    """expr, for its effects"""
    expr: Expr


@dataclass(slots=True, frozen=True, eq=False)
class Site(Stmt):
    """target = call, where the call runs user code: a frame can be suspended here."""
    target: str
    call: Expr
    number: int              # 1, 2, ... in the order of the function's text
    point: str = ""          # its name for migrations: CALLEE#N, or checkpoint:NAME (SiteInfo.point)


@dataclass(slots=True, frozen=True, eq=False)
class If(Stmt):
    test: Expr
    then: tuple
    else_: tuple


@dataclass(slots=True, frozen=True, eq=False)
class Return(Stmt):
    """return expr; a tail call (of user code) if `tail_call`: it records no frame."""
    expr: Expr
    tail_call: bool = False


@dataclass(slots=True, frozen=True, eq=False)
class SelfTailCall(Stmt):
    """A tail call of the function itself: a jump back to its start with new arguments."""
    args: tuple                       # Expr per fixed parameter
    rest: Expr | None                 # the rest list, if the fn has & rest
    self_reads: frozenset             # the closure's own name, read when resumed


@dataclass(slots=True, frozen=True, eq=False)
class Try(Stmt):
    """A Turmeric try: the handler binds `var` (in a Box if `boxed`)."""
    body: tuple
    var: str
    boxed: bool
    handler: tuple


@dataclass(slots=True, frozen=True, eq=False)
class For(Stmt):
    """for var in iter: body — only around code that holds no call site."""
    var: str
    iter: Expr
    body: tuple


@dataclass(slots=True, frozen=True, eq=False)
class Raw(Stmt):
    """A line of Python the lowering writes itself."""
    text: str
    reads: frozenset = frozenset()


@dataclass(slots=True, frozen=True)
class CpsFunction:
    """One lowered function and the Python names its code is printed under."""
    fn: ir.Fn
    info: FnInfo             # complete: Python names, free variables, sites
    base: str                # the stem of its Python names (F_base, K_base, R_base_N)
    inner: str               # the Python name of the direct function
    self_name: str           # the name the function calls itself by
    params: tuple            # Python names of the fixed parameters
    rest: str | None         # the rest parameter's Python name
    boxed_params: tuple      # parameters that live in a Box
    free: tuple              # Python names of the captured variables (closure factory args)
    body: tuple              # the statement tree
    sites: tuple             # the Site statements, in number order
    globals_set: tuple       # module globals the body assigns (sorted)
    loops: bool              # a self tail call: the body runs inside `while True`
    # (names, body): the body again, lowered knowing that these invariant parameters (a
    # lifted loop's captured variables) are ints; it runs when they are (module.py)
    int_version: tuple | None = None


@dataclass(slots=True, frozen=True)
class CpsModule:
    """A unit's functions in CPS form, with what printing them needs."""
    name: str
    functions: tuple         # CpsFunction, in the order they are printed
    toplevel: tuple          # Python names of the top-level form functions, in order
    definitions: tuple       # per top-level form: a definition (runs when resolving)
    def_names: tuple         # per top-level form: the global a def form binds, or None
    shows_result: tuple      # per top-level form: its value is the REPL's to print
    constants: tuple         # (Python name, value) of every pooled constant, in order
    marks: tuple             # spans referred to by marks in expression text


def unmarked_repr(body) -> str:
    """A statement tree as text, without the span marks (module.MARK ... MARK_END: each
    lowering of the same code makes new ones), to tell whether two lowerings differ."""
    return re.sub("\x01[0-9]*\x02", "", repr(body))


def reads_of(stmts) -> set:
    """The Python names a statement list reads."""
    out: set = set()
    for s in stmts:
        t = type(s)
        if t is Assign or t is Evaluate or t is Return:
            out |= s.expr.reads
        elif t is Site:
            out |= s.call.reads
        elif t is If:
            out |= s.test.reads | reads_of(s.then) | reads_of(s.else_)
        elif t is SelfTailCall:
            out |= s.self_reads
            for a in s.args:
                out |= a.reads
            if s.rest is not None:
                out |= s.rest.reads
        elif t is Try:
            out |= reads_of(s.body) | reads_of(s.handler)
        elif t is Raw:
            out |= s.reads
        elif t is For:
            out |= s.iter.reads | (reads_of(s.body) - {s.var})
        else:
            raise InternalError(f"cps: reads_of has no case for {t.__name__} at {s.span}")
    return out
