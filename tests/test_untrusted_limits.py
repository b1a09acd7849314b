"""#16 items 1 and 4 (spec/serialization.md §9): nesting is limited where records are read
(MAX_DEPTH for any value, MAX_KEY_DEPTH for a map key or set element), a `deserialize`
error past it; deep keys within the limit hash without recursing through their depth; the
size of a checkpoint file is checked before it is read. The crashing shapes run in a
subprocess: before the fix they killed the interpreter with SIGSEGV."""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import textwrap

import msgpack
import pytest

from turmeric.data.errors import TurmericError
from turmeric.runtime import machine
from turmeric.serialize import wire
from turmeric.serialize.decode import MAX_DEPTH, MAX_KEY_DEPTH, deserialize
from turmeric.serialize.format import T_LIST, T_MAP, T_SET, T_VECTOR
from turmeric.session.session import Session

machine.allow_deep_python_stack()
TAGS = {"map": T_MAP, "vector": T_VECTOR, "list": T_LIST, "set": T_SET}
CLI = [sys.executable, "-m", "turmeric.cli"]


def ref(i):
    return msgpack.ExtType(wire.EXT_REF, struct.pack(">I", i))


def nested(n: int, tag: int, outer: int | None = T_SET, as_key: bool = False) -> bytes:
    """A value nested n deep (each level a `tag` record holding the next), inside a set (or
    as a map key, or alone)."""
    recs = [] if outer is None else [[T_MAP, ref(1), 1] if as_key else [outer, ref(1)]]
    base = len(recs)
    for k in range(n - 1):
        recs.append([tag, "k", ref(base + k + 1)] if tag == T_MAP else [tag, ref(base + k + 1)])
    recs.append([tag])
    return wire.pack([{"modules": []}, recs, ref(0)])


RUN = textwrap.dedent("""
    import sys
    from turmeric.serialize.decode import deserialize
    from turmeric.session.session import Session
    from turmeric.data.errors import TurmericError
    try:
        deserialize(Session(), open(sys.argv[1], "rb").read())
        print("ok")
    except TurmericError as e:
        print("error", e.kind, e.message)
""")


@pytest.mark.parametrize("n,tag,outer,as_key", [
    (15_000, "map", T_SET, False),        # the 135 KB input of #16 item 1: SIGSEGV
    (200_000, "vector", T_SET, False),    # SIGSEGV
    (1_000_000, "vector", T_MAP, True),   # a deep vector as a map key: SIGSEGV
    (30_000, "list", T_SET, False),       # RecursionError, reported as error[control]
    (MAX_DEPTH + 5, "vector", None, False),
])
def test_item16_1_deep_nesting_is_a_deserialize_error_in_a_subprocess(tmp_path, n, tag, outer, as_key):
    """#16 item 1: each of these crashed the interpreter or raised RecursionError."""
    f = tmp_path / "deep.bin"
    f.write_bytes(nested(n, TAGS[tag], outer, as_key))
    out = subprocess.run([sys.executable, "-c", RUN, str(f)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    # (10^6 one-reference records are refused by the decoded-size budget before their depth)
    assert out.stdout.startswith("error deserialize") and (
        "nested more than" in out.stdout or n >= 1_000_000 and "records would take" in out.stdout)
    res = subprocess.run(CLI + ["inspect", str(f)], capture_output=True, text=True, timeout=120)
    assert res.returncode in (0, 65) and "Traceback" not in res.stderr, res.stderr[-2000:]


@pytest.mark.parametrize("tag", ["map", "vector", "list", "set"])
def test_item16_1_keys_at_the_limit_are_read(tag):
    """A key nested exactly MAX_KEY_DEPTH deep is read (maps are hashed bottom-up as they are
    built, so the set's hash does not recurse 1,000 levels); one level more is refused."""
    s = Session()
    v = deserialize(s, nested(MAX_KEY_DEPTH, TAGS[tag]))
    assert len(v) == 1
    with pytest.raises(TurmericError) as e:
        deserialize(s, nested(MAX_KEY_DEPTH + 1, TAGS[tag]))
    assert e.value.kind == "deserialize" and f"more than {MAX_KEY_DEPTH} deep" in e.value.message


def test_item16_1_deep_values_outside_keys_are_still_read():
    v = deserialize(Session(), nested(MAX_DEPTH - 1, T_VECTOR, T_VECTOR))
    assert len(v) == 1


def test_item16_4_a_huge_file_is_refused_before_it_is_read(tmp_path):
    """#16 item 4: resume and inspect of a 2 GiB file used to read all of it first."""
    f = tmp_path / "huge.bin"
    with open(f, "wb") as out:
        out.write(b"TMRC")
        out.truncate(2 << 30)                   # sparse: costs no disk
    measure = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
               "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(r.stderr)")
    for cmd in ("resume", "inspect"):
        res = subprocess.run([sys.executable, "-c", measure] + CLI + [cmd, str(f)], capture_output=True, text=True,
                             timeout=60)
        first, _, stderr = res.stdout.partition("\n")
        code, peak_kib = map(int, first.split())
        assert code == 65 and "too large" in stderr, stderr[-1000:]
        assert peak_kib < 300_000            # KiB: far below the 2 GiB it used to reach
