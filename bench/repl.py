"""REPL costs: cold start of `turmeric repl` (piped, answering one form) and restoring a
saved session of 10,000 globals in a fresh process.

    python bench/repl.py
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

from turmeric.repl.session_file import restore_session

REPS = 5


def cold(cmd, stdin: str, env) -> float:
    ts = []
    for _ in range(REPS):
        t = time.perf_counter()
        p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env, check=True)
        ts.append(time.perf_counter() - t)
        assert p.stdout.strip(), p.stderr
    return statistics.median(ts)


def main():
    py = [sys.executable, "-m", "turmeric.cli"]
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, TURMERIC_CACHE=os.path.join(d, "cache"), XDG_DATA_HOME=d)
        subprocess.run(py + ["repl"], input="(+ 1 2)\n", capture_output=True, text=True, env=env, check=True)
        start = cold(py + ["repl"], "(+ 1 2)\n", env)
        hello = os.path.join(d, "hello.tm")
        with open(hello, "w") as f:
            f.write('(println "hello")\n')
        run = cold(py + ["run", hello], "", env)
        session = os.path.join(d, "s.tms")
        defs = "\n".join(f'(def g{i} {{:n {i} :name "item{i}"}})' for i in range(10_000))
        subprocess.run(py + ["repl"], input=defs + f"\n:save {session}\n", capture_output=True, text=True,
                       env=env, check=True)
        restore = cold(py + ["repl", "--restore", session], "(:name g9999)\n", env)
        os.environ["TURMERIC_CACHE"] = env["TURMERIC_CACHE"]   # the cache :save filled
        ts = []
        for _ in range(REPS):
            t = time.perf_counter()
            restore_session(session)
            ts.append(time.perf_counter() - t)
        in_process = statistics.median(ts)
        baseline = cold([sys.executable, "-c", "print(1)"], "", env)
    print(f"python -c (baseline)                         {baseline * 1e3:7.0f} ms")
    print(f"turmeric repl, cold start, one form           {start * 1e3:7.0f} ms  (target < 300 ms)")
    print(f"turmeric run hello.tm, cold start             {run * 1e3:7.0f} ms  (target < 300 ms)")
    print(f"restore_session of 10,000 globals, in process {in_process * 1e3:7.0f} ms  (target < 1000 ms)")
    print(f"turmeric repl --restore of 10,000 globals     {restore * 1e3:7.0f} ms  (the whole process: start, "
          f"restore, read and answer one form)")


if __name__ == "__main__":
    main()
