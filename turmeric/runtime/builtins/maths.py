"""Mathematical functions: Clojure 1.11's clojure.math, which is Java's Math. They are core
functions (sqrt, pow, floor, ...), also named math/NAME, clojure.math/NAME and Math/javaName
(the analyzer's table in data/names.py).

They follow Java rather than Python where the two differ, as a Clojure program expects: a
result outside the function's domain is NaN (`(sqrt -1)`), not an error; an overflow is an
infinity (`(exp 1000)`); floor, ceil, rint, signum and pow give floats; round gives an int.
"""
from __future__ import annotations

import math
from typing import Callable

from turmeric.data.types import value_error
from turmeric.runtime.builtins.args import int_arg, num_arg

INT64_MAX = 2 ** 63 - 1


def _java(name: str, f: Callable) -> Callable:
    """A one-argument function of floats, with Java's NaN and infinities for the cases where
    Python raises."""
    def fn(x):
        num_arg(name, x)
        try:
            return float(f(x))
        except ValueError:
            if x == 0 and name in ("log", "log10"):
                return -math.inf
            return math.nan
        except OverflowError:
            return math.inf
    fn.__name__ = name.replace("-", "_")
    return fn


def cbrt(x):
    """The cube root, exact for a perfect cube (27 -> 3.0, as Java's Math.cbrt)."""
    num_arg("cbrt", x)
    if not math.isfinite(x):
        return float(x)
    r = math.cbrt(x)
    whole = round(r)
    return float(whole) if whole ** 3 == x else r


def pow_(x, y):
    num_arg("pow", x)
    num_arg("pow", y)
    try:
        return math.pow(x, y)
    except ZeroDivisionError:
        return math.inf
    except ValueError:
        return math.inf if x == 0 else math.nan   # 0 to a negative power; a negative base's root
    except OverflowError:
        return math.inf if x > 0 or float(y).is_integer() and y % 2 == 0 else -math.inf


def atan2(y, x):
    return math.atan2(num_arg("atan2", y), num_arg("atan2", x))


def hypot(x, y):
    return math.hypot(num_arg("hypot", x), num_arg("hypot", y))


def _whole(name: str, f: Callable) -> Callable:
    """floor, ceil and rint: a float with no fraction (an infinity or NaN stays itself)."""
    def fn(x):
        num_arg(name, x)
        return float(f(x)) if math.isfinite(x) else float(x)
    fn.__name__ = name
    return fn


def round_(x):
    """Java's Math.round: the closest int, halves up; NaN is 0; infinities clamp to 64 bits."""
    num_arg("round", x)
    if type(x) is int:
        return x
    if math.isnan(x):
        return 0
    if math.isinf(x):
        return INT64_MAX if x > 0 else -INT64_MAX - 1
    return math.floor(x + 0.5)


def signum(x):
    num_arg("signum", x)
    if x != x:
        return math.nan
    return 1.0 if x > 0 else -1.0 if x < 0 else 0.0


def floor_div(x, y):
    int_arg("floor-div", x)
    if int_arg("floor-div", y) == 0:
        raise value_error("floor-div", "division by zero")
    return x // y


def floor_mod(x, y):
    int_arg("floor-mod", x)
    if int_arg("floor-mod", y) == 0:
        raise value_error("floor-mod", "division by zero")
    return x % y


BUILTINS: dict[str, Callable] = {
    "sqrt": _java("sqrt", math.sqrt), "cbrt": cbrt,
    "exp": _java("exp", math.exp), "expm1": _java("expm1", math.expm1),
    "log": _java("log", math.log), "log10": _java("log10", math.log10),
    "log1p": _java("log1p", math.log1p),
    "sin": _java("sin", math.sin), "cos": _java("cos", math.cos), "tan": _java("tan", math.tan),
    "asin": _java("asin", math.asin), "acos": _java("acos", math.acos),
    "atan": _java("atan", math.atan), "atan2": atan2, "hypot": hypot, "pow": pow_,
    "to-radians": _java("to-radians", math.radians), "to-degrees": _java("to-degrees", math.degrees),
    "floor": _whole("floor", math.floor), "ceil": _whole("ceil", math.ceil),
    "rint": _whole("rint", round),   # Python's round of a float is half-to-even, as rint is
    "round": round_, "signum": signum, "floor-div": floor_div, "floor-mod": floor_mod,
}
