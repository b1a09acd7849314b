"""Issue #9 items 4 and 5, and decode.py's messages: what a fresh process needs to read a
checkpoint (the instances and struct types of the saved program's modules, found like its
functions), and errors that say what is wrong without leaking Python.

Each regression test names its item; the property tests check the class behind it."""
from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.errors import TurmericError
from turmeric.data.values import StructValue, is_vector, vector
from turmeric.serialize import wire
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session
from conftest import no_python, tm

pytestmark = pytest.mark.usefixtures("scratch_cache")


# -- #9 item 4: a user's instances are in force when a fresh process reads the data ------------

FH_PROGRAM = """
(instance Resource-Serializable FileHandle
  (marshal [fh] (file-handle-path fh))
  (unmarshal [path] (open-file path)))

(defn reader [path]
  (def fh (open-file path))
  (println "first:" (read-line fh))
  (cloneable-shift [k] (write-file "fh.bin" (serialize k)) nil)
  (println "again:" (read-line fh))
  :done)

(cloneable-reset (fn [] (reader "data.txt")))
"""


def test_item4_resource_serializable_instance_is_used_by_resume(tmp_path, tm_env):
    """#9 item 4: the design note's FileHandle instance, a handle held across a shift,
    written by one process and resumed by a fresh one."""
    (tmp_path / "data.txt").write_text("one\ntwo\n", encoding="utf-8")
    (tmp_path / "fh.tm").write_text(FH_PROGRAM, encoding="utf-8")
    run = tm(tm_env, tmp_path, "run", "fh.tm")
    assert run.returncode == 0 and run.stdout == "first: one\n", run.stderr
    resumed = tm(tm_env, tmp_path, "resume", "fh.bin")
    no_python(resumed)
    # the instance's unmarshal reopened the path (at its start: that is what it does)
    assert (resumed.returncode, resumed.stdout) == (0, "again: one\n:done\n"), resumed.stderr
    inspected = tm(tm_env, tmp_path, "inspect", "--json", "fh.bin")
    report = json.loads(inspected.stdout)
    assert "note" not in report, report
    assert report["frames"][0]["locals"]["fh"].startswith("#<FileHandle data.txt")


LIB = """
(struct conn [id secret])
(instance Serializable conn
  (serialize [c] (:id c))
  (deserialize [id] (conn id "reopened")))
"""

APP = """
(import lib)
(defn hold [c]
  (cloneable-shift [k] (write-file "conn.bin" (serialize k)) nil)
  (str (:id c) "/" (:secret c)))
(cloneable-reset (fn [] (hold (lib/conn 7 "s3cret"))))
"""


def test_item4_serializable_instance_from_an_imported_module(tmp_path, tm_env):
    """#9 item 4: a Serializable instance defined in a module the frames' module imports;
    its module is in the module table, and the token (not the secret) is what was saved."""
    (tmp_path / "lib.tm").write_text(LIB, encoding="utf-8")
    (tmp_path / "app.tm").write_text(APP, encoding="utf-8")
    assert tm(tm_env, tmp_path, "run", "app.tm").returncode == 0
    assert b"s3cret" not in (tmp_path / "conn.bin").read_bytes()
    resumed = tm(tm_env, tmp_path, "resume", "conn.bin")
    no_python(resumed)
    assert (resumed.returncode, resumed.stdout) == (0, '"7/reopened"\n'), resumed.stderr
    report = json.loads(tm(tm_env, tmp_path, "inspect", "--json", "conn.bin").stdout)
    assert {m["name"] for m in report["modules"]} == {"app", "lib"}
    assert report["frames"][0]["locals"]["c"] == '(conn 7 "reopened")'


# The class: whatever needs a module's definitions (an instance's token, a struct, a struct
# type, a function, a closure), wherever it sits in the data (so in whatever order the records
# are built), a fresh session reads it.

MODEL = """
(struct pt [x y])
(struct tok [id])
(instance Serializable tok
  (serialize [t] (:id t))
  (deserialize [id] (tok (+ id 1000))))
(defn twice [x] (* 2 x))
(defn adder [n] (fn [x] (+ x n)))
"""

