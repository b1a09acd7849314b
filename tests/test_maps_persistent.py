"""Issue #14, the "maps and sets" row: building a map or set one key at a time was quadratic
(every assoc, conj, dissoc and disj copied a dict: 40,000 keys took 3.6 s). A map or set of
more than values.SMALL entries now keeps its updates in a persistent table (data/values.py
_Table: the dict it grew from, a HAMT and a persistent vector), so an update costs O(log n).

Nothing here is timed. The guards count what an update copies (every dict.copy and the
entries it copied, seen through sys.setprofile) and check the shape of what was built; the
properties check, with the threshold lowered so that small generated maps cross it, that
maps and sets updated any way hold what a model keyed by `=` and ordered by insertion holds,
that every earlier version still holds what it held, and that =, hash, printing and
serialization do not see how a map is held.
"""
from __future__ import annotations

import contextlib
import sys
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data import values
from turmeric.data.equality import equals, hash_of
from turmeric.data.printer import pr_str
from turmeric.data.values import EMPTY_MAP, Keyword, PMap, PSet, plist, vector
from turmeric.runtime.builtins import colls, maps, seqs, sets
from turmeric.runtime.builtins.sorted import SortedMap, SortedSet
from turmeric.serialize.blobs import store_beside
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session
from conftest import no_python, tm
from test_collection_speed import Model, lookups_agree

K = Keyword
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

pytestmark = pytest.mark.usefixtures("scratch_cache")

_SESSION = None


def session() -> Session:
    global _SESSION
    if _SESSION is None:
        _SESSION = Session()
    return _SESSION


def ev(src: str):
    return session().eval_string(src)[-1]


@contextlib.contextmanager
def threshold(n: int):
    """Maps and sets of more than n entries are held in a _Table while this is active."""
    old = values.SMALL
    values.SMALL = n
    try:
        yield
    finally:
        values.SMALL = old


class CopyCounter:
    """Counts, while active, the dict copies made from Python code and the entries they
    copied (a C method call is seen by sys.setprofile, with the dict it is bound to)."""

    def __init__(self):
        self.copies = self.entries = self.largest = 0

    def __enter__(self):
        def profile(frame, event, arg):
            if event == "c_call" and getattr(arg, "__name__", None) == "copy" \
                    and type(getattr(arg, "__self__", None)) is dict:
                n = len(arg.__self__)
                self.copies += 1
                self.entries += n
                self.largest = max(self.largest, n)
        sys.setprofile(profile)
        return self

    def __exit__(self, *exc):
        sys.setprofile(None)


# -- the guards (counted, not timed) --------------------------------------------------------

def test_14_maps_and_sets_row_50000_assocs_copy_no_large_dict():
    """#14 "maps and sets" row: (reduce (fn [m x] (assoc m x 1)) {} xs) copied the whole map
    at every step (n^2/2 entries copied: 1.25 * 10^9 for 50,000 keys). Now only a map of at
    most SMALL entries is copied; above that, nothing of size n is copied again."""
    n = 50_000
    with CopyCounter() as c:
        m = EMPTY_MAP
        for i in range(n):
            m = maps.assoc(m, i, i)
    assert len(m) == n and m.get(n - 1) == n - 1 and m.get(0) == 0
    assert values.SMALL <= 1024 and c.largest < values.SMALL
    assert c.entries <= values.SMALL * values.SMALL      # the copies before the threshold only
    assert list(m) == list(range(n))                      # insertion order
    t = m.keyed
    assert type(t) is values._Table and len(t.base) == values.SMALL   # the dict it grew from, kept


