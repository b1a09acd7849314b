"""Hostile bytes at bounded cost (#16, spec/serialization.md §9): for each input of a corpus of
crafted payloads (valid checksums, plain unsigned data), the peak memory growth of reading it
per input byte, and the CPU seconds taken (time.process_time; the row's "wall" is wall time),
by `deserialize` and by `turmeric inspect` (its report, text and --json; for the long
continuations also `--full`, streamed). Each input runs in a fresh process; growth is
ru_maxrss after the read minus ru_maxrss once the input is in memory.

    python bench/hostile.py [--quick] [--json]          the table
    python bench/hostile.py --one NAME [--reader R]     one input, one reader: a JSON line
    python bench/hostile.py --writer                    serialize with its limits check vs without

Targets (docs/performance.md): growth at most 20x the input plus a constant (GROWTH_FREE
bytes), and no input over 2 s.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import resource
import statistics
import struct
import subprocess
import sys
import tempfile
import time

import msgpack

from turmeric.data.values import Keyword, PMap, vector
from turmeric.serialize import wire
from turmeric.serialize.blobs import CHUNK, DIRNAME
from turmeric.serialize.format import T_CHUNKED, T_CONT, T_LIST, T_MAP, T_SET, T_TUPLE, T_VECTOR

P61 = (1 << 61) - 1          # integers k * P61 all hash to 0
GROWTH_FREE = 256 << 20      # the constant of the target: 20x the input plus this (limits.COST_FREE)
TARGET_X = 20
TARGET_S = 2.0


def ref(i):
    return msgpack.ExtType(wire.EXT_REF, struct.pack(">I", i))


def bigint(n: int):
    return msgpack.ExtType(wire.EXT_BIGINT, n.to_bytes((n.bit_length() + 8) // 8, "big", signed=True))


def payload(recs, root=None, header=None) -> bytes:
    return wire.pack([header or {"modules": []}, recs, ref(0) if root is None else root])


def put_chunk(folder: str, data: bytes) -> str:
    h = hashlib.blake2b(data, digest_size=16).hexdigest()
    os.makedirs(os.path.join(folder, DIRNAME), exist_ok=True)
    with open(os.path.join(folder, DIRNAME, h), "wb") as f:
        f.write(data)
    return h


# -- the corpus: name -> builder(folder, scale) -> bytes (chunks written into folder) -------------

def chunk_named(folder, n):
    """#16 item 2: one 1,024-item chunk named n times (20,000: 680 KB, used to grow 800 MiB)."""
    h = put_chunk(folder, msgpack.packb(list(range(1000, 1000 + CHUNK))))
    return payload([[T_CHUNKED, T_VECTOR, [h] * n]])


def data_chunk_named(folder, n):
    """#16 item 2: a chunk of 1,024 small vectors (a payload of its own) named n times."""
    body = [{"modules": []}, [[T_VECTOR] + [ref(1 + j) for j in range(CHUNK)]] + [[T_VECTOR, j] for j in range(CHUNK)],
            ref(0)]
    h = put_chunk(folder, msgpack.packb(body, use_bin_type=True))
    return payload([[T_CHUNKED, T_VECTOR, [h] * n]])


def colliding_map(_folder, n):
    """#16 item 3: a map of n integer keys that all hash alike (100,000: 94 s)."""
    recs = [T_MAP]
    for k in range(1, n + 1):
        recs += [bigint(k * P61), 0]
    return payload([recs])


def colliding_set(_folder, n):
    return payload([[T_SET] + [bigint(k * P61) for k in range(1, n + 1)]])


def colliding_vector_keys(_folder, n):
    """Vectors of colliding integers collide too (a vector key hashes its items)."""
    return payload([[T_SET] + [ref(1 + k) for k in range(n)]] + [[T_VECTOR, bigint((k + 1) * P61)] for k in range(n)])


def huge_integer(_folder, nbytes):
    """#16 item 3: one integer of nbytes bytes (8 MiB: inspect did not finish)."""
    return payload([[T_VECTOR, msgpack.ExtType(wire.EXT_BIGINT, b"\x7f" + b"\xff" * (nbytes - 1))]])


def long_continuation(_folder, n):
    """#16 item 2: a continuation of n frames (10^6, 2 MB: inspect --json reached 2 GiB)."""
    return payload([[T_CONT, [[None, "%prompt", 0, ""]], [0] * n, [[]] * n]])


def small_records(_folder, n):
    """Many tiny records (8-10 MB of them grew memory 30-55x): a vector of n one-item vectors."""
    return payload([[T_VECTOR] + [ref(1 + k) for k in range(n)]] + [[T_VECTOR, k & 63] for k in range(n)])


