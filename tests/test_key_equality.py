"""Map keys and set members are compared with `=` (issue #9 item 6).

Python's dict compares keys with == and hash, which make 1, 1.0 and true one key and keep a
list apart from the equal vector; maps and sets hold those keys as data/values.py MapKeys.
The properties check, for generated pairs of values a and b, that every way of keying by a
value agrees with `=`: contains?, get, assoc and dissoc on a map and on a set, frequencies,
group-by, distinct, into, merge, and = of the maps and sets built from them. `=` itself is
checked against a model written here (`model_eq`), which uses no dict lookups, so a bug in
the key adapter cannot hide by breaking `=` and the container alike. Maps with such keys
still print, read and serialize back to what they were.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.equality import equals, hash_of
from turmeric.data.names import mangle
from turmeric.data.errors import TurmericError
from turmeric.data.printer import pr_str
from turmeric.data.values import (
    EMPTY_MAP, Keyword, MapKey, PList, PMap, PSet, map_key, plist, vector,
)
from turmeric.reader.reader import read_string
from turmeric.runtime import machine
from turmeric.runtime.builtins.colls import conj, disj, hash_set, into, set_
from turmeric.runtime.builtins.comparison import eq
from turmeric.runtime.builtins.maps import (
    assoc, contains, dissoc, get, hash_map, keys, merge, select_keys, zipmap,
)
from turmeric.runtime.builtins.seqs import count, distinct, frequencies
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

K = Keyword
PVECTOR = type(vector([]))
NAN = float("nan")

pytestmark = pytest.mark.usefixtures("scratch_cache")

_SESSION = None


def session() -> Session:
    global _SESSION
    if _SESSION is None:
        machine.allow_deep_python_stack()
        _SESSION = Session()
        _SESSION.eval_string("(defn group-two [a b] (group-by identity [a b]))")
    return _SESSION


def ev(src: str):
    return session().eval_string(src)[-1]


def call(name: str, *args):
    s = session()
    return s.run(machine.run, s.modules["user"].ns["g_" + mangle(name)], args)


# ---- the model of = ---------------------------------------------------------------------

def model_eq(a, b) -> bool:
    """Clojure's = on the generated values, by definition: integers, floats and booleans
    never equal each other, ##NaN equals nothing, a list equals a vector with equal items,
    maps and sets are equal by contents (found by searching, not by hashing)."""
    ta, tb = type(a), type(b)
    if ta is float or tb is float:
        return ta is tb and a == b
    if ta in (PList, PVECTOR):
        return tb in (PList, PVECTOR) and len(a) == len(b) and all(map(model_eq, a, b))
    if ta is PMap:
        return tb is PMap and len(a) == len(b) and all(
            any(model_eq(k, k2) and model_eq(v, v2) for k2, v2 in b.items()) for k, v in a.items())
    if ta is PSet:
        return tb is PSet and len(a) == len(b) and all(any(model_eq(x, y) for y in b) for x in a)
    return ta is tb and a == b


def distinct_by_model(xs):
    out = []
    for x in xs:
        if not any(model_eq(x, y) for y in out):
            out.append(x)
    return out


def model_map(pairs):
    """A map built pair by pair by the model (first key stays, last value wins)."""
    out = []
    for k, v in pairs:
        for i, (k2, _) in enumerate(out):
            if model_eq(k, k2):
                out[i] = (k2, v)
                break
        else:
            out.append((k, v))
    return PMap.from_pairs(out)


# ---- generated values: small, so that equal and almost-equal pairs are common ----------------

atoms = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 2),
    st.sampled_from([0.0, -0.0, 1.0, 2.0, -1.0, 0.5, NAN, math.inf]),
    st.sampled_from(["", "a", "1"]), st.sampled_from([K("a"), K("b"), K("1")]),
)


def _set(xs):
    return PSet(distinct_by_model(xs))


values = st.recursive(
    atoms,
    lambda kids: st.one_of(
        st.lists(kids, max_size=3).map(plist),
        st.lists(kids, max_size=3).map(vector),
        st.lists(st.tuples(kids, kids), max_size=3).map(model_map),
        st.lists(kids, max_size=3).map(_set),
    ),
    max_leaves=8)


@st.composite
def variant(draw, x):
    """A value like x, often = to it: a list for a vector and back, 1 for 1.0 or true."""
    t = type(x)
    if t is bool:
        return draw(st.sampled_from([x, int(x), float(x)]))
    if t is int:
        options = [x, float(x)] + ([bool(x)] if x in (0, 1) else [])
        return draw(st.sampled_from(options))
    if t is float:
        return draw(st.sampled_from([x, int(x)] if x.is_integer() else [x]))
    if t in (PList, PVECTOR):
        items = [draw(variant(y)) for y in x]
        return draw(st.sampled_from([plist, vector]))(items)
    if t is PMap:
        return model_map([(draw(variant(k)), draw(variant(v))) for k, v in x.items()])
    if t is PSet:
        return _set([draw(variant(y)) for y in x])
    return x


pairs = st.one_of(st.tuples(values, values),
                  values.flatmap(lambda a: st.tuples(st.just(a), variant(a))))

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- regressions: the reproductions of #9 item 6 -----------------------------------------

@pytest.mark.parametrize("src,expected", [
    ("(get {1 :a} 1.0)", None),                               # #9 item 6: 1.0 is not key 1
    ("(assoc {1 :a} true :b)", "{1 :a, true :b}"),            # #9 item 6: true is not key 1
    ("(get {[1] :a} (list 1))", K("a")),                      # #9 item 6: (1) = [1]
    ("(contains? #{1} true)", False),
    ("(contains? #{[1 2]} '(1 2))", True),
    ("(count {1 :a 1.0 :b true :c})", 3),                     # a literal keeps all three
    ("(count (hash-set 0 0.0 false -0.0))", 3),               # 0.0 = -0.0
    ("(dissoc {1 :a true :b} true)", "{1 :a}"),
    ("(frequencies [1 1.0 true [1] '(1) {:a 1}])", "{1 1, 1.0 1, true 1, [1] 2, {:a 1} 1}"),
    ("(group-by identity [1 1.0 true])", "{1 [1], 1.0 [1.0], true [true]}"),
    ("(distinct [1 1.0 true [1] '(1) #{1} #{1.0}])", "(1 1.0 true [1] #{1} #{1.0})"),
    ("(= {1 :a} {1.0 :a})", False),
    ("(= {[1] :a} {'(1) :a})", True),
    ("(= #{[1]} #{'(1)})", True),
    ("(= #{1} #{true})", False),
    ("(into #{} [1 true 1.0 [1] '(1)])", "#{1 true 1.0 [1]}"),
    ("(into {} [[1 :a] [true :b] [1.0 :c]])", "{1 :a, true :b, 1.0 :c}"),
    ("(merge {1 :a} {true :b} {[1] :c} {'(1) :d})", "{1 :a, true :b, [1] :d}"),
    ("(zipmap [1 true] [:a :b])", "{1 :a, true :b}"),
    ("(select-keys {1 :a true :b} [true])", "{true :b}"),
    ("(keys {[1] 1 true 2 1 3})", "([1] true 1)"),
    ("(contains? {##NaN 1} ##NaN)", False),                   # ##NaN equals nothing
    ("(count (conj #{##NaN} ##NaN))", 2),
    ("(get {{:a [1]} :x} {:a '(1)})", K("x")),                # nested: maps compared by =
    ("(:k {:k 1})", 1),
])
def test_regressions(src, expected):
    got = ev(src)
    assert (pr_str(got) if isinstance(expected, str) else got) == expected


def test_literal_with_a_duplicate_by_equals_is_a_syntax_error():
    """#9 item 6: the reader finds duplicates with = too ([1] and (1) are one key)."""
    with pytest.raises(TurmericError) as info:
        read_string("{[1] :a (1) :b}")
    assert "duplicate key (1) in a map" in str(info.value)
    assert len(read_string("{1 :a 1.0 :b true :c}")[0]) == 3