def test_14_maps_and_sets_row_the_work_grows_as_n_not_n_squared():
    """#14 "maps and sets" row, the class: for every way of adding keys one by one (assoc,
    conj of an entry, merge and into of one entry, conj, into and union on a set, disj and
    dissoc), the entries copied do not grow with n: 4 times the keys, the same copies."""
    def work(n):
        with CopyCounter() as c:
            m, s, t = EMPTY_MAP, PSet(), PSet()
            for i in range(n):
                m = colls.conj(maps.assoc(m, i, 0), vector([i, 1]))
                m = maps.merge(m, PMap.from_pairs([(i, 2)]))
                m = colls.into(m, vector([vector([-i, 3])]))
                s = colls.conj(s, i)
                t = colls.into(sets.union(t, PSet([i])), vector([-i]))
            for i in range(0, n, 2):
                m, s = maps.dissoc(m, i), colls.disj(s, i)
        assert len(m) == 2 * n - 1 - n // 2 and len(s) == n // 2 and m.get(1) == 2 and m.get(-3) == 3
        assert len(t) == 2 * n - 1 and list(t)[:3] == [0, 1, -1]
        return c.entries
    assert work(2_000) == work(8_000)


def allocated(f) -> int:
    """The most memory f() had allocated at once (tracemalloc's peak), in bytes."""
    tracemalloc.start()
    try:
        f()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_14_maps_and_sets_row_one_update_of_a_large_map_or_set_allocates_no_copy():
    """#14 "maps and sets" row, the class: one update of a map or set of 20,000 entries, by
    any builtin that adds or takes out a key (assoc of one key and of several, dissoc, conj,
    merge and into of one entry; conj, disj, into and union of one member), made in one go
    (a dict) or grown one key at a time (a table), allocates a few kilobytes, never a copy
    (a dict or list of 20,000 entries is hundreds of kilobytes). into and union onto a set
    rebuilt the whole set from its members."""
    n = 20_000
    grown_m, grown_s = EMPTY_MAP, PSet()
    for i in range(n):
        grown_m, grown_s = maps.assoc(grown_m, i, i), colls.conj(grown_s, i)
    made_m, made_s = PMap.from_pairs((i, i) for i in range(n)), PSet(range(n))
    map_ops = {
        "assoc new": lambda m: maps.assoc(m, "new", 1), "assoc old": lambda m: maps.assoc(m, 7, 1),
        "assoc pairs": lambda m: maps.assoc(m, "a", 1, 7, 2, 1.0, 3), "dissoc": lambda m: maps.dissoc(m, 7),
        "conj": lambda m: colls.conj(m, vector(["new", 1])),
        "merge": lambda m: maps.merge(m, PMap.from_pairs([("new", 1), (7, 2)])),
        "into": lambda m: colls.into(m, vector([vector(["new", 1])])),
    }
    set_ops = {
        "conj": lambda s: colls.conj(s, "new"), "conj old": lambda s: colls.conj(s, 7),
        "disj": lambda s: colls.disj(s, 7), "into": lambda s: colls.into(s, vector(["new", 7])),
        "union": lambda s: sets.union(s, PSet(["new", 7])), "union method": lambda s: s.union(PSet(["new"])),
    }
    sizes = {}
    for kind, m, s in (("made", made_m, made_s), ("grown", grown_m, grown_s)):
        for name, op in map_ops.items():
            op(m)                           # (once first: whatever a first call makes)
            sizes[f"map {kind}: {name}"] = allocated(lambda: op(m))
            assert len(op(m)) in (n - 1, n, n + 1, n + 2) and len(m) == n
        for name, op in set_ops.items():
            op(s)
            sizes[f"set {kind}: {name}"] = allocated(lambda: op(s))
            assert len(op(s)) in (n - 1, n, n + 1) and len(s) == n
    assert max(sizes.values()) < 40_000, sorted(sizes.items(), key=lambda kv: -kv[1])[:4]
    assert allocated(lambda: PSet(list(made_s) + ["x"])) > 400_000      # what a copy allocates


def test_14_maps_and_sets_row_a_large_map_made_in_one_go_is_not_copied_by_assoc():
    """#14 "maps and sets" row: a large map made in one go (frequencies, zipmap, a map read
    from a checkpoint) is a dict; its first update takes that dict as the base of a table as
    it is, so each of many updates costs O(log n), not a copy of the map."""
    big = seqs.frequencies(vector(range(20_000)))
    with CopyCounter() as c:
        m = big
        for i in range(1000):
            m = maps.assoc(m, i, -1)
            m = maps.assoc(m, f"new{i}", i)
    assert c.entries == 0
    assert m.keyed.base is big.keyed                      # shared, not copied
    assert len(m) == 21_000 and m.get(5) == -1 and big.get(5) == 1 and m.get("new3") == 3
    assert list(m)[:3] == [0, 1, 2] and list(m)[-1] == "new999"


