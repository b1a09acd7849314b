"""Numbers: arithmetic, numeric comparison, numeric tests and conversions, bit operations.

Numbers are int or float, never bool: (+ true 1) is a type error. (/ a b) on integers that
divide exactly is an int, otherwise a float; dividing by zero (integer or float) is a value
error, as are mod, rem and quot by zero.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable

from turmeric.data.errors import TurmericError
from turmeric.data.types import short_pr, type_error, value_error
from turmeric.runtime.builtins.args import int_arg, num_arg


def overflow_error(name: str) -> TurmericError:
    return value_error(name, "number too large to represent as a float")


def add(*xs):
    total = 0
    try:
        for x in xs:
            if type(x) is not int and type(x) is not float:
                raise type_error("+", "a number", x)
            total += x
    except OverflowError:
        raise overflow_error("+") from None
    return total


def mul(*xs):
    total = 1
    try:
        for x in xs:
            if type(x) is not int and type(x) is not float:
                raise type_error("*", "a number", x)
            total *= x
    except OverflowError:
        raise overflow_error("*") from None
    return total


def sub(x, *ys):
    num_arg("-", x)
    if not ys:
        return -x
    try:
        for y in ys:
            if type(y) is not int and type(y) is not float:
                raise type_error("-", "a number", y)
            x -= y
    except OverflowError:
        raise overflow_error("-") from None
    return x


def _divide(a, b):
    if b == 0:
        raise value_error("/", "division by zero")
    try:
        if type(a) is int and type(b) is int:
            q, r = divmod(a, b)
            return q if r == 0 else a / b
        return a / b
    except OverflowError:
        raise overflow_error("/") from None


def div(x, *ys):
    num_arg("/", x)
    if not ys:
        return _divide(1, x)
    for y in ys:
        num_arg("/", y)
        x = _divide(x, y)
    return x


def _int_div_args(name, a, b):
    num_arg(name, a)
    num_arg(name, b)
    if b == 0:
        raise value_error(name, "division by zero")


def mod(a, b):
    """Clojure's mod: the result has the sign of the divisor."""
    _int_div_args("mod", a, b)
    try:
        return a % b
    except OverflowError:
        raise overflow_error("mod") from None


def quot(a, b):
    """Division truncated toward zero."""
    _int_div_args("quot", a, b)
    if type(a) is int and type(b) is int:
        q = abs(a) // abs(b)
        return -q if (a < 0) != (b < 0) else q
    try:
        return float(math.trunc(a / b))
    except (OverflowError, ValueError):
        raise value_error("quot", f"cannot truncate {short_pr(a)} / {short_pr(b)}") from None


def rem(a, b):
    """Remainder of quot: the result has the sign of the dividend."""
    _int_div_args("rem", a, b)
    if type(a) is int and type(b) is int:
        return a - b * quot(a, b)
    try:
        return math.fmod(a, b)
    except (OverflowError, ValueError):
        raise value_error("rem", f"cannot compute {short_pr(a)} rem {short_pr(b)}") from None


def inc(x):
    num_arg("inc", x)
    return x + 1


def dec(x):
    num_arg("dec", x)
    return x - 1


def max_(x, *ys):
    """Clojure's max: pairwise `(if (> x y) x y)`, so of equal numbers the later one wins
    (`(max 1 1.0)` is 1.0, `(max 1.0 1)` is 1); ##NaN wins over anything; of two float zeros
    0.0 (Java's Math.max)."""
    num_arg("max", x)
    for y in ys:
        num_arg("max", y)
        if x != x:
            continue
        if y != y or not x > y and not (x == 0.0 and type(x) is float is type(y)
                                        and math.copysign(1, x) > math.copysign(1, y)):
            x = y
    return x


