"""#16 items 2 and 3 (spec/serialization.md §9): what hostile bytes can make the reader spend.
A chunk named many times is read once and its items shared, within a budget of expanded
items; keys that hash alike, integers past a size limit and values shared by many paths cost
linear time, not quadratic or exponential; `inspect` shows a bounded part of a long
continuation. The inputs are bench/hostile.py's corpus, each read in a fresh process with
its peak memory measured (ru_maxrss) and a timeout."""
from __future__ import annotations

import json
import subprocess
import sys

import msgpack
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT
from turmeric.data.errors import TurmericError
from turmeric.data.values import PList
from turmeric.runtime import machine
from turmeric.serialize import inspect as inspect_report, limits
from turmeric.serialize.blobs import CHUNK, DIRNAME, BlobStore
from turmeric.serialize.decode import MAX_INT_BYTES, MAX_INT_DIGITS, MAX_SAME_HASH, deserialize
from turmeric.serialize.format import T_CHUNKED, T_LIST, T_MAP, T_SET, T_VECTOR
from turmeric.session import versions
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
            assert row["outcome"].startswith("error[deserialize]") and "chunk references expand" in row["outcome"]


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
def test_item2_class_the_budget_counts_every_repeated_reference_against_the_bytes(tmp_path_factory, session,
                                                                                  distinct, refs, free):
    """The class: any pattern of references to a few chunks is read exactly when the items
    that references repeating a chunk expand to are at most CHUNK_ITEMS_FREE plus the input's
    bytes (each distinct chunk pays for its own items), whatever their order, and then it is
    the sequence the references name, in order; the reader counts before reading any chunk."""
    folder = tmp_path_factory.mktemp("chunks")
    contents = [msgpack.packb([c * 10_000 + j for j in range(CHUNK)]) for c in range(distinct)]
    names = [put_chunk(str(folder), c) for c in contents]
    order = [r % distinct for r in refs]
    data = payload([[T_CHUNKED, T_LIST, [names[c] for c in order]]])
    spent_ok = (len(order) - len(set(order))) * CHUNK <= free + len(data)
    old = limits.CHUNK_ITEMS_FREE
    limits.CHUNK_ITEMS_FREE = free
    try:
        v = deserialize(session, data, blobs=BlobStore(str(folder / DIRNAME)))
    except TurmericError as e:
        assert not spent_ok and e.kind == "deserialize" and "chunk references expand" in e.message
    else:
        assert spent_ok and type(v) is PList
        assert list(v) == [c * 10_000 + j for c in order for j in range(CHUNK)]
    finally:
        limits.CHUNK_ITEMS_FREE = old


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


# -- #16 part 1: the decoded size is bounded by the input ------------------------------------------

def test_part1_tiny_records_are_read_within_the_budget_or_refused_before_they_are_unpacked():
    """#16 part 1: 9 MB of one-item vectors grew memory 30x (271 MiB) over 3-5 s: a one-item
    persistent vector is 336 bytes. A million of them are now within the decoded-size budget
    (limits.COST_FREE is 256 MiB, so that a program's checkpoint of a million small records
    can be written and read) and the memory they take is within 20x plus that constant; three
    million (27 MB) are over it: refused from the record count in the body's array header,
    before any record is unpacked, by deserialize, while inspect reads only the header."""
    row = hostile.run_one("small-records-1000000", "deserialize", quick=False, timeout=120)
    assert row["outcome"] == "ok", row
    assert row["growth"] <= hostile.TARGET_X * row["bytes"] + hostile.GROWTH_FREE, row
    for reader in ("deserialize", "inspect-json"):
        row = hostile.run_one("small-records-3000000", reader, quick=False, timeout=120)
        assert row["growth"] is not None and row["growth"] <= hostile.TARGET_X * row["bytes"] + hostile.GROWTH_FREE
        if reader == "deserialize":
            assert row["outcome"].startswith("error[deserialize]") and "records would take" in row["outcome"], row
            assert row["seconds"] < 2, row
        else:
            assert row["outcome"].startswith("ok"), row


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(0, 300), frames=st.integers(0, 300), cost_free=st.integers(0, 30_000),
       tail=st.booleans())