def test_14_maps_and_sets_row_programs_answer_as_python():
    """#14 "maps and sets" row: the ways the issue builds maps and sets, in the language, at
    a size past the threshold, give what Python gives."""
    n = 5000
    xs = [(i * 7919) % 1000 for i in range(n)]
    ev("(def xs (vec (map (fn [i] (mod (* i 7919) 1000)) (range 5000))))")
    counts = {}
    for x in xs:
        counts[x] = counts.get(x, 0) + 1
    got = ev("(reduce (fn [m x] (update m x (fnil inc 0))) {} xs)")
    assert list(got.items()) == list(counts.items())
    assert ev("(= (frequencies xs) (reduce (fn [m x] (update m x (fnil inc 0))) {} xs))") is True
    assert list(ev("(reduce (fn [m x] (assoc m x 1)) {} (range 3000))")) == list(range(3000))
    assert list(ev("(reduce conj #{} xs)")) == list(dict.fromkeys(xs))
    assert list(ev("(into #{} xs)")) == list(dict.fromkeys(xs))
    assert ev("(count (reduce dissoc (zipmap (range 3000) (range 3000)) (range 0 3000 3)))") == 2000
    assert list(ev("(keys (reduce (fn [m x] (assoc (dissoc m x) x 0)) (zipmap (range 300) (range 300)) [5 7]))"))[-2:] == [5, 7]
    groups = ev("(group-by (fn [x] (mod x 7)) (range 2000))")
    assert list(groups) == list(range(7)) and list(groups.get(3))[:2] == [3, 10]
    assert ev("(let [m (reduce (fn [m x] (assoc m x x)) {} (range 500))] [(m 499) (get m 250) (contains? m 7) (count m)])") \
        == vector([499, 250, True, 500])


# -- the properties: any updates, against a model -------------------------------------------

def same_entries(m: PMap, model: Model) -> bool:
    got = list(m.items())
    return len(got) == len(model.pairs) == len(m) and all(
        gk is mk and gv is mv for (gk, gv), (mk, mv) in zip(got, model.pairs)) \
        and [k for k in m] == [k for k, _ in got] and list(m.values()) == [v for _, v in got] \
        and list(m.keys()) == [k for k, _ in got]


# keys that are =, or == but not =, to each other (1, 1.0, true; [1], (1), [1.0]; maps and
# sets as keys), and many integers, so that maps grow past the lowered threshold
POOL_KEYS = st.sampled_from([0, 1, 1.0, True, False, None, "a", K("a"), -0.0, 0.0, vector([1]), plist([1]),
                             vector([1.0]), vector([]), plist([]), PMap.from_pairs([(1, 2)]), PSet([1]),
                             vector([vector([1]), "x"]), plist([plist([1]), "x"])])
ANY_KEY = st.one_of(POOL_KEYS, st.integers(0, 60), st.integers(0, 60).map(lambda i: K(f"k{i}")))
VALUES = st.integers(0, 9)
THRESHOLDS = st.sampled_from([0, 1, 2, 3, 4, 8, 16, 128])

MAP_OPS = st.lists(st.one_of(
    st.tuples(st.just("assoc"), ANY_KEY, VALUES),
    st.tuples(st.just("assoc-many"), st.lists(st.tuples(ANY_KEY, VALUES), min_size=1, max_size=4)),
    st.tuples(st.just("dissoc"), st.lists(ANY_KEY, min_size=1, max_size=3)),
    st.tuples(st.just("conj"), st.tuples(ANY_KEY, VALUES)),
    st.tuples(st.just("merge"), st.lists(st.tuples(ANY_KEY, VALUES), max_size=12)),
    st.tuples(st.just("into"), st.lists(st.tuples(ANY_KEY, VALUES), max_size=6)),
    st.tuples(st.just("grow"), st.integers(1, 40), VALUES),
    st.tuples(st.just("shrink"), st.integers(1, 40)),
    st.tuples(st.just("back"), st.integers(0, 30)),
    st.tuples(st.just("get"), ANY_KEY),
), max_size=30)


