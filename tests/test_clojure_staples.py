"""#9 item 13: the staples added for Clojure users. Sorted collections keep their order under
any sequence of updates (a model-based property), random generators are SplitMix64 (Java's
SplittableRandom) and serialize with their state, so a resumed run draws the same numbers."""
from __future__ import annotations

from functools import cmp_to_key

from hypothesis import given, strategies as st

from turmeric.data.equality import compare, equals
from turmeric.data.values import Keyword, PMap, PSet, vector
from turmeric.runtime.builtins.randomness import RandomGenerator
from turmeric.runtime.builtins.sorted import SortedMap, SortedSet
from turmeric.runtime.builtins.table import PURE_BUILTINS
from turmeric.session.session import Session

B = PURE_BUILTINS
KEYS = st.one_of(st.integers(-20, 20), st.floats(-5, 5, allow_nan=False))
OPS = st.lists(st.tuples(st.sampled_from(["assoc", "dissoc", "conj", "into", "merge"]), KEYS,
                         st.integers()), max_size=30)


class CompareKeyed:
    """A model of a sorted collection of numbers: entries keyed by the number's value, as
    compare sees it."""

    def __init__(self, entries=None):
        self.entries = dict(entries or {})

    def assoc(self, k, v=None):
        return CompareKeyed({**self.entries, float(k): v})

    conj = assoc

    def dissoc(self, k):
        return CompareKeyed({f: v for f, v in self.entries.items() if f != float(k)})

    disj = dissoc

    def __len__(self):
        return len(self.entries)


def _in_order(keys) -> bool:
    keys = list(keys)
    return all(compare(a, b) < 0 for a, b in zip(keys, keys[1:]))


@given(OPS)
def test_a_sorted_map_stays_sorted_and_holds_what_a_dict_holds(ops):
    """Whatever assoc, dissoc, conj, into and merge do to a sorted map, its keys stay in
    compare order, it stays a sorted map and it has the entries a model keyed as compare sees
    keys (0 and 0.0 are one key of a sorted map, as in Clojure, though = tells them apart)."""
    m, model = B["sorted-map"](), CompareKeyed()
    for op, k, v in ops:
        if op == "assoc":
            m = B["assoc"](m, k, v)
            model = model.assoc(k, v)
        elif op == "dissoc":
            m = B["dissoc"](m, k)
            model = model.dissoc(k)
        elif op == "conj":
            m = B["conj"](m, vector([k, v]))
            model = model.assoc(k, v)
        elif op == "into":
            m = B["into"](m, vector([vector([k, v]), vector([-k, v])]))
            model = model.assoc(k, v).assoc(-k, v)
        else:
            m = B["merge"](m, PMap({k: v}))
            model = model.assoc(k, v)
        assert type(m) is SortedMap and _in_order(m.keys())
        assert len(m) == len(model) and all(m.get(k) == v for k, v in model.entries.items())
    assert [(float(k), v) for k, v in m.items()] == sorted(model.entries.items())


@given(st.lists(st.tuples(st.sampled_from(["conj", "disj", "into", "union", "difference"]),
                          KEYS), max_size=30))
def test_a_sorted_set_stays_sorted_and_holds_what_a_set_holds(ops):
    # the model keeps members as compare sees them: 0 and 0.0 are one member of a sorted set
    s, model = B["sorted-set"](), CompareKeyed()
    for op, x in ops:
        if op == "conj":
            s, model = B["conj"](s, x), model.conj(x)
        elif op == "disj":
            s, model = B["disj"](s, x), model.disj(x)
        elif op == "into":
            s, model = B["into"](s, vector([x, x + 1])), model.conj(x).conj(x + 1)
        elif op == "union":
            s, model = B["union"](s, PSet([x])), model.conj(x)
        else:
            s, model = B["difference"](s, PSet([x])), model.disj(x)
        assert type(s) is SortedSet and _in_order(s)
        assert sorted(float(x) for x in s) == sorted(model.entries)


