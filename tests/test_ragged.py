"""Ragged checkpoints (issue #13, spec/ragged.md): stdlib/ragged.tm on the machine of
examples/ragged/machine.tm (a CPU, an APU, a timer and a pad whose timings all depend on a
seed, so each seed is another schedule).

Every check compares output traces: each output is [clock component sample checksum], the
checksum being the running checksum after that output, so equal traces mean the same
checksum at every step. A checkpoint completes after some number m of outputs; a run
restored from it must print exactly the uninterrupted run's trace from output m on."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings, strategies as st

from conftest import ROOT
from turmeric.data.errors import TurmericError
from turmeric.data.values import Keyword, PMap
from turmeric.runtime import machine
from turmeric.serialize.decode import deserialize
from turmeric.session.session import Session

pytestmark = pytest.mark.usefixtures("scratch_cache")

MACHINE_DIR = ROOT / "examples" / "ragged"
UNTIL = 4000


def py(v):
    """A Turmeric value as plain Python data (keywords as their names)."""
    if type(v) is Keyword:
        return v.name
    if isinstance(v, PMap):
        return {py(k): py(x) for k, x in v.items()}
    if isinstance(v, (str, bytes, int, float, bool)) or v is None:
        return v
    return [py(x) for x in v]


def session(*folders) -> Session:
    """A session on the example's folder, and on `folders` (a restoring session finds a
    program's modules only on its module path: #15 item 2)."""
    return Session(module_path=[str(MACHINE_DIR), *map(str, folders)])


def program(tmp: Path, name: str, body: str) -> Path:
    path = tmp / f"{name}.tm"
    path.write_text("(import ragged)\n(import machine)\n" + body + "\n", encoding="utf-8")
    return path


def run_file(s: Session, path: Path) -> list:
    """Load and run a program file; the values of its top-level forms."""
    out = []
    s.run(lambda: s.load_file(str(path), on_result=out.append))
    return out


def run_opts(seed: int, until: int, at: list[int], extra: str = "") -> str:
    at_s = " ".join(str(t) for t in at)
    return (f"(ragged/run (machine/system {seed}) (assoc (machine/options {seed} {until} [{at_s}]) "
            f":trace true {extra}))")


def uninterrupted(tmp: Path, seed: int, until: int = UNTIL) -> dict:
    return py(run_file(session(), program(tmp, f"plain{seed}", run_opts(seed, until, [])))[-1])


def restore_in_process(data: bytes, *folders) -> dict:
    """Restore in a new session of this process (the soak and the error tests)."""
    s = session(*folders)
    k = s.run(lambda: deserialize(s, data))
    return py(s.run(machine.run, lambda d: machine.resume(d, k, None), ()))


RESTORER = r"""
import json, sys
from turmeric.runtime import machine
machine.allow_deep_python_stack()
from turmeric.data.values import Keyword, PMap
from turmeric.serialize.decode import deserialize
from turmeric.session.session import Session
def py(v):
    if type(v) is Keyword: return v.name
    if isinstance(v, PMap): return {py(k): py(x) for k, x in v.items()}
    if isinstance(v, (str, bytes, int, float, bool)) or v is None: return v
    return [py(x) for x in v]
out = []
for path in sys.argv[2:]:
    s = Session(module_path=[sys.argv[1]])
    data = open(path, "rb").read()
    k = s.run(lambda: deserialize(s, data))
    r = py(s.run(machine.run, lambda d: machine.resume(d, k, None), ()))
    out.append({"trace": r["trace"], "checksum": r["checksum"], "outputs": r["outputs"],
                "suppressed": r["suppressed"], "restored": r["restored"]})
print(json.dumps(out))
"""