@SETTINGS
@given(THRESHOLDS, st.lists(st.tuples(ANY_KEY, VALUES), max_size=30), MAP_OPS)
def test_14_property_maps_updated_any_way_agree_with_a_model(small, start, ops):
    """#14 "maps and sets" row, the class: maps made in one go or one key at a time, on either
    side of the threshold (and across it, both ways), updated by assoc (one pair and
    several), dissoc, conj, merge and into, with keys of every kind, hold what the model
    holds, in its order; get, contains?, (m k), (:k m), count and seq agree with it; every
    earlier version is unchanged, and =, hash and printing are those of the same map made in
    one go (a dict), in any order."""
    with threshold(small):
        m = PMap.from_pairs(start)
        model = Model()
        for k, v in start:
            model.assoc(k, v)
        versions = [(m, model.copy())]
        for op in ops:
            kind = op[0]
            if kind == "assoc":
                m = maps.assoc(m, op[1], op[2])
                model.assoc(op[1], op[2])
            elif kind == "assoc-many":
                m = maps.assoc(m, *[x for kv in op[1] for x in kv])
                for k, v in op[1]:
                    model.assoc(k, v)
            elif kind == "dissoc":
                m = maps.dissoc(m, *op[1])
                for k in op[1]:
                    model.dissoc(k)
            elif kind == "conj":
                m = colls.conj(m, vector(op[1]))
                model.assoc(*op[1])
            elif kind in ("merge", "into"):
                other = PMap.from_pairs(op[1])
                m = maps.merge(m, other) if kind == "merge" else colls.into(m, vector(map(vector, op[1])))
                for k, v in other.items():
                    model.assoc(k, v)
            elif kind == "grow":                    # many new keys, one by one
                for i in range(op[1]):
                    k = f"g{i}"
                    m = m.assoc(k, op[2])
                    model.assoc(k, op[2])
            elif kind == "shrink":                  # take out the oldest keys
                for k, _ in list(model.pairs[:op[1]]):
                    m = m.dissoc(k)
                    model.dissoc(k)
            elif kind == "back":                    # go on from an earlier version
                m, model = versions[op[1] % len(versions)]
                model = model.copy()
            else:
                lookups_agree(m, model, op[1])
            assert same_entries(m, model)
            versions.append((m, model.copy()))
        for old, its_model in versions:
            assert same_entries(old, its_model)
            pairs = [tuple(p) for p in its_model.pairs]
            fresh = PMap.from_pairs(pairs)
            assert type(fresh.keyed) is dict
            assert equals(old, fresh) and equals(fresh, old) and hash_of(old) == hash_of(fresh)
            backwards = PMap.from_pairs(pairs[::-1])
            assert equals(old, backwards) and hash(old) == hash(backwards)
            assert pr_str(old) == pr_str(fresh)
            assert list(seqs.seq(old) or []) == [vector(p) for p in pairs]
            if pairs:
                assert not equals(old, maps.dissoc(fresh, pairs[-1][0]))
                assert not equals(old, maps.assoc(fresh, pairs[0][0], "changed"))


SET_OPS = st.lists(st.one_of(
    st.tuples(st.just("conj"), st.lists(ANY_KEY, min_size=1, max_size=3)),
    st.tuples(st.just("disj"), st.lists(ANY_KEY, min_size=1, max_size=3)),
    st.tuples(st.just("union"), st.lists(ANY_KEY, max_size=12)),
    st.tuples(st.just("into"), st.lists(ANY_KEY, max_size=6)),
    st.tuples(st.just("grow"), st.integers(1, 40)),
    st.tuples(st.just("shrink"), st.integers(1, 40)),
    st.tuples(st.just("back"), st.integers(0, 30)),
    st.tuples(st.just("has"), ANY_KEY),
), max_size=30)


