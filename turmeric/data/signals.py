"""The signals compiled code and the machine exchange (runtime/machine.py says who catches
which). They are plain exception classes: generated code names them, and `Continuation`
raises `Jump` when called, so they live below everything else."""
from __future__ import annotations


class Unwind(BaseException):
    """Moves the Python stack to the heap; not an error (so `except Exception` lets it pass)."""
    __slots__ = ("frames",)

    def __init__(self):
        self.frames = []


class Capture(Unwind):
    """(cloneable-shift [k] body): the prompt calls body(d, *free, k). A shift's body is
    compiled as a module function taking its captured variables first (`free`), not as a
    closure made at every capture (cps/shift.py)."""
    __slots__ = ("body", "free")

    def __init__(self, body, free=()):
        self.frames = []
        self.body = body
        self.free = free


class Jump(Unwind):
    __slots__ = ("k", "value")

    def __init__(self, k, value):
        self.frames = []
        self.k = k
        self.value = value


class DepthUnwind(Unwind):
    __slots__ = ()


class Thrown(Unwind):
    """(throw v): records frames so that try-with can hand the handler a continuation."""
    __slots__ = ("value", "error")

    def __init__(self, value, error=None):   # error: the TurmericError it carries, if any
        self.frames = []
        self.value = value
        self.error = error


class Raising:
    """Handed to a heap frame's resume entry to raise `error` inside the try it was in."""
    __slots__ = ("error",)

    def __init__(self, error):
        self.error = error
