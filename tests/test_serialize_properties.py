"""Properties of serialization, checked with Hypothesis:

(a) generated Turmeric data (the reader's strategies, plus bytes, structs, refs with shared
    and cyclic references) round trips: equals(deserialize(serialize(x)), x);
(b) continuations: for generated programs with one capture point, and for generated inputs to
    a fixed set of capturing programs, resuming the deserialized copy gives what resuming the
    original gives (and what the program computes with the value put in directly), and
    resuming a copy twice gives the same result twice;
(c) hostile bytes (random bytes, truncations and bit flips of valid payloads, valid framing
    around random or mutated msgpack bodies, deep nesting, huge declared lengths, foreign
    msgpack) raise a TurmericError of kind deserialize or schema-mismatch, nothing else, and
    never hang.

The example counts keep this file well under a minute on a 2-core machine.
"""
from __future__ import annotations

import hashlib
import signal
import struct
from contextlib import contextmanager
from datetime import timedelta

import msgpack
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from test_reader import data as reader_data, same as reader_same
from test_serialize import as_lists
from turmeric.runtime import machine
from turmeric.data.equality import equals
from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle
from turmeric.data.values import Continuation, Keyword, PMap, Ref, StructValue, plist, vector
from turmeric.serialize import wire
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

K = Keyword
PVECTOR = type(vector([]))


pytestmark = pytest.mark.usefixtures("scratch_cache")


_SESSION = None


def session() -> Session:
    """One session for the whole file, made on first use (after the cache is set)."""
    global _SESSION
    if _SESSION is None:
        _SESSION = Session()
        _SESSION.eval_string(PROGRAMS)
    return _SESSION


def ev(src):
    return session().eval_string(src)[-1]


def rt(x, key=None):
    return deserialize(session(), serialize(session(), x, key), key)


def resume(k, v=None):
    return session().run(machine.run, lambda d: machine.resume(d, k, v), ())


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    """Fail (rather than hang the suite) if the block runs longer than `seconds`."""
    def on_alarm(signum, frame):
        raise Hang(f"took longer than {seconds} s")
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


# ---- (a) data ------------------------------------------------------------------------------

def struct_cls():
    return ev("pt").cls


def _structs(kids):
    return st.tuples(kids, kids).map(lambda ab: struct_cls()(*ab))


scalars_plus = st.one_of(st.binary(max_size=20), st.floats(allow_nan=False),
                         st.integers(-(2 ** 200), 2 ** 200))
sdata = st.recursive(
    st.one_of(reader_data, scalars_plus),
    lambda kids: st.one_of(
        st.lists(kids, max_size=4).map(plist),
        st.lists(kids, max_size=4).map(vector),
        st.lists(st.tuples(kids, kids), max_size=4).map(lambda ps: PMap.from_pairs(dict(ps).items())),
        _structs(kids),
    ),
    max_leaves=20)


def same(a, b) -> bool:
    if isinstance(a, StructValue):
        return type(b) is type(a) and all(same(x, y) for x, y in zip(a.field_values(), b.field_values()))
    if type(a) in (PVECTOR, type(plist([]))) and type(b) is type(a):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is PMap and type(b) is PMap:
        return len(a) == len(b) and all(same(k1, k2) and same(v1, v2)
                                        for (k1, v1), (k2, v2) in zip(a.items(), b.items()))
    return reader_same(a, b)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sdata)
def test_data_round_trips(x):
    back = rt(x)
    assert equals(back, x)
    assert same(back, x)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sdata, min_size=1, max_size=4), st.integers(1, 2600), st.sampled_from(["vector", "list", "map"]),
       st.booleans())
