"""The analyzer's output: an expression tree with resolved names.

Every node has a span, and nodes are immutable: later stages return new forms. Local variables are `Var` objects, unique per binding, so later stages
never meet shadowing. `FnInfo` is the metadata of one compiled function that lives on at
run time (stable symbol, code hash, call sites and their live variables): frames, error
stack traces and the serializer all read it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


from turmeric.data.code import FnInfo
from turmeric.data.span import Span


@dataclass(eq=False)
class Var:
    """A local variable. The analyzer decides everything about it; `boxed` is found while
    it analyzes the variable's scope (a set! or a read before the local def may come after
    the first use), and no later stage changes a Var: the CPS stage keeps its own names."""
    name: str                 # the Turmeric name
    pyname: str               # a unique Python identifier
    boxed: bool = False       # assigned with set!, or read before its local def: lives in a Box
    is_self: bool = False     # the name a named fn has for itself


class Node:
    __slots__ = ()


@dataclass(slots=True, frozen=True, eq=False)
class Const(Node):
    value: Any
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Local(Node):
    var: Var
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Global(Node):
    name: str                 # a global of the module being compiled
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class ModuleRef(Node):
    module: str
    name: str
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Core(Node):
    name: str                 # a builtin of the core module
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class If(Node):
    test: Node
    then: Node
    else_: Node
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Do(Node):
    body: list[Node]
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Let(Node):
    var: Var
    init: Node
    body: Node
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Declare(Node):
    """Local defs of a body whose names are read before their def: boxes made up front."""
    vars: list[Var]
    body: Node
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class SetLocal(Node):
    var: Var
    value: Node
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class SetGlobal(Node):
    name: str
    value: Node
    span: Span | None
    define: bool = False      # def (creates) rather than set! (must exist)


@dataclass(slots=True, frozen=True, eq=False)
class Fn(Node):
    info: FnInfo
    params: list[Var]
    rest: Var | None
    body: Node
    self_var: Var | None
    free: list[Var]
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Call(Node):
    fn: Node
    args: list[Node]
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Try(Node):
    body: Node
    var: Var
    handler: Node
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class Field(Node):
    obj: Node
    field: str
    span: Span | None


@dataclass(slots=True, frozen=True, eq=False)
class TopLevel:
    """A top-level form: its 0-argument function `module/def-NAME` or `module/top-HASH` and what the session needs
    to know about it without running it."""
    fn: Fn
    is_definition: bool       # run again when the module loads to resolve a continuation
    def_name: str | None      # the global a (def name value) form binds, else None
    shows_result: bool = True  # its value is the REPL's to print (not a part of a definition group)
