"""Issue #10: parked continuations that survive code changes.

Item 2: `turmeric resume` of a checkpoint without --value continues with the value that was
checkpointed; --value still overrides it; a continuation captured by another shift still gets
nil. Item 1: stable symbols (see the tests further down)."""
from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.cli.continuations import checkpointed_value
from turmeric.data.printer import pr_str
from turmeric.data.values import vector
from turmeric.runtime import machine
from turmeric.serialize.decode import deserialize
from turmeric.session.session import Session

machine.allow_deep_python_stack()

pytestmark = pytest.mark.usefixtures("scratch_cache")


def tm(tm_env, cwd, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "turmeric.cli", *args], cwd=cwd, env=tm_env,
                          capture_output=True, text=True, timeout=120)


def ok(proc):
    assert "Traceback" not in proc.stderr and "error[internal]" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


# -- #10 item 2: checkpoint resumes with its value -------------------------------------------

ORDER = """
(module order)
(defn charge-payment [n] {:charged n :ref "ch_1"})
(defn process-order [order-id]
  (def charge-result (checkpoint "payment-charged" (charge-payment order-id)))
  (println "charged" charge-result)
  (checkpoint "shipped" (str "shipped " order-id " with " charge-result.ref)))
(println "result:" (process-order 42))
"""


def test_resume_without_value_gives_the_checkpointed_value_back(tmp_path, tm_env):
    """#10 item 2: the seed's (checkpoint "payment-charged" charge-result) gives it back."""
    (tmp_path / "order.tm").write_text(ORDER, encoding="utf-8")
    first = ok(tm(tm_env, tmp_path, "run", "order.tm"))
    assert first == 'charged {:charged 42, :ref ch_1}\nresult: shipped 42 with ch_1\n'
    assert ok(tm(tm_env, tmp_path, "resume", "checkpoint-payment-charged.bin")) == first
    assert ok(tm(tm_env, tmp_path, "resume", "checkpoint-shipped.bin")) == "result: shipped 42 with ch_1\n"
    # --value still overrides, also with nil
    over = ok(tm(tm_env, tmp_path, "resume", "checkpoint-payment-charged.bin", "--value", '{:ref "ch_9"}'))
    assert over == 'charged {:ref ch_9}\nresult: shipped 42 with ch_9\n'
    assert ok(tm(tm_env, tmp_path, "resume", "checkpoint-shipped.bin", "--value", "nil")) == "result: nil\n"


def test_a_continuation_of_another_shift_still_resumes_with_nil(tmp_path, tm_env):
    """#10 item 2: only a checkpoint's continuation has a value to give back."""
    (tmp_path / "own.tm").write_text("""
(defn step [x]
  (def r (cloneable-shift [k] (write-file "own.bin" (serialize k)) (k x)))
  (println "got" r))
(cloneable-reset (fn [] (step 7)))
""", encoding="utf-8")
    assert ok(tm(tm_env, tmp_path, "run", "own.tm")) == "got 7\n"
    assert ok(tm(tm_env, tmp_path, "resume", "own.bin")) == "got nil\n"


@settings(max_examples=25, deadline=None)
@given(st.one_of(st.integers(), st.text(max_size=20), st.none(), st.booleans(),
                 st.lists(st.integers(), max_size=5).map(vector)))
def test_checkpointed_value_round_trips(value):
    """#10 item 2, the class: whatever value a checkpoint continued with, the continuation it
    saved holds it (what `resume` without --value passes), and resuming with it gives the
    result of the first run."""
    with tempfile.TemporaryDirectory() as d, contextlib.chdir(d):
        s = Session()
        first = s.eval_string(f"""
(defn job [] (let [v (checkpoint "p" (quote {pr_str(value)}))] [v (count (str v))]))
(cloneable-reset (fn [] (job)))""")[-1]
        with open("checkpoint-p.bin", "rb") as f:
            data = f.read()
        fresh = Session()
        fresh.eval_string(f"(defn job [] (let [v (checkpoint \"p\" (quote {pr_str(value)}))] [v (count (str v))]))")
        k = fresh.run(lambda: deserialize(fresh, data))
        assert checkpointed_value(fresh, k) == value
        again = fresh.run(machine.run, lambda dd: machine.resume(dd, k, checkpointed_value(fresh, k)), ())
        assert again == first and again[0] == value
