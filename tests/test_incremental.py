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
    first = {f.name: f.stat().st_mtime_ns for f in files}
    p = tm(work, "run", "inc.tm")                  # the same items again: no chunk rewritten
    assert p.returncode == 0
    assert {f.name: f.stat().st_mtime_ns for f in chunks(work)} == first


def test_resume_reads_the_chunks_in_a_fresh_process(work):
    write_program(work, 5_000, 2_500)
    assert tm(work, "run", "inc.tm").returncode == 0
    p = tm(work, "resume", "checkpoint-loop.bin")
    assert (p.returncode, p.stdout) == (0, f"total {sum(i * i for i in range(5_000))}\n"), p.stderr
    # from another directory too: the chunks are found beside the checkpoint
    p = tm(ROOT, "resume", str(work / "checkpoint-loop.bin"))
    assert p.returncode == 0 and p.stdout.startswith("total "), p.stderr
    p = tm(work, "inspect", "checkpoint-loop.bin")
    assert p.returncode == 0 and "#0 core.for-each" in p.stdout, p.stdout


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
