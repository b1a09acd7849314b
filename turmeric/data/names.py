"""Mangling of Turmeric names into Python identifiers, and back.

Every Turmeric name becomes a Python identifier by keeping letters and digits and writing
every other character as `_` plus a one-letter code (or `_X` plus six hex digits). Decoding
is unambiguous because an escape always has a fixed length. Prefixes keep the kinds apart:
`g_` globals, `l_` locals, `f_` struct fields.
"""
from __future__ import annotations

import math
import sys

_CODES = {
    "-": "h", "_": "u", "?": "q", "!": "b", "*": "s", "<": "l", ">": "g", "=": "e",
    "/": "d", "+": "p", ".": "o", "&": "a", "%": "c", "$": "z", "'": "t", "#": "n",
    ":": "k", "|": "v", "^": "r", "~": "w", "@": "m",
}
_DECODE = {v: k for k, v in _CODES.items()}


def mangle(name: str) -> str:
    out = []
    for ch in name:
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch in _CODES:
            out.append("_" + _CODES[ch])
        else:
            out.append("_X%06x" % ord(ch))
    return "".join(out)


def demangle(s: str) -> str | None:
    out = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch != "_":
            out.append(ch)
            i += 1
            continue
        if i + 1 >= len(s):
            return None
        code = s[i + 1]
        if code == "X":
            try:
                out.append(chr(int(s[i + 2:i + 8], 16)))
            except ValueError:
                return None
            i += 8
        elif code in _DECODE:
            out.append(_DECODE[code])
            i += 2
        else:
            return None
    return "".join(out)


def mangle_global(name: str) -> str:
    return "g_" + mangle(name)


def mangle_field(name: str) -> str:
    return "f_" + mangle(name)


def demangle_field(attr: str) -> str | None:
    if not attr.startswith("f_"):
        return None
    return demangle(attr[2:])


def demangle_any(ident: str) -> str:
    """A readable Turmeric name for a generated identifier (for error messages)."""
    for prefix in ("g_", "l_", "f_"):
        if ident.startswith(prefix):
            base = ident[len(prefix):]
            # locals may carry a numeric suffix `__N` added by renaming
            base = base.split("__", 1)[0] if prefix == "l_" else base
            name = demangle(base)
            if name is not None:
                return name
    return ident


def split_qualified(name: str) -> tuple[str, str] | None:
    """(alias, member) of a qualified name such as `str/join`, else None (`/` alone, `a/`,
    `/a` and names without a slash are not qualified)."""
    alias, slash, member = name.partition("/")
    return (alias, member) if slash and alias and member else None


# Clojure libraries whose functions are Turmeric core functions under the same names, each
# with the aliases that name them (str/join is join); the analyzer resolves these prefixes,
# and ns/require accept these libraries under these aliases
CLOJURE_LIBRARY_ALIASES = {
    "clojure.core": frozenset({"clojure.core"}),
    "clojure.string": frozenset({"clojure.string", "str", "string", "s"}),
    "clojure.set": frozenset({"clojure.set", "set"}),
    "clojure.math": frozenset({"clojure.math", "math"}),
}

# Java's static members that Clojure programs call, as the core function each one is
# (Math/sqrt is sqrt), and the static constants, as their values (spec/language.md §8)
JAVA_STATICS = {
    **{f"Math/{java}": core for java, core in {
        "abs": "abs", "max": "max", "min": "min", "sqrt": "sqrt", "cbrt": "cbrt", "pow": "pow",
        "exp": "exp", "expm1": "expm1", "log": "log", "log10": "log10", "log1p": "log1p",
        "sin": "sin", "cos": "cos", "tan": "tan", "asin": "asin", "acos": "acos", "atan": "atan",
        "atan2": "atan2", "hypot": "hypot", "floor": "floor", "ceil": "ceil", "rint": "rint",
        "round": "round", "signum": "signum", "toRadians": "to-radians", "toDegrees": "to-degrees",
        "floorDiv": "floor-div", "floorMod": "floor-mod", "random": "rand"}.items()},
    "Integer/parseInt": "parse-long", "Long/parseLong": "parse-long",
    "Double/parseDouble": "parse-double", "String/valueOf": "str",
    "System/currentTimeMillis": "now-ms", "System/getenv": "getenv", "System/exit": "exit",
    "Thread/sleep": "sleep-ms",
}
STATIC_CONSTANTS = {
    **{f"{ns}/{name}": value for ns in ("Math", "math", "clojure.math")
       for name, value in (("PI", math.pi), ("E", math.e))},
    "Integer/MAX_VALUE": 2 ** 31 - 1, "Integer/MIN_VALUE": -2 ** 31,
    "Long/MAX_VALUE": 2 ** 63 - 1, "Long/MIN_VALUE": -2 ** 63,
    "Double/POSITIVE_INFINITY": math.inf, "Double/NEGATIVE_INFINITY": -math.inf,
    "Double/NaN": math.nan, "Double/MAX_VALUE": sys.float_info.max,
}
