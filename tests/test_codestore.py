"""#10 item 4 (code kept by hash) and #15 item 2 (modules load only from the module path or
the code store): spec/serialization.md §6, §10; spec/cli.md (resume --code)."""
from __future__ import annotations

import contextlib
import os
import tempfile

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.data.errors import TurmericError
from turmeric.serialize import codestore, wire
from turmeric.serialize.decode import ext_hook
from turmeric.session.session import Session
from turmeric.session.versions import load_checkpoint
from conftest import no_python, tm

pytestmark = pytest.mark.usefixtures("scratch_cache")

LIB_V1 = "(module lib)\n(defn helper [x] (* x 10))\n"
APP = """(module app)
(import lib)
(defn work [n]
  (let [a (checkpoint "mid" (+ n 1))]
    (println "after" a (lib/helper a))
    a))
(println "result" (work 4))
"""


def ok(proc):
    no_python(proc)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def header_of(path) -> dict:
    return wire.unpack(path.read_bytes(), None, ext_hook)[0]


@pytest.fixture
def app(tmp_path, tm_env):
    (tmp_path / "lib.tm").write_text(LIB_V1, encoding="utf-8")
    (tmp_path / "app.tm").write_text(APP, encoding="utf-8")
    assert ok(tm(tm_env, tmp_path, "run", "app.tm")) == "after 5 50\nresult 5\n"
    return tmp_path


def test_item4_a_checkpoint_keeps_the_module_versions_it_names(app):
    """#10 item 4: the header names every module version by hash; each source is in
    .turmeric-code beside the checkpoint, under the hash of its text."""
    code = codestore.header_code(header_of(app / "checkpoint-mid.bin"))
    assert set(code) == {"app", "lib"}
    store = codestore.store_beside(str(app / "checkpoint-mid.bin"))
    assert store.get(code["lib"]) == LIB_V1 and store.get(code["app"]) == APP
    assert sorted(os.listdir(app / codestore.DIRNAME)) == sorted(h + ".tm" for h in code.values())


def test_item4_resume_code_saved_runs_the_saved_snapshot_callees_too(app, tm_env):
    """#10 item 4: after both files changed, --code saved runs the code the checkpoint was saved
    with, the callee in the other module included; --code current (the default) runs the
    new callee (work itself is unchanged)."""
    (app / "lib.tm").write_text("(module lib)\n(defn helper [x] (* x 1000))\n", encoding="utf-8")
    assert ok(tm(tm_env, app, "resume", "checkpoint-mid.bin")) == "after 5 5000\nresult 5\n"
    assert ok(tm(tm_env, app, "resume", "--code", "saved", "checkpoint-mid.bin")) == "after 5 50\nresult 5\n"
    # the suspended function itself changed: current refuses, saved still runs the old code
    (app / "app.tm").write_text(APP.replace('"after"', '"later"'), encoding="utf-8")
    proc = tm(tm_env, app, "resume", "checkpoint-mid.bin")
    assert proc.returncode == 1 and "app.work changed since" in proc.stderr
    assert ok(tm(tm_env, app, "resume", "--code", "saved", "checkpoint-mid.bin")) == "after 5 50\nresult 5\n"
    both = tm(tm_env, app, "resume", "--code", "saved", "--upgrade", "checkpoint-mid.bin")
    assert both.returncode == 64 and "cannot go with --code saved" in both.stderr


def test_item4_a_version_the_store_lacks_is_refused(app, tm_env):
    """#10 item 4: --code saved runs only code kept locally; a hash the store lacks is refused."""
    code = codestore.header_code(header_of(app / "checkpoint-mid.bin"))
    os.unlink(app / codestore.DIRNAME / (code["lib"] + ".tm"))
    proc = tm(tm_env, app, "resume", "--code", "saved", "checkpoint-mid.bin")
    no_python(proc)
    assert proc.returncode == 1 and "error[schema-mismatch]" in proc.stderr
    assert f"module lib: the version this checkpoint was saved with ({code['lib']}) is not in the code store" \
        in proc.stderr
    # a store file changed by hand is not run either
    (app / codestore.DIRNAME / (code["app"] + ".tm")).write_text(APP + "(println :evil)\n", encoding="utf-8")
    proc = tm(tm_env, app, "resume", "--code", "saved", "checkpoint-mid.bin")
    assert proc.returncode == 65 and "in the code store is corrupt" in proc.stderr and ":evil" not in proc.stdout


