"""Parked workflows against changed code (spec/workflows.md §6, "Code that changed"): the store
keeps the module sources its states name (`turmeric_code`), so `turmeric check --store` reports
a changed frame of a parked workflow as upgradable or refused exactly as for a checkpoint file,
and `turmeric workflow upgrade` moves it onto the new code; a refused one stays parked,
untouched. On SQLite and on a real PostgreSQL server.

The brief's items: "wfcode item 1" (the code table: written with the states, once per hash,
the schema upgraded in place, gc), "item 2" (check --store), "item 3" (upgrade, and a worker
that meets changed code keeps the workflow parked instead of failing it)."""
from __future__ import annotations

import json
import subprocess
import sys

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from test_workflow import engine_for, env_for, pg_server, store_url  # noqa: F401 - fixtures
from turmeric.data.errors import TurmericError
from turmeric.serialize import codestore
from turmeric.serialize.codestore import header_code, source_hash
from turmeric.serialize.encode import serialize
from turmeric.serialize.wire import unpack
from turmeric.session.versions import Checker
from turmeric.workflow.blobs import StoreBlobs
from turmeric.workflow.code import CODE_WHERE, StoreCode
from turmeric.workflow.engine import continuation_of
from turmeric.workflow.stores import open_store
from turmeric.workflow.upgrade import Upgrader

pytestmark = pytest.mark.usefixtures("scratch_cache")

FLOW = """(module flow)
(import workflow)
(defn body [id]
  (let [m (workflow/await-message :go)]
    {:id id :got m :v 1}))
(defn gone [id]
  (let [m (workflow/await-message :go)]
    {:id id :got m}))
(defn renamed [n]
  (let [m (workflow/await-message :go)]
    (+ n m)))
"""
# the new code: body's result changed (same point, same live variables: upgradable); gone no
# longer waits (its point is removed: refused); renamed's parameter is k now, with a migration
NEW_FLOW = """(module flow)
(import workflow)
(defn body [id]
  (let [m (workflow/await-message :go)]
    {:id id :got m :v 2}))
(defn gone [id]
  {:id id :got :nothing})
(defn renamed [k]
  (let [m (workflow/await-message :go)]
    (* 1000 (+ k m))))
(defmigration flow.renamed "OLD" (fn [frame] (update frame :locals (fn [l] (assoc l 'k (get l 'n))))))
"""


def tm(tm_env, cwd, *args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "turmeric.cli", *args], cwd=cwd, env=env_for(tm_env),
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def ok(proc, code=0):
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and "error[internal]" not in proc.stderr, proc.stderr
    return proc


def records_of(data: bytes):
    return unpack(data, None, msgpack.ExtType, verify=False)


def code_hash_of(store, wf_id: str, symbol: str) -> str:
    """The code hash a workflow's parked frame of `symbol` was saved with (its frame header,
    (module, symbol, site, code hash), in the continuation's record)."""
    stack = [records_of(bytes(store.must_get(wf_id).state))[1]]
    while stack:
        x = stack.pop()
        if type(x) in (tuple, list):
            if len(x) == 4 and x[1] == symbol and isinstance(x[3], str):
                return x[3]
            stack.extend(x)
    raise AssertionError(f"no frame of {symbol}")