PIECES = {
    "token": ("(model/tok 5)", lambda v: isinstance(v, StructValue) and v.field_values() == (1005,)),
    "struct": ("(model/pt 1 2)", lambda v: isinstance(v, StructValue) and v.field_values() == (1, 2)),
    "type": ("model/pt", lambda v: getattr(v, "qualname", None) == "model.pt"),
    "fn": ("model/twice", lambda v: callable(v)),
    "closure": ("(model/adder 3)", lambda v: callable(v)),
    "data": ("[1 :a \"s\"]", lambda v: is_vector(v)),
}


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("model")
    (d / "model.tm").write_text(MODEL, encoding="utf-8")
    return d


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted(PIECES)), min_size=1, max_size=6), st.sampled_from(["vector", "map", "ref"]))
def test_item4_class_every_piece_reads_in_a_fresh_session(model_dir, names, wrap):
    writer = Session(module_path=[str(model_dir)])
    items = " ".join(PIECES[n][0] for n in names)
    src = {"vector": f"[{items}]", "ref": f"(ref [{items}])",
           "map": "{" + " ".join(f"{i} {PIECES[n][0]}" for i, n in enumerate(names)) + "}"}[wrap]
    value = writer.eval_string(f"(import model) {src}")[-1]
    data = serialize(writer, value)
    # knows nothing of model but its folder: the saved path never chooses the file (#15 item 2)
    reader = Session(module_path=[str(model_dir)])
    back = deserialize(reader, data)
    got = back.value if wrap == "ref" else [back.get(i) for i in range(len(names))] if wrap == "map" else back
    for n, v in zip(names, got):
        assert PIECES[n][1](v), (n, v)
    if "closure" in names:
        f = list(got)[names.index("closure")]
        assert reader.call(f, 4) == 7


# -- #9 item 5: struct types are resolved like functions -----------------------------------------

P1 = """
(struct Point [x y])
(defn work [p]
  (cloneable-shift [k] (write-file "p.bin" (serialize k)) nil)
  (+ (:x p) (:y p)))
(cloneable-reset (fn [] (work (Point 1 2))))
"""
P2 = '(println "resumed:" (resume (deserialize (read-file "p.bin")) nil))\n'


def test_item5_struct_from_a_module_beside_the_reading_script(tmp_path, tm_env):
    """#9 item 5: p1.tm saves a continuation holding a p1 struct; p2.tm, beside a copy of
    p1.tm in another folder, reads it after the original p1.tm is gone."""
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "p1.tm").write_text(P1, encoding="utf-8")
    assert tm(tm_env, a, "run", "p1.tm").returncode == 0
    shutil.copy(a / "p1.tm", b / "p1.tm")
    (b / "p2.tm").write_text(P2, encoding="utf-8")
    shutil.move(a / "p.bin", tmp_path / "p.bin")
    (a / "p1.tm").unlink()                     # the saved path holds nothing now
    proc = tm(tm_env, tmp_path, "run", "b/p2.tm")
    no_python(proc)
    assert (proc.returncode, proc.stdout) == (0, "resumed: 3\n"), proc.stderr


def test_item5_struct_only_payload_resolves_near_the_reading_script(tmp_path):
    """#9 item 5: data naming a struct of a module that its module table does not list (as
    written before this fix) is resolved from the reading program's folder."""
    (tmp_path / "p1.tm").write_text("(struct Point [x y])\n", encoding="utf-8")
    (tmp_path / "p2.tm").write_text("(def here 1)\n", encoding="utf-8")
    data = wire.pack([{"turmeric": "0.1.0", "modules": []}, [[4, "p1.Point", 2, 1, 2]],
                      wire.msgpack.ExtType(0, (0).to_bytes(4, "big"))])
    reader = Session()
    reader.load_file(str(tmp_path / "p2.tm"), program=True)
    back = deserialize(reader, data)
    assert back.stype.qualname == "p1.Point" and back.field_values() == (1, 2)


def test_item5_missing_module_has_its_own_message_and_hint(tmp_path, tm_env):
    """#9 item 5: a module that is nowhere is not 'the code changed'."""
    (tmp_path / "p1.tm").write_text(P1, encoding="utf-8")
    assert tm(tm_env, tmp_path, "run", "p1.tm").returncode == 0
    (tmp_path / "p1.tm").unlink()
    proc = tm(tm_env, tmp_path, "resume", "p.bin")
    no_python(proc)
    assert proc.returncode == 1
    first, hint = proc.stderr.splitlines()[:2]
    assert first == (f"error[schema-mismatch]: module p1 is not on the module path (it was at "
                     f"{tmp_path / 'p1.tm'} when the checkpoint was saved)")
    assert hint.startswith(f"hint: p1.tm was looked for in: {tmp_path}, ") and "changed" not in hint
    assert "TURMERIC_PATH" in hint and "stdlib" in hint


