"""Turmeric against plain Python: the same algorithms, timed in one run.

    python bench/run.py [--quick] [--reps N] [--json FILE]

Each Turmeric program in bench/programs/ defines a function. The module is loaded once
(`Session().load_file`), then only the call is timed, on the machine's trampoline
(`machine.run(fn, args)`), exactly as a top-level form runs. The Python side is the
idiomatic equivalent in bench/pyref.py. Every row reports the median of the repetitions
(default 5, --quick 2); a call faster than 50 ms is repeated within one repetition until the
repetition takes about 50 ms, and the time per call is reported. Turmeric and Python
repetitions are interleaved so that a change in the machine's load hits both. Before
timing, each pair runs once and the two results are compared, so a wrong answer is reported
instead of a misleading time. The garbage collector stays on (a gc.collect() before each
repetition), since allocation is part of what a program costs. In-process rows are timed in
CPU time of this process (time.process_time), which other processes on a shared machine
disturb far less than wall time; TURMERIC_BENCH_CLOCK=wall switches to wall time. Startup
rows are wall time of new processes, with their CPU time in the note.

See docs/performance.md for the measured table and what it means.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PROGRAMS = BENCH / "programs"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import pyref  # noqa: E402
from turmeric.runtime import machine  # noqa: E402
from turmeric.data.names import mangle  # noqa: E402
from turmeric.data.values import vector  # noqa: E402
from turmeric.session.session import Session  # noqa: E402

machine.allow_deep_python_stack()   # as the command line does

TARGETS = {
    "median": 2.0,        # median ratio over the rows without continuations
    "fib": 1.6,
    "tak": 1.6,
    "max": 6.0,           # no row without continuations worse than this
    "gen_us": 10.0,       # generator: microseconds per element
    "gen_linear": 1.5,    # per-element cost at 10^5 over 10^4 (1.0 = perfectly linear)
    "capture_us": 1.25,   # capture+resume: microseconds per frame ("about 1 us")
    "startup_ms": 300.0,  # hello world, warm compile cache
}


# -- loading and calling Turmeric -------------------------------------------------------------

class Turmeric:
    """One session with the bench programs loaded on demand."""

    def __init__(self):
        self.session = Session()

    def fn(self, module: str, name: str) -> Callable:
        mod = self.session.modules.get(module)
        if mod is None:
            mod = self.session.load_file(str(PROGRAMS / f"{module}.tm"), name=module)
        return mod.ns["g_" + mangle(name)]

    def call(self, f: Callable, args: tuple) -> Any:
        """f(*args) as a top-level form runs it: on the trampoline, under a prompt."""
        return self.session.run(machine.run, f, args)


# CPU time of this process, not wall time: on a shared machine a process that is scheduled
# out does not count the other processes' time (set TURMERIC_BENCH_CLOCK=wall for wall time)
CLOCK = time.perf_counter if os.environ.get("TURMERIC_BENCH_CLOCK") == "wall" else time.process_time


def timed(thunk: Callable[[], Any], number: int = 1) -> float:
    """Seconds per call of thunk, over `number` calls in a row (after a gc.collect)."""
    gc.collect()
    t0 = CLOCK()
    for _ in range(number):
        thunk()
    return (CLOCK() - t0) / number


MIN_SAMPLE = 0.05   # seconds: a fast call is repeated until one sample takes about this long


def calls_per_sample(thunk: Callable[[], Any]) -> int:
    t = timed(thunk)
    return max(1, min(1000, int(MIN_SAMPLE / max(t, 1e-9))))


# -- the rows -------------------------------------------------------------------------------

@dataclass
class Case:
    name: str
    module: str           # bench/programs/MODULE.tm
    fn: str               # the Turmeric function
    tm_args: Callable[[], tuple]
    py_fn: Callable | None
    py_args: Callable[[], tuple]
    kind: str = "plain"   # plain (counts for the median) | generator | capture | extra
    per: int = 0          # elements or frames, for a per-item cost
    to_py: Callable = lambda v: v


def _vec(n):
    return lambda: (vector(range(n)),)


def _lst(n):
    return lambda: (list(range(n)),)


N = 10 ** 5


def cases() -> list[Case]:
    return [
        Case("fib 27", "fib", "fib", lambda: (27,), pyref.fib, lambda: (27,)),
        Case("tak 18 12 6", "tak", "tak", lambda: (18, 12, 6), pyref.tak, lambda: (18, 12, 6)),
        Case("nqueens 8", "nqueens", "nqueens", lambda: (8,), pyref.nqueens, lambda: (8,)),
        Case("sum to 10^6 (tail rec.)", "sum", "sum-to", lambda: (10 ** 6, 0), pyref.sum_to,
             lambda: (10 ** 6,)),
        Case("map 10^5", "map", "map-squares", _vec(N), pyref.map_squares, _lst(N), to_py=list),
        Case("filter 10^5", "filter", "multiples-of-3", _vec(N), pyref.multiples_of_3, _lst(N),
             to_py=list),
        Case("reduce 10^5", "reduce", "sum-squares", _vec(N), pyref.sum_squares, _lst(N)),
        Case("string join 10^5", "strings", "join-numbers", _vec(N), pyref.join_numbers, _lst(N)),
        Case("maps and sets 10^5", "maps", "map-ops", _vec(N), pyref.map_ops, _lst(N), to_py=list),
        Case("generator 10^5 (shift)", "generator", "gen-sum", lambda: (N,), pyref.gen_sum,
             lambda: (N,), kind="generator", per=N),
        Case("capture+resume 1000 deep", "capture", "capture-resume", lambda: (1000,), None,
             lambda: (), kind="capture", per=1000),
        # not a target: plain non-tail recursion deeper than codegen.DEPTH_LIMIT (1000 calls),
        # where the Python stack moves to the heap every 1000 calls
        Case("recursion 10^4 deep (extra)", "capture", "descend-plain", lambda: (10 ** 4,),
             pyref.descend, lambda: (10 ** 4,), kind="extra", per=10 ** 4),
    ] + chain_cases()


def chain_cases() -> list[Case]:
    """Issue #14: a builtin passed as a value to reduce, over map and filter with user
    functions, against functools.reduce(operator.add, map(f, filter(g, xs)), 0)."""
    return [
        Case("reduce+map+filter 10^5", "chain", "sum-chain", _vec(N), pyref.sum_chain, _lst(N)),
    ]


@dataclass
class Row:
    name: str
    kind: str
    tm: float                  # seconds, median
    py: float | None           # seconds, median
    tm_all: list = field(default_factory=list)
    py_all: list = field(default_factory=list)
    per: int = 0
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.tm / self.py if self.py else None


def check(case: Case, tm_value, py_value):
    got = case.to_py(tm_value)
    if got != py_value:
        raise SystemExit(f"bench: {case.name}: Turmeric returned {str(got)[:80]!r}, "
                         f"Python {str(py_value)[:80]!r}")


def run_case(tm: Turmeric, case: Case, reps: int) -> Row:
    f = tm.fn(case.module, case.fn)
    targs = case.tm_args()
    pargs = case.py_args()
    tv = tm.call(f, targs)                      # one untimed run: warms up, checks the answer
    if case.py_fn is not None:
        check(case, tv, case.py_fn(*pargs))
    t_call = lambda: tm.call(f, targs)          # noqa: E731
    p_call = lambda: case.py_fn(*pargs)         # noqa: E731
    t_n = calls_per_sample(t_call)
    p_n = calls_per_sample(p_call) if case.py_fn is not None else 0
    t_times, p_times = [], []
    for _ in range(reps):                       # interleaved: load changes hit both sides
        t_times.append(timed(t_call, t_n))
        if case.py_fn is not None:
            p_times.append(timed(p_call, p_n))
    t = statistics.median(t_times)
    p = statistics.median(p_times) if p_times else None
    row = Row(case.name, case.kind, t, p, t_times, p_times, case.per)
    if case.kind == "generator":
        row.note = f"{t / case.per * 1e6:.2f} us/element (Python {p / case.per * 1e6:.3f})"
    elif case.kind == "capture":
        row.note = capture_note(tm, reps, t, case.per)
    elif case.kind == "extra":
        row.note = f"{t / case.per * 1e6:.2f} us/call (Python {p / case.per * 1e6:.2f}); not in the summary"
    return row


def capture_note(tm: Turmeric, reps: int, t: float, depth: int) -> str:
    """The capture+resume time per frame, and its parts: capture alone, no capture at all,
    and capture+resume at half the depth (below the depth limit, so no depth unwind)."""
    both = tm.fn("capture", "capture-resume")
    only = tm.fn("capture", "capture-only")
    plain = tm.fn("capture", "plain")
    k = tm.call(only, (depth,))
    frames = len(k.frames)
    half = depth // 2
    def med(f, n):
        call = lambda: tm.call(f, (n,))         # noqa: E731
        number = calls_per_sample(call)
        return statistics.median(timed(call, number) for _ in range(reps))
    t_only, t_plain, t_half = med(only, depth), med(plain, depth), med(both, half)
    return (f"{t / depth * 1e6:.2f} us/frame (k: {frames} frames); capture alone "
            f"{t_only * 1e3:.2f} ms; no capture {t_plain * 1e3:.2f} ms; "
            f"{half} deep: {t_half / half * 1e6:.2f} us/frame")


def generator_linearity(tm: Turmeric, reps: int) -> dict:
    f = tm.fn("generator", "gen-sum")
    small, big = 10 ** 4, 10 ** 5
    tm.call(f, (small,))
    t_small, t_big = [], []
    for _ in range(max(reps, 3)):               # interleaved, like the rows
        t_small.append(timed(lambda: tm.call(f, (small,)), 3))
        t_big.append(timed(lambda: tm.call(f, (big,))))
    ts, tb = statistics.median(t_small), statistics.median(t_big)
    us_s, us_b = ts / small * 1e6, tb / big * 1e6
    return {"us_per_element_1e4": us_s, "us_per_element_1e5": us_b, "ratio": us_b / us_s}


# -- startup --------------------------------------------------------------------------------

def wall(cmd: list[str], env: dict) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of cmd in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{r.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return dt, cpu


def walls(cmd: list[str], env_of: Callable[[int], dict], reps: int) -> tuple[list, float]:
    """The wall times of reps runs, and the median CPU time."""
    runs = [wall(cmd, env_of(i)) for i in range(reps)]
    return [w for w, _ in runs], statistics.median(c for _, c in runs)


def startup(reps: int) -> list[Row]:
    """Cold processes: `python -m turmeric.cli run hello.tm` against `python -c pass`.

    Wall time (median), with the CPU time in the note, which a loaded machine disturbs
    less. Measured with Python's bytecode cache on (in a temporary PYTHONPYCACHEPREFIX, as
    an installed package has its .pyc files), once with a warm Turmeric compile cache and
    once with an empty one; and, when the environment sets PYTHONDONTWRITEBYTECODE (so that
    no .pyc exists and every process compiles turmeric's Python sources), also as it runs here.
    """
    hello = str(PROGRAMS / "hello.tm")
    run = [sys.executable, "-m", "turmeric.cli", "run", hello]
    nothing = [sys.executable, "-c", "pass"]
    base = dict(os.environ)
    for var in ("TURMERIC_DEBUG", "TURMERIC_CACHE", "PYTHONPYCACHEPREFIX"):
        base.pop(var, None)
    rows = []

    def row(name, times, cpu, py, py_cpu, note):
        rows.append(Row(name, "startup", statistics.median(times), statistics.median(py), times, py,
                        note=f"{note}; CPU {cpu * 1e3:.0f} ms vs {py_cpu * 1e3:.0f} ms"))

    with tempfile.TemporaryDirectory(prefix="turmeric-bench-") as tmp:
        pyc = dict(base, PYTHONPYCACHEPREFIX=os.path.join(tmp, "pyc"))
        pyc.pop("PYTHONDONTWRITEBYTECODE", None)
        warm = dict(pyc, TURMERIC_CACHE=os.path.join(tmp, "warm"))
        wall(nothing, pyc)
        wall(run, warm)                                   # fills both caches
        py, py_cpu = walls(nothing, lambda i: pyc, reps)
        t_warm, c_warm = walls(run, lambda i: warm, reps)
        t_empty, c_empty = walls(run, lambda i: dict(pyc, TURMERIC_CACHE=os.path.join(tmp, f"e{i}")),
                                 reps)
        row("startup hello (warm cache)", t_warm, c_warm, py, py_cpu, "vs python -c pass; .pyc present")
        row("startup hello (empty cache)", t_empty, c_empty, py, py_cpu,
            "compiles core.tm and hello.tm")
        if base.get("PYTHONDONTWRITEBYTECODE"):
            raw = dict(base, TURMERIC_CACHE=os.path.join(tmp, "warm"))
            py_raw, py_raw_cpu = walls(nothing, lambda i: raw, reps)
            t_raw, c_raw = walls(run, lambda i: raw, reps)
            row("startup hello (warm, no .pyc)", t_raw, c_raw, py_raw, py_raw_cpu,
                "as run here: PYTHONDONTWRITEBYTECODE=1")
    return rows


# -- report ---------------------------------------------------------------------------------

def fmt_ms(s: float | None) -> str:
    return "-" if s is None else f"{s * 1e3:.1f}" if s >= 0.01 else f"{s * 1e3:.2f}"


def table(rows: list[Row]) -> str:
    head = f"{'benchmark':<28} {'Turmeric ms':>12} {'Python ms':>10} {'ratio':>7}  note"
    lines = [head, "-" * len(head)]
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        lines.append(f"{r.name:<28} {fmt_ms(r.tm):>12} {fmt_ms(r.py):>10} {ratio:>7}  {r.note}")
    return "\n".join(lines)


def summary(rows: list[Row], lin: dict) -> tuple[str, dict]:
    plain = [r for r in rows if r.kind == "plain"]
    ratios = [r.ratio for r in plain]
    by = {r.name.split()[0]: r for r in rows}
    med, mx = statistics.median(ratios), max(ratios)
    worst = max(plain, key=lambda r: r.ratio).name
    gen = next(r for r in rows if r.kind == "generator")
    cap = next(r for r in rows if r.kind == "capture")
    warm = next(r for r in rows if r.name.startswith("startup hello (warm"))
    gen_us = gen.tm / gen.per * 1e6
    cap_us = cap.tm / cap.per * 1e6
    T = TARGETS
    checks = [
        ("median ratio (no continuations)", f"{med:.2f}x", f"<= {T['median']}x", med <= T["median"]),
        ("fib", f"{by['fib'].ratio:.2f}x", f"<= {T['fib']}x", by["fib"].ratio <= T["fib"]),
        ("tak", f"{by['tak'].ratio:.2f}x", f"<= {T['tak']}x", by["tak"].ratio <= T["tak"]),
        ("max ratio (no continuations)", f"{mx:.2f}x ({worst})", f"<= {T['max']}x", mx <= T["max"]),
        ("generator cost", f"{gen_us:.2f} us/element", f"<= {T['gen_us']} us", gen_us <= T["gen_us"]),
        ("generator linear (10^5 vs 10^4)", f"{lin['ratio']:.2f}x per element",
         f"<= {T['gen_linear']}x", lin["ratio"] <= T["gen_linear"]),
        ("capture+resume", f"{cap_us:.2f} us/frame", f"~1 us (<= {T['capture_us']})",
         cap_us <= T["capture_us"]),
        ("startup hello (warm cache)", f"{warm.tm * 1e3:.0f} ms", f"< {T['startup_ms']:.0f} ms",
         warm.tm * 1e3 < T["startup_ms"]),
    ]
    lines = [f"{'target':<34} {'measured':<28} {'goal':<16} result", "-" * 88]
    for what, got, goal, ok in checks:
        lines.append(f"{what:<34} {got:<28} {goal:<16} {'PASS' if ok else 'FAIL'}")
    data = {"median_ratio": med, "max_ratio": mx, "worst": worst,
            "checks": [{"target": w, "measured": g, "goal": o, "pass": ok} for w, g, o, ok in checks]}
    return "\n".join(lines), data


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 repetitions instead of 5")
    ap.add_argument("--reps", type=int, help="repetitions per row (default 5, --quick 2)")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = ap.parse_args(argv)
    reps = args.reps or (2 if args.quick else 5)

    print(f"Turmeric vs Python {platform.python_version()} on {platform.machine()}, "
          f"{os.cpu_count()} CPUs; median of {reps} runs", flush=True)
    tm = Turmeric()
    rows = []
    for case in cases():
        rows.append(run_case(tm, case, reps))
        print(f"  done: {case.name}", file=sys.stderr, flush=True)
    lin = generator_linearity(tm, reps)
    rows += startup(max(2 * reps, 5))
    print()
    print(table(rows))
    print()
    print(f"generator linearity: {lin['us_per_element_1e4']:.2f} us/element at 10^4, "
          f"{lin['us_per_element_1e5']:.2f} at 10^5: ratio {lin['ratio']:.2f}")
    print()
    text, data = summary(rows, lin)
    print(text)
    if args.json:
        out = {
            "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "python": platform.python_version(), "cpus": os.cpu_count(), "reps": reps,
            "rows": [{"name": r.name, "kind": r.kind, "turmeric_s": r.tm, "python_s": r.py,
                      "ratio": r.ratio, "turmeric_all_s": r.tm_all, "python_all_s": r.py_all,
                      "note": r.note} for r in rows],
            "generator_linearity": lin, "summary": data,
        }
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
