"""Serialization in one process: every kind of value round trips; sharing and cycles survive
inside one graph while the copy shares nothing with the original; continuations resume from
bytes, many times; HMAC signing; values that cannot be serialized; user instances of
Serializable; file handles and sockets; continuation-frames and continuation-with; schema
mismatches after the code changed. spec/serialization.md describes the format."""
from __future__ import annotations

import contextlib
import io
import math
import re
import socket
import threading
import time

import msgpack
import pytest

from turmeric.runtime import machine
from turmeric.data.equality import equals
from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle
from turmeric.data.values import Continuation, Keyword, PList, PMap, PSet, Ref, StructValue, Symbol, vector
from turmeric.serialize import wire
from turmeric.serialize.decode import deserialize, ext_hook
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session


def as_lists(x):
    """A body as wire.unpack reads it (arrays as tuples), ready for wire.pack again."""
    if type(x) is tuple:
        return [as_lists(y) for y in x]
    if type(x) is dict:
        return {k: as_lists(v) for k, v in x.items()}
    return x

K, S = Keyword, Symbol
PVECTOR = type(vector([]))


pytestmark = pytest.mark.usefixtures("scratch_cache")


class TM:
    """A session with the helpers the tests use."""

    def __init__(self, module_path=None):
        self.s = Session(module_path=[str(p) for p in module_path or []])

    def ev(self, src: str):
        """The value of the last top-level form of src, evaluated in module `user`."""
        return self.s.eval_string(src)[-1]

    def put(self, name: str, value):
        """Bind a Python value to a global of module `user`."""
        self.s.eval_string(f"(def {name} nil)")
        self.s.modules["user"].ns["g_" + mangle(name)] = value

    def ser(self, v, key=None) -> bytes:
        return serialize(self.s, v, key)

    def de(self, b, key=None):
        return deserialize(self.s, b, key)

    def rt(self, v, key=None):
        return self.de(self.ser(v, key), key)

    def resume(self, k, v=None):
        return self.s.run(machine.run, lambda d: machine.resume(d, k, v), ())

    def call(self, f, *args):
        return self.s.call(f, *args)


@pytest.fixture
def tm():
    return TM()


