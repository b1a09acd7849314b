"""Printing: print, println, pr, prn, newline, flush, and pr-str, prn-str, which give the text
prn would write. print and println show values as `str` does (strings raw), pr and prn
readably (strings quoted), as data/printer.py's str_of and pr_str.

Output goes to `sys.stdout`, looked up at call time so that a session (or a test) can
redirect it.
"""
from __future__ import annotations

import io
import sys
from typing import Callable

from turmeric.data.printer import pr_str, str_of


def text_of(x) -> str:
    """What `str` and `print` show of x: data/printer.py's str_of, with the common cases first."""
    t = type(x)
    if t is str:
        return x
    if t is int and -10**15 < x < 10**15:
        return str(x)  # the common case, without the general printer
    return str_of(x)


def print_(*xs):
    sys.stdout.write(" ".join(map(text_of, xs)))


def println(*xs):
    sys.stdout.write(" ".join(map(text_of, xs)) + "\n")


def pr(*xs):
    sys.stdout.write(" ".join(map(pr_str, xs)))


def prn(*xs):
    sys.stdout.write(" ".join(map(pr_str, xs)) + "\n")


def newline():
    sys.stdout.write("\n")


def flush():
    sys.stdout.flush()


def pr_str_(*xs):
    return " ".join(map(pr_str, xs))


def prn_str(*xs):
    return pr_str_(*xs) + "\n"


class CapturedOutput(io.StringIO):
    """What with-out-str collects: standard output until %pop-output, then the one before."""
    turmeric_type = "captured-output"

    def __init__(self, previous):
        super().__init__()
        self.previous = previous


def push_output():
    """(core/%push-output): standard output goes to a new buffer (with-out-str, core.tm)."""
    buf = sys.stdout = CapturedOutput(sys.stdout)
    return buf


def pop_output(buf):
    """(core/%pop-output buf): standard output is what it was before buf (and before any
    buffer pushed after it and not popped); returns the text buf collected."""
    if type(buf) is not CapturedOutput:
        raise TypeError("%pop-output: expected captured output")
    sys.stdout = buf.previous
    return buf.getvalue()


BUILTINS: dict[str, Callable] = {
    "print": print_, "println": println, "pr": pr, "prn": prn, "newline": newline,
    "flush": flush, "pr-str": pr_str_, "prn-str": prn_str,
    "%push-output": push_output, "%pop-output": pop_output,
}
