"""Start-up (#14, the start-up row): what a warm `turmeric run` loads and does, counted, never
timed; and the import order of the package (every module can be the first one imported)."""
from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import importlib.resources
import io
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.cli import main as cli_main
from turmeric.data.errors import TurmericError
from turmeric.runtime import errors_convert
from turmeric.runtime.errors_convert import _positional_shape, _signature_shape, arity_entry
from turmeric.session import modcache
from turmeric.session.session import Session
from turmeric.session.unit import stdlib_dir

ROOT = Path(__file__).resolve().parent.parent
HELLO = ROOT / "bench" / "programs" / "hello.tm"

pytestmark = pytest.mark.usefixtures("scratch_cache")


def all_modules() -> list[str]:
    """Every module of the turmeric package, by its import name."""
    out = []
    for p in sorted((ROOT / "turmeric").rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if parts[-1] != "__main__":   # `python -m turmeric.cli` runs it; importing it is harmless too
            out.append(".".join(parts))
    return out


# One interpreter imports what the package needs from outside (the standard library, lark,
# msgpack, ...), then forks a child per module that imports that module first: each child
# has no turmeric module loaded, as a fresh process, and pays only for turmeric's own code.
FIRST_IMPORTS = textwrap.dedent("""
    import importlib, os, sys, traceback
    modules = sys.argv[1:]
    outside = [m for m in sys.stdin.read().split() if m.split(".")[0] != "turmeric"]
    for m in outside:
        try:
            importlib.import_module(m)
        except Exception:
            pass
    failed = []
    for m in modules:
        pid = os.fork()
        if pid == 0:
            try:
                importlib.import_module(m)
                code = 0
            except BaseException:
                traceback.print_exc()
                code = 1
            sys.stderr.flush()
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            failed.append(m)
    print(" ".join(failed))
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a child per module")
def test_every_module_can_be_imported_first():
    """Regression (#14, the runtime's import cycle): runtime/lazy.py imported the machine,
    which imported errors_convert, which imported the builtins table, whose builtins import
    lazy.py; so `python -c "import turmeric.runtime.builtins.strings"` (or lazy, seqs, maps,
    higher_order, session.session, ...) failed in a fresh process with a partially
    initialized module. The class: every module of the package, imported first."""
    modules = all_modules()
    assert "turmeric.runtime.builtins.strings" in modules and len(modules) > 100
    # what the package imports from outside, as one interpreter that imports all of it finds
    listing = subprocess.run(
        [sys.executable, "-c", "import importlib, sys\nfor m in sys.argv[1:]: importlib.import_module(m)\n"
                               "print(' '.join(sys.modules))", *modules],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0, listing.stderr
    done = subprocess.run([sys.executable, "-c", FIRST_IMPORTS, *modules], input=listing.stdout,
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [], done.stderr


def test_strings_is_importable_in_a_fresh_process():
    """#14: the command from the issue, exactly."""
    done = subprocess.run([sys.executable, "-c", "import turmeric.runtime.builtins.strings"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- what a warm `turmeric run hello.tm` loads --------------------------------------------------

# Loaded only when used: the compiler's stages and lark (a cache miss), the serializer and
# msgpack (serialize, checkpoint, resume), the REPL, the workflow engine, the web, the
# large-map trie (immutables) and pyrsistent's Python types (only its C vector, pvectorc, is
# needed), and standard modules the warm path does without. turmeric.analyzer.toplevel is the one stage
# module a session imports (ModuleState, the base of its Module: a dataclass, no parser).
NOT_AT_START_UP = re.compile(
    r"(lark|msgpack|prompt_toolkit|waitress|psycopg|sqlite3|hashlib|_hashlib|hmac|tempfile|immutables|pyrsistent"
    r"|importlib\.resources|zipfile|shutil|socket|selectors|ssl"
    r"|turmeric\.(pipeline|reader|expander|cps|codegen|repl|web|workflow"
    r"|analyzer\.(?!toplevel$)|cli\.(?!main$|serve$)"
    r"|serialize\.(?!builtins$|format$)))(\..*)?")


def imported_modules(stderr: str) -> list[str]:
    """The modules that `python -X importtime` reports."""
    return [line.rsplit("|", 1)[1].strip() for line in stderr.splitlines()
            if line.startswith("import time:") and line.count("|") == 2][1:]


def warm_run(tm_env, *cmd: str) -> subprocess.CompletedProcess:
    env = dict(tm_env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = None
    for _ in range(2):   # the first run fills the compile cache
        done = subprocess.run([*cmd, "run", str(HELLO)], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout == "Hello, world!\n"
    return done


def test_a_warm_run_imports_only_what_it_needs(tm_env):
    """#14 (the start-up row): with the compile cache warm, `turmeric run hello.tm` loaded
    msgpack, the serializer, hashlib, tempfile, importlib.resources and the workflow package
    it never used (52 ms of imports, 4.5x `python -c pass` in all). The class: any module of
    NOT_AT_START_UP that the run imports."""
    done = warm_run(tm_env, sys.executable, "-X", "importtime", "-m", "turmeric.cli")
    loaded = imported_modules(done.stderr)
    assert "turmeric.session.session" in loaded and "turmeric.runtime.builtins.strings" in loaded
    assert [m for m in loaded if NOT_AT_START_UP.fullmatch(m)] == []


def test_the_stages_load_on_a_cache_miss(tm_env, tmp_path):
    """The other side of the lazy imports: an empty cache compiles, and serialize works."""
    env = dict(tm_env, TURMERIC_CACHE=str(tmp_path / "empty"))
    prog = tmp_path / "p.tm"
    prog.write_text('(println (count (serialize [1 2 3])))\n(println (deserialize (serialize {:a 1})))\n')
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "turmeric.cli", "run", str(prog)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == "{:a 1}"
    loaded = imported_modules(done.stderr)
    assert {"lark", "turmeric.pipeline", "msgpack", "turmeric.serialize.encode"} <= set(loaded)


# -- the garbage collector while the command line starts ---------------------------------------

GC_PROBE = textwrap.dedent("""
    import gc, sys
    collections = []
    gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info["generation"]))
    sys.argv = ["turmeric", "run", sys.argv[1]]
    from turmeric.cli.__main__ import script
    code = script()
    print(code, gc.isenabled(), gc.get_freeze_count() > 10000, collections.count(2))
""")


def test_the_script_starts_without_full_collections(tm_env):
    """#14: the collector's full passes over the start-up heap (modules, the core library),
    during start-up and again at exit, were 16 ms of the 80. The `turmeric` script (and
    python -m turmeric.cli) turns it off while it starts, then freezes what start-up made and
    turns it on for the program. Counted: no full collection in a warm hello world, the
    collector on, the start-up objects frozen."""
    warm_run(tm_env, sys.executable, "-m", "turmeric.cli")
    done = subprocess.run([sys.executable, "-c", GC_PROBE, str(HELLO)], cwd=ROOT, env=tm_env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "0 True True 0"


def test_main_in_process_leaves_the_collector_alone():
    """main() called by a test or a tool (not the script) does not touch the collector."""
    frozen, enabled = gc.get_freeze_count(), gc.isenabled()
    with contextlib.redirect_stdout(io.StringIO()) as out:
        assert cli_main.main(["run", str(HELLO)]) == 0
    assert out.getvalue() == "Hello, world!\n"
    assert (gc.get_freeze_count(), gc.isenabled()) == (frozen, enabled)


def test_the_console_script_is_the_same_entry():
    """pip's `turmeric` script calls cli/__main__.py's script(), as python -m turmeric.cli does."""
    text = (ROOT / "pyproject.toml").read_text()
    assert re.search(r'^turmeric = "turmeric\.cli\.__main__:script"$', text, re.M)


# -- the command line: the fast and the partial parsers read it as the whole one ----------------

def parse_outcome(parse, argv: list[str]):
    """What a parser makes of argv: the namespace, or the exit code and the output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            return ("ok", vars(parse(argv)))
        except SystemExit as e:
            return ("exit", e.code, out.getvalue(), err.getvalue())


TOKENS = ["run", "resume", "inspect", "compile", "check", "gc-blobs", "repl", "workflow", "worker",
          "serve", "start", "send", "list", "x.tm", "a", "", "1", "-1", "-", "--", "-h", "--help", "-x",
          "--value", "--code", "saved", "--json", "--full", "--dump", "python", "cps", "--dry-run",
          "--min-age", "--restore", "--port", "--store", "bogus", "a b", "--value=2"]


@functools.lru_cache(maxsize=1)
def whole_parser() -> argparse.ArgumentParser:
    return cli_main.build_parser()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=6))
def test_the_command_line_reads_as_the_whole_parser_reads_it(argv):
    """#14: `run FILE ARGS` is read without argparse, and other commands with a parser of
    that command only (building all of them cost 3 ms, argparse's first use 4 ms). The
    class: for any command line, the same namespace, or the same exit and messages."""
    assert parse_outcome(cli_main.parse_command_line, argv) == \
        parse_outcome(lambda a: whole_parser().parse_args(a), argv)


def test_a_run_with_a_dash_argument_is_still_a_usage_error():
    """Examples of the property above: an option after the file is argparse's business."""
    whole = parse_outcome(lambda a: cli_main.build_parser().parse_args(a), ["run", "x.tm", "-x"])
    assert whole[:2] == ("exit", 64) and "unrecognized arguments: -x" in whole[3]
    assert parse_outcome(cli_main.parse_command_line, ["run", "x.tm", "-x"]) == whole
    assert parse_outcome(cli_main.parse_command_line, ["run", "x.tm", "a", "b"]) == \
        ("ok", {"command": "run", "file": "x.tm", "args": ["a", "b"]})


# -- builtin arities without inspect.signature -----------------------------------------------------

def signature_entry(name: str, f):
    """arity_entry as it was, through inspect.signature."""
    target = getattr(f, "tm_pure", f)
    if getattr(target, "__code__", None) is None:
        return None
    shape = _signature_shape(target)
    if shape is None:
        return None
    fixed, first = shape
    return name, fixed - (first == "d"), int(first == "d")


def test_every_builtin_arity_is_what_inspect_says():
    """#14: the ~600 builtins' arities were computed with inspect.signature in every
    Session() (5 ms of start-up); now from their code objects. The class, part 1: every
    builtin and core function of a session agrees with inspect.signature."""
    session = Session()
    pairs = list(session.pure.items()) + list(session.core.items())
    assert len(pairs) > 500
    for name, f in pairs:
        assert arity_entry(name, f) == signature_entry(name, f), name


PARAM_NAMES = ["d", "x", "y", "self", "coll", "n"]


@st.composite
def signatures(draw):
    """Python parameter lists: positional-only, positional, defaults, *args, keyword-only
    (with and without defaults), **kwargs."""
    names = iter(draw(st.permutations(PARAM_NAMES + ["p6", "p7", "p8", "p9", "p10", "p11"])))
    posonly = [next(names) for _ in range(draw(st.integers(0, 2)))]
    pos = [next(names) for _ in range(draw(st.integers(0, 3)))]
    n_defaults = draw(st.integers(0, len(posonly) + len(pos)))
    params = [p + ("=0" if i >= len(posonly) + len(pos) - n_defaults else "")
              for i, p in enumerate(posonly + pos)]
    if posonly:
        params.insert(len(posonly), "/")
    star = draw(st.sampled_from(["", "*", "*args"]))
    kwonly = [next(names) + draw(st.sampled_from(["", "=1"])) for _ in range(draw(st.integers(0, 2)))] \
        if star else []
    if star:
        params.append(star if star != "*" or kwonly else "*args")
        params += kwonly
    if draw(st.booleans()):
        params.append("**kw")
    return ", ".join(params)


@settings(max_examples=300, deadline=None)
@given(signatures(), st.sampled_from(["function", "method", "wrapped", "lambda"]))
def test_arity_from_the_code_object_is_what_inspect_says(params, kind):
    """#14, the class, part 2: for any parameter list, as a function, a bound method, a
    functools.wraps wrapper or a lambda, the shape read from the code object (arity_entry's
    fast path) is inspect.signature's."""
    ns: dict = {}
    exec(f"def f({params}): pass\nclass C:\n    def m({params}): pass\nl = lambda {params}: 0\n", ns)
    if kind == "function":
        f = ns["f"]
    elif kind == "lambda":
        f = ns["l"]
    elif kind == "wrapped":
        f = functools.wraps(ns["f"])(lambda *a, **k: ns["f"](*a, **k))
    else:
        f = ns["C"]().m
    assert _positional_shape(f) == _signature_shape(f), params


def test_an_arity_error_caught_without_a_session_names_the_builtin():
    """The tables for errors converted without a code map (a `try` that catches a wrong
    call) now register themselves with errors_convert instead of being imported by it."""
    assert errors_convert._BUILTIN_TABLES, "the builtins' tables registered themselves"
    session = Session()
    got = session.eval_string("(try (inc 1 2) (catch e (ex-message e)))")
    assert got == ["inc takes 1 argument, got 2"]
    got = session.eval_string("(try (map) (catch e (ex-message e)))")
    assert got and "map" in got[0] and "map_" not in got[0]


def test_a_session_names_its_builtins_at_the_first_arity_error():
    """#14: Session() no longer makes the table of ~600 builtin arities; the first arity
    error does, and it names the builtin (as a wrong call outside a try reports it)."""
    session = Session()
    assert session.codemap._builtin_arity is None and len(session.codemap.builtins) > 500
    with pytest.raises(TurmericError) as e:
        session.eval_string("(inc 1 2)")
    assert e.value.kind == "arity" and e.value.message == "inc takes 1 argument, got 2"
    assert session.codemap._builtin_arity is not None


def test_the_arity_table_reads_no_signature(monkeypatch):
    """#14: a Session() never calls inspect.signature (counted)."""
    calls = []
    real = errors_convert.inspect.signature
    monkeypatch.setattr(errors_convert.inspect, "signature", lambda *a, **k: calls.append(a) or real(*a, **k))
    Session()
    assert calls == []


# -- the compile cache and the standard library's folder ---------------------------------------

def test_the_cache_writes_its_entries_whole(tmp_path, monkeypatch):
    """The cache no longer uses tempfile (3 ms of start-up): an entry is written to a new file
    of its own and renamed, and nothing is left behind."""
    monkeypatch.setenv("TURMERIC_CACHE", str(tmp_path / "c"))
    first = Session()
    assert first.modules["core"].ns
    files = sorted(p.name for p in (tmp_path / "c").iterdir())
    assert files and all(f.endswith(".tmc") for f in files)
    second = Session()      # from the cache
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == files
    assert second.eval_string("(+ 1 2)") == [3]


def test_a_cache_entry_that_cannot_be_written_is_skipped(tmp_path, monkeypatch):
    """A cache folder that cannot be created (here: a file is in the way) only costs the
    cache; the program still runs."""
    (tmp_path / "c").write_text("not a folder")
    monkeypatch.setenv("TURMERIC_CACHE", str(tmp_path / "c"))
    assert Session().eval_string("(inc 41)") == [42]


def test_the_compiler_hash_follows_the_compiler_files():
    """compiler_hash (os.scandir now, not rglob) still covers every .py file of the package
    and every .tm file of the standard library."""
    py = [rel for rel, _ in modcache._files(str(ROOT / "turmeric"), ".py")]
    assert sorted(py) == py and "session/modcache.py" in py and "runtime/builtins/strings.py" in py
    assert len(py) == len(list((ROOT / "turmeric").rglob("*.py")))
    tm = [rel for rel, _ in modcache._files(str(stdlib_dir()), ".tm")]
    assert "core.tm" in tm


def test_the_stdlib_folder_is_the_package_s():
    """stdlib_dir() is the folder importlib.resources finds for turmeric.stdlib, when the
    imported turmeric has that package (an editable install maps it onto stdlib/); the
    checkout's stdlib/ when it has not (the suite run from a checkout beside a non-editable
    install, as .ci/run does: the checkout's turmeric/ is the one imported)."""
    try:
        expected = Path(str(importlib.resources.files("turmeric.stdlib")))
    except ModuleNotFoundError:
        expected = ROOT / "stdlib"
    assert stdlib_dir() == expected
    assert (stdlib_dir() / "core.tm").is_file()
