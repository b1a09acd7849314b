"""Lazy sequences (#9 item 13): lazy-seq, iterate, cycle, (range), (repeat x), (repeatedly f)
and the sequence functions that stay lazy over them; realization that is iterative and happens
once; equality and hashing with lists and vectors; printing; serialization of a partially
realized sequence, in process and across `turmeric run` / `turmeric resume`; inspect without
realizing. The property tests at the end compare every lazy function with its eager self."""
from __future__ import annotations

import time

import pytest
from hypothesis import given, settings, strategies as st

from conftest import no_python, tm
from turmeric.data.equality import equals
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import plist, vector
from turmeric.runtime.builtins.comparison import eq_hash
from turmeric.runtime.lazy import LazySeq, repl_text
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

pytestmark = pytest.mark.usefixtures("scratch_cache")


@pytest.fixture(scope="module")
def session():
    return Session()


def ev(session, text):
    return session.eval_string(text)[-1]


def show(session, text) -> str:
    return pr_str(ev(session, text))


# -- the staples of the issue (#9 item 13) -------------------------------------------------------

@pytest.mark.parametrize("expr,expected", [
    ("(take 5 (iterate inc 0))", "(0 1 2 3 4)"),
    ("(take 3 (cycle [1 2]))", "(1 2 1)"),
    ("(first (filter even? (range)))", "0"),
    ("(first (filter even? (drop 1 (range))))", "2"),
    ("(take 5 (repeat :x))", "(:x :x :x :x :x)"),
    ("(take 2 (repeatedly (fn [] 7)))", "(7 7)"),
    ("(take 3 (drop 3 (range)))", "(3 4 5)"),
    ("(take-while (fn [x] (< x 3)) (range))", "(0 1 2)"),
    ("(take 2 (drop-while (fn [x] (< x 10)) (range)))", "(10 11)"),
    ("(take 2 (map-indexed vector (iterate inc 10)))", "([0 10] [1 11])"),
    ("(take 3 (keep (fn [x] (when (odd? x) (* x 10))) (range)))", "(10 30 50)"),
    ("(take 5 (mapcat (fn [x] [x x]) (range)))", "(0 0 1 1 2)"),
    ("(take 4 (concat [1 2] (range)))", "(1 2 0 1)"),
    ("(take 4 (interleave (range) (repeat :a)))", "(0 :a 1 :a)"),
    ("(take 2 (partition 2 (range)))", "((0 1) (2 3))"),
    ("(take 2 (partition 3 1 (range)))", "((0 1 2) (1 2 3))"),
    ("(take 2 (partition-all 2 (range)))", "((0 1) (2 3))"),
    ("(take 3 (remove even? (range)))", "(1 3 5)"),
    ("(take 3 (take-nth 3 (range)))", "(0 3 6)"),
    ("(take 3 (map + (range) (iterate inc 10)))", "(10 12 14)"),
    ("(take 3 (map + (range) [10 20]))", "(10 21)"),
    ("[(first (range)) (second (range)) (nth (range) 10) (first (next (range)))]", "[0 1 10 1]"),
    ("[(seq (take 0 (range))) (empty? (take 0 (range))) (next (take 1 (range)))]", "[nil true nil]"),
    ("(rest (take 1 (range)))", "()"),
    ("(some (fn [x] (when (> x 5) x)) (range))", "6"),
    ("(every? odd? (take 3 (iterate (fn [x] (+ x 2)) 1)))", "true"),
    ("(into [] (take 3 (range)))", "[0 1 2]"),
    ("(count (take 100 (cycle [1 2 3])))", "100"),
    ("(reduce + (take 10 (range)))", "45"),
    ("(reduce + (take 0 (range)))", "0"),
    ("(apply + (take 10 (range)))", "45"),
    ("(doall (take 3 (range)))", "(0 1 2)"),
    ("(dorun (take 3 (range)))", "nil"),
    ("[(type-of (range)) (seq? (range)) (coll? (range)) (sequential? (range))]",
     "[:lazy-seq true true true]"),
    ("(str (take 3 (range)))", '"(0 1 2)"'),
    ("(take 3 (cycle (take 2 (range))))", "(0 1 0)"),
    ("(take 3 (sort (take 3 (iterate dec 0))))", "(-2 -1 0)"),
    ("(vec (take 3 (lazy-seq [1 2 3 4])))", "[1 2 3]"),
    ("(take 3 (lazy-seq nil))", "()"),
    ("(first (cons 5 (range)))", "5"),
    ("(take 3 (cons 5 (range)))", "(5 0 1)"),
    ("(nthrest (range) 3)", None),       # does not hang (checked below by its first item)
    ("(cycle [])", "()"),
    ("(conj (take 2 (range)) :c)", "(:c 0 1)"), ("(empty (take 2 (range)))", "()"),
    ("(let [[a b & more] (range)] [a b (take 2 more)])", "[0 1 (2 3)]"),
    ("(match (take 2 (range)) [x y] -> (+ x y) _ -> :no)", "1"),
    ("(match (range) [x y & _] -> [x y] _ -> :no)", "[0 1]"),
    ("(match (take 3 (range)) [x y] -> :two _ -> :other)", ":other"),
    ("(zipmap [:a :b] (range))", "{:a 0, :b 1}"), ("(zipmap (range) [:a])", "{0 :a}"),
    ("(for [x (take 3 (range)) y [:a]] [x y])", "([0 :a] [1 :a] [2 :a])"),
    ("(loop [s (take 4 (range)) acc 0] (if (seq s) (recur (next s) (+ acc (first s))) acc))", "6"),
    ("(not-empty (take 0 (range)))", "nil"), ("(nthnext (range 3) 5)", "nil"),
    ("(first (nthnext (range) 5))", "5"), ("(first (nthrest (range) 3))", "3"),
])
def test_lazy_staples(session, expr, expected):
    """#9 item 13: the Clojure programs with endless sequences work."""
    got = ev(session, expr)
    if expected is None:
        assert type(got) is LazySeq
        return
    assert pr_str(got) == expected


