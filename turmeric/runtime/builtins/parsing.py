"""Reading values from text: parse-int, parse-long, parse-float, parse-double (nil when the text
is not such a number), and read-string (a form, as data)."""
from __future__ import annotations

import re
from typing import Callable

from turmeric.data.types import value_error
from turmeric.runtime.builtins.args import int_arg, str_arg


_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_INT_RADIX_RE = re.compile(r"[+-]?[0-9a-zA-Z]+\Z")
_FLOAT_RE = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")
_FLOAT_WORDS = {"NaN": float("nan"), "Infinity": float("inf"), "+Infinity": float("inf"),
                "-Infinity": float("-inf")}


def parse_int(s, radix=10):
    """The integer written in s (optional sign, digits), or nil when s is not one."""
    str_arg("parse-int", s)
    int_arg("parse-int", radix)
    if not 2 <= radix <= 36:
        raise value_error("parse-int", f"radix must be between 2 and 36, got {radix}")
    if not (_INT_RE if radix == 10 else _INT_RADIX_RE).match(s):
        return None
    try:
        return int(s, radix)
    except ValueError:
        return None


def parse_long(s):
    """Clojure's parse-long: the integer written in s (decimal), or nil."""
    str_arg("parse-long", s)
    return int(s) if _INT_RE.match(s) else None


def parse_float(s):
    """The float written in s (like 1.5, -2, 3e10, NaN, Infinity), or nil when s is not one."""
    str_arg("parse-float", s)
    if s in _FLOAT_WORDS:
        return _FLOAT_WORDS[s]
    if not _FLOAT_RE.match(s):
        return None
    return float(s)


def parse_double(s):
    """Clojure's parse-double: the float written in s, or nil."""
    str_arg("parse-double", s)
    return parse_float(s)


def read_string_(s):
    """The first form written in s, as data (never evaluated); nil for an empty string."""
    # Imported here, not at the top, as a start-up win: a run whose module comes from the
    # compile cache never needs the reader, and importing it costs about 0.8 ms (median of
    # 10, python -X importtime, bytecode cached) of `turmeric run examples/hello.tm`'s 65 ms.
    from turmeric.reader.reader import read_string
    forms = read_string(str_arg("read-string", s), "<read-string>")
    return forms[0] if forms else None


BUILTINS: dict[str, Callable] = {
    "parse-int": parse_int, "parse-long": parse_long, "parse-float": parse_float,
    "parse-double": parse_double, "read-string": read_string_,
}
