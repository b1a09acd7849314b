"""Crash safety of checkpoints, `turmeric resume` and `turmeric inspect`, and the design
note's examples under examples/seed/, each run as its comments say.

Every test works in its own temporary directory (the programs write checkpoint files in the
current directory) and runs `python -m turmeric.cli` in fresh processes with TURMERIC_CACHE
pointing to a temporary directory (conftest's tm_env).

The crash tests run examples/crash/crash_workflow.tm (its comments describe it): it is killed
with SIGKILL between checkpoints and in the middle of writing one, and a fresh process resumes
the last checkpoint and must print what an uninterrupted run prints.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT

WORKFLOW = ROOT / "examples" / "crash" / "crash_workflow.tm"
SEED = ROOT / "examples" / "seed"
CHECKPOINT = "checkpoint-latest.bin"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL and fork semantics")


def result_line(items: int) -> str:
    total = sum(i * i for i in range(1, items + 1))
    return f"result: {items} items, total {total}\n"


@pytest.fixture
def work(tmp_path) -> Path:
    shutil.copy(WORKFLOW, tmp_path / WORKFLOW.name)
    return tmp_path


def env_with(tm_env, **extra) -> dict:
    env = dict(tm_env)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def tm(tm_env, cwd, *args, timeout=120, **extra) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "turmeric.cli", *args], cwd=cwd,
                          env=env_with(tm_env, **extra), capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def start(tm_env, cwd, argv, **extra) -> subprocess.Popen:
    return subprocess.Popen(argv, cwd=cwd, env=env_with(tm_env, **extra), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def tm_argv(*args) -> list[str]:
    return [sys.executable, "-m", "turmeric.cli", *args]


def logged_steps(work: Path) -> list[int]:
    log = work / "progress.log"
    if not log.exists():
        return []
    return [int(m.group(1)) for m in re.finditer(r"^step (\d+) total", log.read_text(encoding="utf-8"), re.M)]


def wait_until(pred, timeout: float, proc: subprocess.Popen | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if proc is not None and proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the process ended before {what}: exit {proc.returncode}\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.002)


def kill(proc: subprocess.Popen) -> bool:
    """SIGKILL the process: True if it died of it, False if it had already finished."""
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    if proc.returncode == 0:
        return False
    assert proc.returncode == -signal.SIGKILL, err
    return True


def no_traceback(proc) -> None:
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr


def checkpoint_loads(work: Path, name: str = CHECKPOINT, tm_env=None) -> dict:
    """`turmeric inspect --json` of a checkpoint: it must load completely."""
    proc = tm(tm_env, work, "inspect", "--json", name)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert "note" not in report, report["note"]
    assert report["frames"], report
    return report


# -- the workflow, uninterrupted ----------------------------------------------------------

def test_uninterrupted_run(work, tm_env):
    proc = tm(tm_env, work, "run", WORKFLOW.name, STEP_MS=0)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == result_line(8)
    assert logged_steps(work) == list(range(1, 9))
    assert (work / CHECKPOINT).exists()
    assert not list(work.glob(".tmp-*")), "no temporary file is left behind"


# -- SIGKILL between checkpoints --------------------------------------------------------------

@pytest.mark.parametrize("kill_after", [1, 4, 7])
def test_sigkill_between_checkpoints_then_resume(work, tm_env, kill_after):
    for attempt in range(3):
        for p in [work / CHECKPOINT, work / "progress.log"]:
            p.unlink(missing_ok=True)
        proc = start(tm_env, work, tm_argv("run", WORKFLOW.name), STEP_MS=150)
        wait_until(lambda: len(logged_steps(work)) >= kill_after, 60, proc, f"{kill_after} logged steps")
        if kill(proc):
            break
    else:
        pytest.fail("the workflow always finished before it could be killed")
    before = logged_steps(work)
    assert kill_after <= len(before) < 8
    shutil.copy(work / CHECKPOINT, work / "saved.bin")

    resumed = tm(tm_env, work, "resume", CHECKPOINT)
    no_traceback(resumed)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == result_line(8)            # what an uninterrupted run prints
    after = logged_steps(work)
    assert set(after) == set(range(1, 9))
    assert len(after) - 8 <= 1, after                  # at most the last saved step again
    assert after == sorted(after)

    # a checkpoint file is a value: it resumes again, as often as wanted
    again = tm(tm_env, work, "resume", "saved.bin")
    assert again.returncode == 0 and again.stdout == result_line(8)


# -- SIGKILL while a checkpoint is being written ----------------------------------------------

# Runs `turmeric` with file writes slowed down (64 KiB, then a pause, and so on; os.write
# takes 64 KiB a call), so that a kill
# can land in the middle of writing a checkpoint. Each slow write appends its file name to
# slow-writes.log, which shows the injection reached the checkpoint writes.
SLOW_WRITES = r"""
import builtins, io, os, sys, time