def test_fibs_and_primes(session):
    """#9 item 13: the self-referential fibs and the classic sieve."""
    ev(session, "(def fibs (lazy-seq (cons 0 (cons 1 (map + fibs (rest fibs))))))")
    assert show(session, "(take 12 fibs)") == "(0 1 1 2 3 5 8 13 21 34 55 89)"
    ev(session, """(defn sieve [s]
                     (cons (first s)
                           (lazy-seq (sieve (filter (fn [x] (not= 0 (mod x (first s)))) (rest s))))))""")
    assert show(session, "(take 10 (sieve (iterate inc 2)))") == "(2 3 5 7 11 13 17 19 23 29)"
    assert ev(session, "(nth (sieve (iterate inc 2)) 100)") == 547
    ev(session, "(def fib-seq (lazy-seq (concat [0 1] (map + fib-seq (rest fib-seq)))))")
    assert show(session, "(take 6 fib-seq)") == "(0 1 1 2 3 5)"


def test_the_inlined_map_stays_lazy(session):
    """#9 item 13 with item 7: (map (fn [x] ...) coll) compiled to a comprehension still gives
    a lazy sequence over a lazy input, and a list over a finite one."""
    assert show(session, "(take 3 (map (fn [x] (* x x)) (range)))") == "(0 1 4)"
    assert show(session, "(take 3 (filter (fn [x] (odd? x)) (range)))") == "(1 3 5)"
    assert show(session, "(take 2 (map (fn [x] (* x x)) (filter (fn [x] (= 0 (mod x 3))) (range))))") == "(0 9)"
    assert show(session, "(reduce (fn [a x] (+ a x)) 0 (take 5 (range)))") == "10"
    assert show(session, "(map (fn [x] (* x x)) [1 2 3])") == "(1 4 9)"
    assert type(ev(session, "(map (fn [x] (* x x)) [1 2 3])")).__name__ == "PList"


