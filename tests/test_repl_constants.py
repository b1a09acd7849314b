"""Regression (#9 item 1): REPL inputs overwrote each other's constants. Every input is a
unit of the module `user`, compiled on its own into the same namespace; its non-literal
constants (keywords, vectors, ...) were module globals `Q_0`, `Q_1`, ... numbered per unit,
so a later input's `Q_0` replaced an earlier one's and `(f)` returned the wrong keyword."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.printer import pr_str
from turmeric.session.session import Session

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("scratch_cache")


def test_repl_inputs_keep_their_own_constants(tm_env, tmp_path):
    env = dict(tm_env, XDG_DATA_HOME=str(tmp_path))
    text = "(defn f [] :apple)\n(f)\n(prn :banana)\n(f)\n"
    p = subprocess.run([sys.executable, "-m", "turmeric.cli", "repl"], cwd=ROOT, env=env,
                       input=text, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout == "#<fn user.f>\n:apple\n:banana\nnil\n:apple\n"


# -- class test: input by input equals one file ---------------------------------------------

KEYWORDS = st.sampled_from(["apple", "banana", "cherry", "a", "b"]).map(lambda k: ":" + k)
STRINGS = st.sampled_from(["x", "yy", "apple", ""]).map(lambda s: f'"{s}"')
ATOMS = st.one_of(KEYWORDS, STRINGS, st.integers(-3, 3).map(str))
CONSTANTS = st.one_of(KEYWORDS, STRINGS, st.lists(ATOMS, max_size=3).map(lambda xs: f"[{' '.join(xs)}]"))


@st.composite
def sessions(draw) -> list[str]:
    """A sequence of inputs: defns returning constants, calls of them, and prns."""
    defined: list[str] = []
    inputs = []
    for _ in range(draw(st.integers(1, 8))):
        kinds = (["defn"] if len(defined) < 6 else []) + ["prn"] + (["call"] if defined else [])
        kind = draw(st.sampled_from(kinds))
        if kind == "defn":   # each name once: a file that defines a name twice names them apart
            name = "fghkmn"[len(defined)]
            inputs.append(f"(defn {name} [] {draw(CONSTANTS)})")
            defined.append(name)
        elif kind == "call":
            inputs.append(f"({draw(st.sampled_from(defined))})")
        else:
            inputs.append(f"(prn {draw(CONSTANTS)})")
    inputs += [f"({name})" for name in defined]   # every function, at the end
    return inputs


def results(session_run) -> list[str]:
    out: list = []
    session_run(lambda v: out.append(pr_str(v)))
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sessions())
def test_inputs_one_by_one_equal_one_file(inputs):
    def by_input(collect):
        s = Session()
        for text in inputs:
            s.eval_string(text, on_result=collect)

    def as_file(collect):
        Session().load_source("\n".join(inputs) + "\n", "<user-file>", "user", on_result=collect)
    assert results(by_input) == results(as_file)