def test_item3_check_upgrade_and_finish_on_the_new_code_in_fresh_processes(tmp_path, store_url, tm_env):
    """wfcode items 2 and 3: three parked workflows, the code changed under them; check --store
    says upgradable, refused, upgradable (with the same reasons as for a file); workflow upgrade
    moves two, leaves the refused one parked with its bytes untouched; a worker finishes the
    two with the new code's results."""
    (tmp_path / "flow.tm").write_text(FLOW, encoding="utf-8")
    for fn, arg in (("body", '"b"'), ("gone", '"g"'), ("renamed", "5")):
        ok(tm(tm_env, tmp_path, "workflow", "start", "flow.tm", fn, arg, "--id", fn, "--store", store_url))
    store = open_store(store_url)
    old_hash = code_hash_of(store, "renamed", "flow.renamed")
    (tmp_path / "flow.tm").write_text(NEW_FLOW.replace('"OLD"', f'"{old_hash}"'), encoding="utf-8")

    proc = ok(tm(tm_env, tmp_path, "check", "--store", store_url, "--json"), 1)
    got = {r["workflow"]: r for r in json.loads(proc.stdout)["checkpoints"]}
    assert {k: r["status"] for k, r in got.items()} == {"body": "upgradable", "gone": "refused",
                                                        "renamed": "upgradable"}
    [frame] = got["body"]["frames"]
    assert frame["function"] == "flow.body" and "workflow/await-message#1 still exists" in frame["reason"]
    assert frame["file"].startswith("turmeric_code/") and frame["line"] == 4
    assert "the suspension point workflow/await-message#1 no longer exists in flow.gone" in \
        got["gone"]["frames"][0]["reason"]
    assert got["renamed"]["frames"][0]["migration"] is True

    show = ok(tm(tm_env, tmp_path, "workflow", "show", "body", "--store", store_url)).stdout
    assert "code changed: upgradable: turmeric workflow upgrade body moves it onto the new code" in show
    show = json.loads(ok(tm(tm_env, tmp_path, "workflow", "show", "gone", "--json", "--store", store_url)).stdout)
    assert show["code"]["status"] == "refused" and show["code"]["frames"] == got["gone"]["frames"]
    gone_before = bytes(store.must_get("gone").state)
    proc = ok(tm(tm_env, tmp_path, "workflow", "upgrade", "--all", "--store", store_url), 1)
    assert "workflow body: upgraded" in proc.stdout and "workflow renamed: upgraded" in proc.stdout
    assert "workflow gone: refused, left parked as it was" in proc.stdout
    assert "3 parked workflows: 2 upgraded, 0 ok, 1 refused" in proc.stdout
    gone = store.must_get("gone")
    assert gone.status == "parked" and bytes(gone.state) == gone_before and gone.error is None
    states_name_stored_code(store)     # the upgraded states name the new code, kept with them

    proc = ok(tm(tm_env, tmp_path, "check", "--store", store_url, "--json"), 1)
    assert {r["workflow"]: r["status"] for r in json.loads(proc.stdout)["checkpoints"]} == \
        {"body": "ok", "gone": "refused", "renamed": "ok"}
    for wf in ("body", "renamed"):
        ok(tm(tm_env, tmp_path, "workflow", "send", wf, "go", "7", "--store", store_url))
    ok(tm(tm_env, tmp_path, "worker", "--drain", "--store", store_url))
    shown = {wf: json.loads(ok(tm(tm_env, tmp_path, "workflow", "show", wf, "--json", "--store", store_url)).stdout)
             for wf in ("body", "renamed", "gone")}
    assert shown["body"]["status"] == "done" and shown["body"]["result"] == '{:id "b", :got 7, :v 2}'
    assert shown["renamed"]["status"] == "done" and shown["renamed"]["result"] == "12000"
    assert shown["gone"]["status"] == "parked"

    # a worker that meets the refused one (a message woke it) keeps it parked, never fails it
    ok(tm(tm_env, tmp_path, "workflow", "send", "gone", "go", "1", "--store", store_url))
    proc = ok(tm(tm_env, tmp_path, "worker", "--drain", "--store", store_url))
    assert "left parked, for turmeric workflow upgrade gone" in proc.stderr
    gone = open_store(store_url).must_get("gone")
    assert gone.status == "parked" and bytes(gone.state) == gone_before and gone.ready_at is None
    assert gone.error.startswith("error[schema-mismatch]: workflow gone: its stored continuation cannot be loaded")
    show = ok(tm(tm_env, tmp_path, "workflow", "show", "gone", "--store", store_url)).stdout
    assert "code changed: refused: the suspension point workflow/await-message#1 no longer exists" in show
    # the old code back: upgrade finds nothing to move, wakes it, and it consumes its message
    (tmp_path / "flow.tm").write_text(FLOW, encoding="utf-8")
    proc = ok(tm(tm_env, tmp_path, "workflow", "upgrade", "gone", "--store", store_url))
    assert "workflow gone: ok, its code did not change" in proc.stdout
    ok(tm(tm_env, tmp_path, "worker", "--drain", "--store", store_url))
    done = open_store(store_url).must_get("gone")
    assert done.status == "done" and done.error is None


