"""Printing values: pr_str (readable, as prn and the REPL print) and str_of (as str and
println: strings raw, also inside collections).

The printer walks the value with an explicit stack, so data nested 100,000 deep prints
without a RecursionError. The same walk prints a value whole (pr_str, prn, the REPL) or
shortened within `Limits` (preview: `turmeric inspect`, the REPL's :inspect). Refs and
boxes are the only mutable cells, hence the only way to build a cycle: a ref met again
inside itself prints as `#<ref ...>`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import islice

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


@dataclass(frozen=True)
class Limits:
    """How much of a value a shortened print shows, as a debugger does (#9 item 11): the
    first `items` items of a collection (entries of a map), the first `text` characters of a
    string or of any other atom's printed form (an integer of more digits is
    `#<integer of about N digits>`, never converted to text: that would take seconds),
    `depth` levels of nesting, and about `chars` characters in all."""
    items: int = 10
    text: int = 200
    depth: int = 8
    chars: int = 2000


SHORT = Limits()     # what `turmeric inspect` and the REPL's :inspect show without --full / :full


def pr_str(x, limits: Limits | None = None, realize: bool = True) -> str:
    """The readable form of x: what read_one reads back as an equal value; with `limits`,
    shortened (see preview). `realize=False`: a lazy sequence shows only what is realized of
    it, then `...` (turmeric inspect: realizing it would run the checkpoint's code)."""
    return _print(x, True, limits, realize)[0]


def preview(x, limits: Limits = SHORT, realize: bool = True) -> tuple[str, bool]:
    """(x printed readably within `limits`, whether something was left out). A value within
    the limits prints exactly as pr_str; beyond them, a collection shows its first items then
    `... (N more)`, a long string its first characters then `..." (N chars)`, a collection
    nested too deep `[...]`, a huge integer `#<integer of about N digits>`, and the text stops
    after about `limits.chars` characters with ` ...`."""
    return _print(x, True, limits, realize)


def str_of(x) -> str:
    """x for humans: strings without quotes, also inside collections (nil prints as nil;
    Clojure's `str` makes nil "", which is the caller's business)."""
    if type(x) is Regex:   # as Clojure's str of a pattern (inside a collection: #"...")
        return x.pattern
    return x if type(x) is str else _print(x, False, None)[0]


class _Exit:
    """A stack marker: the printer has left the ref or box with this id."""
    __slots__ = ("key",)

    def __init__(self, key: int):
        self.key = key


def _parts(v, t, realize: bool):
    """(opening text, closing text, the items, whether they are key-value pairs) of a value
    printed with parts, else None."""
    if t is PList:
        return "(", ")", v, False
    if t is _PVECTOR or t is tuple or is_vector(v):
        # (a tuple: the items a frame of map or for-each holds; shown as a vector)
        return "[", "]", v, False
    if t is PMap or isinstance(v, PMap):     # (a sorted map too: its items are in order)
        return "{", "}", v.items(), True
    if t is PSet or isinstance(v, PSet):
        return "#{", "}", v, False
    if isinstance(v, StructValue):
        fields = v.field_values()
        return "(" + v.stype.name + (" " if fields else ""), ")", fields, False
    if getattr(t, "tm_lazy_seq", False):
        # a lazy sequence (runtime/lazy.py) prints as a list, realizing all of it, as Clojure
        # does; within limits, only as far as is shown (spec/language.md, "Lazy sequences");
        # unrealized, what is realized of it, then " ..." if there is more
        if realize:
            return "(", ")", v, False
        items, tail = v.realized_prefix()
        if type(tail) is PList:
            return "(", ")", items + list(tail), False
        return "(", " ...)" if getattr(type(tail), "tm_lazy_seq", False) else ")", items, False
    return None


def _print(x, readable: bool, limits: Limits | None, realize: bool = True) -> tuple[str, bool]:
    """The one walk of the printer, on an explicit stack: (the text, whether `limits` cut
    something). Entries: a str to emit as is, an _Exit marker, or (value, depth, cells) where
    cells is the number of refs/boxes around the value."""
    out: list[str] = []
    stack: list = [(x, 0, 0)]
    inside: set[int] = set()  # ids of the refs/boxes being printed (the path, for cycles)
    size = 0                  # characters so far (counted only with limits)
    cut = False
    while stack:
        entry = stack.pop()
        te = type(entry)
        if te is str:
            out.append(entry)
            if limits is not None:
                size += len(entry)
            continue
        if te is _Exit:
            inside.discard(entry.key)
            continue
        if limits is not None and size > limits.chars:
            out.append(" ...")
            cut = True
            break
        v, depth, cells = entry
        t = type(v)
        if t is str:
            if not readable:
                text = v
            elif limits is not None and len(v) > limits.text:
                text = quote_string(v[:limits.text])[:-1] + f'..." ({len(v):,} chars)'
                cut = True
            else:
                text = quote_string(v)
        elif t is Ref or t is Box:
            tag = "#<ref " if t is Ref else "#<box "
            if id(v) in inside or cells >= _MAX_CELL_NESTING:
                text = tag + "...>"
            else:
                inside.add(id(v))
                text = tag
                stack.append(_Exit(id(v)))
                stack.append(">")
                stack.append((v.value if t is Ref else v.v, depth, cells + 1))
        elif t in _SCALARS and limits is None:
            text = _scalar(v)
        else:
            shape = None if t in _SCALARS else _parts(v, t, realize)
            if shape is None:
                text, short = (_scalar(v), False) if limits is None else _short_scalar(v, t, limits)
                cut = cut or short
            else:
                text, close, items, pairs = shape
                if limits is None:
                    items = list(items)
                    count = shown = len(items)
                else:
                    if items is v and getattr(t, "tm_lazy_seq", False):   # realized only as far as shown
                        items = list(islice(items, limits.items + 1))
                        count = len(items) if len(items) <= limits.items else None
                    else:
                        count = len(items)
                    if items and depth >= limits.depth:
                        text += "..." + close
                        cut = True
                        out.append(text)
                        size += len(text)
                        continue
                    items = list(islice(items, limits.items))
                    shown = len(items)
                stack.append(close)
                if count is None or count > shown:
                    more = "more" if count is None else f"{count - shown:,} more"
                    stack.append(f"{', ' if pairs else ' '}... ({more})")
                    cut = True
                depth += 1
                for j in range(shown - 1, -1, -1):
                    if pairs:
                        k, val = items[j]
                        stack += [(val, depth, cells), " ", (k, depth, cells)]
                    else:
                        stack.append((items[j], depth, cells))
                    if j:
                        stack.append(", " if pairs else " ")
        out.append(text)
        if limits is not None:
            size += len(text)
    return "".join(out), cut


def _short_scalar(v, t, limits: Limits) -> tuple[str, bool]:
    """An atom within limits.text characters, and whether it was shortened. A huge integer
    or byte string is not converted whole first."""
    if t is int or isinstance(v, int) and t is not bool:
        if -_shown_below(limits.text) < v < _shown_below(limits.text):
            return int_to_str(int(v)), False
        return f"#<integer of about {digits_about(v):,} digits>", True
    if t is bytes and len(v) > limits.text:
        whole = len(v) * 2 + 9
        return ('#bytes "' + v[:limits.text].hex())[:limits.text] + f"... ({whole:,} chars)", True
    text = _scalar(v)
    if len(text) > limits.text:
        return text[:limits.text] + f"... ({len(text):,} chars)", True
    return text, False


_SHOWN_BELOW: dict = {}


def _shown_below(digits: int) -> int:
    """10 ** digits: integers below it (in magnitude) print whole within `digits` characters."""
    bound = _SHOWN_BELOW.get(digits)
    if bound is None:
        bound = _SHOWN_BELOW[digits] = 10 ** digits
    return bound


def digits_about(n: int) -> int:
    """About how many decimal digits n has, from its bit length (no conversion)."""
    return int(abs(n).bit_length() * 0.30103) + 1


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