def shared_dag(_folder, n):
    """A vector of two references to the same vector, n levels: 2^n items when expanded."""
    recs = [[T_VECTOR, ref(k + 1), ref(k + 1)] for k in range(n)] + [[T_VECTOR, 1, 2, 3]]
    return payload(recs)


def dag_key(_folder, n):
    """The same shape as a set member: hashing it must not walk 2^n items."""
    recs = [[T_SET, ref(1)]] + [[T_VECTOR, ref(k + 2), ref(k + 2)] for k in range(n)] + [[T_VECTOR, 1]]
    return payload(recs)


def long_string(_folder, n):
    return payload([[T_VECTOR, "x" * n]])


def fuzz_grammar(_folder, n):
    """n records drawn from the shapes of tests/test_untrusted_fuzz.py's grammar (seeded)."""
    rnd = random.Random(n)
    atoms = [None, True, 1, -3, "ab", b"x", bigint(10 ** 5000), 2.5, msgpack.ExtType(wire.EXT_KEYWORD, b"k")]
    recs = []
    for i in range(n):
        tag = rnd.choice([T_VECTOR, T_LIST, T_MAP, T_SET, T_TUPLE])
        items = [rnd.choice(atoms) if rnd.random() < 0.6 or i + 1 >= n else ref(rnd.randrange(i + 1, n))
                 for _ in range(rnd.randrange(0, 6))]
        if tag == T_MAP:
            items = items[: len(items) // 2 * 2]
        recs.append([tag, *items])
    return payload(recs)


CORPUS = {   # name: (builder, full scale, quick scale)
    "chunk-named-20000": (chunk_named, 20_000, 20_000),
    "chunk-named-4000": (chunk_named, 4_000, 4_000),
    "data-chunk-named-5000": (data_chunk_named, 5_000, 5_000),
    "colliding-map-100000": (colliding_map, 100_000, 100_000),
    "colliding-set-100000": (colliding_set, 100_000, 20_000),
    "colliding-vector-keys-20000": (colliding_vector_keys, 20_000, 20_000),
    "integer-8MiB": (huge_integer, 8 << 20, 8 << 20),
    "integer-400KB": (huge_integer, 400_000, 400_000),
    "continuation-1000000-frames": (long_continuation, 1_000_000, 1_000_000),
    "continuation-200000-frames": (long_continuation, 200_000, 200_000),
    "small-records-1000000": (small_records, 1_000_000, 200_000),
    "small-records-3000000": (small_records, 3_000_000, 3_000_000),
    "shared-dag-60": (shared_dag, 60, 60),
    "dag-key-60": (dag_key, 60, 60),
    "string-8MB": (long_string, 8_000_000, 1_000_000),
    "fuzz-grammar-30000": (fuzz_grammar, 30_000, 10_000),
}
READERS = ("deserialize", "inspect", "inspect-json")
STREAMED = ("inspect-full", "inspect-full-json")     # `--full`, written as it is made (#16 part 3)


def child(path: str, reader: str) -> dict:
    """Read the input at `path` with `reader` in this (fresh) process."""
    from turmeric.data.errors import TurmericError
    from turmeric.runtime import machine
    from turmeric.serialize.blobs import BlobStore
    from turmeric.serialize.decode import deserialize
    from turmeric.serialize.inspect import describe, render_text, stream_json, stream_text
    from turmeric.session.session import Session
    machine.allow_deep_python_stack()
    session = Session()
    with open(path, "rb") as f:
        data = f.read()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t, cpu = time.perf_counter(), time.process_time()
    outcome = "ok"
    try:
        if reader == "deserialize":
            blobs = BlobStore(os.path.join(os.path.dirname(path), DIRNAME))
            session.run(lambda: deserialize(session, data, blobs=blobs))
        elif reader in STREAMED:
            written = [0]
            report = describe(session, data, path, full=True, stream=True)
            (stream_json if reader.endswith("json") else stream_text)(
                report, lambda text: written.__setitem__(0, written[0] + len(text)))
            outcome = f"ok ({written[0]:,} chars)"
        else:
            report = describe(session, data, path)
            text = json.dumps(report, indent=2, ensure_ascii=False) if reader == "inspect-json" else render_text(report)
            outcome = f"ok ({len(text):,} chars)"
    except TurmericError as e:
        outcome = f"error[{e.kind}] {e.message[:90]}"
    wall, seconds = time.perf_counter() - t, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"bytes": len(data), "growth": max(0, peak - before), "seconds": seconds, "wall": wall,
            "outcome": outcome}


