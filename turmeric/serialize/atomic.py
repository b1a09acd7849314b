"""Writing a file so that a crash at any instant leaves the old file or the new one.

A write is one data fsync, one rename and one directory fsync (#14, the small checkpoint): the
temporary file is named after the process and thread, so no random name is drawn, and nothing
is looked up (no stat, no absolute path)."""
from __future__ import annotations

import _thread
import errno
import os

_FLAGS = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)   # (read-write, as mkstemp opens)
_SEQUENCE = [0]     # one more for each temporary name drawn after a clash


def atomic_write(path: str, data: bytes, sync_directory: bool = True):
    """Write `data` to `path` so that a crash at any instant leaves either the old file or
    the new one: temporary file in the same directory, fsync, rename, fsync the directory.
    `sync_directory=False` leaves the last step to the caller (`sync_dir`), who renames
    several files into one directory and syncs it once."""
    directory, name = os.path.split(path)
    fd, tmp = _temporary(directory, name)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if sync_directory:
        sync_dir(directory)


def _write_all(fd: int, data: bytes):
    """os.write until all of data is written (a write may take only part of it). No file
    object: its buffer and its lock cost a quarter of a small checkpoint's write (#14)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def sync_dir(directory: str):
    """fsync a directory, so that the renames into it survive a crash."""
    dfd = os.open(directory or ".", os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _temporary(directory: str, name: str) -> tuple[int, str]:
    """(descriptor, path) of a new temporary file `.tmp-PID-THREAD-NAME.part` beside `name`
    (gc-blobs removes an old one left by a crash); another name if that one exists (a
    leftover of an earlier process with the same pid) or is too long."""
    stem = f".tmp-{os.getpid()}-{_thread.get_ident()}"
    tmp = os.path.join(directory, f"{stem}-{name}.part")
    while True:
        try:
            return os.open(tmp, _FLAGS, 0o600), tmp
        except FileExistsError:
            pass
        except OSError as e:
            if e.errno != errno.ENAMETOOLONG:
                raise
        _SEQUENCE[0] += 1
        tmp = os.path.join(directory, f"{stem}-{_SEQUENCE[0]}.part")