def min_(x, *ys):
    """Clojure's min: pairwise `(if (< x y) x y)`, the later of equal numbers; ##NaN wins;
    of two float zeros -0.0."""
    num_arg("min", x)
    for y in ys:
        num_arg("min", y)
        if x != x:
            continue
        if y != y or not x < y and not (x == 0.0 and type(x) is float is type(y)
                                        and math.copysign(1, x) < math.copysign(1, y)):
            x = y
    return x


def abs_(x):
    num_arg("abs", x)
    return abs(x)


def num_eq(x, *ys):
    num_arg("==", x)
    ok = True
    for y in ys:
        num_arg("==", y)
        if x != y:
            ok = False
        x = y
    return ok


def is_zero(x):
    return num_arg("zero?", x) == 0


def is_pos(x):
    return num_arg("pos?", x) > 0


def is_neg(x):
    return num_arg("neg?", x) < 0


def is_even(x):
    return int_arg("even?", x) % 2 == 0


def is_odd(x):
    return int_arg("odd?", x) % 2 == 1


def is_number(x: Any) -> bool:
    t = type(x)
    return t is int or t is float


def is_int(x):
    return type(x) is int


def is_float(x):
    return type(x) is float


def to_float(x):
    num_arg("float", x)
    try:
        return float(x)
    except OverflowError:
        raise overflow_error("float") from None


def to_int(x):
    """Truncates a float toward zero."""
    num_arg("int", x)
    try:
        return int(x)
    except (OverflowError, ValueError):
        raise value_error("int", f"cannot convert {short_pr(x)} to an integer") from None


def _bit_args(name, xs):
    for x in xs:
        int_arg(name, x)


def bit_and(x, y, *more):
    _bit_args("bit-and", (x, y) + more)
    return functools.reduce(lambda a, b: a & b, more, x & y)


def bit_or(x, y, *more):
    _bit_args("bit-or", (x, y) + more)
    return functools.reduce(lambda a, b: a | b, more, x | y)


def bit_xor(x, y, *more):
    _bit_args("bit-xor", (x, y) + more)
    return functools.reduce(lambda a, b: a ^ b, more, x ^ y)


def bit_not(x):
    return ~int_arg("bit-not", x)


def _shift_count(name, n):
    int_arg(name, n)
    if n < 0:
        raise value_error(name, f"shift count must not be negative, got {n}")
    return n


def bit_shift_left(x, n):
    return int_arg("bit-shift-left", x) << _shift_count("bit-shift-left", n)


def bit_shift_right(x, n):
    return int_arg("bit-shift-right", x) >> _shift_count("bit-shift-right", n)


def _chain(name: str, ok: Callable[[Any, Any], bool]):
    def compare_chain(x, *ys):
        num_arg(name, x)
        result = True
        for y in ys:
            num_arg(name, y)
            if result and not ok(x, y):
                result = False
            x = y
        return result
    compare_chain.__name__ = "chain_" + {"<": "lt", ">": "gt", "<=": "le", ">=": "ge"}[name]
    return compare_chain


lt = _chain("<", lambda a, b: a < b)
gt = _chain(">", lambda a, b: a > b)
le = _chain("<=", lambda a, b: a <= b)
ge = _chain(">=", lambda a, b: a >= b)


BUILTINS: dict[str, Callable] = {
    "+": add, "-": sub, "*": mul, "/": div, "mod": mod, "quot": quot, "rem": rem,
    "inc": inc, "dec": dec, "max": max_, "min": min_, "abs": abs_, "==": num_eq,
    "zero?": is_zero, "pos?": is_pos, "neg?": is_neg, "even?": is_even, "odd?": is_odd,
    "number?": is_number, "int?": is_int, "integer?": is_int, "float?": is_float,
    "float": to_float, "int": to_int,
    "bit-and": bit_and, "bit-or": bit_or, "bit-xor": bit_xor, "bit-not": bit_not,
    "bit-shift-left": bit_shift_left, "bit-shift-right": bit_shift_right,
    "<": lt, ">": gt, "<=": le, ">=": ge,
    "double": to_float, "long": to_int,   # after float and int, which name the shared functions
}
