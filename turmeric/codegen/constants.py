"""The constant pool: the Python source that builds each constant the CPS stage named
(`Q_<unit>_<n> = KW('a')`), run once when the module loads."""
from __future__ import annotations

from turmeric.cps.constants import python_literal
from turmeric.data.errors import InternalError
from turmeric.data.values import Keyword, PList, PMap, PSet, Regex, Symbol, is_vector


def constant_lines(pooled) -> list[str]:
    """One assignment per pooled (name, value), in order."""
    return [f"{name} = {constant_source(value)}" for name, value in pooled]


def constant_source(v) -> str:
    """A Python expression that builds v in a module namespace (KW, SYM, PLIST, ...)."""
    lit = python_literal(v)
    if lit is not None:
        return lit
    t = type(v)
    if t is Keyword:
        return f"KW({v.name!r})"
    if t is Symbol:
        return f"SYM({v.name!r})"
    if t is PList:
        return f"PLIST([{', '.join(constant_source(x) for x in v)}])"
    if is_vector(v):
        return f"VEC([{', '.join(constant_source(x) for x in v)}])"
    if t is PMap:
        return "PMAP([" + ", ".join(f"({constant_source(k)}, {constant_source(x)})" for k, x in v.items()) + "])"
    if t is PSet:
        return f"PSET([{', '.join(constant_source(x) for x in v)}])"
    if t is tuple:
        return "(" + "".join(constant_source(x) + ", " for x in v) + ")"
    if t is Regex:
        return f"REGEX({v.pattern!r})"
    raise InternalError(f"codegen: no way to write the constant {v!r} ({t.__name__})")
