"""REPL session files (:save, :restore, --restore): lossless in a chain, no code from the
file's bytes, a clear error for a foreign or damaged file, and the session's gensym counter
(issue #9 items 2 and 3, issue #8)."""
from __future__ import annotations

import io
import marshal
import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from turmeric.data.errors import TurmericError
from turmeric.data.names import mangle
from turmeric.data.printer import pr_str
from turmeric.data.values import Keyword, PMap, Symbol, vector
from turmeric.repl.commands import load_repl_state
from turmeric.repl.loop import Repl
from turmeric.repl.session_file import FORMAT, _read_outer, read_session_file, restore_session
from turmeric.serialize.encode import serialize
from turmeric.session.modcache import ModuleCache
from turmeric.session.session import Session

from conftest import ROOT

K = Keyword


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    """Each test its own compile cache (a restore finds its code there, or compiles)."""
    root = tmp_path / "cache"
    monkeypatch.setenv("TURMERIC_CACHE", str(root))
    monkeypatch.delenv("TURMERIC_PATH", raising=False)
    return root


def new_repl(session=None, state=None) -> Repl:
    return Repl(session, state, out=io.StringIO(), err=io.StringIO())


def feed(repl: Repl, *inputs: str, errors_ok: bool = False) -> str:
    """Run inputs; what they printed (results, then errors); no error unless errors_ok."""
    start_out, start_err = repl.out.tell(), repl.err.tell()
    for text in inputs:
        repl.handle(text)
    repl.err.seek(start_err)
    errors = repl.err.read()
    assert errors_ok or errors == "", errors
    repl.out.seek(start_out)
    return repl.out.read() + errors


def snapshot(repl: Repl) -> dict:
    """What a session is, as comparable data: every global of user printed, the numbered
    results, the counter, the inputs, the macros, the gensym counter."""
    mod = repl.session.modules["user"]
    return {"globals": {g: pr_str(mod.ns["g_" + mangle(g)]) for g in sorted(mod.globals)
                        if "g_" + mangle(g) in mod.ns},
            "results": {n: pr_str(v) for n, v in repl.state.results.items()},
            "counter": repl.state.counter, "inputs": list(repl.state.inputs),
            "macros": sorted(mod.macros), "gensym": repl.session.gensym_counter.next}


def restored(path) -> Repl:
    session, state, unsaved = load_repl_state(str(path))
    assert unsaved == []
    return new_repl(session, state)


# Each step uses what the steps before defined; a macro without quoted constants (see the
# report: constants of REPL inputs share names in the module namespace).
FIRST = ["(def x 1)", "(defmacro sq [e] (list (symbol \"*\") e e))", "(struct P [a b])",
         "(def c (ref 0))", "(def a [c])", "(def b {:c c})", "(defn f [n] (+ n x))",
         "(def g (gensym))", "(+ 40 2)"]
SECOND = ["(sq (f 2))", "(P (sq 2) $9)", "(swap! c inc)", "(defn h [p] (+ (f p.a) p.b))",
          "(def g2 (gensym \"t\"))", "(h $11)"]
THIRD = ["(sq $15)", "(swap! (first a) inc)", "(:c b)", "(def g3 (gensym))", "(h (P 1 2))"]


def shares_ref(repl: Repl) -> bool:
    ns = repl.session.modules["user"].ns
    return ns["g_a"][0] is ns["g_b"].get(K("c")) is ns["g_c"]


def test_save_restore_chain_of_three_is_lossless(cache, tmp_path):
    """#9 item 2: :save in a restored session crashed ('tuple' object has no attribute
    'file': line spans of a unit loaded from the cache are tuples) and lost the session.
    A chain of save, restore (three times, by --restore and by :restore) ends in the session
    that evaluating every input in one session makes: same outputs, same globals, results,
    macros, gensym counter, and the ref shared by two globals still shared."""
    reference = new_repl()
    expected = [feed(reference, text) for text in FIRST + SECOND + THIRD]

    one = new_repl()
    outputs = [feed(one, text) for text in FIRST]
    feed(one, f":save {tmp_path / 's1.tms'}")
    two = restored(tmp_path / "s1.tms")
    assert shares_ref(two)
    outputs += [feed(two, text) for text in SECOND]
    feed(two, f":save {tmp_path / 's2.tms'}")
    assert feed(two, f":restore {tmp_path / 's2.tms'}") == f"restored {tmp_path / 's2.tms'}\n"
    assert shares_ref(two)
    outputs += [feed(two, text) for text in THIRD[:2]]
    feed(two, f":save {tmp_path / 's3.tms'}")
    three = restored(tmp_path / "s3.tms")
    outputs += [feed(three, text) for text in THIRD[2:]]

    assert outputs == expected
    assert snapshot(three) == snapshot(reference)
    assert shares_ref(three)
    # and the code it compiled is the same, function by function
    infos = {i.symbol: i.code_hash for i in three.session.modules["user"].fninfos.values()}
    ref_infos = {i.symbol: i.code_hash for i in reference.session.modules["user"].fninfos.values()}
    assert infos == ref_infos


