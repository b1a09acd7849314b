"""The TCP builtins (#11 item 4, point to point): tcp-listen, tcp-accept, tcp-connect,
send-bytes, receive-bytes, tcp-port, close, on loopback. A frame arrives whole, whatever TCP
cut it into, and lines and frames share one buffer; every failure is an `io` (or type or
value) error, never a Python exception; and the sockets are resources whose tokens never
bind or connect while bytes are read (spec/serialization.md §8, §10)."""
from __future__ import annotations

import socket
import threading
import time

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from turmeric.data.errors import TurmericError
from turmeric.data.values import vector
from turmeric.runtime import machine
from turmeric.runtime.builtins.tcp import Listener, Socket
from turmeric.serialize.decode import deserialize
from turmeric.serialize.encode import serialize
from turmeric.session.session import Session

machine.allow_deep_python_stack()
pytestmark = pytest.mark.usefixtures("scratch_cache")


@pytest.fixture(scope="module")
def session():
    return Session()


def ev(session, text):
    return session.eval_string(text)[-1]


def pair(session):
    """A listener, a client socket and the accepted socket, all Turmeric values."""
    ev(session, "(def L (tcp-listen 0)) (def C (tcp-connect \"127.0.0.1\" (tcp-port L))) (def S (tcp-accept L 5000))")
    return session


def close_all(session):
    ev(session, "(close C) (close S) (close L)")


def raw_server():
    srv = socket.create_server(("127.0.0.1", 0))
    return srv, srv.getsockname()[1]


def frame(b: bytes) -> bytes:
    return len(b).to_bytes(4, "big") + b


# -- frames and lines ---------------------------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=3000), max_size=8))
def test_frames_arrive_whole_and_in_order(session, messages):
    """#11 item 4: each send-bytes is one receive-bytes, byte for byte, empty frames too."""
    pair(session)
    try:
        session.define_global("user", "msgs", vector(messages))
        got = ev(session, "(doseq [m msgs] (send-bytes C m)) (vec (map (fn [_] (receive-bytes S 5000)) msgs))")
        assert list(got) == list(messages)
    finally:
        close_all(session)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.tuples(st.just("frame"), st.binary(max_size=2000)),
                          st.tuples(st.just("line"), st.text(alphabet="abc xyz\u00e9", max_size=50))),
                min_size=1, max_size=8),
       st.lists(st.integers(1, 700), min_size=1, max_size=30))
def test_any_segmentation_gives_the_same_frames_and_lines(session, items, cuts):
    """#11 item 4, the class: a raw peer writes frames and lines cut into arbitrary pieces,
    with pauses; receive-bytes and read-line, interleaved on one socket, get exactly them."""
    srv, port = raw_server()
    stream = b"".join(frame(x) if kind == "frame" else x.encode() + b"\n" for kind, x in items)

    def writer():
        conn, _ = srv.accept()
        at, i = 0, 0
        while at < len(stream):
            n = cuts[i % len(cuts)]
            conn.sendall(stream[at:at + n])
            at, i = at + n, i + 1
            if i % 5 == 0:
                time.sleep(0.002)
        conn.close()

    t = threading.Thread(target=writer)
    t.start()
    try:
        session.define_global("user", "port", port)
        ev(session, "(def R (tcp-connect \"127.0.0.1\" port))")
        for kind, x in items:
            got = ev(session, "(receive-bytes R 5000)" if kind == "frame" else "(read-line R)")
            assert got == x
        assert ev(session, "(receive-bytes R 5000)") is None      # the peer closed: the end
        ev(session, "(close R)")
    finally:
        t.join()
        srv.close()