def test_the_inlined_map_is_still_a_comprehension(session, tmp_path, tm_env):
    src = tmp_path / "inl.tm"
    src.write_text("(defn f [xs] (map (fn [x] (* x x)) xs))\n(println (take 2 (f (range))))\n")
    p = tm(tm_env, tmp_path, "compile", "--dump", "python", str(src))
    assert p.returncode == 0, p.stderr
    assert " for l_x in " in p.stdout and "B__clazy_q" in p.stdout
    p = tm(tm_env, tmp_path, "run", str(src))
    assert p.stdout == "(0 1)\n", p.stderr


# -- realized once, lazily -----------------------------------------------------------------------

def test_items_are_computed_once_and_only_when_read(session):
    """#9 item 13: a realized item is not computed again; nothing is computed before it is read."""
    ev(session, "(def n-calls (atom 0))")
    ev(session, "(def sq (map (fn [x] (swap! n-calls inc) (* x x)) (range)))")
    assert ev(session, "@n-calls") == 0
    assert ev(session, "(realized? sq)") is False
    assert show(session, "(take 3 sq)") == "(0 1 4)"
    assert ev(session, "@n-calls") == 3
    assert ev(session, "(realized? sq)") is True
    assert show(session, "(take 3 sq)") == "(0 1 4)"
    assert ev(session, "(nth sq 4)") == 16
    assert ev(session, "@n-calls") == 5
    # take never realizes the n+1th item, rest realizes nothing
    ev(session, "(def it-calls (atom 0))")
    ev(session, "(def it (iterate (fn [x] (swap! it-calls inc) (inc x)) 0))")
    ev(session, "(doall (take 3 it))")
    assert ev(session, "@it-calls") == 2
    ev(session, "(rest (rest (rest (rest it))))")
    assert ev(session, "@it-calls") == 2


@pytest.mark.parametrize("expr,expected", [
    ("(count (take 1000000 (iterate inc 0)))", 1000000),
    ("(reduce + (take 200000 (iterate inc 0)))", sum(range(200000))),
    ("(first (filter (fn [x] (> x 200000)) (range)))", 200001),
    ("(last (take 100000 (map inc (filter even? (iterate inc 0)))))", 199999),
    ("(first ((fn nest [n] (lazy-seq (if (> n 0) (nest (dec n)) (list :bottom)))) 100000))",
     "bottom"),
    ("(nth ((fn ints [x] (lazy-seq (cons x (ints (inc x))))) 0) 100000)", 100000),
    ("(count (take 100000 (drop-while (fn [x] (< x 100000)) (range))))", 100000),
])
def test_deep_chains_realize_iteratively(session, expr, expected):
    """#9 item 13: 10^6 items built with iterate, a filter skipping 2*10^5, a lazy-seq that
    returns a lazy-seq 10^5 deep: no RecursionError."""
    got = ev(session, expr)
    assert (got.name if hasattr(got, "name") else got) == expected


# -- equality, hashing, errors -------------------------------------------------------------------

@pytest.mark.parametrize("expr,expected", [
    ("(= (range 3) [0 1 2])", True), ("(= (take 3 (range)) [0 1 2])", True),
    ("(= [0 1 2] (take 3 (range)))", True), ("(= '(0 1 2) (take 3 (range)))", True),
    ("(= (take 3 (range)) (take 3 (iterate inc 0)))", True),
    ("(= [0 1] (range))", False), ("(= (range) [0 1])", False),
    ("(= (take 3 (range)) [0 1])", False), ("(= (take 2 (range)) [0 1 2])", False),
    ("(= (take 0 (range)) [])", True), ("(= (take 0 (range)) nil)", False),
    ("(= (take 2 (range)) {0 1})", False),
    ("(= (hash (take 3 (range))) (hash [0 1 2]) (hash '(0 1 2)))", True),
])
def test_equality_with_lists_and_vectors(session, expr, expected):
    assert ev(session, expr) is expected