def restore_in_fresh_process(paths: list[Path]) -> list[dict]:
    proc = subprocess.run([sys.executable, "-c", RESTORER, str(MACHINE_DIR), *map(str, paths)],
                          capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()
    return json.loads(proc.stdout)


def checkpointed(tmp: Path, tag: str, seed: int, at: int, until: int = UNTIL, extra: str = "") -> tuple[dict, Path]:
    ck = tmp / f"{tag}.ckpt"
    body = run_opts(seed, until, [at], f':file "{ck}" {extra}')
    return py(run_file(session(), program(tmp, tag, body))[-1]), ck


# -- catch-up equivalence ------------------------------------------------------------------

# No shrinking: each example starts a process; a failure prints its cases, which the
# in-process tests below can replay.
@settings(max_examples=4, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, UNTIL - 1600)), min_size=3, max_size=4))
def test_catch_up_equivalence_in_a_fresh_process(tmp_path, cases):
    """#13 item 3 (catch-up equivalence): for random checkpoint instants and seeded schedules,
    checkpoint, restore in a fresh process, continue: the trace from the instant the
    checkpoint completed is the uninterrupted run's, checksum by checksum."""
    expected, files = [], []
    for n, (seed, at) in enumerate(cases):
        full = uninterrupted(tmp_path, seed)
        run, ck = checkpointed(tmp_path, f"c{n}", seed, at)
        assert run["trace"] == full["trace"]          # checkpointing never changes the run
        [info] = run["checkpoints"]
        assert info["requested"] >= at and info["completed"] >= info["requested"]
        expected.append((full, info))
        files.append(ck)
    for (full, info), got in zip(expected, restore_in_fresh_process(files)):
        m = info["outputs"]
        assert got["restored"] is True
        assert got["trace"] == full["trace"][m:]
        assert got["checksum"] == full["checksum"] and got["outputs"] == full["outputs"]


def test_snapshots_are_ragged_and_the_lagging_ones_log(tmp_path):
    """#13 item 2: a request never stops the system; each component snapshots at its own
    next safe point, at its own time; only those that snapshotted before the last one log."""
    run, _ = checkpointed(tmp_path, "lag", 7, 1000)
    [info] = run["checkpoints"]
    times = info["snapshots"]
    assert len(set(times.values())) == 4                     # four different instants
    assert info["completed"] == max(times.values())
    assert info["log-sizes"][info["last"]] == 0
    assert all(info["log-sizes"][n] > 0 for n in times if n != info["last"])


# -- no duplicated outputs -----------------------------------------------------------------

def test_outputs_are_not_emitted_again_while_catching_up(tmp_path):
    """#13 item 3 (no duplicated outputs): the APU snapshots long before the CPU, so while it
    catches up it makes samples again; they are suppressed, and the original run's outputs
    up to the checkpoint followed by the restored run's are exactly the uninterrupted run's."""
    full = uninterrupted(tmp_path, 7)
    run, ck = checkpointed(tmp_path, "dup", 7, 1000)
    m = run["checkpoints"][0]["outputs"]
    got = restore_in_process(ck.read_bytes())
    assert got["suppressed"] > 0
    assert full["trace"][:m] + got["trace"] == full["trace"]


# -- divergence ----------------------------------------------------------------------------

NONDET = """
(def noise 0)
(defn next-noise [] (set! noise (+ noise 7919)) noise)   ; goes on counting when replayed
(defn noisy []
  (let [n (ref 0)]
    {:methods {:read (fn [] (deref n))}
     :run (fn [] (loop [] (ragged/step 10) (ref-set! n (inc (deref n)))
                    (ragged/call :sink :put (next-noise))
                    (ragged/safe-point) (recur)))}))
(defn sink []
  (let [total (ref 0)]
    {:methods {:put (fn [v] (ref-set! total (+ (deref total) v)) nil)}
     :run (fn [] (loop [i 1] (ragged/step 7) (ragged/emit (mod (deref total) 1000))
                    (when (= 0 (mod i 60)) (ragged/safe-point)) (recur (inc i))))}))
(defn make [] {:noisy (noisy) :sink (sink)})
"""


