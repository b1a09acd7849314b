"""#15 items 2 and 6 (spec/serialization.md §6, §10): a module the data names is loaded only
from the module path (the folders of the reading program's modules, the session's module
path - for resume and inspect the checkpoint's folder and the current folder -,
TURMERIC_PATH, the standard library) or the checkpoint's code store, never from a path the bytes give, so a payload cannot
make the reader compile (and run the macros of) an arbitrary local file; and a module file
whose (module ...) declaration was renamed is a schema-mismatch, not error[module]."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from turmeric.data.errors import TurmericError
from turmeric.runtime import machine
from turmeric.serialize import wire
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

machine.allow_deep_python_stack()
pytestmark = pytest.mark.usefixtures("scratch_cache")

EVIL = ('(defmacro boom [] (do (spit "{canary}" "macro ran") nil))\n(boom)\n'
        '(defn f [] 1)\n')


def payload_naming(module: str, path: str) -> bytes:
    """Data whose module table says `module` was at `path`, with a function of it."""
    return wire.pack([{"turmeric": "0.1.0", "modules": [[module, None, path]]},
                      [[7, 0, f"{module}.f", "0" * 16]], wire.msgpack.ExtType(0, (0).to_bytes(4, "big"))])


@pytest.mark.parametrize("hint", ["{dir}/flow.tm", "{dir}/sub/../flow.tm", "{dir}/other.tm"])
def test_item2_a_saved_path_does_not_choose_the_file_loaded(tmp_path, hint):
    """#15 item 2: the saved path (or one with ..) used to make the loader compile that file,
    running its macros."""
    evil_dir = tmp_path / "elsewhere"
    (evil_dir / "sub").mkdir(parents=True)
    canary = tmp_path / "canary.txt"
    for name in ("flow.tm", "other.tm"):
        (evil_dir / name).write_text(EVIL.replace("{canary}", str(canary)).replace("(defn f", "(module flow)\n(defn f")
                                     if name == "other.tm" else EVIL.replace("{canary}", str(canary)),
                                     encoding="utf-8")
    reader = Session(module_path=[str(tmp_path / "empty")])
    with pytest.raises(TurmericError) as e:
        deserialize(reader, payload_naming("flow", hint.format(dir=evil_dir)))
    assert e.value.kind == "schema-mismatch" and "not on the module path" in e.value.message
    assert not canary.exists()


def test_item2_the_module_path_is_still_used(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "flow.tm").write_text("(defn f [] 41)\n", encoding="utf-8")
    writer = Session(module_path=[str(lib)])
    data = serialize(writer, writer.eval_string("(import flow) flow/f")[-1])
    reader = Session(module_path=[str(lib)])
    assert reader.call(deserialize(reader, data)) == 41


def test_item6_a_renamed_module_declaration_is_a_schema_mismatch(tmp_path):
    """#15 item 6: (module skewed) in skew.tm gave error[module] (exit 66) on resume."""
    (tmp_path / "skew.tm").write_text(
        "(defn work [] (+ 1 (cloneable-shift [k] (write-file \"k.bin\" (serialize k)) 0)))\n"
        "(cloneable-reset (fn [] (work)))\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "turmeric.cli", "run", "skew.tm"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    text = (tmp_path / "skew.tm").read_text(encoding="utf-8")
    (tmp_path / "skew.tm").write_text("(module skewed)\n" + text, encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "turmeric.cli", "resume", "k.bin"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert "error[schema-mismatch]" in res.stderr and "declares (module skewed)" in res.stderr, res.stderr
    assert res.returncode == 1 and "Traceback" not in res.stderr


def test_item2_neither_resume_nor_inspect_opens_the_saved_path(tmp_path):
    """#15 item 2: the saved absolute path used to be a fallback for `turmeric resume`; now
    modules come only from the module path or the checkpoint's code store (tests/test_codestore.py),
    so a continuation serialized by hand, resumed from another folder, is refused."""
    src, run_dir = tmp_path / "src", tmp_path / "run"
    src.mkdir()
    run_dir.mkdir()
    (src / "job.tm").write_text(
        "(defn work [] (+ 1 (cloneable-shift [k] (write-file \"k.bin\" (serialize k)) 0)))\n"
        "(cloneable-reset (fn [] (work)))\n", encoding="utf-8")
    cli = [sys.executable, "-m", "turmeric.cli"]
    assert subprocess.run(cli + ["run", str(src / "job.tm")], cwd=run_dir, capture_output=True,
                          timeout=120).returncode == 0
    for command in (["inspect", "k.bin"], ["resume", "k.bin", "--value", "41"]):
        res = subprocess.run(cli + command, cwd=run_dir, capture_output=True, text=True, timeout=120)
        assert "not on the module path" in res.stdout + res.stderr and "Traceback" not in res.stderr
    res = subprocess.run(cli + ["resume", "k.bin", "--value", "41"], cwd=run_dir, capture_output=True, text=True,
                         timeout=120, env=dict(os.environ, TURMERIC_PATH=str(src)))
    assert res.returncode == 0 and res.stdout.strip() == "42", res.stderr