@pytest.mark.parametrize("expr,kind,fragment", [
    ("(def q2 (lazy-seq (first q2))) (first q2)", "value", "needs its own items"),
    ("(first (lazy-seq 5))", "type", "lazy-seq: expected a sequence"),
    ("(first (lazy-seq (cloneable-shift [k] 1)))", "control", "realization of a lazy sequence"),
    ("(take :a (range))", "type", "take: expected an integer"),
    ("(first (map (fn [x] (/ 1 x)) (range)))", "value", "division by zero"),
    ("(take 2 (concat [1] 5))", "type", "concat"),
])
def test_user_mistakes_are_turmeric_errors(session, expr, kind, fragment):
    with pytest.raises(TurmericError) as info:
        ev(session, expr)
    assert info.value.kind == kind and fragment in info.value.message


def test_a_throw_inside_a_realization_is_caught_with_its_value(session):
    assert ev(session, "(try (first (map (fn [x] (throw {:at x})) (range))) (catch e e))") == \
        ev(session, "{:at 0}")
    # a failed realization can be tried again: the cell was not spoiled
    ev(session, "(def flaky (atom 0))")
    ev(session, "(def fl (map (fn [x] (swap! flaky inc) (if (= @flaky 1) (throw :once) x)) (range)))")
    assert ev(session, "(try (first fl) (catch e e))").name == "once"
    assert ev(session, "(first fl)") == 0


# -- printing ------------------------------------------------------------------------------------

def test_printing(session):
    """prn prints a lazy sequence as a list, all of it (Clojure); the REPL shows 100 items."""
    assert show(session, "(take 3 (range))") == "(0 1 2)"
    assert repl_text(ev(session, "(range)")) == "(" + " ".join(map(str, range(100))) + " ...)"
    assert repl_text(ev(session, "(take 100 (range))")) == "(" + " ".join(map(str, range(100))) + ")"
    assert repl_text(ev(session, "[1]")) == "[1]"


def test_the_repl_prints_an_endless_sequence_in_bounded_time(run_tm):
    p = run_tm("repl", stdin="(def xs (iterate inc 0))\n(take 2 xs)\n", timeout=120)
    lines = p.stdout.decode().splitlines()
    assert lines[0].endswith("98 99 ...)") and lines[1] == "(0 1)", p.stderr


# -- serialization -------------------------------------------------------------------------------

def test_serialize_keeps_the_realized_prefix_and_the_thunk(session):
    """#9 item 13: a partially realized lazy sequence serializes as its realized items and its
    unrealized tail; after deserializing, the realized items are not computed again."""
    ev(session, "(def sv-pair (let [c (atom 0)] [c (map (fn [x] (swap! c inc) (* 10 x)) (range))]))")
    ev(session, "(doall (take 4 (second sv-pair)))")
    calls, back = deserialize(session, serialize(session, ev(session, "sv-pair")))
    assert calls.value == 4
    assert LazySeq.realized_prefix(back)[0] == [0, 10, 20, 30]
    got = [x for _, x in zip(range(6), back)]
    assert got == [0, 10, 20, 30, 40, 50]
    assert calls.value == 6          # only the two items never realized before were computed
    assert ev(session, "@(first sv-pair)") == 4   # the original is untouched


@pytest.mark.parametrize("expr", [
    "(range)", "(take 5 (iterate inc 0))", "(cycle [1 2 3])", "(lazy-seq (list 1 2))",
    "(interleave (range) (repeat :x))", "(partition 2 1 (range))", "(concat [1] (range))",
    "(take-while (fn [x] (< x 5)) (range))", "(keep (fn [x] (when (odd? x) x)) (range))",
    "(mapcat (fn [x] [x x]) (range))", "(rest (range))", "(take-nth 2 (range))",
    "(drop 3 (range))", "(drop-while neg? (iterate inc -3))", "(map-indexed vector (range))",
    "(take 0 (range))", "(doall (take 3 (range)))",
])
@pytest.mark.parametrize("realize", [0, 1, 3])
def test_every_kind_of_lazy_sequence_round_trips(session, expr, realize):
    s = ev(session, expr)
    for _ in zip(range(realize), s):
        pass
    back = deserialize(session, serialize(session, s))
    assert type(back) is LazySeq
    assert LazySeq.realized_prefix(back)[0] == LazySeq.realized_prefix(s)[0]
    assert [x for _, x in zip(range(7), back)] == [x for _, x in zip(range(7), s)]


