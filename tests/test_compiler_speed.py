"""The compute rows of issue #14: what the compiler does to make them fast, guarded by what
the generated code contains (never by timing), and every optimized shape checked against
the same program compiled without the optimization (a differential test).

- `(reduce OP init coll)` with a pure builtin OP is a plain loop calling OP's strict
  two-argument form, not the generic builtin path a function value takes ("#14 item reduce").
- The depth test sits before a function's first call on each path, not at its entry, and a
  function that calls twice or more computes the callees' depth once ("#14 item fib"); a
  loop does not reassign a parameter every recur passes on as it is, and a list walk whose
  recurs pass (rest xs) tests the list's type once per walk ("#14 item nqueens").
"""
from __future__ import annotations

import importlib
import re

import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

from conftest import ROOT
from turmeric import pipeline
from turmeric.codegen import printer
from turmeric.cps import lift, types
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.session.session import MacroEnv, Session

pytestmark = pytest.mark.usefixtures("scratch_cache")


@pytest.fixture(scope="module")
def session():
    return Session(cache=False)


def python_of(session, text: str, module: str = "user") -> str:
    """The Python the compiler writes for text (in a module of its own, so that its `loop`
    and `fn` numbers start from 1)."""
    mod = session.scratch_module(module)
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


# -- lambda lifting of let-bound fns that never escape (cps/lift.py) ------------------------------

NQUEENS = (ROOT / "bench" / "programs" / "nqueens.tm").read_text()


def test_a_loop_makes_no_closure_per_call(session):
    """#14 item nqueens: `safe?` made a `loop` closure on every call (K_..._dloop_n1(l_col));
    now its loop is a module function called directly with the captured `col` first."""
    src = python_of(session, NQUEENS, "nq1")
    assert "K_" not in src
    assert "return F_nq1_osafe_q_dloop_n1(d + 1, l_col, l_placed, 1)" in src
    # place's loop reads `place` itself as the module function, not as a passed value
    assert "def F_nq1_oplace_dloop_n1(d, l_placed, l_n, l_row, l_col, l_total):" in src


def test_a_lifted_loop_keeps_its_symbol_and_its_errors(session):
    """The lifted loop is still `outer/loop#1` (spec/language.md §14) in the call stack of an
    error raised inside it, with the position of the failing call."""
    with pytest.raises(TurmericError) as e:
        session.eval_string('(defn g [xs] (loop [ys xs acc 0] (if (empty? ys) acc '
                            '(recur (rest ys) (+ acc (first ys))))))\n(g [1 2 "a"])')
    assert e.value.kind == "type" and e.value.message == "+: expected a number, got string"
    assert [name for name, _ in e.value.tstack][-2:] == ["user.g", "user.g/loop#1"]


def test_a_checkpoint_inside_a_lifted_loop_resumes_in_a_fresh_process(run_tm, tmp_path):
    """A frame of a lifted loop (its captured `k` and `n` now parameters) is saved and resumed
    by another process; so is one below a depth unwind inside a lifted loop."""
    (tmp_path / "lp.tm").write_text(
        '(defn f [n k] (loop [i 0 acc 0] (if (= i n) acc\n'
        '  (do (when (= i 2) (checkpoint "mid" acc)) (recur (inc i) (+ acc (* i k)))))))\n'
        '(prn (f 5 10))\n'
        '(defn deep [n] (loop [i n] (if (= i 0) (do (checkpoint "deep" 0) 0) (+ 1 (deep (dec i))))))\n'
        '(prn (deep 2500))\n')
    p = run_tm("run", "lp.tm", cwd=tmp_path)
    assert p.returncode == 0, p.stderr.decode()
    assert p.stdout.decode() == "100\n2500\n"
    for name, out in (("mid", "100\n"), ("deep", "2500\n")):   # the rest of its top-level form
        r = run_tm("resume", f"checkpoint-{name}.bin", cwd=tmp_path)
        assert r.returncode == 0, r.stderr.decode()
        assert r.stdout.decode() == out
    i = run_tm("inspect", "checkpoint-mid.bin", cwd=tmp_path)
    assert "lp.f/loop#1" in i.stdout.decode() and "k = 10" in i.stdout.decode()