def test_item4_the_store_is_the_fallback_for_a_module_off_the_module_path(app, tm_env, tmp_path_factory):
    """#10 item 4, #15 item 2: a checkpoint copied to another folder (its code store with it)
    resumes on the saved code of a module the module path no longer has; the module file's
    old place, named in the bytes, is never opened."""
    other = tmp_path_factory.mktemp("elsewhere")
    for name in ("checkpoint-mid.bin",):
        (other / name).write_bytes((app / name).read_bytes())
    os.rename(app / codestore.DIRNAME, other / codestore.DIRNAME)
    assert ok(tm(tm_env, other, "resume", "checkpoint-mid.bin")) == "after 5 50\nresult 5\n"


def test_item4_no_write_after_the_first_of_a_module_version(tmp_path, monkeypatch):
    """#10 item 4: a process writes each module version once; later checkpoints only name it."""
    (tmp_path / "loop.tm").write_text(
        '(module loop)\n(defn go [] (doseq [i (range 3)] (checkpoint (str "c" i) i)))\n(go)\n', encoding="utf-8")
    writes = []
    real = codestore.atomic_write
    monkeypatch.setattr(codestore, "atomic_write", lambda p, d: (writes.append(p), real(p, d)))
    with contextlib.chdir(tmp_path):
        s = Session(module_path=[str(tmp_path)])
        s.run(lambda: s.load_file(str(tmp_path / "loop.tm"), name="loop"))
    assert len(writes) == 1      # loop.tm's one version; core is part of Turmeric
    assert {f for f in os.listdir(tmp_path) if f.endswith(".bin")} == {"checkpoint-c0.bin", "checkpoint-c1.bin",
                                                                        "checkpoint-c2.bin"}


EVIL = '(module flow)\n(defmacro boom [] (do (spit "{canary}" "macro ran") nil))\n(boom)\n(defn f [] 1)\n'


def test_item2_bytes_naming_a_file_elsewhere_never_compile_it(tmp_path):
    """#15 item 2: neither the saved path nor a code hash in the bytes makes the reader compile
    a .tm file outside the module path and the checkpoint's own code store, even one that is
    the source of the hash and sits in a code store of its own elsewhere."""
    evil_dir = tmp_path / "evil"
    canary = tmp_path / "canary.txt"
    text = EVIL.replace("{canary}", str(canary))
    evil_store = codestore.CodeStore(str(evil_dir / codestore.DIRNAME))
    h = codestore.source_hash(text)
    evil_store.put(h, text)
    (evil_dir / "flow.tm").write_text(text, encoding="utf-8")
    here = tmp_path / "here"
    here.mkdir()
    for saved in (str(evil_dir / "flow.tm"), str(here / ".." / "evil" / "flow.tm")):
        data = wire.pack([{"turmeric": "0.1.0", "modules": [["flow", None, saved]], "code": [["flow", h]]},
                          [[7, 0, "flow.f", "0" * 16]], wire.msgpack.ExtType(0, (0).to_bytes(4, "big"))])
        (here / "k.bin").write_bytes(data)
        for mode in ("current", "saved"):
            s = Session(module_path=[str(here)])
            with pytest.raises(TurmericError) as e:
                load_checkpoint(s, str(here / "k.bin"), data, code=mode)
            assert e.value.kind == "schema-mismatch", e.value
        assert not canary.exists()


def test_item4_code_never_comes_from_the_payload(tmp_path):
    """#10 item 4, spec §10: a "code" entry holding source text instead of a hash is ignored."""
    canary = tmp_path / "canary.txt"
    header = {"turmeric": "0.1.0", "modules": [["flow", None, None]],
              "code": [["flow", EVIL.replace("{canary}", str(canary))]]}
    assert codestore.header_code(header) == {}
    data = wire.pack([header, [[7, 0, "flow.f", "0" * 16]], wire.msgpack.ExtType(0, (0).to_bytes(4, "big"))])
    s = Session(module_path=[str(tmp_path)])
    with pytest.raises(TurmericError) as e:
        load_checkpoint(s, str(tmp_path / "k.bin"), data)
    assert "not on the module path" in e.value.message and not canary.exists()


@settings(max_examples=30, deadline=None)
@given(st.text(max_size=300), st.data())
def test_the_store_gives_back_exactly_what_it_was_given(text, data):
    """#10 item 4, the class: any source text is kept under its hash and read back the same; a
    name that is not a hash finds nothing; a changed file is refused, never run."""
    with tempfile.TemporaryDirectory() as d:
        store = codestore.CodeStore(os.path.join(d, codestore.DIRNAME))
        h = codestore.source_hash(text)
        store.put(h, text)
        assert store.get(h) == text
        assert store.get(data.draw(st.text(max_size=40).filter(lambda s: not codestore.SOURCE_HASH.fullmatch(s)))) \
            is None
        with open(store.path(h), "ab") as f:
            f.write(b";")
        with pytest.raises(TurmericError) as e:
            store.get(h)
        assert e.value.kind == "deserialize"