# ---- the properties ---------------------------------------------------------------------

@SETTINGS
@given(pairs)
def test_equals_is_the_model(ab):
    a, b = ab
    assert equals(a, b) == model_eq(a, b)
    assert eq(a, b) == model_eq(a, b)


@SETTINGS
@given(pairs)
def test_keying_by_a_value_agrees_with_equals(ab):
    """#9 item 6: every builtin that keys by a value agrees with = on the keys."""
    a, b = ab
    same = model_eq(a, b)
    m = hash_map(a, 1)
    s = hash_set(a)
    assert contains(m, b) is same
    assert get(m, b) == (1 if same else None)
    assert contains(s, b) is same
    assert get(s, b, K("none")) == (b if same else K("none"))
    assert count(assoc(m, b, 2)) == (1 if same else 2)
    assert count(dissoc(m, b)) == (0 if same else 1)
    assert count(conj(s, b)) == (1 if same else 2)
    assert count(disj(s, b)) == (0 if same else 1)
    assert count(hash_map(a, 1, b, 2)) == (1 if same else 2)
    assert count(set_(vector([a, b]))) == (1 if same else 2)
    assert count(into(PSet(), vector([a, b]))) == (1 if same else 2)
    assert count(into(EMPTY_MAP, vector([vector([a, 1]), vector([b, 2])]))) == (1 if same else 2)
    assert count(merge(m, hash_map(b, 2))) == (1 if same else 2)
    assert count(zipmap(vector([a, b]), vector([1, 2]))) == (1 if same else 2)
    assert count(select_keys(m, vector([b]))) == (1 if same else 0)
    assert count(distinct(vector([a, b]))) == (1 if same else 2)
    freqs = frequencies(vector([a, b]))
    assert sorted(freqs.values()) == ([2] if same else [1, 1])
    assert count(call("group-two", a, b)) == (1 if same else 2)
    # maps and sets built from equal keys are equal, and from unequal keys not
    assert eq(m, hash_map(b, 1)) is same
    assert eq(s, hash_set(b)) is same
    assert eq(hash_map(m, 1), hash_map(hash_map(b, 1), 1)) is same


