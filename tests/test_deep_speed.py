"""#14, the deep-stack rows: non-tail recursion deeper than the Python stack, and capturing,
serializing and resuming a continuation thousands of frames deep.

The cost per level grew with the depth because the cyclic GC scanned every heap frame again
at each collection, and every depth unwind left a garbage cycle of its traceback (about 3
objects per frame) for the GC to find. These tests count objects, never time: the objects
the GC can see at the bottom of a recursion, the garbage a run leaves, the GC's settings
before and after. bench/deep.py measures the time.
"""
from __future__ import annotations

import gc
import threading
import weakref

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import no_python, tm
from turmeric.data.errors import TurmericError
from turmeric.data.values import Continuation
from turmeric.runtime import machine
from turmeric.serialize import wire
from turmeric.serialize.decode import Decoder, deserialize, ext_hook
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

PROGRAM = """
(def probe nil)
(defn down [n] (if (= n 0) (probe) (+ 1 (down (- n 1)))))
(defn down-twice [n m] (+ (down n) (down m)))
(defn descend [n] (if (= n 0) (cloneable-shift [k] k) (+ 1 (descend (- n 1)))))
(defn capture [n] (cloneable-reset (fn [] (descend n))))
(defn cap-resume [n] (resume (capture n) 0))
(defn down-throw [n] (if (= n 0) (throw :bottom) (+ 1 (down-throw (- n 1)))))
(defn caught-throw [n] (try (down-throw n) (catch e 7)))
(defn down-err [n] (if (= n 0) (/ 1 0) (+ 1 (down-err (- n 1)))))
(defn caught-err [n] (try (down-err n) (catch e 7)))
(defn in-try [n] (if (= n 0) (throw :x) (try (+ 1 (in-try (- n 1))) (catch e 0))))
"""


def new_session() -> Session:
    s = Session(cache=False)
    s.eval_string(PROGRAM)
    return s


@pytest.fixture(scope="module")
def session():
    return new_session()


def set_probe(session, f):
    """(probe) at the bottom of `down` calls f() from Python; its value is 0."""
    session.modules["user"].ns["g_probe"] = lambda d: (f(), 0)[1]


def gc_state():
    return gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()


def ev(session, text):
    return session.eval_string(text)[-1]


def test_item14_million_deep_recursion_finishes(tm_env, tmp_path):
    """#14 deep-stack row: 10^6 levels of non-tail recursion (a few seconds on a loaded
    machine; each heap frame is frozen out of the GC's reach, so no collection rescans them)."""
    (tmp_path / "deep.tm").write_text(
        "(defn down [n] (if (= n 0) 0 (+ 1 (down (- n 1)))))\n(println (down 1000000))\n")
    proc = tm(tm_env, tmp_path, "run", "deep.tm")
    no_python(proc)
    assert proc.returncode == 0 and proc.stdout == "1000000\n", proc.stderr


def test_item14_the_gc_sees_a_bounded_number_of_objects_at_any_depth(session):
    """#14 deep-stack row: at the bottom of a recursion the objects the cyclic GC scans do not
    grow with the depth (the heap frames are in the permanent generation), and the heap holds
    one object per level whatever the depth (no growing per-frame cost)."""
    seen = {}
    before = gc_state()
    for n in (5_000, 20_000, 60_000):
        set_probe(session, lambda n=n: seen.setdefault(n, (len(gc.get_objects()), gc.get_freeze_count())))
        assert ev(session, f"(down {n})") == n
        assert gc_state() == before        # nothing left frozen, thresholds as they were
    scanned = {n: v[0] for n, v in seen.items()}
    assert max(scanned.values()) < 3 * machine.FREEZE_STEP, scanned
    per_frame_low = (seen[20_000][1] - seen[5_000][1]) / 15_000
    per_frame_high = (seen[60_000][1] - seen[20_000][1]) / 40_000
    assert 0.9 < per_frame_low < 1.5 and 0.9 < per_frame_high < 1.5, (per_frame_low, per_frame_high)


@pytest.mark.parametrize("form", ["(down N)", "(cap-resume N)", "(caught-throw N)", "(caught-err N)",
                                  "(in-try N)", "(capture N)", "(down-err N)"])