@SETTINGS
@given(THRESHOLDS, st.lists(ANY_KEY, max_size=30), SET_OPS)
def test_14_property_sets_updated_any_way_agree_with_a_model(small, start, ops):
    """#14 "maps and sets" row, the class: sets made in one go or one member at a time, on
    either side of the threshold, updated by conj, disj, union and into, hold what the model
    holds, in its order; contains?, get and (s x) agree; earlier versions are unchanged; =,
    hash and printing are those of the same set made in one go."""
    with threshold(small):
        s = PSet(start)
        model = Model()
        for x in start:
            model.assoc(x, None)
        versions = [(s, model.copy())]
        for op in ops:
            kind = op[0]
            if kind == "conj":
                s = colls.conj(s, *op[1])
                for x in op[1]:
                    model.assoc(x, None)
            elif kind == "disj":
                s = colls.disj(s, *op[1])
                for x in op[1]:
                    model.dissoc(x)
            elif kind in ("union", "into"):
                s = s.union(PSet(op[1])) if kind == "union" else colls.into(s, vector(op[1]))
                for x in op[1]:
                    model.assoc(x, None)
            elif kind == "grow":
                for i in range(op[1]):
                    x = f"g{i}"
                    s = s.conj(x)
                    model.assoc(x, None)
            elif kind == "shrink":
                for x, _ in list(model.pairs[:op[1]]):
                    s = s.disj(x)
                    model.dissoc(x)
            elif kind == "back":
                s, model = versions[op[1] % len(versions)]
                model = model.copy()
            else:
                x = op[1]
                i = model.find(x)
                assert maps.contains(s, x) is (i is not None) is (x in s)
                want = "none" if i is None else x
                assert maps.get(s, x, "none") is want and s(None, x, "none") is want
            assert len(s) == len(model.pairs)
            assert all(a is b for a, (b, _) in zip(s, model.pairs))
            versions.append((s, model.copy()))
        for old, its_model in versions:
            members = [x for x, _ in its_model.pairs]
            assert len(old) == len(members) and all(a is b for a, b in zip(old, members))
            fresh = PSet(members)
            assert equals(old, fresh) and equals(fresh, old) and hash(old) == hash(fresh)
            assert equals(old, PSet(members[::-1])) and pr_str(old) == pr_str(fresh)
            if members:
                assert not equals(old, fresh.disj(members[-1]))


@SETTINGS
@given(st.sampled_from([0, 2, 4]), st.lists(st.integers(-50, 50), max_size=40),
       st.lists(st.integers(-50, 50), max_size=20))
def test_14_property_sorted_maps_and_sets_stay_sorted_past_the_threshold(small, start, more):
    """#14 "maps and sets" row, the class: a sorted map or set, built on PMap and PSet, keeps
    its order and entries when the plain map it holds is a table."""
    with threshold(small):
        sm, ss = SortedMap.of([(x, x) for x in start]), SortedSet.of(start)
        for x in more:
            sm, ss = maps.assoc(sm, x, -x), colls.conj(ss, x)
        for x in more[::2]:
            sm, ss = maps.dissoc(sm, x + 1), colls.disj(ss, x + 1)
        want = {x: x for x in start}
        want.update({x: -x for x in more})
        for x in more[::2]:
            want.pop(x + 1, None)
        assert list(sm.items()) == sorted(want.items())
        assert type(sm) is SortedMap and type(ss) is SortedSet
        members = set(start) | set(more)
        members -= {x + 1 for x in more[::2]}
        assert list(ss) == sorted(members)


# -- serialization of large maps and sets ---------------------------------------------------