def test_part1_class_the_decoded_size_budget_is_exact(session, monkeypatch, n, frames, cost_free, tail):
    """The class: any table of records (n one-item vectors and a continuation of `frames`
    frames) is read exactly when limits.decoded_cost of its records and frames is within
    limits.cost_allowed of its size, by deserialize (the records counted from the array header
    or from the table) and by the reader of `turmeric resume` (session/versions.py)."""
    monkeypatch.setattr(limits, "COST_FREE", cost_free)
    recs = [[T_VECTOR] + [ref(1 + k) for k in range(n)] + ([ref(n + 1)] if tail else [])]
    recs += [[T_VECTOR, k & 63] for k in range(n)]
    if tail:
        recs.append([8, [[None, "%prompt", 0, ""]], [0] * frames, [[]] * frames])
    data = payload(recs)
    ok = limits.decoded_cost(len(recs), frames if tail else 0) <= limits.cost_allowed(len(data))
    for read in (lambda: deserialize(session, data),
                 lambda: versions.decode(session, *versions.unpack(data), size=len(data))[0]):
        try:
            v = session.run(read)
        except TurmericError as e:
            assert not ok and e.kind == "deserialize" and "records" in e.message and "would take" in e.message
        else:
            assert ok and len(v) == n + tail


def test_part1_turmeric_resume_counts_the_budget_against_the_file(tmp_path):
    """#16 part 1 and item 2: `turmeric resume` reads through session/versions.py, whose decoder
    had no input size: the chunk budget counted 0 bytes there. It now counts the file's."""
    f = tmp_path / "many.tmk"
    f.write_bytes(hostile.small_records(None, 3_000_000))
    out = subprocess.run([sys.executable, "-m", "turmeric.cli", "resume", str(f)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 65 and "records would take" in out.stderr and "Traceback" not in out.stderr, out.stderr


# -- #16 part 3: inspect --full streams ------------------------------------------------------------

def test_part3_inspect_full_of_a_long_continuation_streams_in_bounded_memory():
    """#16 part 3: `inspect --full --json` of a 10^6-frame continuation built the whole report
    and its text (1 GiB here for 2 MB); it now writes each frame as it describes it. 200,000
    frames (0.4 MB) are written in a fresh process within the growth target, every frame."""
    for reader in ("inspect-full-json", "inspect-full"):
        row = hostile.run_one("continuation-200000-frames", reader, timeout=120)
        assert row["outcome"].startswith("ok"), row
        assert row["growth"] <= hostile.TARGET_X * row["bytes"] + hostile.GROWTH_FREE, row
        assert int(row["outcome"].split("(")[1].split(" ")[0].replace(",", "")) > 200_000 * 10


def test_part3_a_streamed_report_describes_one_frame_at_a_time(session, monkeypatch):
    """#16 part 3, counted: describe(stream=True) has described no frame when it returns, and
    each frame is described when it is written; the JSON streamed is the report describe makes
    whole, and the text render_text's."""
    inspect = inspect_report
    data = hostile.long_continuation(None, 50)
    whole = inspect.describe(session, data, full=True)
    calls = []
    real = inspect.frame_description
    monkeypatch.setattr(inspect, "frame_description", lambda *a: calls.append(1) or real(*a))
    report = inspect.describe(session, data, full=True, stream=True)
    assert calls == []
    seen = []
    inspect.stream_json(report, lambda text: seen.append((len(calls), text)))
    assert [c for c, text in seen if text.lstrip(",\n ").startswith('{"index"')] == list(range(1, 51))
    assert json.loads("".join(t for _c, t in seen)) == whole
    out = []
    inspect.stream_text(inspect.describe(session, data, full=True, stream=True), out.append)
    assert "".join(out) == inspect.render_text(whole) + "\n"


@pytest.mark.parametrize("data", [payload([[T_VECTOR, 1, "two", ref(1)], [T_MAP, 3, 4]]),
                                  hostile.long_continuation(None, 3), payload([[T_VECTOR]], root=ref(7))])
def test_part3_class_streamed_output_is_the_whole_report(session, data):
    """The class: for a value, a continuation and data that cannot be loaded (raw frames and a
    note), the streamed JSON parses to describe's whole report and the streamed text is
    render_text's (a value's report has no frame count: the streamed one found it anyway)."""
    whole = inspect_report.describe(session, data, full=True)
    out = []
    inspect_report.stream_json(inspect_report.describe(session, data, full=True, stream=True), out.append)
    assert json.loads("".join(out)) == whole
    out = []
    inspect_report.stream_text(inspect_report.describe(session, data, full=True, stream=True), out.append)
    assert "".join(out) == inspect_report.render_text(whole) + "\n"
