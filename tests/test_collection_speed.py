"""Issue #14, the collection rows ("string join 10^5" and "maps and sets 10^5" of bench/run.py;
bench/colls.py runs them alone): the fast paths of `str`, `join`, `assoc`, `get`,
`contains?`, `conj`, `disj`, `next` and of a lazy list walked cell by cell.

Nothing here is timed. Each guard counts what the slow path did (a call per argument, a map
per pair, an AttributeError per cell), and the properties check, for generated values, that
every fast path gives what the generic path gives: `str` and `join` against `str_text` item
by item; maps and sets, built and updated with keys of mixed types (1, 1.0, true, nil,
strings, keywords, vectors and lists that are =, maps), against a model that looks keys up
with `=` and no dict; old versions of a map or set stay what they were.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data import values
from turmeric.data.equality import equals, hash_of
from turmeric.data.printer import int_to_str, str_of
from turmeric.data.types import get as generic_get
from turmeric.data.values import EMPTY_LIST, EMPTY_MAP, Keyword, PList, PMap, PSet, cons, plist, vector
from turmeric.runtime import machine
from turmeric.runtime.builtins import colls, maps, seqs, strings
from turmeric.runtime.builtins.sorted import SortedMap, SortedSet
from turmeric.session.session import Session

K = Keyword
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

pytestmark = pytest.mark.usefixtures("scratch_cache")

_SESSION = None


def ev(src: str):
    global _SESSION
    if _SESSION is None:
        machine.allow_deep_python_stack()
        _SESSION = Session()
    return _SESSION.eval_string(src)[-1]


class Counter:
    """A wrapper that counts the calls of the function it wraps."""

    def __init__(self, f):
        self.f, self.n = f, 0

    def __call__(self, *args):
        self.n += 1
        return self.f(*args)


# -- the guards (counted, not timed) --------------------------------------------------------

def test_14_string_join_str_of_a_string_and_an_integer_converts_in_one_step(monkeypatch):
    """#14 row "string join": (str "#" x) went through str_text once per argument; a string
    and an integer are now one f-string. The answers stay the generic path's."""
    counted = Counter(strings.str_text)
    monkeypatch.setattr(strings, "str_text", counted)
    assert strings.str_("#", 42) == "#42"
    assert strings.str_("", -7) == "-7"
    assert strings.str_("a", "b") == "ab"
    assert counted.n == 0
    assert strings.str_("#", 10 ** 5000) == "#" + int_to_str(10 ** 5000)   # past Python's limit
    assert strings.str_(None, 1) == "1" and strings.str_("x", True) == "xtrue"
    assert strings.str_() == "" and strings.str_(None) == ""
    assert counted.n > 0    # (the generic path, for everything else)


def test_14_string_join_of_strings_makes_no_text_per_item(monkeypatch):
    """#14 row "string join": join took str_text of every item into a new list; a list or
    vector of strings is now joined as it is."""
    counted = Counter(strings.str_text)
    monkeypatch.setattr(strings, "str_text", counted)
    words = [f"#{i}" for i in range(100)]
    assert strings.join(", ", plist(words)) == ", ".join(words)
    assert strings.join(", ", vector(words)) == ", ".join(words)
    assert strings.join(plist(words[:3])) == "#0#1#2"
    assert counted.n == 0
    assert strings.join("-", plist(["a", 1, None, K("k")])) == "a-1--:k"   # not all strings
    assert counted.n == 4


def test_14_string_join_program_answer():
    """#14 row "string join": the bench program's answer, as Python's."""
    ev('(defn join-numbers [xs] (join ", " (map (fn [x] (str "#" x)) xs)))')
    assert ev("(join-numbers (range 1000))") == ", ".join(f"#{x}" for x in range(1000))
    assert ev('(join ", " [1 "a" nil :k 1.5 [1 "b"]])') == '1, a, , :k, 1.5, [1 "b"]'