def same(a, b) -> bool:
    """Equal and of the same types all the way down (a vector stays a vector, 1 != 1.0,
    -0.0 keeps its sign, nan is nan); refs are compared by their contents."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if type(a) in (PList, PVECTOR, PSet):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is PMap:
        return len(a) == len(b) and all(same(k1, k2) and same(v1, v2)
                                        for (k1, v1), (k2, v2) in zip(a.items(), b.items()))
    if type(a) is Ref:
        return same(a.value, b.value)
    if isinstance(a, StructValue):
        return a.stype is b.stype and all(same(x, y) for x, y in zip(a.field_values(), b.field_values()))
    return equals(a, b)


def deserialize_error(fn, *args) -> TurmericError:
    with pytest.raises(TurmericError) as info:
        fn(*args)
    assert info.value.kind == "deserialize", info.value
    return info.value


# -- every kind of value ------------------------------------------------------------------

SCALARS = [
    None, True, False,
    0, 1, -1, 255, -256, 2 ** 31, 2 ** 63 - 1, -2 ** 63, 2 ** 64 - 1,      # msgpack integers
    2 ** 64, -2 ** 63 - 1, 10 ** 100, -10 ** 100, 2 ** 1000 + 1, -(2 ** 4000),  # big integers
    0.0, -0.0, 1.5, -2.25e-300, 5e-324, 1.7976931348623157e308, math.inf, -math.inf, math.nan,
    "", "text", "é λ 😀", "nul\0inside", "\ud7ff\ue000", "x" * 70000,
    b"", b"\x00\xff\x80", bytes(range(256)) * 300,
    K("a"), K("a/b"), K("valid?"), K("é"), S("x"), S("flow/step"), S("order.payment-info"), S("+"),
]


@pytest.mark.parametrize("value", SCALARS, ids=lambda v: repr(v)[:30])
def test_scalar_round_trip(tm, value):
    back = tm.rt(value)
    assert same(back, value)


def test_keywords_stay_interned(tm):
    assert tm.rt(K("interned")) is K("interned")


@pytest.mark.parametrize("src", [
    "'()", "'(1 (2 3) [4])", "[]", "[1 [2 [3 []]] \"s\" :k nil true]", "{}",
    "{:a 1, \"b\" [2], [3 4] {:c #{5}}, nil :nil-key, 1.5 :float-key}",
    "#{}", "#{1 :a \"s\" [1 2] #{3}}", "(list 'sym 'ns/sym :kw 1.0 1)",
    "(zipmap (range 50) (map str (range 50)))",       # a map keeps its insertion order
    "(vec (range 5000))", "(apply list (range 5000))",
])
def test_collection_round_trip(tm, src):
    value = tm.ev(src)
    back = tm.rt(value)
    assert same(back, value)
    if type(value) is PMap:
        assert list(back.keys()) == list(value.keys())


def test_struct_values_and_types_round_trip(tm):
    point = tm.ev("(struct point [x y]) (point 1 [2 3])")
    back = tm.rt(point)
    assert same(back, point)
    assert back.stype is point.stype
    assert tm.rt(point.stype) is point.stype
    assert tm.ev("(struct empty []) (empty)").stype is tm.rt(tm.ev("(empty)")).stype


def test_error_values_round_trip(tm):
    for src in ['(error "boom")', '(try (/ 1 0) (catch [e] e))', "(try (throw :k) (catch [e] e))",
                "(Some [1 2])", "(None)", '(schema-mismatch "detail" 3)']:
        value = tm.ev(src)
        back = tm.rt(value)
        assert same(back, value), src
    back = tm.rt(tm.ev('(try (car 1) (catch [e] e))'))
    tm.put("e", back)
    assert tm.ev("(match e (error m) -> m)") == back.f_message


def test_refs_round_trip_with_their_contents(tm):
    r = tm.ev("(ref {:count 1})")
    back = tm.rt(r)
    assert type(back) is Ref and back is not r
    assert same(back.value, r.value)


def test_closures_round_trip_with_their_captured_values(tm):
    f = tm.ev("(defn adder [n] (fn [x] (+ x n))) (adder 5)")
    g = tm.rt(f)
    assert tm.call(g, 10) == 15
    compose = tm.ev("(comp inc (adder 100) (fn [x] (* x 2)))")    # stdlib closure over closures
    assert tm.call(tm.rt(compose), 1) == 103
    assert tm.call(tm.rt(tm.ev("adder")), 1) is not None          # a top-level function by name
    assert tm.rt(tm.ev("inc")) is tm.ev("inc")                    # a builtin by name
    assert tm.call(tm.rt(tm.ev("(partial + 1 2)")), 3) == 6


def test_recursive_local_function_round_trips(tm):
    f = tm.ev("(defn outer [] (defn inner [n] (if (= n 0) :done (inner (- n 1)))) inner) (outer)")
    assert tm.call(tm.rt(f), 50) == K("done")


def test_deep_structures_do_not_recurse(tm):
    deep = tm.ev("(loop [i 0 v []] (if (< i 20000) (recur (inc i) [v]) v))")
    back = tm.rt(deep)
    depth = 0
    while len(back):
        back = back[0]
        depth += 1
    assert depth == 20000


# -- sharing, cycles and ownership ---------------------------------------------------------

def test_a_ref_that_contains_itself(tm):
    r = tm.ev("(def r (ref nil)) (ref-set! r [1 r]) r")
    back = tm.rt(r)
    assert back is not r
    assert back.value[1] is back


def test_two_references_to_one_ref_stay_one(tm):
    pair = tm.ev("(let [r (ref 0)] [r r {:again r}])")
    back = tm.rt(pair)
    assert back[0] is back[1] is back[2].get(K("again"))
    tm.put("copy", back)
    assert tm.ev("(do (ref-set! (first copy) 42) @(second copy))") == 42


def test_shared_immutable_values_are_written_once(tm):
    big = tm.ev("(def big (vec (range 1000))) [big big big]")
    back = tm.rt(big)
    assert back[0] is back[1] is back[2]
    assert len(tm.ser(big)) < len(tm.ser(big[0])) + 100


def test_a_cycle_through_a_closure(tm):
    r = tm.ev("(let [r (ref nil)] (ref-set! r (fn [] r)) r)")
    back = tm.rt(r)
    assert tm.call(back.value) is back


def test_the_copy_shares_nothing_with_the_original(tm):
    orig = tm.ev("(def shared (ref 1)) (def orig {:a shared :b [shared]}) orig")
    copy = tm.rt(orig)
    tm.put("copy", copy)
    tm.ev("(ref-set! (:a copy) 99)")
    assert tm.ev("@shared") == 1                 # the original is untouched
    assert tm.ev("@(first (:b copy))") == 99    # inside the copy the ref is still one
    tm.ev("(ref-set! shared 2)")                 # the original stays usable
    assert tm.ev("@(:a orig)") == 2 and tm.ev("@(:a copy)") == 99


def test_serializing_leaves_the_original_usable(tm):
    k = tm.ev("(defn twice [] (* 2 (cloneable-shift [k] k))) (def k (cloneable-reset twice)) k")
    tm.ser(k)
    assert tm.ev("(resume k 21)") == 42
    assert tm.resume(tm.rt(k), 5) == 10
    assert tm.ev("(resume k 1)") == 2


# -- continuations --------------------------------------------------------------------------

def test_continuation_round_trip_and_multi_shot(tm):
    k = tm.ev("""
        (defn compute [] (let [a 10 b (cloneable-shift [k] k)] (+ a b)))
        (cloneable-reset compute)""")
    assert type(k) is Continuation
    copy = tm.rt(k)
    assert [tm.resume(copy, 1), tm.resume(copy, 2), tm.resume(copy, 1)] == [11, 12, 11]
    assert tm.resume(k, 3) == 13


def test_continuation_through_builtins_and_closures(tm):
    gen = tm.ev("""
        (defn yield [v] (cloneable-shift [k] {:value v :next k}))
        (defn walk [xs] (for-each (fn [x] (yield (* 10 x))) xs) :end)
        (cloneable-reset (fn [] (walk [1 2 3])))""")
    seen = []
    while type(gen) is PMap:
        seen.append(gen.get(K("value")))
        gen = tm.resume(tm.rt(gen.get(K("next"))))
    assert seen == [10, 20, 30] and gen == K("end")


def test_continuation_inside_try_and_try_with(tm):
    k = tm.ev("""
        (defn risky []
          (try (let [v (cloneable-shift [k] k)] (if (= v :bad) (throw :oops) [:ok v]))
               (catch [e] [:caught e])))
        (cloneable-reset risky)""")
    copy = tm.rt(k)
    assert same(tm.resume(copy, K("bad")), vector([K("caught"), K("oops")]))
    assert same(tm.resume(copy, 1), vector([K("ok"), 1]))
    handler_k = tm.ev("(try-with (fn [] (+ 1 (throw :x))) (fn [e k] k))")
    assert tm.resume(tm.rt(handler_k), 41) == 42


def test_deep_continuation_round_trips(tm):
    k = tm.ev("""
        (defn down [n] (if (= n 0) (cloneable-shift [k] k) (+ 1 (down (- n 1)))))
        (cloneable-reset (fn [] (down 5000)))""")
    assert len(k.frames) >= 5000
    copy = tm.rt(k)
    assert tm.resume(copy, 7) == 5007
    assert tm.resume(copy, 0) == 5000


def test_each_deserialized_copy_has_its_own_store(tm):
    k = tm.ev("""
        (defn counter []
          (let [n 0 bump (fn [] (set! n (+ n 1)) n)]
            (bump)
            (cloneable-shift [k] k)
            (bump)))
        (cloneable-reset counter)""")
    data = tm.ser(k)
    one, two = tm.de(data), tm.de(data)
    assert [tm.resume(one), tm.resume(one), tm.resume(one)] == [2, 3, 4]   # one store per copy,
    assert tm.resume(two) == 2                                            # shared by its resumptions
    assert [tm.resume(k), tm.resume(k)] == [2, 3]                          # the original: its own
    assert tm.resume(tm.de(data)) == 2


def test_a_ref_in_a_frame_is_copied(tm):
    k = tm.ev("""
        (defn tally [] (let [r (ref 0)] (swap! r inc) (cloneable-shift [k] k) (swap! r + 10) @r))
        (cloneable-reset tally)""")
    copy = tm.rt(k)
    assert tm.resume(copy) == 11 and tm.resume(copy) == 21
    assert tm.resume(k) == 11


def test_five_frames_with_small_locals_are_under_one_kilobyte(tm):
    k = tm.ev("""
        (defn f5 [x] (let [a (* x 5)] (+ a (cloneable-shift [k] k))))
        (defn f4 [x] (let [a (* x 4)] (+ a (f5 x))))
        (defn f3 [x] (let [a (* x 3) s "three"] (+ a (f4 x) (count s))))
        (defn f2 [x] (let [a (* x 2) v [1 2 3]] (+ a (f3 x) (count v))))
        (defn f1 [x] (let [a (* x 1) m {:k :v}] (+ a (f2 x) (count m))))
        (cloneable-reset (fn [] (f1 1)))""")
    assert len(k.frames) == 5
    data = tm.ser(k)
    assert len(data) < 1024, len(data)
    assert tm.resume(tm.de(data), 100) == tm.resume(k, 100) == 100 + 5 + 4 + 3 + 2 + 1 + 5 + 3 + 1


def test_deserialize_builtin_from_turmeric(tm):
    assert tm.ev("(resume (deserialize (serialize (cloneable-reset (fn [] (inc (cloneable-shift [k] k)))))) 1)") == 2
    assert tm.ev("(deserialize (serialize {:a [1 2]}))") == tm.ev("{:a [1 2]}")


# -- HMAC ------------------------------------------------------------------------------------

SIGNED = """
    (def k (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] k)))))
    (def signed (serialize k :key "s3cret"))
    (def plain (serialize k))
