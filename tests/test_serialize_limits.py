"""#16 part 2 (spec/serialization.md §9): `serialize` refuses, at checkpoint time, exactly what
`deserialize` would refuse, through one definition of the limits (turmeric/serialize/limits.py):
nesting, the nesting of map keys and set members, integer size, keys that hash alike, the
decoded-size budget of records and frames, and the budget of repeated chunk references. A
checkpoint that cannot be read back used to be written, and the data was lost at resume."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.equality import equals
from turmeric.data.errors import TurmericError
from turmeric.data.values import Keyword, PMap, PSet, plist, vector
from turmeric.runtime import machine
from turmeric.serialize import encode, limits
from turmeric.serialize.blobs import CHUNK, DIRNAME, BlobStore
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

machine.allow_deep_python_stack()
P61 = (1 << 61) - 1


@pytest.fixture(scope="module")
def session():
    return Session()


def unchecked(session, value, blobs=None) -> bytes:
    """The bytes serialize would write without its limits check."""
    real = encode.check_limits
    encode.check_limits = lambda enc, body: None
    try:
        return serialize(session, value, blobs=blobs)
    finally:
        encode.check_limits = real


def agree(session, value, blobs=None, reader_blobs=None):
    """serialize and deserialize agree on value: either both refuse it (a serialize error at
    checkpoint time, a deserialize error for the bytes written without the check), or the
    bytes read back to an equal value. Returns the serialize error, or None."""
    try:
        data = serialize(session, value, blobs=blobs)
    except TurmericError as e:
        assert e.kind == "serialize", e
        assert "cannot serialize" in e.message and "spec/serialization.md §9" in e.hint
        with pytest.raises(TurmericError) as read:
            deserialize(session, unchecked(session, value, blobs), blobs=reader_blobs)
        assert read.value.kind == "deserialize", read.value
        return e
    assert equals(deserialize(session, data, blobs=reader_blobs), value)   # (= does not recurse)
    return None


def nested(n: int, make=lambda x: vector([x])):
    v = vector()
    for _ in range(n - 1):
        v = make(v)
    return v


# -- each limit at its value and one past it (#16 part 2) -----------------------------------------

def test_part2_nesting_is_refused_when_written_exactly_past_the_limit(session, monkeypatch):
    """#16 part 2 (depth): a value nested MAX_DEPTH deep is written and read; one level more
    is refused by serialize, naming the limit, as deserialize refuses its bytes. (The limit
    moved down to 20,000, for speed: far past any recursion limit all the same.)"""
    monkeypatch.setattr(limits, "MAX_DEPTH", 20_000)
    assert agree(session, nested(limits.MAX_DEPTH)) is None
    e = agree(session, nested(limits.MAX_DEPTH + 1))
    assert e is not None and f"a value nested {limits.MAX_DEPTH + 1:,} deep" in e.message
    assert f"deeper than {limits.MAX_DEPTH:,}" in e.hint


@pytest.mark.parametrize("outer", ["set", "map-key"])
def test_part2_key_nesting_is_refused_when_written(session, outer):
    """#16 part 2 (key depth): a set member or map key nested MAX_KEY_DEPTH deep is written; one
    more level is refused at checkpoint time, the path naming where the set or map is."""
    wrap = (lambda k: PSet([k])) if outer == "set" else (lambda k: PMap.from_pairs([(k, 1)]))
    assert agree(session, vector([wrap(nested(limits.MAX_KEY_DEPTH))])) is None
    e = agree(session, vector([wrap(nested(limits.MAX_KEY_DEPTH + 1))]))
    assert e is not None and e.message.endswith("at [0]") and f"{limits.MAX_KEY_DEPTH + 1:,} deep" in e.message


def test_part2_an_integer_over_the_digit_limit_is_refused_when_written(session):
    """#16 part 2 (integer size): the largest integer the reader takes is written; one bit more
    (a byte more of two's complement) is refused, in a map's value as at the root."""
    largest = (1 << (8 * limits.MAX_INT_BYTES - 1)) - 1
    assert limits.int_bytes(largest) == limits.MAX_INT_BYTES
    assert agree(session, vector([largest])) is None
    e = agree(session, PMap.from_pairs([(Keyword("n"), largest + 1)]))
    assert e is not None and "an integer of 415,243 bytes" in e.message and e.message.endswith("at [:n]")


def test_part2_an_integer_inside_a_string_is_not_mistaken_for_one(session):
    """The writer searches its bytes for a huge integer's header: a string holding those bytes
    is not one (it is confirmed by unpacking)."""
    fake = "\xc9" + "\x00\x10\x00\x00" + "\x03" + "x" * (1 << 20)
    assert agree(session, vector([fake.encode("latin-1"), fake])) is None


def test_part2_keys_that_hash_alike_are_refused_when_written(session):
    """#16 part 2 (same hash): MAX_SAME_HASH integer keys that hash alike are written; one more
    is refused, for a map and a set."""
    keys = [k * P61 for k in range(1, limits.MAX_SAME_HASH + 2)]
    assert agree(session, PSet(keys[:-1])) is None
    assert agree(session, PSet(keys)) is not None
    e = agree(session, vector([PMap.from_pairs([(k, 0) for k in keys])]))
    assert e is not None and f"a map with {limits.MAX_SAME_HASH + 1} keys of the same hash: at [0]" in e.message


def test_part2_many_small_records_are_refused_when_written(session, monkeypatch):
    """#16 parts 1 and 2 (decoded size): a vector of small vectors whose records the input does
    not pay for is refused by serialize as by deserialize; within the budget both take it.
    (The free allowance moved down to 1 MiB, for speed.)"""
    monkeypatch.setattr(limits, "COST_FREE", 1 << 20)
    per = limits.RECORD_COST - 9 * limits.COST_PER_BYTE    # what a one-item vector costs beyond its bytes
    n = limits.COST_FREE // per
    small = [vector([k & 63]) for k in range(n + n // 20)]
    assert agree(session, vector(small[: n - n // 20])) is None
    e = agree(session, vector(small))
    assert e is not None and "records: they would take about" in e.message


def test_part2_repeated_chunks_are_refused_when_written(session, tmp_path, monkeypatch):
    """#16 part 2 (chunk budget): a vector whose chunks repeat is written to a blob store while
    its repeated items are within the budget, and refused by the writer exactly where the
    reader's budget ends (the budget moved down to the boundary and past it)."""
    value = vector([7] * (4 * CHUNK))      # four references to one chunk: 3 * CHUNK repeated items
    blobs = BlobStore(str(tmp_path / DIRNAME))
    size = len(unchecked(session, value, blobs))
    monkeypatch.setattr(limits, "CHUNK_ITEMS_FREE", 3 * CHUNK - size)
    assert agree(session, value, blobs, blobs) is None
    monkeypatch.setattr(limits, "CHUNK_ITEMS_FREE", 3 * CHUNK - size - 1)
    e = agree(session, value, blobs, blobs)
    assert e is not None and "chunk references" in e.message


# -- the class: anything serialize accepts, deserialize accepts and round-trips ------------------

def values(leaves):
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4).map(vector),
        st.lists(inner, max_size=4).map(plist),
        st.lists(inner, max_size=4).map(PSet),
        st.lists(st.tuples(inner, inner), max_size=4).map(PMap.from_pairs),
    ), max_leaves=30)


