"""Resources: values that stand for something outside the program (an open file, a socket).

Each marshals to a token of plain data and is rebuilt from it in a fresh process. Reading
a token never destroys data or reaches the network (#15 item 1, spec/serialization.md §8):
a file reopens at its saved position without being truncated or created (a file that
vanished, or is now shorter than that position, is an `io` error); a socket stays closed and
connects to its saved address when the program first reads or writes it. With
`(deserialize b :resources :closed)` nothing is opened at all. The built-in instances of
Resource-Serializable for FileHandle and Socket are FileHandle here and the Socket and
Listener of builtins/tcp.py (the TCP builtins).
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
from turmeric.runtime.builtins.tcp import BUILTINS as TCP_BUILTINS, Listener, Socket, unmarshal_socket

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


BUILTIN_RESOURCES = {"FileHandle": FileHandle.unmarshal, "Socket": unmarshal_socket, "regex": Regex.unmarshal,
                     # values with a token of their own (builtins/sorted.py, builtins/randomness.py)
                     "sorted-map": SortedMap.unmarshal, "sorted-set": SortedSet.unmarshal,
                     "random-generator": RandomGenerator.unmarshal}


def _handle(x, who):
    if isinstance(x, (FileHandle, Socket)):
        return x
    if isinstance(x, Listener):
        if who == "close":
            return x
        raise TurmericError("type", f"{who}: expected a file handle or a connected socket, got the listener on "
                                    f"{x.host}:{x.port}",
                            hint="(tcp-accept listener) waits for a connection and returns its socket")
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
    "marshal": marshal, "unmarshal": unmarshal,
    **TCP_BUILTINS,      # tcp-listen, tcp-accept, tcp-connect, tcp-port, send-bytes, receive-bytes
}