def test_large_data_round_trips_through_a_blob_store(tmp_path_factory, samples, n, kind, with_ref):
    """A sequence or map big enough to be cut into chunks (plain or data chunks, or kept whole
    when it holds a ref) reads back equal, in a fresh store and in one that already has the
    chunks; a ref inside stays one ref."""
    from turmeric.serialize.blobs import BlobStore
    items = [samples[i % len(samples)] for i in range(n)]
    cell = Ref(1)
    if with_ref:
        items[n // 2] = cell
    if kind == "map":
        x = PMap.from_pairs([(i, v) for i, v in enumerate(items)])
    else:
        x = vector(items) if kind == "vector" else plist(items)
    root = vector([x, cell])
    store = str(tmp_path_factory.mktemp("blobs"))
    for _ in range(2):
        data = serialize(session(), root, blobs=BlobStore(store))
        back = deserialize(session(), data, blobs=BlobStore(store))
        assert equals(back[0], x) if not with_ref else len(back[0]) == len(x)
        if with_ref:
            inner = back[0].get(n // 2) if kind == "map" else list(back[0])[n // 2]
            assert inner is back[1]                 # one ref, not a copy


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_floats_round_trip_bit_for_bit(x):
    back = rt(x)
    assert type(back) is float
    assert struct.pack(">d", back) == struct.pack(">d", x)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(2 ** 3000), max_value=2 ** 3000))
def test_integers_round_trip(x):
    back = rt(x)
    assert type(back) is int and back == x


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_ref_graphs_keep_their_shape(draw):
    """n refs, each holding a vector of (indices of refs | data): sharing and cycles survive,
    and the copy is an isomorphic graph made of new refs."""
    n = draw.draw(st.integers(1, 6))
    refs = [Ref(None) for _ in range(n)]
    contents = draw.draw(st.lists(st.lists(st.one_of(st.integers(0, n - 1).map(lambda i: ("ref", i)),
                                                     reader_data.map(lambda x: ("data", x))),
                                           max_size=4), min_size=n, max_size=n))
    for r, items in zip(refs, contents):
        r.value = vector([refs[i] if tag == "ref" else i for tag, i in items])
    root = vector(refs + [refs[0]])
    back = rt(root)
    copies = list(back)[:n]
    assert back[n] is copies[0]
    assert len({id(c) for c in copies}) == n and not {id(c) for c in copies} & {id(r) for r in refs}
    where = {id(r): i for i, r in enumerate(refs)}
    for r, c in zip(refs, copies):
        assert type(c) is Ref and len(c.value) == len(r.value)
        for x, y in zip(r.value, c.value):
            if type(x) is Ref:
                assert y is copies[where[id(x)]]
            else:
                assert same(y, x)


# ---- (b) continuations -------------------------------------------------------------------

PROGRAMS = """
(struct pt [a b])
(defn yield [v] (cloneable-shift [k] {:value v :next k}))
(defn p-data [x] (let [y (cloneable-shift [k] k)] [x y (count (str x))]))
(defn p-closure [x] (let [f (fn [y] [x y])] (f (cloneable-shift [k] k))))
(defn p-try [x]
  (try (let [v (cloneable-shift [k] k)] (if (= v :boom) (throw x) [:ok v x]))
       (catch [e] [:caught e])))
(defn p-deep [n x] (if (= n 0) [(cloneable-shift [k] k) x] (conj (p-deep (- n 1) x) n)))
(defn p-each [xs] (for-each (fn [x] (yield x)) xs) :end)
(defn p-map [xs] (map (fn [x] [x (yield x)]) xs))
(defn p-reduce [xs] (reduce (fn [acc x] (+ acc (yield x))) 0 xs))
(defn p-store [x]
  (let [seen []
        note (fn [v] (set! seen (conj seen v)) seen)]
    (note x)
    (note (cloneable-shift [k] k))))
"""

small_data = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), st.text(max_size=5),
                                    st.sampled_from([K("a"), K("b")])),
                          lambda kids: st.lists(kids, max_size=3).map(vector), max_leaves=6)


def start(src: str):
    k = ev(f"(cloneable-reset (fn [] {src}))")
    return k


def put(name, value):
    session().eval_string(f"(def {name} nil)")
    session().modules["user"].ns["g_" + mangle(name)] = value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["p-data", "p-closure", "p-try", "p-store"]), small_data,
       st.one_of(small_data, st.just(K("boom"))))
def test_single_capture_programs(program, x, v):
    put("arg", x)
    k = start(f"({program} arg)")
    assert type(k) is Continuation
    copy = rt(k)
    second = rt(k)
    expected = resume(k, v)
    assert equals(resume(copy, v), expected)
    if program != "p-store":
        assert equals(resume(copy, v), expected)       # multi-shot: the same again
    assert equals(resume(second, v), expected)        # a copy is not changed by another's resumption


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 300), small_data, small_data)
def test_deep_capture(n, x, v):
    put("arg", x)
    k = start(f"(p-deep {n} arg)")
    copy = rt(k)
    assert equals(resume(copy, v), resume(k, v))
    assert equals(resume(copy, v), resume(k, v))