"""


def test_signed_round_trip(tm):
    tm.ev(SIGNED)
    assert tm.ev('(resume (deserialize signed :key "s3cret") 41)') == 42
    signed = tm.ev("signed")
    assert signed[5] & wire.FLAG_SIGNED
    assert tm.resume(tm.de(signed, b"s3cret"), 1) == 2       # a key may be bytes too


@pytest.mark.parametrize("src,message", [
    ('(deserialize signed :key "wrong")', "signature does not match"),
    ("(deserialize signed)", "the data is signed"),
    ('(deserialize plain :key "s3cret")', "not signed"),
])
def test_hmac_rejects(tm, src, message):
    tm.ev(SIGNED)
    with pytest.raises(TurmericError) as info:
        tm.ev(src)
    assert info.value.kind == "deserialize" and message in info.value.message


def test_hmac_rejects_every_tampered_byte(tm):
    tm.ev(SIGNED)
    signed = tm.ev("signed")
    for i in range(len(signed)):
        for flip in (0x01, 0x80):
            bad = bytearray(signed)
            bad[i] ^= flip
            deserialize_error(tm.de, bytes(bad), "s3cret")


def test_hmac_rejects_a_resigned_body_with_another_key(tm):
    tm.ev(SIGNED)
    body = wire.unpack(tm.ev("signed"), "s3cret", msgpack.ExtType)
    forged = wire.pack(as_lists(body), key="attacker")
    err = deserialize_error(tm.de, forged, "s3cret")
    assert "signature" in err.message


def test_deserialize_errors_are_catchable(tm):
    tm.ev(SIGNED)
    assert tm.ev('(try (deserialize signed :key "no") (catch [e] :refused))') == K("refused")


# -- values that cannot be serialized ------------------------------------------------------

class Opaque:
    pass


def serialize_error(tm, src) -> TurmericError:
    with pytest.raises(TurmericError) as info:
        tm.ev(src)
    assert info.value.kind == "serialize", info.value
    return info.value


def test_a_python_object_in_a_collection_names_type_and_path(tm):
    tm.put("thing", Opaque())
    err = serialize_error(tm, "(serialize {:a [1 thing]})")
    assert "Opaque" in err.message
    assert "[1] <- [:a]" in err.message
    assert err.hint


def test_a_python_object_in_a_frame_names_frame_function_and_variable(tm):
    tm.put("thing", Opaque())
    err = serialize_error(tm, """
        (defn hold [x] (let [conn thing] (cloneable-shift [k] k) [x conn]))
        (serialize (cloneable-reset (fn [] (hold 1))))""")
    assert "Opaque" in err.message
    assert "variable conn in user.hold" in err.message and "(frame 0)" in err.message


def test_an_open_socket_object_cannot_be_serialized(tm):
    with socket.socket() as raw:
        tm.put("raw", raw)
        err = serialize_error(tm, "(serialize [1 {:conn raw}])")
    assert "socket" in err.message and "[:conn] <- [1]" in err.message


def test_a_python_object_captured_by_a_closure(tm):
    tm.put("thing", Opaque())
    err = serialize_error(tm, "(let [held thing] (serialize (fn [] held)))")
    assert "Opaque" in err.message and "captured held" in err.message


def test_a_python_function_cannot_be_serialized(tm):
    tm.put("pyfn", lambda d, x: x)
    err = serialize_error(tm, "(serialize [pyfn])")
    assert "Python function" in err.message


# -- user instances and resources ----------------------------------------------------------

def test_user_serializable_instance_on_a_struct(tm):
    value = tm.ev("""
        (struct token [id secret])
        (instance Serializable token
          (serialize [t] (str->bytes (str "TOK:" t.id)))
          (deserialize [b] (token (parse-int (subs (bytes->str b) 4)) "restored")))
        (def t (token 7 "hidden"))
        [t t]""")
    data = tm.ser(value)
    assert b"hidden" not in data and b"TOK:7" in data
    back = tm.de(data)
    assert back[0] is back[1]
    assert (back[0].f_id, back[0].f_secret) == (7, "restored")
    # inside a continuation too
    k = tm.ev("(defn use-token [t] (let [v (cloneable-shift [k] k)] [t.id t.secret v])) "
              "(cloneable-reset (fn [] (use-token t)))")
    assert same(tm.resume(tm.rt(k), 1), vector([7, "restored", 1]))


def test_file_handle_reopens_at_its_position(tm, tmp_path):
    path = tmp_path / "lines.txt"
    path.write_text("one\ntwo\nthree\n", encoding="utf-8")
    tm.put("path", str(path))
    fh = tm.ev("(def fh (open-file path)) (read-line fh) fh")
    data = tm.ser(fh)
    header, records, root = wire.unpack(data, None, ext_hook)
    resource = [r for r in records if r[0] == 12]
    assert len(resource) == 1 and resource[0][1] == "FileHandle"
    token = records[resource[0][2]]                  # the token: a map with keyword keys
    assert token[0] == 15
    token = dict(zip(map(K, header["shapes"][token[1]]), token[2:]))
    assert (token[K("path")], token[K("mode")], token[K("position")], token[K("closed")]) == \
        (str(path), K("read"), 4, False)
    assert tm.ev("(read-line fh)") == "two"             # the original goes on
    tm.put("copy", tm.de(data))
    assert tm.ev("[(file-position copy) (read-line copy) (read-line copy) (read-line copy)]") == \
        vector([4, "two", "three", None])


def test_file_handle_for_writing_reopens_at_its_position_without_truncating(tm, tmp_path):
    """#15 item 1: reading the bytes no longer cuts the file back (a payload could empty any
    file that way); the resumed program writes from the saved position over what follows."""
    path = tmp_path / "out.txt"
    tm.put("path", str(path))
    k = tm.ev("""
        (defn log-lines [fh]
          (write-line fh "first")
          (cloneable-shift [k] k)
          (write-line fh "second")
          (close fh)
          :written)
        (cloneable-reset (fn [] (log-lines (open-file path :write))))""")
    data = tm.ser(k)
    with open(path, "a", encoding="utf-8") as f:
        f.write("written after the checkpoint\n")
    copy = tm.de(data)
    assert path.read_text(encoding="utf-8") == "first\nwritten after the checkpoint\n"   # untouched
    assert tm.resume(copy) == K("written")
    assert path.read_text(encoding="utf-8") == "first\nsecond\n after the checkpoint\n"


def test_continuation_holding_an_open_file_resumes_reading(tm, tmp_path):
    path = tmp_path / "items.txt"
    path.write_text("a\nb\nc\n", encoding="utf-8")
    tm.put("path", str(path))
    k = tm.ev("""
        (defn read-all [fh acc]
          (let [line (read-line fh)]
            (if (nil? line) acc
                (do (when (= line "b") (cloneable-shift [k] k))
                    (read-all fh (conj acc line))))))
        (cloneable-reset (fn [] (read-all (open-file path) [])))""")
    copy = tm.rt(k)
    assert same(tm.resume(copy), vector(["a", "b", "c"]))


def test_socket_reconnects_to_its_address(tm):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(2)
    server.settimeout(10)
    accepted = []

    def accept():
        for _ in range(2):
            conn, _ = server.accept()
            accepted.append(conn)
    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        port = server.getsockname()[1]
        sock = tm.ev(f'(def sock (tcp-connect "127.0.0.1" {port})) sock')
        copy = tm.rt(sock)
        time.sleep(0.1)
        assert len(accepted) == 1                      # #15 item 1: reading the bytes connects nowhere
        tm.put("copy", copy)
        tm.ev('(write-line copy "ping")')              # the first use opens the copy's own connection
        thread.join(10)
        assert len(accepted) == 2
        accepted[1].sendall(b"hello copy\n")
        assert tm.ev("(read-line copy)") == "hello copy"
        tm.ev("(close copy) (close sock)")
    finally:
        for c in accepted:
            c.close()
        server.close()


# -- looking into and editing continuations -------------------------------------------------

EDITABLE = """
    (defn inner [x] (let [y (* x 2) label "inner"] (+ 100 (cloneable-shift [k] k) y)))
    (defn outer [x] (let [z 7] (+ z (inner x))))
    (def k (cloneable-reset (fn [] (outer 5))))
    k"""


def test_continuation_frames(tm):
    frames = list(tm.ev(EDITABLE + " (continuation-frames k)"))
    assert [f.get(K("function")) for f in frames[:2]] == ["user.inner", "user.outer"]
    inner = frames[0]
    assert inner.get(K("index")) == 0
    assert inner.get(K("line")) == 2 and inner.get(K("file")) == "<user-1>"
    assert "(cloneable-shift [k] k)" in inner.get(K("source"))
    assert inner.get(K("locals")) == PMap.from_pairs([(S("y"), 10)])
    assert frames[1].get(K("locals")) == PMap.from_pairs([(S("z"), 7)])
    assert tm.ev("(map :function (continuation-frames (deserialize (serialize k))))") == \
        tm.ev("(map :function (continuation-frames k))")


def test_continuation_frames_source_of_an_earlier_chunk(tm):
    tm.ev(EDITABLE)
    frames = list(tm.ev("(continuation-frames k)"))
    assert "(cloneable-shift [k] k)" in (frames[0].get(K("source")) or "")


def test_continuation_with_changes_a_local_in_a_copy(tm):
    tm.ev(EDITABLE)
    assert tm.ev("(resume k 1)") == 7 + 100 + 1 + 10
    assert tm.ev("(resume (continuation-with k 0 'y 1000) 1)") == 7 + 100 + 1 + 1000
    assert tm.ev("(resume (continuation-with k 1 'z 0) 1)") == 0 + 100 + 1 + 10
    assert tm.ev("(resume k 1)") == 7 + 100 + 1 + 10             # the original is unchanged
    edited = tm.ev("(continuation-with k 0 'y -10)")
    assert tm.resume(tm.rt(edited), 0) == 7 + 100 - 10           # an edited copy serializes
    assert tm.ev("(:locals (first (continuation-frames (continuation-with k 0 'y 5))))") == \
        PMap.from_pairs([(S("y"), 5)])


@pytest.mark.parametrize("src,message", [
    ("(continuation-with k 0 'nope 1)", "has no variable nope"),
    ("(continuation-with k 9 'y 1)", "no frame 9"),
    ("(continuation-with 5 0 'y 1)", "expected a continuation"),
    ("(continuation-frames 5)", "expected a continuation"),
])
def test_continuation_editing_errors(tm, src, message):
    tm.ev(EDITABLE)
    with pytest.raises(TurmericError) as info:
        tm.ev(src)
    assert message in info.value.message


# -- schema versions ---------------------------------------------------------------------------

FLOW_V1 = """(module flow :version 1)
(struct box [a])
(defn step [x] (* x 10))
(defn helper [] :v1)
(defn run [] (+ 1 (step (cloneable-shift [k] k))))
(defn run-anon [] (* 2 ((fn [] (+ 1 (cloneable-shift [k] k))))))
"""


def save_flow(tmp_path, value_src="(cloneable-reset (fn [] (flow/run)))") -> bytes:
    (tmp_path / "flow.tm").write_text(FLOW_V1, encoding="utf-8")
    old = TM([tmp_path])
    value = old.ev(f"(import flow) {value_src}")
    return old.ser(value)


def load_flow(tmp_path, source, data):
    if source is None:
        (tmp_path / "flow.tm").unlink()
    else:
        (tmp_path / "flow.tm").write_text(source, encoding="utf-8")
    new = TM([tmp_path])
    return new, (lambda: new.de(data))


def mismatch(load) -> TurmericError:
    with pytest.raises(TurmericError) as info:
        load()
    err = info.value
    assert err.kind == "schema-mismatch", err
    assert isinstance(err.value, StructValue) and err.value.stype.name == "schema-mismatch"
    return err


def test_unchanged_code_resumes_in_a_fresh_session(tmp_path):
    data = save_flow(tmp_path)
    new, load = load_flow(tmp_path, FLOW_V1, data)
    assert new.resume(load(), 4) == 41


@pytest.mark.parametrize("edit", [
    pytest.param(lambda s: ";; a comment\n\n" + s.replace("(+ 1 (step", "(+   1\n   (step"), id="comments-whitespace"),
    pytest.param(lambda s: s.replace(":v1", ":v2"), id="other-function"),
    pytest.param(lambda s: s.replace(":version 1", ":version 2"), id="version-only"),
    pytest.param(lambda s: s + "(defn added [] 1)\n", id="function-added"),
])
def test_changes_that_keep_a_saved_continuation_valid(tmp_path, edit):
    data = save_flow(tmp_path)
    new, load = load_flow(tmp_path, edit(FLOW_V1), data)
    assert new.resume(load(), 4) == 41


def test_a_changed_callee_that_is_not_in_the_continuation_runs_its_new_code(tmp_path):
    data = save_flow(tmp_path)
    new, load = load_flow(tmp_path, FLOW_V1.replace("(* x 10)", "(* x 100)"), data)
    assert new.resume(load(), 4) == 401


def test_a_changed_function_is_a_schema_mismatch(tmp_path):
    data = save_flow(tmp_path)
    _, load = load_flow(tmp_path, FLOW_V1.replace(":version 1", ":version 2").replace("(+ 1 (step", "(+ 2 (step"), data)
    err = mismatch(load)
    assert "flow.run changed" in err.message
    assert "version 1" in err.message and "version 2" in err.message
    detail, old_version = err.value.field_values()
    assert err.value.stype.fields == ("detail", "old-version")
    assert old_version == 1 and detail == err.message


def test_a_removed_or_renamed_function_is_a_schema_mismatch(tmp_path):
    data = save_flow(tmp_path)
    _, load = load_flow(tmp_path, FLOW_V1.replace("(defn run []", "(defn run2 []"), data)
    err = mismatch(load)
    assert "flow.run no longer exists" in err.message


def test_a_missing_module_is_a_schema_mismatch(tmp_path):
    data = save_flow(tmp_path)
    _, load = load_flow(tmp_path, None, data)
    err = mismatch(load)
    # #9 item 5: a missing module is not "the code changed": its own message and hint
    assert err.message.startswith("module flow is not on the module path (it was at ")
    assert "changed" not in err.hint and "flow.tm was looked for in: " in err.hint


def test_a_moved_anonymous_function_is_a_schema_mismatch(tmp_path):
    data = save_flow(tmp_path, "(cloneable-reset (fn [] (flow/run-anon)))")
    moved = FLOW_V1.replace("(defn run-anon [] (* 2 ((fn []", "(defn run-anon [] (* 2 ((fn [] 0) ((fn []")
    moved = moved.replace("(cloneable-shift [k] k))))))", "(cloneable-shift [k] k)))))))")
    _, load = load_flow(tmp_path, moved, data)
    mismatch(load)


def test_a_struct_whose_fields_changed_is_a_schema_mismatch(tmp_path):
    data = save_flow(tmp_path, "(flow/box 1)")
    _, load = load_flow(tmp_path, FLOW_V1.replace("(struct box [a])", "(struct box [a b])"), data)
    err = mismatch(load)
    assert "struct flow.box changed" in err.message


def test_schema_mismatch_is_catchable_with_try_with_and_match(tmp_path):
    data = save_flow(tmp_path)
    new, _ = load_flow(tmp_path, FLOW_V1.replace(":version 1", ":version 2").replace("(* x 10)", "(* x 100)")
                       .replace("(+ 1 (step", "(+ 2 (step"), data)
    new.put("data", data)
    out = new.ev("""
        (try
          (try-with
            (fn [] (deserialize data))
            (fn [e k]
              (match e
                (schema-mismatch _ old-version) ->
                  (throw (error (str "Cannot resume: checkpoint uses version " old-version))))))
          (catch [e] e.message))""")
    assert out == "Cannot resume: checkpoint uses version 1"
    assert new.ev("(try (deserialize data) (catch [e] (match e (schema-mismatch d v) -> [:mismatch v])))") == \
        vector([K("mismatch"), 1])


def test_the_module_is_loaded_for_definitions_only(tmp_path):
    (tmp_path / "noisy.tm").write_text(
        '(module noisy)\n(def log (ref []))\n(println "top-level form ran")\n'
        '(defn run [] (+ 1 (cloneable-shift [k] k)))\n', encoding="utf-8")
    old = TM([tmp_path])
    data = old.ser(old.ev("(import noisy) (cloneable-reset (fn [] (noisy/run)))"))
    new = TM([tmp_path])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        k = new.de(data)
    assert "top-level form ran" not in out.getvalue()
    assert new.resume(k, 1) == 2


# -- corrupt input ----------------------------------------------------------------------------

def test_corrupt_input_is_a_deserialize_error(tm):
    good = tm.ser(tm.ev("[1 2 3]"))
    deserialize_error(tm.de, b"")
    deserialize_error(tm.de, b"TMRC")
    deserialize_error(tm.de, good[:-1])
    deserialize_error(tm.de, good + b"\x00")
    deserialize_error(tm.de, b"XXXX" + good[4:])
    deserialize_error(tm.de, good[:4] + b"\x01" + good[5:])     # another format version (the first)
    deserialize_error(tm.de, good[:4] + b"\x03" + good[5:])     # a later one
    deserialize_error(tm.de, good[:5] + b"\x04" + good[6:])     # unknown flags
    with pytest.raises(TurmericError) as info:
        tm.de("not bytes")
    assert info.value.kind == "type"


# -- regressions of bugs found while writing these tests --

def test_strings_with_lone_surrogates_round_trip(tm):
    """The reader accepts "\\ud800"; msgpack's str must be UTF-8, so such strings (and
    keyword names) are written as extension 4, anywhere a value can be."""
    for v in ["\ud800", vector(["a\udc80b", 1]), PMap.from_pairs([("\ud800", "x"), (K("k\udfff"), "\udfff")]),
              K("z\ud801"), vector([K("a"), "\ud800"] * 600)]:
        assert same(tm.rt(v), v)
    k = tm.ev('(defn sur [x] (+ 1 (cloneable-shift [k] k)) x) (cloneable-reset (fn [] (sur "\\ud800")))')
    assert tm.resume(tm.rt(k), 1) == "\ud800"
    header, records, root = wire.unpack(tm.ser("\ud800"), None, msgpack.ExtType)
    assert root == msgpack.ExtType(wire.EXT_STRING, b"\xed\xa0\x80")


def test_imported_modules_are_loaded_for_definitions_only_too(tmp_path):
    (tmp_path / "noisy.tm").write_text('(module noisy)\n(println "noisy top-level form ran")\n'
                                       '(defn twice [x] (* x 2))\n', encoding="utf-8")
    (tmp_path / "uses.tm").write_text('(module uses)\n(import noisy)\n'
                                      '(defn run [] (noisy/twice (cloneable-shift [k] k)))\n', encoding="utf-8")
    old = TM([tmp_path])
    data = old.ser(old.ev("(import uses) (cloneable-reset (fn [] (uses/run)))"))
    new = TM([tmp_path])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        k = new.de(data)
    assert new.resume(k, 21) == 42
    assert "noisy top-level form ran" not in out.getvalue()


def test_an_unrelated_change_keeps_a_continuation_inside_a_loop(tmp_path):
    src = ("(module gs)\n(defn work [n] (loop [i 0 acc 0] "
           "(if (< i n) (recur (inc i) (+ acc (cloneable-shift [k] k))) acc)))\n")
    (tmp_path / "gs.tm").write_text(src, encoding="utf-8")
    old = TM([tmp_path])
    data = old.ser(old.ev("(import gs) (cloneable-reset (fn [] (gs/work 1)))"))
    (tmp_path / "gs.tm").write_text(src.replace("(module gs)\n", "(module gs)\n(defn other [a b] (and a b))\n"),
                                    encoding="utf-8")
    new = TM([tmp_path])
    assert new.resume(new.de(data), 5) == 5


def test_a_forged_module_path_is_refused(tm, tmp_path):
    victim = tmp_path / "notes.txt"
    victim.write_text("key: value\n", encoding="utf-8")
    body = [{"turmeric": "0", "modules": [["notes", None, str(victim)]]},
            [[7, 0, "notes.run", "0000"]], msgpack.ExtType(wire.EXT_REF, bytes(4))]
    with pytest.raises(TurmericError) as info:
        tm.de(wire.pack(body))
    assert info.value.kind in ("deserialize", "schema-mismatch")


def test_integers_beyond_64_bits_inside_plain_sequences(tm):
    """msgpack writes plain sequences itself and hands an integer over 64 bits back to the
    encoder, so big integers anywhere in a sequence round-trip."""
    from turmeric.data.values import plist, vector
    for v in [vector([1, 2 ** 70, "a"]), plist([2 ** 80, -(2 ** 90), 3]), vector([2 ** 63, -(2 ** 63)]),
              vector([2 ** 64 + 1] * 3)]:
        assert equals(tm.rt(v), v)


# -- the continuation record: frames by columns (spec/serialization.md section 4) ------------

DEEP = """
(defn deep [n] (if (= n 0) (cloneable-shift [k] k) (let [s (str "f" n)] (+ (deep (- n 1)) (count s)))))
(cloneable-reset (fn [] (* 2 (deep 3))))
"""


def continuation_body(tm, src=DEEP):
    """A captured continuation's body, as lists, and the index of its continuation record."""
    body = as_lists(wire.unpack(tm.ser(tm.ev(src)), None, msgpack.ExtType))
    (at,) = [i for i, r in enumerate(body[1]) if r[0] == 8]
    return body, at