def test_save_in_a_restored_session_from_the_command_line(repl_cli, tmp_path):
    """#9 item 2, the report's own commands."""
    x, y = tmp_path / "x.bin", tmp_path / "y.bin"
    assert repl_cli([], f"(def x 1)\n:save {x}\n") == (0, f"1\nsaved to {x}\n", "")
    assert repl_cli(["--restore", x], f":save {y}\n:restore {y}\n(inc x)\n") == \
        (0, f"saved to {y}\nrestored {y}\n2\n", "")
    assert repl_cli(["--restore", y], "(+ x $1)\n") == (0, "2\n", "")


@pytest.fixture()
def repl_cli(tm_env, tmp_path):
    env = dict(tm_env, XDG_DATA_HOME=str(tmp_path / "xdg"))

    def run(args, text):
        p = subprocess.run([sys.executable, "-m", "turmeric.cli", "repl", *map(str, args)],
                           cwd=ROOT, env=env, input=text, capture_output=True, text=True,
                           timeout=120)
        return p.returncode, p.stdout, p.stderr
    return run


# -- the class: any inputs, restored from the cache or compiled again, give the same session --

STEPS = st.sampled_from([
    "(def n{i} {i})", "(defn f{i} [y] (+ y {i}))", "(struct S{i} [u v])",
    "(def r{i} (ref {i}))", "(def pair{i} [r{i} {{:r r{i}}}])", "(* {i} 3)",
    "(defmacro m{i} [e] (list (symbol \"+\") e {i}))", "(def s{i} (gensym))",
    "(def cl{i} (let [k {i}] (fn [z] (+ z k))))", "(defn bad{i} [] (undefined-thing{i}))",
])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(STEPS, min_size=1, max_size=8), st.integers(0, 8))
# the same closure in two inputs: equal code objects, which once shared one FnInfo
@example(steps=["(def cl{i} (let [k {i}] (fn [z] (+ z k))))"] * 2, cut=0)
def test_restore_from_cache_or_source_gives_the_same_session(cache, tmp_path, steps, cut):
    """#9 items 2 and 3, the class: whatever the inputs, a session saved (at any point),
    restored with its code from the cache, and restored with an empty cache (compiled from
    its sources) are the same session as the one that was saved, and saving the restored
    one writes the same inputs."""
    repl = new_repl()
    texts = [t.format(i=i) for i, t in enumerate(steps)]
    for text in texts[:cut]:
        feed(repl, text, errors_ok=True)
    path = tmp_path / "s.tms"
    feed(repl, f":save {path}")
    for text in texts[cut:]:   # a restored session goes on as the saved one did
        feed(repl, text, errors_ok=True)
    feed(repl, f":save {path}")
    from_cache = restored(path)
    for entry in os.listdir(cache):
        os.remove(cache / entry)
    compiled = restored(path)
    assert snapshot(from_cache) == snapshot(compiled) == snapshot(repl)
    again = tmp_path / "again.tms"
    feed(compiled, f":save {again}")
    assert read_session_file(again.read_bytes(), "x")["inputs"] == \
        read_session_file(path.read_bytes(), "x")["inputs"]


def test_restore_takes_code_from_the_cache_and_compiles_only_on_a_miss(cache, tmp_path, monkeypatch):
    """#9 item 3: :save keeps the inputs' code in the local cache under a key computed from
    their sources; a restore compiles nothing when the key is there, everything otherwise."""
    repl = new_repl()
    feed(repl, "(defn f [n] (* n 2))", "(def v (f 21))", f":save {tmp_path / 's.tms'}")
    compiles = []
    original = Session.compile_unit

    def counting(self, text, path, mod, strict):
        if mod.name == "user":
            compiles.append(path)
        return original(self, text, path, mod, strict)
    monkeypatch.setattr(Session, "compile_unit", counting)
    assert feed(restored(tmp_path / "s.tms"), "(f v)") == "84\n"
    assert compiles == ["<repl-3>"]          # only the new input
    for entry in os.listdir(cache):
        os.remove(cache / entry)
    compiles.clear()
    assert feed(restored(tmp_path / "s.tms"), "(f v)") == "84\n"
    assert compiles == ["<repl-1>", "<repl-2>", "<repl-3>"]
    compiles.clear()
    assert feed(restored(tmp_path / "s.tms"), "v") == "42\n"   # the miss stored the code again
    assert compiles == ["<repl-3>"]