def test_a_timeout_keeps_what_came_and_the_socket_usable(session):
    """#11 item 4: a timeout in the middle of a frame is an io error, and the half that came
    stays buffered: the next receive-bytes returns the whole frame."""
    pair(session)
    try:
        with pytest.raises(TurmericError) as e:
            ev(session, "(receive-bytes S 50)")
        assert e.value.kind == "io" and "within 50 ms" in e.value.message
        client = session.eval_string("C")[0]
        client.sock.sendall(frame(b"hello world")[:7])
        with pytest.raises(TurmericError) as e:
            ev(session, "(receive-bytes S 50)")
        assert e.value.kind == "io"
        client.sock.sendall(frame(b"hello world")[7:])
        assert ev(session, "(receive-bytes S 1000)") == b"hello world"
    finally:
        close_all(session)


@pytest.mark.parametrize("sent, message", [
    (frame(b"abcdef")[:6], "closed in the middle of a frame (2 of 6 bytes came)"),
    (b"\x00\x00", "closed in the middle of a frame's length"),
    ((1 << 31).to_bytes(4, "big") + b"xx", "announced a frame of 2147483648 bytes"),
])
def test_a_broken_stream_is_an_io_error(session, sent, message):
    """#11 item 4: a peer that closes mid-frame, or does not speak the framing."""
    srv, port = raw_server()
    session.define_global("user", "port", port)
    ev(session, "(def R (tcp-connect \"127.0.0.1\" port))")
    conn, _ = srv.accept()
    conn.sendall(sent)
    conn.close()
    srv.close()
    with pytest.raises(TurmericError) as e:
        ev(session, "(receive-bytes R 5000)")
    assert e.value.kind == "io" and message in e.value.message
    ev(session, "(close R)")


@pytest.mark.parametrize("code, kind, message", [
    ('(send-bytes C "text")', "type", "send-bytes: expected bytes, got string"),
    ("(receive-bytes L)", "type", "expected a connected socket, got the listener"),
    ("(read-line L)", "type", "expected a file handle or a connected socket"),
    ("(tcp-accept C)", "type", "tcp-accept: expected a listener"),
    ("(tcp-listen 70000)", "value", "a port is 0-65535"),
    ("(tcp-connect \"127.0.0.1\" -1)", "value", "a port is 0-65535"),
    ("(receive-bytes S -5)", "value", "non-negative"),
    ("(tcp-accept L :soon)", "type", "a timeout in milliseconds"),
    ("(tcp-listen \"127.0.0.1\" (tcp-port L))", "io", "cannot listen on 127.0.0.1:"),
    ("(tcp-accept L 20)", "io", "no connection to 127.0.0.1:"),
    ("(tcp-port 5)", "type", "tcp-port: expected a socket or listener"),
])
def test_misuse_is_a_clear_error(session, code, kind, message):
    pair(session)
    try:
        with pytest.raises(TurmericError) as e:
            ev(session, code)
        assert e.value.kind == kind and message in e.value.message, e.value.message
    finally:
        close_all(session)


def test_closed_and_refused(session):
    """#11 item 4: a closed socket or listener, a refused connection, a peer gone."""
    pair(session)
    ev(session, "(close S) (close S)")          # closing twice is allowed
    for code in ("(send-bytes S (bytes [1]))", "(receive-bytes S)", "(write-line S \"x\")"):
        with pytest.raises(TurmericError) as e:
            ev(session, code)
        assert e.value.kind == "io" and "is closed" in e.value.message
    port = ev(session, "(tcp-port L)")
    ev(session, "(close L)")
    with pytest.raises(TurmericError) as e:
        ev(session, "(tcp-accept L 10)")
    assert e.value.kind == "io" and "is closed" in e.value.message
    with pytest.raises(TurmericError) as e:
        ev(session, f'(tcp-connect "127.0.0.1" {port})')
    assert e.value.kind == "io" and "cannot connect" in e.value.message
    # the peer went away: sending fails with an io error, never SIGPIPE
    with pytest.raises(TurmericError) as e:
        ev(session, "(dotimes [i 200] (send-bytes C (bytes (repeat 10000 1))))")
    assert e.value.kind == "io" and "failed" in e.value.message
    ev(session, "(close C)")


