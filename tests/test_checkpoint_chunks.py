"""Issue #14, the checkpoint rows: a checkpoint costs what changed, not what it holds.

Counted, never timed: how many chunks are encoded and hashed (BlobStore.store_chunk), how many
chunk files appear, and which system calls one atomic write makes. The property tests check
the class behind each row: whatever a vector or a list went through between checkpoints, the
remembered chunk names give exactly the bytes a writer with no memory writes, every
checkpoint reads back equal, and the work done is bounded by what changed."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.equality import equals
from turmeric.data.values import PList, PMap, Keyword, cons, plist, vector
from turmeric.serialize import atomic, blobs as blobs_module, wire
from turmeric.serialize.blobs import CHUNK, DIRNAME, BlobStore, collect_garbage, store_beside
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.serialize.format import CHUNKED_LIST_FROM_END, T_CHUNKED
from turmeric.session.session import Session

pytestmark = pytest.mark.usefixtures("scratch_cache")


class Counted:
    """Counts the chunks encoded and hashed (store_chunk calls) while it is active."""

    def __init__(self, monkeypatch):
        self.chunks = 0
        real = BlobStore.store_chunk

        def store_chunk(store, part, encode_chunk):
            self.chunks += 1
            return real(store, part, encode_chunk)
        monkeypatch.setattr(BlobStore, "store_chunk", store_chunk)


def write(session, path, value):
    session.core["%write-checkpoint"](0, str(path), value)


def read(path):
    return deserialize(Session(), Path(path).read_bytes(), blobs=store_beside(str(path)))


def chunk_files(folder) -> set:
    store = Path(folder) / DIRNAME
    return set(os.listdir(store)) if store.is_dir() else set()


def grown_list(lst, items):
    for x in items:
        lst = cons(x, lst)
    return lst


# -- rows 1 and 2: unchanged data, and 1,000 new items on 100,000 -----------------------------

@pytest.mark.parametrize("kind", ["vector", "list"])
def test_item14_unchanged_data_gets_no_new_chunk_and_is_not_hashed_again(tmp_path, monkeypatch, kind):
    """#14 (checkpoint rows): across two checkpoints of unchanged data the chunk store gets
    no new chunk, and no chunk is encoded again."""
    s = Session()
    value = vector(range(100_000)) if kind == "vector" else plist(range(100_000))
    write(s, tmp_path / "ck.bin", value)
    before = chunk_files(tmp_path)
    assert len(before) == 100_000 // CHUNK
    counted = Counted(monkeypatch)
    write(s, tmp_path / "ck.bin", value)
    assert chunk_files(tmp_path) == before and counted.chunks == 0
    assert list(read(tmp_path / "ck.bin")) == list(value)


def test_item14_a_vector_that_grew_by_1000_items_encodes_only_the_new_chunks(tmp_path, monkeypatch):
    """#14 row 1: a new vector object (conj onto the stored one) used to miss the id-keyed
    memo, so all 97 chunks were packed and hashed again; its tree nodes are shared with the
    stored version, and name their chunks."""
    s = Session()
    v = vector(range(99_000))
    write(s, tmp_path / "ck.bin", v)
    before = chunk_files(tmp_path)
    v2 = v
    for i in range(1000):        # as (conj v i) does, one item at a time
        v2 = v2.append(-i)
    counted = Counted(monkeypatch)
    write(s, tmp_path / "ck.bin", v2)
    new = chunk_files(tmp_path) - before
    assert counted.chunks <= 2 and len(new) <= 2, (counted.chunks, len(new))
    assert list(read(tmp_path / "ck.bin")) == list(v2)


def test_item14_a_list_grown_with_cons_encodes_only_the_new_chunks(tmp_path, monkeypatch):
    """#14 row 2: a list is chunked from its end, so consing 1,000 items onto a stored
    100,000-item list shifts no chunk boundary: about one new chunk, not 98."""
    s = Session()
    lst = plist(range(100_000))
    write(s, tmp_path / "ck.bin", lst)
    before = chunk_files(tmp_path)
    lst2 = grown_list(lst, range(1000))
    counted = Counted(monkeypatch)
    write(s, tmp_path / "ck.bin", lst2)
    new = chunk_files(tmp_path) - before
    assert counted.chunks <= 2 and len(new) <= 2, (counted.chunks, len(new))
    back = read(tmp_path / "ck.bin")
    assert type(back) is PList and list(back) == list(lst2)


def test_item14_a_list_chunked_from_its_end_is_format_4_and_gc_keeps_its_chunks(tmp_path):
    """The record of a list chunked from its end is new (spec/serialization.md 4a): the data
    says format version 4, so an older reader refuses it by its version; gc-blobs finds its
    chunk names as for any chunked record. Data without such a list stays version 2."""
    s = Session()
    write(s, tmp_path / "ck.bin", plist(range(5000)))
    data = (tmp_path / "ck.bin").read_bytes()
    assert data[4] == wire.LIST_FROM_END_VERSION == 4
    _header, records, _root = wire.unpack(data, None, lambda code, b: None)
    assert [r[1] for r in records if r[0] == T_CHUNKED] == [CHUNKED_LIST_FROM_END]
    report = collect_garbage(str(tmp_path), min_age=0)
    assert report["removed"] == 0 and report["referenced"] == 5000 // CHUNK
    assert list(read(tmp_path / "ck.bin")) == list(range(5000))
    write(s, tmp_path / "v.bin", vector(range(5000)))
    assert (tmp_path / "v.bin").read_bytes()[4] == wire.FORMAT_VERSION == 2


# -- the class: any history, the memo's bytes are a fresh writer's, and the work is bounded ----

OPS = st.lists(st.tuples(st.sampled_from(["grow", "set", "pop", "new", "same", "maps", "wipe"]),
                         st.integers(0, 3000)), min_size=1, max_size=7)


def step(kind, value, op, k):
    """The value after one operation, and how many items it changed (None: all of them)."""
    n = len(value)
    if op == "grow":
        if kind == "vector":
            return value.extend(range(k)), k
        return grown_list(value, range(k)), k
    if op == "set" and n:
        if kind == "vector":
            return value.set(k % n, ("x", k)), 1
        return cons(("x", k), value), 1
    if op == "pop" and n:
        if kind == "vector":
            return value.delete(n - 1), None      # (delete makes a new tree)
        return value.rest, 0
    if op == "new":
        return (vector if kind == "vector" else plist)(range(k, k + 2 * k)), None
    if op == "maps":
        maps = [PMap({Keyword("i"): i}) for i in range(k)]
        return (value.extend(maps) if kind == "vector" else grown_list(value, maps)), k
    return value, 0


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(["vector", "list"]), ops=OPS)
def test_item14_class_remembered_chunks_are_exactly_what_a_fresh_writer_writes(tmp_path_factory, kind, ops):
    """For any history of a vector or a list (growing, an item changed, shrinking, replaced,
    maps among the items, the store deleted by hand), each checkpoint from the remembering
    session has the same bytes as one from a session that remembers nothing, reads back
    equal, and encodes at most the chunks the change touched (plus two)."""
    folder = tmp_path_factory.mktemp("class")
    s = Session()
    value = vector(range(4000)) if kind == "vector" else plist(range(4000))
    write(s, folder / "ck.bin", value)
    for op, k in ops:
        value, changed = step(kind, value, op, k)
        if op == "wipe":
            for name in chunk_files(folder):
                os.unlink(folder / DIRNAME / name)
        calls = []
        real = BlobStore.store_chunk
        BlobStore.store_chunk = lambda store, part, enc: calls.append(1) or real(store, part, enc)
        try:
            write(s, folder / "ck.bin", value)
        finally:
            BlobStore.store_chunk = real
        remembered = (folder / "ck.bin").read_bytes()
        if changed is not None and op != "wipe":
            assert len(calls) <= changed // CHUNK + 2, (op, k, len(calls))
        write(Session(), folder / "fresh.bin", value)
        assert (folder / "fresh.bin").read_bytes()[10:-32] == remembered[10:-32]
        assert equals(read(folder / "ck.bin"), value)


def test_item14_memo_never_names_a_chunk_for_a_value_that_died(tmp_path):
    """Ids and node addresses are reused once their value dies: the memo holds each value it
    describes, so a new vector at a dead one's address is never given the dead one's chunks."""
    s = Session()
    for i in range(30):
        v = vector(range(i, i + 3000))
        write(s, tmp_path / "ck.bin", v)
        assert list(read(tmp_path / "ck.bin")) == list(range(i, i + 3000))
        del v


def test_item14_vectors_without_a_readable_tree_are_written_the_same(tmp_path, monkeypatch):
    """Where the vector's tree cannot be read (another pyrsistent build), the generic path
    writes the same bytes (a differential test of the two paths)."""
    v = vector([("s%d" % i) for i in range(5000)]).extend([PMap({Keyword("a"): i}) for i in range(2000)])
    fast = serialize(Session(), v, blobs=BlobStore(str(tmp_path / "a")))
    monkeypatch.setattr(blobs_module, "vector_layout", lambda: None)
    slow = serialize(Session(), v, blobs=BlobStore(str(tmp_path / "b")))
    assert fast[10:-32] == slow[10:-32]
    assert sorted(os.listdir(tmp_path / "a")) == sorted(os.listdir(tmp_path / "b"))


def test_item14_large_integers_in_a_chunk_are_a_payload_chunk(tmp_path):
    """Plain-looking items that msgpack cannot write (integers over 64 bits) make a payload
    chunk instead of an error."""
    s = Session()
    v = vector([1 << 70] * 1500 + list(range(1000)))
    write(s, tmp_path / "ck.bin", v)
    assert list(read(tmp_path / "ck.bin")) == list(v)


# -- row 3: one small checkpoint is one data fsync, one rename, one directory fsync ------------

def test_item14_an_atomic_write_is_one_fsync_one_rename_one_directory_fsync(tmp_path, monkeypatch):
    """#14 row 3: a small checkpoint (no chunks) makes exactly these calls: no stat, no
    random temporary name, no blob store folder, no fsync of a folder it did not write to."""
    calls = []
    for name in ("fsync", "replace", "stat", "lstat", "makedirs", "utime", "unlink", "rename"):
        real = getattr(os, name)
        monkeypatch.setattr(os, name, lambda *a, _real=real, _name=name, **kw: calls.append(_name) or _real(*a, **kw))
    s = Session()
    write(s, tmp_path / "ck.bin", vector(range(100)))   # (the code store is written once before)
    calls.clear()
    write(s, tmp_path / "ck.bin", vector(range(200)))
    assert calls == ["fsync", "replace", "fsync"], calls
    assert not (tmp_path / DIRNAME).exists()
    assert list(read(tmp_path / "ck.bin")) == list(range(200))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")] == []


def test_item14_chunks_of_one_checkpoint_share_one_directory_fsync(tmp_path, monkeypatch):
    """The new chunks of a checkpoint are each fsynced and renamed; their folder is synced
    once, before the checkpoint that names them is written."""
    synced = []
    real = atomic.sync_dir
    monkeypatch.setattr(blobs_module, "sync_dir", lambda d: synced.append(d) or real(d))
    s = Session()
    write(s, tmp_path / "ck.bin", vector(range(10 * CHUNK)))
    assert synced == [str(tmp_path / DIRNAME)] and len(chunk_files(tmp_path)) == 10


def test_item14_a_leftover_temporary_name_is_not_in_the_way(tmp_path):
    """The temporary name is the process's and thread's: one left by an earlier process with
    the same pid is skipped, not overwritten, and gc-blobs still removes it once old."""
    stale = tmp_path / f".tmp-{os.getpid()}-{threading.get_ident()}-ck.bin.part"
    stale.write_bytes(b"left over")
    atomic.atomic_write(str(tmp_path / "ck.bin"), b"new")
    assert (tmp_path / "ck.bin").read_bytes() == b"new" and stale.read_bytes() == b"left over"
    os.utime(stale, (1, 1))
    assert collect_garbage(str(tmp_path), min_age=600)["removed"] == 1 and not stale.exists()


def test_item14_an_atomic_write_continues_after_a_partial_write(tmp_path, monkeypatch):
    """atomic_write writes with os.write, which may take only part of the data (a signal, a
    full pipe, a slow disk): it goes on until every byte is written, then fsyncs."""
    real_write, calls = os.write, []

    def one_at_a_time(fd, data):
        calls.append(len(data))
        return real_write(fd, bytes(data[:7]))
    monkeypatch.setattr(os, "write", one_at_a_time)
    data = bytes(range(256)) * 3
    atomic.atomic_write(str(tmp_path / "ck.bin"), data)
    monkeypatch.undo()
    assert (tmp_path / "ck.bin").read_bytes() == data
    assert len(calls) == -(-len(data) // 7) and calls[0] == len(data)