def test_item3_upgrade_usage_and_workflows_that_are_not_parked(tmp_path, tm_env):
    """wfcode item 3: ids or --all, not both nor neither (usage); an unknown id is a value
    error; a finished workflow is refused (exit 1), never changed."""
    (tmp_path / "flow.tm").write_text(FLOW, encoding="utf-8")
    ok(tm(tm_env, tmp_path, "workflow", "start", "flow.tm", "body", '"b"', "--id", "b"))
    ok(tm(tm_env, tmp_path, "workflow", "cancel", "b"))
    neither = ok(tm(tm_env, tmp_path, "workflow", "upgrade"), 64).stderr
    assert neither.startswith("error[usage]") and "one of them" in neither
    both = ok(tm(tm_env, tmp_path, "workflow", "upgrade", "b", "--all"), 64).stderr
    assert "error[usage]" in both and "not both" in both
    assert "there is no workflow x" in tm(tm_env, tmp_path, "workflow", "upgrade", "x").stderr
    proc = ok(tm(tm_env, tmp_path, "workflow", "upgrade", "b", "--json"), 1)
    [r] = json.loads(proc.stdout)["workflows"]
    assert r["status"] == "refused" and "only a parked workflow is upgraded" in r["error"]
    assert ok(tm(tm_env, tmp_path, "workflow", "upgrade", "--all")).stdout.startswith("0 parked workflows")


# -- the code table ----------------------------------------------------------------------------


def states_name_stored_code(store):
    """The class behind item 1: every stored state's header names module versions, and each
    of them is in turmeric_code with the text of its hash."""
    code = StoreCode(store)
    rows = store.x("SELECT id, state FROM workflows WHERE state IS NOT NULL").fetchall()
    assert rows
    for wf_id, data in rows:
        header, _records, _root = records_of(bytes(data))
        named = header_code(header)
        assert "flows" in named or "flow" in named, (wf_id, named)
        for module, h in named.items():
            text = code.get(h)
            assert text is not None and source_hash(text) == h, (wf_id, module)


FLOWS = """
(import workflow)
(defn child [n] (workflow/await-message :go) (* n 2))
(defn parent []
  (let [c (workflow/start child 21)]
    (workflow/step "one" (fn [] 1))
    (workflow/checkpoint)
    (workflow/result c)))
(defn waiter [] (workflow/await-message :go))
"""


def test_item1_every_state_names_code_kept_in_the_same_store(tmp_path, store_url):
    """wfcode item 1: create, a child's creation, a step, a checkpoint, a park, an edit: each
    stored state names the module versions of its session, and the store has each of them;
    a version goes to the table once per process, not at every commit."""
    (tmp_path / "flows.tm").write_text(FLOWS, encoding="utf-8")
    e = engine_for(tmp_path, store_url)
    inserts = []
    x = e.store.x

    def spy(sql, params=()):
        if sql.startswith("INSERT INTO turmeric_code"):
            inserts.append(params[0])
        return x(sql, params)
    e.store.x = spy
    e.start(str(tmp_path / "flows.tm"), "parent", [], "p")
    states_name_stored_code(e.store)
    e.start(str(tmp_path / "flows.tm"), "waiter", [], "w", detach=True)
    states_name_stored_code(e.store)
    assert len(inserts) == len(set(inserts)) >= 2      # flows and workflow, once each
    e.work(drain=True)                                  # the child parks; the parent waits for it
    states_name_stored_code(e.store)
    assert len(inserts) == len(set(inserts))
    n = e.store.x("SELECT COUNT(*) FROM turmeric_code").fetchone()[0]
    assert n == len(set(inserts))


def test_item1_a_store_of_the_old_schema_opens_and_is_upgraded_in_place(tmp_path, store_url):
    """wfcode item 1: a schema-1 store (no turmeric_code) opens, gets the table and version 2,
    and its parked workflow goes on; a store of a newer schema is refused as before."""
    (tmp_path / "flows.tm").write_text(FLOWS, encoding="utf-8")
    e = engine_for(tmp_path, store_url)
    e.start(str(tmp_path / "flows.tm"), "waiter", [], "w")
    s = e.store
    s.transact(lambda: (s.x("DROP TABLE turmeric_code"),
                        s.x("UPDATE turmeric_meta SET value = '1' WHERE key = 'schema'")))
    s.close()
    again = engine_for(tmp_path, store_url)
    assert again.store.x("SELECT value FROM turmeric_meta WHERE key = 'schema'").fetchone()[0] == "2"
    assert again.store.x("SELECT COUNT(*) FROM turmeric_code").fetchone()[0] == 0
    # its states from before name code the store never kept: check says why, nothing breaks
    report = Checker().check("workflow w", bytes(again.store.must_get("w").state), StoreBlobs(again.store),
                             near=str(tmp_path / "flows.tm"), code=StoreCode(again.store), code_where=CODE_WHERE)
    assert report["status"] == "ok"
    again.send("w", "go", 5)
    again.work(drain=True)
    assert again.decode(again.store.must_get("w").result) == 5
    again.store.transact(lambda: again.store.x("UPDATE turmeric_meta SET value = '3' WHERE key = 'schema'"))
    with pytest.raises(TurmericError) as info:
        open_store(store_url)
    assert info.value.kind == "io" and "its schema version is '3', this Turmeric reads version 2" in info.value.message


