"""Stopping Turmeric code that runs too long, from another thread.

Compiled Turmeric code is Python bytecode, so CPython's asynchronous exceptions reach it: the
watching thread (a workflow runner's heartbeat, the web server's waiting thread) makes the
running thread raise a TimedOut at its next bytecode. TimedOut is a BaseException, so that
no `(catch Exception e ...)` of the program's, and none of the machine's `except Exception`,
swallows it. Code blocked in a system call sees it only when the call returns.
"""
from __future__ import annotations

import ctypes


class TimedOut(BaseException):
    """Turmeric code ran past a time limit another thread watches."""


def raise_in(thread_id: int, exc_type: type[BaseException] | None) -> None:
    """Make the thread `thread_id` raise exc_type at its next bytecode; None cancels one that
    is pending and not yet raised."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id),
                                               ctypes.py_object(exc_type) if exc_type is not None else None)
