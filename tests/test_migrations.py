"""#10 item 5: frames of changed functions moved onto the new code (`turmeric resume --upgrade`):
automatically when the suspension point still exists with the same live variable names, by a
declared `(defmigration module.fn OLD-HASH (fn [frame] new-frame))` otherwise, or refused
with the reason. spec/cli.md (resume --upgrade), spec/serialization.md §6."""
from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.cli.continuations import checkpointed_value
from turmeric.data.errors import TurmericError
from turmeric.runtime import machine
from turmeric.session.session import Session
from turmeric.session.versions import Checker, load_checkpoint
from conftest import no_python, tm

pytestmark = pytest.mark.usefixtures("scratch_cache")

FLOW = """(module flow)
(defn work [n]
  (let [a (checkpoint "mid" (+ n 1))]
    (println "after" a n)
    a))
(println "result" (work 4))
"""


def ok(proc):
    no_python(proc)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def saved(tmp_path, tm_env, source: str, name: str = "flow.tm"):
    (tmp_path / name).write_text(source, encoding="utf-8")
    ok(tm(tm_env, tmp_path, "run", name))


def old_hash(tmp_path, tm_env, function: str) -> str:
    report = json.loads(tm(tm_env, tmp_path, "check", "--json", ".").stdout)
    [entry] = report["checkpoints"]
    for f in entry["frames"]:
        if f["function"] == function:
            return f["code_hash"]
    raise AssertionError(entry)


def test_item5_a_step_added_after_the_checkpoint_is_upgraded_automatically(tmp_path, tm_env):
    """#10 item 5: work changed (a step after the checkpoint), its point checkpoint:mid is still
    there with the same live variables: plain resume refuses, resume --upgrade runs the new step."""
    saved(tmp_path, tm_env, FLOW)
    (tmp_path / "flow.tm").write_text(FLOW.replace('    a))', '    (println "new step" (* a 2))\n    a))'),
                                      encoding="utf-8")
    proc = tm(tm_env, tmp_path, "resume", "checkpoint-mid.bin")
    assert proc.returncode == 1 and "flow.work changed since" in proc.stderr
    assert "hint: turmeric check checkpoint-mid.bin says whether turmeric resume --upgrade can move" in proc.stderr
    assert ok(tm(tm_env, tmp_path, "resume", "--upgrade", "checkpoint-mid.bin")) == \
        "after 5 4\nnew step 10\nresult 5\n"


def test_item5_a_renamed_live_local_needs_a_migration(tmp_path, tm_env):
    """#10 item 5: n (live at the checkpoint) renamed to order-id: refused with the variables
    named, until a defmigration maps the old frame's n onto order-id."""
    saved(tmp_path, tm_env, FLOW)
    v2 = FLOW.replace("[n]", "[order-id]").replace("(+ n 1)", "(+ order-id 1)").replace("a n)", "a order-id)")
    (tmp_path / "flow.tm").write_text(v2, encoding="utf-8")
    proc = tm(tm_env, tmp_path, "resume", "--upgrade", "checkpoint-mid.bin")
    no_python(proc)
    assert proc.returncode == 1 and "error[schema-mismatch]" in proc.stderr
    assert "the live variables at checkpoint:mid changed: (%checkpoint-random %checkpoint-value n) -> (%checkpoint-random %checkpoint-value order-id)" \
        in proc.stderr and "defmigration flow.work" in proc.stderr
    h = old_hash(tmp_path, tm_env, "flow.work")
    (tmp_path / "flow.tm").write_text(v2 + f"""
(defmigration flow.work "{h}"
  (fn [frame]
    (let [l (:locals frame)]
      (assoc frame :locals (-> l (dissoc 'n) (assoc 'order-id (get l 'n)))))))
""", encoding="utf-8")
    assert ok(tm(tm_env, tmp_path, "resume", "--upgrade", "checkpoint-mid.bin")) == "after 5 4\nresult 5\n"


