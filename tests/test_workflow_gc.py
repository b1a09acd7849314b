"""Garbage collection of the workflow store's chunks (#11, `turmeric workflow gc`): chunks that
no stored state, result, message or step result names any more are removed, every other one
is kept, on SQLite and on PostgreSQL; a runner that names a chunk it wrote before (and so does
not write again) never loses it to a concurrent collection."""
from __future__ import annotations

import threading

import pytest

from turmeric.data.errors import TurmericError
from turmeric.data.values import vector
from test_workflow import engine_for, pg_server, store_url, tm  # noqa: F401 - fixtures
from turmeric.workflow.stores import open_store

pytestmark = pytest.mark.usefixtures("scratch_cache")

FLOWS = """
(import workflow)
;; carries a large vector that changes at each message: the old states' chunks become garbage
(defn grower [rounds]
  (loop [i 0 big (vec (range 3000))]
    (if (< i rounds)
      (let [m (workflow/await-message :more)]
        (recur (inc i) (vec (map (fn [x] (+ x m)) big))))
      (reduce + 0 big))))
;; names the same large value (the same chunks) as every other `carrier`
(defn carrier [n]
  (let [big (vec (range 2048))]
    (workflow/await-message :go)
    (+ n (count big) (reduce + 0 big))))
;; finishes holding a large value in its state, after consuming a large message
(defn holder []
  (let [big (vec (range 5000 8000))
        m (workflow/await-message :big)]
    (+ (count big) (count m))))
(defn drop-it []
  (let [big (vec (range 2048))]
    (workflow/await-message :go)
    (count big)))
"""


@pytest.fixture
def gflows(tmp_path):
    (tmp_path / "g.tm").write_text(FLOWS, encoding="utf-8")
    return tmp_path


def every_stored_value_loads(engine):
    """Each state, result, message and step result of the store deserializes: no chunk that
    something names is missing."""
    s = engine.store
    for (data,) in s.x("SELECT state FROM workflows WHERE state IS NOT NULL UNION ALL "
                       "SELECT result FROM workflows WHERE result IS NOT NULL UNION ALL "
                       "SELECT value FROM messages WHERE LENGTH(value) > 0 UNION ALL "
                       "SELECT result FROM steps").fetchall():
        engine.decode(bytes(data))


def chunk_count(store) -> int:
    return store.x("SELECT COUNT(*) FROM chunks").fetchone()[0]


def test_gc_removes_only_the_chunks_nothing_names(gflows, store_url):
    """#11 (chunk gc): after a few messages the large value's old versions are garbage; gc
    removes them, keeps the current one, and the workflow goes on to the right result."""
    e = engine_for(gflows, store_url)
    e.start(str(gflows / "g.tm"), "grower", [3], "g")
    for i in range(2):
        e.send("g", "more", 1)
        e.work(drain=True)
    before = chunk_count(e.store)
    report = open_store(store_url).collect_garbage(dry_run=True)
    assert report["removed"] > 0 and chunk_count(e.store) == before      # a dry run deletes nothing
    report = open_store(store_url).collect_garbage()
    assert report["removed"] > 0 and report["referenced"] > 0 and report["bytes"] > 0
    assert chunk_count(e.store) == before - report["removed"] == report["referenced"]
    every_stored_value_loads(e)
    assert open_store(store_url).collect_garbage()["removed"] == 0          # nothing more to take
    e.send("g", "more", 1)
    e.work(drain=True)
    row = e.store.must_get("g")
    assert row.status == "done", row.error
    assert e.decode(row.result) == sum(range(3000)) + 3 * 3000


def test_a_runner_that_reuses_a_collected_chunk_writes_it_again(gflows, store_url):
    """#11 (chunk gc), the concurrent writer: engine E stored a large value's chunks, then
    nothing names them (the workflow that carried them finished with a small result... and
    its state was replaced); gc removes them; E's next workflow names the same chunks without
    writing them (E remembers them as stored): its commit sees they are gone, E forgets what
    it stored and runs that workflow again from its last commit, writing them. Nothing is lost."""
    said = []
    e = engine_for(gflows, store_url, log=said.append)
    e.start(str(gflows / "g.tm"), "drop-it", [], "d")          # parks, naming the chunks
    e.store.cancel("d")
    e.store.transact(lambda: e.store.x("UPDATE workflows SET state = NULL WHERE id = 'd'"))
    assert open_store(store_url).collect_garbage()["removed"] > 0       # d's chunks are garbage now
    assert chunk_count(e.store) == 0
    assert e.blobs.known_names                                       # E still thinks them stored
    e.start(str(gflows / "g.tm"), "carrier", [1], "c")              # names them again: rewritten
    assert chunk_count(e.store) > 0
    assert any("collected meanwhile; running it again" in line for line in said)
    every_stored_value_loads(e)
    e.send("c", "go", True)
    e.work(drain=True)
    assert e.decode(e.store.must_get("c").result) == 1 + 2048 + sum(range(2048))


