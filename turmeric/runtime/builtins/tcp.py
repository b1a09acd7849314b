"""TCP, point to point: listeners, connections, and length-framed bytes (#11 item 4).

`(tcp-listen port)` binds and listens (port 0: any free port, `tcp-port` says which);
`(tcp-accept listener)` waits for a connection; `(tcp-connect host port)` opens one. On a
connection, `send-bytes` writes one frame (a 4-byte big-endian length, then the bytes) and
`receive-bytes` reads one, so a message arrives whole or not at all whatever TCP's segments
were; `read-line` and `write-line` (runtime/resources.py) read and write lines on the same
buffer. Every failure is an `io` error naming the peer; nothing here raises SIGPIPE.

All three are resources whose type name is `Socket` (spec/serialization.md §8). Their token
never acts while bytes are read (#15 item 1): a client connection connects again to its saved
address, and a listener binds its saved address again, when the program first uses it; a
connection accepted from a peer cannot be re-established (the peer's port was the peer's), so
it is rebuilt closed. With `(deserialize b :resources :closed)` none of them ever opens, and
with `:refuse` any of them is a `deserialize` error: the policy for bytes from the network.
"""
from __future__ import annotations

from typing import Callable

from turmeric.data.errors import TurmericError
from turmeric.data.types import short_pr, type_error, value_error
from turmeric.data.values import Keyword, PMap
from turmeric.runtime.builtins.args import int_arg, str_arg

MAX_FRAME = 1 << 30          # the largest frame sent or received: the serializer's largest input
HEADER = 4                   # bytes of the big-endian length before each frame
RECV = 1 << 16


def _socket_module():
    # Imported here, not at the top, as a start-up win: only the TCP builtins need it, and
    # importing socket (with selectors) costs about 2.0 ms (median of 10, python -X
    # importtime) of `turmeric run examples/hello.tm`'s 64 ms.
    import socket
    return socket


def _why(e: OSError) -> str:
    if isinstance(e, TimeoutError):
        return "timed out"
    return (e.strerror or str(e) or type(e).__name__)


def _blocking_again(sock):
    """Back to no timeout after a timed receive or accept (a socket closed meanwhile refuses)."""
    try:
        sock.settimeout(None)
    except OSError:
        pass


def _timeout_arg(who: str, ms):
    if ms is None:
        return None
    if type(ms) is not int and type(ms) is not float:
        raise type_error(who, "a timeout in milliseconds (a number) or nil", ms)
    if not 0 <= ms < float("inf"):
        raise value_error(who, f"expected a non-negative, finite timeout in milliseconds, got {short_pr(ms)}")
    return ms / 1000


def _port_arg(who: str, port) -> int:
    int_arg(who, port)
    if not 0 <= port <= 65535:
        raise value_error(who, f"a port is 0-65535, got {port}")
    return port


class _Endpoint:
    """What a connection and a listener share: the type name Turmeric shows, and closing."""
    turmeric_type = "Socket"
    sock = None
    closed = False

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
        self.closed = True