# each shape runs with the optimization and without it (the flag read when compiling)
SHAPES = [
    # a loop capturing parameters
    "(defn f [n k] (loop [i 0 acc 0] (if (>= i n) acc (recur (inc i) (+ acc (* i k))))))",
    # a named let-bound fn called twice, directly
    "(defn f [n k] (let [g (fn g [x] (if (> x n) (* x k) (g (inc x))))] [(g 0) (g k)]))",
    # escapes: passed to map (not lifted)
    "(defn f [n k] (let [g (fn [x] (+ x n))] (doall (map g [k 1 2]))))",
    # calls itself outside tail position (not lifted)
    "(defn f [n k] (let [g (fn g [x] (if (<= x 0) k (+ 1 (g (dec x)))))] (g n)))",
    # a captured variable that set! changes: the loop gets the box
    "(defn f [n k] (def c k) (loop [i 0] (when (< i n) (set! c (+ c i)) (recur (inc i)))) c)",
    # nested loops, the inner one capturing the outer one's variables
    "(defn f [n k] (loop [i 0 acc []] (if (= i n) acc (recur (inc i) (conj acc (loop [j 0 s k] (if (> j i) s (recur (inc j) (+ s j)))))))))",
    # closures made inside a lifted loop capture its variables
    "(defn f [n k] (loop [i 0 fs []] (if (>= i n) (mapv (fn [g] (g)) fs) (recur (inc i) (conj fs (fn [] (* i k)))))))",
    # a try inside the loop body
    "(defn f [n k] (loop [i 0 acc 0] (if (>= i n) acc (recur (inc i) (try (+ acc (quot k (- i 2))) (catch e (- acc 100)))))))",
    # a wrong type inside the loop
    "(defn f [n k] (loop [i 0 acc 0] (if (>= i n) acc (recur (inc i) (+ acc (if (= i k) \"x\" i))))))",
    # a shift inside the loop, resumed twice
    "(defn f [n k] (let [r (cloneable-reset (fn [] (loop [i 0 acc 0] (if (>= i n) acc "
    "(recur (inc i) (+ acc (if (= i 1) (cloneable-shift [c] [(resume c k) (resume c 1)]) i)))))))] r))",
    # a let-bound fn called with the wrong number of arguments (not lifted)
    "(defn f [n k] (let [g (fn [x] (+ x k))] (if (> n 3) (g n 1) (g n))))",
    # a loop at the top of a function called from a loop, deeper than the depth limit
    "(defn f [n k] (loop [i 0 acc 0] (if (>= i n) acc (recur (inc i) (+ acc (count (loop [j (* 300 k)] (if (<= j 0) [] (conj (recur (dec j)) j)))))))))",
    "(defn f [n k] (let [down (fn down [x acc] (if (<= x 0) acc (down (dec x) (+ acc k))))] (loop [i 0 t 0] (if (>= i n) t (recur (inc i) (+ t (down (* i 700) 0)))))))",
]


def run_shape(session, shape: str, n: int, k: int):
    got = outcome(session, f"{shape}\n(f {n} {k})")
    # an anonymous fn's number counts the session's inputs (fn#49, then fn#50 for the same one)
    return got[:2] + tuple(re.sub(r"_n\d+|#\d+", "#N", m) for m in got[2:])


@pytest.mark.parametrize("shape", SHAPES, ids=range(len(SHAPES)))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(0, 6), k=st.integers(-3, 3))
def test_lifting_agrees_with_closures(session, monkeypatch, shape, n, k):
    """The class: every shape a lifted fn can take (captures, boxes, nesting, try, shift and
    resume, depth unwinds, errors) gives the same value or error with lifting off."""
    fast = run_shape(session, shape, n, k)
    with monkeypatch.context() as m:
        m.setattr(lift, "ENABLED", False)
        slow = run_shape(session, shape, n, k)
    assert fast == slow


# -- type facts: no guard where an operand is known to be an int (cps/types.py) -----------------