def test_empty_of_a_sorted_collection_is_sorted():
    assert type(B["empty"](B["sorted-map"](1, 2))) is SortedMap
    assert type(B["empty"](B["sorted-set"](1))) is SortedSet


def test_splitmix64_reference_values():
    """The generator is SplitMix64: the reference implementation's first outputs for seed
    1234567, and (as signed longs) Java's `new SplittableRandom(42).nextLong()` twice."""
    g = RandomGenerator(1234567)
    assert [g.next64() for _ in range(5)] == [
        6457827717110365317, 3203168211198807973, 9817491932198370423, 4593380528125082431,
        16408922859458223821]
    g = RandomGenerator(42)
    signed = [x - 2 ** 64 if x >= 2 ** 63 else x for x in (g.next64(), g.next64())]
    assert signed == [-4767286540954276203, 2949826092126892291]


@given(st.integers(0, 2 ** 64 - 1), st.integers(1, 2 ** 200))
def test_rand_int_is_in_range_for_any_bound(seed, n):
    g = RandomGenerator(seed)
    for _ in range(5):
        assert 0 <= B["%rand-int"](g, n) < n
    assert 0.0 <= B["%rand"](g) < 1.0


def test_rand_int_draws_every_value():
    g = RandomGenerator(3)
    counts = [0] * 6
    for _ in range(6000):
        counts[B["%rand-int"](g, 6)] += 1
    assert all(800 < c < 1200 for c in counts), counts


@given(st.integers(0, 2 ** 64 - 1), st.lists(st.integers(), max_size=20))
def test_shuffle_is_a_permutation_and_repeats_with_its_seed(seed, xs):
    a = B["%shuffle"](RandomGenerator(seed), vector(xs))
    b = B["%shuffle"](RandomGenerator(seed), vector(xs))
    assert sorted(a) == sorted(xs) and list(a) == list(b)


def test_a_generator_serializes_with_its_state():
    s = Session(cache=False)
    g = RandomGenerator(5)
    g.next64()
    token = g.tm_marshal()
    assert token.get(Keyword("type")) == "random-generator"
    back = s.eval_string("(fn [b] (deserialize b))", module="t")[-1](1, s.eval_string(
        "(fn [x] (serialize x))", module="t")[-1](1, vector([g, g])))
    assert back[0] is back[1] and back[0] is not g and back[0].state == g.state


PROGRAM = """
(defn game [g]
  (let [a (rand-int 1000000 g)]
    (checkpoint "game" nil)
    (println "after" (rand-int 1000000 g) (rand-int 1000000 g) (shuffle (range 8) g))
    (println "sorted" (sorted-map :b (rand-int 10 g) :a 0) (sorted-set 3 1 2))))
(game (random-generator 2024))
"""