def test_a_continuation_record_holds_each_frame_header_once(tm):
    body, at = continuation_body(tm)
    _tag, headers, numbers, locals_ = body[1][at]
    assert headers[0][1] == "user.deep"
    assert re.fullmatch(r"user/top-[0-9a-f]{8}/fn#1", headers[1][1]), headers
    assert numbers == [0, 0, 0, 1]                      # three frames of deep, then the top form
    assert [len(x) for x in locals_] == [1, 1, 1, 0]
    assert locals_[0] == ["f1"]                          # innermost first
    assert tm.resume(tm.de(wire.pack(body)), 10) == 32


def test_frames_holding_internal_tuples_round_trip(tm):
    """A frame of a higher-order builtin keeps a tuple; msgpack would write a tuple as an
    array, so it must go by reference."""
    k = tm.ev("(cloneable-reset (fn [] (vec (map (fn [x] (if (= x 2) (cloneable-shift [k] k) x)) [1 2 3]))))")
    for copy in (tm.rt(k), tm.rt(tm.rt(k))):
        assert same(tm.resume(copy, 20), vector([1, 20, 3]))
    assert same(tm.resume(k, 7), vector([1, 7, 3]))


@pytest.mark.parametrize("change, kind", [
    (lambda r: r[3].__setitem__(0, ["f1", "extra"]), "schema-mismatch"),   # a local too many
    (lambda r: r[3].__setitem__(0, []), "schema-mismatch"),                # a local too few
    (lambda r: r[2].__setitem__(1, 7), "deserialize"),                     # no header 7
    (lambda r: r[2].__setitem__(1, -1), "deserialize"),
    (lambda r: r[2].__setitem__(1, "0"), "deserialize"),
    (lambda r: r[2].__setitem__(1, {"a": 1}), "deserialize"),              # unhashable index
    (lambda r: r[3].__setitem__(1, "ab"), "deserialize"),                  # locals not an array
    (lambda r: r[3].__setitem__(1, [[1]]), "deserialize"),                 # an array as a value
    (lambda r: r[3].__setitem__(1, [{"a": 1}]), "deserialize"),            # a map as a value
    (lambda r: r[2].pop(), "deserialize"),                                  # columns of unequal length
    (lambda r: r[1].__setitem__(0, ["user.deep"]), "deserialize"),         # a short header
    (lambda r: r[1].__setitem__(0, [None, "%redo", 0, ""]), "deserialize"),  # never captured
    (lambda r: r[1].__setitem__(0, [0, "user.deep", 0, "0000"]), "schema-mismatch"),  # code changed
    (lambda r: r.append(1), "deserialize"),
])
def test_a_malformed_continuation_record_is_refused(tm, change, kind):
    body, at = continuation_body(tm)
    change(body[1][at])
    with pytest.raises(TurmericError) as info:
        tm.de(wire.pack(body))
    assert info.value.kind == kind, info.value.message


