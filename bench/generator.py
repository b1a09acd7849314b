"""The cloneable-shift generator against a Python generator, in one run (issue #14).

    python bench/generator.py [--reps N] [--n N]

Two rows, Turmeric and Python alternating in the same run, medians of the repetitions:

* per element: bench/programs/generator.tm's gen-sum against bench/pyref.py's gen_sum, in
  this process, CPU time (time.process_time), as bench/run.py's generator row;
* whole process: `turmeric run bench/gen_process/generator.tm` against
  `python bench/gen_process/generator.py` (10^5 elements each), fresh processes with a
  warm compile cache and .pyc files present; wall time, with the CPU time of the children
  beside it.

It prints the Turmeric time, the Python time and the ratio of each row.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCH))

import pyref  # noqa: E402
from turmeric.data.names import mangle  # noqa: E402
from turmeric.runtime import machine  # noqa: E402
from turmeric.session.session import Session  # noqa: E402

machine.allow_deep_python_stack()


def cpu(f, n=1) -> float:
    gc.collect()
    t0 = time.process_time()
    for _ in range(n):
        f()
    return (time.process_time() - t0) / n


def per_element(reps: int, n: int) -> tuple[float, float]:
    session = Session()
    mod = session.load_file(str(BENCH / "programs" / "generator.tm"), name="generator")
    f = mod.ns["g_" + mangle("gen-sum")]

    def tm():
        return session.run(machine.run, f, (n,))

    assert tm() == pyref.gen_sum(n)
    inner = max(1, 200_000 // n)
    ts, ps = [], []
    for _ in range(reps):
        ts.append(cpu(tm))
        ps.append(cpu(lambda: pyref.gen_sum(n), inner * 10))
    return statistics.median(ts) / n, statistics.median(ps) / n


def child(cmd, env) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0 or r.stdout.strip() != b"4999950000":
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{r.stdout.decode()}{r.stderr.decode()}")
    return dt, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def whole_process(reps: int) -> tuple[tuple, tuple]:
    tm = [sys.executable, "-m", "turmeric.cli", "run", str(BENCH / "gen_process" / "generator.tm")]
    py = [sys.executable, str(BENCH / "gen_process" / "generator.py")]
    env = dict(os.environ)
    for var in ("TURMERIC_DEBUG", "TURMERIC_CACHE", "PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    with tempfile.TemporaryDirectory(prefix="turmeric-bench-gen-") as tmp:
        env["PYTHONPYCACHEPREFIX"] = os.path.join(tmp, "pyc")
        env["TURMERIC_CACHE"] = os.path.join(tmp, "cache")
        child(tm, env)                      # fills both caches
        child(py, env)
        t_runs, p_runs = [], []
        for _ in range(reps):
            t_runs.append(child(tm, env))
            p_runs.append(child(py, env))
    med = lambda runs, i: statistics.median(r[i] for r in runs)  # noqa: E731
    return (med(t_runs, 0), med(t_runs, 1)), (med(p_runs, 0), med(p_runs, 1))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--n", type=int, default=10 ** 5, help="elements of the in-process row")
    ap.add_argument("--in-process", action="store_true", help="only the per-element row")
    args = ap.parse_args(argv)
    t, p = per_element(args.reps, args.n)
    print(f"generator per element ({args.n} elements, CPU):  Turmeric {t * 1e6:.3f} us  "
          f"Python {p * 1e6:.3f} us  ratio {t / p:.1f}x")
    if args.in_process:
        return
    (tw, tc), (pw, pc) = whole_process(args.reps)
    print(f"generator whole process (10^5 elements, wall): Turmeric {tw * 1e3:.0f} ms  "
          f"Python {pw * 1e3:.0f} ms  ratio {tw / pw:.1f}x   "
          f"(CPU {tc * 1e3:.0f} ms vs {pc * 1e3:.0f} ms, {tc / pc:.1f}x)")


if __name__ == "__main__":
    main()