class Slow:
    def __init__(self, f, name):
        self.f, self.name = f, name
    def write(self, data):
        with builtins.__dict__["_real_open"]("slow-writes.log", "a") as log:
            log.write(f"{self.name}\n")
        for i in range(0, len(data), 65536):
            self.f.write(data[i:i + 65536])
            self.f.flush()
            time.sleep(0.02)
        return len(data)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        return self.f.__exit__(*exc)
    def __getattr__(self, name):
        return getattr(self.f, name)

builtins._real_open = builtins.open
real_write = os.write

def slow_os_write(fd, data):
    # atomic_write writes with os.write: at most 64 KiB a call (a partial write, which it
    # must continue), then a pause, for the temporary files it writes
    name = os.readlink(f"/proc/self/fd/{fd}") if os.path.exists(f"/proc/self/fd/{fd}") else ""
    if not name.endswith(".part"):
        return real_write(fd, data)
    with builtins.__dict__["_real_open"]("slow-writes.log", "a") as log:
        log.write(f"{name}\n")
    n = real_write(fd, data[:65536])
    time.sleep(0.02)
    return n

def open_(file, mode="r", *a, **k):
    f = builtins._real_open(file, mode, *a, **k)
    return Slow(f, file) if "w" in mode and "b" in mode and str(file).endswith(".bin") else f

