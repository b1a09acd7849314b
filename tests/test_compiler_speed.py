"""The compute rows of issue #14: what the compiler does to make them fast, guarded by what
the generated code contains (never by timing), and every optimized shape checked against
the same program compiled without the optimization (a differential test).

- `(reduce OP init coll)` with a pure builtin OP is a plain loop calling OP's strict
  two-argument form, not the generic builtin path a function value takes ("#14 item reduce").
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric import pipeline
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.session.session import MacroEnv, Session

pytestmark = pytest.mark.usefixtures("scratch_cache")


@pytest.fixture(scope="module")
def session():
    return Session(cache=False)


def python_of(session, text: str) -> str:
    mod = session.scratch_module("user")
    return pipeline.compile_text(text, "<test>", mod, MacroEnv(session, mod), session.core_names(),
                                 frozenset(session.pure), False, "<test>", until="python").module.source


def outcome(session, text: str):
    """The printed value of the last form, or the error's kind and message."""
    try:
        return ("value", pr_str(session.eval_string(text)[-1]))
    except TurmericError as e:
        return ("error", e.kind, e.message)


# -- (reduce OP init coll) ----------------------------------------------------------------------

def test_reduce_with_a_builtin_is_a_loop(session):
    """#14 item reduce: `+` passed to reduce no longer goes through C_reduce and the generic
    builtin wrapper; the loop adds two integers with Python's + and anything else with B_+."""
    src = python_of(session, "(defn s [xs] (reduce + 0 xs))")
    assert "C_reduce" not in src and "C__p" not in src
    assert "for t2 in B_items(l_xs, 'reduce'):" in src
    assert "t1 + t2 if type(t1) is type(t2) is int else" in src


def test_reduce_with_a_builtin_keeps_the_strict_builtin(session):
    """The builtin passed as a value stays strict (spec/language.md, "Inlined operators"):
    two strings are not concatenated, and the error names `+` and the reduce call."""
    assert outcome(session, '(defn s [xs] (reduce + 0 xs)) (s [1 "a"])') == \
        ("error", "type", '+: expected a number, got string "a"')
    assert outcome(session, '(reduce + "" ["a" "b"])')[0] == "error"
    assert outcome(session, "(reduce + 0 5)") == \
        ("error", "type", "reduce: expected a collection, got integer")


OPS = ["+", "-", "*", "max", "min", "conj", "str", "="]
ATOMS = st.one_of(st.integers(-5, 5), st.sampled_from(["1.5", "-0.0", '"a"', "nil", ":k", "true", "[1]"]))


def atom_text(a) -> str:
    return str(a) if isinstance(a, int) else a


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(op=st.sampled_from(OPS), init=ATOMS, items=st.lists(ATOMS, max_size=5),
       coll=st.sampled_from(["[{}]", "'({})", "(list {})", "#{{{}}}"]))
def test_reduce_with_a_builtin_agrees_with_the_generic_path(session, op, init, items, coll):
    """The class: (reduce OP init coll) compiled to a loop gives what the generic reduce gives
    when reached through a local alias (which the compiler cannot inline), value or error."""
    if coll.startswith("#") and len(set(map(str, items))) != len(items):
        items = list(dict.fromkeys(items))
    c = coll.format(" ".join(atom_text(a) for a in items))
    i = atom_text(init)
    fast = outcome(session, f"(reduce {op} {i} {c})")
    slow = outcome(session, f"(let [r reduce] (r {op} {i} {c}))")
    assert fast == slow