def test_a_nondeterministic_component_stops_replay_at_the_first_different_call(tmp_path):
    """#13 item 3 (divergence): replay stops at the first call that differs from the log,
    with a structured error holding both the logged call and the new one. The component's
    calls depend on a global that is not part of its state, so the same session replaying
    it makes other calls."""
    ck = tmp_path / "nondet.ckpt"
    path = tmp_path / "nondet.tm"
    path.write_text("(import ragged)\n" + NONDET +
                    f'(ragged/run make {{:until 3000 :checkpoint-at [100] :file "{ck}"}})\n')
    s = Session()
    run_file(s, path)
    k = s.run(lambda: deserialize(s, ck.read_bytes()))
    with pytest.raises(TurmericError) as e:
        s.run(machine.run, lambda d: machine.resume(d, k, None), ())
    assert e.value.kind == "thrown"
    assert "diverged from its log" in str(e.value)
    data = py(e.value.value.field_values()[1])
    assert data["ragged/error"] == "divergence" and data["component"] == "noisy"
    assert data["entry"] == 0
    logged = data["logged"]
    assert logged[0] == "out" and logged[1] == "sink" and logged[2] == "put"
    assert data["got"].startswith("call :sink :put [") and str(logged[3][0]) not in data["got"]


CALLS = """
(defn counter []
  (let [n (ref 0)]
    {:methods {:read (fn [] (deref n))}
     :run (fn [] (loop [x 5] (ragged/step (+ 3 (mod x 11))) (ref-set! n (inc (deref n)))
                    (ragged/call :sink :put (mod x 1000))
                    (ragged/safe-point) (recur (mod (+ (* x 75) 74) 65537))))}))
(defn sink []
  (let [total (ref 0)]
    {:methods {:put (fn [v] (ref-set! total (+ (deref total) v)) (deref total))}
     :run (fn [] (loop [i 1] (ragged/step 7)
                    (ragged/emit (mod (+ (deref total) (ragged/call :counter :read)) 100000))
                    (when (= 0 (mod i 60)) (ragged/safe-point)) (recur (inc i))))}))
(defn make [] {:counter (counter) :sink (sink)})
"""


@pytest.mark.parametrize("at", [1, 100, 777])
def test_dynamic_calls_replay_too(tmp_path, at):
    """#13 item 2 with (ragged/call ...) instead of ports: the regression of the first
    version, where calls made while catching up ran for real (they must return the logged
    result and have no effect)."""
    base = "(import ragged)\n" + CALLS
    (tmp_path / "plain.tm").write_text(base + "(ragged/run make {:until 2000 :trace true})\n")
    full = py(run_file(Session(), tmp_path / "plain.tm")[-1])
    ck = tmp_path / "calls.ckpt"
    (tmp_path / "calls.tm").write_text(
        base + f'(ragged/run make {{:until 2000 :trace true :checkpoint-at [{at}] :file "{ck}"}})\n')
    run = py(run_file(Session(), tmp_path / "calls.tm")[-1])
    [info] = run["checkpoints"]
    assert info["log-sizes"]["counter"] > 0
    got = restore_in_process(ck.read_bytes(), tmp_path)
    assert got["trace"] == full["trace"][info["outputs"]:]


# -- bounded logs --------------------------------------------------------------------------

def test_a_full_log_fails_loudly(tmp_path):
    """#13 item 3 (bounded logs): the CPU reaches its safe point only once a frame, so with a
    limit of 5 entries another component's log fills first: a structured error, not memory."""
    path = program(tmp_path, "full", run_opts(7, UNTIL, [1000], ":log-limit 5"))
    with pytest.raises(TurmericError) as e:
        run_file(session(), path)
    data = py(e.value.value.field_values()[1])
    assert data["ragged/error"] == "log-full" and data["limit"] == 5
    assert "cpu" in data["waiting"]
    assert "passed its limit of 5 entries" in str(e.value)


