"""Issue #10: parked continuations that survive code changes.

Item 2: `turmeric resume` of a checkpoint without --value continues with the value that was
checkpointed; --value still overrides it; a continuation captured by another shift still gets
nil. Item 1: stable symbols (see the tests further down)."""
from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import shutil
import tempfile

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.analyzer import ir
from turmeric.cli.continuations import checkpointed_value
from turmeric.data.printer import pr_str
from turmeric.data.values import vector
from turmeric.runtime import machine
from turmeric.serialize import wire
from turmeric.serialize.decode import deserialize
from turmeric.serialize.format import T_BUILTIN
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


# -- #10 item 1: every line of spec/serialization.md §6's two lists, across processes -----------

SECTION6 = """(module flow)
(struct Pt [x y])
(struct Tag [label])
(defn mk [n] (Pt n 2))
(defn helper [x] (* x 10))
(defn callee [x] (+ x 1))
(defn work [n]
  (let [p (mk n)
        h helper
        a (checkpoint "mid" (+ n 1))]
    (println "after" a p.x (h 1) (callee n))
    a))
(defn looped [n]
  (let [f (fn [] 0)]
    (loop [i 0]
      (when (< i n)
        (checkpoint "loop" i)
        (recur (inc i))))))
(defn anon [n]
  (let [t Tag
        ys (map (fn [v] v) [0])
        r ((fn [z] (checkpoint "anon" z)) n)]
    [r t ys]))
(println "result" (work 4))
(println "looped" (looped 1))
(println "anon" (anon 3))
(println "anon" (anon 3))
"""
ANON_FORM = '(println "anon" (anon 3))\n'
# line of §6 -> (the change, the checkpoints it must refuse; the others stay ok)
INVALIDATES = {
    "a function with a frame whose code changed": (lambda s: s.replace('"after"', '"later"'), {"mid"}),
    "a function value in the data whose code changed": (lambda s: s.replace("(* x 10)", "(* x 11)"), {"mid"}),
    "a function with a frame renamed": (lambda s: s.replace("work", "labour"), {"mid"}),
    "a function with a frame removed": (lambda s: s.replace(s[s.index("(defn anon"):s.index("(println \"result")], "")
                                        .replace(ANON_FORM, ""), {"anon"}),
    "its module renamed": (lambda s: s.replace("(module flow)", "(module flux)"), {"mid", "loop", "anon"}),
    "its module moved off the module path": (None, {"mid", "loop", "anon"}),
    "an anonymous fn renumbered by one added before it": (
        lambda s: s.replace("ys (map (fn [v] v) [0])", "ys (map (fn [v] v) (map (fn [w] w) [0]))"), {"anon"}),
    "a top-level form with a frame changed": (lambda s: s.replace('"result"', '"total"'), {"mid"}),
    "an identical form removed before one with a frame": (lambda s: s.replace(ANON_FORM, "", 1), {"anon"}),
    "a loop renumbered by one added before it in the same function": (
        lambda s: s.replace("(let [f (fn [] 0)]", "(let [f (fn [] 0) g (loop [j 0] j)]"), {"loop"}),
    "a struct in the data whose number of fields changed": (
        lambda s: s.replace("(struct Pt [x y])", "(struct Pt [x y z])").replace("(Pt n 2)", "(Pt n 2 0)"), {"mid"}),
    "a struct type value whose field names changed": (lambda s: s.replace("[label]", "[name]"), {"anon"}),
}
DOES_NOT = {
    "a function with no frame and no value changed (a callee)": lambda s: s.replace("(+ x 1)", "(+ x 2)"),
    "the declared module version alone": lambda s: s.replace("(module flow)", "(module flow :version 2)"),
    "comments, whitespace, moving code": lambda s: s.replace("(defn callee [x] (+ x 1))\n", "") \
        .replace("(defn work", ";; moved\n\n\n(defn callee [x]\n  (+ x 1))   ; a comment\n(defn work"),
    "other top-level forms added, removed, reordered": lambda s: s.replace(
        "(struct Tag [label])\n", "(defmacro twice [x] `(do ~x ~x))\n(defn extra [] (fn [] 1))\n") \
        .replace("(defn mk", "(struct Tag [label])\n(println (extra))\n(defn mk"),
    "anonymous fns and loops in other functions, in the same top-level form too":
        lambda s: s.replace("(defn helper [x] (* x 10))", "(defn helper [x] (* x 10))\n(defn more [] "
                            "(loop [q 0] (if (< q 1) (recur (inc q)) (map (fn [e] e) [q]))))")
        .replace("(let [f (fn [] 0)]", "(let [f (fn [] (or nil (and 1 (loop [u 0] u))))]"),
    "a struct's fields renamed, their number kept": lambda s: s.replace("(struct Pt [x y])", "(struct Pt [x w])"),
}


def test_every_line_of_section_6_across_processes(tmp_path, tm_env):
    """#10 item 1: each line of spec/serialization.md §6's lists, checked by a fresh process
    (turmeric check: ok is exactly what resume takes as it is) against the checkpoints a first
    process wrote; the DOES_NOT changes leave all three ok, each INVALIDATES change refuses
    exactly the checkpoints whose data its line names."""
    base = tmp_path / "base"
    base.mkdir()
    (base / "flow.tm").write_text(SECTION6, encoding="utf-8")
    ok(tm(tm_env, base, "run", "flow.tm"))
    cases = {f"i{n}": (change, bad) for n, (change, bad) in enumerate(INVALIDATES.values())}
    cases.update({f"d{n}": (change, set()) for n, change in enumerate(DOES_NOT.values())})
    for folder, (change, _bad) in cases.items():
        shutil.copytree(base, tmp_path / folder)
        if change is None:
            (tmp_path / folder / "flow.tm").unlink()
        else:
            (tmp_path / folder / "flow.tm").write_text(change(SECTION6), encoding="utf-8")
    shutil.rmtree(base / ".turmeric-code")      # (no saved copy to fall back on)
    for folder in cases:
        shutil.rmtree(tmp_path / folder / ".turmeric-code")
    # the last line: a builtin in the data that no longer exists (bytes naming one)
    (tmp_path / "builtin").mkdir()
    (tmp_path / "builtin" / "k.bin").write_bytes(wire.pack(
        [{"turmeric": "0.1.0", "modules": []}, [[T_BUILTIN, "a-builtin-since-removed"]],
         wire.msgpack.ExtType(0, (0).to_bytes(4, "big"))]))
    proc = tm(tm_env, tmp_path, "check", "--json", *cases, "builtin")
    no_python(proc)
    report = json.loads(proc.stdout)["checkpoints"]
    [removed] = [e for e in report if e["path"].startswith("builtin")]
    assert removed["status"] == "refused" and "the builtin a-builtin-since-removed no longer exists" in removed["error"]
    names = dict(zip(cases, list(INVALIDATES) + list(DOES_NOT)))
    for folder, (_change, bad) in cases.items():
        got = {e["path"].split("/")[-1][len("checkpoint-"):-len(".bin")]: e["status"]
               for e in report if e["path"].split("/")[0] == folder}
        assert set(got) == {"mid", "loop", "anon"}, (names[folder], got)
        assert {k for k, v in got.items() if v != "ok"} == bad, (names[folder], got, report)
