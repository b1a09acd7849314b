"""#16 items 2 and 3 (spec/serialization.md §9): what hostile bytes can make the reader spend.
A chunk named many times is read once and its items shared, within a budget of expanded
items; keys that hash alike, integers past a size limit and values shared by many paths cost
linear time, not quadratic or exponential; `inspect` shows a bounded part of a long
continuation. The inputs are bench/hostile.py's corpus, each read in a fresh process with
its peak memory measured (ru_maxrss) and a timeout."""
from __future__ import annotations

import subprocess
import sys

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT
from turmeric.data.errors import TurmericError
from turmeric.data.values import PList
from turmeric.runtime import machine
from turmeric.serialize import decode
from turmeric.serialize.blobs import CHUNK, DIRNAME, BlobStore
from turmeric.serialize.decode import MAX_INT_BYTES, MAX_INT_DIGITS, MAX_SAME_HASH, deserialize
from turmeric.serialize.format import T_CHUNKED, T_LIST, T_MAP, T_SET, T_VECTOR
from turmeric.session.session import Session

sys.path.insert(0, str(ROOT / "bench"))
import hostile  # noqa: E402
from hostile import P61, bigint, payload, put_chunk, ref  # noqa: E402

machine.allow_deep_python_stack()
MiB = 1 << 20


def run(name: str, reader: str = "deserialize") -> dict:
    """Input `name` of bench/hostile.py read by `reader` in a fresh process."""
    row = hostile.run_one(name, reader, quick=True, timeout=60)
    assert row["growth"] is not None, row
    return row


@pytest.fixture(scope="module")
def session():
    return Session()


# -- #16 item 2: memory amplification -------------------------------------------------------------

def test_item2_a_chunk_named_20000_times_is_refused_at_bounded_memory():
    """#16 item 2: 680 KB of references to one 2.7 KB chunk grew memory by 800 MiB."""
    for reader in ("deserialize", "inspect-json"):
        row = run("chunk-named-20000", reader)
        assert row["growth"] < 100 * MiB and row["seconds"] < 10, row
        if reader == "deserialize":
            assert row["outcome"].startswith("error[deserialize]") and "expands its chunks" in row["outcome"]


def test_item2_a_data_chunk_named_5000_times_is_refused():
    """#16 item 2: one data chunk named 5,000 times peaked at 963 MiB."""
    row = run("data-chunk-named-5000")
    assert row["outcome"].startswith("error[deserialize]") and row["growth"] < 100 * MiB, row


def test_item2_a_chunk_named_often_is_read_once_and_shared(tmp_path, session, monkeypatch):
    """#16 item 2 (sharing): within the budget, a chunk named 1,000 times is read and decoded
    once, and the vector's items are the chunk's own objects (no copy per reference)."""
    h = put_chunk(str(tmp_path), msgpack.packb([f"s{i}" for i in range(CHUNK)]))
    reads = []
    real = BlobStore.read_sized
    monkeypatch.setattr(BlobStore, "read_sized", lambda self, name, hook: reads.append(name) or real(self, name, hook))
    v = deserialize(session, payload([[T_CHUNKED, T_VECTOR, [h] * 1000, "end"]]),
                    blobs=BlobStore(str(tmp_path / DIRNAME)))
    assert len(v) == 1000 * CHUNK + 1 and v[-1] == "end" and v[5 * CHUNK + 7] == "s7"
    assert reads == [h]
    assert v[7] is v[CHUNK + 7] is v[999 * CHUNK + 7]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(distinct=st.integers(1, 4), refs=st.lists(st.integers(0, 3), min_size=1, max_size=40),
       free=st.sampled_from([0, CHUNK, 8 * CHUNK, 30 * CHUNK]))
def test_item2_class_the_budget_counts_every_reference_against_the_bytes_read(tmp_path_factory, session,
                                                                              distinct, refs, free):
    """The class: any pattern of references to a few chunks is read exactly when the items
    they expand to are at most CHUNK_ITEMS_FREE plus the bytes read (the payload and each
    distinct chunk once), and then it is the sequence the references name, in order."""
    folder = tmp_path_factory.mktemp("chunks")
    contents = [msgpack.packb([c * 10_000 + j for j in range(CHUNK)]) for c in range(distinct)]
    names = [put_chunk(str(folder), c) for c in contents]
    order = [r % distinct for r in refs]
    data = payload([[T_CHUNKED, T_LIST, [names[c] for c in order]]])
    spent_ok = all((k + 1) * CHUNK <= free + len(data) + sum(len(contents[c]) for c in set(order[:k + 1]))
                   for k in range(len(order)))
    old = decode.CHUNK_ITEMS_FREE
    decode.CHUNK_ITEMS_FREE = free
    try:
        v = deserialize(session, data, blobs=BlobStore(str(folder / DIRNAME)))
    except TurmericError as e:
        assert not spent_ok and e.kind == "deserialize" and "expands its chunks" in e.message
    else:
        assert spent_ok and type(v) is PList
        assert list(v) == [c * 10_000 + j for c in order for j in range(CHUNK)]
    finally:
        decode.CHUNK_ITEMS_FREE = old


