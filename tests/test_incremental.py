"""Incremental checkpoints (turmeric/serialize/blobs.py): a large sequence is written once,
as content-addressed chunks beside the checkpoint; later checkpoints refer to it by hash."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """
(defn run-items [items every]
  (let [total 0]
    (for-each-with-index items
      (fn [i item]
        (set! total (+ total (* item item)))
        (when (= (mod (+ i 1) every) 0)
          (checkpoint "loop" nil))))
    total))
(println "total" (run-items (range N) STEP))
"""


def tm(cwd, *args, env=None):
    return subprocess.run([sys.executable, "-m", "turmeric.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture
def work(tmp_path, monkeypatch):
    monkeypatch.setenv("TURMERIC_CACHE", str(tmp_path / "cache"))
    return tmp_path


def write_program(work, n, step):
    (work / "inc.tm").write_text(PROGRAM.replace("(range N)", f"(range {n})").replace("STEP", str(step)),
                                 encoding="utf-8")


def chunks(work):
    return sorted((work / ".turmeric-blobs").iterdir())


def test_items_are_written_once_and_the_checkpoint_stays_small(work):
    write_program(work, 10_000, 1_000)
    p = tm(work, "run", "inc.tm")
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"total {sum(i * i for i in range(10_000))}\n"
    files = chunks(work)
    assert len(files) == 10_000 // 1024          # full chunks only; the rest stays inline
    assert (work / "checkpoint-loop.bin").stat().st_size < 4000
    first = {f.name: f.stat().st_ino for f in files}
    p = tm(work, "run", "inc.tm")                  # the same items again: no chunk rewritten
    assert p.returncode == 0                       # (a rewrite is a rename: a new inode)
    assert {f.name: f.stat().st_ino for f in chunks(work)} == first


def test_resume_reads_the_chunks_in_a_fresh_process(work):
    write_program(work, 5_000, 2_500)
    assert tm(work, "run", "inc.tm").returncode == 0
    p = tm(work, "resume", "checkpoint-loop.bin")
    assert (p.returncode, p.stdout) == (0, f"total {sum(i * i for i in range(5_000))}\n"), p.stderr
    # from another directory too: the chunks are found beside the checkpoint
    p = tm(ROOT, "resume", str(work / "checkpoint-loop.bin"))
    assert p.returncode == 0 and p.stdout.startswith("total "), p.stderr
    p = tm(work, "inspect", "checkpoint-loop.bin")
    assert p.returncode == 0 and "#0 inc.run-items/fn#1" in p.stdout and "#1 core.for-each" in p.stdout, p.stdout


def test_a_missing_or_changed_chunk_is_a_deserialize_error(work):
    write_program(work, 3_000, 1_500)
    assert tm(work, "run", "inc.tm").returncode == 0
    victim = chunks(work)[0]
    data = victim.read_bytes()
    victim.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    p = tm(work, "resume", "checkpoint-loop.bin")
    assert p.returncode == 65 and "error[deserialize]" in p.stderr and "corrupt" in p.stderr
    assert "Traceback" not in p.stderr
    victim.unlink()
    p = tm(work, "resume", "checkpoint-loop.bin")
    assert p.returncode == 65 and "is missing" in p.stderr


# -- turmeric gc-blobs ---------------------------------------------------------------------

def age(path: Path, seconds: float):
    """Make every file under path look `seconds` old."""
    import os
    import time
    then = time.time() - seconds
    for f in path.iterdir():
        os.utime(f, (then, then))


def test_gc_blobs_deletes_only_chunks_no_checkpoint_names(work):
    write_program(work, 5_000, 1_000)
    assert tm(work, "run", "inc.tm").returncode == 0
    old = {f.name for f in chunks(work)}
    (work / "inc.tm").write_text(PROGRAM.replace("(range N)", "(map inc (range 5000))").replace("STEP", "1000"),
                                 encoding="utf-8")
    assert tm(work, "run", "inc.tm").returncode == 0     # new items: new chunks, the old ones unnamed
    new = {f.name for f in chunks(work)} - old
    assert len(old) == len(new) == 4
    p = tm(work, "gc-blobs", str(work))                  # everything is young: nothing goes
    assert p.returncode == 0, p.stderr
    assert "1 checkpoint file(s) name 4 chunk(s); removed 0 file(s)" in p.stdout
    assert "kept 4 unnamed file(s)" in p.stdout
    age(work / ".turmeric-blobs", 3600)
    p = tm(work, "gc-blobs", str(work), "--dry-run")
    assert "would remove 4 file(s)" in p.stdout and {f.name for f in chunks(work)} == old | new
    p = tm(work, "gc-blobs", str(work / ".turmeric-blobs"))   # the store itself may be named
    assert p.returncode == 0 and "removed 4 file(s)" in p.stdout
    assert {f.name for f in chunks(work)} == new
    p = tm(work, "resume", "checkpoint-loop.bin")          # what is left is enough
    assert p.returncode == 0, p.stderr
    assert p.stdout == f"total {sum(i * i for i in range(1, 5001))}\n"


def test_gc_blobs_keeps_chunks_a_checkpoint_is_about_to_name(work):
    """A program reusing an existing chunk refreshes its time, so a collection running just
    before that program renames its checkpoint into place does not take it."""
    write_program(work, 3_000, 1_000)
    assert tm(work, "run", "inc.tm").returncode == 0
    age(work / ".turmeric-blobs", 3600)
    (work / "checkpoint-loop.bin").unlink()              # as if the new checkpoint were not yet renamed
    assert tm(work, "run", "inc.tm").returncode == 0     # reuses the chunks: young again
    (work / "checkpoint-loop.bin").unlink()
    p = tm(work, "gc-blobs", str(work))
    assert "removed 0 file(s)" in p.stdout and "kept 2 unnamed" in p.stdout


def test_gc_blobs_refuses_when_a_checkpoint_cannot_be_read(work):
    write_program(work, 3_000, 1_000)
    assert tm(work, "run", "inc.tm").returncode == 0
    age(work / ".turmeric-blobs", 3600)
    data = (work / "checkpoint-loop.bin").read_bytes()
    (work / "broken.bin").write_bytes(data[:-5])
    before = chunks(work)
    p = tm(work, "gc-blobs", str(work), "--min-age", "0")
    assert p.returncode == 65
    assert "broken.bin" in p.stderr and "nothing was deleted" in p.stderr
    assert chunks(work) == before
    p = tm(work, "gc-blobs", str(work / "nowhere"))
    assert p.returncode == 66 and "no such directory" in p.stderr


DATA_PROGRAM = """
(defn run-records [rs index with-ref every]
  (let [total 0]
    (for-each-with-index rs
      (fn [i r]
        (set! total (+ total (:id r) (get index (:name r)) (count with-ref)))
        (when (= (mod (+ i 1) every) 0)
          (checkpoint "data" nil))))
    total))
