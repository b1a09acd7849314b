"""map, filter and reduce over a function whose body runs no user code are compiled to
Python comprehensions and loops (cps/expressions.py). Regression (#9 item 7): a pipeline
of them did not compile, since Python forbids := in a comprehension's iterable. The class
test composes map, filter, reduce, for and let and compares each program with the same one
compiled without the optimisation: the builtins called through local aliases."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric import pipeline
from turmeric.data.printer import pr_str
from turmeric.session.session import MacroEnv, Session

pytestmark = pytest.mark.usefixtures("scratch_cache")

PIPELINE = "(defn g [n] (reduce + 0 (map (fn [x] (* x x)) (filter (fn [x] (= 0 (mod x 3))) (range n)))))"


@pytest.fixture(scope="module")
def session():
    return Session()


def python_of(session, text: str) -> str:
    mod = session.scratch_module("user")
    return pipeline.compile_text(text, "<test>", mod, MacroEnv(session, mod), session.core_names(),
                                 frozenset(session.pure), False, "<test>", until="python").module.source


def test_map_of_filter_compiles(session):
    assert session.eval_string(PIPELINE + "\n(g 10)")[1:] == [126]


def test_an_alias_defeats_the_inlining(session):
    inlined = python_of(session, "(defn p [xs] (map (fn [x] (+ x 1)) xs))")
    aliased = python_of(session, "(defn q [xs] (let [m map] (m (fn [x] (+ x 1)) xs)))")
    assert " for l_x in " in inlined and "C_map" not in inlined
    assert " for l_x in " not in aliased and "C_map" in aliased


# -- class test -------------------------------------------------------------------------------

SMALL = st.integers(1, 5).map(str)
FNS = st.one_of(
    st.just("(fn [x] (* x x))"), SMALL.map(lambda k: f"(fn [x] (+ x {k}))"),
    SMALL.map(lambda k: f"(fn [x] (mod x {k}))"), st.just("(fn [x] (inc x))"),
    st.just("(fn [x] (- x y))"))
PREDS = st.one_of(
    SMALL.map(lambda k: f"(fn [x] (= 0 (mod x {k})))"), st.just("(fn [x] (odd? x))"),
    SMALL.map(lambda k: f"(fn [x] (< x {k}))"), SMALL.map(lambda k: f"(fn [x] (not (= x {k})))"),
    st.just("(fn [x] (< y x))"))
REDUCERS = st.sampled_from(["(fn [a x] (+ a x))", "(fn [a x] (+ a (* x 2)))", "+", "(fn [a x] (max a x))"])


def collections(depth: int):
    """An expression that makes a list of integers, in which `y` is bound."""
    leaf = st.one_of(st.just("(range n)"), st.lists(st.integers(-4, 9), max_size=4).map(
        lambda xs: "[" + " ".join(map(str, xs)) + "]"))
    if depth == 0:
        return leaf
    inner = collections(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(FNS, inner).map(lambda t: f"(MAP {t[0]} {t[1]})"),
        st.tuples(PREDS, inner).map(lambda t: f"(FILTER {t[0]} {t[1]})"),
        inner.map(lambda c: f"(for [x {c}] (* x 3))"),
        st.tuples(inner, PREDS).map(lambda t: f"(for [x {t[0]} :when ({t[1]} x)] x)"),
        st.tuples(SMALL, inner).map(lambda t: f"(let [y {t[0]}] {t[1]})"),
        st.tuples(REDUCERS, inner).map(lambda t: f"(let [s (REDUCE {t[0]} 0 {t[1]})] (range (mod s 7)))"),
    )


BODIES = st.one_of(collections(3), st.tuples(REDUCERS, collections(3)).map(
    lambda t: f"(REDUCE {t[0]} 0 {t[1]})"))


def program(body: str, name: str, aliased: bool) -> str:
    if aliased:
        body = body.replace("MAP", "m").replace("FILTER", "fl").replace("REDUCE", "r")
        return f"(defn {name} [n] (let [m map fl filter r reduce y 2] {body}))"
    return f"(defn {name} [n] (let [y 2] {body.replace('MAP', 'map').replace('FILTER', 'filter').replace('REDUCE', 'reduce')}))"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BODIES, st.integers(0, 12))
def test_optimised_equals_unoptimised(session, body, n):
    session.eval_string(program(body, "fast", False) + "\n" + program(body, "slow", True))
    fast, slow = session.eval_string(f"[(fast {n}) (slow {n})]")[0]
    assert pr_str(fast) == pr_str(slow)