@pytest.mark.parametrize("where", ["saved-path", "checkpoint-folder", "cwd", "turmeric-path", "nowhere"])
def test_item5_class_struct_types_resolve_exactly_like_functions(tmp_path, tm_env, where):
    """For each place the module's file may be found (or none), a checkpoint whose only tie
    to the module is a struct value resolves exactly as one whose tie is a function."""
    src, ck, cwd, lib = (tmp_path / n for n in ("src", "ck", "cwd", "lib"))
    for d in (src, ck, cwd, lib):
        d.mkdir()
    (src / "shapes.tm").write_text("(struct sq [side])\n(defn area [s] (* (:side s) (:side s)))\n",
                                   encoding="utf-8")
    (src / "save.tm").write_text(
        '(import shapes)\n'
        '(write-file "../ck/struct.bin" (serialize (shapes/sq 3)))\n'
        '(write-file "../ck/fn.bin" (serialize shapes/area))\n', encoding="utf-8")
    assert tm(tm_env, src, "run", "save.tm").returncode == 0
    target = {"checkpoint-folder": ck, "cwd": cwd, "turmeric-path": lib}.get(where)
    if where != "saved-path":
        if target is not None:
            shutil.copy(src / "shapes.tm", target / "shapes.tm")
        (src / "shapes.tm").unlink()
    env = {"TURMERIC_PATH": str(lib)} if where == "turmeric-path" else {}
    results = []
    for name in ("struct.bin", "fn.bin"):
        proc = tm(tm_env, cwd, "inspect", "--json", str(ck / name), **env)
        no_python(proc)
        report = json.loads(proc.stdout)
        results.append(report.get("note"))
    if where in ("nowhere", "saved-path"):     # #15 item 2: the saved path alone finds nothing
        assert results[0] == results[1] and results[0].startswith(
            "schema-mismatch: module shapes is not on the module path"), results
    else:
        assert results == [None, None]


# -- decode.py's messages: no Python, the right hint -----------------------------------------------

def test_schema_mismatch_omits_versions_that_are_nil(tmp_path):
    """#9 (decode.py): `saved with version None, the code is version None` leaked Python."""
    (tmp_path / "m.tm").write_text("(defn f [] (+ 1 (cloneable-shift [k] k)))\n", encoding="utf-8")
    w = Session(module_path=[str(tmp_path)])
    data = serialize(w, w.eval_string("(import m) (cloneable-reset (fn [] (m/f)))")[-1])
    for new_src, expected in [("(defn f [] (+ 2 (cloneable-shift [k] k)))\n", "changed since the checkpoint"),
                              ("(defn g [] 1)\n", "no longer exists")]:
        (tmp_path / "m.tm").write_text(new_src, encoding="utf-8")
        with pytest.raises(TurmericError) as info:
            deserialize(Session(module_path=[str(tmp_path)]), data)
        msg = info.value.message
        assert expected in msg and "None" not in msg and "version" not in msg, msg
    (tmp_path / "m.tm").write_text("(module m :version 2)\n(defn g [] 1)\n", encoding="utf-8")
    with pytest.raises(TurmericError) as info:
        deserialize(Session(module_path=[str(tmp_path)]), data)
    assert info.value.message.endswith("no longer exists (the code is version 2)")


@pytest.mark.parametrize("signed, key, hint", [
    (True, None, "this checkpoint is signed: "),
    (True, "wrong", "the key differs from the one it was signed with, or the data was changed"),
    (False, "k", "it was written without a key"),
    (False, None, None),
])
def test_signature_errors_get_their_own_hint(signed, key, hint):
    s = Session()
    data = serialize(s, vector([1, 2]), "k" if signed else None)
    if hint is None:       # unsigned, no key: reads; a flipped byte is corruption
        assert list(deserialize(s, data)) == [1, 2]
        data = data[:12] + bytes([data[12] ^ 1]) + data[13:]
        hint = "the data is not a complete Turmeric checkpoint written by serialize"
    with pytest.raises(TurmericError) as info:
        deserialize(s, data, key)
    assert info.value.kind == "deserialize"
    assert info.value.hint.startswith(hint), info.value.hint


def test_resume_of_a_signed_file_says_it_is_signed(tmp_path, tm_env):
    (tmp_path / "s.tm").write_text('(write-file "s.bin" (serialize (cloneable-reset (fn [] (+ 1 (cloneable-shift [k] k)))) :key "k"))\n',
                                   encoding="utf-8")
    assert tm(tm_env, tmp_path, "run", "s.tm").returncode == 0
    proc = tm(tm_env, tmp_path, "resume", "s.bin")
    no_python(proc)
    assert proc.returncode == 65
    assert "hint: this checkpoint is signed: " in proc.stderr and "not a complete" not in proc.stderr