def test_gc_running_all_along_never_loses_a_named_chunk(gflows, store_url):
    """#11 (chunk gc), the class: a collector runs in a loop, on its own connection, while an
    engine starts, wakes and finishes workflows that all name the same large value (which
    becomes garbage and is named again over and over); every workflow ends with the right
    result and every stored value still loads."""
    e = engine_for(gflows, store_url)
    stop = threading.Event()
    runs = []
    errors = []

    def collector():
        gc_store = open_store(store_url)
        try:
            while not stop.is_set():
                runs.append(gc_store.collect_garbage()["removed"])
                stop.wait(0.005)
        except Exception as ex:  # noqa: BLE001 - reported below
            errors.append(ex)
        finally:
            gc_store.close()

    t = threading.Thread(target=collector)
    t.start()
    try:
        for i in range(12):
            e.start(str(gflows / "g.tm"), "carrier", [i], f"c{i}")
            e.send(f"c{i}", "go", True)
            e.work(drain=True)
            # the finished workflow's state no longer matters: drop it, so its chunks are garbage
            e.store.transact(lambda i=i: e.store.x("UPDATE workflows SET state = NULL WHERE id = ?", (f"c{i}",)))
    finally:
        stop.set()
        t.join()
    assert not errors, errors
    assert len(runs) > 1 and any(runs)           # collections ran, and found garbage
    for i in range(12):
        row = e.store.must_get(f"c{i}")
        assert row.status == "done", row.error
        assert e.decode(row.result) == i + 2048 + sum(range(2048))
    every_stored_value_loads(e)


def test_the_gc_command(gflows, tm_env, store_url):
    """#11 (chunk gc): `turmeric workflow gc [--dry-run]` says what it removed."""
    e = engine_for(gflows, store_url)
    e.start(str(gflows / "g.tm"), "grower", [2], "g")
    e.send("g", "more", 1)
    e.work(drain=True)
    dry = tm(tm_env, gflows, "workflow", "gc", "--dry-run", "--store", store_url)
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.startswith("would remove ") and " chunks " in dry.stdout
    real = tm(tm_env, gflows, "workflow", "gc", "--store", store_url)
    assert real.returncode == 0, real.stderr
    assert real.stdout.startswith("removed ") and "kept" in real.stdout
    assert tm(tm_env, gflows, "workflow", "gc", "--store", store_url).stdout.startswith("removed 0 chunks")


def test_gc_stops_at_bytes_it_cannot_read(gflows, store_url):
    """#11 (chunk gc): a corrupt stored state might name any chunk: gc deletes nothing and
    says which workflow it could not read."""
    e = engine_for(gflows, store_url)
    e.start(str(gflows / "g.tm"), "grower", [2], "g")
    e.send("g", "more", 1)
    e.work(drain=True)
    e.store.transact(lambda: e.store.x("UPDATE workflows SET state = ? WHERE id = 'g'", (b"garbage",)))
    before = chunk_count(e.store)
    with pytest.raises(TurmericError) as err:
        open_store(store_url).collect_garbage()
    assert err.value.kind == "deserialize" and "workflows.state of workflow g" in err.value.message
    assert chunk_count(e.store) == before


def test_gc_drops_what_finished_workflows_and_consumed_messages_leave(gflows, store_url):
    """#11 leftover: the last state of a finished workflow and the value of a consumed message
    are read by nothing, yet they kept their chunks for ever. gc drops them (the dry run only
    counts them) and then removes their chunks; the result stays readable, and a message id
    sent again after its message was consumed is still delivered only once."""
    e = engine_for(gflows, store_url)
    e.start(str(gflows / "g.tm"), "holder", [], "h")
    e.send("h", "big", vector(range(9000, 12000)), "m-1")
    e.work(drain=True)
    row = e.store.must_get("h")
    assert row.status == "done" and e.decode(row.result) == 6000
    assert row.state is not None and chunk_count(e.store) > 0
    dry = open_store(store_url).collect_garbage(dry_run=True)
    assert (dry["states"], dry["messages"]) == (1, 1) and dry["removed"] > 0
    assert e.store.must_get("h").state is not None                       # a dry run changes nothing
    report = open_store(store_url).collect_garbage()
    assert (report["states"], report["messages"], report["removed"]) == (1, 1, dry["removed"])
    assert e.store.must_get("h").state is None and chunk_count(e.store) == report["referenced"]
    assert e.decode(e.store.must_get("h").result) == 6000
    every_stored_value_loads(e)
    again = open_store(store_url).collect_garbage()
    assert (again["states"], again["messages"], again["removed"]) == (0, 0, 0)
    assert e.send("h", "big", vector([1]), "m-1") is False                       # delivered before: still once
