"""clojure.math and the Java statics Clojure programs call (Math/sqrt, Math/PI,
Integer/parseInt, Long/MAX_VALUE ...): the golden program tests/golden/builtins/clojure_math.tm
prints what Clojure 1.11.1 printed for it (recorded), and when a `clojure` command is on the
PATH the program runs through it too. Found by trying a Clojure program: `Math/abs is not
defined`."""
from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

import pytest

from turmeric.data.errors import TurmericError
from turmeric.data.names import JAVA_STATICS
from turmeric.runtime import machine
from turmeric.session.session import Session

machine.allow_deep_python_stack()

GOLDEN = Path(__file__).parent / "golden" / "builtins" / "clojure_math.tm"


@pytest.mark.skipif(shutil.which("clojure") is None, reason="no clojure on the PATH: the recorded output is checked by test_golden")
def test_the_recorded_output_is_clojures():
    out = subprocess.run(["clojure", str(GOLDEN)], capture_output=True, text=True, timeout=300)
    assert out.stdout == GOLDEN.with_suffix(".out").read_text()


def test_every_java_static_names_a_core_function():
    core = Session().core_names()
    assert {c for c in JAVA_STATICS.values() if c not in core} == set()


@pytest.mark.parametrize("expr, value", [
    ("(Math/max 1 5 3)", 5), ("(Double/parseDouble \"2.5\")", 2.5), ("(String/valueOf 12)", "12"),
    ("(sqrt 2.25)", 1.5), ("(math/floor -0.5)", -1.0), ("Double/POSITIVE_INFINITY", math.inf),
])
def test_statics_and_math_functions(expr, value):
    assert Session().eval_string(expr)[-1] == value


@pytest.mark.parametrize("expr, message", [
    ("(Math/nope 1)", "Math/nope is not defined"),
    ("(sqrt \"4\")", "sqrt: expected a number"),
    ("(floor-div 1 0)", "floor-div: division by zero"),
    ("(floor-mod 1.5 1)", "floor-mod: expected an integer"),
])
def test_mistakes(expr, message):
    with pytest.raises(TurmericError) as e:
        Session().eval_string(expr)
    assert message in e.value.message
