"""Issue #10: parked continuations that survive code changes.

Item 2: `turmeric resume` of a checkpoint without --value continues with the value that was
checkpointed; --value still overrides it; a continuation captured by another shift still gets
nil. Item 1: stable symbols (see the tests further down)."""
from __future__ import annotations

import contextlib
import dataclasses
import re
import tempfile

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.analyzer import ir
from turmeric.cli.continuations import checkpointed_value
from turmeric.data.printer import pr_str
from turmeric.data.values import vector
from turmeric.runtime import machine
from turmeric.serialize.decode import deserialize
from turmeric.pipeline import compile_text
from turmeric.session.session import MacroEnv, Module, Session
from conftest import no_python, tm

machine.allow_deep_python_stack()

pytestmark = pytest.mark.usefixtures("scratch_cache")


def ok(proc):
    no_python(proc)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# -- #10 item 2: checkpoint resumes with its value -------------------------------------------

ORDER = """
(module order)
(defn charge-payment [n] {:charged n :ref "ch_1"})
(defn process-order [order-id]
  (def charge-result (checkpoint "payment-charged" (charge-payment order-id)))
  (println "charged" charge-result)
  (checkpoint "shipped" (str "shipped " order-id " with " charge-result.ref)))
(println "result:" (process-order 42))
"""


def test_resume_without_value_gives_the_checkpointed_value_back(tmp_path, tm_env):
    """#10 item 2: the seed's (checkpoint "payment-charged" charge-result) gives it back."""
    (tmp_path / "order.tm").write_text(ORDER, encoding="utf-8")
    first = ok(tm(tm_env, tmp_path, "run", "order.tm"))
    assert first == 'charged {:charged 42, :ref ch_1}\nresult: shipped 42 with ch_1\n'
    assert ok(tm(tm_env, tmp_path, "resume", "checkpoint-payment-charged.bin")) == first
    assert ok(tm(tm_env, tmp_path, "resume", "checkpoint-shipped.bin")) == "result: shipped 42 with ch_1\n"
    # --value still overrides, also with nil
    over = ok(tm(tm_env, tmp_path, "resume", "checkpoint-payment-charged.bin", "--value", '{:ref "ch_9"}'))
    assert over == 'charged {:ref ch_9}\nresult: shipped 42 with ch_9\n'
    assert ok(tm(tm_env, tmp_path, "resume", "checkpoint-shipped.bin", "--value", "nil")) == "result: nil\n"


def test_a_continuation_of_another_shift_still_resumes_with_nil(tmp_path, tm_env):
    """#10 item 2: only a checkpoint's continuation has a value to give back."""
    (tmp_path / "own.tm").write_text("""
(defn step [x]
  (def r (cloneable-shift [k] (write-file "own.bin" (serialize k)) (k x)))
  (println "got" r))
(cloneable-reset (fn [] (step 7)))
""", encoding="utf-8")
    assert ok(tm(tm_env, tmp_path, "run", "own.tm")) == "got 7\n"
    assert ok(tm(tm_env, tmp_path, "resume", "own.bin")) == "got nil\n"


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.integers(), st.text(max_size=20), st.none(), st.booleans(),
                 st.lists(st.integers(), max_size=5).map(vector)))
def test_checkpointed_value_round_trips(value):
    """#10 item 2, the class: whatever value a checkpoint continued with, the continuation it
    saved holds it (what `resume` without --value passes), and resuming with it gives the
    result of the first run."""
    with tempfile.TemporaryDirectory() as d, contextlib.chdir(d):
        s = Session()
        first = s.eval_string(f"""
(defn job [] (let [v (checkpoint "p" (quote {pr_str(value)}))] [v (count (str v))]))
(cloneable-reset (fn [] (job)))""")[-1]
        with open("checkpoint-p.bin", "rb") as f:
            data = f.read()
        fresh = Session()
        fresh.eval_string(f"(defn job [] (let [v (checkpoint \"p\" (quote {pr_str(value)}))] [v (count (str v))]))")
        k = fresh.run(lambda: deserialize(fresh, data))
        assert checkpointed_value(fresh, k) == value
        again = fresh.run(machine.run, lambda dd: machine.resume(dd, k, checkpointed_value(fresh, k)), ())
        assert again == first and again[0] == value


# -- #10 item 1: symbols that do not move when unrelated code moves -------------------------

V1 = """(module flow)
(defn helper [x] (* x 10))
(defn work [n]
  (let [a (checkpoint "mid" (+ n 1))
        f (fn [y] (+ y a))]
    (println "after" a (f (helper n)))
    a))
(println "start")
(println "result" (work 4))
"""

# v2: a defn added at the top, unrelated forms reordered and one removed, helper's code
# changed (it has no frame in the data: resuming runs the new code)
V2 = """(module flow)
(defn added-at-the-top [] :new)
(defn work [n]
  (let [a (checkpoint "mid" (+ n 1))
        f (fn [y] (+ y a))]
    (println "after" a (f (helper n)))
    a))
(defn other [] (map (fn [z] z) [1]))
(defn helper [x] (* x 100))
(println "result" (work 4))
"""


