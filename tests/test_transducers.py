"""Transducers and reduced (Clojure gaps left by #9: `(map f)` with one argument was an arity
error, transduce and reduced did not exist). The values agree with Clojure 1.11.1 in
tests/test_clojure_agreement.py; here: a local named like a builtin is not redirected, a
continuation captured inside a transducer's step resumes twice alike and survives
serialization, and a hypothesis property compares transduce with the collection functions."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.data.printer import pr_str
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

pytestmark = pytest.mark.usefixtures("scratch_cache")


@pytest.fixture(scope="module")
def session():
    return Session()


def show(session, text) -> str:
    return pr_str(session.eval_string(text, module="xf")[-1])


def test_a_local_named_map_is_called_not_made_a_transducer(session):
    assert show(session, "(let [map (fn [x] [:mine x])] (map 1))") == "[:mine 1]"
    assert show(session, "(let [take (fn [n] n)] (take 3))") == "3"


def test_a_capture_inside_a_step_resumes_twice_alike_and_serializes(session):
    session.eval_string("""
      (defn ask [x] (cloneable-shift [k] k))
      (def k0 (cloneable-reset
                (fn [] (transduce (comp (map (fn [x] (if (= x 2) (+ x (ask x)) x))) (take 3)) conj [] (range 10)))))
    """, module="xf")
    assert show(session, "[(resume k0 100) (resume k0 100)]") == "[[0 1 102] [0 1 102]]"
    k = session.eval_string("k0", module="xf")[-1]
    back = deserialize(session, serialize(session, k))
    session.define_global("xf", "k-back", back)
    assert show(session, "(resume k-back 5)") == "[0 1 7]"


def test_reduced_stops_reduce_over_an_endless_sequence(session):
    assert show(session, "(reduce (fn [a x] (if (> a 100) (reduced a) (+ a x))) 0 (iterate inc 0))") == "105"
    assert show(session, "(into [] (comp (filter odd?) (take 3)) (range))") == "[1 3 5]"


SMALL = st.lists(st.integers(-20, 20), max_size=30)


@settings(max_examples=60, deadline=None)
@given(xs=SMALL, n=st.integers(0, 8))
def test_transduce_agrees_with_the_collection_functions(session, xs, n):
    v = "[" + " ".join(map(str, xs)) + "]"
    pairs = [
        (f"(transduce (comp (map inc) (filter odd?) (take {n})) conj [] {v})", f"(vec (take {n} (filter odd? (map inc {v}))))"),
        (f"(sequence (comp (remove neg?) (drop {n}) (partition-all 3)) {v})", f"(partition-all 3 (drop {n} (remove neg? {v})))"),
        (f"(into [] (comp (distinct) (map-indexed vector)) {v})", f"(vec (map-indexed vector (distinct {v})))"),
        (f"(sequence (comp (take-while pos?) (mapcat (fn [x] [x x]))) {v})", f"(mapcat (fn [x] [x x]) (take-while pos? {v}))"),
        (f"(transduce (dedupe) + 0 {v})", f"(reduce + 0 (dedupe {v}))"),
    ]
    for ours, theirs in pairs:
        assert show(session, f"(= {ours} {theirs})") == "true", (ours, theirs)