os.write = slow_os_write
builtins.open = open_
io.open = open_
from turmeric.cli.main import main
sys.exit(main(sys.argv[1:]))
"""


def test_sigkill_in_the_middle_of_writing_a_checkpoint(work, tm_env):
    (work / "slow.py").write_text(SLOW_WRITES, encoding="utf-8")
    for attempt in range(3):
        for p in [work / CHECKPOINT, work / "progress.log", work / "slow-writes.log", *work.glob(".tmp-*")]:
            p.unlink(missing_ok=True)
        proc = start(tm_env, work, [sys.executable, "slow.py", "run", WORKFLOW.name],
                     ITEMS=4, STEP_MS=0, BALLAST=200_000)

        def second_write_under_way():
            parts = list(work.glob(".tmp-*.part"))
            return (work / CHECKPOINT).exists() and parts and parts[0].stat().st_size > 0
        wait_until(second_write_under_way, 120, proc, "the second checkpoint write")
        if not kill(proc):
            continue
        parts = list(work.glob(".tmp-*.part"))
        if parts and parts[0].stat().st_size < (work / CHECKPOINT).stat().st_size:
            break                       # killed with a checkpoint half written
    else:
        pytest.fail("could not kill the workflow in the middle of a checkpoint write in 3 attempts")
    assert (work / "slow-writes.log").exists(), "the slowed writes never reached a checkpoint"

    # what was being written is incomplete and is refused as such ...
    partial = tm(tm_env, work, "inspect", parts[0].name)
    no_traceback(partial)
    assert partial.returncode == 65 and "error[deserialize]" in partial.stderr
    # ... while the previous checkpoint is intact: complete, loadable, resumable
    report = checkpoint_loads(work, tm_env=tm_env)
    assert report["frames"][0]["function"] == "crash_workflow.run-job"
    assert report["frames"][0]["locals"]["done"] == "{:step 1, :total 1}"
    resumed = tm(tm_env, work, "resume", CHECKPOINT)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == result_line(4)


def test_sigkill_at_random_times_never_leaves_a_broken_checkpoint(work, tm_env):
    """Kill at random instants after the first checkpoint: before, during or after the
    writes of the next ones. The checkpoint on disk always loads, and resumes to the end."""
    rng = random.Random(20240611)
    settings = dict(ITEMS=8, STEP_MS=80, BALLAST=120_000)
    full = tm(tm_env, work, "run", WORKFLOW.name, **settings)
    assert full.returncode == 0 and full.stdout == result_line(8)
    killed = 0
    for attempt in range(5):
        for p in [work / CHECKPOINT, work / "progress.log", *work.glob(".tmp-*")]:
            p.unlink(missing_ok=True)
        proc = start(tm_env, work, tm_argv("run", WORKFLOW.name), **settings)
        wait_until(lambda: len(logged_steps(work)) >= 1, 60, proc, "the first logged step")
        time.sleep(rng.uniform(0, 0.45))     # the 7 steps left take at least 0.56 s
        if not kill(proc):
            continue
        killed += 1
        report = checkpoint_loads(work, tm_env=tm_env)
        assert report["frames"][0]["function"] == "crash_workflow.run-job"
    assert killed >= 3, "the workflow finished before most kills: tune the timings"
    resumed = tm(tm_env, work, "resume", CHECKPOINT)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout == result_line(8)


# -- turmeric inspect ------------------------------------------------------------------------

@pytest.fixture
def finished(work, tm_env) -> Path:
    """A directory where the workflow ran 3 items: checkpoint-latest.bin is after step 3."""
    proc = tm(tm_env, work, "run", WORKFLOW.name, ITEMS=3, STEP_MS=0)
    assert proc.returncode == 0, proc.stderr
    return work


def test_inspect_text(finished, tm_env):
    proc = tm(tm_env, finished, "inspect", CHECKPOINT)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f"checkpoint {CHECKPOINT}: ")
    assert "format 2" in out and "unsigned" in out
    assert re.search(r"^  crash_workflow  version 1  .*crash_workflow\.tm$", out, re.M), out
    assert "frames (innermost first, 2):" in out
    # the file is named as the module was first compiled: relative, or absolute from the cache
    assert re.search(r"^  #0 crash_workflow\.run-job  at (\S*/)?crash_workflow\.tm:\d+:\d+$", out, re.M), out
    assert re.search(r"^     \d+ \| given \(checkpoint \"latest\" done\)$", out, re.M), out
    assert "     done = {:step 3, :total 14}" in out
    assert "     items = 3" in out
    assert re.search(r"^  #1 crash_workflow\.main  at ", out, re.M)


def test_inspect_json(finished, tm_env):
    proc = tm(tm_env, finished, "inspect", "--json", CHECKPOINT)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["format"] == 2 and report["signed"] is False
    assert report["bytes"] == (finished / CHECKPOINT).stat().st_size
    assert report["modules"] == [{"name": "crash_workflow", "version": 1,
                                  "path": str((finished / WORKFLOW.name).resolve())}]
    inner, outer = report["frames"]
    assert inner["index"] == 0 and inner["function"] == "crash_workflow.run-job"
    source_lines = WORKFLOW.read_text(encoding="utf-8").splitlines()
    assert Path(inner["file"]).name == WORKFLOW.name
    assert source_lines[inner["line"] - 1].strip() == inner["source"] == 'given (checkpoint "latest" done)'
    assert inner["locals"] == {"ballast": '""', "done": "{:step 3, :total 14}", "items": "3", "step-ms": "0"}
    assert outer["function"] == "crash_workflow.main" and outer["locals"] == {}
    assert "(run-job" in outer["source"]


def test_inspect_after_the_code_changed_shows_raw_frames(finished, tm_env):
    src = finished / WORKFLOW.name
    src.write_text(src.read_text(encoding="utf-8").replace("(* item item)", "(* item item item)")
                   .replace("(inc state.step)", "(+ state.step 1)"), encoding="utf-8")
    proc = tm(tm_env, finished, "inspect", "--json", CHECKPOINT)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["note"].startswith("schema-mismatch: ") and "crash_workflow.run-job" in report["note"]
    assert [f["function"] for f in report["frames"]] == ["crash_workflow.run-job", "crash_workflow.main"]
    assert "3" in report["frames"][0]["locals"].values()     # raw: no names, records by number
    text = tm(tm_env, finished, "inspect", CHECKPOINT)
    assert "note: schema-mismatch" in text.stdout and "#0 crash_workflow.run-job  (site" in text.stdout


# -- turmeric resume -------------------------------------------------------------------------

def test_resume_with_a_value(finished, tm_env):
    proc = tm(tm_env, finished, "run", WORKFLOW.name, ITEMS=6, STEP_MS=0)
    assert proc.stdout == result_line(6)
    (finished / "after6.bin").write_bytes((finished / CHECKPOINT).read_bytes())
    # resume the checkpoint after step 6 as if the state were {:step 3 :total 0}: steps 4..6 again
    proc = tm(tm_env, finished, "resume", "after6.bin", "--value", "{:step 3 :total 0}")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"result: 6 items, total {16 + 25 + 36}\n"
    proc = tm(tm_env, finished, "resume", "after6.bin", "--value", "(hash-map :step 5 :total (* 10 10))")
    assert proc.stdout == f"result: 6 items, total {100 + 36}\n"
    proc = tm(tm_env, finished, "resume", "after6.bin")
    assert proc.stdout == result_line(6)


def test_resume_value_that_does_not_read(finished, tm_env):
    proc = tm(tm_env, finished, "resume", CHECKPOINT, "--value", "(+ 1")
    no_traceback(proc)
    assert proc.returncode == 65 and "error[syntax]" in proc.stderr


def corrupt_variants(good: bytes) -> dict[str, bytes]:
    flipped = bytearray(good)
    flipped[len(good) // 2] ^= 0x10
    return {
        "empty": b"",
        "truncated": good[: len(good) // 2],
        "one-byte-short": good[:-1],
        "extra-byte": good + b"\n",
        "bit-flip": bytes(flipped),
        "text": b"this is not a checkpoint\n" * 4,
        "wrong-magic": b"XXXX" + good[4:],
        "future-format": good[:4] + b"\x09" + good[5:],
        "signed-flag-truncated": good[:5] + b"\x01" + good[6:-10],
        "signed-flag-not-magic": b"XXXX\x01\x01" + good[6:],
    }


@pytest.mark.parametrize("variant", list(corrupt_variants(b"x" * 64)))
def test_resume_of_a_corrupt_file_exits_65(finished, tm_env, variant):
    data = corrupt_variants((finished / CHECKPOINT).read_bytes())[variant]
    (finished / "bad.bin").write_bytes(data)
    for command in ("resume", "inspect"):
        proc = tm(tm_env, finished, command, "bad.bin")
        no_traceback(proc)
        assert proc.returncode == 65, (command, proc.stderr)
        assert proc.stderr.startswith("error[deserialize]: "), proc.stderr
        assert "hint: " in proc.stderr
        assert proc.stdout == ""
    assert logged_steps(finished) == [1, 2, 3]          # nothing ran


def test_resume_errors(finished, tm_env):
    proc = tm(tm_env, finished, "resume", "missing.bin")
    no_traceback(proc)
    assert proc.returncode == 66 and proc.stderr.startswith("error[no-input]: no such file: missing.bin")

    (finished / "value.tm").write_text('(write-file "value.bin" (serialize [1 2 3]))\n', encoding="utf-8")
    assert tm(tm_env, finished, "run", "value.tm").returncode == 0
    proc = tm(tm_env, finished, "resume", "value.bin")
    no_traceback(proc)
    assert proc.returncode == 1 and "not a continuation" in proc.stderr
    inspected = tm(tm_env, finished, "inspect", "value.bin")
    assert inspected.returncode == 0 and "value: [1 2 3]" in inspected.stdout


def test_resume_after_the_code_changed_is_a_schema_mismatch(finished, tm_env):
    src = finished / WORKFLOW.name
    src.write_text(src.read_text(encoding="utf-8").replace(":version 1", ":version 2")
                   .replace("(spit \"progress.log\"", "(spit \"progress-v2.log\""), encoding="utf-8")
    proc = tm(tm_env, finished, "resume", CHECKPOINT)
    no_traceback(proc)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error[schema-mismatch]: module crash_workflow: function "
                                  "crash_workflow.run-job changed since the checkpoint was saved")
    assert "saved with version 1, the code is version 2" in proc.stderr


def test_resume_of_a_signed_checkpoint_needs_the_key(finished, tm_env):
    (finished / "sign.tm").write_text(
        '(write-file "signed.bin" (serialize (deserialize (read-file "checkpoint-latest.bin")) :key "k"))\n',
        encoding="utf-8")
    assert tm(tm_env, finished, "run", "sign.tm").returncode == 0
    proc = tm(tm_env, finished, "resume", "signed.bin")
    no_traceback(proc)
    assert proc.returncode == 65 and "signed" in proc.stderr
    inspected = tm(tm_env, finished, "inspect", "--json", "signed.bin")
    report = json.loads(inspected.stdout)
    assert report["signed"] is True and "key" in report["note"] and "frames" not in report


def test_resume_from_another_directory(finished, tm_env, tmp_path_factory):
    """The module table records where each module was, so a checkpoint resumes from any cwd."""
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    proc = tm(tm_env, elsewhere, "resume", str(finished / CHECKPOINT))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == result_line(3)
    assert (elsewhere / "progress.log").exists()        # the rest of the job runs in the cwd


# -- the design note's examples (examples/seed/), as their comments say to run them -----------

@pytest.fixture
def seed(tmp_path) -> Path:
    shutil.copytree(SEED, tmp_path / "seed")
    return tmp_path / "seed"


ORDER_OUTPUT = {
    "order-validated": "charging 4242 for 30\nshipping 2 items\n",
    "payment-charged": "shipping 2 items\n",
    "order-fulfilled": "",
}
ORDER_RESULT = "result: {:shipped 42, :charge ch_1}\n"


def test_process_order_and_resume_each_checkpoint(seed, tm_env):
    proc = tm(tm_env, seed, "run", "process_order.tm")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ORDER_OUTPUT["order-validated"] + ORDER_RESULT
    for name, output in ORDER_OUTPUT.items():
        path = seed / f"checkpoint-{name}.bin"
        assert path.exists(), name
        resumed = tm(tm_env, seed, "resume", path.name)
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.stdout == output + ORDER_RESULT, name
        assert resumed.stderr == ""


def test_migration_to_node_b(seed, tm_env):
    proc = tm(tm_env, seed, "run", "migration.tm")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "task1 on A\ntask2 on A\ntask3 on A\nresult 21\n"
    assert (seed / "job.bin").exists()
    node_b = tm(tm_env, seed, "run", "migration_node_b.tm", NODE="B")
    assert node_b.returncode == 0, node_b.stderr
    assert node_b.stdout == "task2 on B\ntask3 on B\nresult 21\n"


def test_dataset_and_resume_a_checkpoint(seed, tm_env):
    names = [f"checkpoint-{i}.bin" for i in (999, 1999, 2999, 3999, 4999)]
    proc = tm(tm_env, seed, "run", "dataset.tm")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"done; checkpoints: ({' '.join(names)})\n"
    first = {n: (seed / n).read_bytes() for n in names}
    for n in names[3:]:
        (seed / n).unlink()
    resumed = tm(tm_env, seed, "resume", "checkpoint-2999.bin")
    assert resumed.returncode == 0, resumed.stderr
    # the rest of the loop ran again and wrote the later checkpoints
    for n in names[3:]:
        assert (seed / n).exists(), n
        report = checkpoint_loads(seed, n, tm_env)
        assert report["frames"][0]["locals"]["index"] == n.split("-")[1].split(".")[0]
    # serialization is deterministic: the same state gives the same bytes
    assert all((seed / n).read_bytes() == first[n] for n in names[3:])


def test_versioning_save_then_load_with_changed_code(seed, tm_env):
    ver = seed / "versioning"
    shutil.copy(ver / "flow_v1.tm", ver / "flow.tm")
    saved = tm(tm_env, ver, "run", "save.tm")
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout == "saved a run of flow version 1\n"
    shutil.copy(ver / "flow_v2.tm", ver / "flow.tm")
    loaded = tm(tm_env, ver, "run", "load.tm")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout == "Cannot resume: checkpoint uses version 1 but current code is version 2\n(None)\n"


def test_versioning_load_with_unchanged_code(seed, tm_env):
    ver = seed / "versioning"
    shutil.copy(ver / "flow_v1.tm", ver / "flow.tm")
    assert tm(tm_env, ver, "run", "save.tm").returncode == 0
    (ver / "resume.tm").write_text('(import flow)\n(println (resume (deserialize (read-file "checkpoint.bin")) 4))\n',
                                   encoding="utf-8")
    proc = tm(tm_env, ver, "run", "resume.tm")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "41\n"
    os.remove(ver / "resume.tm")