def test_item2_inspect_json_of_a_million_frames_is_bounded():
    """#16 item 2: `inspect --json` of a 10^6-frame continuation (2 MB) took 2 GiB."""
    for reader in ("inspect-json", "inspect"):
        row = run("continuation-1000000-frames", reader)
        assert row["outcome"].startswith("ok") and row["growth"] < 250 * MiB and row["seconds"] < 20, row


def test_item2_inspect_shows_the_ends_of_a_long_continuation(session):
    from turmeric.serialize.inspect import MAX_FRAMES, describe, render_text
    data = hostile.long_continuation(None, 5000)
    report = describe(session, data, "long.bin")
    assert report["frame_count"] == 5000 and report["truncated"] is True
    assert [f["index"] for f in report["frames"]] == list(range(MAX_FRAMES // 2)) + \
        list(range(5000 - MAX_FRAMES // 2, 5000))
    text = render_text(report)
    assert "frames (innermost first, 5,000):" in text
    assert f"  ... ({5000 - MAX_FRAMES:,} frames not shown: --full shows them)" in text
    assert len(describe(session, data, "long.bin", full=True)["frames"]) == 5000


# -- #16 item 3: quadratic and exponential time ---------------------------------------------------

@pytest.mark.parametrize("name", ["colliding-map-100000", "colliding-set-100000", "colliding-vector-keys-20000"])
def test_item3_keys_that_hash_alike_are_refused_quickly(name):
    """#16 item 3: 100,000 integer keys that hash alike took 94 s (a 1.4 MB file)."""
    row = run(name)
    assert row["seconds"] < 10 and row["outcome"].startswith("error[deserialize]") \
        and "with the same hash" in row["outcome"], row


def colliding(kind: str, n: int) -> bytes:
    """A set of n members of one kind that all hash alike (k * (2^61 - 1) hashes to 0)."""
    if kind == "int":
        return payload([[T_SET] + [bigint(k * P61) for k in range(1, n + 1)]])
    if kind == "negative":
        return payload([[T_SET] + [bigint(-k * P61) for k in range(1, n + 1)]])
    tag = {"vector": T_VECTOR, "list": T_LIST}.get(kind)
    if tag is not None:
        return payload([[T_SET] + [ref(k) for k in range(1, n + 1)]] + [[tag, bigint(k * P61)]
                                                                     for k in range(1, n + 1)])
    assert kind == "map-key"
    recs = [T_MAP]
    for k in range(1, n + 1):
        recs += [ref(k), k]
    return payload([recs] + [[T_MAP, 0, bigint(k * P61)] for k in range(1, n + 1)])


@pytest.mark.parametrize("kind", ["int", "negative", "vector", "list", "map-key"])
def test_item3_class_any_keys_that_hash_alike_are_counted(session, kind):
    """The class: whatever the keys are made of (integers, vectors or lists of them, maps
    holding them), a map or set of up to MAX_SAME_HASH keys that hash alike is read, and one
    more is a deserialize error."""
    v = deserialize(session, colliding(kind, MAX_SAME_HASH))
    assert len(v) == MAX_SAME_HASH
    with pytest.raises(TurmericError) as e:
        deserialize(session, colliding(kind, MAX_SAME_HASH + 1))
    assert e.value.kind == "deserialize" and "with the same hash" in e.value.message


def test_item3_many_keys_that_hash_apart_are_read(session):
    """Keys from the program's usual data are not refused: 100,000 integers, and as many
    strings (their hash is seeded per process)."""
    recs = [T_MAP]
    for k in range(100_000):
        recs += [k, k]
    assert len(deserialize(session, payload([recs]))) == 100_000
    assert len(deserialize(session, payload([[T_SET] + [f"k{i}" for i in range(100_000)]]))) == 100_000


def test_item3_an_integer_over_the_limit_is_refused(session):
    """#16 item 3: an 8 MiB integer could not be inspected; now the reader refuses integers
    over MAX_INT_DIGITS digits, and reads one at the limit."""
    at_limit = (1 << (MAX_INT_BYTES * 8 - 1)) - 1
    assert deserialize(session, payload([[T_VECTOR, bigint(at_limit)]]))[0] == at_limit
    with pytest.raises(TurmericError) as e:
        deserialize(session, payload([[T_VECTOR, msgpack.ExtType(3, b"\x01" * (MAX_INT_BYTES + 1))]]))
    assert e.value.kind == "deserialize" and f"limit of {MAX_INT_DIGITS:,} digits" in e.value.message
    row = run("integer-8MiB", "inspect")
    assert row["seconds"] < 10 and "larger than the limit" in row["outcome"], row


def test_item3_inspect_of_the_largest_integer_is_quick():
    """#16 item 3: printing a 256 KiB integer took 3.9 s; inspect shows its size instead."""
    for reader in ("inspect", "inspect-json"):
        row = run("integer-400KB", reader)
        assert row["outcome"].startswith("ok") and row["seconds"] < 2, row


@pytest.mark.parametrize("name", ["dag-key-60", "shared-dag-60"])
def test_item3_a_value_shared_by_2_to_the_60_paths_is_read_and_inspected(name):
    """A vector holding one vector twice, 60 levels (913 bytes): hashing it as a set member
    walked 2^60 paths (a hang); now each shared value is hashed once."""
    for reader in ("deserialize", "inspect"):
        row = run(name, reader)
        assert row["outcome"].startswith("ok") and row["seconds"] < 5, row
