"""#10 item 3: `turmeric check PATH... [--store URL] [--json]` loads every saved continuation
against the current code, runs none of it, and reports each as ok, upgradable or refused,
naming the frame, the function, the source line and what changed; the exit code is 1 when
anything is refused (spec/cli.md)."""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import ROOT, no_python, tm

pytestmark = pytest.mark.usefixtures("scratch_cache")

FLOW = """(module flow)
(defn helper [x] (* x 10))
(defn work [n]
  (let [a (checkpoint "mid" (+ n 1))]
    (spit "ran.txt" "resumed")
    (println "after" a (helper n))
    a))
(println "result" (work 4))
"""
CHANGES = {     # folder -> (new source, expected status, what the report must say)
    "same": (FLOW.replace("(* x 10)", "(* x 100)"), "ok", None),
    "added": (FLOW.replace("    a))", '    (println "one more step")\n    a))'), "upgradable",
              "its suspension point checkpoint:mid still exists"),
    "renamed": (FLOW.replace("[n]", "[k]").replace("(+ n 1)", "(+ k 1)").replace("(helper n)", "(helper k)"),
                "refused", "the live variables at checkpoint:mid changed: (%checkpoint-random %checkpoint-value n) -> "
                           "(%checkpoint-random %checkpoint-value k)"),
    "removed": (FLOW.replace('(checkpoint "mid" (+ n 1))', "(+ n 1)"), "refused",
                "the suspension point checkpoint:mid no longer exists in flow.work"),
    "gone": (FLOW.replace("(defn work", "(defn labour").replace("(work 4)", "(labour 4)"), "refused",
             "function flow.work no longer exists"),
}


@pytest.fixture(scope="module")
def parked(tmp_path_factory, tm_env):
    """One checkpoint per folder, then each folder's code changed as CHANGES says."""
    root = tmp_path_factory.mktemp("parked")
    first = root / "same"
    first.mkdir()
    (first / "flow.tm").write_text(FLOW, encoding="utf-8")
    proc = tm(tm_env, first, "run", "flow.tm")
    assert proc.returncode == 0, proc.stderr
    (first / "ran.txt").unlink()
    for name, (source, _status, _why) in CHANGES.items():
        if name != "same":
            shutil.copytree(first, root / name)
        (root / name / "flow.tm").write_text(source, encoding="utf-8")
    (root / "corrupt").mkdir()
    (root / "corrupt" / "checkpoint-x.bin").write_bytes(b"TMRC" + b"\0" * 40)
    return root


def test_item3_each_checkpoint_is_ok_upgradable_or_refused_with_the_reason(parked, tm_env):
    """#10 item 3: one run over all folders (a corrupt file among them) reports each, runs none."""
    proc = tm(tm_env, parked, "check", "--json", ".")
    no_python(proc)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    by_folder = {e["path"].split("/")[1]: e for e in report["checkpoints"]}
    assert set(by_folder) == set(CHANGES) | {"corrupt"}
    for name, (_source, status, why) in CHANGES.items():
        entry = by_folder[name]
        assert entry["status"] == status, (name, entry)
        if why is not None:
            text = entry.get("error", "") + " ".join(f["reason"] for f in entry["frames"])
            assert why in text, (name, entry)
    assert by_folder["corrupt"]["status"] == "refused" and by_folder["corrupt"]["kind"] == "deserialize"
    # a refused frame is named with its function, source line and what changed
    [frame] = by_folder["removed"]["frames"]
    assert frame["frame"] == 0 and frame["function"] == "flow.work" and frame["line"] == 4
    assert frame["source"] == '(let [a (checkpoint "mid" (+ n 1))]'
    assert frame["code_hash"] != frame["new_hash"]
    assert report["counts"] == {"ok": 1, "upgradable": 1, "refused": 4}
    assert not list(parked.glob("*/ran.txt"))      # nothing was resumed


def test_item3_text_output_and_exit_codes(parked, tm_env):
    """#10 item 3: the text report names frame, function and line; exit 0 with nothing refused."""
    proc = tm(tm_env, parked, "check", "same", "added")
    no_python(proc)
    assert proc.returncode == 0, proc.stderr
    assert "same/checkpoint-mid.bin: ok" in proc.stdout and "added/checkpoint-mid.bin: upgradable" in proc.stdout
    assert "2 checked: 1 ok, 1 upgradable" in proc.stdout
    proc = tm(tm_env, parked, "check", "removed")
    assert proc.returncode == 1
    assert "frame 0: flow.work at .turmeric-code/" in proc.stdout and "(the saved version):4" in proc.stdout
    usage = tm(tm_env, parked, "check")
    assert usage.returncode == 64 and "error[usage]" in usage.stderr
    missing = tm(tm_env, parked, "check", "no-such-folder")
    assert missing.returncode == 66 and "no such file or directory" in missing.stderr


def test_item3_check_over_the_parked_workflows_of_a_store(tmp_path, tm_env):
    """#10 item 3: --store checks every parked workflow's state, running none."""
    for f in (ROOT / "examples" / "workflows").glob("*.tm"):
        shutil.copy(f, tmp_path / f.name)
    env = {k: v for k, v in tm_env.items() if k != "TURMERIC_STORE"}
    proc = tm(env, tmp_path, "workflow", "start", "seed_003.tm", "messaging", "--id", "m")
    assert proc.returncode == 0, proc.stderr
    proc = tm(env, tmp_path, "check", "--store", "turmeric.db", "--json")
    no_python(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [entry] = json.loads(proc.stdout)["checkpoints"]
    assert entry["workflow"] == "m" and entry["status"] == "ok"
    source = (tmp_path / "seed_003.tm").read_text(encoding="utf-8")
    (tmp_path / "seed_003.tm").write_text(source.replace('(println "messaging: the reply is" b)',
                                                         '(println "the reply:" b)'), encoding="utf-8")
    # the store keeps the code its states name (wfcode item 2): a changed body with the same
    # suspension point and live variables is upgradable, as for a checkpoint file
    proc = tm(env, tmp_path, "check", "--store", "turmeric.db")
    assert proc.returncode == 0 and "workflow m: upgradable" in proc.stdout, proc.stdout
    assert "messaging" in proc.stdout and "(turmeric workflow upgrade)" in proc.stdout
    (tmp_path / "seed_003.tm").write_text(source.replace("b (workflow/await-message :reply)", "b 1"),
                                          encoding="utf-8")
    proc = tm(env, tmp_path, "check", "--store", "turmeric.db")
    assert proc.returncode == 1 and "workflow m: refused" in proc.stdout, proc.stdout
    assert "the suspension point workflow/await-message#1 no longer exists" in proc.stdout
