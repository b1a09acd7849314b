"""Printing values: pr_str (readable, as prn and the REPL print) and str_of (as str and
println: strings raw, also inside collections).

The printer walks the value with an explicit stack, so data nested 100,000 deep prints
without a RecursionError. Refs and boxes are the only mutable cells, hence the only way to
build a cycle: a ref met again inside itself prints as `#<ref ...>`.
"""
from __future__ import annotations

import math

from turmeric.data.names import demangle, demangle_any
from turmeric.data.values import (
    EMPTY_VECTOR, Box, Continuation, Keyword, PList, PMap, PSet, Ref, Regex, StructType, StructValue,
    Symbol, is_vector,
)

_PVECTOR = type(EMPTY_VECTOR)
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
_SCALARS = {type(None), bool, int, float, Keyword, Symbol, bytes}
_BIG_INT = 10 ** 4000
_INFINITIES = {math.inf: "##Inf", -math.inf: "##-Inf"}
_MAX_CELL_NESTING = 4  # refs/boxes inside refs/boxes deeper than this print as #<ref ...>


def pr_str(x) -> str:
    """The readable form of x: what read_one reads back as an equal value."""
    return _print(x, True)


def str_of(x) -> str:
    """x for humans: strings without quotes, also inside collections (nil prints as nil;
    Clojure's `str` makes nil "", which is the caller's business)."""
    if type(x) is Regex:   # as Clojure's str of a pattern (inside a collection: #"...")
        return x.pattern
    return x if type(x) is str else _print(x, False)


class _Exit:
    """A stack marker: the printer has left the ref or box with this id."""
    __slots__ = ("key",)

    def __init__(self, key: int):
        self.key = key


def _print(x, readable: bool) -> str:
    out: list[str] = []
    # entries: a str to emit as is, an _Exit marker, or (value, cells) where cells is the
    # number of refs/boxes around the value
    stack: list = [(x, 0)]
    inside: set[int] = set()  # ids of the refs/boxes being printed (the path, for cycles)
    while stack:
        entry = stack.pop()
        if type(entry) is str:
            out.append(entry)
            continue
        if type(entry) is _Exit:
            inside.discard(entry.key)
            continue
        v, cells = entry
        t = type(v)
        if t is str:
            out.append(quote_string(v) if readable else v)
        elif t in _SCALARS:
            out.append(_scalar(v))
        elif t is PList or t is _PVECTOR or is_vector(v) or t is tuple:
            # (a tuple: the items a frame of map or for-each holds; shown as a vector)
            open_, close = ("(", ")") if t is PList else ("[", "]")
            _push_items(stack, open_, close, " ", list(v), cells, out)
        elif getattr(t, "tm_lazy_seq", False):
            # a lazy sequence (runtime/lazy.py) prints as a list, realizing all of it, as
            # Clojure does (spec/language.md, "Lazy sequences")
            _push_items(stack, "(", ")", " ", list(v), cells, out)
        elif t is PMap or isinstance(v, PMap):   # (a sorted map too: its items are in order)
            out.append("{")
            stack.append("}")
            first = True
            for k, val in reversed(list(v.items())):
                if not first:
                    stack.append(", ")
                stack.append((val, cells))
                stack.append(" ")
                stack.append((k, cells))
                first = False
        elif t is PSet or isinstance(v, PSet):
            _push_items(stack, "#{", "}", " ", list(v), cells, out)
        elif isinstance(v, StructValue):
            fields = v.field_values()
            if fields:
                _push_items(stack, "(" + v.stype.name + " ", ")", " ", fields, cells, out)
            else:
                out.append("(" + v.stype.name + ")")
        elif t is Ref or t is Box:
            tag = "#<ref " if t is Ref else "#<box "
            if id(v) in inside or cells >= _MAX_CELL_NESTING:
                out.append(tag + "...>")
            else:
                inside.add(id(v))
                out.append(tag)
                stack.append(_Exit(id(v)))
                stack.append(">")
                stack.append((v.value if t is Ref else v.v, cells + 1))
        else:
            out.append(_scalar(v))
    return "".join(out)


def _push_items(stack: list, open_: str, close: str, sep: str, items, cells: int, out: list):
    """Emit open_ now and schedule the items (separated by sep) and close."""
    out.append(open_)
    stack.append(close)
    for i in range(len(items) - 1, -1, -1):
        stack.append((items[i], cells))
        if i:
            stack.append(sep)


