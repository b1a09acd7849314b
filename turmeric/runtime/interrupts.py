"""Stopping Turmeric code that runs too long, from another thread.

Compiled Turmeric code is Python bytecode, so CPython's asynchronous exceptions reach it: the
watching thread (a workflow runner's heartbeat, the web server's waiting thread) makes the
running thread raise a TimedOut at its next bytecode. TimedOut is a BaseException, so that
no `(catch Exception e ...)` of the program's, and none of the machine's `except Exception`,
swallows it. Code blocked in a system call sees it only when the call returns.

`Interruptible` is the one place this is done: the running thread enters `inside(owner)`
around the code that may be stopped (a workflow's code, never its commit; one request), and
the watching thread calls `interrupt(exc, owner)`, which raises only into that stretch and
for that owner, at most once per stretch.
"""
from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager


class TimedOut(BaseException):
    """Turmeric code ran past a time limit another thread watches."""


def raise_in(thread_id: int, exc_type: type[BaseException] | None) -> None:
    """Make the thread `thread_id` raise exc_type at its next bytecode; None cancels one that
    is pending and not yet raised."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc_type) if exc_type is not None else None)


class Interruptible:
    """A stretch of one thread's code that another thread may stop with an exception."""

    def __init__(self):
        self.lock = threading.Lock()
        self.owner = None          # what the thread inside runs (None: no thread is inside)
        self.thread_id = 0
        self.fired: type[BaseException] | None = None

    @contextmanager
    def inside(self, owner):
        """Run the body as `owner`'s stretch. An exception `interrupt` raised in here leaves
        it as that exception, wherever the thread was when it was delivered, or not yet."""
        with self.lock:
            self.owner, self.thread_id, self.fired = owner, threading.get_ident(), None
        try:
            yield
        finally:
            with self.lock:
                self.owner = None
                fired = self.fired
            if fired is not None:
                raise_in(threading.get_ident(), None)   # not delivered yet: cancel it, raise it here
                raise fired()

    def interrupt(self, exc_type: type[BaseException], owner) -> bool:
        """Raise exc_type in the thread inside, if it runs `owner` and was not interrupted
        in this stretch already; whether it was raised."""
        with self.lock:
            if self.owner is not owner or owner is None or self.fired is not None:
                return False
            self.fired = exc_type
            raise_in(self.thread_id, exc_type)
            return True
