"""Resources: values that stand for something outside the program (an open file, a socket).

Each marshals to a token of plain data and is rebuilt from it in a fresh process. Reading
a token never destroys data or reaches the network (#15 item 1, spec/serialization.md §8):
a file reopens at its saved position without being truncated or created (a file that
vanished, or is now shorter than that position, is an `io` error); a socket stays closed and
connects to its saved address when the program first reads or writes it. With
`(deserialize b :resources :closed)` nothing is opened at all. The built-in instances of
Resource-Serializable for FileHandle and Socket are these two classes.
"""
from __future__ import annotations

import os
import stat

from turmeric.data.errors import TurmericError
from turmeric.data.types import type_name
from turmeric.data.values import Keyword, PMap, Regex
from turmeric.runtime.builtins.io import read_line as read_stdin_line
from turmeric.runtime.builtins.randomness import RandomGenerator
from turmeric.runtime.builtins.sorted import SortedMap, SortedSet

MODES = {"read": "r", "write": "w", "append": "a"}


class FileHandle:
    turmeric_type = "FileHandle"

    def __init__(self, path: str, mode: str = "read", position: int = 0, restoring: bool = False,
                 closed: bool = False):
        if mode not in MODES:
            raise TurmericError("value", f"open-file: unknown mode :{mode} (use :read, :write or :append)")
        self.path = path
        self.mode = mode
        self.file = None
        if closed:
            return
        if restoring:
            self.file = self._reopen(position)
            return
        try:
            self.file = open(path, MODES[mode], encoding="utf-8", newline="")
        except OSError as e:
            raise TurmericError("io", f"open-file: cannot open {path}: {e.strerror}") from None

    def _reopen(self, position: int):
        """The file of a token, opened without O_CREAT or O_TRUNC: reading bytes never creates,
        empties or shortens a file (#15 item 1)."""
        flags = {"read": os.O_RDONLY, "write": os.O_RDWR, "append": os.O_WRONLY | os.O_APPEND}[self.mode]
        try:
            # O_NONBLOCK: opening a FIFO named by a payload must not wait for a writer
            fd = os.open(self.path, flags | getattr(os, "O_NONBLOCK", 0))
        except OSError as e:
            raise TurmericError("io", f"cannot reopen the file {self.path} of a saved file handle: {e.strerror}",
                                hint="the file was moved or removed since the checkpoint was saved; it is "
                                     "reopened, never created") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise TurmericError("io", f"cannot reopen {self.path} for a saved file handle: it is not a "
                                          f"regular file", hint="a saved file handle reopens only a regular file")
            os.set_blocking(fd, True)
            size = st.st_size
            if position < 0 or position > size:
                raise TurmericError("io", f"cannot reopen the file {self.path} of a saved file handle at "
                                          f"position {position}: the file has {size} bytes now",
                                    hint="the file changed since the checkpoint was saved (it is never cut "
                                         "back or extended when a checkpoint is read)")
            f = open(fd, "r+" if self.mode == "write" else MODES[self.mode], encoding="utf-8", newline="")
        except BaseException:
            os.close(fd)
            raise
        if self.mode != "append":
            f.seek(position)
        return f

    def __repr__(self):
        state = "closed" if self.file is None else f"at {self.position()}"
        return f"#<FileHandle {self.path} :{self.mode} {state}>"

    def position(self) -> int:
        return self.file.tell() if self.file is not None else 0

    def read_line(self):
        self._open("read-line")
        line = self.file.readline()
        if line == "":
            return None
        return line[:-1] if line.endswith("\n") else line

    def write_line(self, s: str):
        self._open("write-line")
        if self.mode == "read":
            raise TurmericError("io", f"write-line: {self.path} is open for reading")
        self.file.write(s + "\n")
        self.file.flush()

    def close(self):
        if self.file is not None:
            self.file.close()
            self.file = None

    def _open(self, who):
        if self.file is None:
            raise TurmericError("io", f"{who}: the file {self.path} is closed")

    def tm_marshal(self):
        return PMap.from_pairs([(Keyword("type"), "FileHandle"), (Keyword("path"), self.path),
                                (Keyword("mode"), Keyword(self.mode)),
                                (Keyword("position"), self.position()),
                                (Keyword("closed"), self.file is None)])

    @staticmethod
    def unmarshal(token, closed: bool = False):
        path, mode = token.get(Keyword("path")), token.get(Keyword("mode"))
        pos = token.get(Keyword("position"))
        if not isinstance(path, str) or type(mode) is not Keyword or type(pos) is not int:
            raise TurmericError("deserialize", "a FileHandle token needs :path, :mode and :position")
        if mode.name not in MODES:
            raise TurmericError("deserialize", f"a FileHandle token has an unknown mode :{mode.name}")
        # a handle saved closed is rebuilt closed without touching its file
        return FileHandle(path, mode.name, pos, restoring=True, closed=closed or bool(token.get(Keyword("closed"))))