def test_item14_no_signal_leaves_garbage_that_grows_with_depth(session, form):
    """#14: the class of the depth unwind's garbage cycle (_depth's local held its own
    exception, whose traceback holds every frame it passed: 15,076 garbage objects after a
    5000-deep recursion). No way out of a deep run (return, capture, resume, throw and error,
    caught or not) leaves garbage for the GC in proportion to the depth. Measured with the GC
    off, so nothing is collected (or frozen) on the way."""
    set_probe(session, lambda: None)
    garbage = {}
    for n in (500, 5_000):
        gc.collect()
        gc.disable()
        try:
            try:
                ev(session, form.replace("N", str(n)))
            except TurmericError:
                pass
            garbage[n] = gc.collect()
        finally:
            gc.enable()
    assert garbage[5_000] - garbage[500] < 100, garbage


@pytest.mark.parametrize("form, kind", [("(down-err 30000)", "value"), ("(down-throw 30000)", "thrown")])
def test_item14_an_error_at_depth_leaves_the_gc_as_it_was(session, form, kind):
    """#14: a run that raises from 30,000 levels down unfreezes and restores the thresholds,
    and the error still names the Turmeric functions of the stack."""
    before = gc_state()
    with pytest.raises(TurmericError) as info:
        ev(session, form)
    assert gc_state() == before
    assert info.value.kind == kind
    names = [name for name, _span in info.value.tstack]
    assert len(names) > 1_000 and set(names) == {names[0]} and names[0] == "user." + form[1:].split()[0], names[:3]


def test_item14_a_program_that_froze_the_gc_itself_is_left_alone(session):
    """#14: gc.freeze() is the process's: a run never unfreezes objects it did not freeze
    (when the program froze some, the machine does not freeze at all)."""
    gc.freeze()
    try:
        held = gc.get_freeze_count()
        at_bottom = []
        set_probe(session, lambda: at_bottom.append(gc.get_freeze_count()))
        assert ev(session, "(down 20000)") == 20_000
        # (frozen objects that die leave the permanent generation: the count only falls)
        assert len(at_bottom) == 1 and held - 100 < at_bottom[0] <= held
        assert held - 100 < gc.get_freeze_count() <= held
    finally:
        gc.unfreeze()


def test_item14_a_nested_run_of_another_session_keeps_the_outer_runs_frames_frozen(session):
    """#14: two sessions do not interfere. The outer run holds the freeze; a run of another
    session at its bottom goes 20,000 deep too, returns the right value, and leaves the outer
    run's frames frozen; when the outer run ends, nothing is left frozen."""
    other = new_session()
    before = gc_state()
    got = []

    def inner():
        got.append(ev(other, "(down 20000)"))
        got.append(gc.get_freeze_count() >= 30_000)
    set_probe(session, inner)
    set_probe(other, lambda: None)
    assert ev(session, "(down 30000)") == 30_000
    assert got == [20_000, True]
    assert gc_state() == before


def test_item14_runs_in_two_threads_at_once(session):
    """#14: two threads, each its own session, recurse 30,000 deep at the same time: one
    holds the freeze, the other goes without; both right, the GC as it was after."""
    sessions = [new_session(), new_session()]
    for s in sessions:
        set_probe(s, lambda: None)
    before = gc_state()
    results, errors = [None, None], []

    def work(i):
        try:
            results[i] = [ev(sessions[i], f"(down {30_000 + j})") for j in range(3)]
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and results == [[30_000, 30_001, 30_002]] * 2
    assert gc_state() == before


class Cycle:
    def __init__(self):
        self.me = self


def test_item14_garbage_cycles_made_while_deep_are_collected(session):
    """#14: freezing delays the collection of the garbage cycles that exist when the heap
    frames are frozen; it never loses them. Cycles made on the way down are collected once
    the run ends, and once the stack shrinks to half and grows again (down-twice: the
    second recursion's unwinds unfreeze)."""
    refs = []
    set_probe(session, lambda: refs.append(weakref.ref(Cycle())))
    ev(session, "(defn down-making [n] (when (= (mod n 1000) 0) (probe)) "
                "(if (= n 0) 0 (+ 1 (down-making (- n 1)))))")
    assert ev(session, "(down-making 30000)") == 30_000
    assert len(refs) == 31
    gc.collect()
    assert [r for r in refs if r() is not None] == []

    alive = []       # at each probe of the second recursion: the first one's cycles still alive
    refs.clear()

    def second():
        if len(refs) >= 31:
            gc.collect()
            alive.append(sum(r() is not None for r in refs[:31]))
        refs.append(weakref.ref(Cycle()))
    set_probe(session, second)
    assert ev(session, "(+ (down-making 30000) (down-making 3000))") == 33_000
    assert len(alive) == 4 and alive[-1] == 0, alive


