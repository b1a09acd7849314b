"""What compiled code says about itself, at run time: the stable symbol, code hash and call
sites of every function (`FnInfo`, `SiteInfo`), and a generated module (`CompiledModule`).
Frames, error stacks, the serializer and the module cache read these; the analyzer and the
CPS stage make them (the analyzer the names and hash, the CPS stage a copy that adds the
Python names and sites). All three are immutable."""
from __future__ import annotations

from dataclasses import dataclass

from turmeric.data.span import Span


@dataclass(slots=True, frozen=True)
class SiteInfo:
    """A non-tail call site: where a frame can be suspended."""
    span: Span | None
    live: tuple[str, ...]     # Python names of the live locals, in frame order
    live_names: tuple[str, ...]  # their Turmeric names (for inspect)
    in_try: bool              # a Turmeric try encloses the site in this function
    entry: str                # the Python name of the resume entry
    point: str = ""           # the suspension point as a user names it: checkpoint:NAME or CALLEE#N


@dataclass(slots=True, frozen=True)
class FnInfo:
    symbol: str               # stable symbol: module.fn, module.outer/inner, module/top-HASH, module/def-NAME
    module: str
    name: str                 # a readable name for stack traces
    span: Span | None
    code_hash: str = ""
    pyname: str = ""          # the Python name of the direct function (or closure factory)
    params: tuple[str, ...] = ()
    sites: tuple[SiteInfo, ...] = ()
    free: tuple[str, ...] = ()        # Python names of captured variables (closure factory args)
    free_names: tuple[str, ...] = ()  # their Turmeric names

    @property
    def dispatches_arities(self) -> bool:
        """A fn of several arities: its only parameter is the rest list its dispatch reads
        (expander/functions.py names it with the gensym `args`)."""
        return any(p.startswith("args__") for p in self.params)


@dataclass(slots=True, frozen=True)
class CompiledModule:
    """Generated Python source for one module and the metadata the runtime needs."""
    name: str
    source: str
    line_spans: list             # line number - 1 -> Span (or None)
    fninfos: list[FnInfo]
    toplevel: list[str]          # Python names of the top-level form functions, in order
    definitions: list[bool]      # per top-level form: a definition (runs when resolving)
    def_names: list              # per top-level form: the global a def form binds, or None
    shows_result: list           # per top-level form: its value is the REPL's to print