def test_item1_gc_keeps_the_code_parked_states_name_and_drops_the_rest(tmp_path, store_url):
    """wfcode item 1: a finished workflow's module version is dropped by gc (dry run: counted,
    kept); a parked one's is kept; a process that committed a version before writes it again
    when a gc removed it meanwhile."""
    (tmp_path / "a.tm").write_text("(import workflow)\n(defn fa [] (workflow/await-message :go))\n", encoding="utf-8")
    (tmp_path / "b.tm").write_text("(import workflow)\n(defn fb [] (workflow/await-message :go))\n", encoding="utf-8")
    ea, eb = engine_for(tmp_path, store_url), engine_for(tmp_path, store_url)
    ea.start(str(tmp_path / "a.tm"), "fa", [], "a")
    eb.start(str(tmp_path / "b.tm"), "fb", [], "b")
    s = ea.store

    def modules():
        return sorted(r[0] for r in s.x("SELECT module FROM turmeric_code").fetchall())
    assert modules() == ["a", "b", "workflow"]
    ea.send("a", "go", 1)
    ea.work(drain=True)                # a finishes; b stays parked
    dry = s.collect_garbage(dry_run=True)
    assert dry["code_removed"] == 1 and dry["code_kept"] == 2 and modules() == ["a", "b", "workflow"]
    report = s.collect_garbage()
    assert report["code_removed"] == 1 and modules() == ["b", "workflow"]
    assert s.collect_garbage()["code_removed"] == 0
    # ea committed a's version before, so it does not send it again, but its commit checks it
    ea.start(str(tmp_path / "a.tm"), "fa", [], "a2")
    assert modules() == ["a", "b", "workflow"]
    code = StoreCode(s)
    for wf in ("a2", "b"):
        header, _r, _root = records_of(bytes(s.must_get(wf).state))
        assert all(code.get(h) is not None for h in header_code(header).values())


def test_item1_a_code_row_changed_by_hand_is_a_deserialize_error(tmp_path, store_url):
    """wfcode item 1: the text of a version comes from the table and is checked against its
    hash, like a .turmeric-code file."""
    (tmp_path / "flows.tm").write_text(FLOWS, encoding="utf-8")
    e = engine_for(tmp_path, store_url)
    e.start(str(tmp_path / "flows.tm"), "waiter", [], "w")
    [(h,)] = e.store.x("SELECT hash FROM turmeric_code WHERE module = 'flows'").fetchall()
    e.store.transact(lambda: e.store.x("UPDATE turmeric_code SET source = ? WHERE hash = ?", (b"(defn evil [])", h)))
    with pytest.raises(TurmericError) as info:
        StoreCode(e.store).get(h)
    assert info.value.kind == "deserialize" and "corrupt" in info.value.message
    assert StoreCode(e.store).get("0" * 32) is None and StoreCode(e.store).get("../x") is None


# -- check's report for a workflow is check's report for the same continuation in a file -------