@pytest.mark.parametrize("record,what", [
    ([16, 0, "no-such-step", 1], "unknown step"),
    ([16, 0, "take", "x", 1], "bad arguments"),
    ([16, 0, "iterate", 1, 2], "bad arguments"),
    ([16, 1], "malformed"),
    ([16, 0, "more", 5], "bad arguments"),
])
def test_hostile_lazy_records_are_deserialize_errors(session, record, what):
    import msgpack
    from turmeric.serialize import wire
    from turmeric.serialize.decode import ext_hook
    header, _records, _root = wire.unpack(serialize(session, ev(session, "(range)")), None, ext_hook)
    data = wire.pack([header, [record], msgpack.ExtType(wire.EXT_REF, (0).to_bytes(4, "big"))])
    with pytest.raises(TurmericError) as info:
        deserialize(session, data)
    assert info.value.kind == "deserialize" and what.split()[0] in info.value.message


PROGRAM = """
(defn main []
  (let [calls (atom 0)
        s (iterate (fn [x] (swap! calls inc) (inc x)) 0)
        evens (filter even? (map (fn [x] (* x 3)) s))]
    (println (doall (take 3 evens)) @calls)
    (checkpoint "lz" :saved)
    (println "after" (doall (take 5 evens)) @calls)
    (println (doall (take 5 s)) (nth s 20) @calls)))
(main)
"""


def test_a_lazy_sequence_in_a_checkpoint_resumes_in_a_fresh_process(tmp_path, tm_env):
    """#9 item 13: the suspended frame holds lazy sequences; `turmeric resume` in a new
    process gives the same items, and the counter shows realized items are not recomputed
    (4 calls before the checkpoint, 8 and 20 after, as in the run that did not stop)."""
    (tmp_path / "lz.tm").write_text(PROGRAM)
    run = tm(tm_env, tmp_path, "run", "lz.tm")
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [
        "(0 6 12) 4", "after (0 6 12 18 24) 8", "(0 1 2 3 4) 20 20"]
    resumed = tm(tm_env, tmp_path, "resume", "checkpoint-lz.bin")
    no_python(resumed)
    assert resumed.returncode == 0
    assert resumed.stdout.splitlines() == run.stdout.splitlines()[1:]
    start = time.monotonic()
    shown = tm(tm_env, tmp_path, "inspect", "checkpoint-lz.bin")
    no_python(shown)
    assert time.monotonic() - start < 60
    assert "s = (0 1 2 3 4 ...)" in shown.stdout and "evens = (0 6 12 ...)" in shown.stdout
    assert "calls = #<ref 4>" in shown.stdout
    full = tm(tm_env, tmp_path, "inspect", "--full", "checkpoint-lz.bin")
    assert "s = (0 1 2 3 4 ...)" in full.stdout, full.stderr


# -- the class: lazy functions agree with the eager ones ------------------------------------------

OPS = [
    "(fn [s] (map inc s))", "(fn [s] (map (fn [x] (* 2 x)) s))", "(fn [s] (filter even? s))",
    "(fn [s] (filter (fn [x] (odd? x)) s))", "(fn [s] (remove even? s))",
    "(fn [s] (map-indexed vector s))", "(fn [s] (keep (fn [x] (when (odd? x) (* x x))) s))",
    "(fn [s] (mapcat (fn [x] [x x]) s))", "(fn [s] (take 3 s))", "(fn [s] (drop 2 s))",
    "(fn [s] (take-while (fn [x] (< x 5)) s))", "(fn [s] (drop-while (fn [x] (< x 5)) s))",
    "(fn [s] (take-nth 2 s))", "(fn [s] (concat s [99] s))", "(fn [s] (interleave s s))",
    "(fn [s] (partition 2 s))", "(fn [s] (partition 3 1 [:p :q] s))", "(fn [s] (partition-all 2 s))",
    "(fn [s] (rest s))", "(fn [s] (next s))", "(fn [s] (cons :c s))", "(fn [s] (seq s))",
    "(fn [s] (first s))", "(fn [s] (second s))", "(fn [s] (count s))", "(fn [s] (nth s 1 :none))",
    "(fn [s] (reduce + 0 s))", "(fn [s] (some even? s))", "(fn [s] (every? even? s))",
    "(fn [s] (vec s))", "(fn [s] (empty? s))", "(fn [s] (map + s s))", "(fn [s] (take 4 (cycle s)))",
    "(fn [s] (split-with even? s))", "(fn [s] (reverse s))", "(fn [s] (nthnext s 2))",
]