class Socket(_Endpoint):
    """A TCP connection: one the program opened (`tcp-connect`), or one a listener accepted."""

    def __init__(self, host: str, port: int, connect: bool = True, accepted: bool = False, sock=None):
        self.host, self.port = host, port
        self.accepted = accepted
        self.sock = sock
        self.buf = bytearray()       # received, not read yet (lines and frames share it)
        self.closed = False
        if connect and sock is None:
            self._connect("tcp-connect")

    def __repr__(self):
        return f"#<Socket {self.host}:{self.port}>"

    def _connect(self, who):
        socket = _socket_module()
        try:
            s = socket.create_connection((self.host, self.port), timeout=30)
            s.settimeout(None)
        except OSError as e:
            raise TurmericError("io", f"{who}: cannot connect to {self.host}:{self.port}: {_why(e)}") from None
        self.sock = s

    def _ready(self, who):
        """A socket read from a token connects here, when the program first uses it (#15 item 1)."""
        if self.closed:
            raise TurmericError("io", f"{who}: the socket to {self.host}:{self.port} is closed")
        if self.sock is None:
            if self.accepted:
                self.closed = True
                raise TurmericError("io", f"{who}: the connection accepted from {self.host}:{self.port} was "
                                          f"not reopened: an accepted connection cannot be re-established",
                                    hint="after a load, accept a new connection (tcp-accept) or connect again")
            self._connect(who)

    def _fill(self, who, timeout, want: int) -> bool:
        """Receive more bytes into the buffer; False at the end of the stream."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(max(RECV, min(want, MAX_FRAME)))
        except TimeoutError:
            raise TurmericError("io", f"{who}: nothing from {self.host}:{self.port} within "
                                      f"{timeout * 1000:g} ms") from None
        except OSError as e:
            raise TurmericError("io", f"{who}: the connection to {self.host}:{self.port} failed: {_why(e)}") from None
        finally:
            _blocking_again(self.sock)
        if not data:
            return False
        self.buf += data
        return True

    def _send(self, who, data: bytes):
        socket = _socket_module()
        try:
            self.sock.sendall(data, getattr(socket, "MSG_NOSIGNAL", 0))
        except OSError as e:
            raise TurmericError("io", f"{who}: the connection to {self.host}:{self.port} failed: {_why(e)}") from None

    def send_bytes(self, data: bytes):
        self._ready("send-bytes")
        if len(data) > MAX_FRAME:
            raise value_error("send-bytes", f"{len(data)} bytes is more than a frame holds ({MAX_FRAME})")
        self._send("send-bytes", len(data).to_bytes(HEADER, "big") + data)

    def receive_bytes(self, timeout):
        who = "receive-bytes"
        self._ready(who)
        while len(self.buf) < HEADER:
            if not self._fill(who, timeout, HEADER):
                if self.buf:
                    raise TurmericError("io", f"{who}: the connection from {self.host}:{self.port} closed in "
                                              f"the middle of a frame's length")
                return None
        n = int.from_bytes(self.buf[:HEADER], "big")
        if n > MAX_FRAME:
            self.close()
            raise TurmericError("io", f"{who}: {self.host}:{self.port} announced a frame of {n} bytes, more "
                                      f"than the {MAX_FRAME} allowed; the connection is closed",
                                hint="the peer does not speak send-bytes' framing")
        while len(self.buf) < HEADER + n:
            if not self._fill(who, timeout, HEADER + n - len(self.buf)):
                raise TurmericError("io", f"{who}: the connection from {self.host}:{self.port} closed in the "
                                          f"middle of a frame ({len(self.buf) - HEADER} of {n} bytes came)")
        data = bytes(self.buf[HEADER:HEADER + n])
        del self.buf[:HEADER + n]
        return data

    def read_line(self):
        self._ready("read-line")
        while True:
            at = self.buf.find(b"\n")
            if at >= 0:
                line = bytes(self.buf[:at])
                del self.buf[:at + 1]
                return line.decode("utf-8", errors="replace")
            if not self._fill("read-line", None, RECV):
                if not self.buf:
                    return None
                line = bytes(self.buf)
                self.buf.clear()
                return line.decode("utf-8", errors="replace")

    def write_line(self, s: str):
        self._ready("write-line")
        self._send("write-line", (s + "\n").encode("utf-8"))

    def tm_marshal(self):
        pairs = [(Keyword("type"), "Socket"), (Keyword("host"), self.host), (Keyword("port"), self.port)]
        if self.accepted:
            pairs.append((Keyword("accepted"), True))
        return PMap.from_pairs(pairs)


class Listener(_Endpoint):
    """A listening TCP socket (`tcp-listen`)."""

    def __init__(self, host: str, port: int, bind: bool = True):
        self.host, self.port = host, port
        self.sock = None
        self.closed = False
        if bind:
            self._bind("tcp-listen")

    def __repr__(self):
        return f"#<Socket listening on {self.host}:{self.port}>"

    def _bind(self, who):
        socket = _socket_module()
        try:
            s = socket.create_server((self.host, self.port), backlog=16)
        except OSError as e:
            raise TurmericError("io", f"{who}: cannot listen on {self.host}:{self.port}: {_why(e)}") from None
        except (OverflowError, ValueError) as e:
            raise TurmericError("value", f"{who}: cannot listen on {self.host}:{self.port}: {e}") from None
        self.sock = s
        self.port = s.getsockname()[1]

    def accept(self, timeout) -> Socket:
        who = "tcp-accept"
        if self.closed:
            raise TurmericError("io", f"{who}: the listener on {self.host}:{self.port} is closed")
        if self.sock is None:     # rebuilt from a token: it binds when first used (#15 item 1)
            self._bind(who)
        self.sock.settimeout(timeout)
        try:
            conn, addr = self.sock.accept()
        except TimeoutError:
            raise TurmericError("io", f"{who}: no connection to {self.host}:{self.port} within "
                                      f"{timeout * 1000:g} ms") from None
        except OSError as e:
            raise TurmericError("io", f"{who}: on {self.host}:{self.port}: {_why(e)}") from None
        finally:
            _blocking_again(self.sock)
        conn.settimeout(None)
        return Socket(addr[0], addr[1], accepted=True, sock=conn)

    def tm_marshal(self):
        return PMap.from_pairs([(Keyword("type"), "Socket"), (Keyword("host"), self.host),
                                (Keyword("port"), self.port), (Keyword("listen"), True)])


def unmarshal_socket(token, closed: bool = False):
    """A Socket token: never connects or binds (the socket does when first used) and, with
    closed=True, stays closed (using it is an `io` error)."""
    host, port = token.get(Keyword("host")), token.get(Keyword("port"))
    if not isinstance(host, str) or type(port) is not int or not 0 <= port <= 65535:
        raise TurmericError("deserialize", "a Socket token needs :host (a string) and :port (0-65535)")
    if token.get(Keyword("listen")) is True:
        out = Listener(host, port, bind=False)
    else:
        out = Socket(host, port, connect=False, accepted=token.get(Keyword("accepted")) is True)
    out.closed = closed
    return out


def _socket(who, x) -> Socket:
    if type(x) is Socket:
        return x
    if type(x) is Listener:
        raise TurmericError("type", f"{who}: expected a connected socket, got the listener on {x.host}:{x.port}",
                            hint="(tcp-accept listener) waits for a connection and returns its socket")
    raise type_error(who, "a socket", x)


def tcp_listen(host_or_port, port=None):
    """(tcp-listen port) on 127.0.0.1; (tcp-listen host port)."""
    if port is None:
        host, port = "127.0.0.1", host_or_port
    else:
        host = str_arg("tcp-listen", host_or_port)
    return Listener(host, _port_arg("tcp-listen", port))


def tcp_accept(listener, timeout_ms=None):
    if type(listener) is not Listener:
        raise type_error("tcp-accept", "a listener (from tcp-listen)", listener)
    return listener.accept(_timeout_arg("tcp-accept", timeout_ms))


def tcp_connect(host, port):
    return Socket(str_arg("tcp-connect", host), _port_arg("tcp-connect", port))


def tcp_port(x):
    if type(x) is Listener or type(x) is Socket:
        return x.port
    raise type_error("tcp-port", "a socket or listener", x)


def send_bytes(sock, data):
    s = _socket("send-bytes", sock)
    if type(data) is not bytes:
        raise type_error("send-bytes", "bytes", data)
    s.send_bytes(data)
    return None


def receive_bytes(sock, timeout_ms=None):
    s = _socket("receive-bytes", sock)
    return s.receive_bytes(_timeout_arg("receive-bytes", timeout_ms))


BUILTINS: dict[str, Callable] = {
    "tcp-listen": tcp_listen, "tcp-accept": tcp_accept, "tcp-connect": tcp_connect, "tcp-port": tcp_port,
    "send-bytes": send_bytes, "receive-bytes": receive_bytes,
}
