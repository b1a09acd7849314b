"""Issue #9 items 8 and 9: blob stores that never lose a chunk (the memo of stored sequences is
per store), and gc-blobs with the leftovers of interrupted writes.

Each regression test names its item; the property tests check the class behind it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.equality import equals
from turmeric.data.values import PMap, Keyword, plist, vector
from turmeric.serialize.blobs import collect_garbage, store_beside
from turmeric.serialize.decode import deserialize
from turmeric.session.session import Session
from conftest import tm

pytestmark = pytest.mark.usefixtures("scratch_cache")


# -- #9 item 8: the blob memo is per store ---------------------------------------------------------

def write_checkpoint(session, path: str, value):
    session.core["%write-checkpoint"](0, path, value)


def read_checkpoint(path: str):
    return deserialize(Session(), Path(path).read_bytes(), blobs=store_beside(path))


def test_item8_same_vector_checkpointed_into_two_folders(tmp_path):
    """#9 item 8: the memo said 'stored' for folder B because the vector was stored in A."""
    s = Session()
    big = vector(range(3000))
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        write_checkpoint(s, str(tmp_path / d / "ck.bin"), big)
    for d in ("a", "b"):
        assert list(read_checkpoint(str(tmp_path / d / "ck.bin"))) == list(range(3000))
    assert sorted(os.listdir(tmp_path / "a" / ".turmeric-blobs")) == \
        sorted(os.listdir(tmp_path / "b" / ".turmeric-blobs"))


def test_item8_a_store_emptied_by_hand_is_written_again(tmp_path):
    """#9 item 8 (verify): a remembered sequence whose chunks were deleted is stored again."""
    s = Session()
    big = vector(range(2500))
    path = str(tmp_path / "ck.bin")
    write_checkpoint(s, path, big)
    shutil.rmtree(tmp_path / ".turmeric-blobs")
    write_checkpoint(s, path, big)
    assert list(read_checkpoint(path)) == list(range(2500))


def test_item8_a_remembered_sequence_refreshes_its_chunks(tmp_path):
    """A checkpoint that reuses remembered chunks makes them young again, as the spec says of
    every reused chunk, so gc-blobs keeps them while they are in use."""
    s = Session()
    big = vector(range(2048))
    path = str(tmp_path / "ck.bin")
    write_checkpoint(s, path, big)
    chunks = list((tmp_path / ".turmeric-blobs").iterdir())
    for c in chunks:
        os.utime(c, (time.time() - 3600, time.time() - 3600))
    write_checkpoint(s, path, big)
    assert all(time.time() - c.stat().st_mtime < 600 for c in chunks)


_VALUES = [vector(range(1100)), plist(range(2100)), vector([PMap({Keyword("i"): i}) for i in range(1500)]),
           vector(["s%d" % i for i in range(3100)]), PMap.from_pairs([(i, i) for i in range(600)])]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(_VALUES) - 1), st.integers(0, 2), st.booleans()),
                min_size=1, max_size=8))
def test_item8_class_any_values_into_any_folders_in_any_order_all_resume(tmp_path_factory, steps):
    """For values checkpointed into folders in any order, with a folder's store sometimes
    deleted by hand before a write, every checkpoint on disk reads back equal."""
    root = tmp_path_factory.mktemp("stores")
    s = Session()
    last = {}
    for value, folder, wipe in steps:
        d = root / str(folder)
        d.mkdir(exist_ok=True)
        if wipe:
            shutil.rmtree(d / ".turmeric-blobs", ignore_errors=True)
            last = {f: v for f, v in last.items() if f != folder}   # its checkpoint may be gone
            (d / "ck.bin").unlink(missing_ok=True)
        write_checkpoint(s, str(d / "ck.bin"), _VALUES[value])
        last[folder] = value
    for folder, value in last.items():
        assert equals(read_checkpoint(str(root / str(folder) / "ck.bin")), _VALUES[value])