def drive(result, values, copy_each_step: bool):
    """Run a generator program to its end: [(yielded value, ...), final result]."""
    trace = []
    for v in values:
        if type(result) is not PMap or type(result.get(K("next"))) is not Continuation:
            break
        trace.append(result.get(K("value")))
        k = result.get(K("next"))
        if copy_each_step:
            k = rt(k)
            again = resume(k, v)
            nxt = resume(k, v)
            assert equals(again.get(K("value")) if type(again) is PMap else again,
                          nxt.get(K("value")) if type(nxt) is PMap else nxt)
            result = nxt
        else:
            result = resume(k, v)
    trace.append(result if type(result) is not PMap else result.get(K("value")))
    return trace


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["p-each", "p-map", "p-reduce"]), st.lists(st.integers(-50, 50), max_size=5),
       st.lists(st.integers(-50, 50), min_size=6, max_size=6))
def test_generator_programs(program, xs, values):
    put("arg", vector(xs))
    plain = drive(start(f"({program} arg)"), values, copy_each_step=False)
    copied = drive(start(f"({program} arg)"), values, copy_each_step=True)
    assert len(plain) == len(copied)
    for a, b in zip(plain, copied):
        assert equals(a, b)


# generated programs: an integer expression with exactly one capture point that is always
# evaluated (never inside an if branch or an uncalled fn)

HOLE = "(cloneable-shift [k] k)"
BINOPS = ["+", "-", "*", "max", "min"]


def leaf(names):
    return st.one_of(st.integers(-9, 9).map(str), st.sampled_from(names))


@st.composite
def plain_expr(draw, names, depth):
    if depth <= 0 or draw(st.integers(0, 2)) == 0:
        return draw(leaf(names))
    kind = draw(st.sampled_from(["op", "if", "let", "fn"]))
    sub = lambda ns=names: plain_expr(ns, depth - 1)  # noqa: E731
    if kind == "op":
        return f"({draw(st.sampled_from(BINOPS))} {draw(sub())} {draw(sub())})"
    if kind == "if":
        return f"(if (< {draw(sub())} {draw(sub())}) {draw(sub())} {draw(sub())})"
    v = f"v{depth}"
    if kind == "let":
        return f"(let [{v} {draw(sub())}] {draw(sub(names + [v]))})"
    return f"((fn [{v}] {draw(sub(names + [v]))}) {draw(sub())})"


@st.composite
def holed_expr(draw, names, depth):
    if depth <= 0:
        return HOLE
    kind = draw(st.sampled_from(["hole", "op-left", "op-right", "if-test", "let-init", "let-body",
                                 "fn-body", "fn-arg", "set", "closure"]))
    hole = lambda ns=names: holed_expr(ns, depth - 1)  # noqa: E731
    other = lambda ns=names: plain_expr(ns, 2)  # noqa: E731
    op = draw(st.sampled_from(BINOPS))
    v = f"h{depth}"
    if kind == "hole":
        return HOLE
    if kind == "op-left":
        return f"({op} {draw(hole())} {draw(other())})"
    if kind == "op-right":
        return f"({op} {draw(other())} {draw(hole())})"
    if kind == "if-test":
        return f"(if (< {draw(hole())} {draw(other())}) {draw(other())} {draw(other())})"
    if kind == "let-init":
        return f"(let [{v} {draw(hole())}] {draw(other(names + [v]))})"
    if kind == "let-body":
        return f"(let [{v} {draw(other())}] {draw(hole(names + [v]))})"
    if kind == "fn-body":
        return f"((fn [{v}] {draw(hole(names + [v]))}) {draw(other())})"
    if kind == "fn-arg":
        return f"((fn [{v}] {draw(other(names + [v]))}) {draw(hole())})"
    if kind == "set":        # a variable that is assigned and captured lives in a box
        return (f"(let [{v} {draw(other())} get-{v} (fn [] {v})] "
                f"(set! {v} ({op} {v} {draw(hole(names + [v]))})) (+ (get-{v}) {draw(other(names + [v]))}))")
    return f"(let [{v} {draw(other())} f (fn [x] ({op} x {v}))] (f {draw(hole(names + [v]))}))"