@pytest.fixture(scope="module")
def ops(session):
    ev(session, "(defn lz [xs] (lazy-seq (when (seq xs) (cons (first xs) (lz (rest xs))))))")
    return ev(session, "(fn [] [lz " + " ".join(OPS) + "])")


@settings(max_examples=60, deadline=None)
@given(xs=st.lists(st.integers(-3, 9), max_size=8), n=st.integers(0, 5))
def test_lazy_functions_agree_with_eager_ones(session, ops, xs, n):
    """For generated finite inputs, every function gives over a lazy version of the input
    what it gives over the list, and so does (take n (f ...))."""
    lz, *fns = session.call(ops)
    items = plist(xs)
    lazy = session.call(lz, items)
    take = session.core["take"]
    for src, f in zip(OPS, fns):
        eager = session.call(f, items)
        got = session.call(f, session.call(lz, items))
        assert equals(got, eager), (src, xs, pr_str(got), pr_str(eager))
        if isinstance(eager, (type(items), LazySeq)):
            assert equals(session.call(take, n, got), session.call(take, n, eager)), (src, xs)
    assert list(lazy) == xs
    # = and hash: a lazy sequence is its list, and its vector, both ways round
    for other in (items, vector(xs)):
        fresh = session.call(lz, items)
        assert equals(fresh, other) and equals(other, session.call(lz, items))
        assert eq_hash(session.call(lz, items)) == eq_hash(other)
    assert not equals(session.call(lz, items), plist(xs + [0]))
    assert not equals(plist(xs + [0]), session.call(lz, items))


def test_a_body_that_gives_no_sequence_can_be_read_again(session):
    """#9 item 13: an error while realizing leaves the cell as it was (not half realized)."""
    ev(session, "(def tries (atom 0))")
    ev(session, "(def bad (lazy-seq (swap! tries inc) (if (= @tries 1) 5 [1 2])))")
    with pytest.raises(TurmericError) as info:
        ev(session, "(first bad)")
    assert info.value.kind == "type"
    assert show(session, "[(first bad) (rest bad) @tries]") == "[1 (2) 2]"
    ev(session, "(def bad2 (lazy-seq (lazy-seq (swap! tries inc) (if (= @tries 3) 5 [7]))))")
    with pytest.raises(TurmericError):
        ev(session, "(first bad2)")
    assert ev(session, "(first bad2)") == 7


def test_a_self_referential_lazy_seq_round_trips(session):
    """#9 item 13: fibs holds itself (its map step reads fibs and its rest): the records form
    a cycle through lazy seqs, which the reader makes first, as it does refs."""
    ev(session, "(def cyc-fibs (lazy-seq (cons 0 (cons 1 (map + cyc-fibs (rest cyc-fibs))))))")
    for realized in (0, 5):
        s = ev(session, f"(do (doall (take {realized} cyc-fibs)) cyc-fibs)")
        back = deserialize(session, serialize(session, s))
        assert [x for _, x in zip(range(12), back)] == [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]


def test_lazy_seqs_forwarding_in_a_circle_are_refused(session):
    import msgpack
    from turmeric.serialize import wire
    from turmeric.serialize.decode import ext_hook
    header, _records, _root = wire.unpack(serialize(session, ev(session, "(range)")), None, ext_hook)
    ref = [msgpack.ExtType(wire.EXT_REF, i.to_bytes(4, "big")) for i in range(2)]
    data = wire.pack([header, [[16, 0, "more", ref[1]], [16, 0, "more", ref[0]]], ref[0]])
    with pytest.raises(TurmericError) as info:
        deserialize(session, data)
    assert info.value.kind == "deserialize"