# -- maps with keyword keys are written by shape (spec/serialization.md section 4) ----------

def test_maps_with_keyword_keys_share_a_shape(tm):
    v = tm.ev('[{:id 1 :name "a"} {:id 2 :name "b"} {:name "c" :id 3} {"k" 1 :id 2} {}]')
    header, records, _root = wire.unpack(tm.ser(v), None, ext_hook)
    assert header["shapes"] == (("id", "name"), ("name", "id"))     # key order is kept
    assert sorted(r[0] for r in records) == [1, 2, 2, 15, 15, 15]   # vector, two plain maps, three shaped
    copy = tm.rt(v)
    assert same(copy, v)
    assert [list(m.keys()) for m in copy][:3] == [[K("id"), K("name")]] * 2 + [[K("name"), K("id")]]


def shaped_body(tm):
    return as_lists(wire.unpack(tm.ser(tm.ev("[{:a 1 :b 2}]")), None, msgpack.ExtType))


@pytest.mark.parametrize("change", [
    lambda b: b[0].__setitem__("shapes", [["a", "a"]]),         # a key twice
    lambda b: b[0].__setitem__("shapes", [[]]),                 # no keys
    lambda b: b[0].__setitem__("shapes", [["a", 1]]),           # a name that is not a string
    lambda b: b[0].__setitem__("shapes", "ab"),
    lambda b: b[0].__setitem__("shapes", [["a", "b", "c"]]),    # the record has two values
    lambda b: b[1][1].__setitem__(1, 1),                        # no shape 1
    lambda b: b[1][1].__setitem__(1, True),
    lambda b: b[1][1].append(3),
])
def test_a_malformed_shape_is_refused(tm, change):
    body = shaped_body(tm)
    assert body[1][1][0] == 15
    change(body)
    deserialize_error(tm.de, wire.pack(body))


