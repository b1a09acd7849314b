"""The analyzer's output: an expression tree with resolved names.

Every node has a span. Local variables are `Var` objects, unique per binding, so later stages
never meet shadowing. `FnInfo` is the metadata of one compiled function that lives on at
run time (stable symbol, code hash, call sites and their live variables): frames, error
stack traces and the serializer all read it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from turmeric.data.values import Span


@dataclass(eq=False)
class Var:
    name: str                 # the Turmeric name
    pyname: str               # a unique Python identifier
    boxed: bool = False       # assigned with set!, or read before its local def: lives in a Box
    is_self: bool = False     # the name a named fn has for itself


@dataclass(slots=True)
class SiteInfo:
    """A non-tail call site: where a frame can be suspended."""
    span: Span | None
    live: tuple[str, ...]     # Python names of the live locals, in frame order
    live_names: tuple[str, ...]  # their Turmeric names (for inspect)
    in_try: bool              # a Turmeric try encloses the site in this function
    entry: str                # the Python name of the resume entry


@dataclass
class FnInfo:
    symbol: str               # stable symbol: module.fn, module.outer/inner, module/top#N
    module: str
    name: str                 # a readable name for stack traces
    span: Span | None
    code_hash: str = ""
    pyname: str = ""          # the Python name of the direct function
    params: tuple[str, ...] = ()
    sites: list[SiteInfo] = field(default_factory=list)
    free: tuple[str, ...] = ()        # Python names of captured variables (closure factory args)
    free_names: tuple[str, ...] = ()  # their Turmeric names
    line_spans: dict[int, Span] = field(default_factory=dict)  # generated line -> source span


class Node:
    __slots__ = ()


@dataclass(slots=True, eq=False)
class Const(Node):
    value: Any
    span: Span | None


@dataclass(slots=True, eq=False)
class Local(Node):
    var: Var
    span: Span | None


@dataclass(slots=True, eq=False)
class Global(Node):
    name: str                 # a global of the module being compiled
    span: Span | None


@dataclass(slots=True, eq=False)
class ModuleRef(Node):
    module: str
    name: str
    span: Span | None


@dataclass(slots=True, eq=False)
class Core(Node):
    name: str                 # a builtin of the core module
    span: Span | None


@dataclass(slots=True, eq=False)
class If(Node):
    test: Node
    then: Node
    else_: Node
    span: Span | None


@dataclass(slots=True, eq=False)
class Do(Node):
    body: list[Node]
    span: Span | None


@dataclass(slots=True, eq=False)
class Let(Node):
    var: Var
    init: Node
    body: Node
    span: Span | None


@dataclass(slots=True, eq=False)
class Declare(Node):
    """Local defs of a body whose names are read before their def: boxes made up front."""
    vars: list[Var]
    body: Node
    span: Span | None


@dataclass(slots=True, eq=False)
class SetLocal(Node):
    var: Var
    value: Node
    span: Span | None


@dataclass(slots=True, eq=False)
class SetGlobal(Node):
    name: str
    value: Node
    span: Span | None
    define: bool = False      # def (creates) rather than set! (must exist)


@dataclass(slots=True, eq=False)
class Fn(Node):
    info: FnInfo
    params: list[Var]
    rest: Var | None
    body: Node
    self_var: Var | None
    free: list[Var]
    span: Span | None


@dataclass(slots=True, eq=False)
class Call(Node):
    fn: Node
    args: list[Node]
    span: Span | None


@dataclass(slots=True, eq=False)
class Try(Node):
    body: Node
    var: Var
    handler: Node
    span: Span | None


@dataclass(slots=True, eq=False)
class Field(Node):
    obj: Node
    field: str
    span: Span | None


@dataclass
class CompiledModule:
    """Generated Python source for one module and the metadata the runtime needs."""
    name: str
    source: str
    line_spans: list             # line number - 1 -> Span (or None)
    fninfos: list[FnInfo]
    toplevel: list[str]          # Python names of the top-level form functions, in order
    definitions: list[bool]      # per top-level form: a definition (runs when resolving)
    def_names: list              # per top-level form: the global a def form binds, or None