# -- the tokens: never bind or connect while bytes are read --------------------------------------

def test_a_listener_token_binds_only_when_first_used(session):
    """#11 item 4 (spec/serialization.md §8, the Socket policy): deserializing a listener
    binds nothing; its first tcp-accept binds the saved address again."""
    ev(session, "(def L2 (tcp-listen 0))")
    port = ev(session, "(tcp-port L2)")
    data = serialize(session, ev(session, "L2"))
    ev(session, "(close L2)")
    back = deserialize(session, data)
    assert type(back) is Listener and back.sock is None and back.port == port
    probe = socket.create_server(("127.0.0.1", port))        # the port is free: nothing bound it
    probe.close()
    session.define_global("user", "L3", back)
    t = threading.Timer(0.2, lambda: socket.create_connection(("127.0.0.1", port)).close())
    t.start()
    conn = ev(session, "(tcp-accept L3 5000)")
    t.join()
    assert type(conn) is Socket and conn.accepted
    conn.close()
    back.close()


def test_an_accepted_socket_is_rebuilt_closed(session):
    """#11 item 4: a connection accepted from a peer cannot be re-established after a load
    (the port was the peer's): it is rebuilt closed, and using it says so."""
    pair(session)
    try:
        data = serialize(session, ev(session, "S"))
        back = deserialize(session, data)
        session.define_global("user", "S4", back)
        with pytest.raises(TurmericError) as e:
            ev(session, "(receive-bytes S4 10)")
        assert e.value.kind == "io" and "cannot be re-established" in e.value.message
    finally:
        close_all(session)


@pytest.mark.parametrize("which", ["L", "S", "C"])
def test_network_bytes_policy_refuses_or_closes_every_socket(session, which):
    """#11 item 4: the policy for bytes from the network is :resources :refuse (or :closed):
    a listener, an accepted or a client socket in them is refused, or rebuilt closed."""
    pair(session)
    try:
        data = serialize(session, ev(session, f"[1 {which}]"))
        session.define_global("user", "data", data)
        with pytest.raises(TurmericError) as e:
            ev(session, "(deserialize data :resources :refuse)")
        assert e.value.kind == "deserialize" and "Socket" in e.value.message
        closed = ev(session, "(second (deserialize data :resources :closed))")
        assert closed.closed and closed.sock is None
        session.define_global("user", "closed", closed)
        with pytest.raises(TurmericError) as e:
            ev(session, "(close closed) (tcp-port closed) (receive-bytes closed)" if which != "L"
                        else "(tcp-accept closed 10)")
        assert e.value.kind in ("io", "type")
    finally:
        close_all(session)


def test_a_client_token_connects_only_when_used(session):
    """#15 item 1 stays true for the new Socket: a client token read back connects nowhere
    until it is used, then connects to the saved address and frames work."""
    srv, port = raw_server()
    srv.settimeout(0.3)
    try:
        back = deserialize(session, serialize(session, Socket("127.0.0.1", port, connect=False)))
        with pytest.raises(socket.timeout):
            srv.accept()                        # nobody connected while reading
        session.define_global("user", "B", back)
        ev(session, "(send-bytes B (str->bytes \"hi\"))")
        srv.settimeout(5)
        conn, _ = srv.accept()
        assert conn.recv(100) == frame(b"hi")
        conn.close()
        ev(session, "(close B)")
    finally:
        srv.close()


def test_the_cli_reports_a_network_error_without_python(tmp_path, run_tm):
    """#11 item 4: from `turmeric run`, a failed receive is error[io], not a traceback."""
    prog = tmp_path / "p.tm"
    prog.write_text('(def L (tcp-listen 0))\n(receive-bytes (tcp-accept L 50))\n', encoding="utf-8")
    proc = run_tm("run", str(prog), cwd=tmp_path)
    err = proc.stderr.decode()
    assert proc.returncode != 0 and "error[io]" in err and "no connection" in err
    assert "Traceback" not in err and "internal" not in err