class Socket:
    """A line-oriented TCP client connection."""
    turmeric_type = "Socket"

    def __init__(self, host: str, port: int, connect: bool = True):
        self.host, self.port = host, port
        self.sock = self.reader = None
        self.closed = False
        if connect:
            self._connect("tcp-connect")

    def _connect(self, who):
        # Imported here, not at the top, as a start-up win: only tcp-connect needs it, and
        # importing socket (with selectors) costs about 2.0 ms (median of 10, python -X
        # importtime) of `turmeric run examples/hello.tm`'s 64 ms.
        import socket
        host, port = self.host, self.port
        try:
            self.sock = socket.create_connection((host, port), timeout=30)
        except OSError as e:
            raise TurmericError("io", f"{who}: cannot connect to {host}:{port}: {e.strerror or e}") from None
        self.reader = self.sock.makefile("r", encoding="utf-8", newline="\n")

    def _ready(self, who):
        """A socket read from a token connects here, when the program first uses it (#15 item 1)."""
        if self.closed:
            raise TurmericError("io", f"{who}: the socket to {self.host}:{self.port} is closed")
        if self.sock is None:
            self._connect(who)

    def __repr__(self):
        return f"#<Socket {self.host}:{self.port}>"

    def read_line(self):
        self._ready("read-line")
        line = self.reader.readline()
        return None if line == "" else line.rstrip("\n")

    def write_line(self, s: str):
        self._ready("write-line")
        self.sock.sendall((s + "\n").encode("utf-8"))

    def close(self):
        if self.sock is not None:
            self.reader.close()
            self.sock.close()
            self.sock = self.reader = None
        self.closed = True

    def tm_marshal(self):
        return PMap.from_pairs([(Keyword("type"), "Socket"), (Keyword("host"), self.host),
                                (Keyword("port"), self.port)])

    @staticmethod
    def unmarshal(token, closed: bool = False):
        """Never connects: the socket connects when first read or written (or, with
        closed=True, stays closed: using it is an `io` error)."""
        host, port = token.get(Keyword("host")), token.get(Keyword("port"))
        if not isinstance(host, str) or type(port) is not int or not 0 <= port <= 65535:
            raise TurmericError("deserialize", "a Socket token needs :host (a string) and :port (0-65535)")
        sock = Socket(host, port, connect=False)
        sock.closed = closed
        return sock


BUILTIN_RESOURCES = {"FileHandle": FileHandle.unmarshal, "Socket": Socket.unmarshal, "regex": Regex.unmarshal,
                     # values with a token of their own (builtins/sorted.py, builtins/randomness.py)
                     "sorted-map": SortedMap.unmarshal, "sorted-set": SortedSet.unmarshal,
                     "random-generator": RandomGenerator.unmarshal}


def _handle(x, who):
    if isinstance(x, (FileHandle, Socket)):
        return x
    raise TurmericError("type", f"{who}: expected a file handle or socket, got {type_name(x)}")


def open_file(path, mode=None):
    if not isinstance(path, str):
        raise TurmericError("type", "open-file: the path must be a string")
    return FileHandle(path, mode.name if type(mode) is Keyword else "read")


def read_line(handle=None):
    if handle is None:
        return read_stdin_line()
    return _handle(handle, "read-line").read_line()


def write_line(handle, s):
    _handle(handle, "write-line").write_line(s if isinstance(s, str) else str(s))


def close(handle):
    _handle(handle, "close").close()


def marshal(x):
    m = getattr(x, "tm_marshal", None)
    if m is None:
        raise TurmericError("type", f"marshal: no Resource-Serializable instance for {type_name(x)}")
    return m()


def unmarshal(token):
    t = token.get(Keyword("type")) if isinstance(token, PMap) else None
    rebuild = BUILTIN_RESOURCES.get(t)
    if rebuild is None:
        raise TurmericError("value", "unmarshal: the token names no resource type this program knows")
    return rebuild(token)


RESOURCE_BUILTINS = {
    "open-file": open_file, "read-line": read_line, "write-line": write_line, "close": close,
    "file-handle-path": lambda fh: _handle(fh, "file-handle-path").path,
    "file-position": lambda fh: _handle(fh, "file-position").position(),
    "tcp-connect": lambda host, port: Socket(host, port),
    "marshal": marshal, "unmarshal": unmarshal,
}