def test_item14_ten_thousand_frames_round_trip_and_resume(session):
    """#14 capture row: a 10,000-frame continuation, serialized and deserialized, resumes to
    the right answer, twice (multi-shot), and so does the one it was read from."""
    k = ev(session, "(capture 10000)")
    assert type(k) is Continuation and len(k.frames) == 10_000
    data = serialize(session, k)
    k2 = deserialize(session, data)
    assert len(k2.frames) == len(k.frames)
    assert [f[0] for f in k2.frames] == [f[0] for f in k.frames]
    for cont, v in ((k2, 0), (k2, 5), (k, 1)):
        assert session.run(machine.run, machine.resume, (cont, v)) == 10_000 + v


# -- the class: frames of any shape, at any depth, through the trampoline and the serializer --

KINDS = {   # a let-bound local of each kind, and how the frame reads it after the call
    "int": ("(* n {i})", "{v}"),
    "str": ("(str \"s\" n)", "(count {v})"),
    "vec": ("[n {i}]", "(second {v})"),
    "map": ("{{:a n}}", "(:a {v})"),
}


def model(kinds, i_n):
    """What the generated function returns, in Python."""
    def local(kind, i, n):
        return {"int": n * i, "str": len(f"s{n}"), "vec": i, "map": n}[kind]
    return sum(1 + sum(local(k, i + 1, n) for i, k in enumerate(kinds)) for n in range(1, i_n + 1))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(sorted(KINDS)), max_size=5),
       depth=st.sampled_from([0, 1, 999, 1000, 1001, 2500, 6000]))
def test_item14_frames_of_any_shape_resume_and_round_trip_at_any_depth(session, kinds, depth):
    """#14, the class of the trampoline's calls by number of locals (0 to 3 are called
    without building an argument tuple, more with one) and of the serializer's column fast
    path (one frame header): a recursion whose frames keep 0-5 locals of several kinds,
    across depth unwinds, returns what Python computes; captured at the bottom, the
    continuation resumes to the same, before and after a serialize/deserialize round trip."""
    names = [f"v{i}" for i in range(len(kinds))]
    binds = " ".join(f"{v} {KINDS[k][0].format(i=i + 1)}" for i, (v, k) in enumerate(zip(names, kinds)))
    uses = " ".join(KINDS[k][1].format(v=v) for v, k in zip(names, kinds))
    ev(session, f"(defn shaped [n bottom] (if (= n 0) (bottom) "
                f"(let [{binds}] (+ 1 (shaped (- n 1) bottom) {uses}))))")
    want = model(kinds, depth)
    assert ev(session, f"(shaped {depth} (fn [] 0))") == want
    k = ev(session, f"(cloneable-reset (fn [] (shaped {depth} (fn [] (cloneable-shift [k] k)))))")
    k2 = deserialize(session, serialize(session, k))
    for cont in (k, k2, k2):
        assert session.run(machine.run, machine.resume, (cont, 0)) == want


def test_item14_deserialize_leaves_the_gc_as_it_found_it(session):
    """#14 capture row: the reader pauses the GC while it makes a continuation's frames (one
    new tuple each, all alive); it is on again after, off again if it was off, and on after a
    frame that names no header (an error raised while the frames are made)."""
    k = ev(session, "(capture 3000)")
    data = serialize(session, k)
    for was_on in (True, False):
        if not was_on:
            gc.disable()
        try:
            assert len(deserialize(session, data).frames) == 3000
            assert gc.isenabled() is was_on
        finally:
            gc.enable()
    header, records, _root = wire.unpack(data, None, ext_hook)
    cont = next(r for r in records if r[0] == 8)
    bad = (cont[0], cont[1], (0,) * (len(cont[2]) - 1) + (7,), cont[3])   # header 7: none
    with pytest.raises(TurmericError) as info:
        Decoder(session, header, records).continuation(0, bad)
    assert info.value.kind == "deserialize" and gc.isenabled()