# -- a session file carries no code --------------------------------------------------------------

def _outer(path) -> PMap:
    return _read_outer(path.read_bytes())


def _write_outer(path, outer: PMap) -> None:
    """Serialize a (changed) outer layer: a valid checksum, as a forger would make."""
    path.write_bytes(serialize(Session(), outer))


def _canary_code(canary) -> bytes:
    """A marshaled code object that writes the canary when it runs."""
    return marshal.dumps(compile(f"open({str(canary)!r}, 'w').write('ran')", "<forged>", "exec"))


def test_a_session_file_holds_no_code(cache, tmp_path):
    """#9 item 3: the file holds each input's source and a digest of code hashes; not one
    byte of marshaled code."""
    repl = new_repl()
    feed(repl, "(defn f [n] (* n 2))", f":save {tmp_path / 's.tms'}")
    outer = _outer(tmp_path / "s.tms")
    assert outer.get(K("format")) == FORMAT == "turmeric-session/2"
    [[text, top, file, digest]] = outer.get(K("inputs"))
    assert (text, top, file, type(digest)) == ("(defn f [n] (* n 2))", 0, "<repl-1>", str)
    assert not any(type(v) is bytes for v in outer.values() if v is not outer.get(K("payload")))


@pytest.mark.parametrize("forged", [
    '(spit "{canary}" "ran")',                        # a top-level expression
    '(def boom (spit "{canary}" "ran"))',             # a def's value
    '(defn f [n] (spit "{canary}" "ran") n)',          # a function nobody calls
    '(do (struct Q [a]) (spit "{canary}" "ran"))',    # a do that is not all definitions
])
def test_forged_source_runs_no_expression_on_restore(cache, tmp_path, forged):
    """#9 item 3: a real session file whose saved source is replaced (checksum valid, the
    code digest forged to match or not) by one that writes a canary when run: restoring
    compiles that source (the cache has no code for it) and writes nothing."""
    canary = tmp_path / "canary"
    repl = new_repl()
    feed(repl, "(defn f [n] (* n 2))", "(def v 21)", f":save {tmp_path / 's.tms'}")
    outer = _outer(tmp_path / "s.tms")
    inputs = list(outer.get(K("inputs")))
    _text, top, file, digest = inputs[0]
    inputs[0] = vector([forged.format(canary=canary), top, file, digest])
    _write_outer(tmp_path / "s.tms", outer.assoc(K("inputs"), vector(inputs)))
    try:
        session, _state, _notes = restore_session(str(tmp_path / "s.tms"))
    except TurmericError as e:   # refusing cleanly is fine too: f changed its code
        assert e.kind in ("schema-mismatch", "deserialize"), e
    assert not canary.exists()


def test_old_session_files_with_code_are_refused_unrun(cache, tmp_path):
    """#9 item 3: a turmeric-session/1 file carried marshal bytes that restore ran. One whose
    code writes a canary is refused with a clear deserialize error, and writes nothing; so is
    a current file with a code object slipped into an input or beside the inputs."""
    canary = tmp_path / "canary"
    repl = new_repl()
    feed(repl, "(def v 1)", f":save {tmp_path / 's.tms'}")
    outer = _outer(tmp_path / "s.tms")
    [[text, top, file, _digest]] = outer.get(K("inputs"))
    old = outer.assoc(K("format"), "turmeric-session/1").assoc(
        K("inputs"), vector([vector([text, top, file, _canary_code(canary)])]))
    _write_outer(tmp_path / "old.tms", old)
    with pytest.raises(TurmericError) as e:
        restore_session(str(tmp_path / "old.tms"))
    assert e.value.kind == "deserialize"
    assert "saved by another version of Turmeric (session format turmeric-session/1" in e.value.message
    # a code object where the digest goes: the entry is not [source top file digest]
    _write_outer(tmp_path / "slot.tms", outer.assoc(
        K("inputs"), vector([vector([text, top, file, _canary_code(canary)])])))
    with pytest.raises(TurmericError, match="not \\[source top file digest\\]") as e:
        restore_session(str(tmp_path / "slot.tms"))
    assert e.value.kind == "deserialize"
    # a code object under a key restore does not know: ignored
    _write_outer(tmp_path / "extra.tms", outer.assoc(K("code"), _canary_code(canary)))
    session, _state, _ = restore_session(str(tmp_path / "extra.tms"))
    assert session.modules["user"].ns["g_v"] == 1
    assert not canary.exists()