def test_nqueens_guards(session):
    """#14 item nqueens: `dist` is known to be an int in `safe?`'s loop (the literal 1, then
    (inc dist)), so (inc dist) is `l_dist + 1`, and (= (abs (- c col)) dist) tests one type."""
    src = python_of(session, NQUEENS, "nq2")
    loop = src[src.index("def F_nq2_osafe_q_dloop_n1"):src.index("def F_nq2_oplace_dloop_n1")]
    assert "(l_dist + 1)," in loop and "B_inc" not in loop
    assert "((abs(t3) == l_dist) if type((t3 := " in loop
    # the version for an int col, its list loop: the list's type tested when the walk starts,
    # then, per item, c's type once (was 9 per item: dist's two, col's two, c's, the two
    # results', the list's two after the first)
    fast = loop[loop.index("if type(l_qs) is PListT:"):loop.index("\n            else:\n")]
    per_item = fast[fast.index("if type(l_c) is int:"):fast.index("\n                        else:\n")]
    assert per_item.count("type(") == 1
    assert "(l_c == l_col) or" in per_item and "abs(\n" in per_item and "(l_c - l_col)) == l_dist)):" in per_item


def test_an_or_tested_by_if_is_pythons_or(session):
    """#14 item nqueens: (if (or (= c col) (= ...)) ...) no longer stores the `or`'s value in
    a temporary and tests it again: `if (...) or (...):`."""
    src = python_of(session, NQUEENS, "nq3")
    assert "l_or_u_u2" not in src and "B__e(l_c, l_col)) or " in src


def test_guards_spread_over_a_guarded_operand(session):
    """#14 item chain: (= (mod x 3) 0) tests x once, `(x % 3) == 0` when it is an int."""
    src = python_of(session, "(defn keep? [x] (= (mod x 3) 0))")
    assert "return (((l_x % 3) == 0) if type(l_x) is int else" in src
    assert src.count("type(") == 2   # x, then the builtin mod's result in the other branch


LEAVES = ["i", "a", "x", "y", "i", "a", "1", "-2", "1.5"]


def int_exprs():
    def extend(inner):
        return st.one_of(
            st.tuples(st.sampled_from(["inc", "dec", "abs", "-"]), inner).map(lambda t: f"({t[0]} {t[1]})"),
            st.tuples(inner, st.sampled_from(["3", "-4", "1"])).map(lambda t: f"(mod {t[0]} {t[1]})"),
            st.tuples(st.sampled_from(["+", "-", "*", "="]), inner, inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"(if (= {t[0]} 0) {t[1]} {t[2]})"),
            st.tuples(inner, inner, inner).map(lambda t: f"(if (or (= {t[0]} 1) {t[1]} (nil? {t[2]})) {t[2]} 0)"),
            inner.map(lambda e: f"(let [v {e}] (+ v (count [v v])))"),
        )
    return st.recursive(st.sampled_from(LEAVES), extend, max_leaves=6)