_program_counter = [0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(holed_expr(["a", "b"], 4), st.integers(-20, 20), st.integers(-20, 20),
       st.integers(-30, 30), st.integers(-30, 30))
def test_generated_programs(expr, a, b, v1, v2):
    _program_counter[0] += 1
    n = _program_counter[0]
    with time_limit(60):
        session().eval_string(f"(defn gen-{n} [a b] [{expr} a b])\n"
                              f"(defn direct-{n} [a b hole] [{expr.replace(HOLE, 'hole')} a b])")
        k = start(f"(gen-{n} {a} {b})")
        assert type(k) is Continuation, expr
        copy, spare = rt(k), rt(k)
        values = (v1, v2, v1)
        from_copy = [resume(copy, v) for v in values]
        from_original = [resume(k, v) for v in values]
        direct = [ev(f"(direct-{n} {a} {b} {v})") for v in values]
        # the first resumption of any copy sees the store as it was when k was captured
        assert equals(from_copy[0], direct[0]) and equals(from_original[0], direct[0]), expr
        assert equals(resume(spare, v2), direct[1]), expr
        # copy and original then change their own stores the same way
        assert all(equals(x, y) for x, y in zip(from_copy, from_original)), expr
        if "set!" not in expr:      # no assigned variable: every resumption is the same
            assert all(equals(x, y) for x, y in zip(from_copy, direct)), expr
            assert equals(resume(rt(copy), v2), direct[1])


# ---- (c) hostile bytes -------------------------------------------------------------------

OK_KINDS = ("deserialize", "schema-mismatch")


def check_hostile(data, key=None):
    """deserialize either gives a value or raises a deserialize/schema-mismatch TurmericError."""
    with time_limit(20):
        try:
            deserialize(session(), data, key)
        except TurmericError as e:
            assert e.kind in OK_KINDS, f"{e.kind}: {e.message}"


def frame_raw(body: bytes, flags: int = 0, version: int = wire.FORMAT_VERSION, length: int | None = None) -> bytes:
    """The outer framing around raw body bytes, with a correct BLAKE2b check."""
    n = len(body) if length is None else length
    framed = wire.MAGIC + bytes([version, flags]) + struct.pack(">I", n) + body
    return framed + hashlib.blake2b(framed, digest_size=32).digest()


def valid_payloads() -> list[bytes]:
    values = ev("""
        (def shared (ref nil))
        (ref-set! shared [1 shared])
        [[1 2.5 "s" (bytes [1 2]) :kw 'sym (list 1 2) {:a #{1 2}} 123456789012345678901234567890]
         (pt 1 shared)
         (fn [x] (+ x 1))
         (let [n 5] (fn [x] (* x n)))
         inc
         (cloneable-reset (fn [] (p-closure 3)))
         (cloneable-reset (fn [] (p-deep 3 :x)))
         (cloneable-reset (fn [] (p-each [1 2])))
         (cloneable-reset (fn [] (p-try 1)))
         (try-with (fn [] (+ 1 (throw :x))) (fn [e k] k))
         pt
         (error "boom")]""")
    out = [serialize(session(), v) for v in values]
    out.append(serialize(session(), values))
    return out


_VALID: list[bytes] = []


def valid() -> list[bytes]:
    if not _VALID:
        _VALID.extend(valid_payloads())
    return _VALID


HOSTILE = dict(max_examples=600, deadline=timedelta(seconds=5),
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@settings(**HOSTILE)
@given(st.one_of(st.binary(max_size=300),
                 st.binary(max_size=300).map(lambda b: wire.MAGIC + b),
                 st.binary(max_size=300).map(lambda b: wire.MAGIC + bytes([1, 0]) + b)),
       st.sampled_from([None, "key"]))
def test_random_bytes(data, key):
    check_hostile(data, key)


@settings(**HOSTILE)
@given(st.data())
def test_truncations_of_valid_payloads(draw):
    payload = draw.draw(st.sampled_from(valid()))
    cut = draw.draw(st.integers(0, len(payload) - 1))
    with pytest.raises(TurmericError) as info:
        deserialize(session(), payload[:cut])
    assert info.value.kind == "deserialize"


@settings(**HOSTILE)
@given(st.data())
def test_bit_flips_of_valid_payloads(draw):
    payload = bytearray(draw.draw(st.sampled_from(valid())))
    bits = draw.draw(st.sets(st.integers(0, len(payload) * 8 - 1), min_size=1, max_size=3))
    for bit in bits:
        payload[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(TurmericError) as info:
        deserialize(session(), bytes(payload))
    assert info.value.kind == "deserialize"


# random msgpack bodies inside correct framing: the decoder's own validation is exercised

def _ref(i):
    return msgpack.ExtType(wire.EXT_REF, i.to_bytes(4, "big"))


ext = st.one_of(
    st.integers(0, 12).map(_ref),
    st.builds(msgpack.ExtType, st.integers(0, 3), st.binary(max_size=6)),
    st.builds(msgpack.ExtType, st.integers(0, 127), st.binary(max_size=4)),
)
names = st.sampled_from(["core.map", "core.for-each", "core.filter", "user.p-data", "user.pt", "user.nope",
                         "user/top#1", "flow.run", "core.error", "core.Some", "core.None", "core.schema-mismatch",
                         "%prompt", "%redo", "%try-with", "%call-handler", "builtin", "inc", "+",
                         "nodot", "", "..", "a/../b.c", "x" * 300, "\0", "Foo", "error", "Some"])
msg_leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 20), st.integers(-(2 ** 63), 2 ** 64 - 1),
                     st.floats(), st.text(max_size=8), st.binary(max_size=8), names, ext)
msg_any = st.recursive(msg_leaf, lambda kids: st.one_of(
    st.lists(kids, max_size=5), st.dictionaries(st.text(max_size=8), kids, max_size=3)), max_leaves=12)
module_names = st.one_of(st.sampled_from(["core", "user", "flow", "", "..", "a..b", "a/b", "x" * 300, "\0", "é"]),
                         st.text(max_size=8))
module_entry = st.one_of(
    st.tuples(module_names, st.one_of(st.none(), st.integers(), st.text(max_size=3)),
              st.one_of(st.none(), st.sampled_from(["/", ".", "/nonexistent/flow.tm", ""]), st.text(max_size=8))
              ).map(list),
    msg_any)
header = st.one_of(
    st.fixed_dictionaries({"turmeric": st.text(max_size=5), "modules": st.lists(module_entry, max_size=3)}),
    st.fixed_dictionaries({"modules": st.just([["core", None, None], ["user", None, None]])}),
    msg_any)
record = st.one_of(
    st.tuples(st.integers(0, 15), st.lists(st.one_of(msg_leaf, st.integers(0, 3)), max_size=6))
      .map(lambda t: [t[0], *t[1]]),
    msg_any)
bodies = st.tuples(header, st.lists(record, max_size=8), st.one_of(msg_leaf, st.integers(0, 8).map(_ref))).map(list)


@settings(**HOSTILE)
@given(bodies, st.sampled_from([None, "k"]))
def test_valid_framing_with_random_records(body, key):
    try:
        data = wire.pack(body, key)
    except (ValueError, OverflowError, TypeError):
        assume(False)
    check_hostile(data, key)


@settings(**HOSTILE)
@given(msg_any)
def test_valid_framing_with_random_msgpack(body):
    try:
        data = wire.pack(body)
    except (ValueError, OverflowError, TypeError):
        assume(False)
    check_hostile(data)


@settings(**HOSTILE)
@given(st.binary(max_size=400))
def test_valid_framing_with_random_body_bytes(body):
    check_hostile(frame_raw(body))


def _keep_ext(code, data):
    return msgpack.ExtType(code, data)


def _paths(x, path=()):
    """Every position inside a msgpack structure, as a path of indices and keys."""
    yield path
    if isinstance(x, list):
        for i, y in enumerate(x):
            yield from _paths(y, path + (i,))
    elif isinstance(x, dict):
        for k, y in x.items():
            yield from _paths(y, path + (k,))


def _replace(x, path, new):
    if not path:
        return new
    x[path[0]] = _replace(x[path[0]], path[1:], new)
    return x


@settings(**HOSTILE)
@given(st.data())
def test_mutated_bodies_of_valid_payloads(draw):
    """A valid payload with one element of its body replaced, re-framed with a correct check."""
    payload = draw.draw(st.sampled_from(valid()))
    body = as_lists(wire.unpack(payload, None, _keep_ext))
    path = draw.draw(st.sampled_from(list(_paths(body))[1:]))
    body = _replace(body, path, draw.draw(st.one_of(msg_leaf, msg_any, st.integers(0, 40).map(_ref))))
    try:
        data = wire.pack(body)
    except (ValueError, OverflowError, TypeError):
        assume(False)
    check_hostile(data)


@pytest.mark.parametrize("raw", [
    pytest.param(b"\x91" * 100_000 + b"\xc0", id="deep-arrays"),
    pytest.param(b"\x93" + b"\x91" * 2000 + b"\xc0" + b"\x90\xc0", id="deep-header"),
    pytest.param(b"\x93\x80\x91" + b"\x91" * 500 + b"\xc0" + b"\xc0", id="deep-record"),
    pytest.param(b"\x81\xa7modules" + b"\x91" * 3000 + b"\xc0", id="deep-map"),
    pytest.param(b"\xdd\xff\xff\xff\xff", id="array32-huge"),
    pytest.param(b"\x93\x80\xdd\xff\xff\xff\xff\xc0", id="records-huge"),
    pytest.param(b"\xdf\xff\xff\xff\xff", id="map32-huge"),
    pytest.param(b"\xdb\xff\xff\xff\xff", id="str32-huge"),
    pytest.param(b"\xc6\xff\xff\xff\xff", id="bin32-huge"),
    pytest.param(b"\xc9\xff\xff\xff\xff\x00", id="ext32-huge"),
    pytest.param(b"\x93\x80\x91\xd6\x00\xff\xff\xff\xff\xd6\x00\x00\x00\x00\x00", id="ref-out-of-range"),
    pytest.param(b"\x93\x80\x91\x91\xd6\x00\x00\x00\x00\x00\xd6\x00\x00\x00\x00\x00", id="self-reference"),
    pytest.param(b"\x93\x80\x90\xc7\x00\x03", id="empty-bigint"),
    pytest.param(b"\x93\x80\x90\xc9\x00\x10\x00\x03" + b"\xff" * (1 << 20), id="bigint-1MiB"),
    pytest.param(b"\xc1", id="never-used-byte"),
    pytest.param(b"", id="empty-body"),
    pytest.param(b"\x93\x80\x90\xc0\xc0", id="extra-bytes"),
])
def test_hand_made_hostile_bodies(raw):
    check_hostile(frame_raw(raw))


@pytest.mark.parametrize("data", [
    pytest.param(frame_raw(b"\x90", length=0xFFFFFFFF), id="declared-4GiB"),
    pytest.param(frame_raw(b"\x90", length=0), id="declared-too-short"),
    pytest.param(frame_raw(b"\x90", version=0), id="version-0"),
    pytest.param(frame_raw(b"\x90", version=255), id="version-255"),
    pytest.param(frame_raw(b"\x90", flags=0x80), id="unknown-flag"),
    pytest.param(msgpack.packb([{"modules": []}, [], 1]), id="foreign-msgpack-body-unframed"),
    pytest.param(msgpack.packb({"turmeric": "0.1.0"}), id="foreign-msgpack-map"),
    pytest.param(b"\x80\x04\x95" + b"\x00" * 60, id="pickle-like"),
    pytest.param(b'{"modules": []}' + b" " * 40, id="json"),
    pytest.param(b"PK\x03\x04" + b"\x00" * 60, id="zip"),
    pytest.param(wire.MAGIC + b"\x01\x00" + b"\xff" * 40, id="magic-then-garbage"),
])
def test_foreign_and_broken_framing(data):
    with pytest.raises(TurmericError) as info:
        deserialize(session(), data)
    assert info.value.kind == "deserialize"


@settings(max_examples=200, deadline=timedelta(seconds=5))
@given(msg_any)
def test_foreign_msgpack(obj):
    try:
        data = msgpack.packb(obj, use_bin_type=True)
    except (ValueError, OverflowError, TypeError):
        assume(False)
    check_hostile(data)


def test_oversized_input_is_refused_before_reading():
    huge = bytes(wire.MAX_SIZE + 1)          # zero pages: cheap until touched
    with time_limit(20):
        with pytest.raises(TurmericError) as info:
            deserialize(session(), huge)
    assert info.value.kind == "deserialize" and "too large" in info.value.message


def test_the_valid_pool_itself_deserializes():
    for payload in valid():
        deserialize(session(), payload)