def test_14_maps_assoc_of_several_pairs_makes_one_map(monkeypatch):
    """#14 row "maps and sets": (assoc m :count c :total t :hits h) copied the map once per
    pair (three maps made, two thrown away); now it copies it once."""
    made = Counter(values._new)
    monkeypatch.setattr(values, "_new", made)
    m = PMap.from_pairs([(K("count"), 0), (K("total"), 0), (K("hits"), 0)])
    made.n = 0
    m2 = maps.assoc(m, K("count"), 1, K("total"), 2, K("hits"), 3)
    assert made.n == 1
    assert list(m2.items()) == [(K("count"), 1), (K("total"), 2), (K("hits"), 3)]
    assert list(m.items()) == [(K("count"), 0), (K("total"), 0), (K("hits"), 0)]  # unchanged
    m3 = maps.assoc(m, 1, "a", 1.0, "b", vector([1]), "c", plist([1]), "d")
    assert made.n == 2
    assert [(k, type(k)) for k in m3 if k not in m] == [(1, int), (1.0, float), (vector([1]), type(vector()))]
    assert m3.get(plist([1])) == "d" and m3.get(1) == "a" and m3.get(1.0) == "b"


def test_14_maps_get_and_contains_of_a_plain_key_skip_the_generic_path(monkeypatch):
    """#14 row "maps and sets": get and contains? of a map or set with a keyword, string or
    integer key are one dict lookup (the generic get tried the other collection types)."""
    def refuse(*args):
        raise AssertionError("the generic path")
    monkeypatch.setattr(maps, "types_get", refuse)
    m = PMap.from_pairs([(K("a"), 1), ("b", 2), (3, 3)])
    assert maps.get(m, K("a")) == 1 and maps.get(m, "b") == 2 and maps.get(m, 3) == 3
    assert maps.get(m, K("zz"), "d") == "d"
    assert maps.contains(m, 3) and not maps.contains(m, 4)
    assert maps.contains(PSet([0, 3, 6]), 6) and not maps.contains(PSet([0, 3]), "0")
    with pytest.raises(AssertionError):
        maps.get(m, 1.0)    # a loose key: the generic path (1.0 is not the key 1)


def test_14_maps_a_lazy_list_walked_cell_by_cell_makes_its_cells_a_chunk_at_a_time(monkeypatch):
    """#14 row "maps and sets": (loop [xs (seq v)] ... (recur (next xs))) made each cell of a
    lazy list on its own, after an AttributeError for the unset rest (about as costly as the
    rest of the loop body); now the cells are made values._CHUNK at a time."""
    counted = Counter(PList.__getattr__)
    monkeypatch.setattr(PList, "__getattr__", lambda self, name: counted(self, name))
    n = 1000
    xs = seqs.seq(vector(range(n)))
    got = []
    while xs is not None:
        got.append(xs.first)
        xs = seqs.next_(xs)
    assert got == list(range(n))
    assert counted.n <= n // values._CHUNK + 2


def test_14_maps_program_answer():
    """#14 row "maps and sets": the bench program's answer, as Python's."""
    src = (Path(__file__).resolve().parent.parent / "bench" / "programs" / "maps.tm").read_text()
    ev(src)
    xs = list(range(2000))
    seen = {0, 3, 6, 9}
    want = [len(xs), sum(xs), sum(1 for x in xs if x % 10 in seen), sum(1 for x in xs if x % 10 == 3)]
    assert list(ev("(map-ops (vec (range 2000)))")) == want