def test_a_full_log_can_abandon_the_checkpoint_and_run_on(tmp_path):
    """#13 item 3 (bounded logs), :on-log-full :abandon: the checkpoint is dropped, no file is
    written and the run goes on unchanged."""
    full = uninterrupted(tmp_path, 7)
    run, ck = checkpointed(tmp_path, "abandon", 7, 1000, extra=":log-limit 5 :on-log-full :abandon")
    assert run["trace"] == full["trace"]
    [info] = run["checkpoints"]
    assert info["requested"] >= 1000 and "abandoned" in info and "cpu" in info["waiting"]
    assert not ck.exists()


# -- soak ----------------------------------------------------------------------------------

def test_saving_and_loading_over_and_over_never_changes_the_run(tmp_path):
    """#13 item 3 (soak): a checkpoint requested every 1500 cycles; the first is restored in a
    new session, whose run writes the next one, which is restored in another new session, and
    so on down the chain: every one continues the uninterrupted run's trace exactly."""
    seed, until = 31, 20000
    full = uninterrupted(tmp_path, seed, until)
    at = list(range(1500, until - 1500, 1500))
    files = "(fn [info] (str \"%s/soak-\" (:requested info) \".ckpt\"))" % tmp_path
    body = run_opts(seed, until, at, f":file {files}")
    first = py(run_file(session(), program(tmp_path, "soak", body))[-1])
    assert first["trace"] == full["trace"]
    written = [i for i in first["checkpoints"] if "file" in i]
    assert len(written) >= 10
    chain = [written[0]]
    while True:
        got = restore_in_process(Path(chain[-1]["file"]).read_bytes(), tmp_path)
        assert got["trace"] == full["trace"][chain[-1]["outputs"]:]
        later = [i for i in got["checkpoints"] if "file" in i]
        if not later:
            break
        chain.append(later[0])
    assert [i["requested"] for i in chain] == [i["requested"] for i in written]


def test_a_restored_run_holds_what_the_call_of_run_would_have_returned(tmp_path):
    """#13 item 2: the checkpoint file is a continuation of the call of run, so the program
    around it goes on after the restored run ends (here: a sum over the result)."""
    ck = tmp_path / "around.ckpt"
    path = program(tmp_path, "around",
                   f'(+ 1000 (:outputs (ragged/run (machine/system 3) '
                   f'(assoc (machine/options 3 2000 [500]) :file "{ck}"))))')
    [_, _, value] = run_file(session(), path)
    s = session(tmp_path)
    k = s.run(lambda: deserialize(s, ck.read_bytes()))
    assert s.run(machine.run, lambda d: machine.resume(d, k, None), ()) == value


# -- the example ---------------------------------------------------------------------------

def test_example_run_and_resume_print_the_same_checksum(run_tm, tmp_path):
    """#13 item 4: `turmeric run main.tm` checkpoints at cycle 6000 and prints the timeline
    and the checksum; `turmeric resume machine.ckpt` restores in a fresh process and prints
    the same checksum (and an uninterrupted run agrees)."""
    run = run_tm("run", str(MACHINE_DIR / "main.tm"), cwd=tmp_path)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode() == (MACHINE_DIR / "main.out").read_text()
    resumed = run_tm("resume", "machine.ckpt", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert resumed.stdout.decode() == (MACHINE_DIR / "main.resume.out").read_text()
    tail = run.stdout.decode().splitlines()[-2:]
    assert resumed.stdout.decode().splitlines() == tail


def test_errors_of_the_interface_are_turmeric_errors(tmp_path):
    """A call of a component or method that does not exist is a structured thrown error."""
    path = tmp_path / "bad.tm"
    path.write_text("(import ragged)\n(defn make [] {:a {:run (fn [] (ragged/call :b :read))}})\n"
                    "(ragged/run make {})\n")
    with pytest.raises(TurmericError) as e:
        run_file(Session(), path)
    assert "there is no component or device :b" in str(e.value)
    path.write_text("(import ragged)\n(defn make [] {:a {:run (fn [] (ragged/call :a :nope))}})\n"
                    "(ragged/run make {})\n")
    with pytest.raises(TurmericError) as e:
        run_file(Session(), path)
    assert ":a has no method :nope" in str(e.value)