def large_values():
    m = EMPTY_MAP
    for i in range(3000):
        m = maps.assoc(m, i if i % 3 else K(f"k{i}"), vector([i, str(i)]))
    for i in range(0, 3000, 7):
        m = maps.dissoc(m, i if i % 3 else K(f"k{i}"))
    m = maps.assoc(m, 1.0, "float one", vector([1]), "a vector", 0, "zero back, last")
    s = PSet()
    for i in range(2500):
        s = colls.conj(s, f"s{i}" if i % 2 else i)
    s = colls.disj(colls.conj(s, 1.0, vector([2])), 4)
    return m, s


def test_14_maps_and_sets_row_large_ones_round_trip_in_process():
    """#14 "maps and sets" row: a large map and set held in tables (updated after they grew,
    with keys taken out and put back) serialize as the maps they are: read back equal, in
    their order, with their loose keys (1.0 apart from 1) kept."""
    m, s = large_values()
    assert type(m.keyed) is values._Table and type(s.keyed) is values._Table
    bm, bs, bm2 = deserialize(Session(), serialize(session(), vector([m, s, m])))
    assert bm2 is bm
    assert list(bm.items()) == list(m.items()) and equals(bm, m) and hash(bm) == hash(m)
    assert list(bs) == list(s) and equals(bs, s) and hash(bs) == hash(s)
    assert bm.get(1.0) == "float one" and bm.get(1) == m.get(1) and list(bm)[-1] == 0
    assert 1.0 in bs and 1 not in bs and 2 in bs and vector([2]) in bs and plist([2]) in bs and 4 not in bs
    # and read back, the map goes on being updated like the original
    assert list(maps.assoc(bm, "x", 1).items()) == list(maps.assoc(m, "x", 1).items())


def test_14_maps_and_sets_row_large_ones_checkpoint_with_chunks(tmp_path):
    """#14 "maps and sets" row: a checkpoint of a large map and set (written with the blob
    store, whose chunks hold their items) reads back equal in a new session."""
    m, s = large_values()
    path = tmp_path / "ck.bin"
    session().core["%write-checkpoint"](0, str(path), vector([m, s]))
    back = deserialize(Session(), path.read_bytes(), blobs=store_beside(str(path)))
    assert list(back[0].items()) == list(m.items()) and list(back[1]) == list(s)
    assert (tmp_path / ".turmeric-blobs").is_dir()


PROGRAM = """
(defn build [n]
  (reduce (fn [m x] (assoc m (if (odd? x) x (keyword (str "k" x))) [x (str x)])) {} (range n)))

(defn members [n] (reduce conj #{} (map (fn [x] (* 3 x)) (range n))))

(let [m (dissoc (build 20000) 7 :k8)
      s (disj (members 20000) 3)
      got (checkpoint "maps" [m s])]
  (let [[m2 s2] got
        m3 (assoc m2 :k8 :back 1.0 :float)]
    (println (count m2) (count s2) (m2 9) (m2 :k10) (contains? s2 3) (contains? s2 6))
    (println (= m2 (build-from-scratch)) (take 3 (keys m3)) (last (keys m3)) (m3 1.0) (m3 1))
    (println (first s2) (last s2) (count (reduce disj s2 (range 0 3000 3))))))
"""


def test_14_maps_and_sets_row_checkpoint_and_resume_in_a_fresh_process(tmp_path, tm_env):
    """#14 "maps and sets" row: `turmeric run` checkpoints a 20,000-key map and set built one
    key at a time; `turmeric resume` in a new process reads them back and updates them."""
    src = PROGRAM.replace("(build-from-scratch)", "(dissoc (build 20000) 7 :k8)")
    (tmp_path / "big.tm").write_text(src, encoding="utf-8")
    ran = tm(tm_env, tmp_path, "run", "big.tm")
    no_python(ran)
    assert ran.returncode == 0, ran.stderr
    want = ("19998 19999 [9 9] [10 10] false true\n"      # (println: strings without quotes)
            "true (:k0 1 :k2) 1.0 :float [1 1]\n"
            "0 59997 19000\n")
    assert ran.stdout == want
    resumed = tm(tm_env, tmp_path, "resume", "checkpoint-maps.bin")
    no_python(resumed)
    assert (resumed.returncode, resumed.stdout) == (0, want), resumed.stderr