def test_14_maps_conj_and_disj_keep_their_meaning():
    """#14 row "maps and sets": conj's fast path for a set, vector and list, disj of a
    missing member (no copy) and the sorted kinds, which keep their own order."""
    s = PSet([1, 2])
    assert colls.disj(s, 3) is s
    assert list(colls.disj(s, 1)) == [2] and list(s) == [1, 2]
    assert list(colls.conj(s, 1.0)) == [1, 2, 1.0]
    assert list(colls.conj(vector([1]), 2)) == [1, 2]
    assert list(colls.conj(plist([1]), 2)) == [2, 1]
    assert list(colls.conj(EMPTY_LIST, 2)) == [2]
    assert colls.conj(None, 1) == plist([1])
    assert type(colls.conj(SortedSet.of([3, 1]), 2)) is SortedSet
    assert list(colls.conj(SortedSet.of([3, 1]), 2)) == [1, 2, 3]
    sm = SortedMap.of({3: "c", 1: "a"})
    assert type(maps.assoc(sm, 2, "b", 0, "z")) is SortedMap
    assert list(maps.assoc(sm, 2, "b", 0, "z")) == [0, 1, 2, 3]
    assert ev("(conj #{1} 1.0 true nil)") == PSet([1, 1.0, True, None])
    with pytest.raises(Exception) as e:
        ev("(assoc {} :a 1 :b)")
    assert getattr(e.value, "kind", None) == "arity"


# -- the properties: fast paths against the generic ones ------------------------------------

SCALARS = st.one_of(
    st.integers(-3, 3), st.integers(), st.sampled_from([10 ** 18 - 1, 10 ** 18, -10 ** 18, 10 ** 40]),
    st.floats(allow_nan=False), st.sampled_from([0.0, -0.0, 1.0, float("inf"), float("-inf")]),
    st.booleans(), st.none(), st.text(max_size=4), st.sampled_from([K("a"), K("b"), K("ns/a")]),
)
KEYS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(vector), st.lists(inner, max_size=3).map(plist),
        st.lists(st.tuples(inner, inner), max_size=2).map(PMap.from_pairs),
        st.lists(inner, max_size=2).map(PSet),
    ),
    max_leaves=5,
)
# small pools, so that generated keys often meet one that is = (or == but not =) to them
POOL_KEYS = st.sampled_from([0, 1, 1.0, True, False, None, "a", K("a"), -0.0, 0.0, vector([1]), plist([1]),
                             vector([1.0]), vector([]), plist([]), PMap.from_pairs([(1, 2)]), PSet([1])])
ANY_KEY = st.one_of(POOL_KEYS, KEYS)


@SETTINGS
@given(st.lists(st.one_of(SCALARS, KEYS), max_size=5))
def test_14_property_str_is_str_text_of_each_argument(xs):
    """#14 row "string join", the class: `str` of any arguments is their str_text, joined."""
    assert strings.str_(*xs) == "".join(map(strings.str_text, xs))


@SETTINGS
@given(st.one_of(SCALARS, st.sampled_from([K("a/b"), K("-"), 1e7, 1e-4, 123.0, -2.5e21, 10 ** 20])))
def test_14_property_str_text_of_an_atom_is_the_printers(x):
    """#14 row "string join", the class: str_text's fast paths (integers, keywords, floats)
    give what print shows (printer.str_of), Infinity and NaN named as Java names them."""
    want = {float("inf"): "Infinity", float("-inf"): "-Infinity"}.get(x, str_of(x)) if x is not None else ""
    assert strings.str_text(x) == want


@SETTINGS
@given(st.lists(st.one_of(SCALARS, KEYS, st.text(max_size=3)), max_size=8), st.text(max_size=2),
       st.sampled_from(["list", "lazy", "walked", "cons", "vector"]))
def test_14_property_join_is_str_text_of_each_item(xs, sep, kind):
    """#14 row "string join", the class: join of any list or vector (eager, lazy, partly
    walked, made by cons) is sep between the str_text of its items."""
    if kind == "list":
        coll = plist(xs)
    elif kind == "lazy":
        coll = plist(["x"] * 5 + xs)      # more than 4 items: a lazy list
    elif kind == "walked":
        coll = plist(["x"] * 6 + xs).rest.rest
    elif kind == "cons":
        coll = EMPTY_LIST
        for x in reversed(xs):
            coll = cons(x, coll)
    else:
        coll = vector(xs)
    want = sep.join(strings.str_text(x) for x in list(coll))
    assert strings.join(sep, coll) == want
    if all(type(x) is str for x in xs):
        assert strings.join(sep, coll) == sep.join(coll)


