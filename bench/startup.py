"""Start-up of `turmeric run hello.tm` against `python -c pass`, in CPU time, in one run.

    python bench/startup.py [--reps N] [--against DIR]

Each repetition starts, in turn, `python -c pass`, `python -m turmeric.cli run hello.tm` with
a warm compile cache, the installed console script (`turmeric run hello.tm`, when it is next
to this Python) with the same cache, and `python -m turmeric.cli run hello.tm` with an empty
compile cache (a new directory each time). The processes alternate, so a change in the
machine's load hits all of them, and each row is the median CPU time (user + system, from
getrusage of the children) of the repetitions, with the wall time beside it. Python's
bytecode cache is on (a temporary PYTHONPYCACHEPREFIX, as an installed package has its .pyc
files). It prints the Turmeric time, the Python time and their ratio.

--against DIR adds the same warm-cache run of another checkout of Turmeric (`git archive
COMMIT | tar -x -C DIR`), started in DIR so that its own package is imported: a before and
after in one run.

bench/run.py's startup rows measure the same commands in wall time; this one is for a shared
machine, where CPU time moves far less than wall time.
"""
from __future__ import annotations

import argparse
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
HELLO = str(BENCH / "programs" / "hello.tm")


def one(cmd: list[str], env: dict, cwd: Path = ROOT) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one run of cmd in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{r.stderr.decode()}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--against", metavar="DIR", help="another checkout, measured beside this one")
    args = ap.parse_args()
    base = dict(os.environ)
    for var in ("TURMERIC_DEBUG", "TURMERIC_CACHE", "PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE"):
        base.pop(var, None)
    script = Path(sys.executable).parent / "turmeric"
    with tempfile.TemporaryDirectory(prefix="turmeric-startup-") as tmp:
        pyc = dict(base, PYTHONPYCACHEPREFIX=os.path.join(tmp, "pyc"))
        warm = dict(pyc, TURMERIC_CACHE=os.path.join(tmp, "warm"))
        cases = {
            "python -c pass": ([sys.executable, "-c", "pass"], lambda i: pyc, ROOT),
            "python -m turmeric.cli run hello.tm (warm cache)":
                ([sys.executable, "-m", "turmeric.cli", "run", HELLO], lambda i: warm, ROOT),
            "python -m turmeric.cli run hello.tm (empty cache)":
                ([sys.executable, "-m", "turmeric.cli", "run", HELLO],
                 lambda i: dict(pyc, TURMERIC_CACHE=os.path.join(tmp, f"empty{i}")), ROOT),
        }
        if script.exists():
            cases["turmeric run hello.tm (console script, warm cache)"] = ([str(script), "run", HELLO],
                                                                           lambda i: warm, ROOT)
        if args.against:
            other = dict(pyc, TURMERIC_CACHE=os.path.join(tmp, "other"))
            cases[f"{args.against}: -m turmeric.cli run (warm cache)"] = (
                [sys.executable, "-m", "turmeric.cli", "run", HELLO], lambda i: other, Path(args.against))
        for cmd, env_of, cwd in cases.values():   # fills the bytecode and compile caches
            one(cmd, env_of(-1), cwd)
        cpu = {name: [] for name in cases}
        walls = {name: [] for name in cases}
        for i in range(args.reps):
            for name, (cmd, env_of, cwd) in cases.items():
                c, w = one(cmd, env_of(i), cwd)
                cpu[name].append(c)
                walls[name].append(w)
    py = statistics.median(cpu["python -c pass"])
    width = max(map(len, cases))
    print(f"{'command':<{width}} {'CPU ms':>8} {'wall ms':>8} {'ratio (CPU)':>12}")
    for name in cases:
        c = statistics.median(cpu[name])
        print(f"{name:<{width}} {c * 1e3:8.1f} {statistics.median(walls[name]) * 1e3:8.1f} {c / py:11.2f}x")
    print(f"({args.reps} repetitions, alternating; medians)")


if __name__ == "__main__":
    main()