LEAVES = st.one_of(st.sampled_from([-2, -1, 0, 1, P61 + 1, 2 * P61 + 1, 3 * P61 + 1, 1.0, "s", Keyword("k")]),
                   st.integers(-(1 << 90), 1 << 90))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=values(LEAVES), depth=st.integers(2, 6), key_depth=st.integers(1, 3), same=st.integers(1, 3),
       int_bytes=st.integers(8, 12), cost_free=st.integers(0, 400), record_cost=st.integers(5, 40))
def test_part2_class_serialize_and_deserialize_agree_on_every_limit(session, monkeypatch, value, depth,
                                                                     key_depth, same, int_bytes, cost_free, record_cost):
    """The class (#16 part 2): with every limit moved down to where random values meet them,
    whatever serialize accepts, deserialize accepts and reads back equal, and whatever
    serialize refuses, deserialize refuses the bytes written without the check."""
    monkeypatch.setattr(limits, "MAX_DEPTH", depth)
    monkeypatch.setattr(limits, "MAX_KEY_DEPTH", key_depth)
    monkeypatch.setattr(limits, "MAX_SAME_HASH", same)
    monkeypatch.setattr(limits, "MAX_INT_BYTES", int_bytes)
    monkeypatch.setattr(limits, "COST_FREE", cost_free)
    monkeypatch.setattr(limits, "COST_PER_BYTE", 1)
    monkeypatch.setattr(limits, "RECORD_COST", record_cost)
    agree(session, value)