VALUES = ["1", "true", "1.0", "-7", "0.0", "false", "nil", '"s"', "[1]"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(e=int_exprs(), step=int_exprs(), x=st.sampled_from(VALUES), y=st.sampled_from(VALUES))
@example(e="(= i y)", step="(inc a)", x="1", y="true")
@example(e="(= (abs (- i 1)) y)", step="(= (mod a 3) i)", x="1.0", y="1")
@example(e="(* (inc i) (inc a))", step="(dec (- a))", x='"s"', y="1")
def test_type_facts_agree_with_guards(session, monkeypatch, e, step, x, y):
    """The class: integer arithmetic and = on values of every kind, in a loop whose variables
    are known ints (i) or become something else (a), gives the same value or error (message
    included) with the type facts on and off."""
    shape = (f"(defn f [x y] (loop [i 0 a x out []] (if (>= i 3) out "
             f"(recur (inc i) {step} (conj out [a {e}])))))")
    fast = run_shape(session, shape, x, y)
    with monkeypatch.context() as m:
        m.setattr(types, "ENABLED", False)
        slow = run_shape(session, shape, x, y)
    assert fast == slow


# -- a unit's own small defns inlined into map and filter (lift.inlinable_defs) ---------------------

CHAIN = (ROOT / "bench" / "programs" / "chain.tm").read_text()


def test_the_chain_calls_no_function_per_item(session):
    """#14 item chain: (reduce + 0 (map square (filter keep? xs))) is two comprehensions over
    the defns' bodies and a loop, while `square` and `keep?` are still those functions."""
    src = python_of(session, CHAIN, "ch1")
    body = src[src.index("def F_ch1_osum_hchain"):src.index("def R_ch1_osum_hchain_1")]
    assert "if (t4 is F_ch1_okeep_q and not B__clazy_q(l_xs)):" in body
    assert "PLIST([t6 for t6 in B_items(l_xs, 'filter') if" in body
    assert "if (t3 is F_ch1_osquare and not B__clazy_q(t5)):" in body
    # the ordinary calls are still the function's two sites, numbered as before
    assert "t5 = C_filter(d1, t4, l_xs)" in body and "t9 = C_map(d1, t3, t5)" in body
    assert body.count("except Unwind") == 2
    # an error inside the inlined keep? is reported by the call, keep? in the call stack
    with pytest.raises(TurmericError) as e:
        session.eval_string(CHAIN + '\n(sum-chain [3 "a"])', module="ch2")
    assert e.value.message == 'mod: expected a number, got string "a"'
    assert [name for name, _ in e.value.tstack][-2:] == ["ch2.sum-chain", "ch2.keep?"]
    assert session.eval_string("(sum-chain [1 2 3 6])", module="ch2") == [45]


def stack_outcome(session, text: str):
    try:
        return ("value", pr_str(session.eval_string(text)[-1]))
    except TurmericError as e:
        # (a top-level form's #N counts the session's inputs)
        return ("error", e.kind, e.message, [re.sub(r"#\d+", "", name) for name, _ in e.tstack][-2:])


DEFNS = [
    "(defn g [x] (= (mod x 3) 0))",
    "(defn g [x] (* x x))",
    "(defn g [x] (inc (abs x)))",
    "(defn g [x] (not (nil? x)))",
    "(defn g [x] (if (> x 1) x 0))",                 # an if: not inlined
    "(defn g [x] (println x) x)",                    # an effect: not inlined
    "(defn g [x] (count x))",
    "(defn g [x] x)",
]
COLLS = ["[1 2 3 4]", "'(0 -3 5)", "[]", "nil", '[1 "a" 2]', "[1.5 nil]", "#{7}", "(range 5)",
         "(take 3 (iterate inc 1))", "5", '"ab"', "[[1] [2 3]]"]


@pytest.mark.parametrize("defn", DEFNS, ids=range(len(DEFNS)))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(op=st.sampled_from(["map", "filter"]), coll=st.sampled_from(COLLS), later=st.booleans())
def test_inlined_defns_agree_with_calls(session, monkeypatch, defn, op, coll, later):
    """The class: map and filter over an inlined defn give the value, or the error with the
    same message and the same innermost frames (the defn's own among them), as the call
    does; a defn redefined after the unit was compiled is called, not inlined."""
    redefine = '(def g (fn [x] [x]))' if later else ""
    program = f"{defn}\n(defn h [xs] (doall ({op} g xs)))\n{redefine}\n(h {coll})"
    fast = stack_outcome(session, program)
    with monkeypatch.context() as m:
        m.setattr(lift, "ENABLED", False)
        slow = stack_outcome(session, program)
    assert fast == slow


# -- an if testing (empty? xs) and the like, versioned for a list -----------------------------------

def test_a_list_walk_tests_the_type_once(session):
    """#14 item nqueens: `safe?`'s loop tests `type(l_qs) is PListT` once per item, then reads
    .count, .first and .rest straight from the cell (the other version keeps the guards)."""
    src = python_of(session, NQUEENS, "nq4")
    loop = src[src.index("def F_nq4_osafe_q_dloop_n1"):src.index("def F_nq4_oplace_dloop_n1")]
    fast = loop[loop.index("if type(l_qs) is PListT:"):loop.index("\n            else:\n")]
    assert "l_qs.count == 0:" in fast and "l_c = l_qs.first" in fast and "l_qs.rest, (l_dist + 1)," in fast
    assert fast.count("PListT") == 1


WALKS = [
    "(defn f [xs k] (loop [ys xs n 0] (if (empty? ys) n (recur (rest ys) (+ n (first ys) k)))))",
    "(defn f [xs k] (loop [ys xs acc []] (if (empty? ys) acc (let [y (first ys)] (if (= y k) (recur (rest ys) acc) (recur (rest ys) (conj acc [y (count ys)])))))))",
    "(defn f [xs k] (if (first xs) (count xs) (rest xs)))",
    "(defn f [xs k] (loop [ys xs] (if (count ys) (if (empty? ys) k (recur (rest ys))) 0)))",
    # a call of user code inside: not versioned (it would copy a site)
    "(defn id [x] x) (defn f [xs k] (loop [ys xs n 0] (if (empty? ys) n (recur (rest ys) (+ n (id (first ys)))))))",
    "(defn f [xs k] (loop [ys xs n 0] (if (empty? ys) n (recur (rest ys) (if (or (nil? (first ys)) (= k (first ys))) (inc n) n)))))",
    # cons of a name onto a list is made inline (#14 item nqueens); onto anything else, the builtin
    "(defn f [xs k] (let [a (cons k xs) b (cons 0 a)] [b (count b) (rest a)]))",
    "(defn f [xs k] (loop [ys xs acc '()] (if (empty? ys) [acc (count acc)] (recur (rest ys) (cons (first ys) (cons k acc))))))",
]
INPUTS = ["'(1 2 3)", "[1 2 3]", "nil", "'()", "(range 4)", "(take 2 (iterate inc 5))", '"ab"',
          "(list 1 nil 2)", "#{3}", "{:a 1}", "7", "(cons 1 [2])"]


@pytest.mark.parametrize("walk", WALKS, ids=range(len(WALKS)))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(xs=st.sampled_from(INPUTS), k=st.sampled_from(["1", "2", "nil"]))
def test_list_versions_agree_with_guards(session, monkeypatch, walk, xs, k):
    """The class: walking lists, vectors, nil, lazy sequences, strings, sets, maps and non-
    collections gives the same value or error with the versioning (and the type facts) off."""
    fast = run_shape(session, walk, xs, k)
    with monkeypatch.context() as m:
        m.setattr(types, "ENABLED", False)
        slow = run_shape(session, walk, xs, k)
    assert fast == slow


# -- the depth test where a call is about to happen; d1; invariants not reassigned ---------------

FIB = (ROOT / "bench" / "programs" / "fib.tm").read_text()
emit = importlib.import_module("turmeric.codegen.emit")   # the package's `emit` is the function
lower = importlib.import_module("turmeric.cps.lower")     # and `lower`


def direct_function(src: str, name: str) -> str:
    start = src.index(f"def {name}(")
    end = src.find("\ndef ", start + 1)
    return src[start:] if end < 0 else src[start:end]


def test_fib_tests_the_depth_only_where_it_calls(session):
    """#14 item fib: fib's `n < 2` path (most of its calls) returns with no depth test, the
    other path tests once before its first call and passes `d1`, computed once, to both
    calls; the resume entries, which run on the heap stack, pass `d + 1` and test nothing."""
    src = python_of(session, FIB, "fb1")
    fib = direct_function(src, "F_fb1_ofib")
    leaf, rest = fib.split("return l_n\n")
    assert "_depth" not in leaf and "d1" not in leaf
    assert rest.count("if d > 1000: _depth(F_fb1_ofib, l_n)") == 1
    assert rest.index("_depth") < rest.index("d1 = d + 1") < rest.index("try:")
    assert rest.count("F_fb1_ofib(d1, ") == 2 and "d + 1" not in rest.replace("d1 = d + 1", "")
    r1 = direct_function(src, "R_fb1_ofib_1")
    assert "_depth" not in r1 and "F_fb1_ofib(d + 1, " in r1
    # the return after the second call is inside that call's try (no jump over the handler),
    # with the call as its operand (no t2), the call on a line of its own
    assert "        try:\n            return (t1 + \n                    F_fb1_ofib(d1, \n" \
           "                    (l_n - 2)))\n        except Unwind as u:" in fib


def test_a_function_that_calls_nothing_tests_no_depth(session):
    """#14 item fib: a function that calls no user code adds no Python frame below its own."""
    src = python_of(session, "(defn sq [x] (* x x)) (defn two [x] (sq x))", "fb2")
    assert "_depth" not in direct_function(src, "F_fb2_osq")
    assert "if d > 1000: _depth(F_fb2_otwo, l_x)" in direct_function(src, "F_fb2_otwo")


def test_effects_stay_after_the_depth_test(session):
    """#14 item fib: what runs before the depth test runs again after a depth unwind, so a
    println, a set! of a global or a set! of a parameter stays after it."""
    src = python_of(session, "(def c 0) (defn f [n] (println n) (set! c n) (+ 1 (f n)))", "fb3")
    f = direct_function(src, "F_fb3_of")
    assert f.index("_depth") < f.index("B_println")
    src = python_of(session, "(defn f [n] (let [m (- n 1)] (if (< n 0) 0 (+ 1 (f m)))))", "fb4")
    f = direct_function(src, "F_fb4_of")
    assert f.index("l_m = ") < f.index("_depth")   # an effect-free let is safe to run twice


def test_cons_onto_a_list_makes_the_cell_inline(session):
    """#14 item nqueens: (cons col placed) in place's loop is the cell itself when placed is a
    list, not three Python calls (B_cons, values.cons, PList)."""
    src = python_of(session, NQUEENS, "nq8")
    assert "(PListT(l_col, l_placed, l_placed.count + 1) if type(l_placed) is PListT else " \
           "B_cons(l_col, l_placed))" in src


def test_a_loop_does_not_reassign_its_invariants(session):
    """#14 item nqueens: `place`'s loop passes placed, n and row on as they are: a recur
    assigns only col and total; `safe?`'s passes col on: it assigns qs and dist."""
    src = python_of(session, NQUEENS, "nq5")
    assert "l_col, l_total, = t1, t2," in src
    assert "l_qs, l_dist, = l_qs.rest, (l_dist + 1)," in src
    assert "l_placed, l_n, l_row, l_col, l_total, =" not in src


def test_a_list_walk_tests_the_type_once_per_walk(session):
    """#14 item nqueens: every recur of the list version of `safe?`'s loop passes (rest qs),
    so qs stays a list: that version is a loop of its own, entered once per walk."""
    src = python_of(session, NQUEENS, "nq6")
    loop = direct_function(src, "F_nq6_osafe_q_dloop_n1")
    assert loop.count("while True:") == 4   # two per version (the int col one, the other)
    inner = loop[loop.index("if type(l_qs) is PListT:"):loop.index("\n            else:\n")]
    assert inner.count("PListT") == 1 and "while True:" in inner
    assert "_depth" not in loop      # it calls nothing


def test_an_if_is_versioned_only_where_it_saves_a_type_test(session):
    """#14 item nqueens: (= n 0) tests n's type only when n is 0, and (= row n) alone has one
    guard: neither if is versioned (sum's loop and place would test a type more often)."""
    src = python_of(session, "(defn s [n acc] (if (= n 0) acc (s (- n 1) (+ acc n))))", "iv1")
    assert "is int:" not in src and "(l_n == 0 and type(l_n) is int)" in src
    src = python_of(session, NQUEENS, "iv2")
    assert "is int:" not in direct_function(src, "F_iv2_oplace")


def test_a_loop_is_versioned_for_an_int_invariant(session):
    """#14 item nqueens: `col`, captured by safe?'s loop and passed on by every recur, is
    tested once when the loop starts; the version for an int col compares (= c col) testing
    c's type alone. A loop with a call site is not versioned (place's)."""
    src = python_of(session, NQUEENS, "nq7")
    loop = direct_function(src, "F_nq7_osafe_q_dloop_n1")
    assert loop.startswith("def F_nq7_osafe_q_dloop_n1(d, l_col, l_qs, l_dist):\n    if type(l_col) is int:\n")
    int_version, other = loop.split("\n    else:\n")
    assert int_version.count("(l_c == l_col if type(l_c) is int else B__e(l_c, l_col))") == 2
    assert "type(l_col)" not in int_version[int_version.index("\n", 60):]
    assert other.count("(l_c == l_col if type(l_c) is type(l_col) is int else B__e(l_c, l_col))") == 2
    assert "if type(" not in direct_function(src, "F_nq7_oplace_dloop_n1").split("\n")[1]


DEEP = [
    # fib's shape, past the depth limit
    "(defn f [n k] (if (< n 2) (+ n k) (+ (f (- n 1) k) 1)))",
    # an effect-free let before the first call
    "(defn f [n k] (let [m (- n 1) z (* m k)] (if (<= n 0) k (+ z (f m k)))))",
    # an effect before the first call: it must happen once per call
    "(def log []) (defn f [n k] (set! log (conj log n)) (if (<= n 0) (count log) (+ 0 (f (dec n) k))))",
    # set! of a parameter before the call
    "(defn f [n k] (set! k (+ k 1)) (if (<= n 0) k (+ 0 (f (dec n) k))))",
    # a capture at the bottom, resumed twice
    "(defn g [n k] (if (<= n 0) (cloneable-shift [c] (+ (resume c k) (resume c 1))) (+ 1 (g (dec n) k))))"
    " (defn f [n k] (cloneable-reset (fn [] (g n k))))",
    # an error at the bottom: its kind, message and innermost frames
    "(defn f [n k] (if (<= n 0) (+ k \"x\") (+ 1 (f (dec n) k))))",
    # two calls on one path and a loop calling each iteration
    "(defn f [n k] (if (<= n 0) k (+ (f (dec n) k) (count (loop [i 0 acc []] (if (< i 2) (recur (inc i) (conj acc (f 0 i))) acc))))))",
    # a loop's captured invariants of every type: versioned for ints
    "(defn f [n k] (let [c (if (> n 3) k (str k)) e (if (odd? n) 1.5 n)] (loop [i 0 s 0] (if (>= i 3) s "
    "(recur (inc i) (if (or (= i c) (= (abs (- i e)) 1)) (inc s) s))))))",
    # an if versioned for an int local that a branch set!s, or that the test binds
    "(defn f [n k] (let [c (+ k 0)] (if (or (= c n) (< (- c n) 0)) (do (set! c (str c)) c) (- c 1))))",
    "(defn f [n k] (if (= (let [v (- n k)] (* v 2)) 0) n (+ (- n 1) (* k 2))))",
    # a list walk with a recur that does not pass (rest xs)
    "(defn f [n k] (loop [ys (range n) s 0] (if (empty? ys) s (if (= (first ys) k) (recur (rest (rest ys)) s) (recur (rest ys) (+ s 1))))))",
]


# what the fib/nqueens work added to the code, each a flag: the depth test sunk to the first
# call, recur skipping unchanged parameters, return inside the call's try, the folded return,
# ifs versioned for int locals
FIB_FLAGS = [(emit, "SINK"), (printer, "SKIP_SAME"), (printer, "RETURN_IN_TRY"), (printer, "FOLD"),
             (lower, "INT_IFS")]


@pytest.mark.parametrize("shape", DEEP, ids=range(len(DEEP)))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.sampled_from([0, 1, 5, 999, 1000, 1001, 2500]), k=st.integers(-2, 3))
@example(n=2500, k=1)
def test_sunk_depth_tests_agree_with_tests_at_entry(session, monkeypatch, shape, n, k):
    """The class: recursion past the depth limit with every kind of code before the first
    call (effect-free, effects, set! of a parameter), a capture resumed twice, an error, a
    loop, list walks: the same value or error (with its innermost frames) with the depth
    test at each function's entry, every recur assigning every parameter and no list loop."""
    program = f"{shape}\n(f {n} {k})"
    fast = stack_outcome(session, program)
    with monkeypatch.context() as m:
        for module, flag in FIB_FLAGS:
            m.setattr(module, flag, False)
        slow = stack_outcome(session, program)
    assert fast == slow