@SETTINGS
@given(st.integers(0, 200), st.lists(st.sampled_from(["next", "rest", "iter", "nth", "count"]), max_size=12))
def test_14_property_a_lazy_list_walked_any_way_is_its_items(n, steps):
    """#14 row "maps and sets", the class: a lazy list whose cells are made a chunk at a time
    reads the same whichever way it is walked, each cell's rest made once."""
    items = list(range(n))
    xs, at = plist(items), 0
    for step in steps:
        if xs is None or xs.count == 0:
            break
        assert xs.count == n - at and xs.first == items[at]
        if step == "next":
            nxt = seqs.next_(xs)
            assert nxt is seqs.next_(xs)      # one successor, made once
            xs, at = (nxt if nxt is not None else EMPTY_LIST), at + 1
        elif step == "rest":
            r = seqs.rest(xs)
            assert r is xs.rest
            xs, at = r, at + 1
        elif step == "iter":
            assert list(xs) == items[at:]
        elif step == "nth":
            assert [seqs.nth(xs, i) for i in range(xs.count)] == items[at:]
        else:
            assert seqs.count(xs) == n - at
    if xs is not None:
        assert list(xs) == items[at:] and len(xs) == n - at


class Model:
    """A map as a list of [key, value] pairs, looked up with `=` (no dict): the first key of
    = keys stays in its place, with the last value; a key taken out and put back goes last.
    (test_maps_persistent's model too.)"""

    def __init__(self, pairs=()):
        self.pairs = [list(p) for p in pairs]

    def copy(self):
        return Model(self.pairs)

    def find(self, k):
        for i, (key, _) in enumerate(self.pairs):
            if equals(key, k):
                return i
        return None

    def assoc(self, k, v):
        i = self.find(k)
        if i is None:
            self.pairs.append([k, v])
        else:
            self.pairs[i][1] = v

    def dissoc(self, k):
        i = self.find(k)
        if i is not None:
            del self.pairs[i]

    def get(self, k, default):
        i = self.find(k)
        return default if i is None else self.pairs[i][1]


def lookups_agree(m: PMap, model: Model, k):
    """Every way of looking k up in m (get, the generic get, the method, contains?, in, the
    map and a keyword called) answers what the model does."""
    want = model.get(k, "none")
    assert maps.get(m, k, "none") == want == generic_get(m, k, "none") == m.get(k, "none")
    assert maps.contains(m, k) is (model.find(k) is not None) is (k in m)
    assert m(None, k, "none") == want
    if type(k) is Keyword:
        assert k(None, m, "none") == want


def same_entries(m: PMap, model: Model) -> bool:
    got = list(m.items())
    return len(got) == len(model.pairs) and all(
        gk is mk and gv is mv for (gk, gv), (mk, mv) in zip(got, model.pairs))


MAP_OPS = st.lists(st.one_of(
    st.tuples(st.just("assoc"), ANY_KEY, st.integers(0, 9)),
    st.tuples(st.just("assoc-many"), st.lists(st.tuples(ANY_KEY, st.integers(0, 9)), min_size=1, max_size=3)),
    st.tuples(st.just("dissoc"), ANY_KEY),
    st.tuples(st.just("get"), ANY_KEY),
    st.tuples(st.just("conj"), st.tuples(ANY_KEY, st.integers(0, 9))),
), max_size=25)