def run_one(name: str, reader: str, quick: bool = False, timeout: float = 120) -> dict:
    """Build input `name` in a temporary folder and read it in a fresh process."""
    build, full, small = CORPUS[name]
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "input.tmk")
        with open(path, "wb") as f:
            f.write(build(folder, small if quick else full))
        try:
            out = subprocess.run([sys.executable, __file__, "--child", path, reader], capture_output=True,
                                 text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"name": name, "reader": reader, "bytes": os.path.getsize(path), "growth": None,
                    "seconds": timeout, "outcome": "timeout"}
    if out.returncode != 0:
        return {"name": name, "reader": reader, "bytes": os.path.getsize(path) if os.path.exists(path) else 0,
                "growth": None, "seconds": None, "outcome": f"exit {out.returncode}: {out.stderr[-300:]}"}
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(name=name, reader=reader)
    return row


def within_target(row: dict) -> bool:
    return row["growth"] is not None and row["growth"] <= TARGET_X * row["bytes"] + GROWTH_FREE \
        and row["seconds"] <= TARGET_S


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        print(json.dumps(child(argv[1], argv[2])))
        return 0
    if argv[:1] == ["--writer"]:
        writer()
        return 0
    if argv[:1] == ["--one"]:
        reader = argv[argv.index("--reader") + 1] if "--reader" in argv else "deserialize"
        print(json.dumps(run_one(argv[1], reader, "--quick" in argv)))
        return 0
    quick = "--quick" in argv
    rows = [run_one(name, reader, quick) for name in CORPUS for reader in READERS] + \
        [run_one("continuation-1000000-frames", reader, quick) for reader in STREAMED]
    if "--json" in argv:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'input':30} {'reader':13} {'bytes':>11} {'growth MiB':>10} {'x input':>8} {'s':>6}  outcome")
    worst = 0.0
    for r in rows:
        g = r["growth"]
        x = g / r["bytes"] if g is not None else float("nan")
        if g is not None:
            worst = max(worst, (g - GROWTH_FREE) / r["bytes"])
        print(f"{r['name']:30} {r['reader']:13} {r['bytes']:>11,} {g / 2**20 if g is not None else float('nan'):>10.1f} "
              f"{x:>8.1f} {r['seconds'] if r['seconds'] is not None else float('nan'):>6.2f}  "
              f"{'' if within_target(r) else 'OVER TARGET '}{r['outcome'][:60]}")
    print(f"largest growth beyond the {GROWTH_FREE >> 20} MiB constant: {max(worst, 0):.1f}x the input "
          f"(target {TARGET_X}x); slowest: {max(r['seconds'] or 0 for r in rows):.2f} s (target {TARGET_S} s)")
    return 0



# -- the writer's limits check (#16 part 2): serialize with it against serialize without it -------

WRITER_CASES = {
    "continuation of 10,000 frames": None,        # made from PROGRAM below
    "vector of 100,000 integers": lambda: vector(range(100_000)),
    "vector of 20,000 small maps": lambda: vector([PMap.from_pairs([(Keyword("a"), i), (Keyword("b"), "x")])
                                                   for i in range(20_000)]),
    "map of 20,000 integer keys": lambda: PMap.from_pairs([(i, i) for i in range(20_000)]),
    "vector of 2,000 vectors nested 50 deep": lambda: vector([nest(50) for _ in range(2_000)]),
}
PROGRAM = """
(defn deep [n]
  (if (= n 0)
    (cloneable-shift [k] k)
    (let [x (* n 2) s (str "f" n)]
      (+ (deep (- n 1)) x (count s)))))
(cloneable-reset (deep 10000))
"""


def nest(n):
    v = vector([1])
    for _ in range(n - 1):
        v = vector([v])
    return v


def writer(reps: int = 7) -> list[dict]:
    """CPU time (time.process_time) of serialize with the limits check and without it, the two
    alternating in one run, median of `reps`."""
    from turmeric.runtime import machine
    from turmeric.serialize import encode
    from turmeric.session.session import Session
    machine.allow_deep_python_stack()
    session = Session()
    real = encode.check_limits
    rows = []
    for name, make in WRITER_CASES.items():
        value = session.eval_string(PROGRAM)[-1] if make is None else make()
        times = {"checked": [], "unchecked": []}
        for _ in range(reps):
            for label in times:
                encode.check_limits = real if label == "checked" else (lambda enc, body: None)
                t = time.process_time()
                encode.serialize(session, value)
                times[label].append(time.process_time() - t)
        encode.check_limits = real
        c, u = statistics.median(times["checked"]), statistics.median(times["unchecked"])
        rows.append({"case": name, "checked": c, "unchecked": u, "ratio": c / u})
        print(f"{name:42} checked {c * 1e3:8.2f} ms  unchecked {u * 1e3:8.2f} ms  ratio {c / u:5.2f}x")
    return rows


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
