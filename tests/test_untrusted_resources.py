"""#15 item 1 (spec/serialization.md §8, §10): reading bytes never acts on the machine on the
payload's say-so. A FileHandle token reopens its file at the saved position without
truncating or creating it (a file that vanished or shrank is an `io` error); a Socket token
connects nowhere until the program uses it; `:resources :closed` opens nothing and
`:resources :refuse` refuses both. Canaries: nothing written, truncated, created or
connected to while deserializing."""
from __future__ import annotations

import os
import socket

import pytest
from hypothesis import given, settings, strategies as st

from turmeric.data.errors import TurmericError
from turmeric.runtime import machine
from turmeric.runtime.resources import FileHandle, Socket
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

machine.allow_deep_python_stack()


@pytest.fixture(scope="module")
def session():
    return Session()


def open_token(session, path, mode, position=0):
    """Serialized bytes of an open handle at `position` of `path` (the file is opened by us,
    then restored to the canary content afterwards by the caller)."""
    with open(path, "a"):
        pass
    fh = FileHandle(str(path), "read")
    fh.mode = mode
    fh.file.seek(position)
    data = serialize(session, fh)
    fh.close()
    return data


def test_item1_write_token_does_not_truncate(session, tmp_path):
    """#15 item 1: a :write token used to truncate the file it names during deserialize."""
    canary = tmp_path / "canary.txt"
    data = open_token(session, canary, "write", 0)
    canary.write_text("precious data\n")
    fh = deserialize(session, data)
    assert canary.read_text() == "precious data\n"
    assert fh.position() == 0 and fh.mode == "write"
    fh.close()
    assert canary.read_text() == "precious data\n"


def test_item1_write_token_reopens_at_position_and_writes_there(session, tmp_path):
    f = tmp_path / "log.txt"
    f.write_text("one\ntwo\n")
    data = open_token(session, f, "write", 4)
    fh = deserialize(session, data)
    fh.write_line("TWO")
    fh.close()
    assert f.read_text() == "one\nTWO\n"


def test_item1_append_token_does_not_create(session, tmp_path):
    """#15 item 1: an :append token used to create the file it names."""
    f = tmp_path / "new.txt"
    data = open_token(session, f, "append", 0)
    os.unlink(f)
    with pytest.raises(TurmericError) as e:
        deserialize(session, data)
    assert e.value.kind == "io" and "never created" in (e.value.hint or "")
    assert not f.exists()


def test_item1_vanished_or_shrunk_file_is_an_io_error(session, tmp_path):
    f = tmp_path / "gone.txt"
    f.write_text("abcdef")
    data = open_token(session, f, "write", 6)
    f.write_text("ab")
    with pytest.raises(TurmericError) as e:
        deserialize(session, data)
    assert e.value.kind == "io" and "has 2 bytes now" in e.value.message
    assert f.read_text() == "ab"
    os.unlink(f)
    with pytest.raises(TurmericError) as e:
        deserialize(session, data)
    assert e.value.kind == "io" and not f.exists()


def test_item1_fifo_token_does_not_hang(session, tmp_path):
    """A token naming a FIFO used to block in open() until a writer came: now refused."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    fh = FileHandle(str(tmp_path / "plain"), "write")
    fh.path = str(fifo)
    data = serialize(session, fh)
    fh.close()
    with pytest.raises(TurmericError) as e:
        deserialize(session, data)
    assert e.value.kind == "io" and "not a regular file" in e.value.message


@pytest.fixture
def listener():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    srv.settimeout(0.2)
    yield srv
    srv.close()


def socket_bytes(session, port):
    return serialize(session, Socket("127.0.0.1", port, connect=False))


def connected(srv) -> bool:
    try:
        c, _ = srv.accept()
    except (socket.timeout, TimeoutError):
        return False
    c.close()
    return True


def test_item1_socket_token_connects_nowhere_while_read(session, listener):
    """#15 item 1: a Socket token used to connect to its address during deserialize."""
    data = socket_bytes(session, listener.getsockname()[1])
    sock = deserialize(session, data)
    assert not connected(listener)
    sock.write_line("hi")              # the program's first use connects
    assert connected(listener)
    sock.close()


def test_item1_resources_closed_and_refuse(session, listener, tmp_path):
    port = listener.getsockname()[1]
    sock = deserialize(session, socket_bytes(session, port), resources="closed")
    with pytest.raises(TurmericError) as e:
        sock.write_line("x")
    assert e.value.kind == "io" and not connected(listener)
    f = tmp_path / "c.txt"
    data = open_token(session, f, "write", 0)
    f.write_text("keep")
    fh = deserialize(session, data, resources="closed")
    assert fh.file is None and f.read_text() == "keep"
    for d in (data, socket_bytes(session, port)):
        with pytest.raises(TurmericError) as e:
            deserialize(session, d, resources="refuse")
        assert e.value.kind == "deserialize" and "refused" in e.value.message
    assert f.read_text() == "keep" and not connected(listener)


def test_item1_resources_option_from_turmeric(session, tmp_path):
    f = tmp_path / "t.txt"
    f.write_text("keep")
    p = str(f).replace("\\", "\\\\")
    out = session.eval_string(f'(let [b (serialize (open-file "{p}" :append))] '
                              f'(try (deserialize b :resources :refuse) (catch e (str "refused: " (:kind e)))))')
    assert "refused" in str(out)
    with pytest.raises(TurmericError) as e:
        session.eval_string('(deserialize (serialize 1) :resources :open)')
    assert e.value.kind == "value"


@settings(max_examples=40, deadline=None)
@given(mode=st.sampled_from(["read", "write", "append"]), content=st.binary(max_size=40).map(lambda b: b.hex()),
       pos=st.integers(0, 100), exists=st.booleans(), policy=st.sampled_from(["reopen", "closed", "refuse"]))
def test_item1_class_reading_a_file_token_never_changes_the_disk(session, tmp_path_factory, mode, content, pos,
                                                                 exists, policy):
    """#15 item 1, the class: whatever the mode, position, policy and state of the file, reading
    the token leaves the file's existence and bytes as they were."""
    d = tmp_path_factory.mktemp("p")
    f = d / "f.txt"
    f.write_text("x" * pos)
    data = open_token(session, f, mode, pos)
    if exists:
        f.write_text(content)
    else:
        os.unlink(f)
    try:
        v = deserialize(session, data, resources=policy)
        v.close()
    except TurmericError as e:
        assert e.kind in ("io", "deserialize")
    assert f.exists() == exists
    if exists:
        assert f.read_text() == content