def test_damaged_and_foreign_files_are_clear_deserialize_errors(cache, tmp_path):
    """#9 item 3: a corrupt body, a checkpoint instead of a session, a field of the wrong
    type, a format from a newer Turmeric: each a deserialize error naming the file."""
    repl = new_repl()
    feed(repl, "(def v 1)", f":save {tmp_path / 's.tms'}")
    good = (tmp_path / "s.tms").read_bytes()
    outer = _outer(tmp_path / "s.tms")
    cases = {
        "corrupt": good[:40] + bytes([good[40] ^ 0xFF]) + good[41:],
        "truncated": good[:-7],
        "checkpoint": serialize(Session(), vector([1, 2])),
        "text": b"(def v 1)\n",
    }
    for name, bad in [("inputs", "nope"), ("gensym", -3), ("payload", 7), ("search-path", vector([1]))]:
        cases[f"field-{name}"] = serialize(Session(), outer.assoc(K(name), bad))
    cases["newer"] = serialize(Session(), outer.assoc(K("format"), "turmeric-session/3"))
    for name, data in cases.items():
        path = tmp_path / f"{name}.tms"
        path.write_bytes(data)
        with pytest.raises(TurmericError) as e:
            restore_session(str(path))
        assert e.value.kind == "deserialize", (name, e.value)
        assert str(path) in e.value.message, (name, e.value.message)


def test_restore_of_a_damaged_file_keeps_the_session(cache, tmp_path):
    """:restore of a bad file says why and leaves the session as it was."""
    repl = new_repl()
    feed(repl, "(def v 5)")
    (tmp_path / "bad.tms").write_bytes(b"TMRC\x02\x00garbage")
    repl.handle(f":restore {tmp_path / 'bad.tms'}")
    repl.err.seek(0)
    assert "error[deserialize]" in repl.err.read()
    assert feed(repl, "(inc v)") == "6\n"


# -- gensym belongs to the session ---------------------------------------------------------------

def test_gensym_counter_belongs_to_the_session(cache):
    """#8: two sessions in one process count their gensyms apart."""
    one, two = Session(), Session()
    first = one.eval_string("(gensym) (gensym \"t\")")
    assert first == [Symbol("G__1"), Symbol("t2")]
    assert two.eval_string("(gensym)") == [Symbol("G__1")]
    assert one.eval_string("(gensym)") == [Symbol("G__3")]
    assert (one.gensym_counter.next, two.gensym_counter.next) == (4, 2)


def test_gensym_counter_is_saved_and_restored(cache, tmp_path):
    """#8: symbols gensym'd after a restore do not collide with ones made before the save,
    by --restore and by :restore."""
    repl = new_repl()
    before = [feed(repl, "(gensym)").strip() for _ in range(3)]
    feed(repl, f":save {tmp_path / 's.tms'}")
    feed(repl, "(gensym)", "(gensym)")    # made after the save: the restore goes back
    after = restored(tmp_path / "s.tms")
    made = [feed(after, "(gensym)").strip() for _ in range(3)]
    assert before == ["G__1", "G__2", "G__3"] and made == ["G__4", "G__5", "G__6"]
    feed(repl, f":restore {tmp_path / 's.tms'}")
    assert feed(repl, "(gensym \"x\")") == "x4\n"


def test_chain_key_depends_on_every_input():
    """The cache key of a session's code changes with any input's source, numbering or name,
    so code compiled from other source is never taken for it."""
    cache = ModuleCache()
    base = [("(def a 1)", 0, "<repl-1>"), ("(def b 2)", 1, "<repl-2>")]
    keys = {cache.chain_key("user", base),
            cache.chain_key("user", [base[0], ("(def b 3)", 1, "<repl-2>")]),
            cache.chain_key("user", [base[0], ("(def b 2)", 2, "<repl-2>")]),
            cache.chain_key("user", [base[0], ("(def b 2)", 1, "<repl-3>")]),
            cache.chain_key("user", base[:1]),
            cache.chain_key("other", base)}
    assert len(keys) == 6