def test_a_resumed_run_draws_what_the_original_drew(run_tm, tmp_path):
    """#9 item 13: a generator held by a suspended frame is saved in the checkpoint, so
    `turmeric resume` in a fresh process (twice) prints what the original run printed after
    the checkpoint."""
    (tmp_path / "game.tm").write_text(PROGRAM, encoding="utf-8")
    first = run_tm("run", "game.tm", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    for _ in range(2):
        again = run_tm("resume", "checkpoint-game.bin", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert again.stdout == first.stdout
    assert b"#{1 2 3}" in first.stdout and b"{:a 0, :b " in first.stdout


NAMES = st.text("ab/é", min_size=1, max_size=4)


@given(st.one_of(st.lists(NAMES.map(Keyword)), st.lists(NAMES), st.lists(st.integers())))
def test_sort_fast_paths_order_as_compare_does(xs):
    """sort orders all-string, all-integer and all-keyword lists without calling compare
    (seqs.py); the order is compare's all the same."""
    got = list(B["%sort"](vector(xs)))
    assert got == sorted(xs, key=cmp_to_key(compare))


DEFAULT_GENERATOR = """
(set-random-seed! nil)            ; entropy: nothing but the checkpoint can make runs agree
(defn job [rounds]
  (println "before" (rand-int 1000000))
  (checkpoint "dice" nil)
  (dotimes [i rounds]
    (println "after" (rand-int 1000000) (rand) (rand-nth [:a :b :c :d]) (shuffle (range 6)))))
(job 3)
"""


def test_a_resumed_run_draws_what_the_default_generator_drew(run_tm, tmp_path):
    """#9 item 13: rand, rand-int, rand-nth and shuffle without a generator draw from the
    session's default one; the checkpoint saves its state, so `turmeric resume` (twice, in
    fresh processes) prints the numbers the original run drew after the checkpoint."""
    (tmp_path / "dice.tm").write_text(DEFAULT_GENERATOR, encoding="utf-8")
    first = run_tm("run", "dice.tm", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    after = first.stdout.decode().splitlines()[1:]
    assert len(after) == 3 and len(set(after)) == 3
    for _ in range(2):
        again = run_tm("resume", "checkpoint-dice.bin", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert again.stdout.decode().splitlines() == after
    other = run_tm("run", "dice.tm", cwd=tmp_path)   # a new run is seeded afresh
    assert other.stdout.decode().splitlines()[1:] != after


def _eval(session, text):
    from turmeric.data.printer import pr_str
    return pr_str(session.eval_string(text, module="staples")[-1])


def test_declare_defines_nothing_and_allows_forward_use():
    """#9 item 13: declare."""
    s = Session(cache=False)
    assert _eval(s, "(def kept 5) (declare kept later) (defn early [] (later)) (defn later [] kept) (early)") == "5"


def test_defonce_keeps_a_value_it_has():
    """#9 item 13: defonce evaluates its expression only when the name has no value."""
    s = Session(cache=False)
    assert _eval(s, "(def n (atom 0)) (defonce v (swap! n inc)) (defonce v (swap! n inc)) [v @n]") == "[1 1]"


def test_defonce_survives_repl_save_and_restore(run_tm, tmp_path):
    """#9 item 13: defonce in the REPL, evaluated again, and again after --restore."""
    line = '(defonce conn (do (println "connecting") {:id (rand-int 1000000)}))\n'
    first = run_tm("repl", stdin=line + line + "(:id conn)\n:save s.bin\n", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout.decode()
    assert out.count("connecting") == 1
    restored = run_tm("repl", "--restore", "s.bin", stdin=line + "(:id conn)\n", cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "connecting" not in restored.stdout.decode()
    ids = [x for x in out.split() if x.isdigit()]
    assert ids and ids[-1] in restored.stdout.decode().split()


WITH_OPEN = """
(spit "a.txt" "A1\\nA2\\n")
(spit "b.txt" "B1\\n")
(def seen (atom []))
(defn close-order [f] (swap! seen conj (:path (marshal f))) f)
(def got (try
  (with-open [a (open-file "a.txt" :read) b (open-file "b.txt" :read)]
    (reset! seen [[a b]])
    (println (read-line a) (read-line b))
    (throw :oops))
  (catch e e)))
(let [[a b] (first @seen)]
  (println got (:closed (marshal a)) (:closed (marshal b))))
(println (with-open [] :empty))
"""


def test_with_open_closes_in_reverse_order_also_on_error(run_tm, tmp_path):
    """#9 item 13: with-open closes every name when the body throws."""
    (tmp_path / "wo.tm").write_text(WITH_OPEN, encoding="utf-8")
    proc = run_tm("run", "wo.tm", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.decode().splitlines() == ["A1 B1", ":oops true true", ":empty"]


def test_with_open_closes_in_reverse_order():
    """The order, with a close that logs (a local close is not captured: with-open calls core/close)."""
    s = Session(cache=False)
    text = """
      (def log (atom []))
      (defmacro logged [name] `(do (swap! log conj ~name) ~name))
      (def r (with-open [a (logged "a") b (logged "b")] :body))"""
    import pytest
    from turmeric.data.errors import TurmericError
    with pytest.raises(TurmericError) as err:   # close of a string: the error of close
        s.eval_string(text, module="staples")
    assert err.value.kind == "type" and "close" in err.value.message