def test_item5_removing_the_suspended_step_is_refused_with_the_reason(tmp_path, tm_env):
    """#10 item 5: the checkpoint work waits at is gone: refused, naming the frame, the function,
    its source line and the point that no longer exists."""
    saved(tmp_path, tm_env, FLOW)
    (tmp_path / "flow.tm").write_text(FLOW.replace('(checkpoint "mid" (+ n 1))', "(+ n 1)"), encoding="utf-8")
    proc = tm(tm_env, tmp_path, "resume", "--upgrade", "checkpoint-mid.bin")
    no_python(proc)
    assert proc.returncode == 1
    assert "frame 0: flow.work at .turmeric-code/" in proc.stderr
    assert ':3 `(let [a (checkpoint "mid" (+ n 1))]`: the suspension point checkpoint:mid no longer exists' \
        in proc.stderr


SHOP = """(module shop)
(struct Order [id total])
(defn make-order [] (Order 1 20))
(defn work [order]
  (let [a (checkpoint "mid" order.total)]
    (println "after" a order)
    a))
(println "result" (work (make-order)))
"""


def test_item5_a_struct_that_gained_a_field_is_filled_by_a_migration(tmp_path, tm_env):
    """#10 item 5: Order gained a field: refused (the struct's fields named), until a
    migration rebuilds the frame's order from the map of its old fields."""
    saved(tmp_path, tm_env, SHOP, "shop.tm")
    v2 = SHOP.replace("[id total]", "[id total currency]").replace("(Order 1 20)", '(Order 1 20 "EUR")')
    (tmp_path / "shop.tm").write_text(v2, encoding="utf-8")
    proc = tm(tm_env, tmp_path, "resume", "--upgrade", "checkpoint-mid.bin")
    assert proc.returncode == 1 and "struct shop.Order changed its fields" in proc.stderr, proc.stderr
    h = old_hash_of_struct_refusal(tmp_path, tm_env)
    (tmp_path / "shop.tm").write_text(v2 + f"""
(defmigration shop.work "{h}"
  (fn [frame]
    (update-in frame [:locals 'order] (fn [o] (Order (:id o) (:total o) "EUR")))))
""", encoding="utf-8")
    report = json.loads(tm(tm_env, tmp_path, "check", "--json", ".").stdout)
    assert report["counts"] == {"ok": 0, "upgradable": 1, "refused": 0}
    assert ok(tm(tm_env, tmp_path, "resume", "--upgrade", "checkpoint-mid.bin")) == \
        "after 20 (Order 1 20 EUR)\nresult 20\n"


def old_hash_of_struct_refusal(tmp_path, tm_env) -> str:
    proc = tm(tm_env, tmp_path, "check", "--json", ".")
    assert proc.returncode == 1
    [entry] = json.loads(proc.stdout)["checkpoints"]
    assert entry["status"] == "refused" and "struct shop.Order changed its fields" in entry["error"]
    return entry["error"].split('shop.work "')[1].split('"')[0]


# -- the class: what check says is what resume --upgrade does ---------------------------------

BODY = '(println "after" a n)'
BODY_EDITS = {   # at most one edit of the body after the checkpoint; each keeps the point and its variables
    "step after": lambda s: s.replace(BODY, BODY + ' (println "more" (* a n))'),
    "other callee": lambda s: s.replace(BODY, '(println "after" (str a) n)'),
    "let after": lambda s: s.replace(BODY, f'(let [z (* a 3)] {BODY} (println z))'),
}
EDITS = {   # other edits of work, applied in this order -> whether the frame can still be moved automatically
    "new live": (lambda s: s.replace("(let [a", "(let [q (* n 7) a").replace("    a))", '    (println "q" q)\n    a))'),
                 False),
    "step before": (lambda s: s.replace("(let [a", '(println "before")\n  (let [a'), True),
    "renamed checkpoint": (lambda s: s.replace('"mid"', '"middle"'), False),
    "no checkpoint": (lambda s: s.replace('(checkpoint "mid" (+ n 1))', "(+ n 1)"), False),
    "rename n": (lambda s: re.sub(r"\bn\b", "m", s), False),
}