# -- records in any order (spec/serialization.md section 5) ----------------------------------

def ref(i):
    return msgpack.ExtType(wire.EXT_REF, i.to_bytes(4, "big"))


HEADER = {"turmeric": "0", "modules": []}


@pytest.mark.parametrize("records, root, expected", [
    ([[1, 1, 2], [1, ref(0)]], ref(1), "[[1 2]]"),                      # children first
    ([[1, ref(1)], [1, 1, 2]], ref(0), "[[1 2]]"),                      # parents first (as written)
    ([[1, ref(2), ref(1)], [1, ref(2)], [1, 1, 2]], ref(0), "[[1 2] [[1 2]]]"),   # shared, both ways
    ([[1, ref(1), ref(2)], [1, 1, 2], [1, ref(1)]], ref(0), "[[1 2] [[1 2]]]"),
])
def test_records_may_come_in_any_order(tm, records, root, expected):
    v = tm.de(wire.pack([HEADER, records, root]))
    assert same(v, tm.ev(expected))
    if len(records) == 3:
        assert v[0] is v[1][0]                           # one record, one value


@pytest.mark.parametrize("records", [
    [[1, ref(0)]],                                     # a vector that holds itself
    [[1, ref(1)], [0, ref(0)]],                        # a vector and a list that hold each other
    [[1, ref(1)], [1, ref(2)], [1, ref(0)]],
])
def test_a_cycle_through_no_ref_is_refused(tm, records):
    err = deserialize_error(tm.de, wire.pack([HEADER, records, ref(0)]))
    assert "cycle" in err.message