# -- #9 item 9: leftover temporary files ------------------------------------------------------------

JOB = """
(defn job [items]
  (checkpoint "one" nil)
  (checkpoint "one" nil)
  (count items))
(println (job (vec (range 3000))))
"""

# Runs turmeric with os.fsync replaced: the KILL_AT-th fsync of a file that holds Turmeric data
# (a checkpoint, not a chunk) kills the process with SIGKILL, after the data is written and
# before the rename, so the temporary file is left behind as a real crash leaves it.
KILLER = r"""
import os, signal, sys
real_fsync, count = os.fsync, [0]
def fsync(fd):
    try:
        head = os.pread(fd, 4, 0)
    except OSError:      # a directory
        head = b""
    if head == b"TMRC":
        count[0] += 1
        if count[0] == int(os.environ["KILL_AT"]):
            os.kill(os.getpid(), signal.SIGKILL)
    return real_fsync(fd)
os.fsync = fsync
from turmeric.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_item9_sigkill_during_a_checkpoint_write_then_gc_blobs(tmp_path, tm_env):
    """#9 item 9: a real SIGKILL in the middle of the second checkpoint write leaves a
    .tmp-*.part beside the first checkpoint; gc-blobs does not count it as a checkpoint and
    removes it once it is older than --min-age, keeping the chunks the checkpoint names."""
    (tmp_path / "job.tm").write_text(JOB, encoding="utf-8")
    (tmp_path / "killer.py").write_text(KILLER, encoding="utf-8")
    proc = subprocess.run([sys.executable, "killer.py", "run", "job.tm"], cwd=tmp_path,
                          env=dict(tm_env, KILL_AT="2"), capture_output=True, text=True, timeout=120)
    assert proc.returncode == -9, proc.stderr
    parts = list(tmp_path.glob(".tmp-*.part"))
    assert len(parts) == 1 and parts[0].read_bytes()[:4] == b"TMRC"
    chunks = sorted(p.name for p in (tmp_path / ".turmeric-blobs").iterdir())
    young = tm(tm_env, tmp_path, "gc-blobs", ".")
    assert young.returncode == 0, young.stderr
    assert young.stdout.startswith(".: 1 checkpoint file(s) name 2 chunk(s); removed 0 file(s)")
    assert parts[0].exists()                      # young: a write may be under way
    gc = tm(tm_env, tmp_path, "gc-blobs", ".", "--min-age", "0")
    assert gc.returncode == 0, gc.stderr
    assert gc.stdout.startswith(".: 1 checkpoint file(s) name 2 chunk(s); removed 1 file(s)")
    assert not parts[0].exists()
    assert sorted(p.name for p in (tmp_path / ".turmeric-blobs").iterdir()) == chunks
    resumed = tm(tm_env, tmp_path, "resume", "checkpoint-one.bin")
    assert (resumed.returncode, resumed.stdout) == (0, "3000\n"), resumed.stderr


def test_item9_a_truncated_temporary_file_does_not_stop_gc_blobs(tmp_path):
    """#9 item 9: a truncated .part (a kill in the middle of the write) used to make gc-blobs
    refuse to run; it is not a checkpoint, and is removed when stale."""
    s = Session()
    write_checkpoint(s, str(tmp_path / "ck.bin"), vector(range(2048)))
    good = (tmp_path / "ck.bin").read_bytes()
    old = time.time() - 3600
    for name, content in [(".tmp-abc123_x.part", good[:len(good) // 2]), (".tmp-zzzzzzzz.part", b""),
                          (".tmp-young000.part", good[:40])]:
        (tmp_path / name).write_bytes(content)
        if "young" not in name:
            os.utime(tmp_path / name, (old, old))
    r = collect_garbage(str(tmp_path), 600.0)
    assert (r["checkpoints"], r["referenced"], r["removed"], r["young"]) == (1, 2, 2, 1)
    assert sorted(p.name for p in tmp_path.glob(".tmp-*")) == [".tmp-young000.part"]