@pytest.mark.parametrize("walk", WALKS, ids=range(len(WALKS)))
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(xs=st.sampled_from(INPUTS + ["(cons 0 (range 3))", "(conj '(2 3) 1)", "(rest '(1 2 3 4 5 6 7))"]),
       k=st.sampled_from(["1", "2", "nil"]))
def test_list_loops_agree_with_the_plain_loop(session, monkeypatch, walk, xs, k):
    """The class of the list loop: the same walks over every kind of input give the same value
    or error with it (and the rest of #14 item fib's printing) off."""
    fast = run_shape(session, walk, xs, k)
    with monkeypatch.context() as m:
        for module, flag in FIB_FLAGS:
            m.setattr(module, flag, False)
        slow = run_shape(session, walk, xs, k)
    assert fast == slow


FOLDS = [
    # the operator fails: located at the (+ ...) form
    '(defn g [n] (if (= n 0) "s" 1))\n(defn f [n] (+ (g 1)\n   (g n)))\n(f ARG)',
    # the folded call's callee fails: located in it, and the call in f's frame
    '(defn g [n] (< n 2))\n(defn f [n] (+ (g 1)\n   (g n)))\n(f ARG)',
    '(defn f [n] (if (< n 2) n (+ (f (- n 1))\n  (f (- n 2)))))\n(f ARG)',
    '(defn g [n] (if (= n 0) (throw (ex-info "boom" {})) 1))\n(defn f [n] (+ 1\n  (g n)))\n(f ARG)',
    '(defn g [n] (if (= n 0) (cloneable-shift [k] (+ (resume k 1) (resume k 2))) n))\n'
    '(defn f [n] (cloneable-reset (fn [] (< 3\n  (g n)))))\n(f ARG)',
]


