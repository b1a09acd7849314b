"""Deep stacks (#14): non-tail recursion 10^4, 10^5 and 10^6 deep against the same recursion
in Python, and capture + serialize + deserialize of a 10,000-frame continuation.

    python bench/deep.py [--quick] [--reps N] [--depth-limit L]

The recursion is bench/programs/capture.tm `descend-plain`,
`(if (= n 0) 0 (+ 1 (descend-plain (- n 1))))`, called as a top-level form runs it (on the
trampoline, under a prompt), against bench/pyref.py `descend`, the same recursion in Python
with the recursion limit raised above the depth ("Python"), and against the same recursion
as a loop over an explicit list ("loop", not a target). Turmeric and Python samples
alternate; each row is the median of the repetitions in CPU time of this process
(time.process_time; TURMERIC_BENCH_CLOCK=wall for wall time), the garbage collector on, a
gc.collect() before each sample, and a call shorter than 50 ms repeated inside its sample.
"per frame" is the time over the depth: flat means the same at every depth.

The continuation rows capture k in `(cloneable-reset (fn [] (descend 10000)))` (capture.tm:
one frame per level, no locals) and in bench/serialization.py's `deep` (two locals per
frame, a number and a string), then `serialize` it and `deserialize` the bytes; the
capture is the whole call, the recursion that builds the 10,000 frames included ("of which
recursion": the same call without the capture). Resuming the deserialized k is shown, not
counted in the total.

--depth-limit L compiles everything with L Turmeric calls on the Python stack before it moves
to the heap (codegen/emit.py DEPTH_LIMIT, 1000), in a scratch compile cache: the experiment of
a larger Python depth (#14, gen2: 2,000 and 3,000 were within the noise of 1,000 at 10^4).
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

import pyref  # noqa: E402
from turmeric.codegen import emit  # noqa: E402
from turmeric.runtime import machine  # noqa: E402
from turmeric.serialize.decode import deserialize  # noqa: E402
from turmeric.serialize.encode import serialize  # noqa: E402
from turmeric.session.session import Session  # noqa: E402

machine.allow_deep_python_stack()   # as the command line does
sys.setrecursionlimit(max(sys.getrecursionlimit(), 1_100_000))   # for pyref.descend(10**6)

CLOCK = time.perf_counter if os.environ.get("TURMERIC_BENCH_CLOCK") == "wall" else time.process_time
TARGET_RATIO = 4.0        # recursion: at most 4x the Python recursion
TARGET_FLAT = 1.25        # per frame at 10^6 over per frame at 10^4
TARGET_CSD_MS = 10.0      # capture + serialize + deserialize of 10,000 frames

TWO_LOCALS = """
(defn deep [n]
  (if (= n 0)
    (cloneable-shift [k] k)
    (let [x (* n 2) s (str "f" n)]
      (+ (deep (- n 1)) x (count s)))))
(defn capture-deep [n] (cloneable-reset (fn [] (deep n))))
(defn deep-plain [n]
  (if (= n 0)
    0
    (let [x (* n 2) s (str "f" n)]
      (+ (deep-plain (- n 1)) x (count s)))))