def test_a_checkpoint_survives_unrelated_changes(tmp_path, tm_env):
    """#10 item 1: adding a defn near the top, reordering, removing and changing unrelated forms
    keeps every symbol the checkpoint names (the top-level form that called `work` included)."""
    src = tmp_path / "flow.tm"
    src.write_text(V1, encoding="utf-8")
    assert ok(tm(tm_env, tmp_path, "run", "flow.tm")) == "start\nafter 5 45\nresult 5\n"
    src.write_text(V2, encoding="utf-8")
    assert ok(tm(tm_env, tmp_path, "resume", "checkpoint-mid.bin")) == "after 5 405\nresult 5\n"


def test_a_checkpoint_is_refused_when_the_suspended_function_changed(tmp_path, tm_env):
    """#10 item 1: a change to the code of a function with a frame is still refused."""
    src = tmp_path / "flow.tm"
    src.write_text(V1, encoding="utf-8")
    ok(tm(tm_env, tmp_path, "run", "flow.tm"))
    src.write_text(V2.replace('(println "after" a', '(println "later" a'), encoding="utf-8")
    proc = tm(tm_env, tmp_path, "resume", "checkpoint-mid.bin")
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1 and "error[schema-mismatch]" in proc.stderr, proc.stderr
    assert "flow.work changed since the checkpoint was saved" in proc.stderr


def test_a_changed_top_level_form_with_a_frame_is_refused(tmp_path, tm_env):
    """#10 item 1: the top-level form that called into the captured code is named by its
    content, so changing it refuses the checkpoint (as a changed function is)."""
    src = tmp_path / "flow.tm"
    src.write_text(V1, encoding="utf-8")
    ok(tm(tm_env, tmp_path, "run", "flow.tm"))
    src.write_text(V1.replace('(println "result" (work 4))', '(println "total" (work 4))'), encoding="utf-8")
    proc = tm(tm_env, tmp_path, "resume", "checkpoint-mid.bin")
    assert proc.returncode == 1 and "error[schema-mismatch]" in proc.stderr, proc.stderr
    assert "flow/top-" in proc.stderr and "no longer exists" in proc.stderr


_SESSION = Session()
FORMS = [
    "(defn a [x] (map (fn [y] (+ x y)) [1 2]))",
    "(defn b [x] (let [f (fn [z] z) g (fn named [w] w)] (f (g x))))",
    "(def c (fn [] 1))",
    "(println (a 1))",
    "(println (b 2))",
    "(println (a 1))",          # identical to an earlier form: an ordinal tells them apart
    "(defmacro m [x] x)",
    "(struct P [u v])",
    "(when true (println (fn [q] q)))",
]


def symbols_of(forms: list[str]) -> dict[str, list[str]]:
    """Each form's text -> the symbols of the functions compiled from it, in order."""
    mod = Module(name="m", path=None)
    compiled = compile_text("\n".join(forms), "/tmp/m.tm", mod, MacroEnv(_SESSION, mod),
                            _SESSION.core_names(), frozenset(_SESSION.pure), False, "<m>", until="ir")
    out: dict[str, list[str]] = {}
    for form, top in zip(forms, compiled.tops):
        fns = []
        ir_walk(top.fn, fns)
        out.setdefault(form, []).append([f.info.symbol for f in fns])
    return out


def ir_walk(node, out):
    if isinstance(node, ir.Fn):
        out.append(node)
    for f in dataclasses.fields(node):
        v = getattr(node, f.name)
        for x in (v if isinstance(v, (list, tuple)) else [v]):
            if isinstance(x, ir.Node):
                ir_walk(x, out)


def test_symbols_of_a_sample_program():
    """#10 item 1: what the names look like."""
    syms = symbols_of(FORMS)
    assert syms["(defn a [x] (map (fn [y] (+ x y)) [1 2]))"] == [["m/def-a", "m.a", "m.a/fn#1"]]
    first, second = syms["(println (a 1))"]
    assert re.fullmatch(r"m/top-[0-9a-f]{8}", first[0]) and second == [first[0] + "#2"]


@settings(max_examples=40, deadline=None)
@given(st.permutations(FORMS), st.lists(st.sampled_from([
    "(defn extra [] (fn [] 2))", "(println :x)", "(def extra2 [(fn [] 3)])", "(loop [i 0] (when (< i 1) (recur (inc i))))"]),
    max_size=4), st.data())
def test_other_forms_do_not_move_a_forms_symbols(order, extra, data):
    """#10 item 1, the class: a form's symbols (its own and its fns') depend on the form
    alone, not on which other forms are around it or in what order (identical forms aside:
    the N-th of them is #N)."""
    base = symbols_of(FORMS)
    program = list(order)
    for e in extra:
        program.insert(data.draw(st.integers(0, len(program))), e)
    moved = symbols_of(program)
    for form, syms in base.items():
        if len(syms) == 1:
            assert moved[form] == syms, form
        else:
            assert sorted(map(tuple, moved[form])) == sorted(map(tuple, syms)), form
