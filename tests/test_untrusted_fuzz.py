"""#15 item 3: no Python exception escapes `deserialize` or `inspect` (describe, its text and
its --json), whatever records the bytes hold: big integers past Python's 4,300-digit str()
limit wherever a number may stand (module index, call site, code hash, map key, local),
keys that cannot be hashed, Keyword and bytes keys and names that json cannot write, headers
of the wrong shape. A hypothesis grammar of hostile records, run on both readers."""
from __future__ import annotations

import json
import struct
import subprocess
import sys

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.errors import TurmericError
from turmeric.runtime import machine
from turmeric.serialize import wire
from turmeric.serialize.decode import deserialize
from turmeric.serialize.format import TAG_NAMES, T_CONT, T_FN, T_FRAME, T_MAP, T_SET, T_VECTOR
from turmeric.serialize.inspect import describe, render_text
from turmeric.session.session import Session

machine.allow_deep_python_stack()
BIG = 10 ** 5000          # past Python's default limit of 4,300 digits for int -> str


def ref(i):
    return msgpack.ExtType(wire.EXT_REF, struct.pack(">I", i))


def bigint(n: int):
    return msgpack.ExtType(wire.EXT_BIGINT, n.to_bytes((n.bit_length() + 8) // 8, "big", signed=True))


def keyword(name):
    return msgpack.ExtType(wire.EXT_KEYWORD, name.encode())


atoms = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.just(bigint(BIG)), st.just(bigint(-BIG)),
                  st.text(max_size=3), st.binary(max_size=3), st.just(keyword("k")),
                  st.integers(0, 6).map(ref), st.floats(allow_nan=True))
records = st.one_of(
    st.tuples(st.integers(0, len(TAG_NAMES) - 1), st.lists(atoms, max_size=5)).map(lambda t: [t[0], *t[1]]),
    st.tuples(st.sampled_from([T_FN, T_FRAME]), st.sampled_from([0, 1, bigint(BIG), keyword("m"), b"m"]),
              st.sampled_from(["user.f", b"user.f", keyword("f")]), st.sampled_from([0, bigint(BIG)]),
              st.sampled_from(["0" * 16, bigint(BIG)]), st.lists(atoms, max_size=2))
      .map(lambda t: [t[0], *t[1:5], *t[5]]),
    st.tuples(st.lists(st.tuples(st.sampled_from([None, 0, bigint(BIG)]),
                                 st.sampled_from(["%prompt", "user.f", b"x", keyword("x")]),
                                 st.sampled_from([0, bigint(BIG), -1]), st.sampled_from(["h", bigint(BIG)]))
                       .map(list), min_size=1, max_size=2),
              st.lists(st.sampled_from([0, 1, bigint(BIG), b"x"]), max_size=3))
      .map(lambda t: [T_CONT, t[0], t[1], [[atoms_example] for atoms_example in t[1]]]),
    st.lists(atoms, max_size=4).map(lambda xs: [T_MAP, *xs]),
    st.lists(atoms, max_size=3).map(lambda xs: [T_SET, *xs]),
)
headers = st.one_of(
    st.just({"modules": []}),
    st.just({"modules": [["user", bigint(BIG), "/nonexistent/user.tm"]]}),
    st.just({"modules": [[b"user", None, None]]}),
    st.just({"modules": [["user", None, None]], "shapes": [["a", "b"]], "turmeric": bigint(BIG)}),
    st.just({b"modules": 1}), st.just([1, 2]), st.just({"modules": [], "turmeric": keyword("x")}),
)


@pytest.fixture(scope="module")
def session():
    return Session()


def check_both(session, data: bytes):
    try:
        deserialize(session, data)
    except TurmericError:
        pass
    try:
        report = describe(session, data, "fuzz.bin")
    except TurmericError as e:
        assert e.kind == "deserialize"
        return
    json.dumps(report, ensure_ascii=False)
    render_text(report)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=headers, recs=st.lists(records, min_size=1, max_size=6), root=atoms)
def test_item3_no_python_exception_escapes_deserialize_or_inspect(session, header, recs, root):
    """#15 item 3, the class: any records of this grammar give a value or a Turmeric error."""
    check_both(session, wire.pack([header, recs, root]))


@pytest.mark.parametrize("header,recs,root", [
    ({"modules": []}, [[T_VECTOR, bigint(BIG)]], ref(0)),                                  # a big local
    ({"modules": [["user", None, None]]}, [[T_FN, bigint(BIG), "user.f", "h"]], ref(0)),   # module index
    ({"modules": [["user", None, None]]}, [[T_FRAME, 0, "user.f", bigint(BIG), "h"]], ref(0)),  # site
    ({"modules": []}, [[T_CONT, [[None, "%prompt", bigint(BIG), "x"]], [0], [[]]]], ref(0)),
    ({"modules": []}, [[T_MAP, ref(1), 1], [T_CONT, [[None, "%prompt", 0, "x"]], [0], [[ref(2)]]],
                       [T_VECTOR]], ref(0)),                                           # unhashable key?
    ({"modules": [], "turmeric": keyword("v")}, [[T_MAP, keyword("k"), b"v", b"k", 1]], ref(0)),
    ({"modules": []}, [[T_CONT, [[None, "%prompt", 0, b"h"]], [0], [[]]], ], ref(0)),
])
def test_item3_known_shapes(session, header, recs, root):
    """#15 item 3: the shapes the fuzz campaign found."""
    check_both(session, wire.pack([header, recs, root]))


def test_item3_inspect_exit_code_65_for_malformed_header(tmp_path):
    f = tmp_path / "bad.bin"
    f.write_bytes(wire.pack([{"modules": [[1, 2]]}, [], None]))
    for args in (["inspect", str(f)], ["inspect", "--json", str(f)], ["resume", str(f)]):
        res = subprocess.run([sys.executable, "-m", "turmeric.cli", *args], capture_output=True, text=True,
                             timeout=60)
        assert res.returncode == 65 and "error[deserialize]" in res.stderr and "Traceback" not in res.stderr


P61 = (1 << 61) - 1       # integers k * P61 all hash alike (#16 item 3)
collider = st.integers(1, 200).map(lambda k: bigint(k * P61))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from([T_SET, T_MAP]), colliders=st.lists(collider, min_size=40, max_size=140),
       others=st.lists(atoms, max_size=8), wrap=st.booleans(), rnd=st.randoms(use_true_random=False))
def test_item16_class_colliding_keys_on_both_readers(session, kind, colliders, others, wrap, rnd):
    """#16 item 3 in the fuzz grammar: sets and maps of keys of which any number hash
    alike (bare or inside vectors) give a value or a deserialize error, on deserialize and
    inspect alike, and are refused exactly when more than 64 distinct ones share a hash."""
    keys = colliders + others
    rnd.shuffle(keys)
    recs = [[kind]]
    for k in keys:
        if wrap:
            recs.append([T_VECTOR, k])
            k = ref(len(recs) - 1)
        recs[0] += [k, 0] if kind == T_MAP else [k]
    data = wire.pack([{"modules": []}, recs, ref(0)])
    check_both(session, data)
    if len({k.data for k in colliders}) > 64 and not any(type(k) is msgpack.ExtType and k.code == wire.EXT_REF
                                                           for k in others):
        with pytest.raises(TurmericError) as e:
            deserialize(session, data)
        assert "with the same hash" in e.value.message