(let [records (vec (map (fn [i] {:id i :name (str "n" i) :tags [:a (mod i 7)]}) (range 5000)))
      index (into {} (map (fn [r] [(:name r) (:id r)]) records))
      with-ref (vec (cons (ref 0) (range 2000)))]
  (println "total" (run-records records index with-ref 1000)))
"""


def test_sequences_and_maps_of_data_are_chunked_too(work):
    """A vector of maps and a map with string keys are cut into chunks written once (each a
    payload of its own); a vector that holds a ref stays in the checkpoint, where the ref's
    identity is kept."""
    (work / "data.tm").write_text(DATA_PROGRAM, encoding="utf-8")
    p = tm(work, "run", "data.tm")
    assert p.returncode == 0, p.stderr
    expected = f"total {sum(2 * i + 2001 for i in range(5000))}\n"
    assert p.stdout == expected
    # records: 4 full chunks; index: 10,000 keys and values, 9 chunks; with-ref: none
    assert len(chunks(work)) == 4 + 9
    size = (work / "checkpoint-data.bin").stat().st_size
    assert size < 60_000                           # 2,001 numbers of with-ref and the tails
    before = {f.name: f.stat().st_ino for f in chunks(work)}
    p = tm(work, "resume", "checkpoint-data.bin")
    assert p.returncode == 0, p.stderr
    assert p.stdout == expected
    assert {f.name: f.stat().st_ino for f in chunks(work)} == before    # nothing rewritten
    with open(work / "checkpoint-data.bin", "rb") as f:
        from turmeric.serialize import wire
        from turmeric.serialize.decode import ext_hook
        _h, records, _r = wire.unpack(f.read(), None, ext_hook)
    assert sum(1 for r in records if r[0] == 14) == 2    # the records vector and the index map