def _scalar(v) -> str:
    """Everything that has no parts to print."""
    if v is None:
        return "nil"
    if v is True:
        return "true"
    if v is False:
        return "false"
    t = type(v)
    if t is int:
        return int_to_str(v)
    if t is float:
        return float_to_str(v)
    if t is Keyword:
        return ":" + v.name
    if t is Symbol:
        return v.name
    if t is bytes:
        return '#bytes "' + v.hex() + '"'
    if t is Continuation:
        return "#<continuation>"
    if t is StructType:
        return f"#<struct-type {v.qualname}>"
    if isinstance(v, int):  # an int subclass (bool was handled above)
        return int_to_str(int(v))
    if callable(v) and not isinstance(v, type):
        return f"#<fn {fn_name(v)}>"
    if getattr(t, "turmeric_type", None) is not None:  # a regex, a resource: FileHandle, Socket
        return repr(v)
    return f"#<python {t.__name__}>"


def fn_name(f) -> str:
    """The Turmeric name of a callable: its __turmeric_name__; for compiled code the stable
    symbol in its Python name (`F_main_ofib` is main.fib; a closure made by the factory
    `K_main_oadder_dfn_n1` is main.adder/fn#1); else its demangled __name__. (Builtins,
    higher-order ones included, carry __turmeric_name__.)"""
    name = getattr(f, "__turmeric_name__", None)
    if isinstance(name, str):
        return name
    qual = getattr(f, "__qualname__", None)
    if isinstance(qual, str):
        outer = qual.split(".<locals>.", 1)[0]
        if outer[:2] in ("F_", "K_"):
            symbol = demangle(outer[2:])
            if symbol:
                return symbol
    name = getattr(f, "__name__", None)
    return demangle_any(name) if isinstance(name, str) else type(f).__name__


def int_to_str(n: int) -> str:
    """str(n) without Python's 4300-digit limit (integers are arbitrary precision)."""
    if -_BIG_INT < n < _BIG_INT:
        return str(n)
    if n < 0:
        return "-" + int_to_str(-n)
    k = n.bit_length() * 3 // 20  # about half the digits (log10(2) ~ 0.3)
    hi, lo = divmod(n, 10 ** k)
    return int_to_str(hi) + int_to_str(lo).rjust(k, "0")


def float_to_str(x: float) -> str:
    """A float as Clojure (Java's Double.toString) prints it, with the shortest digits that
    read back as the same float: plain decimals from 10^-3 up to 10^7 (`123.0`, `0.001`,
    `1234567.0`), else a mantissa and an exponent (`1.0E7`, `1.0E-4`, `-2.5E21`). The reader
    reads both back. Infinities and NaN print as their reader forms `##Inf`, `##-Inf`,
    `##NaN` (`str` of a bare one says Infinity, as Java: printing.py)."""
    if x != x:
        return "##NaN"
    if x in _INFINITIES:
        return _INFINITIES[x]
    r = repr(x)   # the shortest round-trip digits; decimal notation from 1e-4 up to 1e16
    if x == 0.0 or 1e-3 <= abs(x) < 1e7:
        return r
    mantissa, _, e = r.partition("e")
    sign = ""
    if mantissa[0] == "-":
        sign, mantissa = "-", mantissa[1:]
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).rstrip("0")
    exp = (int(e) if e else 0) + len(whole) - 1
    stripped = digits.lstrip("0")     # 0.0001234: the leading zeros move the point
    exp -= len(digits) - len(stripped)
    return f"{sign}{stripped[0]}.{stripped[1:] or '0'}E{exp}"


def quote_string(s: str) -> str:
    """s as a string literal: quoted, with the escapes \\" \\\\ \\n \\t \\r \\0, and every other
    character Python does not call printable (control characters, DEL, U+2028 ...) as
    \\uXXXX (a character above U+FFFF as its UTF-16 surrogate pair), which Turmeric's reader
    and Clojure's both read back; a lone surrogate is \\u{XXXX}, which the reader never pairs
    up. (Clojure's pr writes \\b and \\f, which our reader does not read, and other control
    characters raw; see spec/language.md.)"""
    if s.isprintable() and '"' not in s and "\\" not in s:
        return '"' + s + '"'
    out = ['"']
    for c in s:
        e = _ESCAPES.get(c)
        if e is not None:
            out.append(e)
        elif c.isprintable():
            out.append(c)
        else:
            code = ord(c)
            if code > 0xFFFF:
                code -= 0x10000
                out.append("\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)))
            elif 0xD800 <= code < 0xE000:   # a lone surrogate: the reader must not pair it up
                out.append("\\u{%x}" % code)
            else:
                out.append("\\u%04x" % code)
    out.append('"')
    return "".join(out)
