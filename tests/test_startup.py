"""Start-up (#14, the start-up row): what a session does at start-up, counted, never timed;
and the import order of the package (every module can be the first one imported)."""
from __future__ import annotations

import functools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.runtime import errors_convert
from turmeric.runtime.errors_convert import _positional_shape, _signature_shape, arity_entry
from turmeric.session.session import Session

ROOT = Path(__file__).resolve().parent.parent

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


def test_the_arity_table_reads_no_signature(monkeypatch):
    """#14: a Session() never calls inspect.signature (counted)."""
    calls = []
    real = errors_convert.inspect.signature
    monkeypatch.setattr(errors_convert.inspect, "signature", lambda *a, **k: calls.append(a) or real(*a, **k))
    Session()
    assert calls == []