@SETTINGS
@given(st.lists(st.tuples(ANY_KEY, st.integers(0, 9)), max_size=4), MAP_OPS)
def test_14_property_maps_of_mixed_keys_agree_with_a_model(start, ops):
    """#14 row "maps and sets", the class: maps updated by assoc (one pair and several), dissoc
    and conj of an entry, with keys of every kind, hold what a model keyed by `=` holds;
    get, contains?, (:k m) and (m k) agree with the generic get; every earlier version is
    unchanged."""
    m = PMap.from_pairs(start)
    model = Model()
    for k, v in start:
        model.assoc(k, v)
    versions = [(m, model.copy())]
    for op in ops:
        if op[0] == "assoc":
            m = maps.assoc(m, op[1], op[2])
            model.assoc(op[1], op[2])
        elif op[0] == "assoc-many":
            flat = [x for kv in op[1] for x in kv]
            m2 = maps.assoc(m, *flat)
            one_by_one = m
            for k, v in op[1]:
                one_by_one = maps._assoc_one("assoc", one_by_one, k, v)
                model.assoc(k, v)
            assert list(m2.items()) == list(one_by_one.items())
            m = m2
        elif op[0] == "dissoc":
            m = maps.dissoc(m, op[1])
            model.dissoc(op[1])
        elif op[0] == "conj":
            m = colls.conj(m, vector(op[1]))
            model.assoc(*op[1])
        else:
            lookups_agree(m, model, op[1])
        assert same_entries(m, model)
        versions.append((m, model.copy()))
    for old, its_model in versions:
        assert same_entries(old, its_model)
        assert equals(old, PMap.from_pairs([tuple(p) for p in its_model.pairs]))


SET_OPS = st.lists(st.one_of(
    st.tuples(st.just("conj"), st.lists(ANY_KEY, min_size=1, max_size=3)),
    st.tuples(st.just("disj"), ANY_KEY),
    st.tuples(st.just("has"), ANY_KEY),
), max_size=25)


@SETTINGS
@given(st.lists(ANY_KEY, max_size=4), SET_OPS)
def test_14_property_sets_of_mixed_members_agree_with_a_model(start, ops):
    """#14 row "maps and sets", the class: sets updated by conj (one member and several) and
    disj hold what a model keyed by `=` holds; contains?, get and (s x) agree with it and
    with the generic get; every earlier version is unchanged."""
    s = PSet(start)
    model = Model()
    for x in start:
        model.assoc(x, None)
    versions = [(s, model.copy())]
    for op in ops:
        if op[0] == "conj":
            s = colls.conj(s, *op[1])
            for x in op[1]:
                model.assoc(x, None)
        elif op[0] == "disj":
            s = colls.disj(s, op[1])
            model.dissoc(op[1])
        else:
            x = op[1]
            i = model.find(x)
            assert maps.contains(s, x) is (i is not None)
            want = "none" if i is None else x     # (get of a set gives back the key asked for)
            assert maps.get(s, x, "none") is want
            assert generic_get(s, x, "none") is want and s(None, x, "none") is want
        assert [k for k in s] == [k for k, _ in model.pairs] and len(s) == len(model.pairs)
        versions.append((s, model.copy()))
    for old, its_model in versions:
        got = list(old)
        assert len(got) == len(its_model.pairs) and all(a is b for a, (b, _) in zip(got, its_model.pairs))


def test_14_maps_empty_map_stays_empty():
    """#14 row "maps and sets": the shared empty map is never changed by the one-copy assoc."""
    m = maps.assoc(EMPTY_MAP, K("a"), 1, K("b"), 2)
    assert len(EMPTY_MAP) == 0 and len(m) == 2 and maps.assoc(None, 1, 2) == PMap.from_pairs([(1, 2)])


# -- sorted maps and sets as keys: hash_of of a PMap or PSet subclass -----------------------

def test_14_a_sorted_map_or_set_is_a_key_like_the_plain_one():
    """#14 (found while taking the hashing of keys apart): a sorted map or set as a map key or
    set member recursed until the stack overflowed (hash_of handed it to Python's hash,
    whose PMap.__hash__ is hash_of); it hashes as the plain map or set it is = to."""
    assert ev("(get {(sorted-map 1 2) :x} {1 2})") == K("x")
    assert ev("(get {{1 2} :y} (sorted-map 1 2))") == K("y")
    assert ev("(contains? #{(sorted-set 1 2)} #{2 1})") is True
    assert ev("(= {(sorted-map 1 2) :x} {{1 2} :x})") is True
    assert ev("(get {[(sorted-set 3)] 1} [#{3}])") == 1