@settings(max_examples=12, deadline=None)
@given(st.sampled_from([None, *sorted(BODY_EDITS)]), st.sets(st.sampled_from(sorted(EDITS)), max_size=2))
def test_check_and_upgrade_agree(body_edit, edits):
    """#10 item 5, the class: for any combination of edits of the suspended function, check
    says upgradable exactly when every edit keeps the point and its live names, resume
    --upgrade then runs the new code from the point (the same output as the new code run
    from the start, after the checkpoint), and a refusal of check is a refusal of --upgrade."""
    with tempfile.TemporaryDirectory() as d, contextlib.chdir(d):
        with open("flow.tm", "w", encoding="utf-8") as f:
            f.write(FLOW)
        s = Session(module_path=[d])
        with contextlib.redirect_stdout(io.StringIO()):
            s.run(lambda: s.load_file("flow.tm", name="flow"))
        v2 = BODY_EDITS[body_edit](FLOW) if body_edit else FLOW
        for e in EDITS:
            if e in edits:
                v2 = EDITS[e][0](v2)
        if v2 == FLOW:
            return
        with open("flow.tm", "w", encoding="utf-8") as f:
            f.write(v2)
        movable = all(EDITS[e][1] for e in edits)
        report = Checker().check("checkpoint-mid.bin")
        assert report["status"] == ("upgradable" if movable else "refused"), (body_edit, edits, report)
        with open("checkpoint-mid.bin", "rb") as f:
            data = f.read()
        new = Session(module_path=[d])
        if not movable:
            with pytest.raises(TurmericError) as err:
                load_checkpoint(new, "checkpoint-mid.bin", data, upgrade=True)
            assert err.value.kind == "schema-mismatch" and "flow.work" in str(report), (err.value, report)
            return
        k = load_checkpoint(new, "checkpoint-mid.bin", data, upgrade=True)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            new.run(machine.run, lambda dd: machine.resume(dd, k, checkpointed_value(new, k)), ())
        fresh = io.StringIO()
        with contextlib.redirect_stdout(fresh):
            s2 = Session(module_path=[d])
            s2.run(lambda: s2.load_file("flow.tm", name="flow"))
        lines = fresh.getvalue().splitlines()
        after = lines[[i for i, x in enumerate(lines) if x.startswith("after")][0]:]
        assert out.getvalue().splitlines() == after


@pytest.mark.parametrize("migrate, kind, message", [
    ("(fn [frame] 42)", "type", "must return a frame: a map with :point and :locals"),
    ("(fn [frame] (assoc frame :point \"nowhere#1\"))", "schema-mismatch", "names the point nowhere#1"),
    ("(fn [frame] (assoc frame :locals {}))", "schema-mismatch", "has no value for order-id"),
    ("(fn [frame] (throw (error \"no way\")))", "thrown", "no way"),
])
def test_item5_a_bad_migration_is_a_turmeric_error(tmp_path, migrate, kind, message):
    """#10 item 5: whatever a migration returns, resume --upgrade fails with a Turmeric error
    naming what is wrong, never a Python exception."""
    with contextlib.chdir(tmp_path), contextlib.redirect_stdout(io.StringIO()):
        (tmp_path / "flow.tm").write_text(FLOW, encoding="utf-8")
        s = Session(module_path=[str(tmp_path)])
        s.run(lambda: s.load_file("flow.tm", name="flow"))
        h = Checker().check("checkpoint-mid.bin")
        assert h["status"] == "ok"
        old = s.modules["flow"].fninfos["flow.work"].code_hash
        v2 = FLOW.replace("[n]", "[order-id]").replace("(+ n 1)", "(+ order-id 1)").replace("a n)", "a order-id)")
        (tmp_path / "flow.tm").write_text(v2 + f'(defmigration flow.work "{old}" {migrate})\n', encoding="utf-8")
        data = (tmp_path / "checkpoint-mid.bin").read_bytes()
        new = Session(module_path=[str(tmp_path)])
        with pytest.raises(TurmericError) as e:
            load_checkpoint(new, "checkpoint-mid.bin", data, upgrade=True)
        assert e.value.kind == kind and message in e.value.message, e.value