@pytest.mark.parametrize("program", FOLDS, ids=range(len(FOLDS)))
@pytest.mark.parametrize("arg", ["0", "1", '"x"', "12"])
def test_a_folded_return_keeps_its_errors_positions(session, monkeypatch, program, arg):
    """#14 item fib: `return (t1 + call)` names the same failing form (file:line:col) and the
    same call stack, with the same spans, as the call and the return printed apart."""
    text = program.replace("ARG", arg)

    def run():
        try:
            return ("value", pr_str(session.eval_string(text)[-1]))
        except TurmericError as e:
            def at(sp):   # (each input is a file of its own: <user-N>)
                return sp and (sp.line, sp.col, sp.end_line, sp.end_col)
            return ("error", e.kind, e.message, at(e.span),
                    [(re.sub(r"top-\w+(#\d+)?|#\d+", "", n), at(s)) for n, s in e.tstack])
    fast = run()
    with monkeypatch.context() as m:
        m.setattr(printer, "FOLD", False)
        slow = run()
    assert fast == slow


@pytest.mark.parametrize("n", [3, 999, 1001, 2500])
def test_a_capture_below_the_new_code_serializes_and_resumes_twice(session, n):
    """#14 item fib: a continuation captured under a recursion printed with every change of
    #14 fastc (sunk depth test, d1, the folded `return (x + call)`, past the depth limit for
    n > 1000) round-trips through bytes, and both it and its copy resume, twice."""
    src = (
        "(defn h [n] (if (< n 2) n (+ (h (- n 1)) (h (- n 2)))))\n"
        "(defn g [n] (if (<= n 0) (cloneable-shift [k] k) (+ (h 5) (g (dec n)))))\n"
        "(defn f [n] (let [k (cloneable-reset (fn [] (g n))) k2 (deserialize (serialize k))]\n"
        "  [(resume k2 10) (resume k2 20) (resume k 5) (resume k 6)]))\n"
        f"(f {n})")
    py = python_of(session, src, "ser1")
    assert "return (t1 + \n" in direct_function(py, "F_ser1_og")
    assert session.eval_string(src)[-1] == [5 * n + 10, 5 * n + 20, 5 * n + 5, 5 * n + 6]