def test_a_cycle_through_a_ref_is_kept(tm):
    v = tm.de(wire.pack([HEADER, [[1, ref(1)], [5, ref(0)]], ref(0)]))
    assert v[0].value is v


def test_many_references_to_unbuilt_records_take_linear_time(tm):
    """The last record (built first) refers to all the others, which refer to each other
    backwards: each record waits once, so 20,000 records decode in well under a second."""
    n = 20_000
    records = [[1, i] if i == 0 else [1, ref(i - 1)] for i in range(n - 1)]
    records.append([1] + [ref(i) for i in range(n - 1)])
    data = wire.pack([HEADER, records, ref(n - 1)])
    start = time.process_time()
    v = tm.de(data)
    assert len(v) == n - 1 and time.process_time() - start < 5


def test_a_python_list_or_dict_inside_a_value_is_refused_with_its_path(tm):
    tm.put("pl", [1, 2])
    assert "python:list: at [:a] <- [1]" in serialize_error(tm, "(serialize [1 {:a pl}])").message
    tm.put("pd", {1: 2})
    assert "python:dict: at [1]" in serialize_error(tm, "(serialize (list 1 pd))").message


def test_a_recursive_local_function_in_a_frame_round_trips(tm):
    k = tm.ev("""(defn f [] (let [g (fn g [n] (if (= n 0) 0 (+ 1 (g (- n 1)))))] (+ (cloneable-shift [k] k) (g 3))))
                 (cloneable-reset (fn [] (f)))""")
    assert tm.resume(tm.rt(k), 10) == 13
    assert tm.resume(tm.rt(tm.rt(k)), 20) == 23