CHANGES = [   # (name, how the code changes, the status check gives)
    ("unchanged", lambda src, h: src, "ok"),
    ("comment", lambda src, h: ";; a comment\n" + src, "ok"),
    ("body", lambda src, h: src.replace("{:id id :got m :v 1}", "{:id id :got m :v 2}"), "upgradable"),
    ("point-removed", lambda src, h: src.replace("(let [m (workflow/await-message :go)]\n    {:id id :got m :v 1})",
                                                 "{:id id}"), "refused"),
    ("local-renamed", lambda src, h: src.replace("(let [m (workflow/await-message :go)]\n    {:id id :got m :v 1})",
                                                 "(let [mm (workflow/await-message :go)]\n    {:id id :got mm})"),
     "upgradable"),      # m is not live at the call: only id is
    ("param-renamed", lambda src, h: src.replace("(defn body [id]", "(defn body [ident]").replace(
        "{:id id :got m :v 1}", "{:id ident :got m}"), "refused"),
    ("migration", lambda src, h: src.replace("(defn body [id]", "(defn body [ident]").replace(
        "{:id id :got m :v 1}", "{:id ident :got m}") +
     f'(defmigration flow.body "{h}" (fn [f] (update f :locals (fn [l] (assoc l \'ident (get l \'id))))))\n',
     "upgradable"),
    ("fn-removed", lambda src, h: src.replace("(defn body [id]", "(defn other [id]"), "refused"),
    ("point-moved", lambda src, h: src.replace("(let [m (workflow/await-message :go)]\n    {:id id :got m :v 1})",
                                               "(do (workflow/await-message :other)\n  (let [m (workflow/await-message :go)]\n    {:id id :got m :v 1}))"),
     "upgradable"),      # a point is named by its callee's ordinal (spec/serialization.md §6): #1 exists
]


def normalized(report: dict) -> dict:
    """A report without what names where it was read: the path, the workflow, the store."""
    out = {k: v for k, v in report.items() if k not in ("path", "workflow")}
    text = json.dumps(out, sort_keys=True)
    text = text.replace("turmeric_code/", codestore.DIRNAME + "/").replace(CODE_WHERE,
                                                                           "the code store beside the checkpoint")
    return json.loads(text)


@pytest.mark.parametrize("name,change,status", CHANGES, ids=[c[0] for c in CHANGES])
def test_item2_check_of_a_workflow_equals_check_of_its_continuation_in_a_file(tmp_path, store_url, name, change,
                                                                               status):
    """wfcode item 2, the class: for each kind of code change, turmeric check's report of a
    parked workflow (its old code read from the store) is the report of the same continuation
    saved to a checkpoint file beside the program (its old code in .turmeric-code)."""
    (tmp_path / "flow.tm").write_text(FLOW, encoding="utf-8")
    e = engine_for(tmp_path, store_url)
    e.start(str(tmp_path / "flow.tm"), "body", ["b"], "w")
    data = bytes(e.store.must_get("w").state)
    k = continuation_of(e.decode(data))
    path = tmp_path / "checkpoint-w.bin"
    code = codestore.store_beside(str(path))
    versions = e.session.code_versions()
    for _m, h, text in versions:
        code.put(h, text)
    path.write_bytes(serialize(e.session, k, code=[[m, h] for m, h, _ in versions]))
    old_hash = code_hash_of(e.store, "w", "flow.body")
    (tmp_path / "flow.tm").write_text(change(FLOW, old_hash), encoding="utf-8")
    from_file = Checker().check(str(path))
    from_store = Checker().check("workflow w", data, StoreBlobs(e.store), near=str(tmp_path / "flow.tm"),
                                 code=StoreCode(e.store), code_where=CODE_WHERE)
    assert from_file["status"] == status, from_file
    assert normalized(from_store) == normalized(from_file)
    if status != "ok":
        assert from_store["frames"], from_store


def test_item3_a_worker_that_claims_the_workflow_during_an_upgrade_wins(tmp_path, store_url):
    """wfcode item 3: the upgrade replaces the state only if the workflow is still parked with
    the state it read; a worker that claimed it meanwhile keeps it, and the upgrade reports
    it as refused, having written nothing."""
    (tmp_path / "flow.tm").write_text(FLOW, encoding="utf-8")
    e = engine_for(tmp_path, store_url)
    e.start(str(tmp_path / "flow.tm"), "body", ["b"], "w")
    before = bytes(e.store.must_get("w").state)
    (tmp_path / "flow.tm").write_text(NEW_FLOW.replace("(defmigration", ";; (defmigration"), encoding="utf-8")
    up = engine_for(tmp_path, store_url)
    rival = open_store(store_url)
    load = up.load_program

    def claimed_meanwhile(path):
        rival.transact(lambda: rival.x("UPDATE workflows SET status = 'running', lease_owner = 'rival' WHERE id = 'w'"))
        return load(path)
    up.load_program = claimed_meanwhile
    r = Upgrader(up).upgrade("w")
    assert r["status"] == "refused" and "changed while it was upgraded (it is running now)" in r["error"], r
    row = rival.must_get("w")
    assert row.status == "running" and row.lease_owner == "rival" and bytes(row.state) == before


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(st.one_of(st.tuples(st.just("start"), st.integers(0, 2)),
                              st.tuples(st.just("finish"), st.integers(0, 5)),
                              st.tuples(st.just("gc"))), min_size=1, max_size=12))