(defn plain-deep [n] (cloneable-reset (fn [] (deep-plain n))))
"""


def loop_descend(n):
    """pyref.descend as a loop over an explicit stack."""
    stack = []
    while n != 0:
        stack.append(n)
        n -= 1
    value = 0
    while stack:
        stack.pop()
        value = 1 + value
    return value


def sample(thunk, number: int) -> float:
    gc.collect()
    t0 = CLOCK()
    for _ in range(number):
        thunk()
    return (CLOCK() - t0) / number


def number_for(thunk) -> int:
    t = sample(thunk, 1)
    return max(1, min(1000, int(0.05 / max(t, 1e-9))))


def alternate(thunks: dict, reps: int) -> dict:
    """name -> median seconds per call; the thunks measured in turns, `reps` turns."""
    numbers = {name: number_for(f) for name, f in thunks.items()}
    times = {name: [] for name in thunks}
    for _ in range(reps):
        for name, f in thunks.items():
            times[name].append(sample(f, numbers[name]))
    return {name: statistics.median(ts) for name, ts in times.items()}


def recursion_rows(session, reps: int) -> list[dict]:
    mod = session.load_file(str(BENCH / "programs" / "capture.tm"), name="capture")
    f = mod.ns["g_descend_hplain"]
    rows = []
    for n in (10 ** 4, 10 ** 5, 10 ** 6):
        assert session.run(machine.run, f, (n,)) == n == pyref.descend(n) == loop_descend(n)
        t = alternate({"tm": lambda: session.run(machine.run, f, (n,)),
                       "py": lambda: pyref.descend(n),
                       "loop": lambda: loop_descend(n)}, reps if n < 10 ** 6 else max(3, reps // 2))
        rows.append({"n": n, **t})
    return rows


def capture_rows(session, reps: int) -> list[dict]:
    session.eval_string(TWO_LOCALS)
    user = session.modules["user"].ns
    capture = session.modules["capture"].ns
    rows = []
    for name, cap, plain in (("no locals", capture["g_capture_honly"], capture["g_plain"]),
                             ("two locals", user["g_capture_hdeep"], user["g_plain_hdeep"])):
        n = 10 ** 4
        k = session.run(machine.run, cap, (n,))
        data = serialize(session, k)
        k2 = deserialize(session, data)
        want = session.run(machine.run, plain, (n,))
        assert len(k.frames) == len(k2.frames) >= n
        assert session.run(machine.run, machine.resume, (k2, 0)) == want
        t = alternate({"capture": lambda: session.run(machine.run, cap, (n,)),
                       "recursion": lambda: session.run(machine.run, plain, (n,)),
                       "serialize": lambda: serialize(session, k),
                       "deserialize": lambda: deserialize(session, data),
                       "resume": lambda: session.run(machine.run, machine.resume, (k2, 0))}, reps)
        rows.append({"name": name, "frames": len(k.frames), "bytes": len(data), **t})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 repetitions instead of 7")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--depth-limit", type=int, help="DEPTH_LIMIT to compile with (default: codegen's)")
    args = ap.parse_args(argv)
    reps = args.reps or (3 if args.quick else 7)
    if args.depth_limit:
        emit.DEPTH_LIMIT = args.depth_limit
        os.environ["TURMERIC_CACHE"] = tempfile.mkdtemp(prefix="turmeric-bench-deep-")
        print(f"DEPTH_LIMIT {emit.DEPTH_LIMIT} (scratch compile cache)")
    session = Session()
    print(f"deep stacks, median of {reps} (10^6: {max(3, reps // 2)}), CPU time")
    print()
    print(f"{'recursion':<16} {'Turmeric ms':>12} {'us/frame':>9} {'Python ms':>10} {'ratio':>7} "
          f"{'loop ms':>8} {'vs loop':>8}")
    rows = recursion_rows(session, reps)
    for r in rows:
        n = r["n"]
        print(f"{'10^%d deep' % len(str(n)[1:]):<16} {r['tm'] * 1e3:>12.1f} {r['tm'] / n * 1e6:>9.3f} "
              f"{r['py'] * 1e3:>10.1f} {r['tm'] / r['py']:>6.2f}x {r['loop'] * 1e3:>8.1f} "
              f"{r['tm'] / r['loop']:>7.1f}x")
    per = [r["tm"] / r["n"] for r in rows]
    flat = per[-1] / per[0]
    worst = max(r["tm"] / r["py"] for r in rows)
    print()
    print(f"{'continuation, 10^4 frames':<26} {'capture':>8} {'of which recursion':>19} {'serialize':>10} "
          f"{'deserialize':>12} {'total':>8} {'bytes':>8} {'resume':>8}  (ms)")
    caps = capture_rows(session, reps)
    for c in caps:
        c["total"] = c["capture"] + c["serialize"] + c["deserialize"]
        print(f"{c['name']:<26} {c['capture'] * 1e3:>8.2f} {c['recursion'] * 1e3:>19.2f} "
              f"{c['serialize'] * 1e3:>10.2f} {c['deserialize'] * 1e3:>12.2f} {c['total'] * 1e3:>8.2f} "
              f"{c['bytes']:>8} {c['resume'] * 1e3:>8.2f}")
    csd = caps[0]["total"] * 1e3
    print()
    for what, got, goal, ok in (
            ("recursion vs Python, worst depth", f"{worst:.2f}x", f"<= {TARGET_RATIO}x", worst <= TARGET_RATIO),
            ("per frame 10^6 / 10^4", f"{flat:.2f}", f"<= {TARGET_FLAT}", flat <= TARGET_FLAT),
            ("capture+serialize+deserialize 10^4", f"{csd:.2f} ms", f"< {TARGET_CSD_MS} ms",
             csd < TARGET_CSD_MS)):
        print(f"{what:<38} {got:<10} {goal:<10} {'PASS' if ok else 'FAIL'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
