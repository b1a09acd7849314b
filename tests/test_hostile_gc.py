"""#15 item 5: gc-blobs and a live writer. A process checkpoints a big vector, `turmeric
gc-blobs` deletes its chunks (no checkpoint file names them any more), and the same process
checkpoints the same vector again: the writer remembered those chunks as stored, and must
verify them and write again those that are gone, so that the second checkpoint resumes."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.values import vector
from turmeric.serialize.blobs import DIRNAME, store_beside
from turmeric.serialize.decode import deserialize
from turmeric.session.session import Session

CLI = [sys.executable, "-m", "turmeric.cli"]
PROGRAM = """
(defn main []
  (let [v (vec (range 5000))]
    (checkpoint "one" nil)
    (while (not (file-exists? "go")) (sleep-ms 20))
    (checkpoint "two" nil)
    (println "two" (count v) (reduce + 0 v))))
(main)
"""


def test_item5_gc_blobs_between_two_checkpoints_of_one_running_process(tmp_path):
    env = dict(os.environ, TURMERIC_CACHE=str(tmp_path / "cache"))
    (tmp_path / "live.tm").write_text(PROGRAM, encoding="utf-8")
    proc = subprocess.Popen(CLI + ["run", "live.tm"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (tmp_path / "checkpoint-one.bin").exists():
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.poll() else ""
            time.sleep(0.05)
        store = tmp_path / DIRNAME
        assert len(os.listdir(store)) == 5000 // 1024
        (tmp_path / "checkpoint-one.bin").unlink()
        gc = subprocess.run(CLI + ["gc-blobs", str(tmp_path), "--min-age", "0"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)
        assert gc.returncode == 0 and os.listdir(store) == [], gc.stderr
        (tmp_path / "go").touch()
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0 and out == f"two 5000 {sum(range(5000))}\n", err
    res = subprocess.run(CLI + ["resume", "checkpoint-two.bin"], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0 and res.stdout == f"two 5000 {sum(range(5000))}\n", res.stderr


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gone=st.sets(st.integers(0, 7)), rounds=st.integers(1, 3))
def test_item5_class_any_chunks_deleted_between_checkpoints_are_written_again(tmp_path_factory, gone, rounds):
    """The class: whichever of a remembered sequence's chunks disappear between two
    checkpoints of one session (gc-blobs, or by hand), each later checkpoint reads back."""
    folder = tmp_path_factory.mktemp("live")
    s = Session()
    big = vector(range(8 * 1024 + 5))
    path = str(folder / "ck.bin")
    for _ in range(rounds):
        s.core["%write-checkpoint"](0, path, big)
        names = sorted(os.listdir(folder / DIRNAME))
        for i in gone:
            if i < len(names):
                os.unlink(folder / DIRNAME / names[i])
    s.core["%write-checkpoint"](0, path, big)
    back = deserialize(Session(), Path(path).read_bytes(), blobs=store_beside(path))
    assert list(back) == list(big)