@SETTINGS
@given(pairs)
def test_hashes_agree_with_equals(ab):
    """Values that are = hash alike, as map keys and as wholes (the dicts rely on it)."""
    a, b = ab
    if model_eq(a, b):
        assert hash(map_key(a)) == hash(map_key(b))
        assert hash_of(a) == hash_of(b)
        assert hash(hash_map(a, 1)) == hash(hash_map(b, 1))
        assert hash(hash_set(a)) == hash(hash_set(b))


def same_shape(a, b) -> bool:
    """Strictly the same value: the same types (a list is not a vector, 1 not 1.0), ##NaN
    the same as ##NaN, map entries in the same order."""
    ta = type(a)
    if ta is not type(b):
        return False
    if ta is float:
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if ta in (PList, PVECTOR, PSet):
        return len(a) == len(b) and all(map(same_shape, a, b))
    if ta is PMap:
        return len(a) == len(b) and all(same_shape(k, k2) and same_shape(v, v2)
                                        for (k, v), (k2, v2) in zip(a.items(), b.items()))
    return a == b


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs)
def test_maps_with_such_keys_print_read_and_serialize_back(ab):
    a, b = ab
    m = hash_map(a, K("first"), b, K("second"))
    s = hash_set(a, b)
    for x in (m, s, vector([m, s])):
        assert same_shape(read_string(pr_str(x))[0], x)
        assert same_shape(deserialize(session(), serialize(session(), x)), x)
    assert [pr_str(k) for k in keys(m)] == [pr_str(k) for k in m]


def test_map_keys_are_never_seen_outside_the_collection():
    m = hash_map(1.0, K("a"), vector([1]), K("b"), True, K("c"), plist([1.5]), K("d"))
    s = hash_set(1.0, vector([1]), True)
    for ks in (list(m), list(keys(m)), [k for k, _ in m.items()], list(s),
               list(merge(m, m)), list(into(PSet(), s))):
        assert not any(type(k) is MapKey for k in ks)


def test_deep_keys_neither_crash_nor_recurse():
    """A key nested 40,000 deep (beyond Python's recursion limit): its hash and = use a stack
    of their own, not Python's or C's (pyrsistent hashes a vector by recursive C code)."""
    v, w = vector([1]), plist([1])
    for _ in range(40_000):
        v, w = vector([v, 1.5]), plist([w, 1.5])
    m = hash_map(v, K("deep"))
    assert get(m, w) == K("deep")
    assert contains(hash_set(w), v)
    assert count(frequencies(vector([v, w]))) == 1
    assert count(distinct(vector([v, w]))) == 1
    assert count(hash_map(v, 1, w, 2)) == 1
