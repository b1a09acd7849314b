"""The program's outside world: standard input, files, the environment, the clock, exit.

Input comes from `sys.stdin`, looked up at call time so that a session (or a test) can
redirect it. A failed file operation is an `io` error.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Callable

from turmeric.data.errors import TurmericError
from turmeric.data.types import short_pr, type_error, value_error
from turmeric.data.values import Keyword
from turmeric.runtime.builtins.args import int_arg, path_arg, str_arg


class TurmericExit(BaseException):
    """Raised by (exit code): the CLI ends the process with `code`. A BaseException so that
    no handler for ordinary errors swallows it."""

    def __init__(self, code: int = 0):
        super().__init__(code)
        self.code = code


def _io_error(name: str, e: OSError, path: str) -> TurmericError:
    if isinstance(e, FileNotFoundError):
        what = "no such file"
    elif isinstance(e, IsADirectoryError):
        what = "is a directory"
    elif isinstance(e, NotADirectoryError):
        what = "not a directory"
    elif isinstance(e, PermissionError):
        what = "permission denied"
    else:
        what = (e.strerror or type(e).__name__).lower()
    return TurmericError("io", f"{name}: {what}: {path}")


def read_line():
    """A line from standard input without its line ending, or nil at end of input."""
    sys.stdout.flush()
    line = sys.stdin.readline()
    if line == "":
        return None
    if line.endswith("\n"):
        line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
    return line


def read_file(path):
    path_arg("read-file", path)
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise _io_error("read-file", e, path) from None


def write_file(path, data):
    path_arg("write-file", path)
    if type(data) is str:
        data = data.encode("utf-8")
    elif type(data) is not bytes:
        raise type_error("write-file", "bytes or a string", data)
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise _io_error("write-file", e, path) from None
    return None


def slurp(path):
    path_arg("slurp", path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise _io_error("slurp", e, path) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise TurmericError("io", f"slurp: {path} is not valid UTF-8 (byte {e.start})") from None


def spit(path, text, *opts):
    """(spit path text) writes text (UTF-8); (spit path text :append true) appends."""
    path_arg("spit", path)
    str_arg("spit", text)
    if len(opts) % 2:
        raise TurmericError("arity", "spit: expected options as keyword/value pairs")
    append = False
    for i in range(0, len(opts), 2):
        if opts[i] is Keyword("append"):
            append = opts[i + 1] is not None and opts[i + 1] is not False
        else:
            raise value_error("spit", f"unknown option {short_pr(opts[i])}, "
                                       f"expected :append")
    try:
        with open(path, "a" if append else "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as e:
        raise _io_error("spit", e, path) from None
    return None


def file_exists(path):
    return os.path.exists(path_arg("file-exists?", path))


def delete_file(path, silently=False):
    path_arg("delete-file", path)
    try:
        os.remove(path)
    except OSError as e:
        if silently is None or silently is False:
            raise _io_error("delete-file", e, path) from None
    return None


def exit_(code=0):
    int_arg("exit", code)
    raise TurmericExit(code)


def getenv(var, default=None):
    str_arg("getenv", var)
    return os.environ.get(var, default)


def now_ms():
    return time.time_ns() // 1_000_000


def sleep_ms(ms):
    if type(ms) is not int and type(ms) is not float:
        raise type_error("sleep-ms", "a number", ms)
    if not 0 <= ms < float("inf"):
        raise value_error("sleep-ms", f"expected a non-negative, finite number of "
                                       f"milliseconds, got {short_pr(ms)}")
    time.sleep(ms / 1000)
    return None


BUILTINS: dict[str, Callable] = {
    "read-line": read_line, "read-file": read_file, "write-file": write_file,
    "slurp": slurp, "spit": spit, "file-exists?": file_exists, "delete-file": delete_file,
    "exit": exit_, "getenv": getenv, "now-ms": now_ms, "sleep-ms": sleep_ms,
}
