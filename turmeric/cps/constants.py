"""Naming the constants a unit's code refers to. A Python literal is written in place; any
other constant (a keyword, symbol, collection, regex) becomes a module global built when the
module loads (codegen/constants.py writes the builder). A REPL's inputs share one module
namespace, so the names carry the unit's number: `Q_<unit>_<n>` (issue #9)."""
from __future__ import annotations

import math

from turmeric.data.errors import InternalError
from turmeric.data.values import Keyword, PList, PMap, PSet, Regex, Symbol, is_vector


class ConstantNames:
    """The constants of one unit, each named once."""

    def __init__(self, unit: int):
        self.unit = unit
        self.pooled: list[tuple[str, object]] = []   # (name, value), in order
        self.names: dict = {}
        self.keywords: set[str] = set()   # names of the constants that are keywords

    def ref(self, value) -> str:
        """The Python text that stands for `value`."""
        lit = python_literal(value)
        if lit is not None:
            return lit
        key = constant_key(value)
        name = self.names.get(key)
        if name is None:
            name = f"Q_{self.unit}_{len(self.pooled)}"
            self.pooled.append((name, value))
            self.names[key] = name
            if type(value) is Keyword:
                self.keywords.add(name)
        return name


def constant_key(v):
    """Equal keys for constants that are written alike (so 1, 1.0 and true stay apart)."""
    lit = python_literal(v)
    if lit is not None:
        return lit
    t = type(v)
    if t is Keyword or t is Symbol:
        return (t.__name__, v.name)
    if t is PList or t is PSet or t is tuple or is_vector(v):
        return ("vector" if is_vector(v) else t.__name__, tuple(constant_key(x) for x in v))
    if t is PMap:
        return ("map", tuple((constant_key(k), constant_key(x)) for k, x in v.items()))
    if t is Regex:
        return ("regex", v.pattern)
    raise InternalError(f"codegen: no way to write the constant {v!r} ({t.__name__})")


def python_literal(v) -> str | None:
    """The Python literal for v (nil, a boolean, number, string or bytes), else None."""
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


def python_literal_kind(text: str) -> str | None:
    """'const' if the text is a Python literal the compiler wrote (a number, string, nil,
    true, false or a Q_ constant), else None."""
    if text in ("None", "True", "False") or text.startswith(("'", '"', "Q_")) or is_number_literal(text):
        return "const"
    return None


def not_a_number_literal(text: str) -> bool:
    return text in ("None", "True", "False") or text.startswith(("'", '"', "Q_", "b'", 'b"'))


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
