"""The structure the architecture issue (#8) asks for: one driver, and stages that agree."""
from __future__ import annotations

import ast
import gc
import subprocess
import sys
from pathlib import Path

from turmeric import pipeline
from turmeric.cli.main import DUMP_STAGES
from turmeric.data.values import Keyword, vector
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

ROOT = Path(__file__).resolve().parent.parent


def test_cli_dump_stages_are_the_pipeline_stages():
    assert DUMP_STAGES == pipeline.STAGES


def test_run_and_dump_agree_on_current_version(run_tm, tmp_path):
    """Regression (#8): `turmeric run` printed 3 while `compile --dump python` showed
    B_println(None), because the dump had its own copy of the driver."""
    f = tmp_path / "cv.tm"
    f.write_text("(module v :version 3)\n(println (current-version))\n")
    run = run_tm("run", str(f))
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode() == "3\n"
    dump = run_tm("compile", "--dump", "python", str(f))
    assert dump.returncode == 0, dump.stderr
    assert "B_println(3)" in dump.stdout.decode()
    assert "B_println(None)" not in dump.stdout.decode()


# -- the session is a value: no process-wide state that grows --------------------------------

def test_keywords_read_from_a_payload_are_not_kept_forever():
    """Regression (#8): deserializing 100,000 distinct keywords left 100,000 entries behind in
    process-wide interning tables for good."""
    session = Session(cache=False)
    data = serialize(session, vector([Keyword(f"kw-{i}") for i in range(100_000)]))
    gc.collect()
    before = len(Keyword._table)
    value = deserialize(session, data)
    assert len(value) == 100_000 and value[7] is Keyword("kw-7")   # interned while alive
    del value
    gc.collect()
    assert len(Keyword._table) <= before + 10


def test_a_session_leaves_the_recursion_limit_alone():
    """The process's recursion limit belongs to the program that owns the process (the
    command line sets it once), not to each Session."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(5000)
    try:
        Session(cache=False)
        assert sys.getrecursionlimit() == 5000
    finally:
        sys.setrecursionlimit(limit)


# -- the layers of the pipeline ---------------------------------------------------------------

def test_the_layers_hold():
    """pyproject.toml's import-linter contracts: each package imports only the packages below
    it (so no cycle between packages), the stages never import the runtime or the serializer,
    and those never import the stages."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "BROKEN" not in done.stdout and "0 broken" in done.stdout


def test_two_sessions_in_one_process_share_nothing(tmp_path):
    """Two sessions define the same names differently; a continuation serialized in one and
    read in the other runs the other's code, and neither session sees the other's globals,
    structs or macros (#8 item 5)."""
    def program(tag: str, factor: int) -> str:
        return f"""
(struct point [x y])
(defmacro tagged [] "{tag}")
(def scale {factor})
(defn step [n] (* (cloneable-shift [k] k) scale n))   ; scale is read after the resume
(def k (cloneable-reset (fn [] (step 2))))
"""
    one, two = Session(cache=False), Session(cache=False)
    for session, tag, factor in ((one, "one", 10), (two, "two", 100)):
        session.eval_string(program(tag, factor), module="shared")
    assert one.eval_string("(tagged)", module="shared") == ["one"]
    assert two.eval_string("(tagged)", module="shared") == ["two"]
    k_one = one.eval_string("k", module="shared")[0]
    # the same frame read by the other session resumes with that session's `scale`
    moved = deserialize(two, serialize(one, k_one))
    assert one.eval_string("(resume k 1)", module="shared") == [20]
    two.define_global("shared", "moved", moved)
    two.modules["shared"].globals.add("moved")   # so that later input may name it
    assert two.eval_string("(resume moved 1)", module="shared") == [200]
    # a struct value goes across as the other session's struct type
    p = one.eval_string("(point 1 2)", module="shared")[0]
    q = deserialize(two, serialize(one, p))
    assert q.stype is two.eval_string("point", module="shared")[0]
    assert q.stype is not p.stype
    # gensym and keyword state do not cross either
    assert one.core is not two.core and one.modules["shared"].ns is not two.modules["shared"].ns


def function_body_imports(path: Path) -> list[str]:
    """The imports inside function bodies of a source file that no comment explains as a
    start-up win (on the import's line, or in the comment just above it)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    out = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)):
                    if "start-up" not in explanation(lines, inner.lineno):
                        out.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {lines[inner.lineno - 1].strip()}")
    return out


def explanation(lines: list[str], lineno: int) -> str:
    """The import's own line, and the comment lines and imports just above it."""
    i = lineno - 1
    text = [lines[i]]
    while i > 0 and lines[i - 1].strip().startswith(("#", "from ", "import ")):
        i -= 1
        text.append(lines[i])
    return " ".join(text)


def test_no_imports_inside_function_bodies():
    """An import inside a function hides a dependency (the old code had ~160, holding an import
    cycle together). The only ones left are measured start-up wins, and a comment says so."""
    found = [x for p in sorted((ROOT / "turmeric").rglob("*.py")) for x in function_body_imports(p)]
    assert found == []