INT_KEYED = st.recursive(
    st.integers(-5, 5),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(vector), st.lists(inner, max_size=3).map(plist),
        st.lists(st.tuples(st.integers(-3, 3), inner), max_size=3).map(PMap.from_pairs),
        st.lists(st.tuples(st.integers(-3, 3), inner), max_size=3).map(SortedMap.of),
        st.lists(st.integers(-3, 3), max_size=3).map(PSet),
        st.lists(st.integers(-3, 3), max_size=3).map(SortedSet.of),
    ),
    max_leaves=8,
)


def twin(x):
    """A value = to x made of the other kinds: a vector for a list and back, a plain map or
    set for a sorted one and back."""
    t = type(x)
    if t is type(vector()):
        return plist([twin(i) for i in x])
    if t is PList:
        return vector([twin(i) for i in x])
    if t is SortedMap:
        return PMap.from_pairs([(k, twin(v)) for k, v in x.items()])
    if t is PMap:
        return SortedMap.of([(k, twin(v)) for k, v in x.items()])
    if t is SortedSet:
        return PSet(list(x))
    if t is PSet:
        return SortedSet.of(list(x))
    return x


@SETTINGS
@given(INT_KEYED, INT_KEYED)
def test_14_property_keys_of_every_map_and_set_kind_hash_as_they_compare(a, b):
    """#14, the class: for values made of lists, vectors, plain and sorted maps and sets,
    hash_of agrees with =, and a map or set keyed by one finds the other exactly when they
    are =, whichever kinds each is made of."""
    for y in (b, twin(a)):
        same = equals(a, y)
        if same:
            assert hash_of(a) == hash_of(y)
        assert (PMap.from_pairs([(a, 1)]).get(y) == 1) is same
        assert maps.contains(PSet([a]), y) is same
        assert equals(PMap.from_pairs([(vector([a]), 1)]), PMap.from_pairs([(plist([y]), 1)])) is same
    assert equals(a, twin(a)) and equals(twin(a), a)


def test_a_lookup_in_a_sorted_collection_copies_no_keys(monkeypatch):
    """get and contains? on a sorted map or set listed every key on every lookup (a copy of
    n keys, then a binary search): 20,000 lookups in 20,000 keys copied 4 * 10^8 of them.
    The keys are listed once per collection (it never changes) and each lookup searches
    that list: counted, the listing happens once for all the lookups, and the answers are
    those of the plain map and set."""
    from turmeric.runtime.builtins import sorted as sorted_module
    listed = []
    real = sorted_module._keys_in_order

    def counting(coll):
        had = hasattr(coll, "_in_order")
        keys = real(coll)
        if not had:
            listed.append(len(keys))
        return keys
    monkeypatch.setattr(sorted_module, "_keys_in_order", counting)
    n = 2000
    m = sorted_module.SortedMap.of([(i, i * i) for i in range(n)])
    s = sorted_module.SortedSet.of(range(0, n, 2))
    plain_m, plain_s = PMap.from_pairs([(i, i * i) for i in range(n)]), PSet(range(0, n, 2))
    for i in range(-5, n + 5):
        assert m.get(i, "none") == plain_m.get(i, "none")
        assert (i in s) is (i in plain_s)
    assert listed == [n, n // 2]
    assert m.get(1.0, "none") == 1 and 2.0 in s      # found by compare, as Clojure's are
    m2 = m.assoc(5, "x").dissoc(7)                    # a new map lists its own keys, once
    assert m2.get(5) == "x" and m2.get(7, "none") == "none" and m.get(5) == 25 and m.get(7) == 49
    assert listed == [n, n // 2, n, n - 1]