def test_item1_gc_and_commits_interleaved_keep_exactly_the_code_live_states_name(tmp_path_factory, ops):
    """wfcode item 1, the class: whatever the order of starts (by three deploys of the code,
    each its own process-like engine that remembers what it committed), finishes and
    collections, every state that a workflow may still resume names only module versions the
    store has, and after a collection the store has no other."""
    folder = tmp_path_factory.mktemp("interleaved")
    engines = []
    for v in range(3):
        (folder / f"v{v}").mkdir()
        (folder / f"v{v}" / "m.tm").write_text(f"(import workflow)\n(defn f [] (workflow/await-message :go) {v})\n",
                                               encoding="utf-8")
    url = str(folder / "wf.db")
    for v in range(3):
        engines.append(engine_for(folder / f"v{v}", url))
    store = open_store(url)
    started = []

    def live_code() -> set:
        names = set()
        for (data,) in store.x("SELECT state FROM workflows WHERE state IS NOT NULL AND "
                               "status NOT IN ('done', 'failed', 'cancelled')").fetchall():
            names.update(header_code(records_of(bytes(data))[0]).values())
        return names
    for op in ops:
        if op[0] == "start":
            wf = f"w{len(started)}"
            engines[op[1]].start(str(folder / f"v{op[1]}" / "m.tm"), "f", [], wf)
            started.append((wf, op[1]))
        elif op[0] == "finish" and started:
            wf, v = started[op[1] % len(started)]
            if store.must_get(wf).status == "parked":
                engines[v].send(wf, "go", 1)
                engines[v].work(drain=True)
                assert engines[v].decode(store.must_get(wf).result) == v
        elif op[0] == "gc":
            store.collect_garbage()
            assert {r[0] for r in store.x("SELECT hash FROM turmeric_code").fetchall()} == live_code()
        have = {r[0] for r in store.x("SELECT hash FROM turmeric_code").fetchall()}
        assert live_code() <= have


def test_item1_a_commit_writes_again_a_version_it_remembers_that_is_gone(tmp_path, store_url):
    """wfcode item 1: a runner counts, in its commit's UPDATE, the versions it committed before
    and does not send again; one that is gone (removed as a collection would, by hand here) is
    written again in that commit."""
    (tmp_path / "flows.tm").write_text(FLOWS + "(defn twice [] (workflow/await-message :go) "
                                               "(workflow/await-message :go) :two)\n", encoding="utf-8")
    e = engine_for(tmp_path, store_url)
    e.start(str(tmp_path / "flows.tm"), "twice", [], "t")
    s = e.store
    s.transact(lambda: s.x("DELETE FROM turmeric_code"))
    e.send("t", "go", 1)
    e.work(drain=True)                      # parks again: its state names what e remembers
    assert s.must_get("t").status == "parked"
    states_name_stored_code(s)
    assert sorted(r[0] for r in s.x("SELECT module FROM turmeric_code").fetchall()) == ["flows", "workflow"]


def test_item1_keeping_code_costs_a_journaled_step_no_round_trip(tmp_path, store_url):
    """wfcode item 1, measured: a journaled step's commit is BEGIN, the step, the state,
    COMMIT, as before the store kept code: the versions are counted inside the state's UPDATE,
    and on PostgreSQL the collection's shared lock goes with BEGIN."""
    (tmp_path / "flows.tm").write_text(FLOWS + "(defn steps [n] (loop [i 0] (when (< i n) "
                                               "(workflow/step \"s\" (fn [] i)) (recur (inc i)))))\n",
                                       encoding="utf-8")
    e = engine_for(tmp_path, store_url)
    e.start(str(tmp_path / "flows.tm"), "steps", [3], "warm")
    conn, calls = e.store.conn, []

    class Counting:
        def __getattr__(self, name):
            return getattr(conn, name)

        def execute(self, *args, **kw):
            calls.append(args[0])
            return conn.execute(*args, **kw)
    e.store.conn = Counting()
    try:
        e.start(str(tmp_path / "flows.tm"), "steps", [50], "n")
    finally:
        e.store.conn = conn
    assert e.store.must_get("n").status == "done"
    assert len(calls) <= 4 * 50 + 10, len(calls)