def test_chunked_sequences_keep_internal_tuples_and_report_python_values(tm, tmp_path):
    """The items after the last full chunk go through the same checks as any record's."""
    from turmeric.serialize.blobs import BlobStore
    store = tmp_path / "blobs"
    v = vector(list(range(1500)) + [(1, 2)])
    back = deserialize(tm.s, serialize(tm.s, v, blobs=BlobStore(str(store))), blobs=BlobStore(str(store)))
    assert len(back) == 1501 and back[-1] == (1, 2)
    v = vector([(i, i) for i in range(1100)] + [5])      # tuples are data: chunked as payloads
    back = deserialize(tm.s, serialize(tm.s, v, blobs=BlobStore(str(store))), blobs=BlobStore(str(store)))
    assert back[3] == (3, 3) and back[-1] == 5
    m = PMap.from_pairs([(i, (i, "t")) for i in range(600)])   # a map chunked as data payloads
    back = deserialize(tm.s, serialize(tm.s, m, blobs=BlobStore(str(store))), blobs=BlobStore(str(store)))
    assert len(back) == 600 and back.get(5) == (5, "t")
    for v, where in [(vector(list(range(1100)) + [[1]]), "[1100]"), (vector([[1]] + list(range(1100))), "[0]")]:
        with pytest.raises(TurmericError) as info:
            serialize(tm.s, v, blobs=BlobStore(str(store)))
        assert info.value.message == f"cannot serialize a value of type python:list: at {where}"
