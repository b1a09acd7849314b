"""The benchmark programs in bench/programs/ compute the right answers (on small inputs),
and the cloneable-shift generator stays linear.

The answers come from the plain-Python versions in bench/pyref.py, which bench/run.py
times against the Turmeric ones. The linearity tests count operations (frames held by the
captured continuations, Python lines executed), never wall time, so a loaded machine cannot
make them fail.
"""
from __future__ import annotations

import sys

import pytest

from conftest import ROOT

BENCH = ROOT / "bench"
PROGRAMS = BENCH / "programs"
sys.path.insert(0, str(BENCH))

import pyref  # noqa: E402
from turmeric.runtime import machine  # noqa: E402
from turmeric.data.names import mangle  # noqa: E402
from turmeric.data.values import Continuation, vector  # noqa: E402
from turmeric.session.session import Session  # noqa: E402


@pytest.fixture(scope="module")
def session():
    return Session(cache=False)


def tm_fn(session, module: str, name: str):
    mod = session.modules.get(module)
    if mod is None:
        mod = session.load_file(str(PROGRAMS / f"{module}.tm"), name=module)
    return mod.ns["g_" + mangle(name)]


def call(session, module: str, name: str, *args):
    """Call a bench function as bench/run.py does: on the trampoline, under a prompt."""
    return session.run(machine.run, tm_fn(session, module, name), args)


SMALL = [3, 0, 1, 2, 3, 10, 100]


# module, function, Turmeric arguments, expected value
CASES = [
    ("fib", "fib", (15,), 610),
    ("fib", "fib", (0,), 0),
    ("fib", "fib", (1,), 1),
    ("tak", "tak", (12, 8, 4), pyref.tak(12, 8, 4)),
    ("tak", "tak", (18, 12, 6), pyref.tak(18, 12, 6)),
    ("nqueens", "nqueens", (6,), 4),
    ("nqueens", "nqueens", (5,), 10),
    ("nqueens", "nqueens", (1,), 1),
    ("sum", "sum-to", (1000, 0), 500500),
    ("sum", "sum-to", (0, 0), 0),
    ("generator", "gen-sum", (100,), 4950),
    ("generator", "gen-sum", (0,), 0),
    ("generator", "gen-sum", (1,), 0),
    ("capture", "capture-resume", (50,), 50),
    ("capture", "capture-resume", (0,), 0),
    ("capture", "plain", (50,), 50),
    ("capture", "descend-plain", (3000,), 3000),   # deeper than the depth limit
]


@pytest.mark.parametrize("module,fn,args,expected", CASES,
                         ids=[f"{m}-{f}-{'-'.join(map(str, a))}" for m, f, a, _ in CASES])
def test_answers(session, module, fn, args, expected):
    assert call(session, module, fn, *args) == expected


# the higher-order programs take a vector; their Python versions a list
SEQ_CASES = [
    ("map", "map-squares", pyref.map_squares, list),
    ("filter", "multiples-of-3", pyref.multiples_of_3, list),
    ("reduce", "sum-squares", pyref.sum_squares, lambda v: v),
    ("strings", "join-numbers", pyref.join_numbers, lambda v: v),
    ("maps", "map-ops", pyref.map_ops, list),
    ("chain", "sum-chain", pyref.sum_chain, lambda v: v),
]


@pytest.mark.parametrize("module,fn,py,to_py", SEQ_CASES, ids=[c[0] for c in SEQ_CASES])
@pytest.mark.parametrize("n", [0, 1, 7, 100])
def test_sequence_answers(session, module, fn, py, to_py, n):
    got = call(session, module, fn, vector(range(n)))
    assert to_py(got) == py(list(range(n)))


def test_capture_holds_every_frame(session):
    k = call(session, "capture", "capture-only", 40)
    assert type(k) is Continuation
    assert 40 <= len(k.frames) <= 42   # 40 descend frames, plus the thunk's


def test_hello(session, capsys):
    session.load_file(str(PROGRAMS / "hello.tm"), name="hello")
    assert capsys.readouterr().out == "Hello, world!\n"


def test_every_program_is_tested():
    tested = {c[0] for c in CASES} | {c[0] for c in SEQ_CASES} | {"hello"}
    assert {p.stem for p in PROGRAMS.glob("*.tm")} == tested


def test_python_references():
    """The Python side of the benchmark answers the same as the Turmeric side."""
    assert pyref.fib(15) == 610
    assert pyref.nqueens(6) == 4 and pyref.nqueens(8) == 92
    assert pyref.sum_to(1000) == 500500
    assert pyref.gen_sum(100) == 4950
    assert pyref.descend(100) == 100


# -- the generator is linear -----------------------------------------------------------------

def test_generator_captures_a_constant_number_of_frames_per_element(session):
    """Each capture holds only the frames between the yield and its prompt, never the
    history of the walk: the frames captured grow exactly linearly with the elements."""
    small = call(session, "generator", "captured-frames", 1000)
    big = call(session, "generator", "captured-frames", 10000)
    assert 1000 <= small <= 5 * 1000          # a few frames per element
    assert abs(big - 10 * small) <= 50        # and the same few at every element


def _lines_executed(fn) -> int:
    """The number of Python lines executed by fn(): a count of operations, not a time."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(old)
    return count


def test_generator_work_is_linear(session):
    """All the Python code run per element, in the machine, the builtins and the generated
    code, is the same at every element: 10x the elements costs 10x the lines (a quadratic
    walk would cost 100x)."""
    def lines(n):
        return _lines_executed(lambda: call(session, "generator", "gen-sum", n))
    lines(10)   # warm: the first call of anything may take a different path
    small, big = lines(500), lines(5000)
    assert big <= 10.5 * small
    assert big >= 9 * small
